/**
 * PostgreSQL through `pg` (a connection pool). Statements arrive with `?` placeholders and are
 * numbered here (`$1`, `$2`, …); BIGINT columns come back as strings and are turned into
 * numbers by the shared storage code.
 */
import pg from "pg";
import type { ArrayParam, Param, Row, SqlDriver, SqlExecutor } from "./sql.js";

/** `?` → `$n`. The explorer's SQL has no `?` inside string literals. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const numbered = new Map<string, string>();

function toPg(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    text = numberPlaceholders(sql);
    if (numbered.size < 10_000) numbered.set(sql, text);
  }
  return text;
}

type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

function executor(q: Queryable): SqlExecutor {
  return {
    async all(sql: string, params: readonly (Param | ArrayParam)[] = []) {
      return (await q.query(toPg(sql), params as unknown[])).rows as Row[];
    },
    async run(sql: string, params: readonly Param[] = []) {
      await q.query(toPg(sql), params as unknown[]);
    },
  };
}

export class PostgresDriver implements SqlDriver {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private readonly exec: SqlExecutor;

  constructor(connectionString: string, onError: (e: Error) => void = () => {}) {
    this.pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 10_000 });
    // An idle client losing its connection (server restart) is reported here, not thrown.
    this.pool.on("error", onError);
    this.exec = executor(this.pool);
  }

  all(sql: string, params?: readonly (Param | ArrayParam)[]): Promise<Row[]> {
    return this.exec.all(sql, params);
  }

  run(sql: string, params?: readonly Param[]): Promise<void> {
    return this.exec.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(executor(client));
      await client.query("COMMIT");
      return result;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
