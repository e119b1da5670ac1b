/**
 * The offline part of `bridge escape`: the sentence printed for every stage (the SDK's
 * `escapeStageText`). Message references are refused before any chain is contacted by
 * `BridgeClient.findMessage` (test/ts/sdk/errors.test.ts). The flow itself runs on the devnet in
 * test/integration/escape.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { escapeStageText, type EscapeState, type EscapeWithdrawal, type SentRecord } from "@portcullis/sdk";

const sent = { msgId: `0x${"ab".repeat(32)}` } as unknown as SentRecord;
const hash = `0x${"cd".repeat(32)}` as Hex;
const withdrawal = {} as EscapeWithdrawal["withdrawal"];
const receipt = {} as EscapeWithdrawal["receipt"];

function text(stage: EscapeState["stage"]): string {
  return escapeStageText({ sent, stage });
}

function proving(
  leg: "cancel" | "l1-withdrawal",
  chain: string,
  status: EscapeWithdrawal["status"],
  waitSeconds?: number,
): string {
  return text({
    stage: "proving",
    leg,
    withdrawal: { chain, receipt, withdrawal, status, ...(waitSeconds === undefined ? {} : { waitSeconds }) },
  });
}

describe("escapeStageText", () => {
  it("says what each stage waits for, with the time left when it is known", () => {
    expect(text({ stage: "not-escapable", reason: "it was delivered and paid out." })).toBe(
      "cannot escape: it was delivered and paid out.",
    );
    expect(text({ stage: "waiting-deadline", deadline: 1_030, now: 1_000 })).toBe(
      "waiting for the deadline (30s on the destination's clock)",
    );
    expect(text({ stage: "cancellable" })).toBe("deadline passed: ready to cancel on the destination");
    expect(proving("cancel", "l2b", "waiting-to-prove", 4)).toBe(
      "cancellation: waiting for l2b's next output root on L1 (about 4s)",
    );
    expect(proving("cancel", "l2b", "ready-to-prove")).toBe("cancellation: output root posted, ready to prove on L1");
    expect(proving("cancel", "l2b", "waiting-to-finalize", 604_800)).toBe(
      "cancellation: proven; in the finalization window (about 604800s)",
    );
    expect(proving("l1-withdrawal", "l2a", "ready-to-finalize")).toBe("L1 withdrawal: final, ready to finalize on L1");
    expect(text({ stage: "done", onL1: false, refundTx: hash })).toBe("refunded to the sender on the source chain");
    expect(text({ stage: "done", onL1: true, refundTx: hash })).toBe("refunded: tokens released to the sender on L1");
  });

  it("never counts down below zero", () => {
    expect(text({ stage: "waiting-deadline", deadline: 990, now: 1_000 })).toContain("(0s");
    expect(proving("cancel", "l2b", "waiting-to-finalize", -3)).toContain("(about 0s)");
  });
});
