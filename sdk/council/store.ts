/**
 * Where council signatures wait for the threshold: one local JSON file (`COUNCIL_STORE`, default
 * `council/pending.json` next to the manifest), keyed by Safe transaction hash. Each entry pins
 * the Safe nonce it was built for, so every owner signs exactly the same transaction. The file
 * is rewritten atomically (write, then rename); owners on different machines share it by copying
 * it along (it holds signatures only, never keys).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);

export const storedTransactionSchema = z.object({
  chain: z.string(),
  chainId: z.number().int(),
  safe: z.string(),
  /** "instant" (pause, veto), "schedule" (a timelock proposal), "cancel" (of a timelock operation). */
  kind: z.enum(["instant", "schedule", "cancel"]),
  /** Identifies the request: the same command typed by another owner finds this entry. */
  intent: z.string(),
  description: z.array(z.string()),
  /** protocol-kit `SafeTransactionData`, nonce pinned. */
  tx: z.object({
    to: z.string(),
    value: z.string(),
    data: hex,
    operation: z.number().int(),
    safeTxGas: z.string(),
    baseGas: z.string(),
    gasPrice: z.string(),
    gasToken: z.string(),
    refundReceiver: z.string(),
    nonce: z.number().int().nonnegative(),
  }),
  /** Owner address (checksummed) → EIP-712 signature. */
  signatures: z.record(z.string(), hex),
  createdAt: z.string(),
});
export type StoredTransaction = z.infer<typeof storedTransactionSchema>;

const fileSchema = z.object({
  version: z.literal(1),
  transactions: z.record(z.string(), storedTransactionSchema),
});

export function defaultStorePath(manifestPath: string, env: Record<string, string | undefined>): string {
  const fromEnv = env.COUNCIL_STORE;
  return fromEnv && fromEnv !== "" ? fromEnv : join(dirname(manifestPath), "council", "pending.json");
}

export class CouncilStore {
  constructor(readonly path: string) {}

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
