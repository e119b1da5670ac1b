/**
 * Adding jobs to the pipeline. All adds are keyed by msgId, so adding what another relayer (or
 * an earlier scan) already added is a no-op: BullMQ ignores an add whose jobId exists.
 */
import type { Hex } from "viem";
import { messageToJson, type Message } from "../core/message.js";
import { paymentToJson, type Payment } from "../core/payment.js";
import type { Logger } from "../core/service/logger.js";
import { byRoute } from "./batch.js";
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

/** Execute this long after executableAt, so the destination's next block is past it. */
const EXECUTE_MARGIN_MS = 1_000;

export class JobScheduler {
  constructor(
    private readonly queues: RelayerQueues,
    private readonly metrics: RelayerMetrics,
    private readonly logger: Logger,
    private readonly relayerId: string,
  ) {}

  async addDeliveries(items: readonly ObservedMessage[]): Promise<void> {
    // Every route's queue first: a message of a route without one adds nothing at all.
    const groups = [...byRoute(items).values()].map(
      (group) =>
        [this.queues.deliverQueue(group[0]!.message.sourceChainId, group[0]!.message.destChainId), group] as const,
    );
    const now = Date.now();
    // One bulk add per route, all at once: a source's block feeds every route out of it.
    await Promise.all(
      groups.map(([queue, group]) => {
        const perBlock = new Map<bigint, number>();
        for (const item of group) perBlock.set(item.sourceBlock, (perBlock.get(item.sourceBlock) ?? 0) + 1);
        return queue.addBulk(
          group.map((item) => ({
            name: "deliver",
            data: {
              msgId: item.msgId,
              message: messageToJson(item.message),
              sourceBlock: item.sourceBlock.toString(),
              ...(item.payment ? { payment: paymentToJson(item.payment) } : {}),
              observedAt: now,
              groupSize: perBlock.get(item.sourceBlock)!,
            },
            opts: deliverJobOptions(item.msgId),
          })),
        );
      }),
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
