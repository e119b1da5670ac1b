/**
 * The JSON the API answers with (described in explorer/openapi.json). Built from stored records,
 * the indexed gateway facts and, for a message still waiting for delivery, the destination's
 * live rate-limit room.
 */
import type { ExplorerChainRef, ExplorerMessage, ExplorerMessageSummary, ExplorerStage } from "@portcullis/sdk";
import { tokenByHome, type Manifest } from "../core/manifest.js";
import type { GatewayFacts } from "./facts.js";
import { tokenKey } from "../core/message.js";
import type { IndexedEvent, MessageRecord } from "./model.js";
import { describeWait, MESSAGE_EVENTS, statusOf } from "./status.js";

export type ChainRef = ExplorerChainRef;
export type StageView = ExplorerStage;
export type MessageSummary = ExplorerMessageSummary;
export type MessageView = ExplorerMessage;

export class Views {
  constructor(private readonly manifest: Manifest) {}

  chain(chainId: number): ChainRef {
    return { chainId, name: this.manifest.chains.find((c) => c.chainId === chainId)?.name ?? null };
  }

  summary(r: MessageRecord): MessageSummary {
    const m = r.sent?.message;
    const sourceId = m ? Number(m.sourceChainId) : sourceOfEvents(r.events);
    const destId = m ? Number(m.destChainId) : destinationOfEvents(r.events);
    const token = m ? tokenByHome(this.manifest, m.token, BigInt(m.tokenChainId)) : undefined;
    return {
      msgId: r.msgId,
      status: r.status,
      message: m ?? null,
      source: sourceId === undefined ? null : this.chain(sourceId),
      destination: destId === undefined ? null : this.chain(destId),
      token: token ? { symbol: token.symbol, decimals: token.decimals, homeToken: token.homeToken } : null,
      sent: r.sent ? { blockNumber: r.sent.blockNumber, txHash: r.sent.txHash, time: r.sent.time } : null,
    };
  }

  /**
   * The full view at `now` (unix seconds). `destination` are the destination gateway's indexed
   * facts; `inboundAvailable` its live bucket room for the token, when read.
   */
  message(r: MessageRecord, now: number, destination?: GatewayFacts, inboundAvailable?: bigint): MessageView {
    const summary = this.summary(r);
    const m = r.sent?.message;
    const queued = r.events.find((e) => e.name === "MessageQueued");
    const fee = feeOf(r);
    const wait = describeWait(
      {
        status: r.status,
        deadline: m ? Number(m.deadline) : undefined,
        amount: m ? BigInt(m.amount) : undefined,
        executableAt: queued ? Number(queued.args.executableAt) : undefined,
        destinationPaused: destination?.paused ?? false,
        destination: summary.destination?.name ?? `chain ${summary.destination?.chainId ?? "?"}`,
        fastLimit: m
          ? destination?.fastLimits.get(tokenKey({ tokenChainId: BigInt(m.tokenChainId), token: m.token }))
          : undefined,
        inboundAvailable,
        largeDelay: destination?.largeDelay,
        fee,
      },
      now,
    );
    return {
      ...summary,
      stages: stages(r),
      fee: fee ? { paid: fee.paid.toString(), quote: fee.quote.toString(), underpaid: fee.paid < fee.quote } : null,
      reason: { kind: wait.kind, text: wait.text },
      eta: wait.eta,
    };
  }
}

/** What the message paid and was quoted, from its indexed `MessageSent`. */
function feeOf(r: MessageRecord): { paid: bigint; quote: bigint } | undefined {
  const args = r.events.find((e) => e.name === "MessageSent")?.args;
  if (typeof args?.fee !== "string" || typeof args.quote !== "string") return undefined;
  return { paid: BigInt(args.fee), quote: BigInt(args.quote) };
}

const STAGE_DETAILS: Record<string, string[]> = {
  MessageSent: ["fee", "quote"],
  MessageQueued: ["executableAt", "nonce"],
  MessageVetoed: ["by"],
  MessageCancelled: ["refundOnL1", "nonce"],
  MessageRefunded: ["to", "amount", "onL1"],
};

function stages(r: MessageRecord): StageView[] {
  const events: IndexedEvent[] = [...r.events];
  if (r.sent && !events.some((e) => e.name === "MessageSent")) {
    // Defensive: a stored message always has its MessageSent event too.
    events.unshift({ ...r.sent, blockHash: "0x", name: "MessageSent", msgId: r.msgId, args: {} });
  }
  return events
    .filter((e) => MESSAGE_EVENTS.includes(e.name))
    .map((e) => ({
      stage: statusOf([e.name]),
      chainId: e.chainId,
      blockNumber: e.blockNumber,
      txHash: e.txHash,
      logIndex: e.logIndex,
      time: e.time,
      details: Object.fromEntries((STAGE_DETAILS[e.name] ?? []).map((k) => [k, e.args[k]])),
    }));
}

/** For a message whose MessageSent is not indexed: the source its destination events name. */
function sourceOfEvents(events: readonly IndexedEvent[]): number | undefined {
  const e = events.find((x) => x.args.sourceChainId !== undefined);
  return e ? Number(e.args.sourceChainId) : undefined;
}

function destinationOfEvents(events: readonly IndexedEvent[]): number | undefined {
  return events.find((x) => ["MessageQueued", "MessageExecuted", "MessageVetoed", "MessageCancelled"].includes(x.name))
    ?.chainId;
}
