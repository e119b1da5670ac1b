/**
 * Every metric the rollup service exports, registered on an injected prom-client `Registry`.
 * Labels: `chain` is the L2 chain id (one process serves one L2, but several may share a
 * Prometheus), `role` is `proposer` or `sequencer`.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export class RollupMetrics {
  readonly outputsProposed: Counter<"chain">;
  readonly lastProposedCount: Gauge<"chain">;
  readonly withdrawals: Gauge<"chain">;
  readonly depositsRelayed: Counter<"chain" | "result">;
  readonly nextDepositNonce: Gauge<"chain">;
  readonly depositsQueued: Gauge<"chain">;
  readonly errors: Counter<"chain" | "role">;
  readonly lastSuccess: Gauge<"chain" | "role">;

  constructor(registry: Registry) {
    const registers = [registry];
    const p = "bridge_rollup_";
    this.outputsProposed = new Counter({
      name: `${p}outputs_proposed_total`,
      help: "Output roots posted to the L1 portal",
      labelNames: ["chain"],
      registers,
    });
    this.lastProposedCount = new Gauge({
      name: `${p}last_proposed_count`,
      help: "Withdrawal count covered by the latest output root on L1",
      labelNames: ["chain"],
      registers,
    });
    this.withdrawals = new Gauge({
      name: `${p}withdrawals`,
      help: "L2→L1 messages sent on the L2 messenger so far",
      labelNames: ["chain"],
      registers,
    });
    this.depositsRelayed = new Counter({
      name: `${p}deposits_relayed_total`,
      help: "L1 deposits relayed on L2, by result (relayed: executed; failed: target reverted, retryable)",
      labelNames: ["chain", "result"],
      registers,
    });
    this.nextDepositNonce = new Gauge({
      name: `${p}next_deposit_nonce`,
      help: "The next deposit nonce the L2 messenger accepts",
      labelNames: ["chain"],
      registers,
    });
    this.depositsQueued = new Gauge({
      name: `${p}deposits_queued`,
      help: "Deposits queued on the L1 portal so far",
      labelNames: ["chain"],
      registers,
    });
    this.errors = new Counter({
      name: `${p}errors_total`,
      help: "Failed proposer or sequencer rounds (retried on the next tick)",
      labelNames: ["chain", "role"],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: `${p}last_success_timestamp_seconds`,
      help: "Unix time of the last successful round, by role",
      labelNames: ["chain", "role"],
      registers,
    });
  }
}
