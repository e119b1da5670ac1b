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
 * This file is the loop and the wiring: chain-watcher.ts reads each chain, ingestion.ts applies
 * what it read, each check is one module under checks/ (origin, supply, pending, guardians) with
 * its decisions unit-tested, and responder.ts sends the vetoes and pauses.
 *
 * Independent of relayers and guardians: it reads the chains through its own RPC clients and
 * needs nothing from the other services except the guardians' public /healthz.
 */
import { formatEther, type Address, type PublicClient } from "viem";
import type { Registry } from "prom-client";
import type { ChainWallet } from "../core/chains.js";
import type { Manifest } from "../core/manifest.js";
import type { Logger } from "../core/service/logger.js";
import { sleep } from "../core/service/lifecycle.js";
import { AlertLog } from "./alerts.js";
import { ChainWatcher, type ChainPoll } from "./chain-watcher.js";
import { GuardianCheck } from "./checks/guardians.js";
import { OriginCheck } from "./checks/origin.js";
import { DeliveryCheck } from "./checks/pending.js";
import { SolvencyCheck } from "./checks/supply.js";
import type { MonitorContext, MonitorSettings } from "./context.js";
import { ChainGateway, type GatewayChainInfo, type SourceEndpoint } from "./gateway.js";
import { Ingestion } from "./ingestion.js";
import { MonitorMetrics } from "./metrics.js";
import { Responder, type PlannedAction } from "./responder.js";

export type { MonitorSettings } from "./context.js";

export interface MonitoredChain {
  info: GatewayChainInfo;
  client: PublicClient;
  /** The monitor's key on this chain (PAUSER_ROLE and VETO_ROLE, nothing else). */
  wallet: ChainWallet;
  /** Every endpoint of the chain when it has several: the origin check asks them all. */
  endpoints?: readonly SourceEndpoint[];
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

export class Monitor {
  readonly alerts: AlertLog;
  readonly metrics: MonitorMetrics;
  private readonly ctx: MonitorContext;
  private readonly logger: Logger;
  private readonly gateways = new Map<number, ChainGateway>();
  private readonly watchers: ChainWatcher[];
  private readonly responder: Responder;
  private readonly ingestion: Ingestion;
  private readonly origin: OriginCheck;
  private readonly solvency: SolvencyCheck;
  private readonly delivery: DeliveryCheck;
  private readonly guardians: GuardianCheck;
  private readonly account: Address;
  private readonly roleProblems: string[] = [];

  constructor(deps: MonitorDeps) {
    const first = deps.chains[0];
    if (!first) throw new Error("monitor: the manifest has no chain with a gateway");
    const now = deps.now ?? Date.now;
    this.logger = deps.logger.child({ component: "monitor" });
    this.account = first.wallet.account.address;
    this.metrics = new MonitorMetrics(deps.registry);
    this.alerts = new AlertLog(this.metrics, deps.logger.child({ component: "alerts" }), () => new Date(now()));
    this.ctx = {
      manifest: deps.manifest,
      settings: deps.settings,
      alerts: this.alerts,
      metrics: this.metrics,
      logger: this.logger,
      now,
    };
    for (const c of deps.chains) {
      this.gateways.set(c.info.chainId, new ChainGateway(c.info, c.client, c.wallet, c.endpoints));
    }
    this.watchers = [...this.gateways.values()].map((g) => new ChainWatcher(g, BigInt(g.info.deployBlock ?? 0), now));
    this.responder = new Responder(
      this.gateways,
      this.alerts,
      this.metrics,
      deps.logger.child({ component: "responder" }),
    );

    this.origin = new OriginCheck(
      this.ctx,
      {
        gatewayOf: (chainId) => this.gateways.get(Number(chainId)),
        gatewayAddressOf: (chainId) => this.gateways.get(chainId)?.address,
        isFresh: (chainId) => this.isFresh(Number(chainId)),
      },
      (chainId) => this.ingestion.lastUnpausedBlock(chainId),
    );
    this.ingestion = new Ingestion(this.ctx, this.origin);
    this.solvency = new SolvencyCheck(
      this.ctx,
      {
        lockedBalance: (chainId, homeToken) =>
          this.gatewayOf(chainId).lockedBalance(homeToken, this.scannedBlock(chainId)),
        totalSupply: (chainId, token) => this.gatewayOf(chainId).totalSupply(token, this.scannedBlock(chainId)),
      },
      {
        lockedBalance: (chainId, homeToken) => this.gatewayOf(chainId).lockedBalance(homeToken),
        totalSupply: (chainId, token) => this.gatewayOf(chainId).totalSupply(token),
      },
      () => [...this.gateways.keys()],
    );
    this.delivery = new DeliveryCheck(
      this.ctx,
      this.ingestion.ledger,
      (chainId) => this.gateways.get(chainId),
      () => [...this.gateways.keys()],
    );
    this.guardians = new GuardianCheck(
      this.ctx,
      () => Promise.all([...this.gateways.values()].map((g) => g.currentGuardianSet())),
      deps.fetch ?? fetch,
    );
    this.metrics.pendingSlo.set(deps.settings.pendingSloSeconds);
    this.metrics.initSeries(deps.chains.map((c) => c.info.name));
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle
  // ------------------------------------------------------------------------------------------

  /** Runs until `signal` aborts, then waits (briefly) for sent actions to be mined. */
  async run(signal: AbortSignal): Promise<void> {
    await this.checkRoles();
    const guardianLoop = this.guardianLoop(signal);
    while (!signal.aborted) {
      const started = this.ctx.now();
      let progressed = false;
      try {
        progressed = (await this.tick()) > 0;
      } catch (e) {
        this.logger.error({ err: (e as Error).message }, "poll failed");
      }
      // A backfill that is making progress continues at once; anything else waits its turn.
      const backfilling = progressed && this.watchers.some((w) => w.behind);
      if (!backfilling) {
        await sleep(Math.max(0, this.ctx.settings.pollIntervalMs - (this.ctx.now() - started)), signal);
      }
    }
    await guardianLoop;
    await Promise.race([this.responder.settled(), sleep(10_000)]);
    this.logger.info({ outstandingActions: this.responder.outstanding }, "monitor stopped");
  }

  /** Ready when every chain answered within STALE_AFTER_SECONDS. */
  health() {
    const now = this.ctx.now();
    const chains = Object.fromEntries(
      this.watchers.map((w) => {
        const answeredSecondsAgo = w.lastOkAt === undefined ? null : (now - w.lastOkAt) / 1000;
        const ok = answeredSecondsAgo !== null && answeredSecondsAgo <= this.ctx.settings.staleAfterSeconds;
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

  /** Check 4 once (the guardian loop runs it on its own timer). */
  checkGuardians(): Promise<void> {
    return this.guardians.run();
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
    const actions: PlannedAction[] = [];
    this.ingestion.apply(polls, actions);
    // The ledger's gauges in the same turn as the counters `apply` moved (no await between), so
    // a scrape never sees a message executed but still pending, or pending but not in flight.
    // Both are exported again at the end of the tick, after the checks may have settled some.
    this.delivery.exportBacklog();
    this.ingestion.exportInFlight();
    for (const p of polls) this.watcherOf(p.chainId).commit(p);

    await this.origin.run(actions);
    for (const g of this.gateways.values())
      this.metrics.unverifiedMessages.set({ chain: g.name }, this.origin.waiting(g.chainId));
    await this.responder.execute(actions.splice(0));
    if (polls.length > 0) await this.solvency.run(actions);
    await this.responder.execute(actions.splice(0));
    await this.delivery.run();
    this.ingestion.exportInFlight();
    await this.updateChainGauges();
    return polls.length;
  }

  private async poll(w: ChainWatcher): Promise<ChainPoll | undefined> {
    try {
      return await w.poll((msgId) => this.ingestion.wasQueued(msgId));
    } catch (e) {
      this.metrics.rpcErrors.inc({ chain: w.name });
      this.logger.warn({ chain: w.name, err: (e as Error).message.split("\n")[0] }, "chain poll failed; will retry");
      return undefined;
    }
  }

  private watcherOf(chainId: number): ChainWatcher {
    return this.watchers.find((w) => w.chainId === chainId)!;
  }

  private async updateChainGauges() {
    const nowSeconds = this.ctx.now() / 1000;
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
      await this.guardians.run();
      await this.checkOwnBalance();
      await sleep(this.ctx.settings.guardianPollMs, signal);
    }
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
    const stale = this.ctx.settings.staleAfterSeconds;
    const now = this.ctx.now();
    return now - w.lastOkAt <= stale * 1000 && now / 1000 - w.head.timestamp <= stale;
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
}
