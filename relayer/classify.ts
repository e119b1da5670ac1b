/**
 * Failure classification: what a guardian refusal or a gateway revert means for each message of
 * a batch — deliver the rest now, retry this one later, or give up on it for good (dead letter).
 * Pure functions, unit-tested; the deliverer acts on their verdicts.
 */
import { BaseError, ContractFunctionRevertedError, type Address, type Hex } from "viem";
import type { AttestRefusal } from "../core/guardian-api.js";
import type { BatchItem } from "../core/batch-order.js";

// ---------------------------------------------------------------------------------------------
// Guardian refusals
// ---------------------------------------------------------------------------------------------

/** Why a message is set aside for a later attempt (metric `reason` label values). */
export type RetryReason =
  "awaiting_approval" | "unconfirmed" | "unknown" | "rejected_by_minority" | "guardians_unavailable";

export interface RefusalVerdict {
  /** Set aside and retried with backoff: a quorum may still sign them later. */
  retry: Map<Hex, RetryReason>;
  /** Rejected by so many guardians that no quorum can ever sign: dead letter, with reasons. */
  dead: Map<Hex, string>;
}

/**
 * Judges the refusals of one attestation round that did not reach `threshold`. Each message a
 * refusing guardian named leaves the batch (a guardian refuses a whole batch for one message it
 * cannot sign, so the rest is re-attested without it). A message is dead only when more than
 * `guardianCount - threshold` guardians rejected it for good; fewer rejections may be one
 * guardian's fault, and the others can still form a quorum on a later try.
 */
export function judgeRefusals(
  msgIds: readonly Hex[],
  refusals: readonly AttestRefusal[],
  guardianCount: number,
  threshold: number,
): RefusalVerdict {
  const inBatch = new Set(msgIds.map((id) => id.toLowerCase()));
  const rejections = new Map<string, string[]>();
  const pending = new Map<string, Set<RetryReason>>();
  const note = (id: string, reason: RetryReason) => {
    const key = id.toLowerCase();
    if (!inBatch.has(key)) return;
    const set = pending.get(key) ?? new Set<RetryReason>();
    set.add(reason);
    pending.set(key, set);
  };
  for (const r of refusals) {
    r.awaitingApproval.forEach((id) => note(id, "awaiting_approval"));
    r.unconfirmed.forEach((id) => note(id, "unconfirmed"));
    r.unknown.forEach((id) => note(id, "unknown"));
    for (const { msgId, reason } of r.rejected) {
      const key = msgId.toLowerCase();
      if (!inBatch.has(key)) continue;
      rejections.set(key, [...(rejections.get(key) ?? []), reason]);
    }
  }

  const verdict: RefusalVerdict = { retry: new Map(), dead: new Map() };
  const tolerable = guardianCount - threshold;
  for (const id of msgIds) {
    const key = id.toLowerCase();
    const rejected = rejections.get(key) ?? [];
    if (rejected.length > tolerable) {
      verdict.dead.set(
        id,
        `rejected by ${rejected.length} of ${guardianCount} guardians: ${[...new Set(rejected)].join("; ")}`,
      );
      continue;
    }
    const reasons = pending.get(key);
    if (reasons || rejected.length > 0) verdict.retry.set(id, mostSpecific(reasons, rejected.length > 0));
  }
  return verdict;
}

/** The reason an operator acts on first: approval is a human step, the rest resolve with time. */
function mostSpecific(reasons: Set<RetryReason> | undefined, rejectedByMinority: boolean): RetryReason {
  for (const r of ["awaiting_approval", "unconfirmed", "unknown"] as const) if (reasons?.has(r)) return r;
  return rejectedByMinority ? "rejected_by_minority" : "guardians_unavailable";
}

// ---------------------------------------------------------------------------------------------
// Gateway reverts
// ---------------------------------------------------------------------------------------------

export interface Revert {
  errorName: string;
  args: readonly unknown[];
}

/** The decoded custom error in a viem error chain, or undefined when it is not a revert. */
export function revertOf(err: unknown): Revert | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
    return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
  }
  return undefined;
}

export type RevertAction =
  /** The message was delivered before (by another relayer, or an earlier try): success. */
  | { kind: "processed"; msgId: Hex }
  /** These messages can never be delivered here. */
  | { kind: "dead"; msgIds: Hex[]; reason: string }
  /** Retry these messages (or every message) later. */
  | { kind: "retry"; msgIds: Hex[] | "all"; reason: string }
  /** A revert that names no message: split the batch to find the culprit. */
  | { kind: "bisect"; reason: string };

/** Errors of the attestation itself: usually a guardian set rotated under a stale manifest. */
const ATTESTATION_ERRORS = new Set([
  "BridgeThresholdNotMet",
  "BridgeUnknownGuardian",
  "BridgeGuardianSetMismatch",
  "BridgeGuardianSetExpired",
  "BridgeUnknownGuardianSet",
  "BridgeInvalidSignature",
  "BridgeMalleableSignature",
  "BridgeSignersNotAscending",
  "BridgeMalformedSignatures",
]);

/** True for reverts of the attestation itself (the guardian set moved on, or a bad signature). */
export function isAttestationError(errorName: string): boolean {
  return ATTESTATION_ERRORS.has(errorName);
}

/** What a `deliver` revert means for the batch it was simulated (or mined) with. */
export function classifyDeliverRevert(revert: Revert, batch: readonly BatchItem[]): RevertAction {
  const { errorName, args } = revert;
  const named = (i: number) => {
    const id = args[i];
    return typeof id === "string" && batch.some((b) => b.msgId.toLowerCase() === id.toLowerCase())
      ? (batch.find((b) => b.msgId.toLowerCase() === id.toLowerCase())!.msgId as Hex)
      : undefined;
  };
  switch (errorName) {
    case "BridgeMessageAlreadyProcessed": {
      const id = named(0);
      return id ? { kind: "processed", msgId: id } : { kind: "bisect", reason: errorName };
    }
    case "BridgeMessageExpired": {
      const id = named(0);
      return id
        ? { kind: "dead", msgIds: [id], reason: "expired: past its deadline (the sender can escape through L1)" }
        : { kind: "bisect", reason: errorName };
    }
    case "BridgePaused":
      return { kind: "retry", msgIds: "all", reason: "paused" };
    case "BridgeUnknownToken": {
      // Governance may still register the token; the deadline bounds the wait.
      const token = String(args[0]).toLowerCase();
      const ids = batch.filter((b) => b.message.token.toLowerCase() === token).map((b) => b.msgId);
      return ids.length > 0 ? { kind: "retry", msgIds: ids, reason: errorName } : { kind: "bisect", reason: errorName };
    }
    case "BridgeUnknownRoute":
      // A disabled route can be re-enabled by governance before the deadline.
      return { kind: "retry", msgIds: "all", reason: errorName };
    case "BridgeWrongDestination":
    case "BridgeUnsupportedVersion":
      return { kind: "dead", msgIds: batch.map((b) => b.msgId), reason: `${errorName}(${args.join(", ")})` };
    default:
      if (ATTESTATION_ERRORS.has(errorName)) return { kind: "retry", msgIds: "all", reason: errorName };
      return batch.length > 1
        ? { kind: "bisect", reason: errorName }
        : { kind: "retry", msgIds: batch.map((b) => b.msgId), reason: errorName };
  }
}

/** Tokens a batch carries, for logs. */
export function tokensOf(batch: readonly BatchItem[]): Address[] {
  return [...new Set(batch.map((b) => b.message.token))];
}
