/**
 * The explorer's one storage interface. Two implementations behind it: an embedded SQLite file
 * (`node:sqlite`, the default: nothing to install or run) and PostgreSQL (when DATABASE_URL is
 * given: several explorers, or a database an operator already backs up). The same test suite
 * runs against both (test/integration/explorer-storage.test.ts).
 *
 * Writes come from the indexer only, one page of one chain at a time, each in one transaction
 * together with the chain's cursor: a crash leaves either the whole page or none of it, and a
 * restart resumes after the last committed page.
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
} from "../model.js";

/** Checkpoints kept per chain; a reorg deeper than this many pages re-indexes the chain. */
export const CHECKPOINTS_KEPT = 256;

export interface ChainCursor extends Checkpoint {
  /** The gateway indexed on this chain (a different one needs a new database). */
  gateway: Hex;
}

export interface ExplorerStorage {
  readonly kind: "sqlite" | "postgres";
  /** Applies pending schema migrations (idempotent); returns the schema version. */
  migrate(): Promise<number>;
  close(): Promise<void>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;

  // Indexing ------------------------------------------------------------------------------------

  cursor(chainId: number): Promise<ChainCursor | undefined>;
  /** Stored checkpoints of a chain, newest first (the cursor's block first). */
  checkpoints(chainId: number): Promise<Checkpoint[]>;
  /**
   * Stores a page and moves the chain's cursor to `page.to`, atomically, if the cursor is still
   * at `page.fromBlock - 1` (else throws: two indexers on one database). Returns the ids of
   * messages whose view changed.
   */
  commitPage(page: IndexedPage): Promise<Hex[]>;
  /**
   * Forgets everything indexed on `chainId` after `checkpoint.block` (orphaned by a reorg) and
   * moves the cursor back to it; with `undefined`, forgets the whole chain (index it again from
   * the gateway's deploy block). Returns the ids of messages whose view changed.
   */
  rollback(chainId: number, checkpoint: Checkpoint | undefined): Promise<Hex[]>;

  // Queries -------------------------------------------------------------------------------------

  /** A message with all its events (oldest first), or undefined when nothing names this id. */
  message(msgId: Hex): Promise<MessageRecord | undefined>;
  /** `message` for many ids at once (two queries); ids nothing names are left out. */
  messagesById(msgIds: readonly Hex[]): Promise<MessageRecord[]>;
  /** Ids of messages sent, delivered or otherwise touched by a transaction, in log order. */
  messageIdsOfTransaction(txHash: Hex): Promise<Hex[]>;
  /** Messages newest first (time, source chain, nonce), strictly after `after`; no events loaded. */
  messages(filter: MessageFilter, after: MessageKey | undefined, limit: number): Promise<MessageRecord[]>;
  /** Gateway events newest first, strictly after `after`. */
  events(filter: EventFilter, after: EventKey | undefined, limit: number): Promise<IndexedEvent[]>;
  /** The newest event of one of `names` on a chain (e.g. the latest Paused/Unpaused). */
  latestEvent(chainId: number, names: readonly string[]): Promise<IndexedEvent | undefined>;
  /** Counts for /metrics and /healthz. */
  counts(): Promise<{ messages: number; events: number }>;
}

/** Thrown when the database holds another deployment's index. */
export class StorageMismatchError extends Error {
  override name = "StorageMismatchError";
}
