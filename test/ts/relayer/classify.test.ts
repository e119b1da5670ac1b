/**
 * Retry classification: which guardian refusals and gateway reverts mean "deliver the rest now",
 * "retry this message later" or "dead-letter it".
 */
import { describe, expect, it } from "vitest";
import {
  BaseError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  type Hex,
} from "viem";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import type { AttestRefusal } from "../../../core/guardian-api.js";
import { classifyDeliverRevert, judgeRefusals, revertOf } from "../../../relayer/classify.js";
import { TOKEN_A, TOKEN_B, testMessage } from "./fixtures.js";

const a = testMessage({ nonce: 1n });
const b = testMessage({ nonce: 2n });
const c = testMessage({ nonce: 3n, token: TOKEN_B });
const ids = [a.msgId, b.msgId, c.msgId];

function refusal(over: Partial<AttestRefusal>): AttestRefusal {
  return { error: "no", unknown: [], awaitingApproval: [], unconfirmed: [], rejected: [], ...over };
}

describe("judgeRefusals (3 guardians, threshold 2)", () => {
  it("test_judgeRefusals_pendingMessagesSetAside_succeeds: unknown, unconfirmed, awaiting approval are retried", () => {
    const verdict = judgeRefusals(
      ids,
      [refusal({ unknown: [a.msgId] }), refusal({ awaitingApproval: [a.msgId], unconfirmed: [b.msgId] })],
      3,
      2,
    );
    expect(Object.fromEntries(verdict.retry)).toEqual({ [a.msgId]: "awaiting_approval", [b.msgId]: "unconfirmed" });
    expect(verdict.dead.size).toBe(0);
    // c was named by nobody: it stays in the batch and is re-attested without a and b.
    expect(verdict.retry.has(c.msgId)).toBe(false);
  });

  it("test_judgeRefusals_rejectedByQuorum_deadLetters: more than N - M rejections can never be outvoted", () => {
    const rejected = [{ msgId: a.msgId, reason: "conflicting nonce" }];
    const verdict = judgeRefusals(ids, [refusal({ rejected }), refusal({ rejected })], 3, 2);
    expect(verdict.dead.get(a.msgId)).toMatch(/rejected by 2 of 3 guardians: conflicting nonce/);
    expect(verdict.retry.size).toBe(0);
  });

  it("test_judgeRefusals_unbackedByQuorum_deadLetters: the guardians' accountant reason is kept", () => {
    const rejected = [{ msgId: c.msgId, reason: "unbacked" }];
    const verdict = judgeRefusals(ids, [refusal({ rejected }), refusal({ rejected })], 3, 2);
    expect(verdict.dead.get(c.msgId)).toBe("rejected by 2 of 3 guardians: unbacked");
  });

  it("test_judgeRefusals_rejectedByMinority_retries: one guardian's rejection is not final", () => {
    const verdict = judgeRefusals(ids, [refusal({ rejected: [{ msgId: b.msgId, reason: "bad route" }] })], 3, 2);
    expect(verdict.retry.get(b.msgId)).toBe("rejected_by_minority");
    expect(verdict.dead.size).toBe(0);
  });

  it("test_judgeRefusals_ignoresIdsOutsideTheBatch_succeeds", () => {
    const stranger = `0x${"11".repeat(32)}` as Hex;
    const verdict = judgeRefusals(ids, [refusal({ unknown: [stranger] })], 3, 2);
    expect(verdict.retry.size + verdict.dead.size).toBe(0);
  });

  it("test_judgeRefusals_matchesIdsCaseInsensitively_succeeds", () => {
    const verdict = judgeRefusals(ids, [refusal({ unknown: [a.msgId.toUpperCase().replace("0X", "0x")] })], 3, 2);
    expect(verdict.retry.get(a.msgId)).toBe("unknown");
  });
});

describe("classifyDeliverRevert", () => {
  const batch = [a, b, c];
  const revert = (errorName: string, args: unknown[] = []) => classifyDeliverRevert({ errorName, args }, batch);

  it("test_classify_alreadyProcessed_countsAsSuccess_succeeds", () => {
    expect(revert("BridgeMessageAlreadyProcessed", [b.msgId])).toEqual({ kind: "processed", msgId: b.msgId });
  });

  it("test_classify_expired_deadLetters_succeeds", () => {
    expect(revert("BridgeMessageExpired", [a.msgId, 5n])).toMatchObject({ kind: "dead", msgIds: [a.msgId] });
  });

  it("test_classify_paused_retriesEverything_succeeds", () => {
    expect(revert("BridgePaused")).toEqual({ kind: "retry", msgIds: "all", reason: "paused" });
  });

  it("test_classify_unknownToken_retriesOnlyThatToken_succeeds", () => {
    expect(revert("BridgeUnknownToken", [TOKEN_B])).toEqual({
      kind: "retry",
      msgIds: [c.msgId],
      reason: "BridgeUnknownToken",
    });
    expect(TOKEN_A).not.toBe(TOKEN_B);
  });

  it("test_classify_attestationErrors_retryAll_succeeds: a rotated guardian set is an operator fix, not a dead message", () => {
    for (const name of ["BridgeThresholdNotMet", "BridgeGuardianSetMismatch", "BridgeUnknownGuardian"]) {
      expect(revert(name)).toMatchObject({ kind: "retry", msgIds: "all", reason: name });
    }
  });

  it("test_classify_wrongDestination_deadLettersBatch_succeeds", () => {
    expect(revert("BridgeWrongDestination", [1n, "0x00"])).toMatchObject({ kind: "dead", msgIds: ids });
  });

  it("test_classify_unattributedRevert_bisects_succeeds: a revert naming no message splits the batch", () => {
    expect(revert("BridgeInvalidTransfer")).toEqual({ kind: "bisect", reason: "BridgeInvalidTransfer" });
    expect(classifyDeliverRevert({ errorName: "BridgeInvalidTransfer", args: [] }, [a])).toEqual({
      kind: "retry",
      msgIds: [a.msgId],
      reason: "BridgeInvalidTransfer",
    });
    // A processed id that is not in this batch cannot be attributed either.
    expect(revert("BridgeMessageAlreadyProcessed", [`0x${"22".repeat(32)}`])).toMatchObject({ kind: "bisect" });
  });
});

describe("revertOf", () => {
  it("test_revertOf_decodesCustomErrorThroughViemWrapping_succeeds", () => {
    const data = encodeErrorResult({
      abi: bridgeGatewayAbi,
      errorName: "BridgeMessageAlreadyProcessed",
      args: [a.msgId],
    });
    const reverted = new ContractFunctionRevertedError({ abi: bridgeGatewayAbi, data, functionName: "deliver" });
    const wrapped = new ContractFunctionExecutionError(reverted, {
      abi: bridgeGatewayAbi,
      functionName: "deliver",
      args: [],
    });
    expect(revertOf(wrapped)).toEqual({ errorName: "BridgeMessageAlreadyProcessed", args: [a.msgId] });
  });

  it("test_revertOf_nonRevertErrors_returnsUndefined_succeeds", () => {
    expect(revertOf(new Error("fetch failed"))).toBeUndefined();
    expect(revertOf(new BaseError("HTTP request failed"))).toBeUndefined();
  });
});
