/**
 * The monitor: follows every gateway chain and, on every new block, checks that
 *   1. every delivered or queued message was really sent by its source gateway (origin),
 *   2. no token's bridged supply exceeds what its home gateway holds locked (solvency),
 *   3. sent messages reach their destination within the SLO (delivery),
 * and, on its own timer, 4. that the guardians are alive. On a forged or unattributable
 * delivery it pauses the destination gateway and vetoes the message if it is queued; on a
 * solvency breach it pauses every gateway. Everything it sees is exported as metrics, and
 * everything it concludes is an alert (GET /alerts, structured logs, `bridge_alerts_total`).
 *
 * Independent of relayers and guardians: it reads the chains through its own RPC clients and
 * needs nothing from the other services except the guardians' public /healthz.
 */
import { formatEther, formatUnits, type Address, type Hex, type PublicClient } from "viem";
import type { Registry } from "prom-client";
import type { ChainWallet } from "../core/chains.js";
import { chainById, guardianDirectory, tokenByHome, type Manifest } from "../core/manifest.js";
import type { Logger } from "../core/service/logger.js";
import { sleep } from "../core/service/lifecycle.js";
import { AlertLog, type Alert } from "./alerts.js";
import { ChainWatcher, type ChainPoll } from "./chain-watcher.js";
import { ChainGateway, MessageStatus, type GatewayChainInfo } from "./gateway.js";
import { MessageLedger } from "./ledger.js";
import { MonitorMetrics } from "./metrics.js";
import { Responder, type PlannedAction } from "./responder.js";
import { verifyOrigin, type DeliveryToVerify, type SourceGateways } from "./checks/origin.js";
import { evaluateSupply, readSupply, type SupplyReading, type SupplySource } from "./checks/supply.js";
import { backlogByRoute, overdue } from "./checks/pending.js";
import {
  applyProbe,
  followGuardianSets,
  isDown,
  probeGuardian,
  quorumShortfall,
  type GuardianState,
} from "./checks/guardians.js";

export interface MonitoredChain {
  info: GatewayChainInfo;
  client: PublicClient;
  /** The monitor's key on this chain (PAUSER_ROLE and VETO_ROLE, nothing else). */
  wallet: ChainWallet;
}

export interface MonitorSettings {
  pollIntervalMs: number;
  pendingSloSeconds: number;
  guardianPollMs: number;
  staleAfterSeconds: number;
}

export interface MonitorDeps {
  settings: MonitorSettings;
  manifest: Manifest;
  chains: readonly MonitoredChain[];
  registry: Registry;
  logger: Logger;
  /** Used for guardian /healthz probes. */
  fetch?: typeof fetch;
  /** Wall clock in ms. */
  now?: () => number;
}

/** Delivered messages verified against their source at once (bounds RPC load in a backfill). */
const VERIFY_CONCURRENCY = 16;
/** Overdue messages confirmed on chain per poll before alerting. */
const OVERDUE_CONFIRMATIONS_PER_POLL = 20;

export class Monitor {
  readonly alerts: AlertLog;
  readonly metrics: MonitorMetrics;
  private readonly logger: Logger;
  private readonly settings: MonitorSettings;
  private readonly manifest: Manifest;
  private readonly gateways = new Map<number, ChainGateway>();
  private readonly watchers: ChainWatcher[];
  private readonly ledger = new MessageLedger();
  private readonly responder: Responder;
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;
  private readonly account: Address;
  /** Deliveries not yet checked against their source (new, or the source RPC failed). */
  private readonly toVerify = new Map<Hex, DeliveryToVerify>();
  /** Route of each message queued and not yet executed or vetoed. */
  private readonly queuedRoutes = new Map<Hex, { sourceChainId: number; destChainId: number }>();
  /** Latest block with an `Unpaused` event, per chain: governance has reviewed what came before. */
  private readonly lastUnpausedBlock = new Map<number, bigint>();
  private guardians: GuardianState[];
  /** Signatures the current guardian set needs (the largest over the gateways). */
  private guardianThreshold: number;
  private readonly roleProblems: string[] = [];

  constructor(deps: MonitorDeps) {
    const first = deps.chains[0];
    if (!first) throw new Error("monitor: the manifest has no chain with a gateway");
    this.settings = deps.settings;
    this.manifest = deps.manifest;
    this.logger = deps.logger.child({ component: "monitor" });
    this.now = deps.now ?? Date.now;
    this.fetchImpl = deps.fetch ?? fetch;
    this.account = first.wallet.account.address;
    this.metrics = new MonitorMetrics(deps.registry);
    this.alerts = new AlertLog(this.metrics, deps.logger.child({ component: "alerts" }), () => new Date(this.now()));
    for (const c of deps.chains) this.gateways.set(c.info.chainId, new ChainGateway(c.info, c.client, c.wallet));
    this.watchers = [...this.gateways.values()].map(
      (g) => new ChainWatcher(g, BigInt(g.info.deployBlock ?? 0), this.now),
    );
    this.responder = new Responder(
      this.gateways,
      this.alerts,
      this.metrics,
      deps.logger.child({ component: "responder" }),
    );
    this.guardianThreshold = deps.manifest.guardianSet.threshold;
    this.metrics.guardianThreshold.set(this.guardianThreshold);
    this.metrics.pendingSlo.set(deps.settings.pendingSloSeconds);
    this.metrics.initSeries(deps.chains.map((c) => c.info.name));
    this.guardians = deps.manifest.guardianSet.guardians.map((g) => ({
      address: g.address,
      url: g.url,
      consecutiveFailures: 0,
      lastSignedAt: null,
    }));
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle
  // ------------------------------------------------------------------------------------------

  /** Runs until `signal` aborts, then waits (briefly) for sent actions to be mined. */
  async run(signal: AbortSignal): Promise<void> {
    await this.checkRoles();
    const guardianLoop = this.guardianLoop(signal);
    while (!signal.aborted) {
      const started = this.now();
      let progressed = false;
      try {
        progressed = (await this.tick()) > 0;
      } catch (e) {
        this.logger.error({ err: (e as Error).message }, "poll failed");
      }
      // A backfill that is making progress continues at once; anything else waits its turn.
      const backfilling = progressed && this.watchers.some((w) => w.behind);
      if (!backfilling) await sleep(Math.max(0, this.settings.pollIntervalMs - (this.now() - started)), signal);
    }
    await guardianLoop;
    await Promise.race([this.responder.settled(), sleep(10_000)]);
    this.logger.info({ outstandingActions: this.responder.outstanding }, "monitor stopped");
  }

  /** Ready when every chain answered within STALE_AFTER_SECONDS. */
  health() {
    const now = this.now();
    const chains = Object.fromEntries(
      this.watchers.map((w) => {
        const answeredSecondsAgo = w.lastOkAt === undefined ? null : (now - w.lastOkAt) / 1000;
        const ok = answeredSecondsAgo !== null && answeredSecondsAgo <= this.settings.staleAfterSeconds;
        return [
          w.name,
          { ok, headBlock: w.head?.number ?? null, processedBlock: w.processedBlock, answeredSecondsAgo },
        ];
      }),
    );
    return {
      ok: Object.values(chains).every((c) => c.ok),
      monitor: this.account,
      chains,
      openAlerts: this.alerts.list().filter((a) => a.resolvedAt === undefined).length,
      roleProblems: this.roleProblems,
    };
  }

  /** Waits for every sent veto/pause to be mined or fail. */
  settled(): Promise<void> {
    return this.responder.settled();
  }

  /**
   * The monitor's key must hold PAUSER_ROLE and VETO_ROLE on every gateway, and should hold
   * nothing else: a monitor key is hot, so anything more is risk with no use.
   */
  private async checkRoles(): Promise<void> {
    await Promise.all(
      [...this.gateways.values()].map(async (g) => {
        try {
          for (const role of ["PAUSER_ROLE", "VETO_ROLE"] as const) {
            if (!(await g.hasRole(role, this.account))) this.roleProblems.push(`${g.name}: missing ${role}`);
          }
          for (const role of ["GOVERNOR_ROLE", "DEFAULT_ADMIN_ROLE"] as const) {
            if (await g.hasRole(role, this.account))
              this.roleProblems.push(`${g.name}: holds ${role}, which it never needs`);
          }
        } catch (e) {
          this.logger.warn({ chain: g.name, err: (e as Error).message }, "cannot check the monitor's roles");
        }
      }),
    );
    if (this.roleProblems.length > 0) {
      this.logger.error({ problems: this.roleProblems, monitor: this.account }, "monitor key roles are wrong");
    }
  }

  // ------------------------------------------------------------------------------------------
  // The per-block checks
  // ------------------------------------------------------------------------------------------

  /** One poll of every chain: read new blocks, apply them, run the checks, act. Returns how many chains had new blocks. */
  async tick(): Promise<number> {
    const polls = (await Promise.all(this.watchers.map((w) => this.poll(w)))).filter((p) => p !== undefined);
    for (const p of polls) this.applyReorg(p);
    for (const p of polls) this.applySent(p);
    for (const p of polls) for (const u of p.unpaused) this.lastUnpausedBlock.set(p.chainId, u.blockNumber);
    const actions: PlannedAction[] = [];
    for (const p of polls) this.applyDeliveries(p, actions);
    for (const p of polls) this.watcherOf(p.chainId).commit(p);

    await this.verifyDeliveries(actions);
    await this.responder.execute(actions.splice(0));
    if (polls.length > 0) await this.checkSupply(actions);
    await this.responder.execute(actions.splice(0));
    await this.checkBacklog();
    this.updateInFlight();
    await this.updateChainGauges();
    return polls.length;
  }

  private async poll(w: ChainWatcher): Promise<ChainPoll | undefined> {
    try {
      return await w.poll((msgId) => this.queuedRoutes.has(msgId));
    } catch (e) {
      this.metrics.rpcErrors.inc({ chain: w.name });
      this.logger.warn({ chain: w.name, err: (e as Error).message.split("\n")[0] }, "chain poll failed; will retry");
      return undefined;
    }
  }

  private watcherOf(chainId: number): ChainWatcher {
    return this.watchers.find((w) => w.chainId === chainId)!;
  }

  private applyReorg(p: ChainPoll) {
    if (p.reorgedAfter === undefined) return;
    const dropped = this.ledger.dropSentAfter(BigInt(p.chainId), p.reorgedAfter);
    this.logger.warn(
      { chain: this.chainName(p.chainId), rescanFrom: String(p.reorgedAfter + 1n), dropped },
      "reorg detected",
    );
  }

  private applySent(p: ChainPoll) {
    for (const s of p.sent) {
      const { isNew, executedAt } = this.ledger.recordSent(s.msgId, s.message, s.blockNumber, s.timestamp);
      if (!isNew) continue;
      const route = this.routeLabels(s.message.sourceChainId, s.message.destChainId);
      this.metrics.messagesSent.inc(route);
      if (executedAt !== undefined) this.metrics.latency.observe(route, Math.max(0, executedAt - s.timestamp));
    }
  }

  private applyDeliveries(p: ChainPoll, actions: PlannedAction[]) {
    const dest = p.chainId;
    for (const q of p.queued) {
      this.queuedRoutes.set(q.msgId, { sourceChainId: Number(q.sourceChainId), destChainId: dest });
      this.ledger.markQueued(q.msgId);
      this.alerts.resolve(`pending:${q.msgId}`);
      this.metrics.messagesDelivered.inc({ ...this.routeLabels(q.sourceChainId, dest), path: "queued" });
      this.toVerify.set(q.msgId, {
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
        this.metrics.messagesExecuted.inc({ source: "unknown", dest: this.chainName(dest) });
        this.onUnattributable(dest, e.msgId, e.txHash, e.blockNumber, actions);
        continue;
      }
      const source = e.path === "fast" ? e.message!.sourceChainId : this.queuedSource(e.msgId, e.sourceChainId);
      const route = this.routeLabels(source, dest);
      if (e.path === "fast") {
        const m = e.message!;
        this.metrics.messagesDelivered.inc({ ...route, path: "fast" });
        this.toVerify.set(e.msgId, {
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
      this.metrics.messagesExecuted.inc(route);
      this.queuedRoutes.delete(e.msgId);
      this.alerts.resolve(`pending:${e.msgId}`);
      const tracked = this.ledger.complete(e.msgId, e.timestamp);
      if (tracked) this.metrics.latency.observe(route, Math.max(0, e.timestamp - tracked.sentAt));
    }
    for (const v of p.vetoed) {
      this.metrics.messagesVetoed.inc(this.routeLabels(this.queuedSource(v.msgId), dest));
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
    const chain = this.chainName(p.chainId);
    for (const c of p.cancelled) {
      this.metrics.recordEscape(chain, "cancelled");
      this.queuedRoutes.delete(c.msgId);
      this.alerts.resolve(`pending:${c.msgId}`);
      this.ledger.complete(c.msgId);
      this.logger.warn({ chain, msgId: c.msgId, txHash: c.txHash }, "message cancelled through the escape hatch");
    }
    for (const r of p.refunded) {
      this.metrics.recordEscape(chain, "refunded");
      this.ledger.complete(r.msgId);
      this.logger.warn({ chain, msgId: r.msgId, txHash: r.txHash }, "message refunded through the escape hatch");
    }
  }

  private queuedSource(msgId: Hex, fallback?: bigint): bigint | undefined {
    const route = this.queuedRoutes.get(msgId);
    return route ? BigInt(route.sourceChainId) : fallback;
  }

  /** Check 1: every new delivery against its source gateway, at the source's latest block. */
  private async verifyDeliveries(actions: PlannedAction[]) {
    const sources: SourceGateways = {
      gatewayOf: (chainId) => this.gateways.get(Number(chainId)),
      gatewayAddressOf: (chainId) => this.gateways.get(chainId)?.address,
      isFresh: (chainId) => this.isFresh(Number(chainId)),
    };
    const jobs = [...this.toVerify.values()];
    await mapLimit(jobs, VERIFY_CONCURRENCY, async (job) => {
      const verdict = await verifyOrigin(job, sources);
      if (verdict.status === "unknown") {
        this.logger.warn({ msgId: job.msgId, reason: verdict.reason }, "cannot verify a delivery yet; will retry");
        return;
      }
      this.toVerify.delete(job.msgId);
      if (verdict.status === "forged") this.onForged(job, verdict.reason, actions);
    });
    for (const g of this.gateways.values()) {
      const waiting = [...this.toVerify.values()].filter((j) => j.destChainId === g.chainId).length;
      this.metrics.unverifiedMessages.set({ chain: g.name }, waiting);
    }
  }

  private onForged(job: DeliveryToVerify, reason: string, actions: PlannedAction[]) {
    const chain = this.chainName(job.destChainId);
    const m = job.message;
    const token = m ? tokenByHome(this.manifest, m.token) : undefined;
    const { alert, isNew } = this.alerts.raise({
      key: `forged:${job.destChainId}:${job.msgId}`,
      kind: "forged_message",
      severity: "critical",
      summary: `${chain} ${job.queued ? "queued" : "executed"} a message that chain ${job.sourceChainId} never sent`,
      chain,
      msgId: job.msgId,
      ...(token ? { token: token.symbol } : {}),
      details: {
        reason,
        sourceChainId: String(job.sourceChainId),
        nonce: String(job.nonce),
        queued: job.queued,
        txHash: job.txHash,
        blockNumber: String(job.blockNumber),
        ...(m ? { recipient: m.recipient, homeToken: m.token, amount: m.amount.toString() } : {}),
      },
    });
    if (!isNew) return;
    if (job.queued) actions.push({ action: "veto", chainId: job.destChainId, msgId: job.msgId, alerts: [alert] });
    this.pauseUnlessReviewed(job.destChainId, job.blockNumber, alert, actions);
  }

  private onUnattributable(dest: number, msgId: Hex, txHash: Hex, blockNumber: bigint, actions: PlannedAction[]) {
    const chain = this.chainName(dest);
    const { alert, isNew } = this.alerts.raise({
      key: `unattributable:${dest}:${msgId}`,
      kind: "unattributable_delivery",
      severity: "critical",
      summary: `${chain} paid out ${msgId} in a transaction with no decodable delivery of it`,
      chain,
      msgId,
      details: { txHash, blockNumber: String(blockNumber) },
    });
    if (isNew) this.pauseUnlessReviewed(dest, blockNumber, alert, actions);
  }

  /**
   * Pauses `chainId` for a violation in `block`, unless governance unpaused the gateway after
   * that block: then the violation was reviewed (this happens when the monitor restarts and
   * rescans history), and pausing again would override a deliberate decision.
   */
  private pauseUnlessReviewed(chainId: number, block: bigint, alert: Alert, actions: PlannedAction[]) {
    const unpausedAt = this.lastUnpausedBlock.get(chainId);
    if (unpausedAt !== undefined && unpausedAt > block) {
      this.alerts.recordAction(alert, {
        action: "pause",
        chain: this.chainName(chainId),
        status: "skipped",
        reason: `governance unpaused the gateway in block ${unpausedAt}, after this violation`,
      });
      return;
    }
    actions.push({ action: "pause", chainId, alerts: [alert] });
  }

  /** Check 2: solvency of every token, at the blocks just scanned; a breach pauses everything. */
  private async checkSupply(actions: PlannedAction[]) {
    const scanned: SupplySource = {
      lockedBalance: (chainId, homeToken) =>
        this.gatewayOf(chainId).lockedBalance(homeToken, this.scannedBlock(chainId)),
      totalSupply: (chainId, token) => this.gatewayOf(chainId).totalSupply(token, this.scannedBlock(chainId)),
    };
    const latest: SupplySource = {
      lockedBalance: (chainId, homeToken) => this.gatewayOf(chainId).lockedBalance(homeToken),
      totalSupply: (chainId, token) => this.gatewayOf(chainId).totalSupply(token),
    };
    for (const token of this.manifest.tokens) {
      try {
        const reading = await readSupply(token, scanned);
        this.exportSupply(reading);
        if (evaluateSupply(reading.locked, reading.minted.values()).ok) {
          this.alerts.resolve(`supply:${token.symbol}`);
          continue;
        }
        // Confirm with fresh reads before pausing a whole bridge (see checks/supply.ts).
        const confirm = await readSupply(token, latest);
        const verdict = evaluateSupply(confirm.locked, confirm.minted.values());
        if (verdict.ok) {
          this.logger.warn({ token: token.symbol }, "supply reading breached once but not on re-read; ignoring");
          continue;
        }
        this.onSupplyBreach(confirm, verdict.totalMinted, verdict.excess, actions);
      } catch (e) {
        this.logger.warn(
          { token: token.symbol, err: (e as Error).message.split("\n")[0] },
          "supply check failed; will retry",
        );
      }
    }
  }

  private onSupplyBreach(reading: SupplyReading, totalMinted: bigint, excess: bigint, actions: PlannedAction[]) {
    const { token } = reading;
    const whole = (v: bigint) => formatUnits(v, token.decimals);
    const { alert } = this.alerts.raise({
      key: `supply:${token.symbol}`,
      kind: "supply_breach",
      severity: "critical",
      summary: `${whole(totalMinted)} bridged ${token.symbol} exceed the ${whole(reading.locked)} locked on ${this.chainName(token.homeChainId)}`,
      token: token.symbol,
      details: {
        locked: reading.locked.toString(),
        totalMinted: totalMinted.toString(),
        excess: excess.toString(),
        minted: Object.fromEntries([...reading.minted].map(([chainId, v]) => [this.chainName(chainId), v.toString()])),
        decimals: token.decimals,
      },
    });
    // Enforced on every poll while the breach lasts: an insolvent bridge must stay paused, so a
    // gateway unpaused before the shortfall is fixed is paused again (the responder skips
    // gateways that are already paused, so this sends nothing when all are).
    for (const chainId of this.gateways.keys()) actions.push({ action: "pause", chainId, alerts: [alert] });
  }

  private exportSupply({ token, locked, minted }: SupplyReading) {
    const whole = (v: bigint) => Number(formatUnits(v, token.decimals));
    this.metrics.lockedTokens.set({ token: token.symbol, chain: this.chainName(token.homeChainId) }, whole(locked));
    for (const [chainId, amount] of minted) {
      this.metrics.mintedTokens.set({ token: token.symbol, chain: this.chainName(chainId) }, whole(amount));
    }
  }

  /** Check 3: backlog per route, and an alert for each message older than the SLO. */
  private async checkBacklog() {
    const nowSeconds = Math.floor(this.now() / 1000);
    const undelivered = this.ledger.undelivered();
    const ids = [...this.gateways.keys()];
    const routes = ids.flatMap((s) => ids.filter((d) => d !== s).map((d) => [s, d] as const));
    for (const b of backlogByRoute(undelivered, routes, nowSeconds)) {
      const labels = this.routeLabels(b.sourceChainId, b.destChainId);
      this.metrics.pendingMessages.set(labels, b.count);
      this.metrics.oldestPendingAge.set(labels, b.oldestAgeSeconds);
    }
    const late = overdue(undelivered, nowSeconds, this.settings.pendingSloSeconds).filter(
      (m) => !this.alerts.isOpen(`pending:${m.msgId}`),
    );
    for (const m of late.slice(0, OVERDUE_CONFIRMATIONS_PER_POLL)) {
      let nonceTaken = false;
      try {
        // The ledger only knows what the monitor saw; the destination has the last word. A
        // processed nonce is not enough: a vetoed forgery may hold it, so the destination must
        // also know this very message (a queue entry; fast ones the monitor never misses).
        const dest = this.gateways.get(Number(m.message.destChainId));
        if (dest && (await dest.isProcessed(m.message.sourceChainId, m.message.nonce))) {
          const status = await dest.queuedStatus(m.msgId);
          if (status === MessageStatus.Cancelled) {
            this.ledger.complete(m.msgId);
            continue;
          }
          if (status !== MessageStatus.None) {
            this.ledger.markQueued(m.msgId);
            continue;
          }
          nonceTaken = true;
        }
      } catch (e) {
        this.logger.warn({ msgId: m.msgId, err: (e as Error).message.split("\n")[0] }, "cannot confirm a late message");
        continue;
      }
      const route = this.routeLabels(m.message.sourceChainId, m.message.destChainId);
      const token = tokenByHome(this.manifest, m.message.token);
      this.alerts.raise({
        key: `pending:${m.msgId}`,
        kind: "pending_slo",
        severity: "warning",
        summary: `message ${m.message.nonce} ${route.source}→${route.dest} undelivered for ${nowSeconds - m.sentAt}s (SLO ${this.settings.pendingSloSeconds}s)`,
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

  private updateInFlight() {
    const byToken = new Map<string, bigint>();
    for (const m of this.ledger.inFlight()) {
      const key = m.message.token.toLowerCase();
      byToken.set(key, (byToken.get(key) ?? 0n) + m.message.amount);
    }
    for (const t of this.manifest.tokens) {
      const amount = byToken.get(t.homeToken.toLowerCase()) ?? 0n;
      this.metrics.inFlightTokens.set({ token: t.symbol }, Number(formatUnits(amount, t.decimals)));
    }
  }

  private async updateChainGauges() {
    const nowSeconds = this.now() / 1000;
    await Promise.all(
      this.watchers.map(async (w) => {
        if (!w.head) return;
        this.metrics.headBlock.set({ chain: w.name }, Number(w.head.number));
        this.metrics.headAge.set({ chain: w.name }, Math.max(0, nowSeconds - w.head.timestamp));
        try {
          this.metrics.paused.set({ chain: w.name }, (await w.gateway.paused()) ? 1 : 0);
        } catch {
          this.metrics.rpcErrors.inc({ chain: w.name });
        }
      }),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Guardians (check 4) and the monitor's own gas
  // ------------------------------------------------------------------------------------------

  private async guardianLoop(signal: AbortSignal) {
    while (!signal.aborted) {
      await this.checkGuardians();
      await this.checkOwnBalance();
      await sleep(this.settings.guardianPollMs, signal);
    }
  }

  /**
   * Follows the gateways' current guardian sets (a rotation takes effect here without a
   * restart). A gateway that cannot be read keeps the previous view.
   */
  private async refreshGuardianSet() {
    let sets;
    try {
      sets = await Promise.all([...this.gateways.values()].map((g) => g.currentGuardianSet()));
    } catch (e) {
      this.logger.warn(
        { err: (e as Error).message.split("\n")[0] },
        "cannot read the guardian set; keeping the last one",
      );
      return;
    }
    const next = followGuardianSets(this.guardians, sets, guardianDirectory(this.manifest));
    for (const address of next.removed) {
      this.metrics.guardianUp.remove({ guardian: address });
      this.metrics.guardianLastSigned.remove({ guardian: address });
      this.alerts.resolve(`guardian:${address}`);
      this.logger.info({ guardian: address }, "guardian left the set; no longer watched");
    }
    this.guardians = next.guardians;
    this.guardianThreshold = next.threshold;
    this.metrics.guardianThreshold.set(next.threshold);
  }

  async checkGuardians(): Promise<void> {
    await this.refreshGuardianSet();
    const timeoutMs = Math.min(5_000, Math.max(500, this.settings.guardianPollMs));
    const probes = await Promise.all(
      this.guardians.map((g) => probeGuardian(g.url, g.address, timeoutMs, this.fetchImpl)),
    );
    this.guardians = this.guardians.map((g, i) => applyProbe(g, probes[i]!));
    for (const [i, g] of this.guardians.entries()) {
      this.metrics.guardianUp.set({ guardian: g.address }, probes[i]!.ok ? 1 : 0);
      this.metrics.guardianLastSigned.set({ guardian: g.address }, g.lastSignedAt ?? 0);
      for (const [chainId, view] of Object.entries(probes[i]!.health?.chains ?? {})) {
        this.metrics.guardianChainLag.set(
          { guardian: g.address, chain: this.chainName(Number(chainId)) },
          view.lagSeconds,
        );
      }
      const key = `guardian:${g.address}`;
      if (!isDown(g)) {
        this.alerts.resolve(key);
        continue;
      }
      this.alerts.raise({
        key,
        kind: "guardian_down",
        severity: "warning",
        summary: `guardian ${g.address} failed ${g.consecutiveFailures} health checks: ${g.lastError}`,
        details: { guardian: g.address, url: g.url, error: g.lastError },
      });
    }
    const threshold = this.guardianThreshold;
    const shortfall = quorumShortfall(this.guardians, threshold);
    if (shortfall === 0) {
      this.alerts.resolve("guardian-quorum");
      return;
    }
    this.alerts.raise({
      key: "guardian-quorum",
      kind: "guardian_down",
      severity: "critical",
      summary: `only ${threshold - shortfall} of ${this.guardians.length} guardians are up; ${threshold} must sign: no message can be attested`,
      details: { threshold, down: this.guardians.filter(isDown).map((g) => g.address) },
    });
  }

  private async checkOwnBalance() {
    await Promise.all(
      [...this.gateways.values()].map(async (g) => {
        try {
          const wei = await g.client.getBalance({ address: this.account });
          this.metrics.monitorBalance.set({ chain: g.name }, Number(formatEther(wei)));
        } catch {
          this.metrics.rpcErrors.inc({ chain: g.name });
        }
      }),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Helpers
  // ------------------------------------------------------------------------------------------

  /** The chain answered within STALE_AFTER_SECONDS and its latest block is no older than that. */
  private isFresh(chainId: number): boolean {
    const w = this.watchers.find((x) => x.chainId === chainId);
    if (!w?.head || w.lastOkAt === undefined) return false;
    const stale = this.settings.staleAfterSeconds;
    return this.now() - w.lastOkAt <= stale * 1000 && this.now() / 1000 - w.head.timestamp <= stale;
  }

  private gatewayOf(chainId: number): ChainGateway {
    const g = this.gateways.get(chainId);
    if (!g) throw new Error(`no gateway on chain ${chainId}`);
    return g;
  }

  /** The block the monitor has read up to on `chainId` (its latest head if it has not started). */
  private scannedBlock(chainId: number): bigint | undefined {
    const w = this.watcherOf(chainId);
    return w.head ? w.processedBlock : undefined;
  }

  private chainName(chainId: number | bigint | undefined): string {
    if (chainId === undefined) return "unknown";
    try {
      return chainById(this.manifest, chainId).name;
    } catch {
      return String(chainId);
    }
  }

  private routeLabels(source: number | bigint | undefined, dest: number | bigint) {
    return { source: this.chainName(source), dest: this.chainName(dest) };
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
