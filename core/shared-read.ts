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
 * A value in steady use can be kept warm (`keepWarmMs`; not when freshMs is 0): it is then re-read
 * in the background each time it turns freshMs old, for as long as some caller asked for it
 * within keepWarmMs, so a caller waits for a read only after an idle spell longer than that, not
 * whenever it came back after staleMs (a relayer between two bursts; a guardian between two
 * attestations on a devnet with a 1 s cache). An idle value costs no reads; `close()` stops the
 * re-reads at shutdown.
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
  /** Keep re-reading (every freshMs) this long after the last `get` or `latest`; 0: never. */
  keepWarmMs?: number;
}

/**
 * How long a relayer's or guardian's critical-path reads are kept warm after their last use:
 * longer than the pauses of ordinary traffic (and than the time from a relayer's start to its
 * first burst on the bench), while an idle service stops reading a minute after its last use.
 */
export const KEEP_WARM_MS = 60_000;

export class SharedRead<T> {
  private cached?: { at: number; value: T };
  private reading?: Promise<T>;
  /** Bumped by `forget`: a read started before it is not cached. */
  private generation = 0;
  private lastAskedAt = -Infinity;
  private warmTimer?: ReturnType<typeof setTimeout>;
  private closed = false;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly o: SharedReadOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    this.lastAskedAt = this.now();
    this.keepWarm();
    const age = this.cached ? this.now() - this.cached.at : Infinity;
    if (age < this.o.freshMs) return Promise.resolve(this.cached!.value);
    const running = this.reading;
    const reading = this.refresh();
    if (age < this.o.staleMs) {
      // The caller goes on with the cached value; a failed refresh is retried by a later call.
      // Told once per read: one already running has a teller (whoever started it in the
      // background) or a caller waiting for it, and every caller in the stale window shares it.
      if (!running) reading.catch((err: unknown) => this.o.onBackgroundError?.(err));
      return Promise.resolve(this.cached!.value);
    }
    return reading;
  }

  /**
   * The newest value held, however old, at once (a refresh starts when it is past freshMs);
   * waits for a read only when none is held. For decisions that only change when something is
   * done, never whether it is safe (the relayer's feed tracker deciding a quorum listed a
   * message): there a value past staleMs costs at most a wasted or a late step, while waiting
   * for a read from a busy node would hold up every one of them.
   */
  latest(): Promise<T> {
    if (!this.cached) return this.get();
    this.lastAskedAt = this.now();
    this.keepWarm();
    if (this.now() - this.cached.at >= this.o.freshMs && !this.reading) {
      this.refresh().catch((err: unknown) => this.o.onBackgroundError?.(err));
    }
    return Promise.resolve(this.cached.value);
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

  /** Stops keeping the value warm (shutdown); `get` still reads. */
  close(): void {
    this.closed = true;
    clearTimeout(this.warmTimer);
    this.warmTimer = undefined;
  }

  /**
   * Schedules the next background re-read for when the value turns freshMs old (none yet, or
   * after a failed re-read: freshMs from now), unless one is scheduled, the value is idle, or
   * keeping warm is off. The timer does not hold the process open.
   */
  private keepWarm(retryMs = 0): void {
    const keepMs = this.o.keepWarmMs ?? 0;
    // A value never fresh (freshMs 0: every caller reads) would be re-read back to back.
    if (keepMs <= 0 || this.o.freshMs <= 0 || this.closed || this.warmTimer) return;
    const now = this.now();
    if (now - this.lastAskedAt > keepMs) return;
    const due = (this.cached?.at ?? now) + this.o.freshMs;
    this.warmTimer = setTimeout(
      () => {
        this.warmTimer = undefined;
        if (this.closed || this.now() - this.lastAskedAt > keepMs) return;
        // A read already running was started by a caller, who hears of its failure.
        const running = this.reading;
        (running ?? this.refresh()).then(
          () => this.keepWarm(),
          (err: unknown) => {
            if (!running) this.o.onBackgroundError?.(err);
            this.keepWarm(Math.max(this.o.freshMs, 1));
          },
        );
      },
      Math.max(due - now, retryMs, 0),
    );
    this.warmTimer.unref?.();
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
