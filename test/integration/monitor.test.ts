/**
 * The monitor as it runs in production: a separate process (`monitor/index.ts`) watching real
 * devnet chains (anvil, 1 s blocks) with the bridge deployed, its PAUSER/VETO key from the
 * manifest, and stub guardians serving /healthz. The test plays users, relayers and attackers
 * with the devnet's keys and checks what the monitor sees, says and does:
 *
 *   (b) a legitimate transfer, relayed by hand, raises nothing and shows in the flow metrics;
 *   (d) a transfer nobody relays raises a pending-SLO alert;
 *   (a) a guardian-key compromise: a forged LARGE mint (queued behind the delay) is vetoed and
 *       its destination paused before it can execute; a restarted monitor respects governance
 *       having unpaused after the incident;
 *   (c) a forged FAST mint (executed at once) is detected, its gateway paused, and the solvency
 *       check pauses every gateway;
 *   (e) guardian liveness.
 *
 * Run: npx vitest run --project integration test/integration/monitor.test.ts
 */
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { erc20Abi, parseEventLogs, parseUnits, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { bridgeGatewayAbi } from "../../core/generated/abis.js";
import type { GuardianHealth } from "../../core/guardian-api.js";
import { findToken, type Manifest } from "../../core/manifest.js";
import { messageId, type Message } from "../../core/message.js";
import { rpc } from "../../devnet/infra.js";
import { waitFor, type ManagedProcess } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { govern } from "./helpers/governance.js";
import { MessageStatus } from "../../monitor/gateway.js";
import {
  chainOf,
  deliverSigned,
  forgeMessage,
  isPaused,
  mined,
  sendTransfer,
  walletOn,
  type Chain,
} from "./helpers/actors.js";

const PENDING_SLO_SECONDS = 8;
const GUARDIAN_POLL_MS = 300;
const LARGE_DELAY_SECONDS = 30;

let dir: string;
let devnet: Devnet;
let manifest: Manifest;
let monitor: ManagedProcess;
let guardianStubs: Server[] = [];
let l2a: Chain;
let l2b: Chain;

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

const chain = (name: string): Chain => chainOf(manifest, name);
const wallet = walletOn;

/** Stand-ins for the guardian services: only their /healthz, as the monitor polls it. */
async function startGuardianStubs(): Promise<Server[]> {
  return Promise.all(
    manifest.guardianSet.guardians.map(async (g, i) => {
      const health: GuardianHealth = {
        ok: true,
        guardian: g.address,
        chains: {},
        lastSignedAt: 1_700_000_000 + i,
      };
      const server = createServer((req, res) => {
        res.writeHead(req.url === "/healthz" ? 200 : 404, { "content-type": "application/json" });
        res.end(JSON.stringify(health));
      });
      const { port } = new URL(g.url);
      await new Promise<void>((resolve) => server.listen(Number(port), "127.0.0.1", resolve));
      return server;
    }),
  );
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${monitorUrl()}${path}`, { signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as T;
}

interface AlertView {
  id: number;
  kind: string;
  chain?: string;
  msgId?: Hex;
  token?: string;
  summary: string;
  details: Record<string, unknown>;
  actions: { action: string; chain: string; status: string; txHash?: Hex; blockNumber?: string; reason?: string }[];
}

async function alerts(): Promise<AlertView[]> {
  return (await getJson<{ alerts: AlertView[] }>("/alerts")).alerts;
}

/** The value of one sample of /metrics, e.g. metric("bridge_paused", { chain: "l2b" }). */
async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`${monitorUrl()}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (.+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? "").split(",");
    if (wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return undefined;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  await waitFor(what, check, timeoutMs, 200);
}

const deliver = (dest: Chain, messages: readonly Message[], relayerKey: Hex) =>
  deliverSigned(manifest, dest, messages, relayerKey);
const send = (from: Chain, to: Chain, symbol: string, amount: string, userKey: Hex) =>
  sendTransfer(manifest, from, to, symbol, amount, userKey);
const forge = (from: Chain, to: Chain, symbol: string, amount: string, recipient: Address, nonce: bigint) =>
  forgeMessage(manifest, from, to, symbol, amount, recipient, nonce);

async function queuedStatus(c: Chain, msgId: Hex): Promise<number> {
  const q = await c.client.readContract({
    address: c.info.gateway,
    abi: bridgeGatewayAbi,
    functionName: "queuedMessage",
    args: [msgId],
  });
  return q.status;
}

async function tokenBalance(c: Chain, symbol: string, holder?: Address): Promise<bigint> {
  const address = findToken(manifest, symbol).addresses[String(c.info.chainId)]!;
  return holder === undefined
    ? c.client.readContract({ address, abi: erc20Abi, functionName: "totalSupply" })
    : c.client.readContract({ address, abi: erc20Abi, functionName: "balanceOf", args: [holder] });
}

async function gatewayEvents(c: Chain, eventName: "Paused" | "MessageVetoed" | "Unpaused") {
  const logs = await c.client.getLogs({ address: c.info.gateway, fromBlock: 0n });
  return parseEventLogs({ abi: bridgeGatewayAbi, logs, eventName });
}

/** Starts (or restarts) the monitor; resolves once its own /healthz answers 200. */
async function startMonitor(): Promise<void> {
  await monitor.start();
}

/** Where the monitor listens (a restart keeps the port unless another process took it). */
const monitorUrl = () => monitor.url;

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-monitor-"));
  devnet = await startDevnet({ services: false, dir, l2Count: 2, largeDelaySeconds: LARGE_DELAY_SECONDS });
  manifest = devnet.manifest;
  l2a = chain("l2a");
  l2b = chain("l2b");
  guardianStubs = await startGuardianStubs();
  monitor = await devnet.startService({
    name: "monitor",
    entry: "monitor/index.ts",
    env: {
      MANIFEST: devnet.manifestPath,
      MONITOR_KEY: manifest.devKeys!.monitor,
      DEVNET: "true",
      LOG_LEVEL: "info",
      POLL_INTERVAL_MS: "300",
      PENDING_SLO_SECONDS: String(PENDING_SLO_SECONDS),
      GUARDIAN_POLL_MS: String(GUARDIAN_POLL_MS),
    },
    startTimeoutMs: 60_000,
  });
});

afterEach((ctx) => {
  if (ctx.task.result?.state === "fail" && monitor) {
    const log = readFileSync(monitor.logFile, "utf8").trim().split("\n");
    process.stderr.write(`--- monitor log (last 40 lines) ---\n${log.slice(-40).join("\n")}\n`);
  }
});

afterAll(async () => {
  await Promise.all(guardianStubs.map(closeServer));
  await devnet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

describe("monitor", () => {
  type DevKeys = { monitor: Hex; guardians: Hex[]; relayers: Hex[]; users: Hex[] };
  const keys = () => manifest.devKeys as DevKeys;

  it("(b) a legitimate transfer raises no alert and shows in sent, executed and latency metrics", async () => {
    const health = await getJson<{ ok: boolean; roleProblems: string[] }>("/healthz");
    expect(health).toMatchObject({ ok: true, roleProblems: [] });

    const { message, receipt: sendReceipt } = await send(l2a, l2b, "ALPHA", "100", keys().users[0]!);
    const receipt = await deliver(l2b, [message], keys().relayers[0]!);
    const executed = parseEventLogs({ abi: bridgeGatewayAbi, logs: receipt.logs, eventName: "MessageExecuted" });
    expect(executed.map((e) => e.args.msgId)).toEqual([messageId(message)]);

    const route = { source: "l2a", dest: "l2b" };
    await until(
      "the transfer in the executed metrics",
      async () => (await metric("bridge_messages_executed_total", route)) === 1,
    );
    expect(await metric("bridge_messages_sent_total", route)).toBe(1);
    expect(await metric("bridge_messages_delivered_total", { ...route, path: "fast" })).toBe(1);
    expect(await metric("bridge_message_latency_seconds_count", route)).toBe(1);
    // Block time to block time, at the chains' one-second resolution.
    const sentAt = (await l2a.client.getBlock({ blockNumber: sendReceipt.blockNumber })).timestamp;
    const executedAt = (await l2b.client.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
    expect(await metric("bridge_message_latency_seconds_sum", route)).toBe(Number(executedAt - sentAt));
    expect(await metric("bridge_messages_pending", route)).toBe(0);
    await until(
      "supply metrics",
      async () => (await metric("bridge_minted_tokens", { token: "ALPHA", chain: "l2b" })) === 100,
    );
    expect(await metric("bridge_locked_tokens", { token: "ALPHA", chain: "l2a" })).toBe(100);
    expect(await metric("bridge_in_flight_tokens", { token: "ALPHA" })).toBe(0);

    // Give the origin check a few more polls to (wrongly) object.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await alerts()).toEqual([]);
    expect(await metric("bridge_paused", { chain: "l2b" })).toBe(0);
  });

  it("(d) a transfer nobody relays raises a pending-SLO alert for its route", async () => {
    const { message } = await send(l2b, l2a, "BETA", "10", keys().users[1]!);
    const msgId = messageId(message);
    const route = { source: "l2b", dest: "l2a" };
    await until("pending metric", async () => (await metric("bridge_messages_pending", route)) === 1);
    expect(await metric("bridge_in_flight_tokens", { token: "BETA" })).toBe(10);
    await until(
      "pending_slo alert",
      async () => (await alerts()).some((a) => a.kind === "pending_slo" && a.msgId === msgId),
      (PENDING_SLO_SECONDS + 15) * 1_000,
    );
    expect(await metric("bridge_oldest_pending_age_seconds", route)).toBeGreaterThan(PENDING_SLO_SECONDS);
    expect(await metric("bridge_alerts_total", { kind: "pending_slo" })).toBe(1);
    // Late is not forged: nothing was paused.
    expect(await isPaused(l2a)).toBe(false);
  });

  it("(a) a forged large mint signed with stolen guardian keys is vetoed and its gateway paused before it can execute", async () => {
    const attacker = privateKeyToAccount(generatePrivateKey()).address;
    const supplyBefore = await tokenBalance(l2b, "ALPHA");
    // 50,000 ALPHA: above the 10,000 fast limit, so the gateway queues it behind the delay.
    const forged = await forge(l2a, l2b, "ALPHA", "50000", attacker, 1_000_000n);
    const msgId = messageId(forged);
    const receipt = await deliver(l2b, [forged], keys().relayers[1]!);
    const queued = parseEventLogs({ abi: bridgeGatewayAbi, logs: receipt.logs, eventName: "MessageQueued" });
    expect(queued.map((e) => e.args.msgId)).toEqual([msgId]);
    const executableAt = queued[0]!.args.executableAt!;

    await until(
      "veto and pause",
      async () => (await queuedStatus(l2b, msgId)) === MessageStatus.Vetoed && (await isPaused(l2b)),
    );

    // In time: both landed in blocks before the message could execute (chain time, not the
    // test's clock, which a loaded machine stretches).
    const [vetoed] = await gatewayEvents(l2b, "MessageVetoed");
    const paused = await gatewayEvents(l2b, "Paused");
    expect(paused).toHaveLength(1);
    const monitorAddress = privateKeyToAccount(keys().monitor).address;
    expect(vetoed!.args).toMatchObject({ msgId, by: monitorAddress });
    expect(paused[0]!.args.by).toBe(monitorAddress);
    expect(vetoed!.blockNumber).toBeGreaterThanOrEqual(receipt.blockNumber);
    for (const event of [vetoed!, paused[0]!]) {
      const block = await l2b.client.getBlock({ blockNumber: event.blockNumber });
      expect(block.timestamp, `${event.eventName} before executableAt`).toBeLessThan(executableAt);
    }

    // After the delay it still cannot execute: vetoed, and the gateway is paused.
    await rpc(l2b.info.rpcUrl, "evm_increaseTime", [LARGE_DELAY_SECONDS + 1]);
    const now = (await l2b.client.getBlock()).number;
    await until("a block past the delay", async () => (await l2b.client.getBlockNumber()) > now);
    await expect(
      l2b.client.simulateContract({
        address: l2b.info.gateway,
        abi: bridgeGatewayAbi,
        functionName: "execute",
        args: [msgId],
        account: privateKeyToAccount(keys().relayers[1]!),
      }),
    ).rejects.toThrow(/BridgePaused|BridgeInvalidMessageStatus/);
    expect(await tokenBalance(l2b, "ALPHA", attacker)).toBe(0n);
    expect(await tokenBalance(l2b, "ALPHA")).toBe(supplyBefore);

    // Why, at /alerts and in /metrics.
    const alert = (await alerts()).find((a) => a.kind === "forged_message" && a.msgId === msgId);
    expect(alert).toMatchObject({
      chain: "l2b",
      details: { queued: true, nonce: "1000000", sourceChainId: String(l2a.info.chainId) },
    });
    expect(String(alert!.details.reason)).toMatch(/never sent nonce 1000000/);
    await until("both actions confirmed", async () => {
      const a = (await alerts()).find((x) => x.id === alert!.id)!;
      return a.actions.length === 2 && a.actions.every((x) => x.status === "confirmed");
    });
    expect(await metric("bridge_alerts_total", { kind: "forged_message" })).toBe(1);
    await until(
      "vetoed metric",
      async () => (await metric("bridge_messages_vetoed_total", { source: "l2a", dest: "l2b" })) === 1,
    );
    expect(await metric("bridge_paused", { chain: "l2b" })).toBe(1);
    expect(await metric("bridge_monitor_actions_total", { action: "veto", chain: "l2b", result: "confirmed" })).toBe(1);
    expect(await metric("bridge_monitor_actions_total", { action: "pause", chain: "l2b", result: "confirmed" })).toBe(
      1,
    );
    expect(await isPaused(l2a)).toBe(false);

    // Governance reviews the incident and unpauses. The monitor does not fight it — not while
    // running, and not after a restart that rescans the forged delivery from history.
    await govern(manifest, "l2b", "unpause");
    await monitor.stop();
    expect(await monitor.waitForExit()).toBe(0); // SIGTERM: a clean shutdown
    await startMonitor();
    // The restarted monitor finds the forged delivery again and decides both actions.
    const rescannedAlert = async () => (await alerts()).find((a) => a.kind === "forged_message" && a.msgId === msgId);
    await until("the rescanned forged alert with both actions decided", async () => {
      const a = await rescannedAlert();
      return a !== undefined && a.actions.length === 2 && a.actions.every((x) => x.status !== "sent");
    });
    const rescanned = (await rescannedAlert())!;
    expect(rescanned.actions.map((x) => [x.action, x.status]).sort()).toEqual([
      ["pause", "skipped"],
      ["veto", "skipped"],
    ]);
    expect(await isPaused(l2b)).toBe(false);
    expect(await gatewayEvents(l2b, "Paused")).toHaveLength(1);
  });

  it("(c) a forged fast mint is detected, its gateway paused, and the supply breach pauses every gateway", async () => {
    // What can be lost here: a message at or under the fast limit executes in the `deliver`
    // call itself, so nothing can veto it; the monitor only learns of it from the block. With
    // stolen guardian keys an attacker can mint, before the pause lands, as much as the
    // destination's inbound rate-limit bucket releases: its capacity (100,000 per token on the
    // devnet) plus refill (100/s) over the monitor's reaction time (a block or two), in
    // batches of messages each under the fast limit. Everything larger queues and is vetoed as
    // in (a). The rate limit is therefore the bound on an undetectable-in-advance loss, per
    // token and destination, and the pause stops it from growing.
    const attacker = privateKeyToAccount(generatePrivateKey()).address;
    const forged = await forge(l2b, l2a, "BETA", "5000", attacker, 2_000_000n);
    const msgId = messageId(forged);
    const receipt = await deliver(l2a, [forged], keys().relayers[1]!);
    expect(parseEventLogs({ abi: bridgeGatewayAbi, logs: receipt.logs, eventName: "MessageExecuted" })).toHaveLength(1);
    expect(await tokenBalance(l2a, "BETA", attacker)).toBe(parseUnits("5000", 6)); // the loss

    await until("both gateways paused", async () => (await isPaused(l2a)) && (await isPaused(l2b)));
    await until("forged and supply alerts", async () => {
      const kinds = (await alerts()).map((a) => a.kind);
      return kinds.includes("forged_message") && kinds.includes("supply_breach");
    });
    const all = await alerts();
    const forgedAlert = all.find((a) => a.kind === "forged_message" && a.msgId === msgId);
    expect(forgedAlert).toMatchObject({
      chain: "l2a",
      token: "BETA",
      details: { queued: false, recipient: attacker, amount: parseUnits("5000", 6).toString() },
    });
    const breach = all.find((a) => a.kind === "supply_breach")!;
    // 5,000 minted on l2a against the 10 BETA locked on l2b by (d).
    expect(breach).toMatchObject({ token: "BETA", details: { locked: parseUnits("10", 6).toString() } });
    expect(breach.details.excess).toBe(parseUnits("4990", 6).toString());
    // The breach paused l2b itself; l2a it found paused by the forged-message response (or
    // joined that response while its pause was in flight).
    await until("breach actions settled", async () => {
      const b = (await alerts()).find((a) => a.kind === "supply_breach")!;
      return b.actions.length === 2 && b.actions.every((x) => x.status !== "sent");
    });
    const breachActions = (await alerts()).find((a) => a.kind === "supply_breach")!.actions;
    expect(breachActions.find((x) => x.chain === "l2b")).toMatchObject({ action: "pause", status: "confirmed" });
    expect(["confirmed", "skipped"]).toContain(breachActions.find((x) => x.chain === "l2a")!.status);

    // One pause per gateway, never a second one, though two alerts asked for l2a.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await gatewayEvents(l2a, "Paused")).toHaveLength(1);
    expect(await gatewayEvents(l2b, "Paused")).toHaveLength(2); // (a), then this breach
    expect(all.flatMap((a) => a.actions).filter((x) => x.status === "failed")).toEqual([]);
    expect(await metric("bridge_alerts_total", { kind: "supply_breach" })).toBe(1);
    expect(await metric("bridge_minted_tokens", { token: "BETA", chain: "l2a" })).toBe(5000);
    expect(await metric("bridge_locked_tokens", { token: "BETA", chain: "l2b" })).toBe(10);
    await until(
      "paused metrics",
      async () =>
        (await metric("bridge_paused", { chain: "l2a" })) === 1 &&
        (await metric("bridge_paused", { chain: "l2b" })) === 1,
    );
  });

  it("(e) reports each guardian's liveness and last signature, and a guardian that stops answering", async () => {
    const guardians = manifest.guardianSet.guardians;
    for (const [i, g] of guardians.entries()) {
      expect(await metric("bridge_guardian_up", { guardian: g.address })).toBe(1);
      expect(await metric("bridge_guardian_last_signed_timestamp_seconds", { guardian: g.address })).toBe(
        1_700_000_000 + i,
      );
    }
    const down = guardians[2]!.address;
    await closeServer(guardianStubs.pop()!);
    await until("guardian_down alert", async () =>
      (await alerts()).some((a) => a.kind === "guardian_down" && a.details.guardian === down),
    );
    expect(await metric("bridge_guardian_up", { guardian: down })).toBe(0);
    // Two of three still up: the threshold can still be met, so no quorum alert.
    expect((await alerts()).filter((a) => a.kind === "guardian_down")).toHaveLength(1);
  });
});
