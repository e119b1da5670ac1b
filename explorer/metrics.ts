/**
 * Every explorer metric: names, help and label sets in one place, registered on a Registry
 * passed in (never the global one).
 *
 * Labels: `chain` a chain id, `storage` sqlite|postgres, `route` the API route pattern,
 * `status` an HTTP status code.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export class ExplorerMetrics {
  readonly headBlock: Gauge<"chain">;
  readonly indexedBlock: Gauge<"chain">;
  readonly blockLagSeconds: Gauge<"chain">;
  readonly eventsIndexed: Counter<"chain">;
  readonly messagesIndexed: Counter<"chain">;
  readonly undecodableLogs: Counter<"chain">;
  readonly reorgs: Counter<"chain">;
  readonly indexErrors: Counter<"chain">;
  readonly commitSeconds: Histogram<"storage">;
  readonly requestSeconds: Histogram<"route" | "status">;
  readonly streamClients: Gauge;
  readonly streamEvents: Counter;

  constructor(registry: Registry, streamClients: () => number = () => 0) {
    const registers = [registry];
    this.headBlock = new Gauge({
      name: "bridge_explorer_head_block",
      help: "Chain head as last seen by the indexer",
      labelNames: ["chain"],
      registers,
    });
    this.indexedBlock = new Gauge({
      name: "bridge_explorer_indexed_block",
      help: "Newest block whose gateway events are all stored (head minus confirmations at most)",
      labelNames: ["chain"],
      registers,
    });
    this.blockLagSeconds = new Gauge({
      name: "bridge_explorer_block_lag_seconds",
      help: "Age of the newest indexed block when it was committed (includes the confirmation depth)",
      labelNames: ["chain"],
      registers,
    });
    this.eventsIndexed = new Counter({
      name: "bridge_explorer_events_indexed_total",
      help: "Gateway logs stored",
      labelNames: ["chain"],
      registers,
    });
    this.messagesIndexed = new Counter({
      name: "bridge_explorer_messages_indexed_total",
      help: "MessageSent events stored as messages",
      labelNames: ["chain"],
      registers,
    });
    this.undecodableLogs = new Counter({
      name: "bridge_explorer_undecodable_logs_total",
      help: "Gateway logs the ABI could not decode, or MessageSent logs whose id does not match their message",
      labelNames: ["chain"],
      registers,
    });
    this.reorgs = new Counter({
      name: "bridge_explorer_reorgs_total",
      help: "Reorgs that orphaned indexed blocks (each rolled back)",
      labelNames: ["chain"],
      registers,
    });
    this.indexErrors = new Counter({
      name: "bridge_explorer_index_errors_total",
      help: "Failed indexing steps (RPC or database errors; retried at the next poll)",
      labelNames: ["chain"],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: "bridge_explorer_commit_seconds",
      help: "Time to store one indexed page (one transaction)",
      labelNames: ["storage"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: "bridge_explorer_request_seconds",
      help: "API request latency by route pattern and status (streams: time to the first byte)",
      labelNames: ["route", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.streamClients = new Gauge({
      name: "bridge_explorer_stream_clients",
      help: "Open Server-Sent Events connections",
      registers,
      collect() {
        this.set(streamClients());
      },
    });
    this.streamEvents = new Counter({
      name: "bridge_explorer_stream_events_total",
      help: "Server-Sent Events written to clients",
      registers,
    });
  }
}
