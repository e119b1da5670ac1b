/**
 * The escape hatch on the devnet, driven through the real `bridge escape` CLI: when relayers (or
 * enough guardians) are gone, a user gets a stuck transfer back through L1 — cancel on the
 * destination after the deadline, prove the cancellation on L1 after the rollup's finalization
 * window, and the refund arrives on the source through the rollup's own deposit relay (the
 * devnet's proposer/sequencer processes). No guardian or relayer takes part.
 *
 *   1. every relayer stopped: refund on the source L2;
 *   2. same, refund on L1 in real L1 tokens (ALPHA's home token is the canonical L2 copy of an L1
 *      token);
 *   3. the relayers come back, with valid guardian signatures in hand: the cancelled messages
 *      can never be delivered;
 *   4. only M-1 guardians online: the transfer stalls and escapes the same way;
 *   5. a message delivered just before its deadline cannot be escaped;
 *   6. forged L2→L1 messages (wrong sender, wrong proof, before the window) are refused on L1;
 *   7. the monitor's supply invariant held throughout, and it counted the escapes.
 *
 * One devnet for the file; tests run in order. PORTCULLIS_KEEP_LOGS=1 keeps the devnet directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeFunctionData,
  erc20Abi,
  parseUnits,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { BridgeClient, MessageStatus, type SentRecord } from "@portcullis/sdk";
import { walletClientFor } from "../../core/chains.js";
import { bridgeGatewayAbi, escapeHatchAbi, simL2MessengerAbi, simRollupPortalAbi } from "../../core/generated/abis.js";
import { findToken, type Manifest } from "../../core/manifest.js";
import { toDeliveryBatch, type Message } from "../../core/message.js";
import {
  decodeMessagesPassed,
  readOutputs,
  readWithdrawalHashes,
  withdrawalProof,
  type Withdrawal,
} from "../../core/rollup.js";
import { waitFor } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { attestAsGuardians, chainOf, mined, walletOn, type Chain } from "./helpers/actors.js";
import { runBridge, type CliRun } from "./helpers/cli.js";
import { govern } from "./helpers/governance.js";

/** Short on the devnet so the suite runs in minutes; 7 days by default elsewhere. */
const FINALIZATION_SECONDS = 6;
/** Seconds a test transfer stays deliverable. */
const DEADLINE_SECONDS = 12;
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
  return runBridge(args, { manifestPath: devnet.manifestPath, env: { BRIDGE_KEY: userKey }, timeoutMs: TIMEOUT_MS });
}

/** A user's transfer with a short deadline, through the SDK `bridge transfer` uses. */
async function send(from: string, to: string, symbol: string, amount: string): Promise<SentRecord> {
  const request = { from, to, token: symbol, amount, sender: user, deadlineSeconds: DEADLINE_SECONDS };
  return sdk.sendTransfer(request, walletClientFor(chainOf(manifest, from).info, privateKeyToAccount(userKey)));
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
      const sent = await send("l2a", "l2b", "ALPHA", "5");
      const afterSend = await balanceOf(l2a, alpha, user);
      const lockedAfterSend = await locked(l2a, "ALPHA");

      const run = await bridge(["escape", sent.msgId]);
      expectEscaped(run);
      expect(run.stdout).toContain("waiting for the deadline");
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
      const sent = await send("l2a", "l2b", "ALPHA", "3");
      const l1Before = await balanceOf(l1, l1Token, user);
      const l2Before = await balanceOf(l2a, tokenOn("ALPHA", l2a), user);

      // Interrupted (here: a timeout before the deadline), then resumed by running it again.
      const cut = await bridge(["escape", sent.msgId, "--to-l1", "--timeout", "2"]);
      expect(cut.code).toBe(4);
      expect(cut.stdout).toContain("run `bridge escape");
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
      for (const r of devnet.relayers) r.start();
      for (const sent of cancelled) {
        const dest = chainOf(manifest, sent.dest.name);
        const { header, transfers } = toDeliveryBatch([sent.message]);
        const attestation = await attestAsGuardians(manifest, [sent.message]);
        await expect(
          dest.client.simulateContract({
            account: privateKeyToAccount(manifest.devKeys!.relayers[0]! as Hex),
            address: dest.info.gateway,
            abi: bridgeGatewayAbi,
            functionName: "deliver",
            args: [header, transfers, [], attestation],
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
        for (const g of stopped) g.start();
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
      const sent = await send("l2a", "l2b", "ALPHA", "1");
      const last = await sdk.follow(sent, { timeoutMs: 120_000 });
      expect(last.status.stage).toBe("executed");
      await waitFor(
        "the deadline to pass on l2b",
        async () => (await l2b.client.getBlock()).timestamp > sent.message.deadline,
        60_000,
        500,
      );
      const run = await bridge(["escape", sent.msgId]);
      expect(run.code).toBe(3);
      expect(run.stdout).toContain("cannot escape: it was delivered");
      expect(await balanceOf(l2b, tokenOn("ALPHA", l2b), user)).toBeGreaterThanOrEqual(parseUnits("1", 18));
    },
    TIMEOUT_MS,
  );

  describe("forged L2→L1 messages are refused on L1", () => {
    /** A made-up `onMessageCancelled` call that would refund `amount` ALPHA on l2a. */
    function forgedCall(amount: string): Hex {
      const message: Message = {
        version: 1,
        nonce: 999_999n,
        sourceChainId: BigInt(l2a.info.chainId),
        destChainId: BigInt(l2b.info.chainId),
        sourceGateway: l2a.info.gateway,
        destGateway: l2b.info.gateway,
        sender: user,
        recipient: user,
        token: findToken(manifest, "ALPHA").homeToken,
        amount: parseUnits(amount, 18),
        deadline: 1n,
      };
      return encodeFunctionData({ abi: escapeHatchAbi, functionName: "onMessageCancelled", args: [message, false] });
    }

    /** Sends an L2→L1 message from the user's own key on l2b and returns it. */
    async function passFromUser(data: Hex): Promise<Withdrawal> {
      const receipt = await mined(
        l2b,
        walletOn(l2b, userKey).writeContract({
          address: l2b.info.rollup!.messenger,
          abi: simL2MessengerAbi,
          functionName: "sendToL1",
          args: [manifest.escape!.escapeHatch, data],
        }),
      );
      return decodeMessagesPassed(receipt.logs, l2b.info.rollup!.messenger)[0]!.withdrawal;
    }

    /** Waits for an output covering `w` and returns its index and a valid proof. */
    async function covered(w: Withdrawal) {
      const portal = l2b.info.rollup!.portal;
      let output: Awaited<ReturnType<typeof readOutputs>>[number] | undefined;
      await waitFor(
        "an output root covering the withdrawal",
        async () =>
          (output = (await readOutputs(l1.client, portal)).find((o) => o.withdrawalCount > w.nonce)) !== undefined,
        60_000,
        250,
      );
      if (!output) throw new Error("unreachable: waitFor returned without an output");
      const hashes = await readWithdrawalHashes(l2b.client, l2b.info.rollup!.messenger);
      return { output, proof: withdrawalProof(hashes, w.nonce, Number(output.withdrawalCount)) };
    }

    /** The name of the error the relayed call's target reverted with, inside PortalRelayFailed. */
    function innerRevert(e: unknown): string | undefined {
      if (!(e instanceof BaseError)) return undefined;
      const revert = e.walk((x) => x instanceof ContractFunctionRevertedError);
      if (!(revert instanceof ContractFunctionRevertedError) || revert.data?.errorName !== "PortalRelayFailed") {
        return undefined;
      }
      const reason = revert.data.args?.[1] as Hex;
      return decodeErrorResult({ abi: escapeHatchAbi, data: reason }).errorName;
    }

    function relay(w: Withdrawal, outputIndex: bigint, proof: Hex[]) {
      return l1.client.simulateContract({
        account: user,
        address: l2b.info.rollup!.portal,
        abi: simRollupPortalAbi,
        functionName: "relayMessage",
        args: [w, outputIndex, proof],
      });
    }

    it(
      "before the finalization window, with a wrong proof, and from the wrong L2 sender",
      async () => {
        const w = await passFromUser(forgedCall("1000"));
        const { output, proof } = await covered(w);

        // Before the window (the devnet's proposer posts within a second; the window is longer).
        const l1Now = (await l1.client.getBlock()).timestamp;
        if (l1Now < output.timestamp + BigInt(FINALIZATION_SECONDS)) {
          await expect(relay(w, output.index, proof)).rejects.toThrow(/PortalOutputNotFinalized/);
        }
        await waitFor(
          "the finalization window to pass",
          async () => (await l1.client.getBlock()).timestamp >= output.timestamp + BigInt(FINALIZATION_SECONDS),
          60_000,
          500,
        );

        // A wrong proof (and a withdrawal that does not match its proof).
        const bad =
          proof.length > 0 ? [`0x${"11".repeat(32)}` as Hex, ...proof.slice(1)] : [`0x${"11".repeat(32)}` as Hex];
        await expect(relay(w, output.index, bad)).rejects.toThrow(/PortalInvalidProof/);
        await expect(relay({ ...w, data: forgedCall("2000") }, output.index, proof)).rejects.toThrow(
          /PortalInvalidProof/,
        );

        // Properly proven, but sent by the user's key, not the l2b gateway: the hatch refuses,
        // and the portal reports the hatch's reason inside PortalRelayFailed.
        const refusal = await relay(w, output.index, proof).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(innerRevert(refusal)).toBe("EscapeUnauthorized");
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
