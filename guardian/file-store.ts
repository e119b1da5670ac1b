/**
 * The production store: an append-only JSON-lines journal in DATA_DIR, fsync'd before a claim
 * or approval counts, replayed at start-up. A lock file keeps two guardian processes from
 * sharing one journal (each would keep its own view of the claims and could equivocate).
 *
 * Crash safety: a record is either fully in the journal or was never acknowledged (and so never
 * signed over). A torn last line from a crash mid-append is dropped and truncated away; a bad
 * line anywhere else is corruption and stops the guardian rather than forgetting a claim.
 */
import { closeSync, openSync, fsyncSync } from "node:fs";
import { mkdir, open, readFile, rm, truncate, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { Hex } from "viem";
import { InMemoryGuardianStore, nonceKey, type JournalRecord } from "./store.js";

export const JOURNAL_FILE = "guardian-journal.jsonl";
export const LOCK_FILE = "guardian.lock";

const hex32 = z
  .string()
  .regex(/^0x[0-9a-f]{64}$/)
  .transform((v) => v as Hex);
const uint = z.string().regex(/^[0-9]+$/);
const recordSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("claim"), sourceChainId: uint, nonce: uint, msgId: hex32 }),
  z.object({ type: z.literal("approval"), msgId: hex32, at: z.number() }),
]);

export class StoreError extends Error {
  override name = "StoreError";
}

export class FileGuardianStore extends InMemoryGuardianStore {
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly journal: FileHandle,
  ) {
    super();
  }

  /** Opens (creating if needed) the journal in `dir`, taking the directory's lock. */
  static async open(dir: string): Promise<FileGuardianStore> {
    await mkdir(dir, { recursive: true });
    await acquireLock(dir);
    try {
      const path = join(dir, JOURNAL_FILE);
      const records = await readJournal(path);
      const journal = await open(path, "a");
      // The journal's directory entry must be durable too, or a fresh journal can vanish.
      syncDirectory(dir);
      const store = new FileGuardianStore(dir, journal);
      for (const record of records) store.apply(record);
      return store;
    } catch (e) {
      await releaseLock(dir);
      throw e;
    }
  }

  /** Number of claims held (for start-up logs). */
  get claimCount(): number {
    return this.claims.size;
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Waits for an in-flight append so it is not cut off by the close.
    await this.mutex.run(async () => {
      await this.journal.close();
      await releaseLock(this.dir);
    });
  }

  protected override async persist(record: JournalRecord): Promise<void> {
    await this.persistAll([record]);
  }

  /** One append and one datasync for the lot; a crash mid-write tears only the last line. */
  protected override async persistAll(records: readonly JournalRecord[]): Promise<void> {
    if (this.closed) throw new StoreError("the guardian store is closed");
    await this.journal.appendFile(records.map((r) => `${JSON.stringify(r)}\n`).join(""), "utf8");
    await this.journal.datasync();
  }

  private apply(record: JournalRecord) {
    if (record.type === "claim") {
      const key = nonceKey(BigInt(record.sourceChainId), BigInt(record.nonce));
      const existing = this.claims.get(key);
      if (existing !== undefined && existing !== record.msgId) {
        throw new StoreError(`journal claims nonce ${key} twice (${existing}, ${record.msgId}): it is corrupt`);
      }
      this.claims.set(key, record.msgId);
    } else {
      this.approvals.set(record.msgId, record.at);
    }
  }
}

async function readJournal(path: string): Promise<JournalRecord[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const lines = text.split("\n");
  const records: JournalRecord[] = [];
  let goodBytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const complete = i < lines.length - 1;
    if (line.trim() === "") {
      goodBytes += Buffer.byteLength(line) + (complete ? 1 : 0);
      continue;
    }
    const record = parseRecord(line);
    if (!record) {
      // Only an unterminated last line can be a torn append; it was never acknowledged.
      if (!complete) {
        await truncate(path, goodBytes);
        break;
      }
      throw new StoreError(`${path}:${i + 1} is not a valid journal record: the journal is corrupt`);
    }
    if (!complete) {
      // A complete record without its newline: keep it and terminate it so appends stay aligned.
      await writeFile(path, "\n", { flag: "a" });
    }
    records.push(record);
    goodBytes += Buffer.byteLength(line) + 1;
  }
  return records;
}

function parseRecord(line: string): JournalRecord | undefined {
  try {
    const result = recordSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

function syncDirectory(dir: string) {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes `dir`'s lock file. A lock left by a process that no longer runs (a crash, SIGKILL) is
 * taken over; one held by a live process is refused.
 */
async function acquireLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: "wx" });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const holder = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    if (holder === process.pid) throw new StoreError(`DATA_DIR ${dir} is already open in this process`);
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new StoreError(`DATA_DIR ${dir} is in use by another guardian process (pid ${holder})`);
    }
    await rm(path, { force: true });
  }
  throw new StoreError(`cannot take the lock ${path}: another process keeps creating it`);
}

async function releaseLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  const holder = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
  if (holder === process.pid) await rm(path, { force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else, so it is running.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
