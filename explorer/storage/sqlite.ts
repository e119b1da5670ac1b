/**
 * The embedded default: one SQLite file through Node's built-in `node:sqlite` (nothing to
 * install; Node prints an ExperimentalWarning once), WAL journal, statements prepared once.
 * `DatabaseSync` is synchronous: API reads run between the indexer's statements, never inside a
 * transaction (a transaction's awaits only chain already-settled promises, so no request
 * handler can run in the middle of one).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { ArrayParam, Param, Row, SqlDriver, SqlExecutor } from "./sql.js";

export class SqliteDriver implements SqlDriver {
  readonly kind = "sqlite" as const;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  /** Transactions run one at a time (each spans awaits, so they must not interleave). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.db.exec("PRAGMA journal_mode = WAL");
    // NORMAL in WAL mode: a power loss may drop the last commits, never corrupt; the indexer
    // then re-reads those blocks from the chain.
    this.db.exec("PRAGMA synchronous = NORMAL");
    this.db.exec("PRAGMA busy_timeout = 5000");
  }

  private statement(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async all(sql: string, params: readonly (Param | ArrayParam)[] = []): Promise<Row[]> {
    if (params.some(Array.isArray)) throw new Error("SQLite takes no array parameters (a PostgreSQL-only statement)");
    return this.statement(sql).all(...(params as Param[])) as Row[];
  }

  async run(sql: string, params: readonly Param[] = []): Promise<void> {
    if (params.length === 0 && !this.statements.has(sql) && /^\s*(CREATE|PRAGMA)/i.test(sql)) {
      this.db.exec(sql);
      return;
    }
    this.statement(sql).run(...params);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const run = async () => {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this);
        this.db.exec("COMMIT");
        return result;
      } catch (e) {
        this.db.exec("ROLLBACK");
        throw e;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.queue;
    this.statements.clear();
    if (this.db.isOpen) this.db.close();
  }
}
