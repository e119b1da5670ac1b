/**
 * The storage logic both databases share, over a small SQL driver (sqlite.ts, postgres.ts).
 * Queries use `?` placeholders and SQL that SQLite and PostgreSQL both accept (row-value
 * comparisons for keyset pagination, ON CONFLICT upserts); a driver only executes them.
 */
import type { Hex } from "viem";
import type {
  Checkpoint,
  EventFilter,
  EventKey,
  IndexedEvent,
  IndexedPage,
  MessageFilter,
  MessageKey,
  MessageRecord,
  MessageStatus,
  SentMessage,
} from "../model.js";
import { statusOf } from "../status.js";
import { MIGRATIONS, MIGRATIONS_TABLE } from "./migrations.js";
import { commitPageParams, commitPageStatement } from "./postgres-page.js";
import { CHECKPOINTS_KEPT, StorageMismatchError, type ChainCursor, type ExplorerStorage } from "./storage.js";

export type Row = Record<string, unknown>;
export type Param = string | number | bigint | null;
/** PostgreSQL only: an array parameter (one column of a page, for `unnest`). */
export type ArrayParam = readonly Param[];

/** What a database driver provides: statements with `?` placeholders, and transactions. */
export interface SqlDriver {
  readonly kind: "sqlite" | "postgres";
  all(sql: string, params?: readonly (Param | ArrayParam)[]): Promise<Row[]>;
  run(sql: string, params?: readonly Param[]): Promise<void>;
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type SqlExecutor = Pick<SqlDriver, "all" | "run">;

/** Rows per multi-row INSERT: far below both databases' bound-parameter limits. */
const INSERT_CHUNK = 400;

const EVENT_COLUMNS = "chain_id, block_number, log_index, tx_hash, block_hash, time, name, msg_id, args";
const MESSAGE_COLUMNS =
  "msg_id, source_chain_id, dest_chain_id, nonce, sender, recipient, message, block_number, log_index, tx_hash, time, status";

/** PostgreSQL's page write (postgres-page.ts), built once. */
const COMMIT_PAGE_POSTGRES = commitPageStatement(EVENT_COLUMNS, MESSAGE_COLUMNS);

export class SqlStorage implements ExplorerStorage {
  constructor(private readonly db: SqlDriver) {}

  get kind() {
    return this.db.kind;
  }

  async migrate(): Promise<number> {
    await this.db.run(MIGRATIONS_TABLE);
    const applied = new Set((await this.db.all("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await this.db.transaction(async (tx) => {
        for (const statement of this.db.kind === "sqlite" ? m.sqlite : m.postgres) await tx.run(statement);
        await tx.run("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)", [
          m.version,
          m.description,
          new Date().toISOString(),
        ]);
      });
    }
    const rows = await this.db.all("SELECT MAX(version) AS v FROM schema_migrations");
    return Number(rows[0]?.v ?? 0);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  async ping(): Promise<void> {
    await this.db.all("SELECT 1 AS ok");
  }

  // Indexing ------------------------------------------------------------------------------------

  async cursor(chainId: number): Promise<ChainCursor | undefined> {
    const [row] = await this.db.all("SELECT gateway, block, hash FROM chains WHERE chain_id = ?", [chainId]);
    return row ? { gateway: row.gateway as Hex, block: Number(row.block), hash: row.hash as Hex } : undefined;
  }

  async checkpoints(chainId: number): Promise<Checkpoint[]> {
    const rows = await this.db.all("SELECT block, hash FROM checkpoints WHERE chain_id = ? ORDER BY block DESC", [
      chainId,
    ]);
    return rows.map((r) => ({ block: Number(r.block), hash: r.hash as Hex }));
  }

  async commitPage(page: IndexedPage): Promise<Hex[]> {
    const events = page.events.map(eventRow);
    const messages = page.sent.map((s) => messageRow(s, "sent"));
    const touched = unique([
      ...page.sent.map((s) => s.msgId),
      ...page.events.flatMap((e) => (e.msgId ? [e.msgId] : [])),
    ]);
    if (this.db.kind === "postgres") {
      // One statement, one round trip: the same steps as below (postgres-page.ts).
      const head = {
        chainId: page.chainId,
        gateway: page.gateway,
        expected: page.fromBlock - 1,
        to: page.to,
        updatedAt: Date.now(),
      };
      const [result] = await this.db.all(COMMIT_PAGE_POSTGRES, commitPageParams(head, events, messages));
      if (result?.ok !== true) {
        checkContinues(page, result?.gateway == null ? undefined : result);
        throw new Error(`chain ${page.chainId}: the page was not stored (the cursor check failed)`);
      }
      return touched;
    }
    return this.db.transaction(async (tx) => {
      const [current] = await tx.all("SELECT gateway, block FROM chains WHERE chain_id = ?", [page.chainId]);
      checkContinues(page, current);
      await insertRows(tx, "events", EVENT_COLUMNS, events);
      await insertRows(tx, "messages", MESSAGE_COLUMNS, messages);
      await refreshStatuses(tx, touched);
      await tx.run(
        `INSERT INTO chains (chain_id, gateway, block, hash, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (chain_id) DO UPDATE SET block = excluded.block, hash = excluded.hash, updated_at = excluded.updated_at`,
        [page.chainId, page.gateway, page.to.block, page.to.hash, Date.now()],
      );
      await tx.run(
        "INSERT INTO checkpoints (chain_id, block, hash) VALUES (?, ?, ?) ON CONFLICT (chain_id, block) DO UPDATE SET hash = excluded.hash",
        [page.chainId, page.to.block, page.to.hash],
      );
      await pruneCheckpoints(tx, page.chainId);
      return touched;
    });
  }

  async rollback(chainId: number, checkpoint: Checkpoint | undefined): Promise<Hex[]> {
    const after = checkpoint?.block ?? -1;
    return this.db.transaction(async (tx) => {
      const touched = unique(
        (
          await tx.all(
            "SELECT DISTINCT msg_id FROM events WHERE chain_id = ? AND block_number > ? AND msg_id IS NOT NULL",
            [chainId, after],
          )
        ).map((r) => r.msg_id as Hex),
      );
      await tx.run("DELETE FROM events WHERE chain_id = ? AND block_number > ?", [chainId, after]);
      await tx.run("DELETE FROM messages WHERE source_chain_id = ? AND block_number > ?", [chainId, after]);
      await tx.run("DELETE FROM checkpoints WHERE chain_id = ? AND block > ?", [chainId, after]);
      if (checkpoint) {
        await tx.run("UPDATE chains SET block = ?, hash = ?, updated_at = ? WHERE chain_id = ?", [
          checkpoint.block,
          checkpoint.hash,
          Date.now(),
          chainId,
        ]);
      } else {
        await tx.run("DELETE FROM chains WHERE chain_id = ?", [chainId]);
      }
      await refreshStatuses(tx, touched);
      return touched;
    });
  }

  // Queries -------------------------------------------------------------------------------------

  async message(msgId: Hex): Promise<MessageRecord | undefined> {
    return (await this.messagesById([msgId]))[0];
  }

  async messagesById(msgIds: readonly Hex[]): Promise<MessageRecord[]> {
    const records: MessageRecord[] = [];
    for (let i = 0; i < msgIds.length; i += INSERT_CHUNK) {
      const ids = unique(msgIds.slice(i, i + INSERT_CHUNK).map((id) => id.toLowerCase()));
      const [rows, events] = await Promise.all([
        this.db.all(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE msg_id IN (${placeholders(ids.length)})`, ids),
        this.db.all(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE msg_id IN (${placeholders(ids.length)})
           ORDER BY time, chain_id, block_number, log_index`,
          ids,
        ),
      ]);
      const sent = new Map(rows.map((r) => [r.msg_id as string, r]));
      const byId = new Map<string, IndexedEvent[]>();
      for (const e of events.map(eventFromRow)) byId.set(e.msgId!, [...(byId.get(e.msgId!) ?? []), e]);
      for (const id of ids) {
        const row = sent.get(id);
        const own = byId.get(id) ?? [];
        if (!row && own.length === 0) continue;
        records.push({
          msgId: id as Hex,
          sent: row ? sentFromRow(row) : undefined,
          status: row ? (row.status as MessageStatus) : statusOf(own.map((e) => e.name)),
          events: own,
        });
      }
    }
    return records;
  }

  async messageIdsOfTransaction(txHash: Hex): Promise<Hex[]> {
    const rows = await this.db.all(
      "SELECT msg_id FROM events WHERE tx_hash = ? AND msg_id IS NOT NULL ORDER BY chain_id, block_number, log_index",
      [txHash.toLowerCase()],
    );
    return unique(rows.map((r) => r.msg_id as Hex));
  }

  async messages(filter: MessageFilter, after: MessageKey | undefined, limit: number): Promise<MessageRecord[]> {
    const w = new Where();
    if (filter.sender) w.add("sender = ?", filter.sender.toLowerCase());
    if (filter.recipient) w.add("recipient = ?", filter.recipient.toLowerCase());
    if (filter.address)
      w.add("(sender = ? OR recipient = ?)", filter.address.toLowerCase(), filter.address.toLowerCase());
    if (filter.sourceChainId !== undefined) w.add("source_chain_id = ?", filter.sourceChainId);
    if (filter.destChainId !== undefined) w.add("dest_chain_id = ?", filter.destChainId);
    if (filter.statuses && filter.statuses.length > 0) {
      w.add(`status IN (${placeholders(filter.statuses.length)})`, ...filter.statuses);
    }
    if (after) w.add("(time, source_chain_id, nonce) < (?, ?, ?)", after.time, after.sourceChainId, after.nonce);
    const sql = `SELECT ${MESSAGE_COLUMNS} FROM messages ${w.sql()}
      ORDER BY time DESC, source_chain_id DESC, nonce DESC LIMIT ?`;
    const rows = await this.db.all(sql, [...w.params, limit]);
    return rows.map((row) => ({
      msgId: row.msg_id as Hex,
      sent: sentFromRow(row),
      status: row.status as MessageStatus,
      events: [],
    }));
  }

  async events(filter: EventFilter, after: EventKey | undefined, limit: number): Promise<IndexedEvent[]> {
    const w = new Where();
    if (filter.chainId !== undefined) w.add("chain_id = ?", filter.chainId);
    if (filter.names && filter.names.length > 0)
      w.add(`name IN (${placeholders(filter.names.length)})`, ...filter.names);
    if (after) {
      w.add(
        "(time, chain_id, block_number, log_index) < (?, ?, ?, ?)",
        after.time,
        after.chainId,
        after.blockNumber,
        after.logIndex,
      );
    }
    const sql = `SELECT ${EVENT_COLUMNS} FROM events ${w.sql()}
      ORDER BY time DESC, chain_id DESC, block_number DESC, log_index DESC LIMIT ?`;
    return (await this.db.all(sql, [...w.params, limit])).map(eventFromRow);
  }

  async latestEvent(chainId: number, names: readonly string[]): Promise<IndexedEvent | undefined> {
    if (names.length === 0) return undefined;
    const [row] = await this.db.all(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE chain_id = ? AND name IN (${placeholders(names.length)})
       ORDER BY block_number DESC, log_index DESC LIMIT 1`,
      [chainId, ...names],
    );
    return row ? eventFromRow(row) : undefined;
  }

  async counts(): Promise<{ messages: number; events: number }> {
    const [m] = await this.db.all("SELECT COUNT(*) AS n FROM messages");
    const [e] = await this.db.all("SELECT COUNT(*) AS n FROM events");
    return { messages: Number(m?.n ?? 0), events: Number(e?.n ?? 0) };
  }
}

/** Throws unless `page` continues the stored cursor `current` (none yet: any page does), from the same gateway. */
function checkContinues(page: IndexedPage, current: Row | undefined): void {
  if (!current) return;
  if ((current.gateway as string).toLowerCase() !== page.gateway.toLowerCase()) {
    throw new StorageMismatchError(
      `this database indexed gateway ${String(current.gateway)} on chain ${page.chainId}, not ${page.gateway}: use a new database for another deployment`,
    );
  }
  const expected = Number(current.block);
  if (expected !== page.fromBlock - 1) {
    throw new Error(
      `chain ${page.chainId}: the stored cursor is at block ${expected}, not ${page.fromBlock - 1} (is another explorer indexing into this database?)`,
    );
  }
}

/** Recomputes the stored status of `msgIds` from all their events. */
async function refreshStatuses(tx: SqlExecutor, msgIds: readonly Hex[]): Promise<void> {
  for (let i = 0; i < msgIds.length; i += INSERT_CHUNK) {
    const chunk = msgIds.slice(i, i + INSERT_CHUNK);
    const rows = await tx.all(`SELECT msg_id, name FROM events WHERE msg_id IN (${placeholders(chunk.length)})`, chunk);
    const names = new Map<string, string[]>();
    for (const r of rows) {
      const id = r.msg_id as string;
      names.set(id, [...(names.get(id) ?? []), r.name as string]);
    }
    // Grouped by status: one UPDATE per distinct status, not per message.
    const byStatus = new Map<MessageStatus, string[]>();
    for (const id of chunk) {
      const status = statusOf(names.get(id) ?? []);
      byStatus.set(status, [...(byStatus.get(status) ?? []), id]);
    }
    for (const [status, ids] of byStatus) {
      await tx.run(`UPDATE messages SET status = ? WHERE msg_id IN (${placeholders(ids.length)}) AND status <> ?`, [
        status,
        ...ids,
        status,
      ]);
    }
  }
}

async function pruneCheckpoints(tx: SqlExecutor, chainId: number): Promise<void> {
  const rows = await tx.all("SELECT block FROM checkpoints WHERE chain_id = ? ORDER BY block DESC LIMIT 1 OFFSET ?", [
    chainId,
    CHECKPOINTS_KEPT,
  ]);
  const oldestDropped = rows[0];
  if (oldestDropped) {
    await tx.run("DELETE FROM checkpoints WHERE chain_id = ? AND block <= ?", [chainId, Number(oldestDropped.block)]);
  }
}

async function insertRows(tx: SqlExecutor, table: string, columns: string, rows: Param[][]): Promise<void> {
  const width = columns.split(",").length;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    const values = chunk.map(() => `(${placeholders(width)})`).join(", ");
    // A page re-read after a crash between commit and acknowledgement cannot happen (the cursor
    // moves in the same transaction), so a duplicate key is a bug worth failing on.
    await tx.run(`INSERT INTO ${table} (${columns}) VALUES ${values}`, chunk.flat());
  }
}

/** A WHERE clause built from conditions and their parameters, in order. */
class Where {
  private readonly clauses: string[] = [];
  readonly params: Param[] = [];

  add(clause: string, ...values: Param[]): void {
    this.clauses.push(clause);
    this.params.push(...values);
  }

  sql(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(" AND ")}` : "";
  }
}

function placeholders(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function eventRow(e: IndexedEvent): Param[] {
  return [
    e.chainId,
    e.blockNumber,
    e.logIndex,
    e.txHash.toLowerCase(),
    e.blockHash.toLowerCase(),
    e.time,
    e.name,
    e.msgId?.toLowerCase() ?? null,
    JSON.stringify(e.args),
  ];
}

function eventFromRow(r: Row): IndexedEvent {
  return {
    chainId: Number(r.chain_id),
    blockNumber: Number(r.block_number),
    logIndex: Number(r.log_index),
    txHash: r.tx_hash as Hex,
    blockHash: r.block_hash as Hex,
    time: Number(r.time),
    name: r.name as string,
    msgId: (r.msg_id as Hex | null) ?? null,
    args: JSON.parse(r.args as string) as Record<string, unknown>,
  };
}

function messageRow(s: SentMessage, status: MessageStatus): Param[] {
  return [
    s.msgId.toLowerCase(),
    s.chainId,
    Number(s.message.destChainId),
    Number(s.message.nonce),
    s.message.sender.toLowerCase(),
    s.message.recipient.toLowerCase(),
    JSON.stringify(s.message),
    s.blockNumber,
    s.logIndex,
    s.txHash.toLowerCase(),
    s.time,
    status,
  ];
}

function sentFromRow(r: Row): SentMessage {
  return {
    msgId: r.msg_id as Hex,
    message: JSON.parse(r.message as string) as SentMessage["message"],
    chainId: Number(r.source_chain_id),
    blockNumber: Number(r.block_number),
    logIndex: Number(r.log_index),
    txHash: r.tx_hash as Hex,
    time: Number(r.time),
  };
}
