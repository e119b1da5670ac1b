/** Queue naming, the retry schedule, and the log repeat filter. */
import { describe, expect, it } from "vitest";
import { RepeatFilter } from "../../../relayer/log-filter.js";
import { deliverJobOptions, deliverQueueName, executeJobOptions, retryDelay } from "../../../relayer/queues.js";

describe("queues", () => {
  it("test_deliverQueueName_hasNoColon_succeeds: BullMQ forbids ':' in queue names", () => {
    expect(deliverQueueName(901, 902n)).toBe("deliver.901-902");
  });

  it("test_jobOptions_keyedByMsgId_succeeds", () => {
    const id = `0x${"ab".repeat(32)}` as const;
    expect(deliverJobOptions(id).jobId).toBe(id);
    expect(executeJobOptions(id, -5).delay).toBe(0);
    expect(executeJobOptions(id, 1500.4).delay).toBe(1500);
  });

  it("test_retryDelay_exponentialCappedJittered_succeeds", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((a) => retryDelay(a, 1_000, 60_000, mid))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelay(50, 1_000, 60_000, mid)).toBe(60_000);
    expect(retryDelay(1, 1_000, 60_000, () => 0)).toBe(750);
    expect(retryDelay(1, 1_000, 60_000, () => 1)).toBe(1_250);
    expect(retryDelay(10_000, 1_000, 60_000, mid)).toBe(60_000);
  });
});

describe("RepeatFilter", () => {
  it("test_repeatFilter_mutesRepeatsWithinInterval_succeeds", () => {
    const f = new RepeatFilter(1_000);
    expect(f.shouldLog("observe 901", "fetch failed", 0)).toBe(true);
    expect(f.shouldLog("observe 901", "fetch failed", 500)).toBe(false);
    expect(f.shouldLog("observe 902", "fetch failed", 500)).toBe(true);
    expect(f.shouldLog("observe 901", "other", 500)).toBe(true);
    expect(f.shouldLog("observe 901", "fetch failed", 1_000)).toBe(true);
  });
});
