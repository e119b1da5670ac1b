/**
 * The follower's poll schedule: the plain interval until the cadence is known, then a wait until
 * just before the next head is due and fast polls until it shows, never longer than the interval,
 * and back to the interval when the chain stalls.
 */
import { describe, expect, it } from "vitest";
import { FAST_MS, LEAD_MS, PollSchedule } from "../../../guardian/poll-schedule.js";

describe("PollSchedule", () => {
  it("test_delayMs_unknownCadence_plainInterval_succeeds", () => {
    const s = new PollSchedule(250);
    expect(s.delayMs(0)).toBe(250);
    s.observe(10n, 0);
    expect(s.delayMs(10)).toBe(250); // one head says nothing about the cadence
    s.observe(12n, 1_000);
    expect(s.delayMs(1_010)).toBe(250); // a jump of two blocks is not a sample either
  });

  it("test_delayMs_learnedCadence_fastPollsWhenTheNextHeadIsDue_succeeds", () => {
    const s = new PollSchedule(1_000);
    s.observe(1n, 0);
    s.observe(2n, 2_000); // 2 s blocks: the next head is due at 4,000
    expect(s.delayMs(2_010)).toBe(1_000); // never longer than the interval
    expect(s.delayMs(3_010)).toBe(4_000 - LEAD_MS - 3_010); // wakes just before it is due
    expect(s.delayMs(4_000 - LEAD_MS)).toBe(FAST_MS);
    expect(s.delayMs(4_300)).toBe(FAST_MS); // late: still polling fast
    expect(s.delayMs(6_001)).toBe(1_000); // a block time overdue: the chain stalls, plain interval
    s.observe(3n, 4_030);
    expect(s.delayMs(4_040)).toBe(1_000); // a new head resets the wait
  });

  it("test_observe_cadenceFollowsTheChain_staleHeadsIgnored_succeeds", () => {
    const s = new PollSchedule(250);
    s.observe(1n, 0);
    s.observe(2n, 1_000);
    s.observe(2n, 1_200); // the same head again: nothing learnt
    s.observe(1n, 1_300); // an older head (another endpoint behind): ignored
    // Due at 2,000: fast polls from 1,850.
    expect(s.delayMs(1_700)).toBe(150);
    expect(s.delayMs(1_850)).toBe(FAST_MS);
    // A slower chain moves the estimate toward its cadence.
    s.observe(3n, 3_000); // 2 s this time: the estimate is 1,250
    expect(s.delayMs(3_000)).toBe(250);
    expect(s.delayMs(4_000)).toBe(4_250 - LEAD_MS - 4_000);
  });
});
