/**
 * Check 1, origin: every message a destination gateway delivered (executed at once or queued)
 * must be one its source gateway really sent. The source gateway stores the id of every
 * message it sends by nonce, so `sentMessageId(nonce) == msgId` on the source proves the
 * delivered content is exactly what was sent: the id is the EIP-712 hash of every field,
 * including both gateways and chains.
 *
 * The read is an `eth_call` at the source's latest block, never the monitor's own log cache: a
 * cache can be stale, incomplete, or (after a bug) wrong, and the one thing this check must not
 * do is wave a forged message through because a stale view agreed with it.
 */
import { isAddressEqual, zeroHash, type Address, type Hex } from "viem";
import { SENT_IDS_PER_QUERY } from "../../core/gateway.js";
import { tokenByHome } from "../../core/manifest.js";
import type { Message } from "../../core/message.js";
import type { Alert } from "../alerts.js";
import { chainName, type MonitorContext } from "../context.js";
import type { PlannedAction } from "../responder.js";

/** One delivered message to verify. `message` is known for fast deliveries (decoded calldata). */
export interface DeliveryToVerify {
  msgId: Hex;
  destChainId: number;
  sourceChainId: bigint;
  nonce: bigint;
  queued: boolean;
  message?: Message;
  txHash: Hex;
  blockNumber: bigint;
}

export type OriginVerdict =
  | { status: "genuine" }
  | { status: "forged"; reason: string }
  /** The source could not be asked (RPC failure): retry, never conclude. */
  | { status: "unknown"; reason: string };

/** The source side of the check: the gateway on a chain, or nothing if the chain has none. */
export interface SourceGateways {
  gatewayOf(chainId: bigint): { address: Address; sentMessageId(nonce: bigint): Promise<Hex> } | undefined;
  gatewayAddressOf(chainId: number): Address | undefined;
  /** Whether the RPC view of the chain is current (its latest block is recent). */
  isFresh(chainId: bigint): boolean;
}

export async function verifyOrigin(d: DeliveryToVerify, sources: SourceGateways): Promise<OriginVerdict> {
  const source = sources.gatewayOf(d.sourceChainId);
  if (!source) return { status: "forged", reason: `source chain ${d.sourceChainId} has no gateway in the manifest` };
  if (d.message) {
    // The gateway checked the header against its route table; these catch a route that
    // governance pointed somewhere the manifest does not know.
    if (!isAddressEqual(d.message.sourceGateway, source.address)) {
      return {
        status: "forged",
        reason: `source gateway ${d.message.sourceGateway} is not the manifest's ${source.address}`,
      };
    }
    const dest = sources.gatewayAddressOf(d.destChainId);
    if (Number(d.message.destChainId) !== d.destChainId || !dest || !isAddressEqual(d.message.destGateway, dest)) {
      return { status: "forged", reason: `addressed to ${d.message.destChainId}:${d.message.destGateway}` };
    }
  }
  let sent: Hex;
  try {
    sent = await source.sentMessageId(d.nonce);
  } catch (e) {
    return {
      status: "unknown",
      reason: `sentMessageId(${d.nonce}) on chain ${d.sourceChainId}: ${(e as Error).message}`,
    };
  }
  if (sent.toLowerCase() === d.msgId.toLowerCase()) return { status: "genuine" };
  // A lagging source node cannot have seen a send the guardians (at their confirmation depth)
  // already attested: a verdict from it could pause the bridge over a genuine message.
  if (!sources.isFresh(d.sourceChainId)) {
    return { status: "unknown", reason: `the view of source chain ${d.sourceChainId} is stale` };
  }
  return {
    status: "forged",
    reason:
      sent === zeroHash
        ? `source chain ${d.sourceChainId} never sent nonce ${d.nonce}`
        : `source chain ${d.sourceChainId} sent ${sent} with nonce ${d.nonce}, not this message`,
  };
}

/**
 * Delivered messages verified at once. Their source reads are coalesced into one query per
 * `SENT_IDS_PER_QUERY` nonces (monitor/gateway.ts), so this bounds the RPC load of a backfill at
 * about one call per source chain at a time.
 */
const VERIFY_CONCURRENCY = SENT_IDS_PER_QUERY;

/**
 * The origin check's orchestration: deliveries wait here until their source answered, a forged
 * or unattributable one raises a critical alert, and the response is planned — veto it if it is
 * queued, pause its destination unless governance already unpaused after it.
 */
export class OriginCheck {
  /** Deliveries not yet checked against their source (new, or the source RPC failed). */
  private readonly toVerify = new Map<Hex, DeliveryToVerify>();

  constructor(
    private readonly ctx: MonitorContext,
    private readonly sources: SourceGateways,
    /** The latest block with an `Unpaused` event on a chain (ingestion.ts records them). */
    private readonly lastUnpausedBlock: (chainId: number) => bigint | undefined,
  ) {}

  /** A delivery to check on the next `run`. */
  add(job: DeliveryToVerify): void {
    this.toVerify.set(job.msgId, job);
  }

  /** Deliveries to `chainId` still waiting for their source to answer. */
  waiting(chainId: number): number {
    return [...this.toVerify.values()].filter((j) => j.destChainId === chainId).length;
  }

  /** Checks every waiting delivery against its source gateway, at the source's latest block. */
  async run(actions: PlannedAction[]): Promise<void> {
    const jobs = [...this.toVerify.values()];
    await mapLimit(jobs, VERIFY_CONCURRENCY, async (job) => {
      const verdict = await verifyOrigin(job, this.sources);
      if (verdict.status === "unknown") {
        this.ctx.logger.warn({ msgId: job.msgId, reason: verdict.reason }, "cannot verify a delivery yet; will retry");
        return;
      }
      this.toVerify.delete(job.msgId);
      if (verdict.status === "forged") this.onForged(job, verdict.reason, actions);
    });
  }

  private onForged(job: DeliveryToVerify, reason: string, actions: PlannedAction[]) {
    const chain = chainName(this.ctx.manifest, job.destChainId);
    const m = job.message;
    const token = m ? tokenByHome(this.ctx.manifest, m.token, m.tokenChainId) : undefined;
    const { alert, isNew } = this.ctx.alerts.raise({
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

  /** A payout in a transaction with no decodable delivery of it: nobody can account for it. */
  onUnattributable(dest: number, msgId: Hex, txHash: Hex, blockNumber: bigint, actions: PlannedAction[]): void {
    const chain = chainName(this.ctx.manifest, dest);
    const { alert, isNew } = this.ctx.alerts.raise({
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
    const unpausedAt = this.lastUnpausedBlock(chainId);
    if (unpausedAt !== undefined && unpausedAt > block) {
      this.ctx.alerts.recordAction(alert, {
        action: "pause",
        chain: chainName(this.ctx.manifest, chainId),
        status: "skipped",
        reason: `governance unpaused the gateway in block ${unpausedAt}, after this violation`,
      });
      return;
    }
    actions.push({ action: "pause", chainId, alerts: [alert] });
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
