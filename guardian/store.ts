/**
 * The guardian's durable state: the one message id it committed to per (source chain, nonce),
 * and its operator's approvals. Everything else (messages, cursors) is re-derived from the
 * chains at start-up, so this is all that must survive a restart.
 *
 * The commitment is the guardian's core safety rule: it never signs two different messages for
 * the same (source chain, nonce), so a reorg, a lying RPC or a forged log can at worst stall a
 * nonce, never mint it twice on two destinations.
 */
import type { Hex } from "viem";

export interface GuardianStore {
  /** The message id committed to for (source chain, nonce), if any. */
  claimOf(sourceChainId: bigint, nonce: bigint): Promise<Hex | undefined>;
  /**
   * Commits to `msgId` for (source chain, nonce) unless another id already holds it, and returns
   * the id holding it afterwards. Resolves only once the commitment is durable, so a caller may
   * sign `msgId` exactly when the returned id equals it.
   */
  claim(sourceChainId: bigint, nonce: bigint, msgId: Hex): Promise<Hex>;
  /**
   * `claim` for several nonces at once, made durable together (one journal write: a batch of
   * hundreds of messages costs one fsync, not hundreds). Returns each nonce's holder, in order.
   */
  claimMany(claims: readonly Claim[]): Promise<Hex[]>;
  isApproved(msgId: Hex): Promise<boolean>;
  /** Records the operator's approval of `msgId` (idempotent), durably. */
  approve(msgId: Hex, atSeconds: number): Promise<void>;
  close(): Promise<void>;
}

export interface Claim {
  sourceChainId: bigint;
  nonce: bigint;
  msgId: Hex;
}

export function nonceKey(sourceChainId: bigint, nonce: bigint): string {
  return `${sourceChainId}:${nonce}`;
}

/**
 * Serialises async critical sections: the check-then-write of a claim must not interleave with
 * another claim for the same nonce.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** In-memory store for unit tests and tools; forgets everything when the process ends. */
export class InMemoryGuardianStore implements GuardianStore {
  protected readonly claims = new Map<string, Hex>();
  protected readonly approvals = new Map<Hex, number>();
  protected readonly mutex = new Mutex();

  async claimOf(sourceChainId: bigint, nonce: bigint): Promise<Hex | undefined> {
    return this.claims.get(nonceKey(sourceChainId, nonce));
  }

  claim(sourceChainId: bigint, nonce: bigint, msgId: Hex): Promise<Hex> {
    const id = msgId.toLowerCase() as Hex;
    return this.mutex.run(async () => {
      const key = nonceKey(sourceChainId, nonce);
      const existing = this.claims.get(key);
      if (existing !== undefined) return existing;
      await this.persist({ type: "claim", sourceChainId: String(sourceChainId), nonce: String(nonce), msgId: id });
      this.claims.set(key, id);
      return id;
    });
  }

  claimMany(claims: readonly Claim[]): Promise<Hex[]> {
    return this.mutex.run(async () => {
      const fresh = new Map<string, Hex>();
      const holders = claims.map((c) => {
        const key = nonceKey(c.sourceChainId, c.nonce);
        const holder = this.claims.get(key) ?? fresh.get(key);
        if (holder !== undefined) return holder;
        const id = c.msgId.toLowerCase() as Hex;
        fresh.set(key, id);
        return id;
      });
      const records = [...fresh].map(([key, msgId]): JournalRecord => {
        const [sourceChainId, nonce] = key.split(":") as [string, string];
        return { type: "claim", sourceChainId, nonce, msgId };
      });
      if (records.length > 0) await this.persistAll(records);
      for (const [key, id] of fresh) this.claims.set(key, id);
      return holders;
    });
  }

  async isApproved(msgId: Hex): Promise<boolean> {
    return this.approvals.has(msgId.toLowerCase() as Hex);
  }

  approve(msgId: Hex, atSeconds: number): Promise<void> {
    const id = msgId.toLowerCase() as Hex;
    return this.mutex.run(async () => {
      if (this.approvals.has(id)) return;
      await this.persist({ type: "approval", msgId: id, at: atSeconds });
      this.approvals.set(id, atSeconds);
    });
  }

  async close(): Promise<void> {}

  /** Makes a record durable before the in-memory state reflects it. Nothing to do here. */
  protected async persist(_record: JournalRecord): Promise<void> {}

  /** Makes several records durable together (a store with a journal writes them at once). */
  protected async persistAll(records: readonly JournalRecord[]): Promise<void> {
    for (const record of records) await this.persist(record);
  }
}

/** One line of the file store's journal. */
export type JournalRecord =
  { type: "claim"; sourceChainId: string; nonce: string; msgId: Hex } | { type: "approval"; msgId: Hex; at: number };
