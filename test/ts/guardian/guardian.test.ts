/**
 * The guardian's decisions against an in-memory chain: what becomes signable and when, what an
 * attestation signs, operator approval, the one-message-per-nonce rule across reorgs, reorgs
 * noticed at signing time, guardian-set rotation, and the health view.
 */
import { describe, expect, it } from "vitest";
import { parseUnits, type Hex } from "viem";
import { attestationSigner } from "../../../core/attestation.js";
import { merkleRoot } from "../../../core/merkle.js";
import { MESSAGE_VERSION, messageId } from "../../../core/message.js";
import {
  ApprovalRefusedError,
  AttestRefusedError,
  InvalidRequestError,
  MessageNotFoundError,
  type Guardian,
} from "../../../guardian/guardian.js";
import { ChainInconsistencyError } from "../../../guardian/chain.js";
import {
  attestRequest,
  BETA,
  BOB,
  createTestGuardian,
  guardianAccounts,
  L2A,
  L2B,
  TEST_OPTIONS,
  transfer,
} from "./fixture.js";

const CONFIRMATIONS = 2;

async function refusalOf(guardian: Guardian, msgIds: Hex[], dest = L2B) {
  const error = await guardian.attest(attestRequest(msgIds, dest)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttestRefusedError);
  return (error as AttestRefusedError).refusal;
}

describe("Guardian signable messages", () => {
  it("test_attest_unconfirmedThenSignable_succeeds: seen above the depth first, signed once confirmed", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const message = transfer();
    const id = messageId(message);
    l2a.mine(message);
    await sync();
    expect((await guardian.message(id)).state).toBe("unconfirmed");
    expect((await refusalOf(guardian, [id])).unconfirmed).toEqual([id]);

    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    const view = await guardian.message(id);
    expect(view).toMatchObject({
      msgId: id,
      state: "signable",
      message: { nonce: "0", amount: message.amount.toString() },
    });

    const signed = await guardian.attest(attestRequest([id]));
    expect(signed.root).toBe(id);
    expect(signed.guardianSetIndex).toBe(0);
    expect(signed.guardian).toBe(guardianAccounts[0]!.address);
    const domain = { destChainId: BigInt(L2B.chainId), destGateway: L2B.gateway };
    expect(await attestationSigner(domain, signed.root as Hex, 0, signed.signature as Hex)).toBe(
      guardianAccounts[0]!.address,
    );
  });

  it("test_attest_batch_signsMerkleRootInRequestOrder_succeeds", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const messages = [0n, 1n, 2n].map((nonce) => transfer({ nonce }));
    l2a.mine(messages[0]!, messages[1]!);
    l2a.mine(messages[2]!);
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    const ids = [messages[2]!, messages[0]!, messages[1]!].map(messageId);
    const signed = await guardian.attest(attestRequest(ids));
    expect(signed.root).toBe(merkleRoot(ids));
  });

  it("test_attest_unknownAndDuplicateIds_reverts: unseen ids are unknown, a repeated id is a bad request", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const message = transfer();
    l2a.mine(message);
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    const unseen = messageId(transfer({ nonce: 9n }));
    const refusal = await refusalOf(guardian, [messageId(message), unseen]);
    expect(refusal.unknown).toEqual([unseen]);
    expect(refusal.error).toBe("1 of 2 messages not signable: 1 unknown");
    await expect(guardian.attest(attestRequest([messageId(message), messageId(message)]))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(guardian.message(unseen)).rejects.toBeInstanceOf(MessageNotFoundError);
  });
});

describe("Guardian answers for groups it signed as it listed them", () => {
  /** Three messages confirmed in one block, listed and signed as a group; the counters read back. */
  async function listedPair() {
    const t = createTestGuardian();
    const messages = [0n, 1n, 2n].map((nonce) => transfer({ nonce }));
    const block = t.l2a.mine(...messages);
    t.l2a.mineEmpty(CONFIRMATIONS);
    await t.sync();
    const ids = messages.map(messageId);
    const feed = await t.guardian.signable.read({ waitMs: 0, limit: 100 });
    expect(feed.attestations).toHaveLength(1);
    const counter = async (name: string) => {
      const metric = (await t.registry.getMetricsAsJSON()).find((m) => m.name === name);
      return (metric?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
    };
    return { ...t, ids, block, listed: feed.attestations[0]!, counter };
  }

  it("test_attest_listedGroup_succeeds: the same ids in batch order get the listing's signature, without a new claim or signature", async () => {
    const { guardian, store, ids, listed, counter } = await listedPair();
    expect(listed.root).toBe(merkleRoot(ids));
    let claims = 0;
    const claimMany = store.claimMany.bind(store);
    store.claimMany = (c) => (claims++, claimMany(c));
    const signaturesBefore = await counter("bridge_guardian_signatures_total");

    const answer = await guardian.attest(attestRequest(ids));
    expect(answer).toEqual({
      guardian: guardianAccounts[0]!.address,
      guardianSetIndex: listed.guardianSetIndex,
      root: listed.root,
      signature: listed.signature,
    });
    expect(claims).toBe(0);
    expect(await counter("bridge_guardian_listed_answers_total")).toBe(1);
    expect(await counter("bridge_guardian_signatures_total")).toBe(signaturesBefore);

    // Another order with another root (pairs hash sorted, so not every order is): judged,
    // claimed and signed as any request.
    const reordered = [ids[2]!, ids[0]!, ids[1]!];
    expect(merkleRoot(reordered)).not.toBe(listed.root);
    expect((await guardian.attest(attestRequest(reordered))).root).toBe(merkleRoot(reordered));
    expect(claims).toBe(1);
    expect(await counter("bridge_guardian_signatures_total")).toBe(signaturesBefore + 1);
    expect(await counter("bridge_guardian_listed_answers_total")).toBe(1);
  });

  it("test_attest_listedGroupAfterRotation_succeeds: under a newer set the group is signed afresh", async () => {
    const { guardian, l2b, clock, ids, listed, counter } = await listedPair();
    l2b.guardianSets.push(guardianAccounts.map((a) => a.address));
    clock.ms += 6_000; // past the 5 s cache time of the set index
    const answer = await guardian.attest(attestRequest(ids));
    expect(answer.guardianSetIndex).toBe(listed.guardianSetIndex + 1);
    const domain = { destChainId: BigInt(L2B.chainId), destGateway: L2B.gateway };
    expect(await attestationSigner(domain, answer.root as Hex, answer.guardianSetIndex, answer.signature as Hex)).toBe(
      guardianAccounts[0]!.address,
    );
    expect(await counter("bridge_guardian_listed_answers_total")).toBe(0);
  });

  it("test_attest_listedGroupReorgedOut_reverts: a block gone since the listing is re-read, not answered for", async () => {
    const { guardian, l2a, ids, block, counter } = await listedPair();
    l2a.reorg(block);
    l2a.mineEmpty(CONFIRMATIONS + 1);
    const refusal = await refusalOf(guardian, ids);
    expect(refusal.unknown).toEqual(ids);
    expect(await counter("bridge_guardian_listed_answers_total")).toBe(0);
  });

  it("test_attest_listedGroupForAnotherDestination_reverts: the listing's signature is only for its own domain", async () => {
    const { guardian, ids, counter } = await listedPair();
    const refusal = await refusalOf(guardian, ids, L2A);
    expect(refusal.rejected.map((r) => r.reason)).toEqual(Array(3).fill("wrong destination"));
    expect(await counter("bridge_guardian_listed_answers_total")).toBe(0);
  });
});

describe("Guardian validation", () => {
  it("test_attest_wrongDestination_reverts: a message is only signed in its own destination's domain", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const message = transfer();
    l2a.mine(message);
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    const refusal = await refusalOf(guardian, [messageId(message)], L2A);
    expect(refusal.rejected).toEqual([{ msgId: messageId(message), reason: "wrong destination" }]);
    const elsewhere = { chainId: L2B.chainId, gateway: L2A.gateway };
    expect((await refusalOf(guardian, [messageId(message)], elsewhere)).rejected[0]!.reason).toBe("wrong destination");
  });

  it("test_observe_invalidRouteTokenSource_reverts: such messages are rejected for good", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const cases = [
      [transfer({ nonce: 0n, token: BOB }), "invalid token"],
      [transfer({ nonce: 1n, destChainId: 999n }), "invalid route"],
      [transfer({ nonce: 2n, destChainId: BigInt(L2A.chainId), destGateway: L2A.gateway }), "invalid route"],
      [transfer({ nonce: 3n, destGateway: BOB }), "invalid route"],
      [transfer({ nonce: 4n, sourceGateway: BOB }), "invalid source"],
      [transfer({ nonce: 5n, sourceChainId: BigInt(L2B.chainId) }), "invalid source"],
      [transfer({ nonce: 6n, version: MESSAGE_VERSION + 1 }), "unsupported version"],
    ] as const;
    l2a.mine(...cases.map(([m]) => m));
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    for (const [message, reason] of cases) {
      expect(await guardian.message(messageId(message))).toMatchObject({ state: "rejected", reason });
    }
    const refusal = await refusalOf(guardian, [messageId(cases[0][0])]);
    expect(refusal.rejected).toEqual([{ msgId: messageId(cases[0][0]), reason: "invalid token" }]);
  });

  it("test_observe_logNotStoredByGateway_reverts: a log the gateway's state contradicts stops the chain view", async () => {
    const { guardian, l2a } = createTestGuardian();
    const message = transfer();
    l2a.mine(message);
    l2a.mineEmpty(CONFIRMATIONS);
    l2a.sentMessageIds = async (nonces) => nonces.map(() => messageId(transfer({ amount: 1n })));
    await expect(guardian.pollOnce()).rejects.toBeInstanceOf(ChainInconsistencyError);
    await expect(guardian.message(messageId(message))).rejects.toBeInstanceOf(MessageNotFoundError);
    expect(guardian.health().ok).toBe(false);
  });
});

describe("Guardian operator approval", () => {
  it("test_approve_aboveThreshold_succeeds: waits for the operator, then signs", async () => {
    const { guardian, l2a, store, sync } = createTestGuardian({ approvalAbove: "1000" });
    const atLimit = transfer({ nonce: 0n, amount: parseUnits("1000", 18) });
    const above = transfer({ nonce: 1n, amount: parseUnits("1000", 18) + 1n });
    l2a.mine(atLimit, above);
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    const id = messageId(above);
    expect((await guardian.message(messageId(atLimit))).state).toBe("signable");
    expect((await guardian.message(id)).state).toBe("awaiting-approval");
    expect((await refusalOf(guardian, [id])).awaitingApproval).toEqual([id]);
    expect((await guardian.pending()).map((v) => v.msgId)).toEqual([id]);

    expect((await guardian.approve(id)).state).toBe("signable");
    expect(await store.isApproved(id)).toBe(true);
    expect(await guardian.pending()).toEqual([]);
    await guardian.attest(attestRequest([id]));
    // Idempotent.
    expect((await guardian.approve(id)).state).toBe("signable");
  });

  it("test_approve_thresholdInTokenDecimals_succeeds: 6-decimal BETA is compared in its own units", async () => {
    const { guardian, l2b, sync } = createTestGuardian({ approvalAbove: "1000" });
    const beta = (amount: string, nonce: bigint) =>
      transfer({
        nonce,
        sourceChainId: BigInt(L2B.chainId),
        sourceGateway: L2B.gateway,
        destChainId: BigInt(L2A.chainId),
        destGateway: L2A.gateway,
        token: BETA,
        amount: parseUnits(amount, 6),
      });
    const small = beta("999.999999", 0n);
    const large = beta("1000.000001", 1n);
    l2b.mine(small, large);
    l2b.mineEmpty(CONFIRMATIONS);
    await sync();
    expect((await guardian.message(messageId(small))).state).toBe("signable");
    expect((await guardian.message(messageId(large))).state).toBe("awaiting-approval");
  });

  it("test_approve_rejectedOrUnknown_reverts", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const bad = transfer({ token: BOB, amount: parseUnits("5000", 18) });
    l2a.mine(bad);
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    await expect(guardian.approve(messageId(bad))).rejects.toBeInstanceOf(ApprovalRefusedError);
    await expect(guardian.approve(messageId(transfer({ nonce: 7n })))).rejects.toBeInstanceOf(MessageNotFoundError);
  });

  it("test_approve_beforeConfirmation_succeeds: an early approval applies once the message is confirmed", async () => {
    const { guardian, l2a, sync } = createTestGuardian({ approvalAbove: "1" });
    const message = transfer({ amount: parseUnits("2", 18) });
    l2a.mine(message);
    await sync();
    expect((await guardian.approve(messageId(message))).state).toBe("unconfirmed");
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    expect((await guardian.message(messageId(message))).state).toBe("signable");
  });
});

describe("Guardian one message per (source chain, nonce)", () => {
  it("test_attest_conflictingNonceAfterReorg_reverts: once a nonce is signed, its replacement is refused", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const first = transfer({ nonce: 0n });
    const block = l2a.mine(first);
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    await guardian.attest(attestRequest([messageId(first)]));

    // A reorg deeper than the confirmation depth puts a different message at the same nonce.
    l2a.reorg(block);
    const second = transfer({ nonce: 0n, recipient: L2A.gateway });
    l2a.mine(second);
    l2a.mineEmpty(CONFIRMATIONS + 1);
    await sync();
    expect(await guardian.message(messageId(second))).toMatchObject({ state: "rejected", reason: "conflicting nonce" });
    const refusal = await refusalOf(guardian, [messageId(second)]);
    expect(refusal.rejected).toEqual([{ msgId: messageId(second), reason: "conflicting nonce" }]);
    // The first one is gone from the chain: unknown, not signable either.
    expect((await refusalOf(guardian, [messageId(first)])).unknown).toEqual([messageId(first)]);
  });

  it("test_attest_blockReorgedOutAfterListing_reverts: the message is unknown again; its replacement is refused", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const first = transfer({ nonce: 0n });
    const block = l2a.mine(first);
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    expect((await guardian.message(messageId(first))).state).toBe("signable");

    l2a.reorg(block);
    const second = transfer({ nonce: 0n, amount: 5n });
    l2a.mine(second);
    l2a.mineEmpty(CONFIRMATIONS);
    // Before the follower notices, signing re-checks the block hash.
    const refusal = await refusalOf(guardian, [messageId(first)]);
    expect(refusal.unknown).toEqual([messageId(first)]);
    await expect(guardian.message(messageId(first))).rejects.toBeInstanceOf(MessageNotFoundError);

    // The guardian signed the first as it listed it, claiming its nonce: a reorg deeper than the
    // confirmation depth after that strands the replacement, as one after any attestation would.
    await sync();
    expect(await guardian.message(messageId(second))).toMatchObject({ state: "rejected", reason: "conflicting nonce" });
    const feed = await guardian.signable.read({ waitMs: 0, limit: 100 });
    expect(feed.messages.map((m) => m.msgId)).toEqual([messageId(first)]);
    expect(feed.attestations.map((a) => a.messages)).toEqual([1]);
  });

  it("test_poll_deepReorgOfScannedBlock_succeeds: the follower rescans and drops what left the chain", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const first = transfer({ nonce: 0n });
    const block = l2a.mine(first);
    l2a.mineEmpty(CONFIRMATIONS + 3);
    await sync();
    l2a.reorg(block);
    l2a.mineEmpty(CONFIRMATIONS + 5);
    await sync();
    await expect(guardian.message(messageId(first))).rejects.toBeInstanceOf(MessageNotFoundError);
    expect(guardian.health().chains[String(L2A.chainId)]!.scannedBlock).toBe(String(l2a.head - BigInt(CONFIRMATIONS)));
  });
});

describe("Guardian chain following", () => {
  it("test_poll_catchUpInBoundedRanges_succeeds: logs are read at most maxBlockRange blocks at a time", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const messages = Array.from({ length: 6 }, (_, i) => transfer({ nonce: BigInt(i) }));
    for (const m of messages) {
      l2a.mine(m);
      l2a.mineEmpty(3);
    }
    const ranges: bigint[] = [];
    const read = l2a.messagesSent.bind(l2a);
    l2a.messagesSent = (from, to) => (ranges.push(to - from + 1n), read(from, to));
    await sync();
    expect(Math.max(...ranges.map(Number))).toBeLessThanOrEqual(TEST_OPTIONS.maxBlockRange);
    for (const m of messages) expect((await guardian.message(messageId(m))).state).toBe("signable");
  });

  it("test_poll_confirmFromKeptTail_succeeds: a block read in the tail is confirmed without reading its logs again", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    await sync();
    const message = transfer();
    const block = l2a.mine(message);
    await guardian.pollOnce(); // the tail now holds `block`
    const reads: [bigint, bigint][] = [];
    const read = l2a.messagesSent.bind(l2a);
    l2a.messagesSent = (from, to) => (reads.push([from, to]), read(from, to));
    for (let i = 0; i < CONFIRMATIONS; i++) {
      l2a.mineEmpty(1);
      await guardian.pollOnce();
    }
    expect((await guardian.message(messageId(message))).state).toBe("signable");
    // Read again only within the next head's tail (which shows the unconfirmed blocks), not by
    // the scan that confirmed it.
    expect(reads.filter(([from, to]) => from <= block && block <= to)).toEqual([[block, block + 1n]]);
    await guardian.attest(attestRequest([messageId(message)]));
  });

  it("test_poll_tailBlockReorgedBeforeConfirmation_reverts: kept logs of a replaced block are not confirmed", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    await sync();
    const first = transfer({ nonce: 0n });
    const block = l2a.mine(first);
    l2a.mineEmpty(CONFIRMATIONS - 1);
    await guardian.pollOnce(); // `block` is in the tail, one block short of confirmation
    expect((await guardian.message(messageId(first))).state).toBe("unconfirmed");

    // Replaced under the same number before the follower polls again: the confirming scan finds
    // another hash there and reads the block anew.
    l2a.reorg(block);
    const second = transfer({ nonce: 0n, amount: 5n });
    l2a.mine(second);
    l2a.mineEmpty(CONFIRMATIONS);
    await guardian.pollOnce();
    expect((await guardian.message(messageId(second))).state).toBe("signable");
    await expect(guardian.message(messageId(first))).rejects.toBeInstanceOf(MessageNotFoundError);
  });

  it("test_poll_unchangedHead_succeeds: an idle chain costs one head read per poll", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    await sync();
    const before = l2a.calls;
    await guardian.pollOnce();
    expect(l2a.calls - before).toBe(1);
  });
});

describe("Guardian guardian set", () => {
  /** A guardian that has signed one confirmed message (so the destination's set is cached). */
  async function signedOnce() {
    const t = createTestGuardian();
    const message = transfer();
    t.l2a.mine(message);
    t.l2a.mineEmpty(CONFIRMATIONS);
    await t.sync();
    const id = messageId(message);
    await t.guardian.attest(attestRequest([id]));
    return { ...t, id };
  }

  it("test_attest_removedByRotation_reverts: a rotation on the destination is picked up after the cache time", async () => {
    const { guardian, l2b, clock, id } = await signedOnce();

    l2b.guardianSets.push([guardianAccounts[1]!.address]);
    // Cached index: still signs under set 0 for a few seconds (the old set stays valid in its grace).
    expect((await guardian.attest(attestRequest([id]))).guardianSetIndex).toBe(0);
    clock.ms += 6_000;
    const refusal = await refusalOf(guardian, [id]);
    expect(refusal.error).toMatch(/is not in the current guardian set \(index 1\) of chain 902/);

    l2b.guardianSets.push(guardianAccounts.map((a) => a.address));
    clock.ms += 6_000;
    expect((await guardian.attest(attestRequest([id]))).guardianSetIndex).toBe(2);
  });

  it("test_attest_setIndexPastHalfItsCacheTime_succeeds: served from the cache while it is re-read behind the request", async () => {
    const { guardian, l2b, clock, id } = await signedOnce();

    // The destination rotates this guardian out, and its node is slow to answer the next read.
    l2b.guardianSets.push([guardianAccounts[1]!.address]);
    let answer!: () => void;
    const slow = new Promise<void>((resolve) => (answer = resolve));
    const read = l2b.guardianSetIndex.bind(l2b);
    l2b.guardianSetIndex = async () => {
      await slow;
      return read();
    };
    clock.ms += 3_000; // past half the 5 s cache time, within it
    // Signed under the cached index without waiting for the read it started.
    expect((await guardian.attest(attestRequest([id]))).guardianSetIndex).toBe(0);
    answer();
    await new Promise((resolve) => setImmediate(resolve));
    // The rotation is seen before the cache time is up.
    const refusal = await refusalOf(guardian, [id]);
    expect(refusal.error).toMatch(/is not in the current guardian set \(index 1\) of chain 902/);
  });
});

describe("Guardian health", () => {
  it("test_health_staleView_reverts: ok once every chain is scanned, not ok when a view ages", async () => {
    const { guardian, l2a, clock, sync } = createTestGuardian();
    expect(guardian.health().ok).toBe(false);
    await sync();
    const health = guardian.health();
    expect(health).toMatchObject({ ok: true, guardian: guardianAccounts[0]!.address, lastSignedAt: null });
    expect(health.chains[String(L2A.chainId)]).toEqual({
      scannedBlock: String(l2a.head - BigInt(CONFIRMATIONS)),
      headBlock: String(l2a.head),
      lagSeconds: CONFIRMATIONS,
    });
    clock.ms += 61_000;
    expect(guardian.health().ok).toBe(false);
  });

  it("test_health_lastSignedAt_succeeds", async () => {
    const { guardian, l2a, clock, sync } = createTestGuardian();
    const message = transfer();
    l2a.mine(message);
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    await guardian.attest(attestRequest([messageId(message)]));
    expect(guardian.health().lastSignedAt).toBe(Math.floor(clock.ms / 1000));
  });

  it("test_metrics_names_succeeds: the documented metric names are registered", async () => {
    const { guardian, l2a, registry, sync } = createTestGuardian();
    const message = transfer({ amount: parseUnits("5000", 18) });
    l2a.mine(message);
    l2a.mineEmpty(CONFIRMATIONS);
    await sync();
    await guardian.attest(attestRequest([messageId(message)])).catch(() => undefined);
    const text = await registry.metrics();
    expect(text).toContain(`bridge_guardian_messages_observed_total{source_chain_id="${L2A.chainId}"} 1`);
    expect(text).toContain('bridge_guardian_refusals_total{reason="awaiting_approval"} 1');
    expect(text).toContain("bridge_guardian_pending_approvals 1");
    expect(text).toContain(`bridge_guardian_scanned_block{chain_id="${L2A.chainId}"}`);
    expect(text).toContain(`bridge_guardian_head_lag_seconds{chain_id="${L2A.chainId}"}`);
    expect(text).toContain("bridge_guardian_last_signed_timestamp_seconds 0");
  });
});
