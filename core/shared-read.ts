/**
 * One read of a chain value shared by every caller, for values that go on a critical path but
 * change rarely: a destination's clock and pause flag (what every relayer batch checks before
 * asking for attestations), a chain's fees (what every relayer transaction is signed with), and a
 * destination's guardian set (what the relayer verifies attestations against, and what the
 * guardian checks its own membership in before signing). Read once for all the callers instead
 * of once per request: under load each read is a round trip to a busy node, and a node mining a
 * full block answers only when the block is done (up to a second on the devnet's anvil).
 *
 *   younger than freshMs            the cached value
 *   freshMs .. staleMs              the cached value at once, and a refresh in the background
 *                                   (stale-while-revalidate: the batch does not wait for the node)
 *   older than staleMs, or none     waits for a read (concurrent callers share it)
 *
 * A failed read is not kept: a caller that waited gets the error, the next one reads again, and a
 * stale value keeps being served until it is older than staleMs. A failed background refresh,
 * which no caller waited for, goes to `onBackgroundError` (a service logs it). A value's age
 * counts from when its read started, so a value is never older than staleMs.
 *
 * Why staleness is safe for the clock and fees (for a guardian set: relayer/guardian-sets.ts and
 * guardian/guardian.ts):
 * - Destination clock and pause flag: both checks only spare a useless attestation. A message
 *   expiring, or a gateway pausing, within the age is caught by the delivery's simulation, or by
 *   the delivery reverting on chain (`BridgeMessageExpired` is a dead letter, `BridgePaused`
 *   retries the batch, and a reverted delivery makes the route simulate again); a gateway
 *   unpaused within it costs its batches one retry.
 * - Fees: the fee cap is signed with headroom over the base fee (`feesFrom`, chains.ts), more than
 *   a few full blocks can raise it; a transaction that still is not mined in time is replaced
 *   with its own fees raised 20 %, or the shared fees if those are higher (tx.ts `bumpFees`).
 */
export interface SharedReadOptions {
  freshMs: number;
  staleMs: number;
  /** Told of a background refresh that failed; a later call reads again. */
  onBackgroundError?: (err: unknown) => void;
}

export class SharedRead<T> {
  private cached?: { at: number; value: T };
  private reading?: Promise<T>;
  /** Bumped by `forget`: a read started before it is not cached. */
  private generation = 0;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly o: SharedReadOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const age = this.cached ? this.now() - this.cached.at : Infinity;
    if (age < this.o.freshMs) return Promise.resolve(this.cached!.value);
    const reading = this.refresh();
    if (age < this.o.staleMs) {
      // The caller goes on with the cached value; a failed refresh is retried by a later call.
      reading.catch((err: unknown) => this.o.onBackgroundError?.(err));
      return Promise.resolve(this.cached!.value);
    }
    return reading;
  }

  /**
   * Drops the cached value: the next `get` waits for a new read. A read already running was
   * started before the caller learnt the value changed, so it is neither shared nor kept.
   */
  forget(): void {
    this.cached = undefined;
    this.reading = undefined;
    this.generation++;
  }

  private refresh(): Promise<T> {
    if (this.reading) return this.reading;
    const startedAt = this.now();
    const generation = this.generation;
    const reading = this.read().then(
      (value) => {
        if (generation === this.generation) {
          this.cached = { at: startedAt, value };
          this.reading = undefined;
        }
        return value;
      },
      (e: unknown) => {
        if (generation === this.generation) this.reading = undefined;
        throw e;
      },
    );
    this.reading = reading;
    return reading;
  }
}
