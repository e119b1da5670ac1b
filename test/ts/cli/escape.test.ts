/**
 * The offline parts of `bridge escape`: the sentence printed for every stage (finding the one
 * message a reference names is `BridgeClient.findMessage`, test/ts/sdk/client.test.ts). The flow itself runs on the devnet in
 * test/integration/escape.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { escapeStageText, type EscapeState } from "../../../cli/escape.js";
import type { SentRecord } from "@portcullis/sdk";

const sent = { msgId: `0x${"ab".repeat(32)}` } as unknown as SentRecord;
const hash = `0x${"cd".repeat(32)}` as Hex;
const withdrawal = { nonce: 3n, sender: `0x${"11".repeat(20)}`, target: `0x${"22".repeat(20)}`, data: "0x" } as const;

function text(stage: EscapeState["stage"], now = 1_000): string {
  return escapeStageText({ sent, stage }, now);
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
    const proving = (status: Parameters<typeof escapeStageText>[0]["stage"] & { stage: "proving" }) => text(status);
    expect(
      proving({
        stage: "proving",
        leg: "cancel",
        withdrawal: { chain: "l2b", withdrawal, status: { state: "unproposed", withdrawalHash: hash } },
      }),
    ).toBe("cancellation: waiting for l2b's next output root on L1");
    expect(
      proving({
        stage: "proving",
        leg: "cancel",
        withdrawal: {
          chain: "l2b",
          withdrawal,
          status: { state: "proposed", withdrawalHash: hash, outputIndex: 0n, finalAt: 1_006 },
        },
      }),
    ).toBe("cancellation: in finalization window, final in 6s");
    expect(
      proving({
        stage: "proving",
        leg: "l1-withdrawal",
        withdrawal: { chain: "l2a", withdrawal, status: { state: "final", withdrawalHash: hash, outputIndex: 1n } },
      }),
    ).toBe("L1 withdrawal: final, ready to prove on L1");
    expect(text({ stage: "done", onL1: false, refundTx: hash })).toBe("refunded to the sender on the source chain");
    expect(text({ stage: "done", onL1: true, refundTx: hash })).toBe("refunded: tokens released to the sender on L1");
  });

  it("never counts down below zero", () => {
    expect(text({ stage: "waiting-deadline", deadline: 990, now: 1_000 })).toContain("(0s");
  });
});
