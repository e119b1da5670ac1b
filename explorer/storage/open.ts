/** Chooses the storage: PostgreSQL when a DATABASE_URL is given, else the embedded SQLite file. */
import { PostgresDriver } from "./postgres.js";
import { SqlStorage } from "./sql.js";
import { SqliteDriver } from "./sqlite.js";
import type { ExplorerStorage } from "./storage.js";

export interface StorageOptions {
  databaseUrl?: string;
  sqlitePath: string;
  onError?: (e: Error) => void;
}

/** Opens and migrates the storage. */
export async function openStorage(o: StorageOptions): Promise<ExplorerStorage> {
  const storage = new SqlStorage(
    o.databaseUrl ? new PostgresDriver(o.databaseUrl, o.onError) : new SqliteDriver(o.sqlitePath),
  );
  try {
    await storage.migrate();
  } catch (e) {
    await storage.close().catch(() => undefined);
    throw e;
  }
  return storage;
}

/** A DATABASE_URL with its password hidden, for logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
