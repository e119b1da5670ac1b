/**
 * Where a transfer stands and why, derived from facts alone: the events seen on both chains, the
 * guardians' answers, the destination's parameters, and the time. One pure function,
 * `deriveStatus`, so every front end tells the same story: `track()` in this SDK feeds it what it
 * polled; the explorer feeds it what it indexed; tests feed it whatever they like.
 *
 * Stages move forward only: sent → attested → delivered (queued behind a delay) → executed; or
 * vetoed, cancelled (escaped through L1) and refunded. While a transfer is not final, the
 * reason says what it waits for and the ETA when the recipient should be paid.
 */
import type { Hex } from "viem";
import { bucketRoomAt, type RateLimitBucket } from "../core/gateway.js";
import type { Message } from "../core/message.js";
import type { Payment } from "../core/payment.js";

/**
 * Typical seconds from "guardians can sign" to "a relayer delivered it": the guardians' poll,
 * the relayer's attestation round, one destination block. An estimate (the devnet's measured
 * p95 is about 2 s; `npm run bench:relay`); callers with a measurement pass their own.
 */
export const RELAY_ALLOWANCE_SECONDS = 6;

/** Where a gateway event happened. */
export interface EventRef {
  blockNumber: bigint;
  txHash: Hex;
  /** Block timestamp, unix seconds. */
  timestamp: number;
}

/** The guardians' answers about one message (GET /v1/messages/:msgId), tallied. */
export interface Attestations {
  /** Guardians that consider the message signable. */
  signable: number;
  /** Signatures the destination's current guardian set requires. */
  threshold: number;
  guardians: number;
  /** Guardians waiting for their operator's approval (large transfers). */
  awaitingApproval: number;
  /** Guardians that saw the message but wait for the confirmation depth. */
  unconfirmed: number;
  /** Guardians that have not seen it yet. */
  unknown: number;
  /** Guardians that did not answer. */
  unreachable: number;
  /** Reasons of guardians that refused it for good. */
  rejected: string[];
}

/** What is known about one message. Absent fields were not seen (or not asked). */
export interface TransferFacts {
  message: Message;
  /** The `MessageSent` on the source chain. */
  sent: EventRef;
  /** What the sender paid for delivery and what it was quoted (from `MessageSent`). */
  payment?: Payment;
  /** The source chain's latest block number, for counting confirmations. */
  sourceHead?: bigint;
  attestations?: Attestations;
  /** `MessageQueued` on the destination: delivered, waiting until `executableAt`. */
  queued?: EventRef & { executableAt: number };
  /** `MessageExecuted` on the destination (for a fast transfer, also its delivery). */
  executed?: EventRef;
  vetoed?: EventRef;
  /** `MessageCancelled` on the destination: escaped after its deadline. */
  cancelled?: EventRef & { refundOnL1: boolean };
  /** `MessageRefunded` on the source: the escape paid the sender back. */
  refunded?: EventRef & { onL1: boolean };
  /** The destination gateway is paused now. */
  destPaused?: boolean;
  /** Name of a chain that did not answer the latest observation. */
  unreachable?: string;
}

/** A message's delivery fee (core/payment.ts), part of a status. */
export type { Payment };

/** True when a message paid less than its quote: relayers (by default) leave it alone. */
export function isUnderpaid(payment: Payment | undefined): boolean {
  return payment !== undefined && payment.fee < payment.quote;
}

/** The route's parameters that decide how long things take. */
export interface RouteParams {
  /** The source chain's confirmation depth (blocks guardians wait for). */
  confirmations: number;
  /** The source chain's block time in seconds (an estimate is fine). */
  blockTimeSeconds: number;
  /** Largest amount of the token the destination pays at once. */
  fastLimit: bigint;
  /** How long a large or rate-limited transfer waits on the destination. */
  largeDelaySeconds: number;
  /** The destination's inbound bucket for the token, as read now. */
  inboundBucket?: RateLimitBucket;
  /** Seconds from signable to delivered; default `RELAY_ALLOWANCE_SECONDS`. */
  relaySeconds?: number;
}

export type Stage = "sent" | "attested" | "delivered" | "executed" | "vetoed" | "cancelled" | "refunded";

/** Stages after which nothing happens by itself (a cancelled transfer's refund is the escape's). */
export const FINAL_STAGES: readonly Stage[] = ["executed", "vetoed", "cancelled", "refunded"];

/** Why a transfer is where it is: what it waits for, or how it ended. */
export type Reason =
  /** The source block needs more blocks on top before guardians sign. */
  | { kind: "confirmations"; confirmed: number; required: number }
  /** Guardians are signing: `signed` of `threshold` so far (counts absent when not asked). */
  | { kind: "attestations"; signed?: number; threshold?: number; attestations?: Attestations }
  /** Guardians wait for their operators to approve a large transfer. */
  | { kind: "guardian-approval"; awaiting: number; signed: number; threshold: number }
  /** Enough guardians refused it for good: it will never be attested. */
  | { kind: "rejected"; reasons: string[] }
  /** Signable: waiting for a relayer (or the sender: self-relay) to deliver it; `then` when it will queue. */
  | { kind: "relayer"; then?: "large-transfer" | "rate-limit"; delaySeconds?: number }
  /**
   * Signable, but it paid less than its quote: relayers may not deliver it (by default they do
   * not); its sender can deliver it (`bridge relay`, `BridgeClient.relay`) or escape it after
   * its deadline.
   */
  | { kind: "self-relay"; fee: bigint; quote: bigint }
  /** Delivered above the fast limit: waits until `until`. */
  | { kind: "large-transfer-delay"; until: number }
  /** Delivered when the inbound bucket lacked room: waits until `until`. */
  | { kind: "rate-limit"; until: number }
  /** The delay is over: waiting for anyone to call `execute`. */
  | { kind: "executor"; since: number }
  /** The destination gateway is paused: nothing is delivered or executed until it is unpaused. */
  | { kind: "paused" }
  /** Past its deadline undelivered: it can only be escaped through L1 now. */
  | { kind: "expired"; deadline: number }
  /** A chain did not answer; the status is what was known before. */
  | { kind: "unreachable"; chain: string }
  | { kind: "executed"; at: number }
  /** Vetoed by the council or the monitor; escapable after `deadline`. */
  | { kind: "vetoed"; deadline: number }
  /** Cancelled on the destination; the refund travels through L1 (`bridge escape`). */
  | { kind: "cancelled"; refundOnL1: boolean }
  | { kind: "refunded"; onL1: boolean; at: number };

export type ReasonKind = Reason["kind"];

export interface TransferStatus {
  stage: Stage;
  reason: Reason;
  /**
   * When the recipient should be paid, unix seconds: `exact` when the chain fixes it (a queued
   * transfer's `executableAt`, an executed one's block), an estimate otherwise. Absent when it
   * will not be paid, or nobody can say (a paused gateway, an operator's approval, a dead chain).
   */
  eta?: { at: number; exact: boolean };
  /** Nothing more happens by itself (see `FINAL_STAGES`). */
  final: boolean;
  /** The escape hatch can take it now: past its deadline undelivered, or vetoed and past it. */
  escapable: boolean;
  /**
   * What it paid for delivery against its quote (absent when unknown). `underpaid`: relayers
   * may leave it alone, the sender can self-relay it or escape it after its deadline.
   */
  fee?: Payment & { underpaid: boolean };
}

/** The status of a transfer given what is known about it at `nowSeconds`. */
export function deriveStatus(facts: TransferFacts, params: RouteParams, nowSeconds: number): TransferStatus {
  const deadline = Number(facts.message.deadline);
  const pastDeadline = nowSeconds > deadline;
  const status = (stage: Stage, reason: Reason, eta?: TransferStatus["eta"], escapable = false): TransferStatus => ({
    stage,
    reason,
    eta,
    final: FINAL_STAGES.includes(stage),
    escapable,
    ...(facts.payment ? { fee: { ...facts.payment, underpaid: isUnderpaid(facts.payment) } } : {}),
  });

  if (facts.refunded) {
    return status("refunded", { kind: "refunded", onL1: facts.refunded.onL1, at: facts.refunded.timestamp });
  }
  if (facts.cancelled) return status("cancelled", { kind: "cancelled", refundOnL1: facts.cancelled.refundOnL1 });
  if (facts.vetoed) return status("vetoed", { kind: "vetoed", deadline }, undefined, pastDeadline);
  if (facts.executed) {
    const at = facts.executed.timestamp;
    return status("executed", { kind: "executed", at }, { at, exact: true });
  }
  if (facts.unreachable) {
    const stage: Stage = facts.queued ? "delivered" : isAttested(facts.attestations) ? "attested" : "sent";
    return status(stage, { kind: "unreachable", chain: facts.unreachable });
  }

  if (facts.queued) {
    const until = facts.queued.executableAt;
    if (facts.destPaused) return status("delivered", { kind: "paused" });
    if (nowSeconds < until) {
      const reason: Reason =
        facts.message.amount > params.fastLimit
          ? { kind: "large-transfer-delay", until }
          : { kind: "rate-limit", until };
      return status("delivered", reason, { at: until, exact: true });
    }
    return status("delivered", { kind: "executor", since: until }, { at: nowSeconds, exact: false });
  }

  // Not delivered (as far as anyone has seen).
  const attestations = facts.attestations;
  const stage: Stage = isAttested(attestations) ? "attested" : "sent";
  if (pastDeadline) return status(stage, { kind: "expired", deadline }, undefined, true);
  if (facts.destPaused) return status(stage, { kind: "paused" });

  const confirmedAt = facts.sent.timestamp + params.confirmations * params.blockTimeSeconds;
  const eta = (from: number) => estimatePayout(facts, params, from);
  if (attestations) {
    if (attestations.signable >= attestations.threshold) {
      if (isUnderpaid(facts.payment)) {
        // Nobody is expected to deliver it but its sender: no ETA.
        const { fee, quote } = facts.payment!;
        return status(stage, { kind: "self-relay", fee, quote });
      }
      return status(stage, relayerReason(facts, params, nowSeconds), eta(nowSeconds));
    }
    const cannotReach = attestations.guardians - attestations.rejected.length < attestations.threshold;
    if (cannotReach) return status(stage, { kind: "rejected", reasons: attestations.rejected });
    if (
      attestations.awaitingApproval > 0 &&
      attestations.signable + attestations.awaitingApproval >= attestations.threshold
    ) {
      const { awaitingApproval: awaiting, signable: signed, threshold } = attestations;
      return status(stage, { kind: "guardian-approval", awaiting, signed, threshold });
    }
  }
  const confirmed = confirmationsOf(facts);
  if (confirmed !== undefined && confirmed < params.confirmations) {
    return status(
      stage,
      { kind: "confirmations", confirmed, required: params.confirmations },
      eta(Math.max(nowSeconds, confirmedAt)),
    );
  }
  if (!attestations) return status(stage, { kind: "attestations" }, eta(Math.max(nowSeconds, confirmedAt)));
  return status(
    stage,
    { kind: "attestations", signed: attestations.signable, threshold: attestations.threshold, attestations },
    eta(Math.max(nowSeconds, confirmedAt)),
  );
}

function isAttested(a: Attestations | undefined): boolean {
  return a !== undefined && a.signable >= a.threshold;
}

/** Blocks on top of the source block, capped at nothing; undefined when the head is unknown. */
function confirmationsOf(facts: TransferFacts): number | undefined {
  if (facts.sourceHead === undefined) return undefined;
  const depth = facts.sourceHead - facts.sent.blockNumber;
  return depth < 0n ? 0 : Number(depth);
}

/** Whether, delivered at `at`, the transfer would queue (and why). */
function queueVerdict(
  facts: TransferFacts,
  params: RouteParams,
  at: number,
): "large-transfer" | "rate-limit" | undefined {
  const amount = facts.message.amount;
  if (amount > params.fastLimit) return "large-transfer";
  if (params.inboundBucket) {
    const roomAt = bucketRoomAt(params.inboundBucket, amount, at);
    if (roomAt === undefined || roomAt > at) return "rate-limit";
  }
  return undefined;
}

function relayerReason(facts: TransferFacts, params: RouteParams, nowSeconds: number): Reason {
  const then = queueVerdict(facts, params, nowSeconds + (params.relaySeconds ?? RELAY_ALLOWANCE_SECONDS));
  return then ? { kind: "relayer", then, delaySeconds: params.largeDelaySeconds } : { kind: "relayer" };
}

/** Estimated payout when guardians can sign from `signableFrom` on. */
function estimatePayout(facts: TransferFacts, params: RouteParams, signableFrom: number): TransferStatus["eta"] {
  const deliveredAt = signableFrom + (params.relaySeconds ?? RELAY_ALLOWANCE_SECONDS);
  const delayed = queueVerdict(facts, params, deliveredAt) !== undefined;
  return { at: deliveredAt + (delayed ? params.largeDelaySeconds : 0), exact: false };
}
