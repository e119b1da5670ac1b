/**
 * Listing signatures shared between relayers (relayer/listing-signatures.ts): what a feed
 * follower's tracker records is written to the store as it arrives, and a relayer that follows
 * no feed attests a batch that is exactly the listed group from it, checking every signature as
 * if the guardian had answered it; anything that does not check out leaves the batch to ask.
 */
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { keccak256, stringToHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attestationSigner, signAttestation, unpackSignatures } from "../../../core/attestation.js";
import type { GuardianSetView } from "../../../core/collect-attestation.js";
import type { ListedAttestation, SignableBatch } from "../../../core/guardian-api.js";
import { merkleRoot } from "../../../core/merkle.js";
import {
  decodeShared,
  domainOf,
  encodeShared,
  groupKey,
  SHARED_TTL_MS,
  SharedListings,
  withSharedListings,
} from "../../../relayer/listing-signatures.js";
import { RelayerMetrics } from "../../../relayer/metrics.js";
import { SignableTracker, type Readiness } from "../../../relayer/signable.js";
import { MemoryStore } from "../../../relayer/store.js";
import { silentLogger, testMessage } from "./fixtures.js";

const keys = [0, 1, 2, 3].map((i) => privateKeyToAccount(keccak256(stringToHex(`shared guardian ${i}`))));
const set: GuardianSetView = {
  index: 3,
  threshold: 2,
  guardians: keys.slice(0, 3).map((k, i) => ({ address: k.address, url: `k${i}` })),
};
const a = testMessage({ nonce: 1n });
const b = testMessage({ nonce: 2n });
const domain = { destChainId: 902n, destGateway: a.message.destGateway };
const root = merkleRoot([a.msgId, b.msgId]).toLowerCase() as Hex;

/** `signer`'s signature of the group [a, b], as a feed carries it. */
async function listed(signer: (typeof keys)[number], o: { setIndex?: number; root?: Hex } = {}) {
  const setIndex = o.setIndex ?? set.index;
  const attestation: ListedAttestation = {
    destChainId: 902,
    destGateway: domain.destGateway,
    sourceChainId: 901,
    blockNumber: "5",
    messages: 2,
    guardianSetIndex: setIndex,
    root: o.root ?? root,
    signature: await signAttestation(signer, domain, o.root ?? root, setIndex),
  };
  return attestation;
}

const feedAnswer = (attestation: ListedAttestation): SignableBatch => ({
  cursor: "x.1",
  reset: false,
  messages: [],
  attestations: [attestation],
});

function sharing(store: MemoryStore) {
  return new SignableTracker({
    guardians: keys.map((k, i) => ({ address: k.address, url: `k${i}` })),
    source: () => ({
      signable: (_q, signal) => new Promise((_r, reject) => signal?.addEventListener("abort", reject)),
    }),
    guardianSet: async () => set,
    onQuorum: async () => undefined,
    shareSignature: (by, at) =>
      store.addListingSignature(groupKey(at.root, domainOf(at)), by.toLowerCase(), encodeShared(at), SHARED_TTL_MS),
    logger: silentLogger(),
    options: { waitMs: 1_000, retryMs: 5, retentionMs: 60_000 },
  });
}

function reader(store: MemoryStore) {
  const metrics = new RelayerMetrics(new Registry());
  return { shared: new SharedListings(store, metrics, silentLogger()), metrics };
}

async function count(metrics: RelayerMetrics, result: string): Promise<number> {
  const values = (await metrics.sharedListings.get()).values;
  return values.find((v) => v.labels.result === result)?.value ?? 0;
}

describe("SharedListings", () => {
  it("test_listedRound_followerSharedAQuorum_attestsTheGroupWithoutAsking_succeeds", async () => {
    const store = new MemoryStore();
    const follower = sharing(store);
    await follower.record(keys[0]!.address, feedAnswer(await listed(keys[0]!)));
    await follower.record(keys[2]!.address, feedAnswer(await listed(keys[2]!)));
    await follower.settled();
    const { shared, metrics } = reader(store);
    const round = await shared.listedRound(root, domain, set, 0);
    expect(round?.attestation?.guardianSetIndex).toBe(3);
    const signers = await Promise.all(
      unpackSignatures(round!.attestation!.signatures).map((sig) => attestationSigner(domain, root, 3, sig)),
    );
    expect(new Set(signers)).toEqual(new Set([keys[0]!.address, keys[2]!.address]));
    expect(await count(metrics, "used")).toBe(1);
    // Another gateway's domain is another group: nothing shared for it.
    const other = { ...domain, destGateway: "0x00000000000000000000000000000000000000ee" as Address };
    expect(await shared.listedRound(root, other, set, 0)).toBeUndefined();
    expect(await count(metrics, "absent")).toBe(1);
  });

  it("test_listedRound_signaturesThatDoNotCheckOut_notCounted_reverts: another key, another set index, a non-member, garbage", async () => {
    const store = new MemoryStore();
    const key = groupKey(root, domain);
    const put = async (guardian: Address, at: ListedAttestation) =>
      store.addListingSignature(key, guardian.toLowerCase(), encodeShared(at), SHARED_TTL_MS);
    await put(keys[0]!.address, await listed(keys[0]!));
    // Stored under guardian 1, signed by a key that is not guardian 1's.
    await put(keys[1]!.address, await listed(keys[3]!));
    // Guardian 2's signature under another set index.
    await put(keys[2]!.address, await listed(keys[2]!, { setIndex: 2 }));
    // A non-member's valid signature.
    await put(keys[3]!.address, await listed(keys[3]!));
    const { shared } = reader(store);
    expect(await shared.listedRound(root, domain, set, 0)).toBeUndefined();
    // Guardian 2's field overwritten with garbage, then with a signature of another root.
    await store.addListingSignature(key, keys[2]!.address.toLowerCase(), "3:0xzz", SHARED_TTL_MS);
    expect(await shared.listedRound(root, domain, set, 0)).toBeUndefined();
    await put(keys[2]!.address, await listed(keys[2]!, { root: `0x${"ab".repeat(32)}` }));
    expect(await shared.listedRound(root, domain, set, 0)).toBeUndefined();
    // Guardian 2's real signature completes the quorum.
    await put(keys[2]!.address, await listed(keys[2]!));
    expect((await shared.listedRound(root, domain, set, 0))?.attestation).toBeDefined();
  });

  it("test_listedRound_signaturesSharedWhileWaiting_succeeds: read again until the wait is over", async () => {
    const store = new MemoryStore();
    const follower = sharing(store);
    const { shared } = reader(store);
    const waiting = shared.listedRound(root, domain, set, 10_000);
    await new Promise((r) => setTimeout(r, 80));
    await follower.record(keys[0]!.address, feedAnswer(await listed(keys[0]!)));
    await follower.record(keys[1]!.address, feedAnswer(await listed(keys[1]!)));
    expect((await waiting)?.attestation).toBeDefined();
    // Nothing comes for another root: undefined once the wait is over.
    expect(await shared.listedRound(`0x${"cd".repeat(32)}`, domain, set, 60)).toBeUndefined();
  });

  it("test_decodeShared_malformedFields_leftOut_succeeds", () => {
    const sig = `0x${"11".repeat(65)}`;
    const good = `0x${"aa".repeat(20)}`;
    const held = decodeShared({
      [good]: `7:${sig}`,
      [`0x${"bb".repeat(20)}`]: `7:0x1234`,
      [`0x${"cc".repeat(20)}`]: sig,
      "not an address": `7:${sig}`,
    });
    expect([...held.keys()]).toEqual([good]);
    expect(held.get(good)).toEqual({ guardian: good, setIndex: 7, signature: sig });
  });
});

describe("withSharedListings", () => {
  it("test_listedRound_followingTheFeeds_usesTheTracker_otherwiseTheShared_succeeds", async () => {
    const store = new MemoryStore();
    const follower = sharing(store);
    await follower.record(keys[0]!.address, feedAnswer(await listed(keys[0]!)));
    await follower.record(keys[1]!.address, feedAnswer(await listed(keys[1]!)));
    await follower.settled();
    let feedsUp = false;
    const asked: string[] = [];
    const tracker: Readiness = {
      feedsUp: () => feedsUp,
      anyReady: () => false,
      waitReady: async () => undefined,
      listedRound: async () => void asked.push("tracker"),
    };
    const readiness = withSharedListings(tracker, reader(store).shared);
    // Following no feed: the followers' shared signatures.
    expect((await readiness.listedRound(root, domain, set, 0))?.attestation).toBeDefined();
    expect(asked).toEqual([]);
    // Following a quorum of feeds: its own tracker, which holds what the feeds carried.
    feedsUp = true;
    expect(await readiness.listedRound(root, domain, set, 0)).toBeUndefined();
    expect(asked).toEqual(["tracker"]);
  });
});
