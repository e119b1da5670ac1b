/**
 * The signable feed: the in-memory log (order, each message once, cursors, long poll, resets
 * after a restart or retention) and the guardian publishing to it (confirmed at depth, approved
 * by the operator; never what it would refuse).
 */
import { describe, expect, it } from "vitest";
import { parseUnits, type Hex } from "viem";
import { messageId, messageToJson } from "../../../core/message.js";
import { SignableFeed } from "../../../guardian/signable.js";
import { createTestGuardian, FIXTURE_PAYMENT, transfer } from "./fixture.js";

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
