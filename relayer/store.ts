/**
 * The relayer's own Redis keys (BullMQ keeps the queues): observation cursors and the observer
 * leases. Every key lives under the QUEUE_PREFIX, and every script touches a single key, so the
 * store works unchanged on Redis Cluster. (Delivery has no lease: BullMQ locks each job.)
 *
 *   <prefix>:relayer:cursor:<chainId>              JSON Cursor: last scanned block, hash, history
 *   <prefix>:relayer:lock:observe:<chainId>        RELAYER_ID of the relayer scanning that chain
 *   <prefix>:relayer:released (pub/sub channel)    names of leases just released, for relayers
 *                                                  waiting to take them (take-turn.ts)
 *
 * Losing every key (a Redis wipe) is safe: observation restarts at each gateway's deployBlock
 * and re-enqueues everything not yet processed on its destination.
 */
import type { Hex } from "viem";
import { Cluster } from "ioredis";
import { nextWake } from "../core/async.js";
import type { RedisConnection } from "./redis.js";

/** How far observation got on one source chain. */
export interface Cursor {
  /** Last block whose logs were all enqueued. */
  block: number;
  hash: Hex;
  /** Earlier checkpoints, newest first (including this one): where to resume after a reorg. */
  history: [number, Hex][];
}

/** Checkpoints kept per chain: a reorg deeper than this many scan steps rescans from deployBlock. */
export const CURSOR_HISTORY = 64;

export interface RelayerStore {
  getCursor(chainId: number): Promise<Cursor | undefined>;
  /** Writes `next` only if the stored cursor is still `expected`; false if someone moved it. */
  compareAndSetCursor(chainId: number, expected: Cursor | undefined, next: Cursor): Promise<boolean>;
  /** Takes or renews a lease for `ttlMs`; false while another holder has it. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * Tells every relayer waiting in `awaitRelease(name)` that the lease was just released. Best
   * effort: a waiter that misses it looks again when its wait runs out.
   */
  announceRelease(name: string): Promise<void>;
  /** Resolves when a release of `name` is announced, after `ms`, or when `signal` aborts. */
  awaitRelease(name: string, ms: number, signal: AbortSignal): Promise<void>;
  /** Adds one guardian's signature (`value`) to a listed group's shared signatures (listing-signatures.ts). */
  addListingSignature(group: string, guardian: string, value: string, ttlMs: number): Promise<void>;
  /** A listed group's shared signatures, by guardian ({} if none). */
  getListingSignatures(group: string): Promise<Record<string, string>>;
  /** What one more message of a delivery to `chainId` costs, as some relayer measured it last. */
  getDeliveryGas(chainId: number): Promise<bigint | undefined>;
  setDeliveryGas(chainId: number, perMessage: bigint): Promise<void>;
  /** Closes what the store opened itself (not the connection it was given). */
  close(): Promise<void>;
}

/**
 * Waiters for lease releases in one process, by lease name: what `awaitRelease` hands out and a
 * release announcement (from Redis, or in memory) wakes.
 */
class ReleaseWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  async wait(name: string, ms: number, signal: AbortSignal): Promise<void> {
    // An aborted signal never fires its "abort" event again: nextWake would wait out `ms`.
    if (signal.aborted) return;
    const set = this.waiting.get(name) ?? new Set<() => void>();
    this.waiting.set(name, set);
    await nextWake(set, ms, signal);
    if (set.size === 0 && this.waiting.get(name) === set) this.waiting.delete(name);
  }

  wake(name: string): void {
    for (const done of [...(this.waiting.get(name) ?? [])]) done();
  }
}

/**
 * Renews the lease `name` for `holder` (for `ttlMs`) every `everyMs` until the returned stop is
 * called. `onLost` runs once when a renewal finds another holder, or when none has succeeded
 * for `ttlMs`. Renewals go over the store's connection in order, so one still in flight when the
 * holder releases the lease cannot re-take it after the release.
 */
export function keepLease(
  store: Pick<RelayerStore, "acquireLease">,
  lease: { name: string; holder: string; ttlMs: number; everyMs: number },
  onLost?: () => void,
): () => void {
  let renewedAt = Date.now();
  let lost = false;
  const lose = () => {
    if (lost) return;
    lost = true;
    onLost?.();
  };
  const timer = setInterval(() => {
    store.acquireLease(lease.name, lease.holder, lease.ttlMs).then(
      (ok) => (ok ? (renewedAt = Date.now()) : lose()),
      () => (Date.now() - renewedAt >= lease.ttlMs ? lose() : undefined),
    );
  }, lease.everyMs);
  return () => clearInterval(timer);
}

/** A stored per-message gas: a positive integer, else absent (a bad value is measured again). */
export function parseDeliveryGas(raw: string | null | undefined): bigint | undefined {
  if (raw === null || raw === undefined || !/^[1-9][0-9]{0,15}$/.test(raw)) return undefined;
  return BigInt(raw);
}

const CAS = `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
elseif holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export class RedisStore implements RelayerStore {
  private readonly releases = new ReleaseWaiters();
  /** Subscribed to the release channel on first `awaitRelease` (see `listen`). */
  private subscriber?: RedisConnection;
  private subscribed?: Promise<void>;

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  /** Pub/sub channel of lease releases (classic pub/sub reaches every node of a cluster). */
  get releaseChannel(): string {
    return `${this.prefix}:relayer:released`;
  }

  cursorKey(chainId: number): string {
    return `${this.prefix}:relayer:cursor:${chainId}`;
  }

  leaseKey(name: string): string {
    return `${this.prefix}:relayer:lock:${name}`;
  }

  listingKey(group: string): string {
    return `${this.prefix}:relayer:listed:${group}`;
  }

  deliveryGasKey(chainId: number): string {
    return `${this.prefix}:relayer:gas:${chainId}`;
  }

  async getCursor(chainId: number): Promise<Cursor | undefined> {
    const raw = await this.redis.get(this.cursorKey(chainId));
    return raw === null ? undefined : parseCursor(raw);
  }

  async compareAndSetCursor(chainId: number, expected: Cursor | undefined, next: Cursor): Promise<boolean> {
    const result = await this.redis.eval(
      CAS,
      1,
      this.cursorKey(chainId),
      expected ? JSON.stringify(expected) : "",
      JSON.stringify(next),
    );
    return result === 1;
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(ACQUIRE, 1, this.leaseKey(name), holder, String(ttlMs))) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.leaseKey(name), holder);
  }

  async announceRelease(name: string): Promise<void> {
    await this.redis.publish(this.releaseChannel, name);
  }

  awaitRelease(name: string, ms: number, signal: AbortSignal): Promise<void> {
    void this.listen();
    return this.releases.wait(name, ms, signal);
  }

  /**
   * Subscribes to the release channel (once, on a connection of its own: a subscribed connection
   * serves nothing else; ioredis subscribes again after a reconnect) and resolves when Redis has
   * confirmed it. A failed subscription only leaves the waits to run out.
   */
  listen(): Promise<void> {
    if (!this.subscribed) {
      const redis = this.redis;
      // The same call either way: TypeScript cannot call `duplicate` on the union of both types.
      const subscriber: RedisConnection = redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
      subscriber.on("message", (_channel: string, name: string) => this.releases.wake(name));
      subscriber.on("error", () => undefined); // the main connection logs Redis outages
      this.subscriber = subscriber;
      this.subscribed = subscriber.subscribe(this.releaseChannel).then(
        () => undefined,
        () => undefined,
      );
    }
    return this.subscribed;
  }

  async addListingSignature(group: string, guardian: string, value: string, ttlMs: number): Promise<void> {
    // One key: a transaction even on a cluster. `exec` resolves with each command's error
    // instead of throwing it; the first is thrown, for the caller to log.
    const key = this.listingKey(group);
    const results = await this.redis.multi().hset(key, guardian, value).pexpire(key, ttlMs).exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async getListingSignatures(group: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.listingKey(group));
  }

  async getDeliveryGas(chainId: number): Promise<bigint | undefined> {
    return parseDeliveryGas(await this.redis.get(this.deliveryGasKey(chainId)));
  }

  async setDeliveryGas(chainId: number, perMessage: bigint): Promise<void> {
    await this.redis.set(this.deliveryGasKey(chainId), perMessage.toString());
  }

  /** Closes the release subscription (the main connection is its owner's to close). */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }
}

/** Parses a stored cursor; a corrupted one is treated as absent (a rescan is always safe). */
export function parseCursor(raw: string): Cursor | undefined {
  try {
    const c = JSON.parse(raw) as Cursor;
    if (!Number.isInteger(c.block) || typeof c.hash !== "string" || !Array.isArray(c.history)) return undefined;
    return c;
  } catch {
    return undefined;
  }
}

/** The cursor after scanning up to `block` (whose hash is `hash`). */
export function advanceCursor(previous: Cursor | undefined, block: number, hash: Hex): Cursor {
  const entry: [number, Hex] = [block, hash];
  const history = [entry, ...(previous?.history ?? [])].slice(0, CURSOR_HISTORY);
  return { block, hash, history };
}

/** An in-memory store with the same semantics, for tests and single-process tools. */
export class MemoryStore implements RelayerStore {
  private readonly cursors = new Map<number, string>();
  private readonly leases = new Map<string, { holder: string; until: number }>();

  async getCursor(chainId: number) {
    const raw = this.cursors.get(chainId);
    return raw === undefined ? undefined : parseCursor(raw);
  }

  async compareAndSetCursor(chainId: number, expected: Cursor | undefined, next: Cursor) {
    const current = this.cursors.get(chainId);
    if ((current ?? "") !== (expected ? JSON.stringify(expected) : "")) return false;
    this.cursors.set(chainId, JSON.stringify(next));
    return true;
  }

  async acquireLease(name: string, holder: string, ttlMs: number) {
    const lease = this.leases.get(name);
    if (lease && lease.holder !== holder && lease.until > Date.now()) return false;
    this.leases.set(name, { holder, until: Date.now() + ttlMs });
    return true;
  }

  async releaseLease(name: string, holder: string) {
    if (this.leases.get(name)?.holder === holder) this.leases.delete(name);
  }

  private readonly releases = new ReleaseWaiters();

  async announceRelease(name: string) {
    this.releases.wake(name);
  }

  awaitRelease(name: string, ms: number, signal: AbortSignal) {
    return this.releases.wait(name, ms, signal);
  }

  private readonly listings = new Map<string, { fields: Record<string, string>; until: number }>();

  async addListingSignature(group: string, guardian: string, value: string, ttlMs: number) {
    const held = this.listings.get(group);
    const fields = held && held.until > Date.now() ? held.fields : {};
    this.listings.set(group, { fields: { ...fields, [guardian]: value }, until: Date.now() + ttlMs });
  }

  async getListingSignatures(group: string) {
    const held = this.listings.get(group);
    return held && held.until > Date.now() ? { ...held.fields } : {};
  }

  private readonly deliveryGas = new Map<number, string>();

  async getDeliveryGas(chainId: number) {
    return parseDeliveryGas(this.deliveryGas.get(chainId));
  }

  async setDeliveryGas(chainId: number, perMessage: bigint) {
    this.deliveryGas.set(chainId, perMessage.toString());
  }

  async close() {}
}
