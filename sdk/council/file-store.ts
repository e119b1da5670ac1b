/**
 * The council signature store as one local JSON file (`COUNCIL_STORE`, default
 * `council/pending.json` next to the manifest). Rewritten atomically (write, then rename);
 * owners on different machines share it by copying it along (signatures only, never keys).
 * Node only: exported from `@portcullis/sdk/node`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { storedTransactionSchema, type CouncilStore, type StoredTransaction } from "./store.js";

const fileSchema = z.object({
  version: z.literal(1),
  transactions: z.record(z.string(), storedTransactionSchema),
});

export function defaultStorePath(manifestPath: string, env: Record<string, string | undefined>): string {
  const fromEnv = env.COUNCIL_STORE;
  return fromEnv && fromEnv !== "" ? fromEnv : join(dirname(manifestPath), "council", "pending.json");
}

export class FileCouncilStore implements CouncilStore {
  constructor(readonly path: string) {}

  get location(): string {
    return this.path;
  }

  all(): Record<string, StoredTransaction> {
    if (!existsSync(this.path)) return {};
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(this.path, "utf8")));
    if (!parsed.success) throw new Error(`${this.path} is not a council signature store; move it away to start afresh`);
    return parsed.data.transactions;
  }

  get(safeTxHash: string): StoredTransaction | undefined {
    return this.all()[safeTxHash.toLowerCase()];
  }

  put(safeTxHash: string, entry: StoredTransaction): void {
    this.write({ ...this.all(), [safeTxHash.toLowerCase()]: entry });
  }

  delete(safeTxHash: string): void {
    const all = this.all();
    delete all[safeTxHash.toLowerCase()];
    this.write(all);
  }

  private write(transactions: Record<string, StoredTransaction>): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, transactions }, null, 2));
    renameSync(tmp, this.path);
  }
}
