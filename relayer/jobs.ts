/**
 * Adding jobs to the pipeline. A delivery job is a group (one source block's messages to one
 * destination, relayer/queues.ts) keyed by the Merkle root of its ids, an execute or dead-letter
 * job is keyed by msgId, so adding what another relayer (or an earlier scan) already added is a
 * no-op: BullMQ ignores an add whose jobId exists.
 */
import type { Hex } from "viem";
import { orderBatch } from "../core/batch-order.js";
import { MAX_ATTEST_BATCH } from "../core/guardian-api.js";
import { merkleRoot } from "../core/merkle.js";
import { messageToJson, type Message } from "../core/message.js";
import { paymentToJson, type Payment } from "../core/payment.js";
import type { Logger } from "../core/service/logger.js";
import { byRoute, uniqueById } from "./batch.js";
import type { RelayerMetrics } from "./metrics.js";
import {
  deadLetterJobOptions,
  deliverJobOptions,
  executeJobOptions,
  type DeadLetterJobData,
  type FailureStage,
  type RelayerQueues,
} from "./queues.js";

export interface ObservedMessage {
  msgId: Hex;
  message: Message;
  sourceBlock: bigint;
  /** What it paid, when read from its `MessageSent` log (the observer); unknown from the feed. */
  payment?: Payment;
}

/**
 * The id of a delivery job holding `ordered` (ids in batch order): their Merkle root, the root an
 * attestation of exactly that batch signs. The same messages make the same job whichever path
 * adds them (the feed's quorum or the observer), and a group of one is its msgId.
 */
export function groupId(ordered: readonly Hex[]): Hex {
  return merkleRoot(ordered).toLowerCase() as Hex;
}

/** One delivery job's messages: one source block's to one destination, in batch order. */
export interface DeliveryGroup {
  /** Its job id (`groupId` of the members' ids). */
  id: Hex;
  /** `<sourceChainId>-<destChainId>`, a deliverer's `route`. */
  route: string;
  members: ObservedMessage[];
}

/**
 * `items` as delivery groups: per route and source block, each message once, in batch order, at
 * most MAX_ATTEST_BATCH each (what a guardian signs at once; a block holding more is split). Made
 * once per enqueue: the deliverers' early attestations and the add both use them.
 */
export function deliveryGroups(items: readonly ObservedMessage[]): DeliveryGroup[] {
  const groups: DeliveryGroup[] = [];
  for (const [route, routeItems] of byRoute(uniqueById(items))) {
    const perBlock = new Map<bigint, ObservedMessage[]>();
    for (const item of routeItems) {
      const block = perBlock.get(item.sourceBlock);
      if (block) block.push(item);
      else perBlock.set(item.sourceBlock, [item]);
    }
    for (const block of perBlock.values()) {
      const ordered = orderBatch(block);
      for (let i = 0; i < ordered.length; i += MAX_ATTEST_BATCH) {
        const members = ordered.slice(i, i + MAX_ATTEST_BATCH);
        groups.push({ id: groupId(members.map((m) => m.msgId)), route, members });
      }
    }
  }
  return groups;
}

/** Execute this long after executableAt, so the destination's next block is past it. */
const EXECUTE_MARGIN_MS = 1_000;

export class JobScheduler {
  constructor(
    private readonly queues: RelayerQueues,
    private readonly metrics: RelayerMetrics,
    private readonly logger: Logger,
    private readonly relayerId: string,
  ) {}

  /** A job per group (`deliveryGroups`), one bulk add per route. */
  async addDeliveries(groups: readonly DeliveryGroup[]): Promise<void> {
    // Every route's queue first: a message of a route without one adds nothing at all.
    const perRoute = new Map<string, DeliveryGroup[]>();
    for (const group of groups) perRoute.set(group.route, [...(perRoute.get(group.route) ?? []), group]);
    const adds = [...perRoute.values()].map((routeGroups) => {
      const { message } = routeGroups[0]!.members[0]!;
      return [this.queues.deliverQueue(message.sourceChainId, message.destChainId), routeGroups] as const;
    });
    const now = Date.now();
    // One bulk add per route, all at once: a source's block feeds every route out of it.
    await Promise.all(
      adds.map(([queue, routeGroups]) =>
        queue.addBulk(
          routeGroups.map(({ id, members }) => ({
            name: "deliver",
            data: {
              messages: members.map((item) => ({
                msgId: item.msgId,
                message: messageToJson(item.message),
                ...(item.payment ? { payment: paymentToJson(item.payment) } : {}),
              })),
              sourceBlock: members[0]!.sourceBlock.toString(),
              observedAt: now,
            },
            opts: deliverJobOptions(id),
          })),
        ),
      ),
    );
  }

  /** A delayed job that executes `msgId` on `destChainId` once `executableAt` has passed. */
  async scheduleExecute(destChainId: number, msgId: Hex, executableAt: number | bigint): Promise<void> {
    const delay = Number(executableAt) * 1_000 + EXECUTE_MARGIN_MS - Date.now();
    await this.queues.execute.add(
      "execute",
      { msgId, destChainId, executableAt: executableAt.toString() },
      executeJobOptions(msgId, delay),
    );
  }

  /** Records a permanent failure in the dead-letter queue, with the reason. */
  async deadLetter(entry: {
    msgId: Hex;
    queue: string;
    stage: FailureStage;
    reason: string;
    message?: Message;
  }): Promise<void> {
    const data: DeadLetterJobData = {
      msgId: entry.msgId,
      queue: entry.queue,
      stage: entry.stage,
      reason: entry.reason,
      ...(entry.message ? { message: messageToJson(entry.message) } : {}),
      failedAt: Date.now(),
      relayerId: this.relayerId,
    };
    await this.queues.deadLetter.add("dead-letter", data, deadLetterJobOptions(entry.msgId));
    this.metrics.deadLetters.inc({ stage: entry.stage });
    this.logger.error(
      { msgId: entry.msgId, queue: entry.queue, stage: entry.stage, reason: entry.reason },
      "message moved to the dead-letter queue",
    );
  }
}
