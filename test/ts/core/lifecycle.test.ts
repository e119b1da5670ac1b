/**
 * `sleep` with a long-lived signal: every service loop calls it with the one signal of its
 * process, so it must leave no abort listener behind once it has slept.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { sleep } from "../../../core/service/lifecycle.js";

describe("sleep", () => {
  it("test_sleep_manyCallsOnOneSignal_leaveNoListener_succeeds", async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("test_sleep_abortWakesEarlyWithoutError_succeeds", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("test_sleep_alreadyAborted_returnsAtOnce_succeeds", async () => {
    const controller = new AbortController();
    controller.abort();
    const started = Date.now();
    await expect(sleep(60_000, controller.signal)).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
