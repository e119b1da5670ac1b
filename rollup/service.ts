/**
 * The simulated rollup's operator for one L2: the proposer (posts output roots on L1 every
 * `proposeIntervalMs` when there are new withdrawals) and the sequencer (relays L1 deposits on
 * the L2 every `pollIntervalMs`). The two roles use different keys and chains, so they run as two
 * independent loops; each keeps one transaction in flight and retries a failed round on its next
 * tick. Both are stateless across restarts: the chains hold the truth.
 */
import type { Hex } from "viem";
import type { Logger } from "../core/service/logger.js";
import { sleep } from "../core/service/lifecycle.js";
import type { RollupMetrics } from "./metrics.js";
import { proposeOutput, type ProposerContext } from "./proposer.js";
import { relayPendingDeposits, type SequencerContext } from "./sequencer.js";
import { simL2MessengerAbi, simRollupPortalAbi } from "../core/generated/abis.js";

export interface RollupSettings {
  l2ChainId: number;
  portalDeployBlock: bigint;
  proposeIntervalMs: number;
  pollIntervalMs: number;
}

export interface RollupServiceDeps {
  settings: RollupSettings;
  chain: ProposerContext & SequencerContext;
  metrics: RollupMetrics;
  logger: Logger;
}

type Role = "proposer" | "sequencer";

export class RollupService {
  private readonly settings: RollupSettings;
  private readonly ctx: ProposerContext & SequencerContext;
  private readonly metrics: RollupMetrics;
  private readonly log: Record<Role, Logger>;
  private readonly label: { chain: string };
  private hashes: Hex[] = [];
  private depositCursor: bigint;
  private readonly lastSuccessAt: Record<Role, number | undefined> = { proposer: undefined, sequencer: undefined };

  constructor(deps: RollupServiceDeps) {
    this.settings = deps.settings;
    this.ctx = deps.chain;
    this.metrics = deps.metrics;
    this.log = {
      proposer: deps.logger.child({ component: "proposer" }),
      sequencer: deps.logger.child({ component: "sequencer" }),
    };
    this.label = { chain: String(deps.settings.l2ChainId) };
    this.depositCursor = deps.settings.portalDeployBlock;
  }

  /** Runs both roles until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([
      this.loop("proposer", this.settings.proposeIntervalMs, signal, () => this.proposeOnce()),
      this.loop("sequencer", this.settings.pollIntervalMs, signal, () => this.sequenceOnce()),
    ]);
  }

  /** One proposer round: posts a root if there are withdrawals the latest output does not cover. */
  async proposeOnce(): Promise<void> {
    const result = await proposeOutput(this.ctx, this.hashes);
    this.hashes = result.hashes;
    this.metrics.withdrawals.set(this.label, result.withdrawalCount);
    if (result.proposed) {
      this.metrics.outputsProposed.inc(this.label);
      this.metrics.lastProposedCount.set(this.label, result.withdrawalCount);
      this.log.proposer.info(
        {
          outputIndex: result.outputIndex,
          withdrawalCount: result.withdrawalCount,
          root: result.root,
          tx: result.txHash,
        },
        "output root proposed",
      );
    }
  }

  /** One sequencer round: relays every pending deposit in order. */
  async sequenceOnce(): Promise<void> {
    const round = await relayPendingDeposits(this.ctx, {
      fromBlock: this.depositCursor,
      rescanFromBlock: this.settings.portalDeployBlock,
      onRelayed: (d) => {
        this.metrics.depositsRelayed.inc({ ...this.label, result: d.result });
        const log = d.result === "relayed" ? this.log.sequencer.info : this.log.sequencer.warn;
        log.call(
          this.log.sequencer,
          { nonce: d.nonce, result: d.result, tx: d.txHash },
          d.result === "relayed" ? "deposit relayed" : "deposit target reverted; recorded for retryDeposit",
        );
      },
    });
    this.depositCursor = round.nextFromBlock;
    const [next, queued] = await Promise.all([
      this.ctx.l2Client.readContract({
        address: this.ctx.messenger,
        abi: simL2MessengerAbi,
        functionName: "nextDepositNonce",
      }),
      this.ctx.l1Client.readContract({
        address: this.ctx.portal,
        abi: simRollupPortalAbi,
        functionName: "depositCount",
      }),
    ]);
    this.metrics.nextDepositNonce.set(this.label, Number(next));
    this.metrics.depositsQueued.set(this.label, Number(queued));
  }

  /** Healthy when both roles completed a round recently (within 10 intervals, at least 30 s). */
  health(now = Date.now()): { ok: boolean; l2ChainId: number; proposer: string; sequencer: string } {
    const fresh = (role: Role, intervalMs: number) => {
      const at = this.lastSuccessAt[role];
      return at !== undefined && now - at <= Math.max(30_000, 10 * intervalMs);
    };
    const proposerOk = fresh("proposer", this.settings.proposeIntervalMs);
    const sequencerOk = fresh("sequencer", this.settings.pollIntervalMs);
    return {
      ok: proposerOk && sequencerOk,
      l2ChainId: this.settings.l2ChainId,
      proposer: proposerOk ? "ok" : "stale",
      sequencer: sequencerOk ? "ok" : "stale",
    };
  }

  private async loop(role: Role, intervalMs: number, signal: AbortSignal, round: () => Promise<void>) {
    while (!signal.aborted) {
      try {
        await round();
        this.lastSuccessAt[role] = Date.now();
        this.metrics.lastSuccess.set({ ...this.label, role }, Date.now() / 1000);
      } catch (e) {
        this.metrics.errors.inc({ ...this.label, role });
        this.log[role].error({ err: (e as Error).message }, `${role} round failed; retrying next tick`);
      }
      await sleep(intervalMs, signal);
    }
  }
}
