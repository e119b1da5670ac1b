/**
 * Every guardian metric, its name and labels in one place. Registered on the `Registry` passed
 * in (never prom-client's global one), so tests and several guardians in one process stay apart.
 *
 *   bridge_guardian_messages_observed_total{source_chain_id}   MessageSent logs seen
 *   bridge_guardian_signatures_total{dest_chain_id}            attestations signed and served
 *   bridge_guardian_listed_answers_total{dest_chain_id}        attestation requests answered with the signature made at listing
 *   bridge_guardian_refusals_total{reason}                     message ids refused, by reason
 *   bridge_guardian_approvals_total                            operator approvals recorded
 *   bridge_guardian_last_signed_timestamp_seconds              unix time of the last signature
 *   bridge_guardian_scanned_block{chain_id}                    newest block scanned at depth
 *   bridge_guardian_head_block{chain_id}                       chain head seen
 *   bridge_guardian_head_lag_seconds{chain_id}                 how far the view trails the head
 *   bridge_guardian_pending_approvals                          messages awaiting approval
 *   bridge_guardian_poll_errors_total{chain_id}                failed polls of a chain
 *   bridge_guardian_reorgs_total{chain_id}                     reorgs detected (rescans)
 *   bridge_guardian_attest_duration_seconds{outcome}           POST /v1/attest handling time
 *   bridge_guardian_rpc_disagreements_total{chain_id}          questions the chain's RPC endpoints answered differently
 *   bridge_guardian_rpc_quorum_misses_total{chain_id}          questions fewer endpoints than the quorum answered
 *   bridge_guardian_rpc_endpoint_errors_total{chain_id,endpoint}  failed requests per endpoint (host:port)
 *   bridge_guardian_rpc_endpoint_head{chain_id,endpoint}       each endpoint's latest block
 *   bridge_guardian_books_deficit{token}                       base units the token's books are short (0: balanced)
 *   bridge_guardian_books_in_flight{token}                     base units sent and not yet paid, vetoed or cancelled
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Books } from "./accountant.js";

export const METRIC_PREFIX = "bridge_guardian_";

/** Refusal reasons as metric label values: the API's reasons with spaces as underscores. */
export function reasonLabel(reason: string): string {
  return reason.replace(/[^a-z0-9]+/gi, "_").toLowerCase();
}

export class GuardianMetrics {
  readonly messagesObserved: Counter<"source_chain_id">;
  readonly signatures: Counter<"dest_chain_id">;
  readonly listedAnswers: Counter<"dest_chain_id">;
  readonly refusals: Counter<"reason">;
  readonly approvals: Counter;
  readonly lastSignedTimestamp: Gauge;
  readonly scannedBlock: Gauge<"chain_id">;
  readonly headBlock: Gauge<"chain_id">;
  readonly headLag: Gauge<"chain_id">;
  readonly pendingApprovals: Gauge;
  readonly pollErrors: Counter<"chain_id">;
  readonly reorgs: Counter<"chain_id">;
  readonly attestDuration: Histogram<"outcome">;
  readonly rpcDisagreements: Counter<"chain_id">;
  readonly rpcQuorumMisses: Counter<"chain_id">;
  readonly rpcEndpointErrors: Counter<"chain_id" | "endpoint">;
  readonly rpcEndpointHead: Gauge<"chain_id" | "endpoint">;
  readonly booksDeficit: Gauge<"token">;
  readonly booksInFlight: Gauge<"token">;

  /** The accountant's latest books when scraped; set by the guardian. */
  booksSource: () => readonly Books[] = () => [];

  /** Counts messages awaiting approval when scraped; set by the guardian. */
  pendingApprovalsSource: () => Promise<number> = async () => 0;
  /** Each chain's lag in seconds when scraped (it grows while polls fail); set by the guardian. */
  headLagSource: () => ReadonlyMap<number, number> = () => new Map();

  constructor(registry: Registry) {
    const registers = [registry];
    const p = METRIC_PREFIX;
    this.messagesObserved = new Counter({
      name: `${p}messages_observed_total`,
      help: "MessageSent logs observed on a source gateway",
      labelNames: ["source_chain_id"],
      registers,
    });
    this.signatures = new Counter({
      name: `${p}signatures_total`,
      help: "Attestations signed and served",
      labelNames: ["dest_chain_id"],
      registers,
    });
    this.listedAnswers = new Counter({
      name: `${p}listed_answers_total`,
      help: "Attestation requests for exactly a group signed as it was listed, answered with that signature (no new one)",
      labelNames: ["dest_chain_id"],
      registers,
    });
    this.refusals = new Counter({
      name: `${p}refusals_total`,
      help: "Message ids an attestation request was refused for, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.approvals = new Counter({
      name: `${p}approvals_total`,
      help: "Operator approvals recorded",
      registers,
    });
    this.lastSignedTimestamp = new Gauge({
      name: `${p}last_signed_timestamp_seconds`,
      help: "Unix time of the last signature (0: none since start)",
      registers,
    });
    this.scannedBlock = new Gauge({
      name: `${p}scanned_block`,
      help: "Newest block scanned at the chain's confirmation depth",
      labelNames: ["chain_id"],
      registers,
    });
    this.headBlock = new Gauge({
      name: `${p}head_block`,
      help: "Chain head seen by the guardian",
      labelNames: ["chain_id"],
      registers,
    });
    const metrics = this;
    this.headLag = new Gauge({
      name: `${p}head_lag_seconds`,
      help: "Seconds the scanned block trails the chain head, plus the age of the last poll",
      labelNames: ["chain_id"],
      registers,
      collect() {
        for (const [chainId, lag] of metrics.headLagSource()) this.set({ chain_id: String(chainId) }, lag);
      },
    });
    this.pendingApprovals = new Gauge({
      name: `${p}pending_approvals`,
      help: "Confirmed messages waiting for the operator's approval",
      registers,
      async collect() {
        this.set(await metrics.pendingApprovalsSource());
      },
    });
    this.pollErrors = new Counter({
      name: `${p}poll_errors_total`,
      help: "Failed polls of a source chain",
      labelNames: ["chain_id"],
      registers,
    });
    this.reorgs = new Counter({
      name: `${p}reorgs_total`,
      help: "Reorgs detected below the confirmation depth (the chain is rescanned)",
      labelNames: ["chain_id"],
      registers,
    });
    this.rpcDisagreements = new Counter({
      name: `${p}rpc_disagreements_total`,
      help: "Questions a chain's RPC endpoints answered differently (nothing is signed from that view)",
      labelNames: ["chain_id"],
      registers,
    });
    this.rpcQuorumMisses = new Counter({
      name: `${p}rpc_quorum_misses_total`,
      help: "Questions fewer RPC endpoints than the quorum answered (down, failing or lagging)",
      labelNames: ["chain_id"],
      registers,
    });
    this.rpcEndpointErrors = new Counter({
      name: `${p}rpc_endpoint_errors_total`,
      help: "Failed requests per RPC endpoint (host:port)",
      labelNames: ["chain_id", "endpoint"],
      registers,
    });
    this.rpcEndpointHead = new Gauge({
      name: `${p}rpc_endpoint_head`,
      help: "Latest block each RPC endpoint reported",
      labelNames: ["chain_id", "endpoint"],
      registers,
    });
    this.booksDeficit = new Gauge({
      name: `${p}books_deficit`,
      help: "Base units by which a token's bridged supply plus in-flight messages exceed what is locked at home",
      labelNames: ["token"],
      registers,
      collect() {
        for (const b of metrics.booksSource()) this.set({ token: b.token.symbol }, Number(b.deficit));
      },
    });
    this.booksInFlight = new Gauge({
      name: `${p}books_in_flight`,
      help: "Base units of a token sent and not yet paid, vetoed or cancelled",
      labelNames: ["token"],
      registers,
      collect() {
        for (const b of metrics.booksSource()) this.set({ token: b.token.symbol }, Number(b.inFlight));
      },
    });
    this.attestDuration = new Histogram({
      name: `${p}attest_duration_seconds`,
      help: "Time to answer POST /v1/attest",
      labelNames: ["outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
  }
}
