/**
 * `npx tsx bench/explorer-commit.ts [--pages 30] [--messages 300] [--rounds 2]`: the time of one
 * indexer page's write (`commitPage`) on PostgreSQL, storage alone (no chain, no indexer, no
 * API), for the two ways the shared storage code can write a page:
 *
 * - `oneStatement`: what the explorer does on PostgreSQL (storage/postgres-page.ts, one round trip);
 * - `transaction`: the SQLite path's separate statements in one transaction (BEGIN, cursor read,
 *   INSERTs, status read and UPDATEs, cursor, checkpoint, prune, COMMIT), run against the same
 *   server by presenting the PostgreSQL driver as `kind: "sqlite"` after migrating it — what
 *   PostgreSQL ran before the one-statement write.
 *
 * Each round writes `pages` pages of `messages` MessageSent each into a fresh database of a
 * PostgreSQL started for the run (devnet/postgres.ts); rounds alternate the two ways. Prints one
 * JSON object: p50 / p90 / max in ms per way, over all rounds. Run it through
 * /work/coord/heavy on the shared machine and note the load: the figures depend on it.
 */
import { Command } from "commander";
import { keccak256, toHex, type Address, type Hex } from "viem";
import { startPostgres } from "../devnet/postgres.js";
import type { IndexedEvent, IndexedPage, SentMessage } from "../explorer/model.js";
import { PostgresDriver } from "../explorer/storage/postgres.js";
import { SqlStorage, type SqlDriver } from "../explorer/storage/sql.js";

const opts = new Command()
  .option("--pages <n>", "pages per round", "30")
  .option("--messages <n>", "messages per page", "300")
  .option("--rounds <n>", "rounds per way", "2")
  .parse()
  .opts<{ pages: string; messages: string; rounds: string }>();
const pages = Number(opts.pages);
const perPage = Number(opts.messages);
const rounds = Number(opts.rounds);

const CHAIN = 901;
const GATEWAY = "0x00000000000000000000000000000000000000a1" as Address;
const hash = (s: string): Hex => keccak256(toHex(s));
const address = (s: string) => hash(s).slice(0, 42) as Address;

/** Block `block`'s page: `perPage` MessageSent with their messages (ids are not checked by storage). */
function page(block: number): IndexedPage {
  const events: IndexedEvent[] = [];
  const sent: SentMessage[] = [];
  for (let i = 0; i < perPage; i++) {
    const nonce = block * perPage + i;
    const msgId = hash(`message-${nonce}`);
    const message = {
      version: 1,
      nonce: String(nonce),
      sourceChainId: String(CHAIN),
      destChainId: "902",
      sourceGateway: GATEWAY,
      destGateway: GATEWAY,
      sender: address(`sender-${nonce % 40}`),
      recipient: address("recipient"),
      token: address("token"),
      amount: String(10n ** 18n + BigInt(nonce)),
      deadline: "2000000000",
    } as unknown as SentMessage["message"];
    const e: IndexedEvent = {
      chainId: CHAIN,
      blockNumber: block,
      logIndex: i,
      txHash: hash(`tx-${nonce}`),
      blockHash: hash(`block-${block}`),
      time: 1_700_000_000 + block,
      name: "MessageSent",
      msgId,
      args: { msgId, message },
    };
    events.push(e);
    sent.push({ msgId, message, chainId: CHAIN, blockNumber: block, logIndex: i, txHash: e.txHash, time: e.time });
  }
  return {
    chainId: CHAIN,
    gateway: GATEWAY,
    fromBlock: block,
    to: { block, hash: hash(`block-${block}`) },
    events,
    sent,
  };
}

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1));
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), max: at(1) };
}

const server = await startPostgres();
const times: Record<"oneStatement" | "transaction", number[]> = { oneStatement: [], transaction: [] };
try {
  let databases = 0;
  for (let round = 0; round < rounds; round++) {
    for (const way of ["oneStatement", "transaction"] as const) {
      const driver = new PostgresDriver(server.createDatabase(`commit_${++databases}`));
      await new SqlStorage(driver).migrate();
      const asTransaction: SqlDriver = {
        kind: "sqlite",
        all: (sql, params) => driver.all(sql, params),
        run: (sql, params) => driver.run(sql, params),
        transaction: (fn) => driver.transaction(fn),
        close: () => driver.close(),
      };
      const storage = new SqlStorage(way === "oneStatement" ? driver : asTransaction);
      try {
        for (let block = 1; block <= pages; block++) {
          const p = page(block);
          const start = performance.now();
          await storage.commitPage(p);
          times[way].push(performance.now() - start);
        }
      } finally {
        await storage.close();
      }
    }
  }
} finally {
  await server.stop();
}
console.log(
  JSON.stringify({
    pages,
    messagesPerPage: perPage,
    rounds,
    oneStatementMs: summary(times.oneStatement),
    transactionMs: summary(times.transaction),
  }),
);
