/**
 * When a follower polls its chain next. A message is confirmed, and listed on the signable feed,
 * only once the block after it appears, so how soon a guardian sees each new head is latency
 * every transfer pays. Blocks come at a steady cadence: right after a head there is nothing new
 * for most of a block time, and the next one is worth catching the moment it lands. So the
 * schedule learns the cadence from the heads it sees arrive and, from `LEAD_MS` before the next
 * is due, polls every `FAST_MS` until it shows (at most one block time overdue: a chain that
 * stalls, or a sequencer with no fixed cadence, falls back to the plain interval).
 *
 * With a 1 s block time and a 250 ms interval a guardian saw a new head 125 ms after it landed
 * on average (up to 250 ms); it now sees it within `FAST_MS`, for about three more `eth_getBlock`
 * calls per block. Never a longer wait than `intervalMs` (POLL_INTERVAL_MS).
 */

/** How long before the next head is due the fast polls start. */
export const LEAD_MS = 150;
/** Interval of the polls while the next head is due. */
export const FAST_MS = 50;
/** Weight of the newest head-to-head interval in the block-time estimate. */
const SMOOTHING = 0.25;

export class PollSchedule {
  private head?: bigint;
  /** Wall-clock ms when `head` was first seen. */
  private headSeenAt?: number;
  /** Estimated wall-clock ms between heads (undefined until two consecutive heads were seen). */
  private blockMs?: number;

  constructor(private readonly intervalMs: number) {}

  /** Records the head a poll returned at `now` (wall-clock ms). */
  observe(head: bigint, now: number): void {
    if (this.head !== undefined && head <= this.head) return;
    // Only one block apart is a clean sample of the cadence (a jump means polls were missed).
    if (this.head !== undefined && this.headSeenAt !== undefined && head === this.head + 1n) {
      const sample = now - this.headSeenAt;
      this.blockMs = this.blockMs === undefined ? sample : this.blockMs + SMOOTHING * (sample - this.blockMs);
    }
    this.head = head;
    this.headSeenAt = now;
  }

  /** How long to wait before the next poll. */
  delayMs(now: number): number {
    if (this.blockMs === undefined || this.headSeenAt === undefined) return this.intervalMs;
    const due = this.headSeenAt + this.blockMs;
    const untilLead = due - LEAD_MS - now;
    if (untilLead > 0) return Math.max(FAST_MS, Math.min(this.intervalMs, untilLead));
    // Due (or overdue): poll fast, but only for one block time past due.
    if (now - due > this.blockMs) return this.intervalMs;
    return Math.min(FAST_MS, this.intervalMs);
  }
}
