/**
 * `npm run bench:explorer [-- --n 10000] [-- --senders 40] [-- --lookups 1000] [-- --pages 500] [-- --json]`:
 * the explorer indexing N messages and answering lookups, on both storages, on a devnet (anvil
 * L2s, 1 s blocks, 1 confirmation; chains and contracts only, since the bench measures the
 * explorer, not delivery).
 *
 * For each storage (SQLite, then PostgreSQL started for the run), an explorer process is started
 * exactly as the devnet starts it (explorer/index.ts, 250 ms polling), it catches up with the
 * chain (the PostgreSQL one re-indexes the SQLite phase's messages: the backfill figure), then N
 * pre-signed sends of BETA (l2b → l2a; its home is an open-faucet test token) go out as JSON-RPC batches from many senders to one recipient whose
 * event stream (GET /v1/stream?address=) the bench follows.
 *
 * - indexLagMs: per message, from the moment this bench saw the block that confirms it (its
 *   block + confirmations; the head is polled every 20 ms) to the moment its `message` event
 *   arrived on the stream. Target: p95 <= 1000 ms.
 * - lookupMs: GET /v1/messages/{msgId} for `lookups` random messages, one at a time. Target:
 *   p95 <= 50 ms.
 * - historyPageMs: GET /v1/messages?sender=…&limit=50 and the pages after it (following
 *   nextCursor), `pages` requests in all. Target: p95 <= 50 ms.
 *
 * With --json, stdout is exactly one JSON object; progress goes to stderr.
 */
import { Command } from "commander";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
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
import { ExplorerClient, gatewayChains, publicClientFor, type ExplorerMessage } from "@portcullis/sdk";
import { bridgeGatewayAbi, testTokenAbi } from "../core/generated/abis.js";
import { onLauncherExit } from "../core/service/launcher.js";
import { startDevnetExplorer, type DevnetExplorer } from "../devnet/explorer.js";
import { startPostgres, type PostgresServer } from "../devnet/postgres.js";
import { startDevnet, type Devnet } from "../devnet/start.js";

const args = new Command("bench:explorer")
  .option("--n <count>", "messages sent per storage", "10000")
  .option("--senders <count>", "distinct sending accounts", "40")
  .option("--lookups <count>", "message lookups timed per storage", "1000")
  .option("--pages <count>", "history page requests timed per storage", "500")
  .option("--json", "print one JSON object on stdout")
  .parse()
  .opts<{ n: string; senders: string; lookups: string; pages: string; json?: boolean }>();

const N = Number(args.n);
const SENDERS = Math.min(Number(args.senders), N);
const LOOKUPS = Number(args.lookups);
const PAGES = Number(args.pages);
for (const [name, v] of Object.entries({ n: N, senders: SENDERS, lookups: LOOKUPS, pages: PAGES })) {
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`--${name} must be a positive whole number.\n`);
    process.exit(1);
  }
}
const RPC_BATCH = 200;
const HEAD_POLL_MS = 20;
const PAGE_SIZE = 50;
const TARGETS = { indexLagP95Ms: 1000, lookupP95Ms: 50, historyPageP95Ms: 50 };

const log = (line: string) => process.stderr.write(`[bench:explorer] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Percentiles {
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

async function waitMined(url: string, hashes: Hex[], what: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let pending = hashes;
  while (pending.length > 0) {
    if (Date.now() > deadline) throw new Error(`${what}: ${pending.length} transactions not mined in ${timeoutMs} ms`);
    await sleep(500);
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

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
  return { p50: round(at(50)), p95: round(at(95)), max: round(sorted.at(-1)!) };
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

/** Funds senders with ETH, ALPHA (the TestToken faucet) and an allowance for 2 × N sends. */
async function fundSenders(rpcUrl: string, token: Address, decimals: number, gateway: Address, chainId: number) {
  const accounts = Array.from({ length: SENDERS }, () => privateKeyToAccount(generatePrivateKey()));
  await rpcBatch(
    rpcUrl,
    accounts.map((a) => ({ method: "anvil_setBalance", params: [a.address, `0x${parseEther("1000").toString(16)}`] })),
  );
  const perSender = parseUnits(String(2 * Math.ceil(N / SENDERS) + 1), decimals);
  const raw: Hex[] = [];
  for (const a of accounts) {
    const calls = [
      encodeFunctionData({ abi: testTokenAbi, functionName: "mint", args: [a.address, perSender] }),
      encodeFunctionData({ abi: testTokenAbi, functionName: "approve", args: [gateway, perSender] }),
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
  const client = publicClientFor(src, 100);
  const local = token.addresses[String(src.chainId)] as Address;
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

    // The stream first, so no message can be missed.
    const arrivals = new Map<Hex, { at: number; block: number }>();
    const streamErrors: Error[] = [];
    let ready = false;
    const subscription = api.subscribe(
      { address: recipient },
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
    const heads = new HeadWatcher(src.rpcUrl);
    heads.start();

    log(`${kind}: signing ${N} sends`);
    const raw: Hex[] = [];
    for (let i = 0; i < N; i++) {
      const s = i % SENDERS;
      raw.push(
        await senders.accounts[s]!.signTransaction({
          chainId: src.chainId,
          type: "eip1559",
          to: src.gateway,
          data: encodeFunctionData({
            abi: bridgeGatewayAbi,
            functionName: "send",
            args: [local, BigInt(dst.chainId), recipient, parseUnits("1", token.decimals) + BigInt(i), 0n, 0n],
          }),
          nonce: senders.nonces[s]!++,
          gas,
          ...FEES,
        }),
      );
    }
    log(`${kind}: submitting ${N} sends`);
    const t0 = Date.now();
    await submitRaw(src.rpcUrl, raw);
    const timeoutMs = 120_000 + N * 20;
    let lastReport = Date.now();
    while (arrivals.size < N) {
      if (signal.aborted) throw new Error("interrupted");
      if (streamErrors.length > 0) throw streamErrors[0]!;
      if (Date.now() - t0 > timeoutMs)
        throw new Error(`${kind}: only ${arrivals.size}/${N} messages streamed in ${timeoutMs} ms`);
      if (Date.now() - lastReport > 5_000) {
        lastReport = Date.now();
        log(`${kind}: ${((Date.now() - t0) / 1000).toFixed(1)} s: ${arrivals.size}/${N} streamed`);
      }
      await sleep(50);
    }
    subscription.close();
    await heads.stop();
    log(`${kind}: all ${N} streamed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

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
    await explorer.process.stop();
  }
}

async function countMessages(api: ExplorerClient): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await api.messages({ limit: 100, cursor });
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
  const senders = await fundSenders(
    src.rpcUrl,
    token.addresses[String(src.chainId)] as Address,
    token.decimals,
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
          `  index lag   p50 ${r.indexLagMs.p50} ms  p95 ${r.indexLagMs.p95} ms  max ${r.indexLagMs.max} ms  (target p95 <= ${TARGETS.indexLagP95Ms} ms)`,
          `  lookup      p50 ${r.lookupMs.p50} ms  p95 ${r.lookupMs.p95} ms  max ${r.lookupMs.max} ms  (target p95 <= ${TARGETS.lookupP95Ms} ms)`,
          `  history     p50 ${r.historyPageMs.p50} ms  p95 ${r.historyPageMs.p95} ms  max ${r.historyPageMs.max} ms  (target p95 <= ${TARGETS.historyPageP95Ms} ms)`,
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
