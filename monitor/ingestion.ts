/**
 * Ingestion: what each chain poll (chain-watcher.ts) means for the monitor's state, applied in
 * one place — reorgs drop sends, sends enter the ledger, deliveries go to the origin check,
 * executions and vetoes complete messages, escapes leave the ledger, and `Unpaused` events are
 * remembered (governance reviewed what came before). It decides nothing about safety: that is
 * the checks' job (checks/*.ts).
 */
import { formatUnits, type Hex } from "viem";
import type { ChainPoll } from "./chain-watcher.js";
import type { OriginCheck } from "./checks/origin.js";
import { chainName, routeLabels, type MonitorContext } from "./context.js";
import { MessageLedger } from "./ledger.js";
import type { PlannedAction } from "./responder.js";

export class Ingestion {
  readonly ledger = new MessageLedger();
  /** Route of each message queued and not yet executed or vetoed. */
  private readonly queuedRoutes = new Map<Hex, { sourceChainId: number; destChainId: number }>();
  /** Latest block with an `Unpaused` event, per chain: governance has reviewed what came before. */
  private readonly unpausedAt = new Map<number, bigint>();

  constructor(
    private readonly ctx: MonitorContext,
    private readonly origin: OriginCheck,
  ) {}

  /** Whether `msgId` was queued on a destination (its `MessageExecuted` is then an `execute`). */
  wasQueued(msgId: Hex): boolean {
    return this.queuedRoutes.has(msgId);
  }

  lastUnpausedBlock(chainId: number): bigint | undefined {
    return this.unpausedAt.get(chainId);
  }

  /** Applies one round of polls, every chain's reorgs and sends before any delivery. */
  apply(polls: readonly ChainPoll[], actions: PlannedAction[]): void {
    for (const p of polls) this.applyReorg(p);
    for (const p of polls) this.applySent(p);
    for (const p of polls) for (const u of p.unpaused) this.unpausedAt.set(p.chainId, u.blockNumber);
    for (const p of polls) this.applyDeliveries(p, actions);
  }

  /** In-flight amount per token, as the `bridge_in_flight_tokens` gauge. */
  exportInFlight(): void {
    const byToken = new Map<string, bigint>();
    for (const m of this.ledger.inFlight()) {
      const key = m.message.token.toLowerCase();
      byToken.set(key, (byToken.get(key) ?? 0n) + m.message.amount);
    }
    for (const t of this.ctx.manifest.tokens) {
      const amount = byToken.get(t.homeToken.toLowerCase()) ?? 0n;
      this.ctx.metrics.inFlightTokens.set({ token: t.symbol }, Number(formatUnits(amount, t.decimals)));
    }
  }

  private route(source: number | bigint | undefined, dest: number | bigint) {
    return routeLabels(this.ctx.manifest, source, dest);
  }

  private applyReorg(p: ChainPoll) {
    if (p.reorgedAfter === undefined) return;
    const dropped = this.ledger.dropSentAfter(BigInt(p.chainId), p.reorgedAfter);
    this.ctx.logger.warn(
      { chain: chainName(this.ctx.manifest, p.chainId), rescanFrom: String(p.reorgedAfter + 1n), dropped },
      "reorg detected",
    );
  }

  private applySent(p: ChainPoll) {
    for (const s of p.sent) {
      const { isNew, executedAt } = this.ledger.recordSent(s.msgId, s.message, s.blockNumber, s.timestamp);
      if (!isNew) continue;
      const route = this.route(s.message.sourceChainId, s.message.destChainId);
      this.ctx.metrics.messagesSent.inc(route);
      if (executedAt !== undefined) this.ctx.metrics.latency.observe(route, Math.max(0, executedAt - s.timestamp));
    }
  }

  private applyDeliveries(p: ChainPoll, actions: PlannedAction[]) {
    const { metrics, alerts } = this.ctx;
    const dest = p.chainId;
    for (const q of p.queued) {
      this.queuedRoutes.set(q.msgId, { sourceChainId: Number(q.sourceChainId), destChainId: dest });
      this.ledger.markQueued(q.msgId);
      alerts.resolve(`pending:${q.msgId}`);
      metrics.messagesDelivered.inc({ ...this.route(q.sourceChainId, dest), path: "queued" });
      this.origin.add({
        msgId: q.msgId,
        destChainId: dest,
        sourceChainId: q.sourceChainId,
        nonce: q.nonce,
        queued: true,
        txHash: q.txHash,
        blockNumber: q.blockNumber,
      });
    }
    for (const e of p.executed) {
      if (e.path === "unattributed") {
        metrics.messagesExecuted.inc({ source: "unknown", dest: chainName(this.ctx.manifest, dest) });
        this.origin.onUnattributable(dest, e.msgId, e.txHash, e.blockNumber, actions);
        continue;
      }
      const source = e.path === "fast" ? e.message!.sourceChainId : this.queuedSource(e.msgId, e.sourceChainId);
      const route = this.route(source, dest);
      if (e.path === "fast") {
        const m = e.message!;
        metrics.messagesDelivered.inc({ ...route, path: "fast" });
        this.origin.add({
          msgId: e.msgId,
          destChainId: dest,
          sourceChainId: m.sourceChainId,
          nonce: m.nonce,
          queued: false,
          message: m,
          txHash: e.txHash,
          blockNumber: e.blockNumber,
        });
      }
      metrics.messagesExecuted.inc(route);
      this.queuedRoutes.delete(e.msgId);
      alerts.resolve(`pending:${e.msgId}`);
      const tracked = this.ledger.complete(e.msgId, e.timestamp);
      if (tracked) metrics.latency.observe(route, Math.max(0, e.timestamp - tracked.sentAt));
    }
    for (const v of p.vetoed) {
      metrics.messagesVetoed.inc(this.route(this.queuedSource(v.msgId), dest));
      this.queuedRoutes.delete(v.msgId);
      this.ledger.complete(v.msgId);
    }
    this.applyEscapes(p);
  }

  /**
   * Escape hatch. A cancelled message will never be delivered, so it leaves the ledger (no
   * longer pending, no latency); its value is back on the source once refunded. Solvency needs
   * nothing extra: a refund unlocks at home what was never minted, or re-mints a copy that was
   * burnt and never unlocked (see checks/supply.ts), so locked ≥ minted holds throughout.
   * A cancelled made-up message (anyone can cancel one) is counted too: its refund fails on
   * the source, which never sent it, so it never reaches the `refunded` stage.
   */
  private applyEscapes(p: ChainPoll) {
    const chain = chainName(this.ctx.manifest, p.chainId);
    for (const c of p.cancelled) {
      this.ctx.metrics.recordEscape(chain, "cancelled");
      this.queuedRoutes.delete(c.msgId);
      this.ctx.alerts.resolve(`pending:${c.msgId}`);
      this.ledger.complete(c.msgId);
      this.ctx.logger.warn({ chain, msgId: c.msgId, txHash: c.txHash }, "message cancelled through the escape hatch");
    }
    for (const r of p.refunded) {
      this.ctx.metrics.recordEscape(chain, "refunded");
      this.ledger.complete(r.msgId);
      this.ctx.logger.warn({ chain, msgId: r.msgId, txHash: r.txHash }, "message refunded through the escape hatch");
    }
  }

  private queuedSource(msgId: Hex, fallback?: bigint): bigint | undefined {
    const route = this.queuedRoutes.get(msgId);
    return route ? BigInt(route.sourceChainId) : fallback;
  }
}
