/**
 * The delivery check's bookkeeping (monitor/ledger.ts, monitor/checks/pending.ts): what counts
 * as pending and in flight, backlog per route, the SLO cut, latency of executions seen before
 * their send, and forgetting sends after a reorg.
 */
import { describe, expect, it } from "vitest";
import { getAddress, keccak256, numberToHex, toHex, type Hex } from "viem";
import { MESSAGE_VERSION, type Message } from "../../../core/message.js";
import { MessageLedger } from "../../../monitor/ledger.js";
import { backlogByRoute, overdue } from "../../../monitor/checks/pending.js";

const addr = (n: number) => getAddress(numberToHex(n, { size: 20 }));
const id = (s: string): Hex => keccak256(toHex(s));

function message(nonce: bigint, source = 901n, dest = 902n): Message {
  return {
    version: MESSAGE_VERSION,
    nonce,
    sourceChainId: source,
    destChainId: dest,
    sourceGateway: addr(Number(source)),
    destGateway: addr(Number(dest)),
    sender: addr(1),
    recipient: addr(2),
    tokenChainId: source,
    token: addr(3),
    amount: 10n,
    deadline: 2_000_000_000n,
    dropOff: 0n,
  };
}

const ROUTES = [
  [901, 902],
  [902, 901],
] as const;

describe("MessageLedger and backlog", () => {
  it("test_backlog_pendingQueuedExecuted_countsOnlyUndelivered", () => {
    const ledger = new MessageLedger();
    ledger.recordSent(id("a"), message(0n), 10n, 1_000);
    ledger.recordSent(id("b"), message(1n), 11n, 1_010);
    ledger.recordSent(id("c"), message(2n), 12n, 1_020);
    ledger.markQueued(id("b"));
    ledger.complete(id("c"), 1_030);

    expect(ledger.undelivered().map((m) => m.msgId)).toEqual([id("a")]);
    expect(ledger.inFlight().map((m) => m.msgId)).toEqual([id("a"), id("b")]);
    expect(backlogByRoute(ledger.undelivered(), ROUTES, 1_100)).toEqual([
      { sourceChainId: 901, destChainId: 902, count: 1, oldestAgeSeconds: 100 },
      { sourceChainId: 902, destChainId: 901, count: 0, oldestAgeSeconds: 0 },
    ]);
  });

  it("test_overdue_olderThanSlo_oldestFirst", () => {
    const ledger = new MessageLedger();
    ledger.recordSent(id("new"), message(0n), 10n, 1_095);
    ledger.recordSent(id("old"), message(1n), 11n, 1_000);
    ledger.recordSent(id("older"), message(2n), 12n, 900);
    expect(overdue(ledger.undelivered(), 1_100, 60).map((m) => m.msgId)).toEqual([id("older"), id("old")]);
  });

  it("test_recordSent_executionSeenFirst_reportsItsTimeAndNeverPends", () => {
    const ledger = new MessageLedger();
    expect(ledger.complete(id("x"), 1_050)).toBeUndefined();
    expect(ledger.recordSent(id("x"), message(0n), 10n, 1_000)).toEqual({ isNew: true, executedAt: 1_050 });
    expect(ledger.inFlight()).toEqual([]);
    // Seen again (a rescan): not new, not revived.
    expect(ledger.recordSent(id("x"), message(0n), 10n, 1_000)).toEqual({ isNew: false });
    expect(ledger.inFlight()).toEqual([]);
  });

  it("test_dropSentAfter_reorg_forgetsOnlyThatChainsLaterSends", () => {
    const ledger = new MessageLedger();
    ledger.recordSent(id("kept"), message(0n), 10n, 1_000);
    ledger.recordSent(id("dropped"), message(1n), 20n, 1_010);
    ledger.recordSent(id("other chain"), message(0n, 902n, 901n), 20n, 1_010);
    expect(ledger.dropSentAfter(901n, 15n)).toBe(1);
    expect(ledger.inFlight().map((m) => m.msgId)).toEqual([id("kept"), id("other chain")]);
  });
});
