/**
 * `npm run bench:explorer [-- --n 10000] [-- --senders 40] [-- --lookups 1000] [-- --pages 500] [-- --warmup 1000] [-- --json]`:
 * the explorer indexing N messages and answering lookups, on both storages, on a devnet (anvil
 * L2s, 1 s blocks, 1 confirmation; chains and contracts only, since the bench measures the
 * explorer, not delivery).
 *
 * For each storage (SQLite, then PostgreSQL started for the run), an explorer process is started
 * exactly as the devnet starts it (explorer/index.ts, 250 ms polling), it catches up with the
 * chain (the PostgreSQL one re-indexes the SQLite phase's messages: the backfill figure), then
 * `warmup` untimed sends (to another recipient: a freshly started explorer's first pages run
 * cold, and only the PostgreSQL one would be warm from its backfill), then N pre-signed sends of
 * BETA (l2b → l2a; its home is an open-faucet test token) go out as JSON-RPC batches from many
 * senders to one recipient whose event stream (GET /v1/stream?address=) the bench follows. Every
 * send's receipt is checked (each must have sent one message, and that message must have been
 * streamed); a stream that stops short is explained (reverted sends, or messages stored but not
 * streamed) instead of waited on.
 *
 * - indexLagMs: per message, from the moment this bench saw the block that confirms it (its
 *   block + confirmations; the head is polled every 20 ms) to the moment its `message` event
 *   arrived on the stream. Target: p95 <= 1000 ms.
 * - lookupMs: GET /v1/messages/{msgId} for `lookups` random messages, one at a time. Target:
 *   p95 <= 50 ms.
 * - historyPageMs: GET /v1/messages?sender=…&limit=50 and the pages after it (following
 *   nextCursor), `pages` requests in all. Target: p95 <= 50 ms.
 *
 * With --json, stdout is exactly one JSON object (`npm run -s bench:explorer -- --json`: without
 * -s, npm prints its own banner line first); progress goes to stderr.
 */
import { Command } from "commander";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BaseError,
  decodeErrorResult,
  encodeFunctionData,
  keccak256,
  parseEther,
  parseGwei,
  parseUnits,
  type Address,
  type Hex,
  type PrivateKeyAccount,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  ExplorerClient,
  gatewayChains,
  publicClientFor,
  type ExplorerMessage,
  type ExplorerMessageQuery,
} from "@portcullis/sdk";
import { bridgeGatewayAbi, testTokenAbi } from "../core/generated/abis.js";
import {
  describeFailedSends,
  fundingPerSender,
  sendAmount,
  senderOf,
  sendOutcome,
  type SendReceipt,
} from "./explorer-sends.js";
import { onLauncherExit } from "../core/service/launcher.js";
import { startDevnetExplorer, type DevnetExplorer } from "../devnet/explorer.js";
import { startPostgres, type PostgresServer } from "../devnet/postgres.js";
import { startDevnet, type Devnet } from "../devnet/start.js";

const args = new Command("bench:explorer")
  .option("--n <count>", "messages sent per storage", "10000")
  .option("--senders <count>", "distinct sending accounts", "40")
  .option("--lookups <count>", "message lookups timed per storage", "1000")
  .option("--pages <count>", "history page requests timed per storage", "500")
  .option("--warmup <count>", "untimed sends per storage before the timed ones (0: none)", "1000")
  .option("--json", "print one JSON object on stdout")
  .parse()
  .opts<{ n: string; senders: string; lookups: string; pages: string; warmup: string; json?: boolean }>();

const N = Number(args.n);
const SENDERS = Math.min(Number(args.senders), N);
const LOOKUPS = Number(args.lookups);
const PAGES = Number(args.pages);
const WARMUP = Number(args.warmup);
for (const [name, v] of Object.entries({ n: N, senders: SENDERS, lookups: LOOKUPS, pages: PAGES })) {
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`--${name} must be a positive whole number.\n`);
    process.exit(1);
  }
}
if (!Number.isInteger(WARMUP) || WARMUP < 0) {
  process.stderr.write("--warmup must be a whole number (0: no warm-up).\n");
  process.exit(1);
}
const RPC_BATCH = 200;
const HEAD_POLL_MS = 20;
/** After every send is mined, the stream may go this long without a new message before the
 * bench looks for why (failed sends, or messages stored but not streamed) and stops. */
const STALL_MS = 20_000;
const PAGE_SIZE = 50;
const TARGETS = { indexLagP95Ms: 1000, lookupP95Ms: 50, historyPageP95Ms: 50 };

const log = (line: string) => process.stderr.write(`[bench:explorer] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Percentiles {
  /** Samples. */
  n: number;
  p50: number;
  p95: number;
  max: number;
}

interface StorageResult {
  storage: "sqlite" | "postgres";
  messages: number;
  /** Messages indexed before the timed sends (the other phase's), and how long catching up took. */
  backfill: { messages: number; seconds: number };
  indexLagMs: Percentiles;
  lookupMs: Percentiles;
  historyPageMs: Percentiles;
}

// ---------------------------------------------------------------------------------------------

async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]): Promise<unknown[]> {
  const body = calls.map((c, id) => ({ jsonrpc: "2.0", id, ...c }));
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
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

/** The receipts of `hashes` (null: not mined), in order. */
async function receiptsOf(url: string, hashes: readonly Hex[]): Promise<(SendReceipt | null)[]> {
  const receipts: (SendReceipt | null)[] = [];
  for (let i = 0; i < hashes.length; i += RPC_BATCH) {
    const page = hashes.slice(i, i + RPC_BATCH);
    receipts.push(
      ...((await rpcBatch(
        url,
        page.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })),
      )) as (SendReceipt | null)[]),
    );
  }
  return receipts;
}

async function waitMined(url: string, hashes: Hex[], what: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let pending = hashes;
  while (pending.length > 0) {
    if (Date.now() > deadline) throw new Error(`${what}: ${pending.length} transactions not mined in ${timeoutMs} ms`);
    await sleep(500);
    const receipts = await receiptsOf(url, pending);
    const reverted = pending.find((_, i) => receipts[i] && receipts[i]!.status !== "0x1");
    if (reverted) throw new Error(`${what}: transaction ${reverted} reverted`);
    pending = pending.filter((_, i) => receipts[i] === null);
  }
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
  return { n: sorted.length, p50: round(at(50)), p95: round(at(95)), max: round(sorted.at(-1)!) };
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The first moment this process saw each block number of a chain (polled every HEAD_POLL_MS). */
class HeadWatcher {
  readonly firstSeen = new Map<number, number>();
  private running = true;
  private loop?: Promise<void>;
  private last = -1;

  constructor(private readonly rpcUrl: string) {}

  start() {
    this.loop = (async () => {
      while (this.running) {
        try {
          const [head] = (await rpcBatch(this.rpcUrl, [{ method: "eth_blockNumber", params: [] }])) as Hex[];
          const n = Number(head);
          const now = Date.now();
          if (this.last < 0) this.last = n - 1;
          for (let b = this.last + 1; b <= n; b++) this.firstSeen.set(b, now);
          this.last = Math.max(this.last, n);
        } catch (e) {
          log(`head watcher: ${(e as Error).message.split("\n")[0]}`);
        }
        await sleep(HEAD_POLL_MS);
      }
    })();
  }

  async stop() {
    this.running = false;
    await this.loop;
  }
}

// ---------------------------------------------------------------------------------------------

interface Senders {
  accounts: PrivateKeyAccount[];
  /** Next nonce per sender. */
  nonces: number[];
}

/**
 * Funds senders with ETH, BETA (the TestToken faucet) and an allowance: `funding[s]` for sender s,
 * exactly what its sends of both phases spend (fundingPerSender).
 */
async function fundSenders(
  rpcUrl: string,
  token: Address,
  funding: readonly bigint[],
  gateway: Address,
  chainId: number,
) {
  const accounts = funding.map(() => privateKeyToAccount(generatePrivateKey()));
  await rpcBatch(
    rpcUrl,
    accounts.map((a) => ({ method: "anvil_setBalance", params: [a.address, `0x${parseEther("1000").toString(16)}`] })),
  );
  const raw: Hex[] = [];
  for (const [s, a] of accounts.entries()) {
    const calls = [
      encodeFunctionData({ abi: testTokenAbi, functionName: "mint", args: [a.address, funding[s]!] }),
      encodeFunctionData({ abi: testTokenAbi, functionName: "approve", args: [gateway, funding[s]!] }),
    ];
    for (const [nonce, data] of calls.entries()) {
      raw.push(await a.signTransaction({ chainId, type: "eip1559", to: token, data, nonce, gas: 120_000n, ...FEES }));
    }
  }
  await submitRaw(rpcUrl, raw);
  await waitMined(
    rpcUrl,
    raw.map((tx) => keccak256(tx)),
    "funding",
  );
  return { accounts, nonces: accounts.map(() => 2) } satisfies Senders;
}

/**
 * The token the bench sends and its route: the devnet's token whose home is a plain TestToken
 * (an open faucet), from its home chain to another L2. (ALPHA's home copy is the rollup's
 * canonical token, which only the rollup's bridge mints.)
 */
function benchRoute(devnet: Devnet) {
  const token = devnet.manifest.tokens.find((t) => t.l1Token === undefined);
  if (!token) throw new Error("the devnet has no faucet token");
  const l2s = gatewayChains(devnet.manifest);
  const src = l2s.find((c) => c.chainId === token.homeChainId)!;
  const dst = l2s.find((c) => c.chainId !== src.chainId)!;
  return { token, src, dst };
}

const FEES = { maxFeePerGas: parseGwei("50"), maxPriorityFeePerGas: parseGwei("1") };

async function runStorage(
  devnet: Devnet,
  kind: "sqlite" | "postgres",
  env: Record<string, string>,
  senders: Senders,
  signal: AbortSignal,
): Promise<StorageResult> {
  const l2s = gatewayChains(devnet.manifest);
  const { token, src, dst } = benchRoute(devnet);
  const client = publicClientFor(src, { pollingIntervalMs: 100 });
  const local = token.addresses[String(src.chainId)] as Address;
  const oneToken = parseUnits("1", token.decimals);
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  // A wallet-like 10% margin over an estimate: blocks are packed by gas, so no fat margin.
  const gas =
    ((await client.estimateContractGas({
      account: senders.accounts[0]!,
      address: src.gateway,
      abi: bridgeGatewayAbi,
      functionName: "send",
      args: [
        token.addresses[String(src.chainId)] as Address,
        BigInt(dst.chainId),
        senders.accounts[0]!.address,
        1n,
        0n,
        0n,
      ],
    })) *
      11n) /
    10n;

  log(`${kind}: starting the explorer`);
  const startedAt = Date.now();
  const explorer: DevnetExplorer = await startDevnetExplorer({
    group: devnet.group,
    manifestPath: devnet.manifestPath,
    dir: devnet.options.dir,
    env: { LOG_LEVEL: "warn", POLL_INTERVAL_MS: "250", ...env },
    startTimeoutMs: 120_000,
    name: `explorer-${kind}`,
  });
  const api = new ExplorerClient(explorer.url);
  // Stopped on every way out, a failure included (a head watcher outliving the devnet only logs).
  let subscription: { close(): void } | undefined;
  const heads = new HeadWatcher(src.rpcUrl);
  try {
    // Catch up first: the sends are timed against an explorer at the head.
    const target = Math.max(...(await Promise.all(l2s.map((c) => publicClientFor(c).getBlockNumber()))).map(Number));
    for (;;) {
      const chains = await api.chains();
      if (chains.every((c) => (c.indexedBlock ?? -1) >= Math.min(target, (c.headBlock ?? 0) - c.confirmations))) break;
      if (signal.aborted) throw new Error("interrupted");
      await sleep(200);
    }
    const backfillSeconds = (Date.now() - startedAt) / 1000;
    const backfilled = (await api.messages({ limit: 100 })).items.length > 0 ? await countMessages(api) : 0;
    log(`${kind}: caught up in ${backfillSeconds.toFixed(1)} s (${backfilled} messages already on chain)`);

    /**
     * Sends `count` messages (send indices first…first+count−1) to `to`, following `to`'s stream
     * (opened first, so no message can be missed) until each arrived; then checks every receipt.
     */
    const sendAndFollow = async (label: string, first: number, count: number, to: Address) => {
      const arrivals = new Map<Hex, { at: number; block: number }>();
      const streamErrors: Error[] = [];
      let ready = false;
      subscription = api.subscribe(
        { address: to },
        {
          onReady: () => (ready = true),
          onMessage: (view: ExplorerMessage) => {
            if (!arrivals.has(view.msgId) && view.sent)
              arrivals.set(view.msgId, { at: Date.now(), block: view.sent.blockNumber });
          },
          onError: (e) => streamErrors.push(e),
        },
      );
      while (!ready) {
        if (streamErrors.length > 0) throw streamErrors[0]!;
        await sleep(20);
      }

      log(`${label}: signing ${count} sends`);
      const raw: Hex[] = [];
      for (let i = first; i < first + count; i++) {
        const s = senderOf(i, SENDERS);
        raw.push(
          await senders.accounts[s]!.signTransaction({
            chainId: src.chainId,
            type: "eip1559",
            to: src.gateway,
            data: encodeFunctionData({
              abi: bridgeGatewayAbi,
              functionName: "send",
              args: [local, BigInt(dst.chainId), to, sendAmount(i, oneToken), 0n, 0n],
            }),
            nonce: senders.nonces[s]!++,
            gas,
            ...FEES,
          }),
        );
      }
      const hashes = raw.map((tx) => keccak256(tx));
      const finalNonces = [...senders.nonces];
      log(`${label}: submitting ${count} sends`);
      const t0 = Date.now();
      await submitRaw(src.rpcUrl, raw);
      const timeoutMs = 120_000 + count * 20;
      let lastReport = Date.now();
      let lastMinedCheck = 0;
      let allMinedAt: number | undefined;
      let progress = { count: 0, at: Date.now() };
      while (arrivals.size < count) {
        if (signal.aborted) throw new Error("interrupted");
        if (streamErrors.length > 0) throw streamErrors[0]!;
        if (Date.now() - t0 > timeoutMs)
          throw new Error(`${label}: only ${arrivals.size}/${count} messages streamed in ${timeoutMs} ms`);
        if (arrivals.size !== progress.count) progress = { count: arrivals.size, at: Date.now() };
        if (Date.now() - lastReport > 5_000) {
          lastReport = Date.now();
          log(`${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s: ${arrivals.size}/${count} streamed`);
        }
        // Every send mined (each sender's nonce at its last send + 1: one cheap batch a second)
        // and the stream quiet since: find out why instead of waiting for the timeout.
        if (allMinedAt === undefined && Date.now() - lastMinedCheck > 1_000) {
          lastMinedCheck = Date.now();
          if (await allSendsMined(src.rpcUrl, senders.accounts, finalNonces)) allMinedAt = Date.now();
        }
        if (allMinedAt !== undefined && Date.now() - Math.max(allMinedAt, progress.at) > STALL_MS) {
          throw new Error(await diagnoseStall(label, api, client, src.rpcUrl, src.gateway, hashes, arrivals, to));
        }
        await sleep(50);
      }
      subscription.close();
      log(`${label}: all ${count} streamed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

      // Every send's receipt, checked after the timed part (fetching 10,000 receipts would load
      // the chain the explorer reads): each sent exactly the message the stream delivered.
      const outcome = sendOutcome(hashes, await receiptsOf(src.rpcUrl, hashes), src.gateway);
      const failed = describeFailedSends(outcome, count);
      if (failed) throw new Error(`${label}: ${failed}`);
      const strays = outcome.msgIds.filter((id) => !arrivals.has(id));
      if (strays.length > 0)
        throw new Error(`${label}: ${strays.length} sent messages were not streamed (first ${strays[0]})`);
      log(`${label}: every send's receipt checked: ${outcome.msgIds.length} messages sent, all streamed`);
      return arrivals;
    };

    // Warm-up (not timed): a freshly started explorer's first pages run cold (JIT, first
    // statements), while the PostgreSQL half's explorer is already warm from its backfill.
    if (WARMUP > 0) {
      await sendAndFollow(`${kind} warm-up`, N, WARMUP, privateKeyToAccount(generatePrivateKey()).address);
    }
    heads.start();
    const arrivals = await sendAndFollow(kind, 0, N, recipient);
    await heads.stop();

    const lags: number[] = [];
    let unseen = 0;
    for (const { at, block } of arrivals.values()) {
      const confirmedAt = heads.firstSeen.get(block + src.confirmations);
      if (confirmedAt === undefined) unseen++;
      else lags.push(Math.max(0, at - confirmedAt));
    }
    if (unseen > 0) log(`${kind}: ${unseen} messages' confirming blocks were not seen by the head watcher`);

    const ids = [...arrivals.keys()];
    const lookups: number[] = [];
    for (let i = 0; i < LOOKUPS; i++) {
      const id = ids[Math.floor(Math.random() * ids.length)]!;
      const t = performance.now();
      await api.message(id);
      lookups.push(performance.now() - t);
    }
    const pages: number[] = [];
    while (pages.length < PAGES) {
      const sender = senders.accounts[Math.floor(Math.random() * SENDERS)]!.address;
      let cursor: string | undefined;
      // A first page and up to four after it: deep pages cost the same (keyset pagination).
      for (let k = 0; k < 5 && pages.length < PAGES; k++) {
        const t = performance.now();
        const page = await api.messages({ sender, limit: PAGE_SIZE, cursor });
        pages.push(performance.now() - t);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
    }
    return {
      storage: kind,
      messages: N,
      backfill: { messages: backfilled, seconds: round(backfillSeconds) },
      indexLagMs: percentiles(lags),
      lookupMs: percentiles(lookups),
      historyPageMs: percentiles(pages),
    };
  } finally {
    subscription?.close();
    await heads.stop();
    await explorer.process.stop();
  }
}

/** True when each sender's transaction count reached `nonces` (its last send was mined). */
async function allSendsMined(rpcUrl: string, accounts: readonly PrivateKeyAccount[], nonces: readonly number[]) {
  const counts = (await rpcBatch(
    rpcUrl,
    accounts.map((a) => ({ method: "eth_getTransactionCount", params: [a.address, "latest"] })),
  )) as Hex[];
  return counts.every((c, s) => Number(c) >= nonces[s]!);
}

/**
 * Why the stream stopped short, from three counts: sends that emitted a MessageSent on chain
 * (every receipt), messages to the recipient the explorer stored, messages streamed.
 */
async function diagnoseStall(
  kind: string,
  api: ExplorerClient,
  client: ReturnType<typeof publicClientFor>,
  rpcUrl: string,
  gateway: Address,
  hashes: readonly Hex[],
  arrivals: ReadonlyMap<Hex, unknown>,
  recipient: Address,
): Promise<string> {
  const outcome = sendOutcome(hashes, await receiptsOf(rpcUrl, hashes), gateway);
  const reason = outcome.reverted[0] ? await revertReason(client, outcome.reverted[0]) : undefined;
  const failed = describeFailedSends(outcome, hashes.length, reason);
  const stored = await countMessages(api, { recipient });
  const counts = `${arrivals.size} streamed, ${stored} stored by the explorer, ${outcome.msgIds.length} sent on chain`;
  if (failed) return `${kind}: the stream stopped at ${arrivals.size}/${hashes.length} (${counts}): ${failed}`;
  const missing = outcome.msgIds.filter((id) => !arrivals.has(id));
  return `${kind}: the stream stopped at ${arrivals.size}/${hashes.length} although every send sent its message (${counts}); first not streamed: ${missing[0]}`;
}

/** Why a mined transaction reverted: replayed as a call on the state after its block. */
async function revertReason(client: ReturnType<typeof publicClientFor>, hash: Hex): Promise<string> {
  const tx = await client.getTransaction({ hash });
  try {
    await client.call({ account: tx.from, to: tx.to, data: tx.input, gas: tx.gas, blockNumber: tx.blockNumber! });
    return "it does not revert when replayed after its block";
  } catch (e) {
    // The revert data, decoded with the ABIs a send runs through (the gateway's, the token's).
    // The node's error (the innermost cause) carries the revert data, as viem's own decoding reads it.
    const cause = e instanceof BaseError ? (e.walk() as { data?: Hex | { data?: Hex } }) : undefined;
    const data = typeof cause?.data === "object" ? cause.data.data : cause?.data;
    if (data) {
      try {
        const d = decodeErrorResult({ abi: [...bridgeGatewayAbi, ...testTokenAbi], data });
        return `${d.errorName}(${(d.args ?? []).map(String).join(", ")})`;
      } catch {
        // Not one of ours: the node's sentence below.
      }
    }
    return ((e as { shortMessage?: string }).shortMessage ?? (e as Error).message).split("\n")[0]!;
  }
}

async function countMessages(api: ExplorerClient, query: ExplorerMessageQuery = {}): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await api.messages({ ...query, limit: 100, cursor });
    count += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return count;
}

// ---------------------------------------------------------------------------------------------

const stop = new AbortController();
process.on("SIGINT", () => stop.abort());
process.on("SIGTERM", () => stop.abort());
onLauncherExit(() => stop.abort());

const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-explorer-"));
let devnet: Devnet | undefined;
let pg: PostgresServer | undefined;
let exitCode = 0;
try {
  log("starting a devnet (chains and contracts) and PostgreSQL");
  [devnet, pg] = await Promise.all([startDevnet({ services: false, dir: join(dir, "devnet") }), startPostgres()]);
  const { token, src } = benchRoute(devnet);
  log(`funding ${SENDERS} senders with ${token.symbol} on ${src.name}`);
  // Both phases' sends (SQLite, then PostgreSQL) come from the same accounts.
  const funding = fundingPerSender(N + WARMUP, SENDERS, parseUnits("1", token.decimals), 2);
  const senders = await fundSenders(
    src.rpcUrl,
    token.addresses[String(src.chainId)] as Address,
    funding,
    src.gateway,
    src.chainId,
  );
  const results: StorageResult[] = [];
  results.push(await runStorage(devnet, "sqlite", { SQLITE_PATH: join(dir, "explorer.sqlite") }, senders, stop.signal));
  results.push(
    await runStorage(devnet, "postgres", { DATABASE_URL: pg.createDatabase("explorer") }, senders, stop.signal),
  );
  const output = {
    n: N,
    senders: SENDERS,
    blockTimeSeconds: devnet.options.blockTimeSeconds,
    confirmations: devnet.options.confirmations,
    explorerPollMs: 250,
    targets: TARGETS,
    warmup: WARMUP,
    results: results.map((r) => ({
      ...r,
      meets: {
        indexLag: r.indexLagMs.p95 <= TARGETS.indexLagP95Ms,
        lookup: r.lookupMs.p95 <= TARGETS.lookupP95Ms,
        historyPage: r.historyPageMs.p95 <= TARGETS.historyPageP95Ms,
      },
    })),
  };
  if (args.json) process.stdout.write(`${JSON.stringify(output)}\n`);
  else {
    for (const r of output.results) {
      process.stdout.write(
        [
          `${r.storage}: ${r.messages} messages (backfill of ${r.backfill.messages} in ${r.backfill.seconds} s)`,
          `  index lag   p50 ${r.indexLagMs.p50} ms  p95 ${r.indexLagMs.p95} ms  max ${r.indexLagMs.max} ms  n ${r.indexLagMs.n}  (target p95 <= ${TARGETS.indexLagP95Ms} ms)`,
          `  lookup      p50 ${r.lookupMs.p50} ms  p95 ${r.lookupMs.p95} ms  max ${r.lookupMs.max} ms  n ${r.lookupMs.n}  (target p95 <= ${TARGETS.lookupP95Ms} ms)`,
          `  history     p50 ${r.historyPageMs.p50} ms  p95 ${r.historyPageMs.p95} ms  max ${r.historyPageMs.max} ms  n ${r.historyPageMs.n}  (target p95 <= ${TARGETS.historyPageP95Ms} ms)`,
          "",
        ].join("\n"),
      );
    }
  }
} catch (e) {
  exitCode = 1;
  process.stderr.write(`bench:explorer failed: ${(e as Error).stack ?? String(e)}\n`);
  if (devnet) process.stderr.write(`logs: ${devnet.group.logDir}\n`);
} finally {
  await devnet?.stop();
  await pg?.stop();
  if (exitCode === 0) rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
