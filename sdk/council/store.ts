/**
 * Where council signatures wait for the Safe's threshold, keyed by Safe transaction hash. Each
 * entry pins the Safe nonce it was built for, so every owner signs exactly the same transaction.
 * It holds signatures only, never keys. `CouncilStore` is the seam: `MemoryCouncilStore` here,
 * the CLI's JSON file (`FileCouncilStore`, `@portcullis/sdk/node`), or whatever a service shares.
 */
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

/** Pending council Safe transactions, by Safe transaction hash (lower case). */
export interface CouncilStore {
  /** Where the entries live, for sentences ("in council/pending.json"). */
  readonly location: string;
  all(): Record<string, StoredTransaction>;
  get(safeTxHash: string): StoredTransaction | undefined;
  put(safeTxHash: string, entry: StoredTransaction): void;
  delete(safeTxHash: string): void;
}

/** A store in memory (tests, one-shot tools, a browser session). */
export class MemoryCouncilStore implements CouncilStore {
  readonly location = "memory";
  private readonly entries = new Map<string, StoredTransaction>();

  all(): Record<string, StoredTransaction> {
    return Object.fromEntries(this.entries);
  }

  get(safeTxHash: string): StoredTransaction | undefined {
    return this.entries.get(safeTxHash.toLowerCase());
  }

  put(safeTxHash: string, entry: StoredTransaction): void {
    this.entries.set(safeTxHash.toLowerCase(), entry);
  }

  delete(safeTxHash: string): void {
    this.entries.delete(safeTxHash.toLowerCase());
  }
}
