/**
 * `npm run bench:relay [-- --n 1000] [-- --senders 50] [-- --json]`: end-to-end relay throughput
 * and latency on a fresh devnet with every service running (3 guardians, 2 of 3; 2 relayers;
 * the monitor; 1 s blocks; 1 confirmation).
 *
 * N transfers of ALPHA (home l2a) go l2a → l2b from many generated senders (funded with
 * anvil_setBalance, tokens from the TestToken faucet), each amount under the fast limit and
 * all of them within the inbound bucket, so every transfer takes the fast path; if the deployed
 * limits were too small, governance (council Safe + timelock) raises them and the output says so. The sends are
 * signed in advance and submitted as JSON-RPC batches, so the source chain, not this script,
 * sets the pace.
 *
 * - sourceSendRate: N / seconds from the first submission to the block holding the last send.
 * - transfersPerSecond: N / seconds from the first submission to the last MessageExecuted on l2b.
 * - latencyMs: per transfer, from the source block holding its `send` to the destination block
 *   holding its MessageExecuted, both as observed by this script polling each chain every 50 ms.
 *
 * Targets: transfersPerSecond >= 0.8 x sourceSendRate; p95 <= 2 s beyond the confirmation depth
 * (confirmations x block time). With --json, stdout is exactly one JSON object; logs go to stderr.
 */
import { Command } from "commander";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeEventTopics,
  encodeFunctionData,
  keccak256,
  parseEther,
  parseGwei,
  parseUnits,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { BridgeClient, reasonText, type GatewayChain, type SentRecord } from "@portcullis/sdk";
import { Council } from "@portcullis/sdk/council";
import { FileCouncilStore } from "@portcullis/sdk/node";
import { bridgeGatewayAbi, testTokenAbi } from "../core/generated/abis.js";
import { onLauncherExit } from "../core/service/launcher.js";
import { decodeMessageSent } from "../core/logs.js";
import type { Manifest, TokenInfo } from "../core/manifest.js";
import { startDevnet, type Devnet } from "../devnet/start.js";

const args = new Command("bench:relay")
  .option("--n <count>", "transfers to send", "1000")
  .option("--senders <count>", "distinct sending accounts", "50")
  .option("--json", "print one JSON object on stdout")
  .option("--keep-logs", "keep the devnet directory (service logs) after a successful run")
  .parse()
  .opts<{ n: string; senders: string; json?: boolean; keepLogs?: boolean }>();

const N = Number(args.n);
const SENDERS = Math.min(Number(args.senders), N);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(SENDERS) || SENDERS < 1) {
  process.stderr.write("--n and --senders must be positive whole numbers.\n");
  process.exit(1);
}
const POLL_MS = 50;
/** Transfers whose guardian attestations are sampled (1 Hz) to split latency into stages. */
const SAMPLES = 5;
const RPC_BATCH = 100;

const log = (line: string) => process.stderr.write(`[bench:relay] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RelayBenchResult {
  n: number;
  seconds: number;
  transfersPerSecond: number;
  latencyMs: { p50: number; p95: number; max: number };
  sourceSendRate: number;
}

// ---------------------------------------------------------------------------------------------

async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]): Promise<unknown[]> {
  const body = calls.map((c, id) => ({ jsonrpc: "2.0", id, ...c }));
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const replies = (await res.json()) as { id: number; result?: unknown; error?: { message: string } }[];
  replies.sort((a, b) => a.id - b.id);
  const failed = replies.find((r) => r.error);
  if (failed) throw new Error(`${calls[failed.id]!.method} failed: ${failed.error!.message}`);
  return replies.map((r) => r.result);
}

async function submitRaw(url: string, raw: Hex[]) {
  for (let i = 0; i < raw.length; i += RPC_BATCH) {
    await rpcBatch(
      url,
      raw.slice(i, i + RPC_BATCH).map((tx) => ({ method: "eth_sendRawTransaction", params: [tx] })),
    );
  }
}

/** Waits until every transaction is mined and successful (receipts fetched in batches). */
async function waitMined(url: string, hashes: Hex[], what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let pending = hashes;
  while (pending.length > 0) {
    if (Date.now() > deadline) throw new Error(`${what}: ${pending.length} transactions not mined in ${timeoutMs} ms`);
    await sleep(250);
    const receipts: ({ status: Hex } | null)[] = [];
    for (let i = 0; i < pending.length; i += RPC_BATCH) {
      const page = pending.slice(i, i + RPC_BATCH);
      receipts.push(
        ...((await rpcBatch(
          url,
          page.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })),
        )) as ({ status: Hex } | null)[]),
      );
    }
    const reverted = pending.find((_, i) => receipts[i] && receipts[i]!.status !== "0x1");
    if (reverted) throw new Error(`${what}: transaction ${reverted} reverted`);
    pending = pending.filter((_, i) => receipts[i] === null);
  }
}

interface Setup {
  src: GatewayChain;
  dst: GatewayChain;
  token: TokenInfo;
  senders: PrivateKeyAccount[];
  amounts: bigint[];
}

/**
 * Makes sure the bench measures the fast path: every amount under the fast limit and the total
 * within both buckets. Raises the limits through governance (council Safe + timelock) if not.
 */
async function ensureLimits(devnet: Devnet, client: BridgeClient, s: Setup): Promise<string[]> {
  const notes: string[] = [];
  const total = s.amounts.reduce((a, b) => a + b, 0n);
  const largest = s.amounts.reduce((a, b) => (b > a ? b : a), 0n);
  const home = s.token.homeToken;
  const fmt = (v: bigint) => `${v / 10n ** BigInt(s.token.decimals)} ${s.token.symbol}`;
  // No key governs: limits change through the council Safe and the devnet's short timelock.
  const council = new Council(
    devnet.manifest,
    new FileCouncilStore(join(devnet.options.dir, "council", "pending.json")),
  );
  const owners = (devnet.manifest.devKeys!.council as Hex[]).map((key) => privateKeyToAccount(key));
  const write = async (chain: GatewayChain, data: Hex, description: string) => {
    await council.enact(council.chain(chain.name), [{ target: chain.gateway, data, description }], owners);
  };
  const inbound = await client.gateway(s.dst).inboundToken(home);
  if (largest > inbound.fastLimit) {
    await write(
      s.dst,
      encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "setFastLimit", args: [home, largest] }),
      "setFastLimit",
    );
    notes.push(`raised the ${s.dst.name} fast limit of ${s.token.symbol} to ${fmt(largest)} (governance)`);
  }
  for (const [chain, direction, name] of [
    [s.dst, 0, "inbound"],
    [s.src, 1, "outbound"],
  ] as const) {
    const gateway = client.gateway(chain);
    const room = await gateway.availableRateLimit(home, name);
    if (room < total) {
      const bucket = await gateway.rateLimit(home, name);
      const args = [home, direction, total * 2n, bucket.refillPerSecond] as const;
      await write(
        chain,
        encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "setRateLimit", args }),
        "setRateLimit",
      );
      notes.push(`raised the ${chain.name} ${name} bucket of ${s.token.symbol} to ${fmt(total * 2n)} (governance)`);
    }
  }
  return notes;
}

/** Gives every sender ETH and exactly the tokens it will send, and approves the gateway. */
async function fundSenders(s: Setup, client: PublicClient, perSender: bigint[]) {
  const url = s.src.rpcUrl;
  await rpcBatch(
    url,
    s.senders.map((a) => ({ method: "anvil_setBalance", params: [a.address, `0x${parseEther("100").toString(16)}`] })),
  );
  const fees = await feeCaps(client);
  const homeToken = s.token.addresses[String(s.src.chainId)] as Address;
  const raw: Hex[] = [];
  const hashes: Hex[] = [];
  for (const [i, sender] of s.senders.entries()) {
    const calls = [
      encodeFunctionData({ abi: testTokenAbi, functionName: "mint", args: [sender.address, perSender[i]!] }),
      encodeFunctionData({ abi: testTokenAbi, functionName: "approve", args: [s.src.gateway, perSender[i]!] }),
    ];
    for (const [nonce, data] of calls.entries()) {
      const tx = await sender.signTransaction({
        chainId: s.src.chainId,
        type: "eip1559",
        to: homeToken,
        data,
        nonce,
        gas: 120_000n,
        ...fees,
      });
      raw.push(tx);
    }
  }
  hashes.push(...raw.map((tx) => keccak256(tx)));
  await submitRaw(url, raw);
  await waitMined(url, hashes, "funding");
}

async function feeCaps(client: PublicClient) {
  const block = await client.getBlock();
  const base = block.baseFeePerGas ?? parseGwei("1");
  const maxFeePerGas = base * 4n > parseGwei("50") ? base * 4n : parseGwei("50");
  return { maxFeePerGas, maxPriorityFeePerGas: parseGwei("1") };
}

/** Polls a chain's new blocks every POLL_MS and hands their gateway logs over with the time seen. */
class BlockWatcher {
  private cursor = 0n;
  private running = true;
  private loop?: Promise<void>;

  constructor(
    private readonly client: PublicClient,
    private readonly gateway: Address,
    private readonly onLogs: (logs: Awaited<ReturnType<PublicClient["getLogs"]>>, seenAt: number) => void,
  ) {}

  async start() {
    this.cursor = await this.client.getBlockNumber();
    this.loop = this.run();
  }

  private async run() {
    while (this.running) {
      try {
        const head = await this.client.getBlockNumber({ cacheTime: 0 });
        if (head > this.cursor) {
          const logs = await this.client.getLogs({ address: this.gateway, fromBlock: this.cursor + 1n, toBlock: head });
          this.cursor = head;
          this.onLogs(logs, Date.now());
        }
      } catch (e) {
        log(`watcher: ${(e as Error).message.split("\n")[0]}`);
      }
      await sleep(POLL_MS);
    }
  }

  async stop() {
    this.running = false;
    await this.loop;
  }
}

function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

async function bench(
  devnet: Devnet,
  signal: AbortSignal,
): Promise<{ result: RelayBenchResult; notes: string[]; diagnostics: string[] }> {
  const manifest: Manifest = devnet.manifest;
  const sdk = new BridgeClient(manifest);
  const [src, dst] = sdk.gatewayChains as [GatewayChain, GatewayChain];
  const token = manifest.tokens.find((t) => t.homeChainId === src.chainId && t.symbol === "ALPHA");
  if (!token) throw new Error(`no ALPHA token homed on ${src.name}`);
  const srcClient = sdk.client(src);
  const dstClient = sdk.client(dst);

  // Amounts 1..10 ALPHA with a varying fraction, so no two transfers are alike.
  const amounts = Array.from(
    { length: N },
    (_, i) => parseUnits(String(1 + (i % 10)), token.decimals) + BigInt(i) * 10n ** 12n,
  );
  const senders = Array.from({ length: SENDERS }, () => privateKeyToAccount(generatePrivateKey()));
  const setup: Setup = { src, dst, token, senders, amounts };
  const notes = await ensureLimits(devnet, sdk, setup);
  notes.forEach((n) => log(n));

  const perSender = senders.map((_, s) => amounts.filter((_, i) => i % SENDERS === s).reduce((a, b) => a + b, 0n));
  log(`funding ${SENDERS} senders on ${src.name} (anvil_setBalance, faucet mint, approve)`);
  await fundSenders(setup, srcClient, perSender);

  // One representative transfer through the SDK's own checks: route, pause, balances, limits.
  const probe = await sdk.buildTransfer({
    from: src.name,
    to: dst.name,
    token: token.symbol,
    amount: "1",
    sender: senders[0]!.address,
  });
  if (probe.quote.path.kind !== "fast") {
    throw new Error(`the bench would not take the fast path: ${JSON.stringify(probe.quote.path)}`);
  }
  const sourceToken = probe.quote.transfer.sourceToken;
  const sendCall = (recipient: Address, amount: bigint) =>
    ({
      address: src.gateway,
      abi: bridgeGatewayAbi,
      functionName: "send",
      args: [sourceToken, BigInt(dst.chainId), recipient, amount, 0n],
    }) as const;
  // A wallet-like 10% margin: blocks are packed by gas limit, so a fat margin would slow the source.
  const gas =
    ((await srcClient.estimateContractGas({ account: senders[0]!, ...sendCall(senders[0]!.address, amounts[0]!) })) *
      11n) /
    10n;
  const fees = await feeCaps(srcClient);

  log(`signing ${N} sends (${SENDERS} senders, gas ${gas} each)`);
  const raw: Hex[] = [];
  for (let i = 0; i < N; i++) {
    const sender = senders[i % SENDERS]!;
    const call = sendCall(sender.address, amounts[i]!);
    raw.push(
      await sender.signTransaction({
        chainId: src.chainId,
        type: "eip1559",
        to: call.address,
        data: encodeFunctionData(call),
        nonce: 2 + Math.floor(i / SENDERS),
        gas,
        ...fees,
      }),
    );
  }

  const senderSet = new Set(senders.map((a) => a.address.toLowerCase()));
  const sentAt = new Map<Hex, number>();
  const records = new Map<Hex, { message: SentRecord["message"]; txHash: Hex; blockNumber: bigint }>();
  const executedAt = new Map<Hex, number>();
  const queued = new Set<Hex>();
  const deliveries = new Map<Hex, { messages: number; seenAt: number }>();
  const attestedAt = new Map<Hex, number>();
  let lastSentAt = 0;
  let lastExecutedAt = 0;

  const [messageSentTopic] = encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageSent" });
  const [executedTopic] = encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageExecuted" });
  const [queuedTopic] = encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageQueued" });

  const srcWatcher = new BlockWatcher(srcClient, src.gateway, (logs, seenAt) => {
    for (const l of logs) {
      if (l.topics[0] !== messageSentTopic) continue;
      const { msgId, message } = decodeMessageSent(l);
      if (!senderSet.has(message.sender.toLowerCase())) continue;
      sentAt.set(msgId, seenAt);
      records.set(msgId, { message, txHash: l.transactionHash!, blockNumber: l.blockNumber! });
      lastSentAt = seenAt;
    }
  });
  const dstWatcher = new BlockWatcher(dstClient, dst.gateway, (logs, seenAt) => {
    for (const l of logs) {
      const id = l.topics[1] as Hex | undefined;
      if (!id) continue;
      if (l.topics[0] === executedTopic && !executedAt.has(id)) {
        executedAt.set(id, seenAt);
        const tx = deliveries.get(l.transactionHash!) ?? { messages: 0, seenAt };
        deliveries.set(l.transactionHash!, { ...tx, messages: tx.messages + 1 });
      }
      if (l.topics[0] === queuedTopic) queued.add(id);
    }
  });
  await Promise.all([srcWatcher.start(), dstWatcher.start()]);

  const done = () => sentAt.size === N && [...sentAt.keys()].every((id) => executedAt.has(id));
  const sampling = { stop: false };
  const sampler = sampleAttestations(sdk, dst, () => [...sentAt.keys()], attestedAt, sampling);
  const timeoutMs = 60_000 + N * 100;
  let t0 = 0;
  try {
    log(`submitting ${N} sends to ${src.name}`);
    t0 = Date.now();
    await submitRaw(src.rpcUrl, raw);
    log(`submitted in ${Date.now() - t0} ms; waiting for delivery and execution on ${dst.name}`);
    let lastReport = Date.now();
    while (!done()) {
      if (signal.aborted) throw new Error("interrupted");
      if (Date.now() - t0 > timeoutMs)
        throw new Error(await stuckReport(sdk, src, dst, token, sentAt, executedAt, records));
      if (Date.now() - lastReport > 5_000) {
        lastReport = Date.now();
        const executed = [...sentAt.keys()].filter((id) => executedAt.has(id)).length;
        log(`${((Date.now() - t0) / 1000).toFixed(1)}s: ${sentAt.size}/${N} sent, ${executed}/${N} executed`);
      }
      await sleep(POLL_MS);
    }
  } finally {
    await Promise.all([srcWatcher.stop(), dstWatcher.stop()]);
    sampling.stop = true;
    await sampler;
  }
  for (const id of sentAt.keys()) lastExecutedAt = Math.max(lastExecutedAt, executedAt.get(id)!);
  const ours = [...sentAt.keys()];
  const queuedOurs = ours.filter((id) => queued.has(id)).length;
  if (queuedOurs > 0) notes.push(`${queuedOurs} transfers were queued (slow path) instead of executing at once`);

  const diagnostics = breakdown(t0, sentAt, attestedAt, executedAt, deliveries);
  const latencies = ours.map((id) => executedAt.get(id)! - sentAt.get(id)!).sort((a, b) => a - b);
  const seconds = (lastExecutedAt - t0) / 1000;
  const result: RelayBenchResult = {
    n: N,
    seconds: round(seconds, 3),
    transfersPerSecond: round(N / seconds, 2),
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1)! },
    sourceSendRate: round(N / ((lastSentAt - t0) / 1000), 2),
  };
  return { result, notes, diagnostics };
}

/**
 * Samples a few transfers (spread over the run) for when M guardians first call them signable,
 * so the output can say whether time goes to attestation or to delivery.
 */
async function sampleAttestations(
  sdk: BridgeClient,
  dst: GatewayChain,
  observed: () => Hex[],
  attestedAt: Map<Hex, number>,
  sampling: { stop: boolean },
) {
  const picks = [
    ...new Set(Array.from({ length: SAMPLES }, (_, k) => Math.round((k * (N - 1)) / Math.max(1, SAMPLES - 1)))),
  ];
  while (!sampling.stop) {
    const ids = observed();
    const due = picks.map((i) => ids[i]).filter((id): id is Hex => id !== undefined && !attestedAt.has(id));
    await Promise.all(
      due.map(async (id) => {
        const a = await sdk.attestations(id, dst);
        if (a.signable >= a.threshold) attestedAt.set(id, Date.now());
      }),
    );
    await sleep(1_000);
  }
}

/** Where the time went: sampled stage latencies and the delivery transactions seen. */
function breakdown(
  t0: number,
  sentAt: Map<Hex, number>,
  attestedAt: Map<Hex, number>,
  executedAt: Map<Hex, number>,
  deliveries: Map<Hex, { messages: number; seenAt: number }>,
): string[] {
  const lines: string[] = [];
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const sampled = [...attestedAt.keys()].filter((id) => sentAt.has(id) && executedAt.has(id));
  if (sampled.length > 0) {
    const toAttested = sampled.map((id) => attestedAt.get(id)! - sentAt.get(id)!).sort((a, b) => a - b);
    const toExecuted = sampled.map((id) => executedAt.get(id)! - attestedAt.get(id)!).sort((a, b) => a - b);
    lines.push(
      `sampled ${sampled.length} transfers: send → attested (M guardians signable, polled at 1 Hz) median ${s(percentile(toAttested, 50))}, attested → executed median ${s(percentile(toExecuted, 50))}`,
    );
  }
  const txs = [...deliveries.values()].sort((a, b) => a.seenAt - b.seenAt);
  if (txs.length > 0) {
    const sizes = txs.map((t) => t.messages);
    lines.push(
      `${txs.length} deliver transactions of ${Math.min(...sizes)}–${Math.max(...sizes)} transfers; first seen ${s(txs[0]!.seenAt - t0)} after the first send, last ${s(txs.at(-1)!.seenAt - t0)}`,
    );
  }
  return lines;
}

/** On timeout: how far the transfers got, and why the first unexecuted one waits (per the SDK). */
async function stuckReport(
  sdk: BridgeClient,
  src: GatewayChain,
  dst: GatewayChain,
  token: TokenInfo,
  sentAt: Map<Hex, number>,
  executedAt: Map<Hex, number>,
  records: Map<Hex, { message: SentRecord["message"]; txHash: Hex; blockNumber: bigint }>,
): Promise<string> {
  const executed = [...sentAt.keys()].filter((id) => executedAt.has(id)).length;
  const stuck = [...sentAt.keys()].find((id) => !executedAt.has(id));
  let why = "";
  if (stuck) {
    const r = records.get(stuck)!;
    const o = await sdk
      .status({ msgId: stuck, ...r, source: src, dest: dst, token, timestamp: 0 })
      .catch(() => undefined);
    if (o) {
      const reason = reasonText(o.status.reason, { source: src.name, dest: dst.name, nowSeconds: Date.now() / 1000 });
      why = `; ${stuck} is ${o.status.stage}, ${reason}`;
    }
  }
  return `timed out: ${sentAt.size}/${N} sends mined, ${executed}/${N} executed${why}`;
}

function round(v: number, digits: number) {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function printTable(r: RelayBenchResult, notes: string[], diagnostics: string[], confirmationMs: number) {
  const target = 0.8 * r.sourceSendRate;
  const latencyTarget = confirmationMs + 2_000;
  const rows: [string, string, string][] = [
    ["transfers", String(r.n), ""],
    ["first send → last execution", `${r.seconds.toFixed(2)} s`, ""],
    ["source send rate", `${r.sourceSendRate.toFixed(1)} /s`, "sends the source chain accepted per second"],
    [
      "bridge throughput",
      `${r.transfersPerSecond.toFixed(1)} /s`,
      `target >= ${target.toFixed(1)} /s (0.8 x source): ${r.transfersPerSecond >= target ? "met" : "NOT met"}`,
    ],
    ["latency p50", `${r.latencyMs.p50} ms`, "source send block → destination MessageExecuted"],
    [
      "latency p95",
      `${r.latencyMs.p95} ms`,
      `target <= ${latencyTarget} ms (confirmations ${confirmationMs} ms + 2 s): ${r.latencyMs.p95 <= latencyTarget ? "met" : "NOT met"}`,
    ],
    ["latency max", `${r.latencyMs.max} ms`, ""],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  for (const [a, b, c] of rows) process.stdout.write(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`.trimEnd() + "\n");
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  for (const d of diagnostics) process.stdout.write(`breakdown: ${d}\n`);
}

// ---------------------------------------------------------------------------------------------

const controller = new AbortController();
process.on("SIGINT", () => controller.abort());
process.on("SIGTERM", () => controller.abort());
onLauncherExit(() => controller.abort());
const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-relay-"));
let devnet: Devnet | undefined;
let exitCode = 0;
try {
  log(`starting a devnet with services in ${dir}`);
  devnet = await startDevnet({ dir, services: true });
  if (controller.signal.aborted) throw new Error("interrupted");
  const { result, notes, diagnostics } = await bench(devnet, controller.signal);
  const o = devnet.options;
  const confirmationMs = o.confirmations * o.blockTimeSeconds * 1000;
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    notes.forEach((n) => log(`note: ${n}`));
    diagnostics.forEach((d) => log(`breakdown: ${d}`));
  } else {
    printTable(result, notes, diagnostics, confirmationMs);
  }
} catch (e) {
  exitCode = 1;
  process.stderr.write(`bench:relay failed: ${(e as Error).message}\n`);
  if (devnet) process.stderr.write(`service logs kept in ${devnet.group.logDir}\n`);
} finally {
  if (devnet) await devnet.stop();
  if (exitCode === 0 && !args.keepLogs) rmSync(dir, { recursive: true, force: true });
  else if (exitCode === 0) log(`service logs kept in ${join(dir, "logs")}`);
}
process.exit(exitCode);
