/**
 * The one way into the delivery queues, for messages read from a source chain (observer.ts) and
 * for messages a guardian quorum listed as signable (signable.ts): each is checked against the
 * manifest (its source and destination gateways are ours); read from a chain (which after a
 * Redis wipe means everything since deployBlock), messages already processed on their
 * destination are skipped (a still-queued one gets its execute job back); the rest become
 * delivery jobs, one per source block's group keyed by its messages (jobs.ts), so whichever path
 * sees a block first enqueues it and the other adds nothing.
 */
import { isAddressEqual } from "viem";
import { mapLimit } from "../core/async.js";
import type { Logger } from "../core/service/logger.js";
import type { RelayerChain } from "./chains.js";
import { deliveryGroups, type DeliveryGroup, type JobScheduler, type ObservedMessage } from "./jobs.js";
import type { RelayerMetrics } from "./metrics.js";

/** Destination reads in flight at once (viem sends concurrent reads as one JSON-RPC batch). */
const READ_CONCURRENCY = 256;
/** Ids of fresh messages remembered as enqueued (a few minutes of a busy route). */
const RECENT_IDS = 50_000;

export type IntakePath = "observer" | "feed";

export class Intake {
  private readonly log: Logger;
  /**
   * Fresh messages this process enqueued lately (insertion order, oldest first). Both paths see
   * nearly every fresh message, the observer and the feed, and the second add of each is a no-op
   * in BullMQ that still costs a Redis script and its JSON: under a burst, half of the relayer's
   * queue traffic. A fresh add skips these. Only fresh adds are remembered and skipped: a
   * catch-up scan (after an outage or a Redis wipe) always adds, so a job lost with Redis comes
   * back from the chain.
   */
  private readonly recent = new Map<string, true>();

  constructor(
    private readonly chains: ReadonlyMap<number, RelayerChain>,
    private readonly jobs: JobScheduler,
    private readonly metrics: RelayerMetrics,
    logger: Logger,
    /**
     * The last block of `chainId` whose messages some relayer's observer has enqueued (its
     * cursor in Redis, written only after the jobs are added), if any. A message the feed lists
     * from a block at or below it is in the queue already, put there by whichever relayer holds
     * that chain's observer lease: under a burst the observer is usually first (it scans at the
     * same depth without judging anything), and every other relayer's add of each message again
     * was a no-op Redis script. Without it (tests), the feed adds everything not remembered.
     */
    private readonly observedUpTo?: (chainId: number) => Promise<number | undefined>,
  ) {
    this.log = logger.child({ component: "intake" });
  }

  /**
   * Enqueues what still needs delivery; returns how many jobs were added (or already existed in
   * Redis; a fresh message this process enqueued lately is not added again, nor counted).
   * Fresh messages — from the feed (just confirmed), or read by the observer from the newest
   * blocks (`fresh`) — skip the destination reads and go straight in: a message sent seconds ago
   * is processed only if someone raced us to it, which the deliverer's simulation finds
   * (`BridgeMessageAlreadyProcessed`, counted as success). Older ones (a catch-up after an outage
   * or a Redis wipe, scanning from deployBlock) are read, so delivered history is not re-queued.
   */
  async enqueue(
    messages: readonly ObservedMessage[],
    path: IntakePath,
    o: {
      fresh?: boolean;
      /** Told what is about to be added, a job's group each, before the add (the relayer's early attestations). */
      beforeAdd?: (toAdd: readonly DeliveryGroup[]) => void;
    } = {},
  ): Promise<number> {
    const fresh = path === "feed" || o.fresh === true;
    let unseen = fresh ? messages.filter((m) => !this.recent.has(m.msgId.toLowerCase())) : messages;
    if (path === "feed") unseen = await this.notYetObserved(unseen);
    const verdicts = await mapLimit(unseen, READ_CONCURRENCY, (m) =>
      fresh ? this.routeCheck(m, path) : this.triage(m, path),
    );
    const toDeliver = unseen.filter((_, i) => verdicts[i] === "deliver");
    if (toDeliver.length === 0) return 0;
    const groups = deliveryGroups(toDeliver);
    o.beforeAdd?.(groups);
    await this.jobs.addDeliveries(groups);
    if (fresh) this.remember(toDeliver);
    this.log.debug({ count: toDeliver.length, path }, "messages enqueued for delivery");
    return toDeliver.length;
  }

  /** `messages` less those from blocks an observer has enqueued already (see `observedUpTo`). */
  private async notYetObserved(messages: readonly ObservedMessage[]): Promise<readonly ObservedMessage[]> {
    const observedUpTo = this.observedUpTo;
    if (!observedUpTo || messages.length === 0) return messages;
    const sources = [...new Set(messages.map((m) => Number(m.message.sourceChainId)))];
    // A cursor that cannot be read only costs the adds it would have spared.
    const upTo = new Map(
      await Promise.all(sources.map(async (c) => [c, await observedUpTo(c).catch(() => undefined)] as const)),
    );
    return messages.filter((m) => {
      const block = upTo.get(Number(m.message.sourceChainId));
      return block === undefined || m.sourceBlock > BigInt(block);
    });
  }

  private remember(messages: readonly ObservedMessage[]) {
    for (const m of messages) this.recent.set(m.msgId.toLowerCase(), true);
    for (const id of this.recent.keys()) {
      if (this.recent.size <= RECENT_IDS) break;
      this.recent.delete(id);
    }
  }

  private async triage(m: ObservedMessage, path: IntakePath): Promise<"deliver" | "skip"> {
    if ((await this.routeCheck(m, path)) === "skip") return "skip";
    const dest = this.chains.get(Number(m.message.destChainId))!;
    if (!(await dest.gw.isProcessed(m.message.sourceChainId, m.message.sourceGateway, m.message.nonce)))
      return "deliver";
    const queued = await dest.gw.queuedMessage(m.msgId);
    if (queued.status === "Queued") await this.jobs.scheduleExecute(dest.chainId, m.msgId, queued.executableAt);
    return "skip";
  }

  /** "skip" for a message between gateways that are not the manifest's. */
  private async routeCheck(m: ObservedMessage, path: IntakePath): Promise<"deliver" | "skip"> {
    const route = `${m.message.sourceChainId}-${m.message.destChainId}`;
    const source = this.chains.get(Number(m.message.sourceChainId));
    const dest = this.chains.get(Number(m.message.destChainId));
    if (
      !source ||
      !dest ||
      !isAddressEqual(source.gateway, m.message.sourceGateway) ||
      !isAddressEqual(dest.gateway, m.message.destGateway)
    ) {
      this.metrics.failures.inc({ stage: "observe", reason: "unknown_route" });
      this.log.warn({ msgId: m.msgId, route, path }, "message between gateways not in the manifest: not relayed");
      return "skip";
    }
    return "deliver";
  }
}
