/**
 * Every metric the monitor exports, in one place. Registered on an injected prom-client
 * `Registry` (never the global one), so tests and several monitors in one process do not clash.
 *
 * Label conventions: chains are manifest names (`l2a`), routes are `source` + `dest` chain
 * names, tokens are symbols, guardians are checksummed addresses. Token amounts are in whole
 * tokens (the raw amount divided by 10^decimals), the unit a dashboard reader thinks in.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export const ALERT_KINDS = [
  "forged_message",
  "unattributable_delivery",
  "supply_breach",
  "pending_slo",
  "guardian_down",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * Stages of an escape-hatch exit, the `stage` label of `bridge_escapes_total`: `cancelled` when
 * the destination gateway cancels an undeliverable message, `refunded` when the source gateway
 * pays the sender back.
 */
export const ESCAPE_STAGES = ["cancelled", "refunded"] as const;
export type EscapeStage = (typeof ESCAPE_STAGES)[number];

export class MonitorMetrics {
  readonly messagesSent: Counter<"source" | "dest">;
  readonly messagesDelivered: Counter<"source" | "dest" | "path">;
  readonly messagesExecuted: Counter<"source" | "dest">;
  readonly messagesVetoed: Counter<"source" | "dest">;
  readonly pendingMessages: Gauge<"source" | "dest">;
  readonly oldestPendingAge: Gauge<"source" | "dest">;
  readonly latency: Histogram<"source" | "dest">;
  readonly lockedTokens: Gauge<"token" | "chain">;
  readonly mintedTokens: Gauge<"token" | "chain">;
  readonly inFlightTokens: Gauge<"token">;
  readonly paused: Gauge<"chain">;
  readonly guardianUp: Gauge<"guardian">;
  readonly guardianLastSigned: Gauge<"guardian">;
  readonly guardianChainLag: Gauge<"guardian" | "chain">;
  readonly guardianThreshold: Gauge;
  readonly alerts: Counter<"kind">;
  readonly actions: Counter<"action" | "chain" | "result">;
  readonly headBlock: Gauge<"chain">;
  readonly headAge: Gauge<"chain">;
  readonly rpcErrors: Counter<"chain">;
  readonly unverifiedMessages: Gauge<"chain">;
  readonly monitorBalance: Gauge<"chain">;
  readonly pendingSlo: Gauge;
  /** Fed by the escape-hatch watcher: one increment per cancel (destination) or refund (source). */
  readonly escapes: Counter<"chain" | "stage">;

  constructor(registry: Registry) {
    const registers = [registry];
    const route = ["source", "dest"] as const;
    this.messagesSent = new Counter({
      name: "bridge_messages_sent_total",
      help: "MessageSent events seen on source gateways, by route",
      labelNames: route,
      registers,
    });
    this.messagesDelivered = new Counter({
      name: "bridge_messages_delivered_total",
      help: "Messages accepted by a destination gateway, by route and path (fast: executed at once; queued)",
      labelNames: [...route, "path"],
      registers,
    });
    this.messagesExecuted = new Counter({
      name: "bridge_messages_executed_total",
      help: "Messages paid out (unlocked or minted) on their destination, by route",
      labelNames: route,
      registers,
    });
    this.messagesVetoed = new Counter({
      name: "bridge_messages_vetoed_total",
      help: "Queued messages vetoed on their destination, by route",
      labelNames: route,
      registers,
    });
    this.pendingMessages = new Gauge({
      name: "bridge_messages_pending",
      help: "Messages sent but not yet delivered (queued or executed) on their destination, by route",
      labelNames: route,
      registers,
    });
    this.oldestPendingAge = new Gauge({
      name: "bridge_oldest_pending_age_seconds",
      help: "Age of the oldest undelivered message (now minus its source block time), by route; 0 when none",
      labelNames: route,
      registers,
    });
    this.latency = new Histogram({
      name: "bridge_message_latency_seconds",
      help: "End-to-end latency: source send block time to destination execution block time, by route",
      labelNames: route,
      buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600],
      registers,
    });
    this.lockedTokens = new Gauge({
      name: "bridge_locked_tokens",
      help: "Home tokens locked by the home gateway (lockedBalance), the backing of every bridged copy",
      labelNames: ["token", "chain"],
      registers,
    });
    this.mintedTokens = new Gauge({
      name: "bridge_minted_tokens",
      help: "Bridged copies in circulation on a non-home chain (BridgedToken totalSupply)",
      labelNames: ["token", "chain"],
      registers,
    });
    this.inFlightTokens = new Gauge({
      name: "bridge_in_flight_tokens",
      help: "Tokens sent (locked or burned) whose message has not executed yet, on every route",
      labelNames: ["token"],
      registers,
    });
    this.paused = new Gauge({
      name: "bridge_paused",
      help: "1 while the chain's gateway is paused",
      labelNames: ["chain"],
      registers,
    });
    this.guardianUp = new Gauge({
      name: "bridge_guardian_up",
      help: "1 when the guardian's /healthz answered ok on the last poll",
      labelNames: ["guardian"],
      registers,
    });
    this.guardianLastSigned = new Gauge({
      name: "bridge_guardian_last_signed_timestamp_seconds",
      help: "Unix time of the guardian's last signature (as it reports), 0 if never",
      labelNames: ["guardian"],
      registers,
    });
    this.guardianChainLag = new Gauge({
      name: "bridge_guardian_chain_lag_seconds",
      help: "How far behind the chain head each guardian's view of a source chain is (as it reports)",
      labelNames: ["guardian", "chain"],
      registers,
    });
    this.guardianThreshold = new Gauge({
      name: "bridge_guardian_threshold",
      help: "Signatures the current guardian set needs (compare with sum(bridge_guardian_up))",
      registers,
    });
    this.alerts = new Counter({
      name: "bridge_alerts_total",
      help: "Alerts raised, by kind",
      labelNames: ["kind"],
      registers,
    });
    this.actions = new Counter({
      name: "bridge_monitor_actions_total",
      help: "Veto and pause transactions the monitor sent, by outcome (sent, confirmed, failed)",
      labelNames: ["action", "chain", "result"],
      registers,
    });
    this.headBlock = new Gauge({
      name: "bridge_chain_head_block",
      help: "Latest block number seen on the chain",
      labelNames: ["chain"],
      registers,
    });
    this.headAge = new Gauge({
      name: "bridge_chain_head_age_seconds",
      help: "Now minus the latest block's timestamp",
      labelNames: ["chain"],
      registers,
    });
    this.rpcErrors = new Counter({
      name: "bridge_monitor_rpc_errors_total",
      help: "Failed polls of a chain (its checks are retried on the next poll)",
      labelNames: ["chain"],
      registers,
    });
    this.unverifiedMessages = new Gauge({
      name: "bridge_monitor_unverified_messages",
      help: "Delivered messages the monitor could not yet check against their source (RPC failures), by destination",
      labelNames: ["chain"],
      registers,
    });
    this.monitorBalance = new Gauge({
      name: "bridge_monitor_balance_eth",
      help: "Native balance of the monitor's key: it must be able to pay for a pause",
      labelNames: ["chain"],
      registers,
    });
    this.pendingSlo = new Gauge({
      name: "bridge_pending_slo_seconds",
      help: "The monitor's PENDING_SLO_SECONDS: an undelivered message older than this is late (compare with bridge_oldest_pending_age_seconds)",
      registers,
    });
    this.escapes = new Counter({
      name: "bridge_escapes_total",
      help: "Escape-hatch exits seen, by chain and stage (cancelled on the destination, refunded on the source)",
      labelNames: ["chain", "stage"],
      registers,
    });
    for (const kind of ALERT_KINDS) this.alerts.inc({ kind }, 0);
  }

  /**
   * Creates every per-chain and per-route series at 0, so the first event is an increase
   * Prometheus can see: a series born at 1 has no earlier sample to differ from, and rate(),
   * increase() and latency quantiles over it would miss that first message or escape.
   */
  initSeries(chains: readonly string[]): void {
    for (const chain of chains) for (const stage of ESCAPE_STAGES) this.escapes.inc({ chain, stage }, 0);
    for (const source of chains) {
      for (const dest of chains.filter((c) => c !== source)) {
        const route = { source, dest };
        this.messagesSent.inc(route, 0);
        for (const path of ["fast", "queued"]) this.messagesDelivered.inc({ ...route, path }, 0);
        this.messagesExecuted.inc(route, 0);
        this.messagesVetoed.inc(route, 0);
        this.latency.zero(route);
      }
    }
  }

  /** Records one escape-hatch exit; called by the escape-hatch watcher. */
  recordEscape(chain: string, stage: EscapeStage): void {
    this.escapes.inc({ chain, stage });
  }
}
