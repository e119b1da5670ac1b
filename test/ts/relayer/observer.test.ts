/** Reorg-aware resumption of a source chain scan, and the store's cursor/lease semantics. */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { Registry } from "prom-client";
import type { RelayerChain } from "../../../relayer/chains.js";
import type { Intake } from "../../../relayer/intake.js";
import { RelayerMetrics } from "../../../relayer/metrics.js";
import { ChainObserver, resumePoint } from "../../../relayer/observer.js";
import { advanceCursor, CURSOR_HISTORY, MemoryStore, parseCursor } from "../../../relayer/store.js";
import { silentLogger } from "./fixtures.js";

const h = (n: number, fork = 0): Hex => `0x${(fork * 1_000_000 + n).toString(16).padStart(64, "0")}`;
/** A chain whose blocks from `forkAt` on have fork-1 hashes. */
const chain =
  (forkAt = Infinity, head = 1_000) =>
  async (b: number) =>
    b > head ? undefined : h(b, b >= forkAt ? 1 : 0);

describe("resumePoint", () => {
  it("test_resume_noCursor_startsAtDeployBlock_succeeds", async () => {
    expect(await resumePoint(undefined, 42, chain())).toEqual({ from: 42, base: undefined, reorged: false });
  });

  it("test_resume_canonicalCursor_continuesAfterIt_succeeds", async () => {
    let c = advanceCursor(undefined, 100, h(100));
    c = advanceCursor(c, 200, h(200));
    const r = await resumePoint(c, 0, chain());
    expect(r).toMatchObject({ from: 201, reorged: false });
    expect(r.base).toEqual(c);
  });

  it("test_resume_reorgedCursor_rewindsToNewestCanonicalCheckpoint_succeeds", async () => {
    let c = advanceCursor(undefined, 100, h(100));
    c = advanceCursor(c, 150, h(150));
    c = advanceCursor(c, 200, h(200));
    const r = await resumePoint(c, 0, chain(160));
    expect(r.reorged).toBe(true);
    expect(r.from).toBe(151);
    expect(r.base).toEqual({
      block: 150,
      hash: h(150),
      history: [
        [150, h(150)],
        [100, h(100)],
      ],
    });
  });

  it("test_resume_reorgDeeperThanHistory_rescansFromDeployBlock_succeeds", async () => {
    const c = advanceCursor(advanceCursor(undefined, 100, h(100)), 200, h(200));
    expect(await resumePoint(c, 7, chain(50))).toEqual({ from: 7, base: undefined, reorged: true });
  });

  it("test_resume_chainReset_rescansFromDeployBlock_succeeds: the cursor is beyond the head", async () => {
    const c = advanceCursor(undefined, 5_000, h(5_000));
    expect(await resumePoint(c, 3, chain(Infinity, 100))).toEqual({ from: 3, base: undefined, reorged: true });
  });
});

describe("cursor and lease store", () => {
  it("test_advanceCursor_keepsBoundedHistory_succeeds", () => {
    let c = advanceCursor(undefined, 0, h(0));
    for (let b = 1; b < CURSOR_HISTORY * 2; b++) c = advanceCursor(c, b, h(b));
    expect(c.history).toHaveLength(CURSOR_HISTORY);
    expect(c.history[0]).toEqual([c.block, c.hash]);
  });

  it("test_parseCursor_corrupted_treatedAsAbsent_succeeds", () => {
    expect(parseCursor("not json")).toBeUndefined();
    expect(parseCursor('{"block":"x"}')).toBeUndefined();
  });

  it("test_compareAndSet_staleExpectation_reverts: a slower scanner cannot move the cursor back", async () => {
    const store = new MemoryStore();
    const first = advanceCursor(undefined, 10, h(10));
    expect(await store.compareAndSetCursor(1, undefined, first)).toBe(true);
    const ahead = advanceCursor(first, 20, h(20));
    expect(await store.compareAndSetCursor(1, first, ahead)).toBe(true);
    expect(await store.compareAndSetCursor(1, first, advanceCursor(first, 15, h(15)))).toBe(false);
    expect(await store.getCursor(1)).toEqual(ahead);
  });

  it("test_lease_exclusiveUntilReleasedOrExpired_succeeds", async () => {
    const store = new MemoryStore();
    expect(await store.acquireLease("observe:1", "a", 1_000)).toBe(true);
    expect(await store.acquireLease("observe:1", "b", 1_000)).toBe(false);
    expect(await store.acquireLease("observe:1", "a", 1_000)).toBe(true);
    await store.releaseLease("observe:1", "b");
    expect(await store.acquireLease("observe:1", "b", 1_000)).toBe(false);
    await store.releaseLease("observe:1", "a");
    expect(await store.acquireLease("observe:1", "b", 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    expect(await store.acquireLease("observe:1", "a", 1_000)).toBe(true);
  });
});

describe("ChainObserver", () => {
  it("test_tick_headUnchangedSinceAPass_readsNothingElse_succeeds: a new head is scanned", async () => {
    let head = 10n;
    const calls: string[] = [];
    const publicClient = {
      getBlockNumber: async () => (calls.push("eth_blockNumber"), head),
      getBlock: async ({ blockNumber }: { blockNumber: bigint }) => (
        calls.push(`eth_getBlockByNumber ${blockNumber}`),
        { hash: h(Number(blockNumber)) }
      ),
      request: async ({ method }: { method: string }) => (calls.push(method), []),
    };
    const source = {
      chainId: 901,
      gateway: "0x1000000000000000000000000000000000000001",
      deployBlock: 1,
      info: { confirmations: 1 },
      publicClient,
    } as unknown as RelayerChain;
    const store = new MemoryStore();
    const intake = { enqueue: async () => 0 } as unknown as Intake;
    const metrics = new RelayerMetrics(new Registry());
    const options = { relayerId: "r", leaseMs: 10_000, maxBlockRange: 1_000 };
    const observer = new ChainObserver(source, store, intake, metrics, silentLogger(), options);
    await observer.tick();
    expect((await store.getCursor(901))?.block).toBe(9);
    calls.length = 0;
    // Same head: only the head is read (no cursor hash check, no scan).
    await observer.tick();
    expect(calls).toEqual(["eth_blockNumber"]);
    // A new head: the cursor's block is checked and the new block scanned.
    head = 11n;
    await observer.tick();
    expect(calls).toContain("eth_getBlockByNumber 9");
    expect(calls).toContain("eth_getLogs");
    expect((await store.getCursor(901))?.block).toBe(10);
  });
});
