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

/** A transfer: from a block of one chain mined at a moment to a block of another mined later. */
type Leg = [from: SimulatedChain, to: SimulatedChain, sentAt: number, executedAt: number];

/** Each leg's latency in seconds, as measured here and as raw timestamps would say. */
async function seconds(clock: { t: number }, legs: Leg[]): Promise<{ measured: number[]; raw: number[] }> {
  const measured: number[] = [];
  const raw: number[] = [];
  for (const [from, to, sentAt, executedAt] of legs) {
    measured.push((await latency(clock, from, to, sentAt, executedAt)) / 1000);
    raw.push(Number(to.stampAt(executedAt) - from.stampAt(sentAt)));
  }
  return { measured, raw };
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

  // Two chains (phase, lead in ms) and a transfer each way (sent, executed: wall-clock ms); raw
  // timestamps said 4 s and 2 s each time. The second case: a's block at x.995 (stamped x) → b's
  // at x+4.005 (stamped x+4) is 3.01 s; b's at x+1.005 → a's at x+3.995 (stamped x+3), 2.99 s.
  it.each([
    {
      between: "a chain on time and one a second ahead",
      chains: [800, 0, 800, 1_000],
      at: [10_800, 13_800, 10_800, 13_800],
    },
    {
      between: "chains mining 10 ms apart at the turn of a second",
      chains: [995, 0, 5, 0],
      at: [20_995, 24_005, 21_005, 23_995],
    },
  ])("a transfer takes 3 s both ways between $between", async ({ chains, at }) => {
    const clock = { t: 2_000_000_000 };
    const a = simulated(clock, { phaseMs: chains[0]!, aheadMs: chains[1]! });
    const b = simulated(clock, { phaseMs: chains[2]!, aheadMs: chains[3]! });
    const t = at.map((ms) => 2_000_000_000 + ms);
    const legs: Leg[] = [
      [a, b, t[0]!, t[1]!],
      [b, a, t[2]!, t[3]!],
    ];
    expect(await seconds(clock, legs)).toEqual({ measured: [3, 3], raw: [4, 2] });
  });

  it("gives up with a sentence when the chain does not mine", async () => {
    const clock = { t: 0 };
    const stalled: HeadSource = { getBlock: async () => ({ number: 7n, timestamp: 100n }) };
    await expect(clockOffsetMs(stalled, { ...options(clock), timeoutMs: 1_000 })).rejects.toThrow(
      "the chain mined 0 of 3 blocks in 1000 ms",
    );
  });
});
