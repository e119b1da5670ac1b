/**
 * `sleep` with a long-lived signal: every service loop calls it with the one signal of its
 * process, so it must leave no abort listener behind once it has slept.
 */
import { spawn } from "node:child_process";
import { getEventListeners } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { sleep } from "../../../core/service/lifecycle.js";

const STUCK = fileURLToPath(new URL("./fixtures/stuck-service.ts", import.meta.url));

/** Runs the stuck-service fixture, SIGTERMs it once ready; its exit code and output. */
function stopStuckService(deadlineMs: number, mode = "stuck"): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", STUCK, String(deadlineMs), mode], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let signalled = false;
    const read = (d: Buffer) => {
      out += d.toString();
      // Once: a second signal would end the process by default, not by the deadline.
      if (!signalled && out.includes("ready\n")) signalled = child.kill("SIGTERM");
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    // A child still running long after the signal is killed (the test then fails on its code),
    // so a failing run leaves no process behind.
    const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(kill);
      resolve({ code, out });
    });
  });
}

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

describe("runService", () => {
  it("test_runService_stopNeverEnds_exitsAtTheDeadline_reverts: a hung stop does not keep the process", async () => {
    const { code, out } = await stopStuckService(300);
    expect(out).toContain("stopping");
    expect(out).toContain("stuck: did not stop within 300 ms of the signal; exiting anyway");
    expect(code).toBe(1);
  }, 30_000);

  it("test_runService_cleanStop_exitsZero_succeeds: the deadline does not touch an orderly stop", async () => {
    const { code, out } = await stopStuckService(60_000, "clean");
    expect(out).toContain("stopping");
    expect(out).not.toContain("did not stop");
    expect(code).toBe(0);
  }, 30_000);
});
