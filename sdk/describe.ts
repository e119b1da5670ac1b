/**
 * A transfer's status in plain words — the same sentences in the CLI, the devnet demo and any
 * front end that wants them. Pure: times come in as arguments, so every sentence is unit-tested.
 */
import { formatEth, formatTokens } from "./amount.js";
import type { Attestations, Reason, Stage, TransferStatus } from "./status.js";
import type { Observation, SentRecord } from "./tracker.js";

/** A unix time as ISO 8601 UTC. */
export function isoTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}

/** "1.2s", "63.0s". */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

export function shortHex(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex;
}

/** Formats base units of the message's token ("1.5 ALPHA"). */
export function tokensOf(sent: Pick<SentRecord, "token">): (v: bigint) => string {
  const { token } = sent;
  return (v) => (token ? formatTokens(v, token.decimals, token.symbol) : `${v} base units`);
}

export function amountText(sent: Pick<SentRecord, "token" | "message">): string {
  return tokensOf(sent)(sent.message.amount);
}

/** "1/2", or "2/2 (3 of 3 guardians)" once the threshold is met. */
export function attestedCount(a: Attestations): string {
  if (a.signable < a.threshold) return `${a.signable}/${a.threshold}`;
  const extra = a.signable > a.threshold ? ` (${a.signable} of ${a.guardians} guardians)` : "";
  return `${a.threshold}/${a.threshold}${extra}`;
}

/** "1/2 (1 awaiting operator approval, 1 unreachable)". */
export function attestationText(a: Attestations): string {
  const extra: string[] = [];
  if (a.awaitingApproval > 0) extra.push(`${a.awaitingApproval} awaiting operator approval`);
  if (a.unconfirmed > 0 || a.unknown > 0) extra.push(`${a.unconfirmed + a.unknown} waiting for source confirmations`);
  if (a.unreachable > 0) extra.push(`${a.unreachable} unreachable`);
  if (a.rejected.length > 0) extra.push(`${a.rejected.length} rejected it: ${a.rejected.join("; ")}`);
  return `${a.signable}/${a.threshold}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
}

function countdown(until: number, nowSeconds: number): string {
  const left = Math.ceil(until - nowSeconds);
  return left > 0 ? `until ${isoTime(until)} (${left} s)` : "over";
}

/**
 * Why the transfer is where it is, as a phrase. `source` and `dest` are the chains' names;
 * `nowSeconds` drives countdowns.
 */
export function reasonText(reason: Reason, context: { source: string; dest: string; nowSeconds: number }): string {
  const { source, dest, nowSeconds } = context;
  switch (reason.kind) {
    case "confirmations":
      return `waiting for ${source} confirmations (${reason.confirmed} of ${reason.required} blocks)`;
    case "attestations":
      return reason.attestations
        ? `waiting for guardian attestations ${attestationText(reason.attestations)}`
        : "waiting for guardian attestations";
    case "guardian-approval":
      return `waiting for ${reason.awaiting} guardian operator${reason.awaiting === 1 ? "" : "s"} to approve this large transfer (${reason.signed}/${reason.threshold} signed)`;
    case "rejected":
      return `the guardians refused it: ${reason.reasons.join("; ")}; it will not be delivered (escape it after its deadline)`;
    case "relayer":
      return reason.then === "large-transfer"
        ? `waiting for a relayer to deliver it; above the fast limit, it will then wait the large-transfer delay (${reason.delaySeconds} s)`
        : reason.then === "rate-limit"
          ? `waiting for a relayer to deliver it; the ${dest} inbound rate limit lacks room, so it will then wait ${reason.delaySeconds} s`
          : "waiting for a relayer to deliver it";
    case "self-relay":
      return `signed by the guardians, but it paid ${formatEth(reason.fee)} of its ${formatEth(reason.quote)} delivery fee, so relayers may not deliver it: deliver it yourself with bridge relay (SDK: relay), or escape it after its deadline`;
    case "large-transfer-delay":
      return `large-transfer delay ${countdown(reason.until, nowSeconds)}; the security council can veto it meanwhile`;
    case "rate-limit":
      return `queued by the ${dest} inbound rate limit ${countdown(reason.until, nowSeconds)}`;
    case "executor":
      return "delay over: waiting for a relayer (or anyone) to execute it";
    case "paused":
      return `the ${dest} gateway is paused; the transfer resumes when governance unpauses it`;
    case "expired":
      return `deadline passed at ${isoTime(reason.deadline)} undelivered: it can no longer be delivered; escape it through L1`;
    case "unreachable":
      return `cannot reach ${reason.chain}; showing what was seen before`;
    case "executed":
      return `executed at ${isoTime(reason.at)}`;
    case "vetoed":
      return nowSeconds > reason.deadline
        ? "vetoed by the security council or the monitor; it can be escaped through L1 now"
        : `vetoed by the security council or the monitor; it can be escaped through L1 after its deadline (${isoTime(reason.deadline)})`;
    case "cancelled":
      return `cancelled after its deadline; its refund${reason.refundOnL1 ? " (on L1)" : ""} travels through L1 (the escape finishes it: prove, then finalize on L1)`;
    case "refunded":
      return `refunded to the sender${reason.onL1 ? " on L1" : ""} at ${isoTime(reason.at)}`;
  }
}

/** The stage with its count: "attested 2/2". */
export function stageText(o: Pick<Observation, "status" | "facts">): string {
  const a = o.facts.attestations;
  if (o.status.stage === "attested" && a) return `attested ${attestedCount(a)}`;
  return o.status.stage;
}

/** The detail printed with a stage the first time it is reached. */
export function stageDetail(o: Pick<Observation, "sent" | "facts">, stage: Stage): string {
  const { sent, facts } = o;
  const a = facts.attestations;
  switch (stage) {
    case "sent":
      return `${amountText(sent)} ${sent.source.name} → ${sent.dest.name}, msg ${sent.msgId} (${sent.source.name} block ${sent.blockNumber}, tx ${shortHex(sent.txHash)})`;
    case "attested":
      // Delivery proves the threshold was met even if this client never saw the last signature.
      return a && a.signable >= a.threshold
        ? attestedCount(a)
        : a
          ? `${a.threshold}/${a.threshold} (seen on delivery)`
          : "threshold met (seen on delivery)";
    case "delivered": {
      const at = facts.queued ?? facts.executed;
      return at ? `${sent.dest.name} block ${at.blockNumber}${facts.queued ? ", queued" : ""}` : "";
    }
    case "executed":
      return `${sent.message.recipient} received ${amountText(sent)} on ${sent.dest.name}`;
    case "vetoed":
      return "the security council or monitor vetoed it; it will not execute";
    case "cancelled":
      return "cancelled after its deadline; refund through the escape hatch";
    case "refunded":
      return facts.refunded?.onL1 ? "refunded to the sender on L1" : `refunded to the sender on ${sent.source.name}`;
  }
}

/** "sent 0.9s · attested 1.8s · delivered 2.4s · executed 2.4s", relative to `startedAt` (ms). */
export function timingsText(o: Pick<Observation, "observedAt">, startedAt: number): string {
  const stages: Stage[] = ["sent", "attested", "delivered", "executed", "vetoed", "cancelled", "refunded"];
  return stages
    .filter((s) => o.observedAt[s] !== undefined)
    .map((s) => `${s} ${seconds(o.observedAt[s]! - startedAt)}`)
    .join(" · ");
}

/** "ETA 2025-01-01T00:00:00.000Z (in 42 s)", "ETA ~12 s" for estimates, "" without one. */
export function etaText(eta: { at: number; exact: boolean } | undefined, nowSeconds: number): string {
  if (!eta) return "";
  const left = Math.max(0, Math.ceil(eta.at - nowSeconds));
  return eta.exact ? `ETA ${isoTime(eta.at)} (in ${left} s)` : `ETA ~${left} s`;
}

/**
 * "0.0002 ETH (the quote)", "0.0003 ETH (quote 0.0002 ETH, the rest a tip)", "none (quote
 * 0.0002 ETH): relayers may not deliver it; relay it yourself (bridge relay) or escape it".
 */
export function feeText(fee: TransferStatus["fee"]): string {
  if (!fee) return "unknown";
  if (fee.underpaid) {
    const paid = fee.fee === 0n ? "none" : formatEth(fee.fee);
    return `${paid} (quote ${formatEth(fee.quote)}): relayers may not deliver it; deliver it yourself (bridge relay, SDK relay) or escape it after its deadline`;
  }
  if (fee.fee === fee.quote) return `${formatEth(fee.fee)} (the quote)`;
  return `${formatEth(fee.fee)} (quote ${formatEth(fee.quote)}, the rest a tip)`;
}
