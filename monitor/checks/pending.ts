/**
 * Check 3, delivery: how long sent messages wait for their destination. A message counts as
 * pending from its source block until the destination gateway processes it (executes or
 * queues it); the oldest pending age per route is the relayer and guardian lag a user feels.
 * A message older than the SLO raises an alert once (confirmed on chain first, see `Monitor`).
 */
import type { Address, Hex } from "viem";
import { tokenByHome } from "../../core/manifest.js";
import { errorLine, routeLabels, type MonitorContext } from "../context.js";
import { MessageStatus, type MessageStatusValue } from "../gateway.js";
import type { MessageLedger, TrackedMessage } from "../ledger.js";

export interface RouteBacklog {
  sourceChainId: number;
  destChainId: number;
  count: number;
  /** 0 when nothing is pending. */
  oldestAgeSeconds: number;
}

/** Backlog of every route in `routes` (so an idle route reports 0, not nothing). */
export function backlogByRoute(
  undelivered: readonly TrackedMessage[],
  routes: readonly (readonly [number, number])[],
  nowSeconds: number,
): RouteBacklog[] {
  const byRoute = new Map<string, RouteBacklog>();
  for (const [sourceChainId, destChainId] of routes) {
    byRoute.set(`${sourceChainId}->${destChainId}`, { sourceChainId, destChainId, count: 0, oldestAgeSeconds: 0 });
  }
  for (const m of undelivered) {
    const key = `${m.message.sourceChainId}->${m.message.destChainId}`;
    let backlog = byRoute.get(key);
    if (!backlog) {
      backlog = {
        sourceChainId: Number(m.message.sourceChainId),
        destChainId: Number(m.message.destChainId),
        count: 0,
        oldestAgeSeconds: 0,
      };
      byRoute.set(key, backlog);
    }
    backlog.count++;
    backlog.oldestAgeSeconds = Math.max(backlog.oldestAgeSeconds, Math.max(0, nowSeconds - m.sentAt));
  }
  return [...byRoute.values()];
}

/** Pending messages older than `sloSeconds`, oldest first. */
export function overdue(
  undelivered: readonly TrackedMessage[],
  nowSeconds: number,
  sloSeconds: number,
): TrackedMessage[] {
  return undelivered.filter((m) => nowSeconds - m.sentAt > sloSeconds).sort((a, b) => a.sentAt - b.sentAt);
}

/** Overdue messages confirmed on chain per poll before alerting. */
const OVERDUE_CONFIRMATIONS_PER_POLL = 20;

/** What the delivery check asks a destination gateway. */
export interface DestinationReads {
  isProcessed(sourceChainId: bigint, sourceGateway: Address, nonce: bigint): Promise<boolean>;
  queuedStatus(msgId: Hex): Promise<MessageStatusValue>;
}

/**
 * The delivery check's orchestration: backlog gauges per route, and a `pending_slo` alert for a
 * message older than the SLO once the destination confirms it really has not processed it (the
 * monitor's ledger only knows what the monitor saw).
 */
export class DeliveryCheck {
  constructor(
    private readonly ctx: MonitorContext,
    private readonly ledger: MessageLedger,
    private readonly destination: (chainId: number) => DestinationReads | undefined,
    private readonly chainIds: () => readonly number[],
  ) {}

  /**
   * Sets the backlog gauges from the ledger. Synchronous on purpose: the monitor calls it (and
   * the in-flight export) in the same turn as it applies a poll's events (which move the sent,
   * delivered and executed counters), so a scrape sees one consistent state.
   */
  exportBacklog(): void {
    const { ctx, ledger } = this;
    const nowSeconds = Math.floor(ctx.now() / 1000);
    const ids = this.chainIds();
    const routes = ids.flatMap((s) => ids.filter((d) => d !== s).map((d) => [s, d] as const));
    for (const b of backlogByRoute(ledger.undelivered(), routes, nowSeconds)) {
      const labels = routeLabels(ctx.manifest, b.sourceChainId, b.destChainId);
      ctx.metrics.pendingMessages.set(labels, b.count);
      ctx.metrics.oldestPendingAge.set(labels, b.oldestAgeSeconds);
    }
  }

  async run(): Promise<void> {
    const { ctx, ledger } = this;
    const nowSeconds = Math.floor(ctx.now() / 1000);
    const slo = ctx.settings.pendingSloSeconds;
    const undelivered = ledger.undelivered();
    this.exportBacklog();
    const late = overdue(undelivered, nowSeconds, slo).filter((m) => !ctx.alerts.isOpen(`pending:${m.msgId}`));
    for (const m of late.slice(0, OVERDUE_CONFIRMATIONS_PER_POLL)) {
      let nonceTaken: boolean;
      try {
        const status = await this.confirmLate(m);
        if (status === "settled") continue;
        nonceTaken = status === "nonce taken";
      } catch (e) {
        ctx.logger.warn({ msgId: m.msgId, err: errorLine(e) }, "cannot confirm a late message");
        continue;
      }
      const route = routeLabels(ctx.manifest, m.message.sourceChainId, m.message.destChainId);
      const token = tokenByHome(ctx.manifest, m.message.token);
      ctx.alerts.raise({
        key: `pending:${m.msgId}`,
        kind: "pending_slo",
        severity: "warning",
        summary: `message ${m.message.nonce} ${route.source}→${route.dest} undelivered for ${nowSeconds - m.sentAt}s (SLO ${slo}s)`,
        chain: route.dest,
        msgId: m.msgId,
        ...(token ? { token: token.symbol } : {}),
        details: {
          source: route.source,
          dest: route.dest,
          nonce: String(m.message.nonce),
          ageSeconds: nowSeconds - m.sentAt,
          amount: m.message.amount.toString(),
          deadline: String(m.message.deadline),
          ...(nonceTaken ? { note: "its nonce is processed on the destination by a different message" } : {}),
        },
      });
    }
  }

  /**
   * The destination has the last word on a message the ledger thinks is late. A processed nonce
   * is not enough: a vetoed forgery may hold it, so the destination must also know this very
   * message (a queue entry; fast ones the monitor never misses). Returns "settled" when the
   * ledger was behind (queued: now marked; cancelled: completed), "late" when it really is.
   */
  private async confirmLate(m: TrackedMessage): Promise<"settled" | "late" | "nonce taken"> {
    const dest = this.destination(Number(m.message.destChainId));
    if (!dest || !(await dest.isProcessed(m.message.sourceChainId, m.message.sourceGateway, m.message.nonce)))
      return "late";
    const status = await dest.queuedStatus(m.msgId);
    if (status === MessageStatus.Cancelled) {
      this.ledger.complete(m.msgId);
      return "settled";
    }
    if (status !== MessageStatus.None) {
      this.ledger.markQueued(m.msgId);
      return "settled";
    }
    return "nonce taken";
  }
}
