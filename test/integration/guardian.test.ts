/**
 * The guardian service end to end: real anvil chains with the bridge deployed (devnet, no
 * services), two real guardian processes (threshold 2) started as the devnet starts them, real
 * HTTP, the operator CLI as a child process, and users sending transfers with viem.
 *
 *   - a transfer is reported unconfirmed, then signable; both signatures recover to their
 *     guardians and together `deliver` on the destination;
 *   - a transfer above APPROVAL_ABOVE waits for `guardian approve` (CLI); unauthenticated
 *     approval is refused;
 *   - after a guardian signed a nonce, a reorg puts a different message at that nonce: the
 *     restarted guardian still refuses it ("conflicting nonce"), while a guardian that never
 *     signed the old one drops it as reorged out and signs the new one.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { erc20Abi, maxUint256, parseUnits, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attestationSigner, packSignatures, sortGuardians, type AttestationDomain } from "../../core/attestation.js";
import { publicClientFor, walletClientFor } from "../../core/chains.js";
import { bridgeGatewayAbi } from "../../core/generated/abis.js";
import {
  GuardianClient,
  GuardianRefusedError,
  type AttestResponse,
  type MessageState,
  type MessageView,
} from "../../core/guardian-api.js";
import { decodeMessagesSent } from "../../core/logs.js";
import { findChain, findToken, gatewayChains, type ChainInfo } from "../../core/manifest.js";
import { deliverArgs, deliveryValue, type Message } from "../../core/message.js";
import { rpc } from "../../devnet/infra.js";
import { waitFor, type ManagedProcess } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";

const REPO = resolve(import.meta.dirname, "../..");
const APPROVAL_ABOVE = "1000";
const OPERATOR_TOKEN = "integration-operator-token-0123456789";

interface RunningGuardian {
  process: ManagedProcess;
  readonly url: string;
  address: Address;
}

let dir: string;
let devnet: Devnet;
let guardians: RunningGuardian[];
let failed = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "guardian-it-"));
  // Two confirmations at one block a second: a message is visibly unconfirmed for ~2 s.
  devnet = await startDevnet({ services: false, dir: join(dir, "devnet"), l2Count: 2, confirmations: 2 });
  const keys = devnet.manifest.devKeys!.guardians.slice(0, 2);
  guardians = await Promise.all(
    keys.map(async (key, i) => {
      const process = await devnet.startService({
        ...devnet.guardianService(i),
        entry: join(REPO, "guardian/index.ts"),
        env: {
          MANIFEST: devnet.manifestPath,
          GUARDIAN_KEY: key,
          DEVNET: "true",
          OPERATOR_TOKEN,
          APPROVAL_ABOVE,
          DATA_DIR: join(dir, `guardian-${i}`),
          POLL_INTERVAL_MS: "250",
          LOG_LEVEL: "debug",
        },
        startTimeoutMs: 60_000,
      });
      return {
        process,
        // Follows the process if a restart had to move it.
        get url() {
          return process.url;
        },
        address: privateKeyToAccount(key as Hex).address,
      };
    }),
  );
  await Promise.all([0, 1, 2].map((user) => approveGateway(user, "l2a", "ALPHA")));
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  await devnet?.stop();
  // Logs of a failed run stay for inspection (they are under `dir`).
  if (failed) console.error(`guardian integration test failed; logs in ${dir}/devnet/logs`);
  else if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("guardian service", () => {
  it("reports a transfer unconfirmed then signable, and two signatures deliver it", async () => {
    const recipient = user(1).address;
    const sent = await sendTransfer(0, "l2a", "l2b", "ALPHA", "100", recipient);

    const states = await statesUntil(guardians[0]!, sent.msgId, "signable");
    expect(states[0]).toBe("unconfirmed");
    expect(states.at(-1)).toBe("signable");
    const view = await messageView(guardians[0]!, sent.msgId);
    expect(view).toMatchObject({
      msgId: sent.msgId,
      message: { nonce: sent.message.nonce.toString(), amount: parseUnits("100", 18).toString() },
    });

    // Its feed lists it with what it paid, read from the same MessageSent log.
    const feed = await new GuardianClient(guardians[0]!.url).signable({ waitMs: 0, limit: 5_000 });
    expect(feed.messages.find((m) => m.msgId === sent.msgId.toLowerCase())?.payment).toEqual({
      fee: sent.fee.toString(),
      quote: sent.quote.toString(),
    });

    // Each guardian follows the chain on its own poll: wait for the second one too before
    // asking both to sign (it may still be a poll behind the first).
    await statesUntil(guardians[1]!, sent.msgId, "signable");
    const signatures = await attestAll(sent.msgId, sent.message);
    const before = await balanceOf("l2b", "ALPHA", recipient);
    await deliver(sent.message, signatures);
    expect((await balanceOf("l2b", "ALPHA", recipient)) - before).toBe(parseUnits("100", 18));
  });

  it("holds a large transfer until the operator approves it with the CLI", async () => {
    const recipient = user(2).address;
    const sent = await sendTransfer(1, "l2a", "l2b", "ALPHA", "1500", recipient);
    for (const g of guardians) await statesUntil(g, sent.msgId, "awaiting-approval");
    const refused = await new GuardianClient(guardians[0]!.url)
      .attest(attestRequest(sent.message, [sent.msgId]))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GuardianRefusedError);
    expect((refused as GuardianRefusedError).refusal.awaitingApproval).toEqual([sent.msgId]);

    // Without the operator token nothing changes.
    const g0 = guardians[0]!;
    const anonymous = await fetch(`${g0.url}/v1/approve/${sent.msgId}`, { method: "POST" });
    expect(anonymous.status).toBe(401);
    const wrongHeader = await fetch(`${g0.url}/v1/approve/${sent.msgId}`, {
      method: "POST",
      headers: { authorization: "Bearer not-the-operator-token" },
    });
    expect(wrongHeader.status).toBe(401);
    // The CLI as a child process (its input errors are covered in test/ts/guardian/cli.test.ts).
    const [wrongCli, pending] = await Promise.all([
      cli(["approve", sent.msgId, "--url", g0.url, "--token", "not-the-operator-token"]),
      cli(["pending", "--manifest", devnet.manifestPath], { GUARDIAN_URL: g0.url, OPERATOR_TOKEN }),
    ]);
    expect(wrongCli.code).not.toBe(0);
    expect(wrongCli.stderr).toMatch(/refused the operator token \(HTTP 401\)/);
    expect((await messageView(g0, sent.msgId)).state).toBe("awaiting-approval");
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toContain(sent.msgId);
    expect(pending.stdout).toContain("1500 ALPHA");

    // Each guardian's operator approves on their own guardian: env for one, flags for the other.
    const [approved0, approved1] = await Promise.all([
      cli(["approve", sent.msgId], { GUARDIAN_URL: g0.url, OPERATOR_TOKEN }),
      cli(["approve", sent.msgId, "--url", guardians[1]!.url, "--token", OPERATOR_TOKEN, "--json"]),
    ]);
    expect(approved0.code, approved0.stderr).toBe(0);
    expect(approved0.stdout).toContain(`Approved ${sent.msgId}: now signable.`);
    expect(approved1.code, approved1.stderr).toBe(0);
    expect((JSON.parse(approved1.stdout) as MessageView).state).toBe("signable");
    const stillPending = await fetch(`${g0.url}/v1/pending`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect(((await stillPending.json()) as { pending: MessageView[] }).pending).toEqual([]);

    const signatures = await attestAll(sent.msgId, sent.message);
    const before = await balanceOf("l2b", "ALPHA", recipient);
    await deliver(sent.message, signatures);
    expect((await balanceOf("l2b", "ALPHA", recipient)) - before).toBe(parseUnits("1500", 18));
  });

  it("keeps refusing a conflicting message for a signed nonce across a restart and a reorg", async () => {
    const l2a = findChain(devnet.manifest, "l2a");
    const [g0, g1] = [guardians[0]!, guardians[1]!];
    const snapshot = (await rpc(l2a.rpcUrl, "evm_snapshot")) as string;

    const first = await sendTransfer(2, "l2a", "l2b", "ALPHA", "10", user(3).address);
    await statesUntil(g0, first.msgId, "signable");
    await statesUntil(g1, first.msgId, "signable");
    const signed = await new GuardianClient(g0.url).attest(attestRequest(first.message, [first.msgId]));
    expect(signed.root).toBe(first.msgId);

    await g0.process.stop();
    expect(await g0.process.waitForExit()).toBe(0);

    // Rewind l2a past the first message; the same user's next send takes the same nonce.
    expect(await rpc(l2a.rpcUrl, "evm_revert", [snapshot])).toBe(true);
    const second = await sendTransfer(2, "l2a", "l2b", "ALPHA", "20", user(4).address);
    expect(second.message.nonce).toBe(first.message.nonce);
    expect(second.msgId).not.toBe(first.msgId);

    await g0.process.start();
    await statesUntil(g0, second.msgId, "rejected");
    expect(await messageView(g0, second.msgId)).toMatchObject({ state: "rejected", reason: "conflicting nonce" });
    const refused = await new GuardianClient(g0.url)
      .attest(attestRequest(second.message, [second.msgId]))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GuardianRefusedError);
    expect((refused as GuardianRefusedError).refusal.rejected).toEqual([
      { msgId: second.msgId, reason: "conflicting nonce" },
    ]);

    // The other guardian was never asked, but it signed the first as it listed it (guardians
    // sign what they list, docs/guardian.md): it noticed the reorg — the first is gone — and
    // refuses the second for good too, as any guardian that signed the first must.
    await statesUntil(g1, second.msgId, "rejected");
    expect(await messageView(g1, second.msgId)).toMatchObject({ state: "rejected", reason: "conflicting nonce" });
    expect((await fetch(`${g1.url}/v1/messages/${first.msgId}`)).status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function user(i: number) {
  return privateKeyToAccount(devnet.manifest.devKeys!.users[i] as Hex);
}

function l2(name: string): ChainInfo & { gateway: Address } {
  const chain = gatewayChains(devnet.manifest).find((c) => c.name === name);
  if (!chain) throw new Error(`no L2 ${name}`);
  return chain;
}

async function approveGateway(userIndex: number, chainName: string, symbol: string) {
  const chain = l2(chainName);
  const token = findToken(devnet.manifest, symbol).addresses[String(chain.chainId)]!;
  const wallet = walletClientFor(chain, user(userIndex));
  const hash = await wallet.writeContract({
    address: token,
    abi: erc20Abi,
    functionName: "approve",
    args: [chain.gateway, maxUint256],
  });
  await publicClientFor(chain).waitForTransactionReceipt({ hash });
}

async function sendTransfer(
  userIndex: number,
  from: string,
  to: string,
  symbol: string,
  amount: string,
  recipient: Address,
) {
  const source = l2(from);
  const dest = l2(to);
  const token = findToken(devnet.manifest, symbol);
  const wallet = walletClientFor(source, user(userIndex));
  const hash = await wallet.writeContract({
    address: source.gateway,
    abi: bridgeGatewayAbi,
    functionName: "send",
    args: [
      token.addresses[String(source.chainId)]!,
      BigInt(dest.chainId),
      recipient,
      parseUnits(amount, token.decimals),
      0n,
      0n,
    ],
    // No fee: this test delivers its messages itself (no relayer runs here).
  });
  const receipt = await publicClientFor(source).waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  const [sent] = decodeMessagesSent(receipt.logs, source.gateway);
  if (!sent) throw new Error("send emitted no MessageSent");
  return sent;
}

async function messageView(g: RunningGuardian, msgId: Hex): Promise<MessageView> {
  const res = await fetch(`${g.url}/v1/messages/${msgId}`);
  if (!res.ok) throw new Error(`GET /v1/messages/${msgId}: HTTP ${res.status}`);
  return (await res.json()) as MessageView;
}

/** Polls the guardian's view of `msgId` until it reaches `target`; returns the states seen, in order. */
async function statesUntil(g: RunningGuardian, msgId: Hex, target: MessageState): Promise<MessageState[]> {
  const seen: MessageState[] = [];
  await waitFor(
    `${msgId} to be ${target} at ${g.url}`,
    async () => {
      const res = await fetch(`${g.url}/v1/messages/${msgId}`);
      if (res.status === 404) return false;
      const { state } = (await res.json()) as MessageView;
      if (seen.at(-1) !== state) seen.push(state);
      return state === target;
    },
    30_000,
    100,
  );
  return seen;
}

function domainOf(message: Message): AttestationDomain {
  return { destChainId: message.destChainId, destGateway: message.destGateway };
}

function attestRequest(message: Message, msgIds: Hex[]) {
  return { destChainId: Number(message.destChainId), destGateway: message.destGateway, msgIds };
}

/** Both guardians' attestations, each checked to recover to its guardian. */
async function attestAll(msgId: Hex, message: Message): Promise<AttestResponse[]> {
  const responses = await Promise.all(
    guardians.map((g) => new GuardianClient(g.url).attest(attestRequest(message, [msgId]))),
  );
  for (const [i, response] of responses.entries()) {
    expect(response.root).toBe(msgId);
    expect(response.guardian).toBe(guardians[i]!.address);
    const signer = await attestationSigner(
      domainOf(message),
      msgId,
      response.guardianSetIndex,
      response.signature as Hex,
    );
    expect(signer).toBe(guardians[i]!.address);
  }
  return responses;
}

async function deliver(message: Message, responses: AttestResponse[]) {
  const dest = gatewayChains(devnet.manifest).find((c) => BigInt(c.chainId) === message.destChainId)!;
  const relayer = privateKeyToAccount(devnet.manifest.devKeys!.relayers[0] as Hex);
  const attestation = {
    guardianSetIndex: responses[0]!.guardianSetIndex,
    guardians: sortGuardians(devnet.manifest.guardianSet.guardians.map((g) => g.address)),
    signatures: packSignatures(new Map(responses.map((r) => [r.guardian, r.signature as Hex]))),
  };
  const hash = await walletClientFor(dest, relayer).writeContract({
    address: dest.gateway,
    abi: bridgeGatewayAbi,
    functionName: "deliver",
    args: deliverArgs([message], attestation),
    value: deliveryValue([message]),
  });
  const receipt = await publicClientFor(dest).waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
}

async function balanceOf(chainName: string, symbol: string, holder: Address): Promise<bigint> {
  const chain = l2(chainName);
  const token = findToken(devnet.manifest, symbol).addresses[String(chain.chainId)]!;
  return publicClientFor(chain).readContract({
    address: token,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [holder],
  });
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The `guardian` CLI's bin (`guardian ...args`) with only the given operator env. */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base = { ...process.env };
  delete base.GUARDIAN_URL;
  delete base.OPERATOR_TOKEN;
  delete base.MANIFEST;
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(REPO, "cli/bin/guardian.mjs"), ...args],
      { cwd: REPO, env: { ...base, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
