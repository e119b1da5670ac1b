/**
 * The devnet's OP Stack operator for one L2: the output proposer (`proposer.ts`) and the deposit
 * executor (`deposits.ts`), the two things OP's node software does off-chain that the escape
 * hatch depends on. They use different chains and keys, so they run as two independent loops;
 * each keeps one transaction in flight and retries a failed round on its next tick.
 */
import type { Logger } from "../../core/service/logger.js";
import { sleep } from "../../core/service/lifecycle.js";
import { executePendingDeposits, type DepositContext, type DepositCursorStore } from "./deposits.js";
import type { OpStackOperatorMetrics } from "./metrics.js";
import { proposeDueOutputs, type ProposerContext } from "./proposer.js";

export interface OpStackOperatorSettings {
  l2ChainId: number;
  instance: string;
  proposeIntervalMs: number;
  pollIntervalMs: number;
}

export interface OpStackOperatorDeps {
  settings: OpStackOperatorSettings;
  proposer: ProposerContext;
  deposits: DepositContext;
  cursor: DepositCursorStore;
  metrics: OpStackOperatorMetrics;
  logger: Logger;
}

type Role = "proposer" | "deposits";

export class OpStackOperator {
  private readonly log: Record<Role, Logger>;
  private readonly label: { chain: string };
  private readonly lastSuccessAt: Record<Role, number | undefined> = { proposer: undefined, deposits: undefined };

  constructor(private readonly deps: OpStackOperatorDeps) {
    this.log = {
      proposer: deps.logger.child({ component: "proposer" }),
      deposits: deps.logger.child({ component: "deposits" }),
    };
    this.label = { chain: String(deps.settings.l2ChainId) };
  }

  /** Runs both roles until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const s = this.deps.settings;
    await Promise.all([
      this.loop("proposer", s.proposeIntervalMs, signal, () => this.proposeOnce()),
      this.loop("deposits", s.pollIntervalMs, signal, () => this.executeOnce()),
    ]);
  }

  /** One proposer round: every output that is due. */
  async proposeOnce(): Promise<void> {
    await proposeDueOutputs(this.deps.proposer, (p) => {
      // Each proposal is progress: a proposer catching up on a long backlog (a busy machine,
      // many outputs due after a long deploy) is healthy, though its round has not ended yet.
      this.lastSuccessAt.proposer = Date.now();
      this.deps.metrics.outputsProposed.inc(this.label);
      this.deps.metrics.lastProposedBlock.set(this.label, Number(p.output.l2BlockNumber));
      this.log.proposer.info(
        { outputIndex: p.outputIndex, l2Block: p.output.l2BlockNumber, root: p.output.outputRoot, tx: p.txHash },
        "output proposed",
      );
    });
  }

  /** One deposit round: every new deposit, in order. */
  async executeOnce(): Promise<void> {
    await executePendingDeposits(this.deps.deposits, this.deps.cursor, (e) => {
      this.deps.metrics.depositsExecuted.inc({ ...this.label, status: e.status });
      const log = e.status === "success" ? this.log.deposits.info : this.log.deposits.warn;
      log.call(
        this.log.deposits,
        { l1Tx: e.deposit.l1TxHash, from: e.deposit.from, to: e.deposit.to, l2Tx: e.l2TxHash, status: e.status },
        e.status === "success" ? "deposit executed" : "deposit executed and reverted",
      );
    });
  }

  /**
   * Healthy when both roles completed a round (or the proposer proposed an output) recently:
   * within 10 intervals, at least 30 s.
   */
  health(now = Date.now()) {
    const s = this.deps.settings;
    const fresh = (role: Role, intervalMs: number) => {
      const at = this.lastSuccessAt[role];
      return at !== undefined && now - at <= Math.max(30_000, 10 * intervalMs);
    };
    const proposer = fresh("proposer", s.proposeIntervalMs);
    const deposits = fresh("deposits", s.pollIntervalMs);
    return {
      ok: proposer && deposits,
      service: "op-stack",
      instance: s.instance,
      l2ChainId: s.l2ChainId,
      proposer: proposer ? "ok" : "stale",
      deposits: deposits ? "ok" : "stale",
    };
  }

  private async loop(role: Role, intervalMs: number, signal: AbortSignal, round: () => Promise<void>) {
    while (!signal.aborted) {
      try {
        await round();
        this.lastSuccessAt[role] = Date.now();
        this.deps.metrics.lastSuccess.set({ ...this.label, role }, Date.now() / 1000);
      } catch (e) {
        this.deps.metrics.errors.inc({ ...this.label, role });
        this.log[role].error({ err: (e as Error).message }, `${role} round failed; retrying next tick`);
      }
      await sleep(intervalMs, signal);
    }
  }
}
