/**
 * The intake: only messages between the manifest's gateways are enqueued; one already processed
 * on its destination is not (a still-queued one gets its execute job back).
 */
import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import type { Hex, PublicClient } from "viem";
import { Gateway } from "../../../core/gateway.js";
import type { RelayerChain } from "../../../relayer/chains.js";
import { Intake } from "../../../relayer/intake.js";
import type { DeliveryGroup, JobScheduler, ObservedMessage } from "../../../relayer/jobs.js";
import { RelayerMetrics } from "../../../relayer/metrics.js";
import { silentLogger, testMessage } from "./fixtures.js";

function chain(chainId: number, gateway: Hex, processed: Set<bigint>): RelayerChain {
  const publicClient = {
    readContract: async ({ functionName, args }: { functionName: string; args: readonly unknown[] }) => {
      if (functionName === "isProcessed") return processed.has(args[2] as bigint);
      if (functionName === "queuedMessage") return { status: 1, executableAt: 77n };
      throw new Error(functionName);
    },
  } as unknown as PublicClient;
  return { chainId, gateway, gw: new Gateway(gateway, publicClient) } as unknown as RelayerChain;
}

/** An intake over chains 901 and 902 (902 has processed `processedOn902`), recording its adds. */
function intakeOnTwoChains(
  processedOn902: Set<bigint>,
  observedUpTo?: (chainId: number) => Promise<number | undefined>,
) {
  const chains = new Map([
    [901, chain(901, "0x1000000000000000000000000000000000000001", new Set())],
    [902, chain(902, "0x2000000000000000000000000000000000000002", processedOn902)],
  ]);
  const added: ObservedMessage[] = [];
  const jobs = {
    addDeliveries: async (groups: DeliveryGroup[]) => void added.push(...groups.flatMap((g) => g.members)),
    scheduleExecute: async () => undefined,
  } as unknown as JobScheduler;
  return {
    intake: new Intake(chains, jobs, new RelayerMetrics(new Registry()), silentLogger(), observedUpTo),
    added,
  };
}

/** An intake whose chain `chainId` some relayer's observer has enqueued up to `block`. */
function intakeObservedTo(chainId: number, block: number) {
  return intakeOnTwoChains(new Set(), async (c) => (c === chainId ? block : undefined));
}

/** A message of the test route (901 → 902) with `nonce`, read from `sourceBlock`. */
const at = (nonce: bigint, sourceBlock: bigint): ObservedMessage => ({ ...testMessage({ nonce }), sourceBlock });

describe("Intake", () => {
  it("test_enqueue_onlyMessagesOfTheManifestAndFromChainsOnlyUnprocessed_succeeds", async () => {
    const processed = new Set([2n]);
    const chains = new Map([
      [901, chain(901, "0x1000000000000000000000000000000000000001", new Set())],
      [902, chain(902, "0x2000000000000000000000000000000000000002", processed)],
    ]);
    const added: ObservedMessage[] = [];
    const executes: [number, Hex, number | bigint][] = [];
    const jobs = {
      addDeliveries: async (groups: DeliveryGroup[]) => void added.push(...groups.flatMap((g) => g.members)),
      scheduleExecute: async (chainId: number, msgId: Hex, at: number) => void executes.push([chainId, msgId, at]),
    } as unknown as JobScheduler;
    const metrics = new RelayerMetrics(new Registry());
    const intake = new Intake(chains, jobs, metrics, silentLogger());
    const fresh = testMessage({ nonce: 1n });
    const done = testMessage({ nonce: 2n });
    const foreign = testMessage({ nonce: 3n, destGateway: "0x9000000000000000000000000000000000000009" });
    const count = await intake.enqueue(
      [fresh, done, foreign].map((m) => ({ ...m, sourceBlock: 1n })),
      "observer",
    );
    expect(count).toBe(1);
    expect(added.map((m) => m.msgId)).toEqual([fresh.msgId]);
    expect(executes).toEqual([[902, done.msgId, 77]]);

    // From the feed (fresh messages): no destination reads; the deliverer checks before attesting.
    added.length = 0;
    expect(
      await intake.enqueue(
        [fresh, done, foreign].map((m) => ({ ...m, sourceBlock: 1n })),
        "feed",
      ),
    ).toBe(2);
    expect(added.map((m) => m.msgId)).toEqual([fresh.msgId, done.msgId]);
    expect(await metrics.failures.get()).toMatchObject({
      values: [{ labels: { stage: "observe", reason: "unknown_route" }, value: 2 }],
    });
  });
  it("test_enqueue_freshFromTheObserver_skipsDestinationReads_succeeds", async () => {
    const { intake, added } = intakeOnTwoChains(new Set([2n]));
    const done = testMessage({ nonce: 2n });
    // Read from the newest blocks: enqueued without reading the destination (the deliverer's
    // simulation finds it processed); from older blocks it is read and skipped.
    expect(await intake.enqueue([{ ...done, sourceBlock: 1n }], "observer", { fresh: true })).toBe(1);
    expect(await intake.enqueue([{ ...done, sourceBlock: 1n }], "observer", { fresh: false })).toBe(0);
    expect(added.map((m) => m.msgId)).toEqual([done.msgId]);
  });

  it("test_enqueue_freshMessageAddedOnce_catchUpAlwaysAdds_succeeds", async () => {
    const { intake, added } = intakeOnTwoChains(new Set());
    const a = { ...testMessage({ nonce: 1n }), sourceBlock: 1n };
    const b = { ...testMessage({ nonce: 2n }), sourceBlock: 1n };
    // The observer's fresh scan enqueues a; the feed then lists a and b: only b is added.
    expect(await intake.enqueue([a], "observer", { fresh: true })).toBe(1);
    expect(await intake.enqueue([a, b], "feed")).toBe(1);
    expect(added.map((m) => m.msgId)).toEqual([a.msgId, b.msgId]);
    // A catch-up scan (Redis wiped, say) adds both again: the jobs may be gone.
    expect(await intake.enqueue([a, b], "observer", { fresh: false })).toBe(2);
    expect(added.map((m) => m.msgId)).toEqual([a.msgId, b.msgId, a.msgId, b.msgId]);
  });

  it("test_enqueue_feedMessageFromAnObservedBlock_notAddedAgain_succeeds: an observer enqueued it", async () => {
    // Some relayer's observer has enqueued chain 901 up to block 5; chain 902 is not observed yet.
    const { intake, added } = intakeObservedTo(901, 5);
    const observed = at(1n, 5n);
    const newer = at(2n, 6n);
    const otherSource = {
      ...testMessage({
        nonce: 3n,
        sourceChainId: 902n,
        sourceGateway: "0x2000000000000000000000000000000000000002",
        destChainId: 901n,
        destGateway: "0x1000000000000000000000000000000000000001",
      }),
      sourceBlock: 1n,
    };
    expect(await intake.enqueue([observed, newer, otherSource], "feed")).toBe(2);
    expect(added.map((m) => m.msgId)).toEqual([newer.msgId, otherSource.msgId]);
    // The observer's own adds are never filtered by its cursor.
    expect(await intake.enqueue([observed], "observer", { fresh: true })).toBe(1);
    // A cursor that cannot be read spares nothing: the feed adds.
    const { intake: blind, added: all } = intakeOnTwoChains(new Set(), async () => {
      throw new Error("redis down");
    });
    expect(await blind.enqueue([observed], "feed")).toBe(1);
    expect(all.map((m) => m.msgId)).toEqual([observed.msgId]);
  });

  it("test_enqueue_beforeAdd_toldExactlyWhatIsAddedBeforeTheAdd_succeeds: the deliverers' early attestations", async () => {
    const { intake, added } = intakeObservedTo(901, 5);
    const observed = at(1n, 5n);
    const remembered = at(2n, 6n);
    const listed = at(3n, 6n);
    const foreign = {
      ...at(4n, 6n),
      message: { ...at(4n, 6n).message, destGateway: "0x9000000000000000000000000000000000000009" as Hex },
    };
    await intake.enqueue([remembered], "feed");
    const told: { ids: Hex[]; addedBefore: number }[] = [];
    const beforeAdd = (toAdd: readonly DeliveryGroup[]) =>
      void told.push({ ids: toAdd.flatMap((g) => g.members.map((m) => m.msgId)), addedBefore: added.length });
    expect(await intake.enqueue([observed, remembered, listed, foreign], "feed", { beforeAdd })).toBe(1);
    expect(told).toEqual([{ ids: [listed.msgId], addedBefore: 1 }]);
    // Nothing to add: not told.
    await intake.enqueue([observed, listed], "feed", { beforeAdd });
    expect(told).toHaveLength(1);
  });
});
