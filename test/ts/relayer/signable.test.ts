/**
 * The signable tracker against scripted guardian feeds: a message is announced (enqueued) once,
 * when a quorum of its destination's guardian set listed it; waiting batches wake then; feeds of
 * guardians outside the set do not count; a down feed marks the set as not worth waiting for; the
 * guardians' signatures of what they listed make an attestation once a quorum's are in.
 */
import { describe, expect, it } from "vitest";
import { keccak256, stringToHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attestationSigner, signAttestation, unpackSignatures } from "../../../core/attestation.js";
import type { ListedAttestation, SignableBatch } from "../../../core/guardian-api.js";
import { merkleRoot } from "../../../core/merkle.js";
import { messageToJson } from "../../../core/message.js";
import type { GuardianSetView } from "../../../core/collect-attestation.js";
import type { ObservedMessage } from "../../../relayer/jobs.js";
import { SignableTracker, type SignableSource } from "../../../relayer/signable.js";
import { silentLogger, testMessage } from "./fixtures.js";

const G = [1, 2, 3, 4].map((i) => `0x${String(i).repeat(40)}` as Address);
const set: GuardianSetView = {
  index: 0,
  threshold: 2,
  guardians: G.slice(0, 3).map((address, i) => ({ address, url: `g${i}` })),
};
const a = testMessage({ nonce: 1n });
const b = testMessage({ nonce: 2n });
const batch = (...ms: { msgId: Hex; message: ReturnType<typeof testMessage>["message"] }[]): SignableBatch => ({
  cursor: "x.1",
  reset: false,
  messages: ms.map((m) => ({ msgId: m.msgId, message: messageToJson(m.message), blockNumber: "5" })),
  attestations: [],
});

/** A feed with nothing new: waits until aborted. */
function idle(signal?: AbortSignal): Promise<SignableBatch> {
  return new Promise((_resolve, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
}

/** A feed that serves `first` once, then has nothing new. */
function serving(first: SignableBatch): SignableSource {
  let served = false;
  return {
    signable: async (_q, signal) => {
      if (served) return idle(signal);
      served = true;
      return first;
    },
  };
}

function tracker(sources: Record<string, SignableSource> = {}) {
  const announced: ObservedMessage[][] = [];
  const t = new SignableTracker({
    guardians: G.map((address, i) => ({ address, url: `g${i}` })),
    source: (url) => sources[url] ?? { signable: (_q, signal) => idle(signal) },
    guardianSet: async (dest) => (dest === 902 ? set : undefined),
    onQuorum: async (messages) => void announced.push(messages),
    logger: silentLogger(),
    options: { waitMs: 1_000, retryMs: 5, retentionMs: 60_000 },
  });
  return { t, announced };
}

/** `batch` with every entry listing `payment` (decimal wei), or none. */
const paid = (payment: { fee: string; quote: string } | undefined, ...ms: Parameters<typeof batch>): SignableBatch => {
  const b = batch(...ms);
  return { ...b, messages: b.messages.map((e) => (payment ? { ...e, payment } : e)) };
};

describe("SignableTracker", () => {
  it("test_record_paymentEveryListerStated_carriedToTheIntake_succeeds: else left for the fee policy to read", async () => {
    const { t, announced } = tracker();
    const c = testMessage({ nonce: 3n });
    // a: both listers state the same payment; the intake gets it (no read of the source).
    await t.record(G[0]!, paid({ fee: "10", quote: "9" }, a, b, c));
    await t.record(G[1]!, paid({ fee: "10", quote: "9" }, a));
    // b: the second lister disagrees (one guardian lying about it either way): no payment.
    await t.record(G[1]!, paid({ fee: "0", quote: "9" }, b));
    // c: the second lister (an older guardian) states none: no payment.
    await t.record(G[2]!, paid(undefined, c));
    expect(announced).toEqual([
      [{ msgId: a.msgId, message: a.message, sourceBlock: 5n, payment: { fee: 10n, quote: 9n } }],
      [{ msgId: b.msgId, message: b.message, sourceBlock: 5n }],
      [{ msgId: c.msgId, message: c.message, sourceBlock: 5n }],
    ]);
  });

  it("test_record_quorumOfTheSetAnnouncesOnce_succeeds", async () => {
    const { t, announced } = tracker();
    await t.record(G[0]!, batch(a, b));
    expect(announced).toEqual([]);
    await t.record(G[3]!, batch(a)); // not in the destination's set: does not count
    expect(announced).toEqual([]);
    await t.record(G[1]!, batch(a));
    expect(announced).toEqual([[{ msgId: a.msgId, message: a.message, sourceBlock: 5n }]]);
    await t.record(G[2]!, batch(a, b));
    expect(announced.map((m) => m.map((x) => x.msgId))).toEqual([[a.msgId], [b.msgId]]);
    expect(t.listings(a.msgId, set)).toBe(3);
  });

  it("test_record_unknownDestination_neverAnnounced_succeeds", async () => {
    const { t, announced } = tracker();
    const elsewhere = testMessage({ destChainId: 999n });
    await t.record(G[0]!, batch(elsewhere));
    await t.record(G[1]!, batch(elsewhere));
    expect(announced).toEqual([]);
  });

  it("test_waitReady_wakesOnQuorumOrTimesOut_succeeds", async () => {
    const { t } = tracker();
    const started = Date.now();
    const waiting = t.waitReady([a.msgId], set, 20_000);
    await t.record(G[0]!, batch(a));
    await t.record(G[2]!, batch(a));
    await waiting;
    expect(Date.now() - started).toBeLessThan(10_000);
    const before = Date.now();
    await t.waitReady([b.msgId], set, 30);
    expect(Date.now() - before).toBeGreaterThanOrEqual(25);
  });

  it("test_run_slowEnqueue_feedsKeepBeingRead_succeeds: a hand-over to the intake never holds up a feed", async () => {
    /** A feed serving `pages` one per request, then nothing new. */
    const paging = (...pages: SignableBatch[]): SignableSource => ({
      signable: async (_q, signal) => pages.shift() ?? idle(signal),
    });
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const announced: Hex[][] = [];
    const t = new SignableTracker({
      guardians: G.slice(0, 2).map((address, i) => ({ address, url: `g${i}` })),
      source: (url) => (url === "g0" ? paging(batch(a), batch(b)) : paging(batch(a), batch(b))),
      guardianSet: async () => set,
      // The intake is stuck (a busy Redis) until released.
      onQuorum: async (messages) => {
        announced.push(messages.map((m) => m.msgId));
        await stuck;
      },
      logger: silentLogger(),
      options: { waitMs: 1_000, retryMs: 5, retentionMs: 60_000 },
    });
    const controller = new AbortController();
    let ended = false;
    const running = t.run(controller.signal).then(() => (ended = true));
    for (let i = 0; i < 100 && announced.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    // b's listings were read and announced while a's hand-over was still stuck.
    expect(announced).toEqual([[a.msgId], [b.msgId]]);
    controller.abort();
    await new Promise((r) => setTimeout(r, 20));
    expect(ended).toBe(false); // run() waits for the hand-overs it started
    release();
    await running;
    expect(ended).toBe(true);
  });

  it("test_run_followsFeedsAndTracksWhichAreUp_succeeds", async () => {
    const down: SignableSource = { signable: async () => Promise.reject(new Error("ECONNREFUSED")) };
    const { t, announced } = tracker({ g0: serving(batch(a)), g1: serving(batch()), g2: down });
    const controller = new AbortController();
    const running = t.run(controller.signal);
    await new Promise((r) => setTimeout(r, 50));
    expect(t.feedsUp(set)).toBe(true); // g0 and g1 answered: 2 of 3 live, threshold 2
    expect(t.feedsUp({ ...set, threshold: 3 })).toBe(false); // g2 is down
    expect(t.listings(a.msgId, set)).toBe(1);
    expect(announced).toEqual([]);
    controller.abort();
    await running;
    // No longer following (stopped, or its feed slot lost): batches must not wait on it.
    expect(t.feedsUp(set)).toBe(false);
  });
  it("test_record_uncheckedEntries_useTheCheckedMessage_succeeds: ids listed before are not re-derived", async () => {
    const { t, announced } = tracker();
    await t.record(G[0]!, batch(a));
    // A second guardian's entry for a tallied id, not re-derived by the client: its (here
    // forged) message is never used; the tally keeps the one checked first.
    const forged = batch({ msgId: a.msgId, message: b.message });
    await t.record(G[1]!, forged, new Set([a.msgId.toLowerCase() as Hex]));
    expect(announced).toEqual([[{ msgId: a.msgId, message: a.message, sourceBlock: 5n }]]);
    // An unchecked entry whose tally is gone is checked here: a mismatch is ignored.
    const { t: fresh, announced: none } = tracker();
    await fresh.record(G[0]!, forged, new Set([a.msgId.toLowerCase() as Hex]));
    await fresh.record(G[1]!, forged, new Set([a.msgId.toLowerCase() as Hex]));
    expect(fresh.listings(a.msgId, set)).toBe(0);
    expect(none).toEqual([]);
    // The client did not even validate an unchecked entry's message: garbage is ignored too.
    const garbage = { ...batch(a), messages: [{ ...batch(a).messages[0]!, message: { x: 1 } as never }] };
    await fresh.record(G[0]!, garbage, new Set([a.msgId.toLowerCase() as Hex]));
    expect(fresh.listings(a.msgId, set)).toBe(0);
  });

  it("test_record_decodedMessage_usedAsIs_succeeds: the message the client decoded is not decoded again", async () => {
    const { t, announced } = tracker();
    // The client's decoded message is what the tally keeps (here deliberately not the JSON's).
    const entry = (g: number) => ({ ...batch(a).messages[0]!, message: { x: g } as never, decoded: a.message });
    await t.record(G[0]!, { ...batch(a), messages: [entry(0)] });
    await t.record(G[1]!, { ...batch(a), messages: [entry(1)] });
    expect(announced).toEqual([[{ msgId: a.msgId, message: a.message, sourceBlock: 5n }]]);
  });

  it("test_run_firstRequestAndFirstAfterAFailureDoNotWait_succeeds: an idle feed counts as up at once", async () => {
    const waits: number[] = [];
    let calls = 0;
    const flaky: SignableSource = {
      signable: async (q, signal) => {
        waits.push(q.waitMs ?? -1);
        calls++;
        if (calls === 1) return batch(); // the probe: nothing listed yet, answered at once
        if (calls === 2) throw new Error("ECONNRESET");
        if (calls === 3) return batch();
        return idle(signal);
      },
    };
    const { t } = tracker({ g0: flaky, g1: serving(batch()) });
    const controller = new AbortController();
    const running = t.run(controller.signal);
    for (let waited = 0; calls < 4 && waited < 10_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    // Idle feeds that have answered their probe are up (2 of 3, threshold 2): batches wait for them.
    expect(t.feedsUp(set)).toBe(true);
    controller.abort();
    await running;
    expect(waits).toEqual([0, 1_000, 0, 1_000]);
  });

  it("test_run_asksTheClientToSkipOnlyTalliedIds_succeeds", async () => {
    const seen: boolean[][] = [];
    const probe = (first: SignableBatch): SignableSource => {
      let served = false;
      return {
        signable: async (_q, signal, o) => {
          seen.push([a.msgId, b.msgId].map((id) => o?.checked?.(id.toLowerCase() as Hex) ?? false));
          if (served) return idle(signal);
          served = true;
          return first;
        },
      };
    };
    const { t } = tracker({ g0: probe(batch(a)) });
    const controller = new AbortController();
    const running = t.run(controller.signal);
    for (let waited = 0; seen.length < 2 && waited < 10_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await running;
    // Before anything was listed nothing is skipped; once `a` is tallied, only `a` is.
    expect(seen[0]).toEqual([false, false]);
    expect(seen[1]).toEqual([true, false]);
  });
});

describe("SignableTracker: the guardians' signatures of what they listed", () => {
  const keys = [0, 1, 2, 3].map((i) => privateKeyToAccount(keccak256(stringToHex(`listing guardian ${i}`))));
  const signedSet: GuardianSetView = {
    index: 3,
    threshold: 2,
    guardians: keys.slice(0, 3).map((k, i) => ({ address: k.address, url: `k${i}` })),
  };
  const domain = { destChainId: 902n, destGateway: a.message.destGateway };
  const root = merkleRoot([a.msgId, b.msgId]).toLowerCase() as Hex;

  /** A feed answer carrying `signer`'s signature of the group [a, b] (under `setIndex`). */
  const signedBy = async (signer: (typeof keys)[number], o: { setIndex?: number; gateway?: Address } = {}) => {
    const setIndex = o.setIndex ?? signedSet.index;
    const attestation: ListedAttestation = {
      destChainId: 902,
      destGateway: o.gateway ?? domain.destGateway,
      sourceChainId: 901,
      blockNumber: "5",
      messages: 2,
      guardianSetIndex: setIndex,
      root,
      signature: await signAttestation(signer, domain, root, setIndex),
    };
    return { ...batch(), attestations: [attestation] };
  };

  function signedTracker(sources: Record<string, SignableSource> = {}) {
    return new SignableTracker({
      guardians: keys.map((k, i) => ({ address: k.address, url: `k${i}` })),
      source: (url) => sources[url] ?? { signable: (_q, signal) => idle(signal) },
      guardianSet: async () => signedSet,
      onQuorum: async () => undefined,
      logger: silentLogger(),
      options: { waitMs: 1_000, retryMs: 5, retentionMs: 60_000 },
    });
  }

  it("test_listedRound_quorumOfSignatures_attestationOfTheGroup_succeeds: checked, packed, and the gateway's signers", async () => {
    const t = signedTracker();
    await t.record(keys[0]!.address, await signedBy(keys[0]!));
    expect(await t.listedRound(root, domain, signedSet, 0)).toBeUndefined();
    await t.record(keys[2]!.address, await signedBy(keys[2]!));
    const round = await t.listedRound(root, domain, signedSet, 0);
    expect(round?.attestation?.guardianSetIndex).toBe(3);
    const signers = await Promise.all(
      unpackSignatures(round!.attestation!.signatures).map((sig) => attestationSigner(domain, root, 3, sig)),
    );
    expect(new Set(signers)).toEqual(new Set([keys[0]!.address, keys[2]!.address]));
    expect(round!.signers).toHaveLength(2);
  });

  it("test_listedRound_waitsForTheQuorumsSignatures_succeeds: wakes on the feed answer that completes it", async () => {
    const up = (): SignableSource => serving(batch());
    const t = signedTracker({ k0: up(), k1: up() });
    const controller = new AbortController();
    const running = t.run(controller.signal);
    try {
      for (let i = 0; i < 200 && !t.feedsUp(signedSet); i++) await new Promise((r) => setTimeout(r, 5));
      expect(t.feedsUp(signedSet)).toBe(true);
      const waiting = t.listedRound(root, domain, signedSet, 10_000);
      await t.record(keys[0]!.address, await signedBy(keys[0]!));
      await t.record(keys[1]!.address, await signedBy(keys[1]!));
      expect((await waiting)?.attestation).toBeDefined();
      // Nothing comes for another root: undefined once the wait is over.
      expect(await t.listedRound(`0x${"ab".repeat(32)}`, domain, signedSet, 20)).toBeUndefined();
    } finally {
      controller.abort();
      await running;
    }
  });

  it("test_listedRound_signaturesThatDoNotCount_reverts: another key, another set index, another gateway, a non-member", async () => {
    const t = signedTracker();
    await t.record(keys[0]!.address, await signedBy(keys[0]!));
    // Guardian 1's feed carries a signature made with another key: checked, never counted.
    await t.record(keys[1]!.address, await signedBy(keys[3]!));
    // Guardian 2 signed under another set index.
    await t.record(keys[2]!.address, await signedBy(keys[2]!, { setIndex: 2 }));
    // Guardian 3 is not in the set.
    await t.record(keys[3]!.address, await signedBy(keys[3]!));
    expect(await t.listedRound(root, domain, signedSet, 0)).toBeUndefined();
    // The group's signatures are for a domain: asked for another gateway, none is usable.
    await t.record(keys[2]!.address, await signedBy(keys[2]!));
    const other = { ...domain, destGateway: "0x00000000000000000000000000000000000000ee" as Address };
    expect(await t.listedRound(root, other, signedSet, 0)).toBeUndefined();
    expect((await t.listedRound(root, domain, signedSet, 0))?.attestation).toBeDefined();
  });
});
