/**
 * Following one message: each poll gathers the facts `deriveStatus` needs (events on the
 * destination, the refund on the source, the guardians' answers, the source head, the route's
 * parameters) and derives the status from them. It remembers what never un-happens (delivery,
 * execution, veto, cancellation, refund), so later polls ask only what is still open.
 */
import type { Hex } from "viem";
import type { RateLimitBucket } from "../core/gateway.js";
import type { GatewayChain, TokenInfo } from "../core/manifest.js";
import type { Message } from "../core/message.js";
import { ChainUnreachableError } from "./errors.js";
import {
  deriveStatus,
  type Attestations,
  type EventRef,
  type Payment,
  type RouteParams,
  type Stage,
  type TransferFacts,
  type TransferStatus,
} from "./status.js";
import type { BridgeClient } from "./client.js";

/** A `MessageSent` found on its source chain. */
export interface SentRecord extends EventRef {
  msgId: Hex;
  message: Message;
  source: GatewayChain;
  dest: GatewayChain;
  /** Undefined for a token this manifest does not list. */
  token: TokenInfo | undefined;
  /** What the sender paid for delivery and was quoted (from `MessageSent`). */
  payment?: Payment;
}

/** One look at a message: what was seen, what it means, and when each stage was first seen. */
export interface Observation {
  sent: SentRecord;
  facts: TransferFacts;
  params: RouteParams;
  status: TransferStatus;
  /** Local wall-clock milliseconds at which this tracker first saw each stage. */
  observedAt: Partial<Record<Stage, number>>;
  /** Unix seconds the status was derived at. */
  at: number;
}

const STAGE_ORDER: readonly Stage[] = ["sent", "attested", "delivered", "executed"];

export class MessageTracker {
  private readonly facts: TransferFacts;
  private readonly observedAt: Partial<Record<Stage, number>>;
  private fastLimit?: bigint;
  private largeDelaySeconds?: number;
  private blockTimeSeconds?: number;
  private inboundBucket?: RateLimitBucket;
  /** The destination's latest block time: deadlines and delays are judged by its clock. */
  private destTime = 0;

  constructor(
    private readonly client: BridgeClient,
    readonly sent: SentRecord,
    private readonly now: () => number = Date.now,
  ) {
    const { msgId: _id, message, source: _s, dest: _d, token: _t, payment, ...ref } = sent;
    this.facts = { message, sent: ref, ...(payment ? { payment } : {}) };
    this.observedAt = { sent: this.now() };
  }

  private get dest(): GatewayChain {
    return this.sent.dest;
  }

  /** Polls the chains and guardians once and derives the status. */
  async poll(): Promise<Observation> {
    const f = this.facts;
    f.unreachable = undefined;
    try {
      await this.loadParams();
      if (!f.executed && !f.vetoed && !f.cancelled) await this.pollDestination();
      if (f.cancelled && !f.refunded) await this.pollRefund();
      const delivered = f.executed || f.queued || f.vetoed || f.cancelled;
      if (!delivered) await this.pollUndelivered();
    } catch (e) {
      if (!(e instanceof ChainUnreachableError)) throw e;
      f.unreachable = e.chain;
    }
    // A chain's clock can run ahead of this machine's (many blocks in one second); never behind.
    const at = Math.max(this.now() / 1000, this.destTime);
    const params = this.params();
    const status = deriveStatus(f, params, at);
    this.reach(status.stage);
    return {
      sent: this.sent,
      facts: structuredClone(f),
      params,
      status,
      observedAt: { ...this.observedAt },
      at,
    };
  }

  private params(): RouteParams {
    return {
      confirmations: this.sent.source.confirmations,
      blockTimeSeconds: this.blockTimeSeconds ?? 1,
      fastLimit: this.fastLimit ?? 0n,
      largeDelaySeconds: this.largeDelaySeconds ?? 0,
      inboundBucket: this.inboundBucket,
      relaySeconds: this.client.relaySeconds,
    };
  }

  /** The route's fixed-enough parameters, read once. */
  private async loadParams() {
    if (this.fastLimit !== undefined) return;
    const gateway = this.client.gateway(this.dest);
    const [inbound, largeDelay, blockTime] = await this.client.read(this.dest, () =>
      Promise.all([
        gateway.inboundToken(this.sent.message.tokenChainId, this.sent.message.token),
        gateway.largeDelay(),
        this.client.blockTimeSeconds(this.sent.source),
      ]),
    );
    this.fastLimit = inbound.fastLimit;
    this.largeDelaySeconds = largeDelay;
    this.blockTimeSeconds = blockTime;
  }

  /** Delivery, queueing, execution, veto, cancellation and the pause, on the destination. */
  private async pollDestination() {
    const f = this.facts;
    const { message, msgId } = this.sent;
    const gateway = this.client.gateway(this.dest);
    const [processed, queued, paused, head] = await this.client.read(this.dest, () =>
      Promise.all([
        gateway.isProcessed(message.sourceChainId, message.sourceGateway, message.nonce),
        gateway.queuedMessage(msgId),
        gateway.paused(),
        this.client.client(this.dest).getBlock({ blockTag: "latest" }),
      ]),
    );
    f.destPaused = paused;
    this.destTime = Number(head.timestamp);
    if (!processed) return;
    if (queued.status === "Cancelled") {
      const log = await this.event(this.dest, "MessageCancelled");
      if (log) f.cancelled = { ...log.ref, refundOnL1: log.args.refundOnL1 === true };
      return;
    }
    if (queued.status === "None") {
      // Fast path: delivered and executed in one call, recorded only by the event. Without it,
      // the nonce went to a different message (after a veto): not ours.
      const log = await this.event(this.dest, "MessageExecuted");
      if (log) f.executed = log.ref;
      return;
    }
    if (!f.queued) {
      const log = await this.event(this.dest, "MessageQueued");
      if (!log) return; // processed in a block the log query did not see yet: next poll
      f.queued = { ...log.ref, executableAt: queued.executableAt };
    }
    if (queued.status === "Executed") f.executed = (await this.event(this.dest, "MessageExecuted"))?.ref;
    if (queued.status === "Vetoed") f.vetoed = (await this.event(this.dest, "MessageVetoed"))?.ref;
  }

  private async pollRefund() {
    const log = await this.event(this.sent.source, "MessageRefunded", this.sent.blockNumber);
    if (log) this.facts.refunded = { ...log.ref, onL1: log.args.onL1 === true };
  }

  /** What only matters before delivery: the source head, the guardians, the inbound bucket. */
  private async pollUndelivered() {
    const f = this.facts;
    const gateway = this.client.gateway(this.dest);
    const [head, bucket] = await Promise.all([
      this.client.read(this.sent.source, () => this.client.client(this.sent.source).getBlockNumber()),
      this.client.read(this.dest, () =>
        gateway.rateLimit(this.sent.message.tokenChainId, this.sent.message.token, "inbound"),
      ),
    ]);
    f.sourceHead = head;
    this.inboundBucket = bucket;
    f.attestations = await this.client.attestations(this.sent.msgId, this.dest);
  }

  private async event<
    N extends "MessageQueued" | "MessageExecuted" | "MessageVetoed" | "MessageCancelled" | "MessageRefunded",
  >(chain: GatewayChain, name: N, fromBlock = BigInt(chain.deployBlock ?? 0)) {
    const gateway = this.client.gateway(chain);
    const log = await this.client.read(chain, () => gateway.messageEvent(name, this.sent.msgId, fromBlock));
    if (!log || log.blockNumber === null || log.transactionHash === null) return undefined;
    const block = await this.client.read(chain, () =>
      this.client.client(chain).getBlock({ blockNumber: log.blockNumber! }),
    );
    const ref: EventRef = {
      blockNumber: log.blockNumber,
      txHash: log.transactionHash,
      timestamp: Number(block.timestamp),
    };
    return { ref, args: log.args as { refundOnL1?: boolean; onL1?: boolean } };
  }

  /** Records the first sighting of `stage` and of every stage it implies. */
  private reach(stage: Stage) {
    const now = this.now();
    const index = STAGE_ORDER.indexOf(stage);
    const implied = index >= 0 ? STAGE_ORDER.slice(0, index + 1) : ["sent" as const, stage];
    for (const s of implied) this.observedAt[s] ??= now;
  }
}

/** Tallies the guardians' answers (each `unknown`, `unreachable` or a guardian API state). */
export function tallyAttestations(
  states: readonly { state: string; reason?: string }[],
  threshold: number,
): Attestations {
  const count = (s: string) => states.filter((x) => x.state === s).length;
  return {
    signable: count("signable"),
    threshold,
    guardians: states.length,
    awaitingApproval: count("awaiting-approval"),
    unconfirmed: count("unconfirmed"),
    unknown: count("unknown"),
    unreachable: count("unreachable"),
    rejected: states.flatMap((s) => (s.state === "rejected" ? [s.reason ?? "rejected"] : [])),
  };
}

/** What makes a new update worth reporting: the stage or the reason changed (not a countdown). */
export function updateKey(o: Pick<Observation, "status">): string {
  const r = o.status.reason;
  const detail =
    r.kind === "attestations"
      ? `${r.signed}/${r.threshold}:${r.attestations?.awaitingApproval ?? 0}:${r.attestations?.unreachable ?? 0}:${r.attestations?.rejected.length ?? 0}`
      : r.kind === "confirmations"
        ? `${r.confirmed}`
        : r.kind === "guardian-approval"
          ? `${r.signed}:${r.awaiting}`
          : "";
  return `${o.status.stage}:${r.kind}:${detail}`;
}
