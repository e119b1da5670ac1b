/**
 * The signable feed: the in-memory log (order, each message once, cursors, long poll, resets
 * after a restart or retention) and the guardian publishing to it (confirmed at depth, approved
 * by the operator; never what it would refuse), with its signatures of what it listed (a source
 * block's messages to one destination, in batch order).
 */
import { describe, expect, it } from "vitest";
import { parseUnits, type Hex } from "viem";
import { attestationSigner } from "../../../core/attestation.js";
import { orderBatch } from "../../../core/batch-order.js";
import type { ListedAttestation } from "../../../core/guardian-api.js";
import { merkleRoot } from "../../../core/merkle.js";
import { messageId, messageToJson } from "../../../core/message.js";
import { SignableFeed } from "../../../guardian/signable.js";
import {
  BETA,
  createTestGuardian,
  FIXTURE_PAYMENT,
  guardianAccounts,
  L2A,
  L2B,
  transfer,
  type TestGuardian,
} from "./fixture.js";

const entry = (nonce: bigint) => {
  const message = transfer({ nonce });
  return { msgId: messageId(message), message, blockNumber: 7n, payment: { fee: 3n + nonce, quote: 3n } };
};

describe("SignableFeed", () => {
  it("test_read_inOrderOncePerMessage_succeeds: a cursor continues where the last read ended", async () => {
    const feed = new SignableFeed();
    feed.publish([entry(0n), entry(1n)]);
    feed.publish([entry(1n), entry(2n)]);
    const first = await feed.read({ waitMs: 0, limit: 2 });
    expect(first.messages.map((m) => m.msgId)).toEqual([entry(0n).msgId, entry(1n).msgId]);
    expect(first.reset).toBe(false);
    const second = await feed.read({ after: first.cursor, waitMs: 0, limit: 10 });
    expect(second.messages.map((m) => m.msgId)).toEqual([entry(2n).msgId]);
    expect(second.messages[0]).toEqual({
      msgId: entry(2n).msgId,
      message: messageToJson(entry(2n).message),
      blockNumber: "7",
      payment: { fee: "5", quote: "3" },
    });
    const third = await feed.read({ after: second.cursor, waitMs: 0, limit: 10 });
    expect(third.messages).toEqual([]);
    expect(third.cursor).toBe(second.cursor);
  });

  it("test_read_longPoll_wakesOnPublish_succeeds", async () => {
    const feed = new SignableFeed();
    const { cursor } = await feed.read({ waitMs: 0, limit: 10 });
    const started = Date.now();
    const waiting = feed.read({ after: cursor, waitMs: 20_000, limit: 10 });
    setTimeout(() => feed.publish([entry(5n)]), 20);
    const batch = await waiting;
    expect(batch.messages.map((m) => m.msgId)).toEqual([entry(5n).msgId]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("test_read_longPoll_endsEmptyOnTimeoutOrClose_succeeds", async () => {
    const feed = new SignableFeed();
    const { cursor } = await feed.read({ waitMs: 0, limit: 10 });
    expect((await feed.read({ after: cursor, waitMs: 30, limit: 10 })).messages).toEqual([]);
    const waiting = feed.read({ after: cursor, waitMs: 20_000, limit: 10 });
    feed.close();
    expect((await waiting).messages).toEqual([]);
  });

  it("test_read_cursorOfAnotherFeed_resetsToOldest_succeeds: a guardian restart starts clients over", async () => {
    const before = new SignableFeed();
    before.publish([entry(0n)]);
    const { cursor } = await before.read({ waitMs: 0, limit: 10 });
    const after = new SignableFeed();
    after.publish([entry(0n), entry(1n)]);
    const batch = await after.read({ after: cursor, waitMs: 0, limit: 10 });
    expect(batch.reset).toBe(true);
    expect(batch.messages).toHaveLength(2);
    expect((await after.read({ after: "garbage", waitMs: 0, limit: 10 })).reset).toBe(true);
  });

  it("test_read_cursorOlderThanRetention_resets_succeeds: entries dropped unread are reported", async () => {
    const clock = { ms: 0 };
    const feed = new SignableFeed({ retentionMs: 1_000, maxEntries: 2, now: () => clock.ms });
    feed.publish([entry(0n)]);
    const { cursor } = await feed.read({ waitMs: 0, limit: 10 });
    feed.publish([entry(1n), entry(2n), entry(3n)]);
    const batch = await feed.read({ after: cursor, waitMs: 0, limit: 10 });
    expect(batch.reset).toBe(true);
    expect(batch.messages.map((m) => m.msgId)).toEqual([entry(2n).msgId, entry(3n).msgId]);
    clock.ms = 5_000;
    expect((await feed.read({ waitMs: 0, limit: 10 })).messages).toEqual([]);
    expect(feed.size).toBe(0);
  });
});

describe("SignableFeed attestations", () => {
  const signed = (root: Hex): ListedAttestation => ({
    destChainId: 902,
    destGateway: "0x00000000000000000000000000000000000000aa",
    sourceChainId: 901,
    blockNumber: "7",
    messages: 2,
    guardianSetIndex: 0,
    root,
    signature: `0x${"11".repeat(65)}`,
  });

  it("test_read_attestationsShareTheCursor_succeeds: one cursor pages through messages and attestations in order", async () => {
    const feed = new SignableFeed();
    feed.publish([entry(0n), entry(1n)]);
    feed.publishAttestations([signed(`0x${"aa".repeat(32)}`)]);
    feed.publish([entry(2n)]);
    const first = await feed.read({ waitMs: 0, limit: 2 });
    expect(first.messages.map((m) => m.msgId)).toEqual([entry(0n).msgId, entry(1n).msgId]);
    expect(first.attestations).toEqual([]);
    const second = await feed.read({ after: first.cursor, waitMs: 0, limit: 10 });
    expect(second.attestations).toEqual([signed(`0x${"aa".repeat(32)}`)]);
    expect(second.messages.map((m) => m.msgId)).toEqual([entry(2n).msgId]);
    // An attestation is not a listing: the message it covers is still listed once.
    expect(feed.has(entry(1n).msgId)).toBe(true);
    expect(feed.publish([entry(1n)])).toBe(0);
  });

  it("test_read_longPoll_wakesOnAttestation_succeeds", async () => {
    const feed = new SignableFeed();
    feed.publish([entry(0n)]);
    const { cursor } = await feed.read({ waitMs: 0, limit: 10 });
    const waiting = feed.read({ after: cursor, waitMs: 5_000, limit: 10 });
    feed.publishAttestations([signed(`0x${"bb".repeat(32)}`)]);
    const answer = await waiting;
    expect(answer.messages).toEqual([]);
    expect(answer.attestations.map((a) => a.root)).toEqual([`0x${"bb".repeat(32)}`]);
  });

  it("test_prune_dropsAttestationsWithTheirAge_succeeds: retention applies to both kinds", async () => {
    let now = 0;
    const feed = new SignableFeed({ retentionMs: 1_000, now: () => now });
    feed.publish([entry(0n)]);
    feed.publishAttestations([signed(`0x${"cc".repeat(32)}`)]);
    expect(feed.listedAttestation(`0x${"CC".repeat(32)}`)).toEqual(signed(`0x${"cc".repeat(32)}`));
    now = 5_000;
    feed.publish([entry(1n)]);
    const all = await feed.read({ waitMs: 0, limit: 10 });
    expect(all.messages.map((m) => m.msgId)).toEqual([entry(1n).msgId]);
    expect(all.attestations).toEqual([]);
    expect(feed.listedAttestation(`0x${"cc".repeat(32)}`)).toBeUndefined();
    // Its message left with its age: listed again if published again.
    expect(feed.has(entry(0n).msgId)).toBe(false);
  });
});

describe("Guardian signatures of what it lists", () => {
  const attestationsOf = async (t: TestGuardian) =>
    (await t.guardian.signable.read({ waitMs: 0, limit: 1_000 })).attestations;

  it("test_signListed_oneGroupPerBlockAndDestination_succeeds: batch order, the set's index, a valid signature", async () => {
    const t = createTestGuardian();
    // l2a's block one: two messages to l2b, out of batch order (nonce 1 before 0); block two:
    // one more. And one the other way, l2b -> l2a, in l2b's own block.
    const a = [transfer({ nonce: 1n }), transfer({ nonce: 0n }), transfer({ nonce: 2n })];
    const blockOne = t.l2a.mine(a[0]!, a[1]!);
    const blockTwo = t.l2a.mine(a[2]!);
    const back = transfer({
      nonce: 0n,
      token: BETA,
      amount: 1n, // under BETA's approval threshold
      sourceChainId: BigInt(L2B.chainId),
      sourceGateway: L2B.gateway,
      destChainId: BigInt(L2A.chainId),
      destGateway: L2A.gateway,
    });
    const backBlock = t.l2b.mine(back);
    t.l2a.mineEmpty(2);
    t.l2b.mineEmpty(2);
    await t.sync();

    const listed = await attestationsOf(t);
    const group = (ms: typeof a) =>
      orderBatch(ms.map((message) => ({ msgId: messageId(message), message }))).map((m) => m.msgId);
    const expected = [
      { dest: L2B, source: L2A, block: blockOne, ids: group([a[0]!, a[1]!]) },
      { dest: L2B, source: L2A, block: blockTwo, ids: group([a[2]!]) },
      { dest: L2A, source: L2B, block: backBlock, ids: group([back]) },
    ];
    expect(listed).toHaveLength(expected.length);
    for (const e of expected) {
      const attestation = listed.find((l) => l.sourceChainId === e.source.chainId && l.blockNumber === String(e.block));
      expect(attestation).toMatchObject({
        destChainId: e.dest.chainId,
        destGateway: e.dest.gateway,
        messages: e.ids.length,
        guardianSetIndex: 0,
        root: merkleRoot(e.ids).toLowerCase(),
      });
      const domain = { destChainId: BigInt(e.dest.chainId), destGateway: e.dest.gateway };
      expect(await attestationSigner(domain, attestation!.root, 0, attestation!.signature as Hex)).toBe(
        guardianAccounts[0]!.address,
      );
    }
    // Batch order: nonce 0 first in block one.
    expect(group([a[0]!, a[1]!])[0]).toBe(messageId(a[1]!));
    // Listed once, signed once.
    await t.sync();
    expect(await attestationsOf(t)).toHaveLength(expected.length);
  });

  it("test_signListed_notInTheDestinationSet_signsNothing_succeeds: listed, but no signature", async () => {
    const t = createTestGuardian();
    t.l2b.guardianSets.push([guardianAccounts[1]!.address]);
    const message = transfer();
    t.l2a.mine(message);
    t.l2a.mineEmpty(2);
    await t.sync();
    const feed = await t.guardian.signable.read({ waitMs: 0, limit: 100 });
    expect(feed.messages.map((m) => m.msgId)).toEqual([messageId(message)]);
    expect(feed.attestations).toEqual([]);
  });

  it("test_signListed_claimsTheNonces_succeeds: a signed message's nonce is claimed before anyone asks", async () => {
    const t = createTestGuardian();
    const message = transfer({ nonce: 4n });
    t.l2a.mine(message);
    t.l2a.mineEmpty(2);
    await t.sync();
    expect(await t.store.claimOf(BigInt(L2A.chainId), 4n)).toBe(messageId(message));
  });

  it("test_signListed_awaitingApproval_notSigned_succeeds: only what was listed is signed", async () => {
    const t = createTestGuardian({ approvalAbove: "1000" });
    const large = transfer({ nonce: 0n, amount: parseUnits("5000", 18) });
    const small = transfer({ nonce: 1n });
    t.l2a.mine(large, small);
    t.l2a.mineEmpty(2);
    await t.sync();
    const [only] = await attestationsOf(t);
    expect(only).toMatchObject({ messages: 1, root: messageId(small).toLowerCase() });
    expect(await t.store.claimOf(BigInt(L2A.chainId), 0n)).toBeUndefined();
  });
});

describe("Guardian signable feed", () => {
  const ids = async (guardian: ReturnType<typeof createTestGuardian>["guardian"], after?: string) =>
    (await guardian.signable.read({ after, waitMs: 0, limit: 100 })).messages.map((m) => m.msgId as Hex);

  it("test_publish_confirmedAtDepth_succeeds: listed once confirmed, not while unconfirmed", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const message = transfer();
    l2a.mine(message);
    await sync();
    expect(await ids(guardian)).toEqual([]);
    l2a.mineEmpty(2);
    await sync();
    expect(await ids(guardian)).toEqual([messageId(message)]);
    await sync();
    expect(await ids(guardian)).toEqual([messageId(message)]);
    // With what it paid, as read from its MessageSent log.
    const [listed] = (await guardian.signable.read({ waitMs: 0, limit: 100 })).messages;
    expect(listed?.payment).toEqual({ fee: String(FIXTURE_PAYMENT.fee), quote: String(FIXTURE_PAYMENT.quote) });
  });

  it("test_publish_awaitingApprovalThenApproved_succeeds: listed when the operator approves", async () => {
    const { guardian, l2a, sync } = createTestGuardian({ approvalAbove: "1000" });
    const large = transfer({ nonce: 0n, amount: parseUnits("5000", 18) });
    const small = transfer({ nonce: 1n });
    l2a.mine(large, small);
    l2a.mineEmpty(2);
    await sync();
    expect(await ids(guardian)).toEqual([messageId(small)]);
    await guardian.approve(messageId(large));
    expect(await ids(guardian)).toEqual([messageId(small), messageId(large)]);
    const approved = (await guardian.signable.read({ waitMs: 0, limit: 100 })).messages[1];
    expect(approved?.payment).toEqual({ fee: String(FIXTURE_PAYMENT.fee), quote: String(FIXTURE_PAYMENT.quote) });
  });

  it("test_publish_rejected_neverListed_succeeds", async () => {
    const { guardian, l2a, sync } = createTestGuardian();
    const wrongSource = transfer({ sourceChainId: 999n });
    l2a.mine(wrongSource);
    l2a.mineEmpty(2);
    await sync();
    expect(await ids(guardian)).toEqual([]);
  });
  it("test_run_listsWhatItConfirms_succeeds: the follow loop lists a message without waiting for the books' loop", async () => {
    const { guardian, l2a } = createTestGuardian();
    const message = transfer();
    l2a.mine(message);
    l2a.mineEmpty(2);
    const controller = new AbortController();
    const running = guardian.run(controller.signal);
    try {
      // The follower confirms it and lists it in the same round (the books are read first when
      // they do not cover it yet); a long poll wakes on it.
      let listed: Hex[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20 && listed.length === 0; i++) {
        const batch = await guardian.signable.read({ after: cursor, waitMs: 1_000, limit: 100 });
        cursor = batch.cursor;
        listed = batch.messages.map((m) => m.msgId as Hex);
      }
      expect(listed).toEqual([messageId(message)]);
    } finally {
      controller.abort();
      await running;
    }
  });
});
