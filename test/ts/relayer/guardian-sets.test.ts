/**
 * `relayer/guardian-sets.ts`: relayers follow the destination gateway's current guardian set —
 * cached for the TTL, re-read after it or after `invalidate()` (a delivery refused for its
 * attestation), with members' URLs from the manifest's guardian directory.
 */
import { describe, expect, it } from "vitest";
import { getAddress, type Address, type PublicClient } from "viem";
import { Gateway } from "../../../core/gateway.js";
import { ChainGuardianSets, endpointsOf, fixedGuardianSets } from "../../../relayer/guardian-sets.js";

const A = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const directory = [
  { address: A(1), url: "http://127.0.0.1:1" },
  { address: A(2), url: "http://127.0.0.1:2" },
  { address: A(3), url: "http://127.0.0.1:3" },
  { address: A(4), url: "http://127.0.0.1:4" },
];

/** A gateway whose guardian set can be rotated; counts reads. */
function fakeGateway() {
  const sets: [Address[], number][] = [[[A(1), A(2), A(3)], 2]];
  const state = { reads: 0, rotate: (members: Address[], threshold: number) => sets.push([members, threshold]) };
  const publicClient = {
    readContract: async ({ functionName, args }: { functionName: string; args?: readonly unknown[] }) => {
      state.reads += 1;
      if (functionName === "guardianSetIndex") return sets.length - 1;
      const [members, threshold] = sets[Number(args![0])]!;
      return [members, threshold, 0n];
    },
  } as unknown as PublicClient;
  return { state, dest: { gw: new Gateway(A(0x9a7e), publicClient) } };
}

describe("ChainGuardianSets", () => {
  it("reads the current set and caches it for the TTL, re-reading it in the background from half of it", async () => {
    let now = 1_000;
    const { state, dest } = fakeGateway();
    const sets = new ChainGuardianSets(dest, directory, 5_000, () => now);
    expect(await sets.current()).toEqual({ index: 0, threshold: 2, guardians: directory.slice(0, 3) });
    const reads = state.reads;
    state.rotate([A(2), A(3), A(4)], 2);
    now += 2_499;
    expect((await sets.current()).index).toBe(0);
    expect(state.reads).toBe(reads);
    // From half the TTL: the cached set at once (no wait on the node), a re-read behind it.
    now += 1;
    expect((await sets.current()).index).toBe(0);
    await new Promise((r) => setTimeout(r, 0));
    expect(state.reads).toBe(reads + 2); // index, then members
    expect(await sets.current()).toEqual({ index: 1, threshold: 2, guardians: directory.slice(1) });
  });

  it("never serves a set older than the TTL: past it, callers wait for the read", async () => {
    let now = 0;
    const { state, dest } = fakeGateway();
    const sets = new ChainGuardianSets(dest, directory, 5_000, () => now);
    expect((await sets.current()).index).toBe(0);
    state.rotate([A(2), A(3), A(4)], 2);
    now = 5_000;
    expect((await sets.current()).index).toBe(1);
  });

  it("re-reads at once after invalidate() (a delivery failed on its attestation)", async () => {
    const { state, dest } = fakeGateway();
    const sets = new ChainGuardianSets(dest, directory, 60_000, () => 0);
    expect((await sets.current()).index).toBe(0);
    state.rotate([A(1), A(2), A(4)], 3);
    expect((await sets.current()).index).toBe(0);
    sets.invalidate();
    expect(await sets.current()).toMatchObject({ index: 1, threshold: 3 });
  });

  it("latest() serves the newest set held past the TTL without waiting, and re-reads it behind", async () => {
    let now = 0;
    const { state, dest } = fakeGateway();
    const sets = new ChainGuardianSets(dest, directory, 1_000, () => now);
    // Nothing held yet: waits for the read.
    expect((await sets.latest()).index).toBe(0);
    const reads = state.reads;
    state.rotate([A(2), A(3), A(4)], 2);
    now = 10_000;
    expect((await sets.latest()).index).toBe(0);
    await new Promise((r) => setTimeout(r, 0));
    expect(state.reads).toBe(reads + 2);
    expect((await sets.latest()).index).toBe(1);
    // current() keeps its bound: the set it serves is never older than the TTL.
    state.rotate([A(1), A(2), A(4)], 3);
    now = 20_000;
    expect(await sets.current()).toMatchObject({ index: 2, threshold: 3 });
    sets.close();
  });

  it("shares one read between concurrent callers", async () => {
    const { state, dest } = fakeGateway();
    const sets = new ChainGuardianSets(dest, directory, 60_000, () => 0);
    await Promise.all([sets.current(), sets.current(), sets.current()]);
    expect(state.reads).toBe(2); // index, then members
  });
});

describe("endpointsOf", () => {
  it("keeps every member, with an empty URL for one the directory does not list", () => {
    expect(endpointsOf([A(4), A(7)], directory)).toEqual([
      { address: A(4), url: "http://127.0.0.1:4" },
      { address: A(7), url: "" },
    ]);
  });

  it("a fixed set never changes", async () => {
    const view = { index: 3, threshold: 1, guardians: directory.slice(0, 1) };
    const sets = fixedGuardianSets(view);
    sets.invalidate();
    expect(await sets.current()).toBe(view);
    expect(await sets.latest()).toBe(view);
  });
});
