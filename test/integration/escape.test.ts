/**
 * The escape hatch on the devnet's real OP Stack contracts, driven through the real `bridge
 * escape` CLI: when relayers (or enough guardians) are gone, a user gets a stuck transfer back
 * through L1 — cancel on the destination after the deadline (an L2→L1 message through the
 * `L2CrossDomainMessenger`), prove and finalize it on the destination's `OptimismPortal` with
 * viem's OP Stack actions, and the refund arrives on the source as a deposit through the source's
 * `L1CrossDomainMessenger` (executed by the devnet's deposit executor; output roots come from its
 * output proposer). No guardian or relayer takes part.
 *
 *   1. every relayer stopped: refund on the source L2;
 *   2. same, refund on L1 in real L1 tokens through the real standard bridges (ALPHA's home
 *      token is an `OptimismMintableERC20` of an L1 token);
 *   3. the relayers come back, with valid guardian signatures in hand: the cancelled messages
 *      can never be delivered;
 *   4. only M-1 guardians online: the transfer stalls and escapes the same way;
 *   5. a message delivered just before its deadline cannot be escaped;
 *   6. forged L2→L1 messages (wrong sender, wrong proof, before the window, replayed) are refused
 *      by the real portal and messenger;
 *   7. the monitor's supply invariant held throughout, and it counted the escapes.
 *
 * One devnet for the file; tests run in order. PORTCULLIS_KEEP_LOGS=1 keeps the devnet directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPublicClient,
  encodeFunctionData,
  erc20Abi,
  http,
  keccak256,
  parseUnits,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { buildProveWithdrawal, getL2Output, getWithdrawals, proveWithdrawal, finalizeWithdrawal } from "viem/op-stack";
import { BridgeClient, MessageStatus, type SentRecord } from "@portcullis/sdk";
import {
  bridgeGatewayAbi,
  escapeHatchAbi,
  l1CrossDomainMessengerAbi,
  l2CrossDomainMessengerAbi,
  l2OutputOracleAbi,
  optimismPortalAbi,
} from "../../core/generated/abis.js";
import { findToken, type ChainInfo, type Manifest, type RollupInfo } from "../../core/manifest.js";
import { deliverArgs, deliveryValue, MESSAGE_VERSION, type Message } from "../../core/message.js";
import { OP_PREDEPLOYS, opStackL2Chain } from "../../core/op-stack.js";
import { viemChain, walletClientFor } from "../../core/chains.js";
import { waitFor } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { attestAsGuardians, chainOf, mined, walletOn, type Chain } from "./helpers/actors.js";
import { runBridge, spawnBridge, type CliRun } from "./helpers/cli.js";
import { advanceClocks, holdBlocks, resumeBlocks } from "./helpers/clock.js";
import { govern } from "./helpers/governance.js";

/** Short on the devnet so the suite runs in minutes; 7 days by default elsewhere. */
const FINALIZATION_SECONDS = 6;
/**
 * Seconds a stuck test transfer stays deliverable. Tests that need the CLI to start before the
 * deadline hold the destination's blocks (its clock stands still) until the CLI says it waits, so
 * no step has to beat the wall clock.
 */
const DEADLINE_SECONDS = 12;
/**
 * Deadline of the transfer that must be delivered before it: long enough for any machine to
 * deliver it; the test then moves the devnet's clocks past it instead of waiting.
 */
const DELIVERABLE_SECONDS = 600;
const TIMEOUT_MS = 240_000;

let dir: string;
let devnet: Devnet;
let manifest: Manifest;
let sdk: BridgeClient;
let l1: Chain;
let l2a: Chain;
let l2b: Chain;
let userKey: Hex;
let user: Address;
const cancelled: SentRecord[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-escape-"));
  devnet = await startDevnet({ dir, services: true, finalizationSeconds: FINALIZATION_SECONDS });
  manifest = devnet.manifest;
  sdk = new BridgeClient(manifest);
  l1 = chainOf(manifest, "l1");
  l2a = chainOf(manifest, "l2a");
  l2b = chainOf(manifest, "l2b");
  userKey = manifest.devKeys!.users[3]! as Hex;
  user = privateKeyToAccount(userKey).address;
}, TIMEOUT_MS);

afterAll(async () => {
  await devnet?.stop();
  if (dir && !process.env.PORTCULLIS_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
});

function bridge(args: string[]): Promise<CliRun> {
  return runBridge(args, cliOptions());
}

function cliOptions() {
  return { manifestPath: devnet.manifestPath, env: { BRIDGE_KEY: userKey }, timeoutMs: TIMEOUT_MS };
}

/** A user's transfer with a short deadline, through the SDK `bridge transfer` uses. */
async function send(
  from: string,
  to: string,
  symbol: string,
  amount: string,
  deadlineSeconds = DEADLINE_SECONDS,
): Promise<SentRecord> {
  const request = { from, to, token: symbol, amount, sender: user, deadlineSeconds };
  return sdk.sendTransfer(request, walletClientFor(chainOf(manifest, from).info, privateKeyToAccount(userKey)));
}

/**
 * Runs `fn` with the destination's blocks held: its clock cannot reach a deadline meanwhile,
 * however slowly the machine runs the CLI. Blocks resume when `fn` calls `resume` (or at the end).
 */
async function withDestinationHeld<T>(dest: Chain, fn: (resume: () => Promise<void>) => Promise<T>): Promise<T> {
  let held = true;
  const resume = async () => {
    if (held) await resumeBlocks(dest.info.rpcUrl);
    held = false;
  };
  await holdBlocks(dest.info.rpcUrl);
  try {
    return await fn(resume);
  } finally {
    await resume();
  }
}

function balanceOf(c: Chain, token: Address, who: Address): Promise<bigint> {
  return c.client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
}

function tokenOn(symbol: string, c: Chain): Address {
  return findToken(manifest, symbol).addresses[String(c.info.chainId)]!;
}

function locked(c: Chain, symbol: string): Promise<bigint> {
  return c.client.readContract({
    address: c.info.gateway,
    abi: bridgeGatewayAbi,
    functionName: "lockedBalance",
    args: [findToken(manifest, symbol).homeToken],
  });
}

async function destStatus(sent: SentRecord): Promise<number> {
  const dest = chainOf(manifest, sent.dest.name);
  const q = await dest.client.readContract({
    address: dest.info.gateway,
    abi: bridgeGatewayAbi,
    functionName: "queuedMessage",
    args: [sent.msgId],
  });
  return Number(q.status);
}

function expectEscaped(run: CliRun) {
  if (run.code !== 0) throw new Error(`bridge escape exited ${run.code}\n${run.stdout}\n${run.stderr}`);
}

describe("escape hatch", () => {
  it(
    "with every relayer stopped, a stuck transfer is refunded on the source L2",
    async () => {
      await Promise.all(devnet.relayers.map((r) => r.stop()));
      const alpha = tokenOn("ALPHA", l2a);
      const { sent, afterSend, lockedAfterSend, run } = await withDestinationHeld(l2b, async (resume) => {
        const sent = await send("l2a", "l2b", "ALPHA", "5");
        const afterSend = await balanceOf(l2a, alpha, user);
        const lockedAfterSend = await locked(l2a, "ALPHA");
        // Started before the deadline (l2b's clock is held): it says it waits, then does the rest.
        const escape = spawnBridge(["escape", sent.msgId], cliOptions());
        await escape.printed("waiting for the deadline");
        await resume();
        return { sent, afterSend, lockedAfterSend, run: await escape.finished };
      });
      expectEscaped(run);
      expect(run.stdout).toContain("finalization window");
      expect(run.stdout).toContain("refunded to the sender on the source chain");

      expect(await balanceOf(l2a, alpha, user)).toBe(afterSend + parseUnits("5", 18));
      expect(await locked(l2a, "ALPHA")).toBe(lockedAfterSend - parseUnits("5", 18));
      expect(await balanceOf(l2b, tokenOn("ALPHA", l2b), user)).toBe(0n);
      expect(await destStatus(sent)).toBe(MessageStatus.Cancelled);
      cancelled.push(sent);

      // Resumable: running it again reports the finished escape and changes nothing.
      const again = await bridge(["escape", sent.msgId]);
      expectEscaped(again);
      expect(await balanceOf(l2a, alpha, user)).toBe(afterSend + parseUnits("5", 18));

      // The status follows the escape to its end: cancelled on l2b, then refunded on l2a.
      const status = await bridge(["status", sent.msgId]);
      expect(status.stdout).toMatch(/stage\s+refunded/);
      expect(status.stdout).toMatch(/cancelled\s+\d{4}-.*\(l2b block/);
      expect(status.stdout).toContain("escape: refunded to the sender on the source chain");
    },
    TIMEOUT_MS,
  );

  it(
    "the sender can take the refund on L1, in real L1 tokens",
    async () => {
      const l1Token = findToken(manifest, "ALPHA").l1Token!;
      const { sent, l1Before, l2Before } = await withDestinationHeld(l2b, async () => {
        const sent = await send("l2a", "l2b", "ALPHA", "3");
        const l1Before = await balanceOf(l1, l1Token, user);
        const l2Before = await balanceOf(l2a, tokenOn("ALPHA", l2a), user);
        // Interrupted (here: a timeout before the deadline, which l2b's held clock guarantees),
        // then resumed by running it again.
        const cut = await bridge(["escape", sent.msgId, "--to-l1", "--timeout", "2"]);
        expect(cut.code, cut.stdout + cut.stderr).toBe(4);
        expect(cut.stdout).toContain("run `bridge escape");
        return { sent, l1Before, l2Before };
      });
      const run = await bridge(["escape", sent.msgId, "--to-l1"]);
      expectEscaped(run);
      expect(run.stdout).toContain("L1 withdrawal");

      expect(await balanceOf(l1, l1Token, user)).toBe(l1Before + parseUnits("3", 18));
      expect(await balanceOf(l2a, tokenOn("ALPHA", l2a), user)).toBe(l2Before);
      cancelled.push(sent);
    },
    TIMEOUT_MS,
  );

  it(
    "relayers that come back with valid signatures cannot deliver a cancelled message",
    async () => {
      await Promise.all(devnet.relayers.map((r) => r.start()));
      for (const sent of cancelled) {
        const dest = chainOf(manifest, sent.dest.name);
        const attestation = await attestAsGuardians(manifest, [sent.message]);
        await expect(
          dest.client.simulateContract({
            account: privateKeyToAccount(manifest.devKeys!.relayers[0]! as Hex),
            address: dest.info.gateway,
            abi: bridgeGatewayAbi,
            functionName: "deliver",
            args: deliverArgs([sent.message], attestation),
            value: deliveryValue([sent.message]),
          }),
        ).rejects.toThrow(/BridgeMessageExpired|BridgeMessageAlreadyProcessed/);
        expect(await destStatus(sent)).toBe(MessageStatus.Cancelled);
      }
    },
    TIMEOUT_MS,
  );

  it(
    "with only M-1 guardians online, a stuck transfer escapes the same way — even with both gateways paused",
    async () => {
      const online = manifest.guardianSet.threshold - 1;
      const stopped = devnet.guardians.slice(online);
      await Promise.all(stopped.map((g) => g.stop()));
      try {
        const beta = tokenOn("BETA", l2b);
        const sent = await send("l2b", "l2a", "BETA", "2");
        const afterSend = await balanceOf(l2b, beta, user);
        // The decision under test: a pause stops the bridge's own flow, never a user's exit.
        const monitorKey = manifest.devKeys!.monitor as Hex;
        for (const c of [l2a, l2b]) {
          await mined(
            c,
            walletOn(c, monitorKey).writeContract({
              address: c.info.gateway,
              abi: bridgeGatewayAbi,
              functionName: "pause",
            }),
          );
        }
        const run = await bridge(["escape", sent.msgId]);
        expectEscaped(run);
        expect(await balanceOf(l2b, beta, user)).toBe(afterSend + parseUnits("2", 6));
        expect(await balanceOf(l2a, tokenOn("BETA", l2a), user)).toBe(0n);
        cancelled.push(sent);
      } finally {
        await Promise.all(stopped.map((g) => g.start()));
        // Unpausing is governance's: through the council Safe and the timelock (one per chain,
        // so both proposals wait out their delays side by side).
        await Promise.all(
          [l2a, l2b].map(async (c) => {
            const paused = await c.client.readContract({
              address: c.info.gateway,
              abi: bridgeGatewayAbi,
              functionName: "paused",
            });
            if (paused) await govern(manifest, c.info.name, "unpause");
          }),
        );
      }
    },
    TIMEOUT_MS,
  );

  it(
    "a message delivered just before its deadline cannot be escaped",
    async () => {
      // A deadline no machine can miss; once delivered, the whole devnet's clocks move past it.
      const sent = await send("l2a", "l2b", "ALPHA", "1", DELIVERABLE_SECONDS);
      const last = await sdk.follow(sent, { timeoutMs: TIMEOUT_MS - 30_000 });
      expect(last.status.stage).toBe("executed");
      const now = (await l2b.client.getBlock()).timestamp;
      await advanceClocks(
        manifest.chains.map((c) => c.rpcUrl),
        Number(sent.message.deadline - now) + 1,
      );
      expect((await l2b.client.getBlock()).timestamp).toBeGreaterThan(sent.message.deadline);
      const run = await bridge(["escape", sent.msgId]);
      expect(run.code).toBe(3);
      expect(run.stdout).toContain("cannot escape: it was delivered");
      expect(await balanceOf(l2b, tokenOn("ALPHA", l2b), user)).toBeGreaterThanOrEqual(parseUnits("1", 18));
    },
    TIMEOUT_MS,
  );

  describe("forged L2→L1 messages are refused on L1 by the real OP contracts", () => {
    /** A made-up `onMessageCancelled` call that would refund `amount` ALPHA on l2a. */
    function forgedCall(amount: string): Hex {
      const message: Message = {
        version: MESSAGE_VERSION,
        nonce: 999_999n,
        sourceChainId: BigInt(l2a.info.chainId),
        destChainId: BigInt(l2b.info.chainId),
        sourceGateway: l2a.info.gateway,
        destGateway: l2b.info.gateway,
        sender: user,
        recipient: user,
        tokenChainId: BigInt(findToken(manifest, "ALPHA").homeChainId),
        token: findToken(manifest, "ALPHA").homeToken,
        amount: parseUnits(amount, 18),
        deadline: 1n,
        dropOff: 0n,
      };
      return encodeFunctionData({ abi: escapeHatchAbi, functionName: "onMessageCancelled", args: [message, false] });
    }

    function rollupOf(c: Chain): RollupInfo {
      return c.info.rollup!;
    }

    function opClients(c: Chain) {
      const l2Chain = opStackL2Chain(c.info as ChainInfo & { rollup: RollupInfo }, l1.info.chainId);
      return {
        l2Chain,
        l1Client: createPublicClient({ chain: viemChain(l1.info), transport: http(l1.info.rpcUrl) }),
        l2Client: createPublicClient({ chain: l2Chain, transport: http(c.info.rpcUrl) }),
      };
    }

    it(
      "before the window, with a wrong proof, from the wrong L2 sender, and replayed",
      async () => {
        // The user (not l2b's gateway) sends a "cancellation" to the hatch through the real
        // L2CrossDomainMessenger: it is a genuine L2→L1 message, from the wrong sender.
        const receipt = await mined(
          l2b,
          walletOn(l2b, userKey).writeContract({
            address: OP_PREDEPLOYS.l2CrossDomainMessenger,
            abi: l2CrossDomainMessengerAbi,
            functionName: "sendMessage",
            args: [manifest.escape!.escapeHatch, forgedCall("1000"), 1_500_000],
          }),
        );
        const [withdrawal] = getWithdrawals(receipt);
        expect(withdrawal).toBeDefined();
        const { l2Chain, l1Client, l2Client } = opClients(l2b);
        const portal = rollupOf(l2b).portal;

        // Not provable until the proposer posts an output covering its block.
        await waitFor(
          "an output root covering the withdrawal",
          async () =>
            (await l1.client.readContract({
              address: rollupOf(l2b).l2OutputOracle,
              abi: l2OutputOracleAbi,
              functionName: "latestBlockNumber",
            })) >= receipt.blockNumber,
          60_000,
          250,
        );
        const output = await getL2Output(l1Client, { l2BlockNumber: receipt.blockNumber, targetChain: l2Chain });
        const args = await buildProveWithdrawal(l2Client, { withdrawal: withdrawal!, output });

        // A wrong proof: the withdrawal altered, or the proof cut short.
        const simulateProve = (w: typeof args.withdrawal, proof: readonly Hex[]) =>
          l1.client.simulateContract({
            account: user,
            address: portal,
            abi: optimismPortalAbi,
            functionName: "proveWithdrawalTransaction",
            args: [w, args.l2OutputIndex, args.outputRootProof, proof],
          });
        // The portal's MerkleTrie refuses a path the trie does not hold, or a broken node chain.
        await expect(
          simulateProve({ ...args.withdrawal, data: forgedCall("2000") }, args.withdrawalProof),
        ).rejects.toThrow(/invalid withdrawal inclusion proof|MerkleTrie: /);
        await expect(simulateProve(args.withdrawal, args.withdrawalProof.slice(1))).rejects.toThrow(
          /invalid withdrawal inclusion proof|MerkleTrie: /,
        );

        // Properly proven (anyone may prove), but not final: refused before the window.
        const l1Wallet = walletOn(l1, userKey);
        await mined(
          l1,
          proveWithdrawal(l1Wallet, { ...args, account: l1Wallet.account, targetChain: l2Chain } as never),
        );
        const simulateFinalize = () =>
          l1.client.simulateContract({
            account: user,
            address: portal,
            abi: optimismPortalAbi,
            functionName: "finalizeWithdrawalTransaction",
            args: [args.withdrawal],
          });
        await expect(simulateFinalize()).rejects.toThrow(/finalization period has not elapsed/);
        await waitFor(
          "the finalization window to pass",
          async () =>
            simulateFinalize().then(
              () => true,
              () => false,
            ),
          60_000,
          500,
        );

        // Final: the portal and B's L1 messenger relay it, the hatch refuses the sender, and the
        // messenger records it as failed. No refund is deposited to l2a.
        const l2aPortal = rollupOf(l2a).portal;
        const depositsBefore = await l1.client.getContractEvents({
          address: l2aPortal,
          abi: optimismPortalAbi,
          eventName: "TransactionDeposited",
          fromBlock: 0n,
        });
        const finalized = await mined(
          l1,
          finalizeWithdrawal(l1Wallet, {
            account: l1Wallet.account,
            targetChain: l2Chain,
            withdrawal: withdrawal!,
          } as never),
        );
        expect(
          await l1.client.readContract({
            address: rollupOf(l2b).l1CrossDomainMessenger,
            abi: l1CrossDomainMessengerAbi,
            functionName: "failedMessages",
            args: [keccak256(withdrawal!.data)],
          }),
        ).toBe(true);
        const depositsAfter = await l1.client.getContractEvents({
          address: l2aPortal,
          abi: optimismPortalAbi,
          eventName: "TransactionDeposited",
          fromBlock: 0n,
          toBlock: finalized.blockNumber,
        });
        expect(depositsAfter.length).toBe(depositsBefore.length);

        // Replayed: a finalized withdrawal is finalized once.
        await expect(simulateFinalize()).rejects.toThrow(/withdrawal has already been finalized/);
      },
      TIMEOUT_MS,
    );

    it(
      "a genuine cancellation, once finalized, cannot be replayed for a second refund",
      async () => {
        const escaped = cancelled[0]!;
        const cancelLogs = await l2b.client.getContractEvents({
          address: l2b.info.gateway,
          abi: bridgeGatewayAbi,
          eventName: "MessageCancelled",
          args: { msgId: escaped.msgId },
          fromBlock: 0n,
        });
        const receipt = await l2b.client.getTransactionReceipt({ hash: cancelLogs[0]!.transactionHash });
        const [withdrawal] = getWithdrawals(receipt);
        await expect(
          l1.client.simulateContract({
            account: user,
            address: rollupOf(l2b).portal,
            abi: optimismPortalAbi,
            functionName: "finalizeWithdrawalTransaction",
            args: [withdrawal!],
          }),
        ).rejects.toThrow(/withdrawal has already been finalized/);
      },
      TIMEOUT_MS,
    );
  });

  it(
    "the monitor's supply invariant held throughout, and it counted the escapes",
    async () => {
      const monitor = `http://127.0.0.1:${devnet.ports.monitor}`;
      await waitFor(
        "the monitor to count every escape",
        async () => {
          const text = await (await fetch(`${monitor}/metrics`)).text();
          const total = (stage: string) =>
            text
              .split("\n")
              .filter((l) => l.startsWith("bridge_escapes_total{") && l.includes(`stage="${stage}"`))
              .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
          return total("cancelled") >= cancelled.length && total("refunded") >= cancelled.length;
        },
        60_000,
        1_000,
      );
      const { alerts } = (await (await fetch(`${monitor}/alerts`)).json()) as { alerts: { kind: string }[] };
      const kinds = alerts.map((a) => a.kind);
      expect(kinds).not.toContain("supply_breach");
      expect(kinds).not.toContain("forged_message");
      for (const chain of ["l2a", "l2b"]) {
        const c = chainOf(manifest, chain);
        expect(
          await c.client.readContract({ address: c.info.gateway, abi: bridgeGatewayAbi, functionName: "paused" }),
        ).toBe(false);
      }
      // Spot-check the invariant directly too: bridged ALPHA on l2b is backed by l2a's lock.
      const minted = await l2b.client.readContract({
        address: tokenOn("ALPHA", l2b),
        abi: erc20Abi,
        functionName: "totalSupply",
      });
      expect(minted).toBeLessThanOrEqual(await locked(l2a, "ALPHA"));
    },
    TIMEOUT_MS,
  );
});
