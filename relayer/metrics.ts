/**
 * Every relayer metric: names, help and label sets in one place, registered on a Registry passed
 * in (never the global one), so tests and several relayers in one process do not collide.
 *
 * Labels: `route` is `<sourceChainId>-<destChainId>`, `chain` a chain id, `queue` a BullMQ queue
 * name, `state` a BullMQ job state, `stage` one of observe|attest|simulate|send|execute.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export const JOB_STATES = ["waiting", "active", "delayed", "failed", "completed", "prioritized"] as const;

export class RelayerMetrics {
  readonly queueJobs: Gauge<"queue" | "state">;
  readonly messagesObserved: Counter<"route">;
  readonly feedEnqueued: Counter;
  readonly messagesDelivered: Counter<"route" | "result">;
  readonly batchesDelivered: Counter<"route">;
  readonly batchSize: Histogram<"route">;
  readonly deliveryLatency: Histogram<"route">;
  readonly batchStep: Histogram<"route" | "step">;
  readonly earlyAttestations: Counter<"route" | "result">;
  readonly sharedListings: Counter<"result">;
  readonly attestations: Counter<"route" | "source">;
  readonly failures: Counter<"stage" | "reason">;
  readonly deadLetters: Counter<"stage">;
  readonly messagesExecuted: Counter<"chain" | "result">;
  readonly gasUsed: Counter<"chain">;
  readonly gasSpentWei: Counter<"chain">;
  readonly feeIncomeWei: Counter<"chain">;
  readonly dropOffSuppliedWei: Counter<"chain">;
  readonly messagesLeftAlone: Counter<"route" | "reason">;
  readonly txReplacements: Counter<"chain">;
  readonly walletBalanceWei: Gauge<"chain">;
  readonly observedBlock: Gauge<"chain">;
  readonly headBlock: Gauge<"chain">;

  constructor(registry: Registry, queueCounts?: () => Promise<QueueCount[]>) {
    const registers = [registry];
    this.queueJobs = new Gauge({
      name: "bridge_relayer_queue_jobs",
      help: "Jobs per relayer queue and BullMQ state (shared by every relayer on the Redis)",
      labelNames: ["queue", "state"],
      registers,
      async collect() {
        if (!queueCounts) return;
        try {
          for (const c of await queueCounts()) this.set({ queue: c.queue, state: c.state }, c.count);
        } catch {
          // Redis unavailable: keep the last values; /healthz reports the outage.
        }
      },
    });
    this.messagesObserved = new Counter({
      name: "bridge_relayer_messages_observed_total",
      help: "MessageSent events this relayer read on a source chain at confirmation depth",
      labelNames: ["route"],
      registers,
    });
    this.feedEnqueued = new Counter({
      name: "bridge_relayer_feed_enqueued_total",
      help: "Messages enqueued for delivery when a guardian quorum listed them on the signable feeds before any relayer's observer had enqueued their block",
      registers,
    });
    this.messagesDelivered = new Counter({
      name: "bridge_relayer_messages_delivered_total",
      help: "Messages this relayer saw through delivery: result executed (fast path), queued (delayed), already_processed (delivered before)",
      labelNames: ["route", "result"],
      registers,
    });
    this.batchesDelivered = new Counter({
      name: "bridge_relayer_batches_delivered_total",
      help: "deliver transactions this relayer got mined successfully",
      labelNames: ["route"],
      registers,
    });
    this.batchSize = new Histogram({
      name: "bridge_relayer_batch_size",
      help: "Messages per mined deliver transaction",
      labelNames: ["route"],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1024],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: "bridge_relayer_delivery_latency_seconds",
      help: "Time from a message's observation to its delivery transaction being mined",
      labelNames: ["route"],
      buckets: [1, 2, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.batchStep = new Histogram({
      name: "bridge_relayer_batch_step_seconds",
      help: "Time of each step of a delivered batch: queued (oldest message enqueued to batch taken), checked, listed, attested, simulated, mined (each from the previous step's end)",
      labelNames: ["route", "step"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    this.earlyAttestations = new Counter({
      name: "bridge_relayer_early_attestations_total",
      help: "Attestations requested for a group of messages before their batch was taken, by what became of each: used (the batch was that group), unusable (refused in part, or the guardian set changed: the batch asked again), unused (no batch was that group)",
      labelNames: ["route", "result"],
      registers,
    });
    this.sharedListings = new Counter({
      name: "bridge_relayer_shared_listings_total",
      help: "Batches of a relayer that follows no feed that looked for their group's listing signatures in Redis (shared by the feed followers), by result: used (a quorum of valid signatures: nobody asked), absent (the batch asked the guardians)",
      labelNames: ["result"],
      registers,
    });
    this.attestations = new Counter({
      name: "bridge_relayer_attestations_total",
      help: "Guardian quorums a batch round got, by where the signatures came from: listed (the guardians signed the group as they listed it, and the feeds carried it), asked (requested from them, early or when the batch was taken)",
      labelNames: ["route", "source"],
      registers,
    });
    this.failures = new Counter({
      name: "bridge_relayer_failures_total",
      help: "Failures by pipeline stage and reason (retried unless also counted in dead_letter_total)",
      labelNames: ["stage", "reason"],
      registers,
    });
    this.deadLetters = new Counter({
      name: "bridge_relayer_dead_letter_total",
      help: "Messages moved to the dead-letter queue (permanent failures)",
      labelNames: ["stage"],
      registers,
    });
    this.messagesExecuted = new Counter({
      name: "bridge_relayer_messages_executed_total",
      help: "Queued messages handled by the execute stage: executed, already_executed, vetoed, cancelled",
      labelNames: ["chain", "result"],
      registers,
    });
    this.gasUsed = new Counter({
      name: "bridge_relayer_gas_used_total",
      help: "Gas used by this relayer's mined transactions",
      labelNames: ["chain"],
      registers,
    });
    this.gasSpentWei = new Counter({
      name: "bridge_relayer_gas_spent_wei_total",
      help: "Fees paid by this relayer's mined transactions (gasUsed * effectiveGasPrice), in wei",
      labelNames: ["chain"],
      registers,
    });
    this.feeIncomeWei = new Counter({
      name: "bridge_relayer_fee_income_wei_total",
      help: "Delivery fees (source-chain native wei, from MessageSent) of the messages this relayer delivered, by source chain; the beneficiary claims them from that gateway",
      labelNames: ["chain"],
      registers,
    });
    this.dropOffSuppliedWei = new Counter({
      name: "bridge_relayer_drop_off_supplied_wei_total",
      help: "Native wei this relayer supplied as the drop-offs of its mined deliveries, by destination chain",
      labelNames: ["chain"],
      registers,
    });
    this.messagesLeftAlone = new Counter({
      name: "bridge_relayer_messages_left_alone_total",
      help: "Messages the fee policy left alone (reason underpaid: paid less than their quote); their senders can self-relay or escape them",
      labelNames: ["route", "reason"],
      registers,
    });
    this.txReplacements = new Counter({
      name: "bridge_relayer_tx_replacements_total",
      help: "Transactions re-sent with the same nonce and bumped fees after TX_TIMEOUT_MS",
      labelNames: ["chain"],
      registers,
    });
    this.walletBalanceWei = new Gauge({
      name: "bridge_relayer_wallet_balance_wei",
      help: "Native balance of the relayer's account; alert before it cannot pay for gas",
      labelNames: ["chain"],
      registers,
    });
    this.observedBlock = new Gauge({
      name: "bridge_relayer_observed_block",
      help: "Newest source block whose MessageSent events are enqueued (head minus confirmations at most)",
      labelNames: ["chain"],
      registers,
    });
    this.headBlock = new Gauge({
      name: "bridge_relayer_head_block",
      help: "Chain head as last seen by the observer",
      labelNames: ["chain"],
      registers,
    });
  }
}

export interface QueueCount {
  queue: string;
  state: string;
  count: number;
}
