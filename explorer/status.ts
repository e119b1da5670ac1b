/**
 * A message's status from what the explorer indexed: the lifecycle stage (stored, filterable)
 * and the current reason and ETA (computed per request, since they depend on the time).
 *
 * TODO(sdk): `describeWait` is the one stand-in for the SDK's pure status function
 * (`sdk/status.ts`, being written by the sdk stream): when it lands, this function becomes a
 * call to it and nothing here derives a reason on its own. Keep every reason in this one place
 * until then.
 */
import type { ExplorerWaitKind } from "@portcullis/sdk";
import type { MessageStatus } from "./model.js";

/** Gateway events that move a message along, and the stage each one means. */
const STAGE_OF_EVENT: Record<string, MessageStatus> = {
  MessageSent: "sent",
  MessageQueued: "queued",
  MessageExecuted: "executed",
  MessageVetoed: "vetoed",
  MessageCancelled: "cancelled",
  MessageRefunded: "refunded",
};

/** Later stages win: a vetoed message can still be cancelled and refunded through L1. */
const STAGE_RANK: Record<MessageStatus, number> = {
  sent: 0,
  queued: 1,
  executed: 2,
  vetoed: 2,
  cancelled: 3,
  refunded: 4,
};

/** Names of the events that belong to a message's lifecycle. */
export const MESSAGE_EVENTS = Object.keys(STAGE_OF_EVENT);

/**
 * The same rule as a table (event, stage, rank), for storage that derives statuses inside the
 * database (PostgreSQL's one-statement page write in storage/postgres-page.ts): the highest rank
 * wins. Ties (executed and vetoed, which one message never has both of) are broken by the stage's
 * name there and by event order in `statusOf`.
 */
export const LIFECYCLE_STAGES: readonly { event: string; stage: MessageStatus; rank: number }[] = Object.entries(
  STAGE_OF_EVENT,
).map(([event, stage]) => ({ event, stage, rank: STAGE_RANK[stage] }));

/** The stage a message reached, given the names of its indexed events (any order). */
export function statusOf(eventNames: Iterable<string>): MessageStatus {
  let status: MessageStatus = "sent";
  for (const name of eventNames) {
    const stage = STAGE_OF_EVENT[name];
    if (stage && STAGE_RANK[stage] > STAGE_RANK[status]) status = stage;
  }
  return status;
}

/** Why a message is where it is (the API's `reason.kind`). */
export type WaitKind = ExplorerWaitKind;

export interface Wait {
  kind: WaitKind;
  /** One sentence for a person. */
  text: string;
  /** Unix seconds when the next step can happen, when known. */
  eta: number | null;
}

export interface StatusFacts {
  status: MessageStatus;
  /** From the `MessageSent`; undefined when the source is not indexed. */
  deadline?: number;
  amount?: bigint;
  /** From the `MessageQueued`. */
  executableAt?: number;
  /** The destination gateway is paused (indexed Paused/Unpaused). */
  destinationPaused: boolean;
  destination: string;
  /** The destination's fast limit for the token (indexed FastLimitSet). */
  fastLimit?: bigint;
  /** The destination's inbound bucket room now (read live), when known. */
  inboundAvailable?: bigint;
  /** The destination's large-transfer delay in seconds (indexed LargeDelaySet). */
  largeDelay?: number;
  /** What the sender paid for delivery and was quoted (from the `MessageSent`), in wei. */
  fee?: { paid: bigint; quote: bigint };
}

/** The current reason and ETA of a message at `now` (unix seconds). */
export function describeWait(f: StatusFacts, now: number): Wait {
  switch (f.status) {
    case "executed":
      return { kind: "executed", text: "Executed: the recipient was paid on the destination.", eta: null };
    case "refunded":
      return { kind: "refunded", text: "Refunded to the sender through the escape hatch.", eta: null };
    case "cancelled":
      return {
        kind: "cancelled",
        text: "Cancelled on the destination after its deadline; the refund travels to the source through L1.",
        eta: null,
      };
    case "vetoed":
      return {
        kind: "vetoed",
        text: "Vetoed: it will never execute; the sender can recover the funds through the escape hatch.",
        eta: null,
      };
    case "queued": {
      const at = f.executableAt ?? now;
      if (f.destinationPaused) return paused(f.destination, at);
      if (at > now) {
        const large = f.amount !== undefined && f.fastLimit !== undefined && f.amount > f.fastLimit;
        return large
          ? {
              kind: "large-transfer",
              text: "Queued: above the fast limit, it waits the large-transfer delay.",
              eta: at,
            }
          : {
              kind: "rate-limit",
              text: "Queued: the destination's rate-limit bucket lacked room, so it waits the delay.",
              eta: at,
            };
      }
      return { kind: "execution", text: "Delay over: waiting for anyone to execute it.", eta: at };
    }
    case "sent": {
      if (f.deadline === undefined) {
        return { kind: "unknown-source", text: "Its MessageSent is not indexed.", eta: null };
      }
      if (now > f.deadline) {
        return {
          kind: "expired",
          text: "Deadline passed undelivered: it can no longer be delivered; use the escape hatch.",
          eta: null,
        };
      }
      if (f.destinationPaused) return paused(f.destination, null);
      if (f.fee && f.fee.paid < f.fee.quote) {
        return {
          kind: "self-relay",
          text: `It paid ${f.fee.paid} wei of its ${f.fee.quote} wei delivery fee, so relayers may not deliver it: the sender can deliver it (bridge relay, or the SDK's relay) or escape it after its deadline.`,
          eta: null,
        };
      }
      if (f.amount !== undefined && f.fastLimit !== undefined && f.amount > f.fastLimit) {
        const delay = f.largeDelay === undefined ? "" : ` (${f.largeDelay} s)`;
        return {
          kind: "delivery",
          text: `Waiting for guardian attestations and a relayer; above the fast limit, it will then wait the large-transfer delay${delay}.`,
          eta: null,
        };
      }
      if (f.amount !== undefined && f.inboundAvailable !== undefined && f.amount > f.inboundAvailable) {
        return {
          kind: "delivery",
          text: "Waiting for guardian attestations and a relayer; the destination's rate-limit bucket lacks room, so it will then be queued.",
          eta: null,
        };
      }
      return { kind: "delivery", text: "Waiting for guardian attestations and a relayer to deliver it.", eta: null };
    }
  }
}

function paused(destination: string, eta: number | null): Wait {
  return {
    kind: "paused",
    text: `The ${destination} gateway is paused; the transfer resumes when governance unpauses it.`,
    eta,
  };
}
