/**
 * The guardian's signable feed (GET /v1/signable, core/guardian-api.ts): every message that
 * became signable here (confirmed at depth, or approved by the operator), in that order, each
 * once, so relayers ask for an attestation the moment the guardian knows it would sign, instead
 * of polling and being refused.
 *
 * An in-memory log with a sequence number per entry, kept for `retentionMs` and at most
 * `maxEntries` entries; a read waits (long poll) until something newer than its cursor arrives.
 * Nothing here is durable: after a restart the guardian rescans its chains and publishes what is
 * signable again, under a new feed id, and clients holding an old cursor start over (`reset`).
 *
 * The guardian's attestations of groups it listed (`publishAttestations`) share the log and its
 * sequence, so one cursor pages through both and an answer carries whatever of either is new.
 * They are also found by root (`listedAttestation`) while held, so POST /v1/attest can answer a
 * request for exactly such a group with the signature already published here.
 */
import { randomBytes } from "node:crypto";
import type { Hex } from "viem";
import { nextWake } from "../core/async.js";
import type { ListedAttestation, SignableBatch, SignableEntry } from "../core/guardian-api.js";
import { messageToJson, type Message } from "../core/message.js";
import { paymentToJson, type Payment } from "../core/payment.js";

export interface SignableFeedOptions {
  /** Entries older than this are dropped (default 30 minutes). */
  retentionMs?: number;
  /** At most this many entries are kept (default 20,000). */
  maxEntries?: number;
  /** Wall clock in ms (tests pin it). */
  now?: () => number;
}

/** A message that became signable, as the guardian knows it (its book record fits). */
export interface SignableMessage {
  msgId: Hex;
  message: Message;
  blockNumber: bigint;
  /** What it paid, from its `MessageSent` log (listed so relayers need not read it again). */
  payment?: Payment;
}

/** One line of the log: a listed message, or an attestation of listed messages. */
type Entry = { seq: number; at: number } & (
  { kind: "message"; entry: SignableEntry } | { kind: "attestation"; attestation: ListedAttestation }
);

export class SignableFeed {
  /** Distinguishes this process's cursors from a previous run's. */
  readonly id = randomBytes(6).toString("hex");
  private readonly entries: Entry[] = [];
  private readonly listed = new Set<Hex>();
  /** The attestations held, by Merkle root (lowercase). */
  private readonly byRoot = new Map<Hex, ListedAttestation>();
  private readonly waiters = new Set<() => void>();
  private seq = 0;
  private closed = false;
  private readonly retentionMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(o: SignableFeedOptions = {}) {
    this.retentionMs = o.retentionMs ?? 30 * 60_000;
    this.maxEntries = o.maxEntries ?? 20_000;
    this.now = o.now ?? Date.now;
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries.length;
  }

  /** Whether `msgId` is listed (and still held). */
  has(msgId: Hex): boolean {
    return this.listed.has(msgId.toLowerCase() as Hex);
  }

  /** This guardian's published attestation of the listed group of Merkle root `root`, while held. */
  listedAttestation(root: Hex): ListedAttestation | undefined {
    return this.byRoot.get(root.toLowerCase() as Hex);
  }

  /** Appends the messages not listed yet and wakes every waiting reader. */
  publish(messages: readonly SignableMessage[]): number {
    const at = this.now();
    let added = 0;
    for (const m of messages) {
      const msgId = m.msgId.toLowerCase() as Hex;
      if (this.listed.has(msgId)) continue;
      this.listed.add(msgId);
      const entry: SignableEntry = {
        msgId,
        message: messageToJson(m.message),
        blockNumber: String(m.blockNumber),
        ...(m.payment ? { payment: paymentToJson(m.payment) } : {}),
      };
      this.entries.push({ seq: ++this.seq, at, kind: "message", entry });
      added++;
    }
    this.prune(at);
    if (added > 0) this.wake();
    return added;
  }

  /** Appends attestations of listed groups (the guardian signed them) and wakes every reader. */
  publishAttestations(attestations: readonly ListedAttestation[]): void {
    if (attestations.length === 0) return;
    const at = this.now();
    for (const attestation of attestations) {
      this.entries.push({ seq: ++this.seq, at, kind: "attestation", attestation });
      this.byRoot.set(attestation.root.toLowerCase() as Hex, attestation);
    }
    this.prune(at);
    this.wake();
  }

  /**
   * Entries after `after` (a cursor of this feed), at most `limit`, waiting up to `waitMs` for
   * the first one. An unknown or too old cursor reads from the oldest entry held, with `reset`.
   */
  async read(q: { after?: string; waitMs: number; limit: number }, signal?: AbortSignal): Promise<SignableBatch> {
    this.prune(this.now());
    let { from, reset } = this.position(q.after);
    if (this.newest() <= from && q.waitMs > 0 && !this.closed) {
      await nextWake(this.waiters, q.waitMs, signal);
      this.prune(this.now());
      // Entries the reader had not seen were dropped while it waited (only under a flood).
      if (from < this.oldest()) ({ from, reset } = { from: this.oldest(), reset: true });
    }
    // Sequence numbers are consecutive from the oldest entry held.
    const start = this.entries.length === 0 ? 0 : Math.max(0, from + 1 - this.entries[0]!.seq);
    const page = this.entries.slice(start, start + q.limit);
    const last = page.at(-1)?.seq ?? from;
    const messages: SignableEntry[] = [];
    const attestations: ListedAttestation[] = [];
    for (const e of page) {
      if (e.kind === "message") messages.push(e.entry);
      else attestations.push(e.attestation);
    }
    return { cursor: this.cursor(last), reset, messages, attestations };
  }

  /** Wakes every waiting reader and stops waiting from now on (shutdown). */
  close(): void {
    this.closed = true;
    this.wake();
  }

  private cursor(seq: number): string {
    return `${this.id}.${seq}`;
  }

  /** The sequence number to read after, and whether the cursor had to be reset. */
  private position(after: string | undefined): { from: number; reset: boolean } {
    const oldest = this.oldest();
    if (after === undefined) return { from: oldest, reset: false };
    const match = /^([0-9a-f]+)\.([0-9]+)$/.exec(after);
    const seq = match ? Number(match[2]) : NaN;
    if (!match || match[1] !== this.id || !Number.isSafeInteger(seq) || seq > this.seq) {
      return { from: oldest, reset: true };
    }
    // Entries after `seq` were dropped before this reader got them: it missed some.
    if (seq < oldest) return { from: oldest, reset: true };
    return { from: seq, reset: false };
  }

  /** The sequence number just before the oldest entry held (everything up to it is gone). */
  private oldest(): number {
    return (this.entries[0]?.seq ?? this.seq + 1) - 1;
  }

  private newest(): number {
    return this.entries.at(-1)?.seq ?? 0;
  }

  private wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  private prune(now: number) {
    let drop = 0;
    while (
      drop < this.entries.length &&
      (this.entries.length - drop > this.maxEntries || now - this.entries[drop]!.at > this.retentionMs)
    ) {
      const e = this.entries[drop]!;
      if (e.kind === "message") this.listed.delete(e.entry.msgId);
      else {
        const root = e.attestation.root.toLowerCase() as Hex;
        if (this.byRoot.get(root) === e.attestation) this.byRoot.delete(root);
      }
      drop++;
    }
    if (drop > 0) this.entries.splice(0, drop);
  }
}
