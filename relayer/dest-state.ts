/**
 * What every batch to one destination checks before it asks for attestations — the chain's
 * clock (expired messages) and whether its gateway is paused — read once for all the routes and
 * batches headed there, at most every `maxAgeMs`, instead of once per batch. Under load each read
 * is a round trip to a busy node: a burst of batches to one chain shares one.
 *
 * Staleness is safe: both checks only spare a useless attestation. A message expiring, or a
 * gateway pausing, within the cache age is caught by the delivery's simulation
 * (`BridgeMessageExpired` is a dead letter, `BridgePaused` retries the batch); a gateway unpaused
 * within it costs its batches one retry.
 */
export interface DestinationSnapshot {
  /** The head block's timestamp (Unix seconds). */
  timestamp: bigint;
  paused: boolean;
}

export class DestinationState {
  private last?: { at: number; value: Promise<DestinationSnapshot> };

  constructor(
    private readonly read: () => Promise<DestinationSnapshot>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The newest snapshot, re-read when older than `maxAgeMs` (concurrent callers share a read). */
  get(): Promise<DestinationSnapshot> {
    const now = this.now();
    if (!this.last || now - this.last.at >= this.maxAgeMs) {
      const value = this.read();
      const entry = { at: now, value };
      this.last = entry;
      // A failed read is not cached: the next caller reads again.
      value.catch(() => {
        if (this.last === entry) this.last = undefined;
      });
    }
    return this.last.value;
  }
}
