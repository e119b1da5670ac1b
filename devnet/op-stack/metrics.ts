/**
 * Every metric the devnet's OP Stack operator exports, registered on an injected prom-client
 * `Registry`. Labels: `chain` is the L2 chain id (one process serves one L2), `role` is
 * `proposer` or `deposits`.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export class OpStackOperatorMetrics {
  readonly outputsProposed: Counter<"chain">;
  readonly lastProposedBlock: Gauge<"chain">;
  readonly depositsExecuted: Counter<"chain" | "status">;
  readonly errors: Counter<"chain" | "role">;
  readonly lastSuccess: Gauge<"chain" | "role">;

  constructor(registry: Registry) {
    const registers = [registry];
    const p = "bridge_opstack_";
    this.outputsProposed = new Counter({
      name: `${p}outputs_proposed_total`,
      help: "Output roots proposed to the L2OutputOracle",
      labelNames: ["chain"],
      registers,
    });
    this.lastProposedBlock = new Gauge({
      name: `${p}last_proposed_l2_block`,
      help: "L2 block number of the latest output this operator proposed",
      labelNames: ["chain"],
      registers,
    });
    this.depositsExecuted = new Counter({
      name: `${p}deposits_executed_total`,
      help: "Deposits (TransactionDeposited on the portal) executed on the L2, by status (success | reverted)",
      labelNames: ["chain", "status"],
      registers,
    });
    this.errors = new Counter({
      name: `${p}errors_total`,
      help: "Failed proposer or deposit rounds (retried on the next tick)",
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
