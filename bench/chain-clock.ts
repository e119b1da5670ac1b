/**
 * Each chain's clock against this machine's, so that bench:relay can compare blocks of different
 * chains. anvil stamps a block with its own clock, in whole seconds, and those clocks need not
 * agree: timestamps only have to increase (a chain that mines faster than a block a second for a
 * while gets ahead of the wall clock), and chains started apart mine at different fractions of a
 * second. Two devnet L2s were seen a whole second apart (cause not pinned down): every
 * transfer one way then measured a second longer than it took, every transfer the other way a
 * second shorter (1 s, less than a confirmation and a block, is impossible). So each block is
 * taken at the moment it appeared (`wallClockMs`: its timestamp less its chain's offset), and a
 * latency between blocks of two chains is that difference in whole seconds (`wholeSeconds`), the
 * blocks' own unit: chains mining at different fractions of a second are not made to look a few
 * ms faster one way and slower the other (a p95 of 3,009 ms against a 3,000 ms target would be
 * noise, not a miss). Taking whole seconds of each offset instead (how far each clock runs ahead
 * of the wall clock) fails for chains mining at the turn of a second: a few ms of polling lag
 * put one of three chains started together a second apart from the other two.
 */

/** The head block of one chain (a viem `PublicClient` will do). */
export interface HeadSource {
  getBlock(): Promise<{ number: bigint; timestamp: bigint }>;
}

export interface ClockOptions {
  /** New heads to sample. */
  blocks: number;
  /** How often the head is read while waiting for the next one. */
  pollMs: number;
  /** Gives up (throws) when fewer than `blocks` new heads came within this. */
  timeoutMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const CLOCK_OPTIONS: ClockOptions = { blocks: 3, pollMs: 20, timeoutMs: 15_000 };

/**
 * The chain's offset in ms: a block's timestamp (in ms) less the wall-clock moment it appeared.
 * Each new head is read at most `pollMs` (plus one read) after it was mined, so each sample is at
 * most that much below the true offset: the largest sample is kept.
 */
export async function clockOffsetMs(chain: HeadSource, o: ClockOptions = CLOCK_OPTIONS): Promise<number> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + o.timeoutMs;
  let last = (await chain.getBlock()).number;
  let best = -Infinity;
  let samples = 0;
  while (samples < o.blocks) {
    if (now() > deadline) throw new Error(`the chain mined ${samples} of ${o.blocks} blocks in ${o.timeoutMs} ms`);
    await sleep(o.pollMs);
    const head = await chain.getBlock();
    const seen = now();
    if (head.number <= last) continue;
    // Skipped heads (more than one new block) appeared earlier than seen: the sample is low, and
    // the maximum ignores it.
    last = head.number;
    samples += 1;
    best = Math.max(best, Number(head.timestamp) * 1000 - seen);
  }
  return Math.round(best);
}

/** When a block of a chain whose offset is `offsetMs` appeared, in wall-clock ms. */
export function wallClockMs(timestampSeconds: bigint, offsetMs: number): number {
  return Number(timestampSeconds) * 1000 - offsetMs;
}

/**
 * A duration between blocks in whole seconds (ms, rounded to the nearest second): the blocks'
 * own unit. Two blocks of chains mining 10 ms apart in the second are a whole number of blocks
 * apart, not that number of seconds and 10 ms.
 */
export function wholeSeconds(ms: number): number {
  return Math.round(ms / 1000) * 1000;
}
