/**
 * Queue names, job data and job options of the relayer pipeline, in one place. Every relayer
 * process sharing a Redis (and a QUEUE_PREFIX) uses the same names, and jobs are keyed by what
 * they hold (a group's messages, or a msgId), so they are shared: whichever relayer adds one
 * first creates it, the others' adds are no-ops.
 *
 *   deliver.<src>-<dst>  one job per group: the messages of one source block to this destination
 *                        that were enqueued together (jobId = the Merkle root of their ids in batch
 *                        order, so a group of one is its msgId), taken by the relayer whose turn
 *                        at the route it is (take-turn.ts)
 *   execute              one delayed job per queued message (jobId = msgId), due at executableAt
 *   dead-letter          one job per permanently failed message (jobId = msgId), never processed:
 *                        the record an operator inspects, with the reason
 */
import { Queue, type JobsOptions } from "bullmq";
import type { Hex } from "viem";
import type { MessageJson } from "../core/message.js";
import type { PaymentJson } from "../core/payment.js";
import type { RedisConnection } from "./redis.js";

export const EXECUTE_QUEUE = "execute";
export const DEAD_LETTER_QUEUE = "dead-letter";

/** The delivery queue of one route. BullMQ forbids ":" in names, hence the dotted form. */
export function deliverQueueName(sourceChainId: number | bigint, destChainId: number | bigint): string {
  return `deliver.${sourceChainId}-${destChainId}`;
}

/** One message of a delivery job. */
export interface DeliverJobMessage {
  msgId: Hex;
  message: MessageJson;
  /**
   * What it paid (decimal wei), from the `MessageSent` log the observer decoded it from, or as
   * the guardians' feed listed it (every guardian of the quorum stating the same), so the fee
   * policy need not read that log again on the delivery's critical path. Absent otherwise: the
   * fee policy reads it then (fee-policy.ts).
   */
  payment?: PaymentJson;
}

/**
 * Messages waiting for delivery: a group, the messages of one source block to this destination
 * that were enqueued together (relayer/jobs.ts). One job a group instead of one a message: a
 * burst block's ~300 messages were ~300 adds, takes, lock extensions and settlements, each a Redis
 * script and its JSON, and under a burst that bookkeeping held a batch 0.4–1.0 s between its
 * listing and its take (docs/relayer-performance-log.md). A job added by a relayer from before
 * groups holds one message in `msgId`, `message` and `payment` instead of `messages`; both forms
 * are read (`jobMessages`).
 */
export interface DeliverJobData {
  /** The group, in batch order (core/batch-order.ts); what is left of it when retried. */
  messages?: DeliverJobMessage[];
  /** Source block of the group's MessageSent logs. */
  sourceBlock: string;
  /** Unix milliseconds when a relayer first saw it (delivery latency is measured from here). */
  observedAt: number;
  /**
   * It holds what was left of its group after an attempt (the rest delivered or given up on),
   * under the whole group's id. Set with the data it marks, before the job is failed for its
   * retry: a relayer dying in between leaves a job that stalls back with no attempt counted.
   */
  left?: true;
  /** A job of one message, as relayers before groups added it (read, never written). */
  msgId?: Hex;
  message?: MessageJson;
  payment?: PaymentJson;
}

/** A job's messages, whichever form it was added in; throws if it holds none. */
export function jobMessages(data: DeliverJobData): DeliverJobMessage[] {
  if (Array.isArray(data.messages)) {
    if (data.messages.length === 0) throw new Error("the job holds no message");
    return data.messages;
  }
  if (data.msgId === undefined || data.message === undefined) throw new Error("the job holds no message");
  return [{ msgId: data.msgId, message: data.message, ...(data.payment ? { payment: data.payment } : {}) }];
}

/** A queued message to execute once its delay has passed. */
export interface ExecuteJobData {
  msgId: Hex;
  destChainId: number;
  /** Unix seconds (destination chain time) from MessageQueued / queuedMessage. */
  executableAt: string;
}

export interface DeadLetterJobData {
  msgId: Hex;
  /** The delivery queue or `execute`. */
  queue: string;
  stage: FailureStage;
  reason: string;
  message?: MessageJson;
  failedAt: number;
  relayerId: string;
}

/** Pipeline stages, used in failure metrics, logs and dead letters. */
export type FailureStage = "observe" | "attest" | "simulate" | "send" | "execute";

/** The custom backoff type name; its strategy is `retryDelay` (capped, jittered exponential). */
export const BACKOFF_TYPE = "relayer";

/**
 * Retries are bounded by the message's deadline (after it the gateway rejects it for good and
 * the message goes to the dead-letter queue), not by a count: a message waiting hours for a
 * guardian operator's approval must not be given up on.
 */
const UNBOUNDED_ATTEMPTS = 1_000_000;

/** Completed jobs are kept a day so late re-observations of the same messages stay no-ops. */
const KEEP_COMPLETED = { age: 24 * 3600, count: 50_000 };

/** A delivery job's options; its id is its group's (relayer/jobs.ts `groupId`). */
export const deliverJobOptions = (groupId: Hex): JobsOptions => ({
  jobId: groupId,
  attempts: UNBOUNDED_ATTEMPTS,
  backoff: { type: BACKOFF_TYPE },
  removeOnComplete: KEEP_COMPLETED,
  // Failed jobs are only the permanently failed ones, each also in the dead-letter queue.
  removeOnFail: { age: 7 * 24 * 3600 },
});

export const executeJobOptions = (msgId: Hex, delayMs: number): JobsOptions => ({
  jobId: msgId,
  delay: Math.max(0, Math.round(delayMs)),
  attempts: UNBOUNDED_ATTEMPTS,
  backoff: { type: BACKOFF_TYPE },
  removeOnComplete: KEEP_COMPLETED,
  removeOnFail: { age: 7 * 24 * 3600 },
});

export const deadLetterJobOptions = (msgId: Hex): JobsOptions => ({ jobId: msgId, removeOnComplete: false });

/**
 * Capped exponential backoff with ±25 % jitter, so retries of many messages (and of many
 * relayers) do not arrive at the guardians in lockstep. `attempt` counts from 1.
 */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(capped * (0.75 + 0.5 * random()));
}

/** The relayer's queues: one per route, execute, dead letters. */
export class RelayerQueues {
  readonly deliver: ReadonlyMap<string, Queue<DeliverJobData>>;
  readonly execute: Queue<ExecuteJobData>;
  readonly deadLetter: Queue<DeadLetterJobData>;

  constructor(
    connection: RedisConnection,
    readonly prefix: string,
    routes: readonly { sourceChainId: number; destChainId: number }[],
  ) {
    const opts = { connection, prefix };
    this.deliver = new Map(
      routes.map((r) => {
        const name = deliverQueueName(r.sourceChainId, r.destChainId);
        return [name, new Queue<DeliverJobData>(name, opts)] as const;
      }),
    );
    this.execute = new Queue<ExecuteJobData>(EXECUTE_QUEUE, opts);
    this.deadLetter = new Queue<DeadLetterJobData>(DEAD_LETTER_QUEUE, opts);
  }

  deliverQueue(sourceChainId: number | bigint, destChainId: number | bigint): Queue<DeliverJobData> {
    const name = deliverQueueName(sourceChainId, destChainId);
    const queue = this.deliver.get(name);
    if (!queue) throw new Error(`no delivery queue for route ${name} (not a route of the manifest)`);
    return queue;
  }

  all(): Queue[] {
    return [...this.deliver.values(), this.execute, this.deadLetter] as Queue[];
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((q) => q.close()));
  }
}
