/**
 * The offline parts of `bridge escape`: the sentence printed for every stage, and input refused
 * before any chain is contacted. The flow itself runs on the devnet in
 * test/integration/escape.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { escapeStageText, type EscapeState } from "../../../cli/escape.js";
import { findOne } from "../../../cli/escape-command.js";
import { BridgeInputError } from "@portcullis/sdk";
import type { BridgeSdk, SentRecord } from "@portcullis/sdk";

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

describe("findOne", () => {
  const offline = {
    findMessages: () => {
      throw new Error("must not be called for malformed input");
    },
    gatewayChains: [],
  } as unknown as BridgeSdk;

  it("refuses a malformed id before contacting any chain", async () => {
    await expect(findOne(offline, "0x1234")).rejects.toThrow(BridgeInputError);
    await expect(findOne(offline, "not-hex")).rejects.toThrow(/0x followed by 64 hex digits/);
  });

  it("refuses an unknown message, and a transaction that sent several", async () => {
    const none = { findMessages: async () => [], gatewayChains: [{ name: "l2a" }] } as unknown as BridgeSdk;
    await expect(findOne(none, hash)).rejects.toThrow(/no message or transaction .* was found on l2a/);
    const two = {
      findMessages: async () => [{ msgId: "0x01" }, { msgId: "0x02" }],
      gatewayChains: [],
    } as unknown as BridgeSdk;
    await expect(findOne(two, hash)).rejects.toThrow(/sent 2 messages; escape one by its message id/);
  });
});
