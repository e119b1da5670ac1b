/**
 * bench:relay's chain clocks (bench/chain-clock.ts): a chain whose timestamps run a second ahead
 * of the wall clock is measured as such, so the latency of a transfer between it and a chain on
 * time comes out the same both ways, and chains mining at the turn of a second are not set a
 * second apart. The chains are simulated on a virtual clock: anvil's own behaviour (timestamps
 * ahead after fast mining) is what the module exists for.
 */
import { describe, expect, it } from "vitest";
import {
  clockOffsetMs,
  wallClockMs,
  wholeSeconds,
  type ClockOptions,
  type HeadSource,
} from "../../../bench/chain-clock.js";

interface SimulatedChain extends HeadSource {
  /** The timestamp of the block mined at or last before wall-clock `at` (ms). */
  stampAt(at: number): bigint;
}

/** A chain mining a block every second at `phaseMs` into it, its clock `aheadMs` ahead. */
function simulated(clock: { t: number }, o: { phaseMs: number; aheadMs: number }): SimulatedChain {
  const minedBefore = (at: number) => Math.floor((at - o.phaseMs) / 1_000);
  const stamp = (n: number) => BigInt(Math.floor((o.phaseMs + n * 1_000 + o.aheadMs) / 1_000));
  return {
    getBlock: async () => ({ number: BigInt(minedBefore(clock.t)), timestamp: stamp(minedBefore(clock.t)) }),
    stampAt: (at) => stamp(minedBefore(at)),
  };
}

function options(clock: { t: number }): ClockOptions {
  return {
    blocks: 3,
    pollMs: 20,
    timeoutMs: 10_000,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
  };
}

/** Latency in whole seconds from the block `from` mined at `sentAt` to the block `to` mined at `executedAt`. */
async function latency(
  clock: { t: number },
  from: SimulatedChain,
  to: SimulatedChain,
  sentAt: number,
  executedAt: number,
): Promise<number> {
  const [fromOffset, toOffset] = [await clockOffsetMs(from, options(clock)), await clockOffsetMs(to, options(clock))];
  return wholeSeconds(wallClockMs(to.stampAt(executedAt), toOffset) - wallClockMs(from.stampAt(sentAt), fromOffset));
}

describe("chain clocks", () => {
  it("measures a chain stamped a second ahead as a second ahead, to within the poll", async () => {
    const clock = { t: 1_000_000_250 };
    const ahead = simulated(clock, { phaseMs: 300, aheadMs: 1_000 });
    const offset = await clockOffsetMs(ahead, options(clock));
    // Mined at x.300 and stamped x+1: the offset is 700 ms, seen at most one poll late.
    expect(offset).toBeGreaterThan(700 - 20 - 1);
    expect(offset).toBeLessThanOrEqual(700);
  });

  it("a transfer takes as long both ways between a chain on time and one a second ahead", async () => {
    const clock = { t: 2_000_000_000 };
    const onTime = simulated(clock, { phaseMs: 800, aheadMs: 0 });
    const ahead = simulated(clock, { phaseMs: 800, aheadMs: 1_000 });
    // Sends mined at wall 10.8 s, executed in the other chain's block mined 3 s later.
    const sentAt = 2_000_010_800;
    expect(await latency(clock, onTime, ahead, sentAt, sentAt + 3_000)).toBe(3_000);
    expect(await latency(clock, ahead, onTime, sentAt, sentAt + 3_000)).toBe(3_000);
    // Raw timestamps said 4 s and 2 s.
    expect(Number(ahead.stampAt(sentAt + 3_000) - onTime.stampAt(sentAt))).toBe(4);
    expect(Number(onTime.stampAt(sentAt + 3_000) - ahead.stampAt(sentAt))).toBe(2);
  });

  it("chains mining at the turn of a second, 10 ms apart, are 3 blocks apart, not 2 or 4", async () => {
    const clock = { t: 3_000_000_000 };
    const late = simulated(clock, { phaseMs: 995, aheadMs: 0 });
    const early = simulated(clock, { phaseMs: 5, aheadMs: 0 });
    // late's block at x.995 (stamped x) → early's block at x+4.005 (stamped x+4): 3.01 s.
    const sentAt = 3_000_020_995;
    expect(await latency(clock, late, early, sentAt, sentAt + 3_010)).toBe(3_000);
    // early's block at x+1.005 (stamped x+1) → late's block at x+3.995 (stamped x+3): 2.99 s.
    expect(await latency(clock, early, late, sentAt + 10, sentAt + 3_000)).toBe(3_000);
    // Raw timestamps said 4 and 2.
    expect(Number(early.stampAt(sentAt + 3_010) - late.stampAt(sentAt))).toBe(4);
    expect(Number(late.stampAt(sentAt + 3_000) - early.stampAt(sentAt + 10))).toBe(2);
  });

  it("gives up with a sentence when the chain does not mine", async () => {
    const clock = { t: 0 };
    const stalled: HeadSource = { getBlock: async () => ({ number: 7n, timestamp: 100n }) };
    await expect(clockOffsetMs(stalled, { ...options(clock), timeoutMs: 1_000 })).rejects.toThrow(
      "the chain mined 0 of 3 blocks in 1000 ms",
    );
  });
});
