/**
 * `web/src/escape.ts`: the escape panel's steps for every stage the SDK's escape engine reports
 * (`observeEscape`), both ways home (refund on the source chain, refund on L1), and which step
 * the user signs on which chain.
 */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import type { EscapeStage, EscapeState, EscapeWithdrawal, SentRecord } from "@portcullis/sdk";
import { escapePlan, escapeSettled, type EscapePlan } from "../../../web/src/escape.js";

const L1 = { chainId: 900, name: "l1" };
const CANCEL_TX = `0x${"cc".repeat(32)}` as Hex;
const REFUND_TX = `0x${"dd".repeat(32)}` as Hex;

/** The fields of a sent record the plan reads (the route and the token's L1 origin). */
function sent(l1Token?: Hex): SentRecord {
  return {
    msgId: `0x${"22".repeat(32)}`,
    source: { name: "l2a", chainId: 901 },
    dest: { name: "l2b", chainId: 902 },
    token: { symbol: "ALPHA", ...(l1Token ? { l1Token } : {}) },
  } as unknown as SentRecord;
}

function withdrawal(status: EscapeWithdrawal["status"], waitSeconds?: number): EscapeWithdrawal {
  return { chain: "l2b", status, ...(waitSeconds === undefined ? {} : { waitSeconds }) } as EscapeWithdrawal;
}

/** Before the cancellation the chain knows no choice; after it, `refundOnL1` is its record. */
function state(stage: EscapeStage, cancelled?: { refundOnL1: boolean }, l1Token?: Hex): EscapeState {
  return {
    sent: sent(l1Token),
    stage,
    ...(cancelled ? { cancelTx: CANCEL_TX, refundOnL1: cancelled.refundOnL1 } : {}),
  };
}

const steps = (plan: EscapePlan) => plan.steps.map((s) => `${s.key}:${s.state}`);
const plan = (s: EscapeState, refundOnL1 = false) => escapePlan(s, { l1: L1, refundOnL1 });

describe("escapePlan", () => {
  it("a delivered transfer has nothing to escape", () => {
    const p = plan(state({ stage: "not-escapable", reason: "it was delivered and executed." }));
    expect(p).toEqual({ escapable: false, steps: [], done: false, canChooseL1: false });
    expect(escapeSettled(state({ stage: "not-escapable", reason: "x" }))).toBe(true);
  });

  it("before the deadline it waits, and nothing is the user's to sign", () => {
    const p = plan(state({ stage: "waiting-deadline", deadline: 100, now: 90 }));
    expect(steps(p)).toEqual(["deadline:current", "cancel:todo", "prove:todo", "finalize:todo", "refund:todo"]);
    expect(p.action).toBeUndefined();
    expect(p.steps.map((s) => s.title)).toEqual([
      "Deadline passes on l2b",
      "Cancel on l2b",
      "Prove the cancellation on l1",
      "Finalize the cancellation on l1",
      "Refund on l2a",
    ]);
  });

  it("past the deadline the user cancels on the destination", () => {
    const p = plan(state({ stage: "cancellable" }));
    expect(steps(p).slice(0, 2)).toEqual(["deadline:done", "cancel:current"]);
    expect(p.action).toEqual({ kind: "cancel", label: "Cancel on l2b", chainId: 902 });
    expect(escapeSettled(state({ stage: "cancellable" }))).toBe(false);
  });

  it("the cancellation waits for an output root, then the user proves it on L1", () => {
    const cancelled = { refundOnL1: false };
    const waiting = plan(
      state({ stage: "proving", leg: "cancel", withdrawal: withdrawal("waiting-to-prove", 4) }, cancelled),
    );
    expect(steps(waiting)).toEqual(["deadline:done", "cancel:done", "prove:current", "finalize:todo", "refund:todo"]);
    expect(waiting.action).toBeUndefined();

    const ready = plan(state({ stage: "proving", leg: "cancel", withdrawal: withdrawal("ready-to-prove") }, cancelled));
    expect(steps(ready)[2]).toBe("prove:current");
    expect(ready.action).toEqual({ kind: "prove", label: "Prove on l1", chainId: 900 });
  });

  it("a proven cancellation waits out the finalization window, then the user finalizes it on L1", () => {
    const cancelled = { refundOnL1: false };
    const waiting = plan(
      state({ stage: "proving", leg: "cancel", withdrawal: withdrawal("waiting-to-finalize", 6) }, cancelled),
    );
    expect(steps(waiting).slice(2)).toEqual(["prove:done", "finalize:current", "refund:todo"]);
    expect(waiting.action).toBeUndefined();

    const ready = plan(
      state({ stage: "proving", leg: "cancel", withdrawal: withdrawal("ready-to-finalize") }, cancelled),
    );
    expect(ready.action).toEqual({ kind: "finalize", label: "Finalize on l1", chainId: 900 });
  });

  it("finalized, it waits for the source to execute the refund; then it is done", () => {
    const cancelled = { refundOnL1: false };
    const awaiting = plan(state({ stage: "awaiting-refund", depositNote: "finalized on L1" }, cancelled));
    expect(steps(awaiting).slice(3)).toEqual(["finalize:done", "refund:current"]);
    expect(awaiting.action).toBeUndefined();
    expect(awaiting.done).toBe(false);

    const doneState = state({ stage: "done", onL1: false, refundTx: REFUND_TX }, cancelled);
    const done = plan(doneState);
    expect(done.steps.every((s) => s.state === "done")).toBe(true);
    expect(done.done).toBe(true);
    expect(done.action).toBeUndefined();
    expect(escapeSettled(doneState)).toBe(true);
  });

  it("the refund on L1 adds the withdrawal's prove and finalize, signed on L1", () => {
    const cancelled = { refundOnL1: true };
    const ready = plan(
      state({ stage: "proving", leg: "l1-withdrawal", withdrawal: withdrawal("ready-to-prove") }, cancelled),
    );
    expect(steps(ready)).toEqual([
      "deadline:done",
      "cancel:done",
      "prove:done",
      "finalize:done",
      "refund:done",
      "l1-prove:current",
      "l1-finalize:todo",
    ]);
    expect(ready.steps[4]!.title).toBe("Refund leaves l2a for l1");
    expect(ready.action).toEqual({ kind: "prove", label: "Prove on l1", chainId: 900 });

    const finalize = plan(
      state({ stage: "proving", leg: "l1-withdrawal", withdrawal: withdrawal("ready-to-finalize") }, cancelled),
    );
    expect(steps(finalize).slice(5)).toEqual(["l1-prove:done", "l1-finalize:current"]);
    expect(finalize.action?.kind).toBe("finalize");

    const done = plan(state({ stage: "done", onL1: true, refundTx: REFUND_TX }, cancelled));
    expect(steps(done)).toHaveLength(7);
    expect(done.steps.every((s) => s.state === "done")).toBe(true);
  });

  it("after the cancellation the chain's record decides the way home, not the page's choice", () => {
    const s = state(
      { stage: "proving", leg: "cancel", withdrawal: withdrawal("ready-to-prove") },
      { refundOnL1: false },
    );
    expect(steps(plan(s, true))).toHaveLength(5);
    const onL1 = state({ stage: "awaiting-refund", depositNote: "" }, { refundOnL1: true });
    expect(steps(plan(onL1, false))).toHaveLength(7);
  });

  it("a refund asked on L1 but paid on the source (no L1 origin) ends without the L1 steps", () => {
    const done = plan(state({ stage: "done", onL1: false, refundTx: REFUND_TX }, { refundOnL1: true }));
    expect(steps(done)).toHaveLength(5);
    expect(done.steps[4]!.title).toBe("Refund on l2a");
  });

  it("the refund on L1 is offered before the cancellation, for a token with an L1 origin only", () => {
    const l1Token = `0x${"ab".repeat(20)}` as Hex;
    expect(plan(state({ stage: "cancellable" }, undefined, l1Token)).canChooseL1).toBe(true);
    expect(plan(state({ stage: "waiting-deadline", deadline: 2, now: 1 }, undefined, l1Token)).canChooseL1).toBe(true);
    expect(plan(state({ stage: "cancellable" })).canChooseL1).toBe(false);
    const after = state({ stage: "awaiting-refund", depositNote: "" }, { refundOnL1: false }, l1Token);
    expect(plan(after).canChooseL1).toBe(false);
    // Chosen before the cancellation, the page's choice shapes the steps shown.
    expect(steps(plan(state({ stage: "cancellable" }, undefined, l1Token), true))).toHaveLength(7);
  });
});
