/**
 * Stage 2, collect + deliver, for one route (source L2 → destination L2).
 *
 * One relayer at a time delivers a route: the holder of the route's lease takes up to BATCH_SIZE
 * message jobs from the route's queue (BullMQ manual processing, each job locked to this
 * relayer), orders them by token then nonce, asks every guardian for an attestation of the batch
 * (stopping at threshold), simulates `deliver`, and sends it. Whatever cannot go now leaves the
 * batch with a verdict:
 *
 *   already processed on the destination      -> completed (a racing relayer, or an earlier try)
 *   unknown / unconfirmed / awaiting approval  -> failed with a plain error: BullMQ retries it
 *   paused destination, no guardian quorum     -> with capped exponential backoff
 *   rejected by a guardian quorum, expired     -> UnrecoverableError + dead-letter queue
 *
 * A relayer killed mid-batch loses nothing: its jobs' locks lapse, BullMQ's stalled check
 * returns them to the queue, and the next attempt finds delivered messages processed.
 */
import { randomUUID } from "node:crypto";
import { encodeFunctionData, isAddressEqual, parseEventLogs, type Hex, type TransactionReceipt } from "viem";
import { UnrecoverableError, type Job, type Worker } from "bullmq";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import { messageFromJson, messageId, toDeliveryBatch, type Message } from "../core/message.js";
import { sleep } from "../core/service/lifecycle.js";
import type { Logger } from "../core/service/logger.js";
import { collectAttestation, type GuardianSetView, type RequestAttestation } from "../core/collect-attestation.js";
import { fixedGuardianSets, type GuardianSets } from "./guardian-sets.js";
import { halves, isExpired, orderBatch, uniqueById } from "./batch.js";
import { isPaused, isProcessed, queuedMessage, type RelayerChain } from "./chains.js";
import { classifyDeliverRevert, isAttestationError, judgeRefusals, revertOf } from "./classify.js";
import type { JobScheduler } from "./jobs.js";
import { Lease } from "./lease.js";
import { RepeatFilter } from "./log-filter.js";
import type { RelayerMetrics } from "./metrics.js";
import type { DeliverJobData, FailureStage } from "./queues.js";
import type { RelayerStore } from "./store.js";

/** Attestation rounds per batch (each refusal or dropped message costs one) before giving up. */
const MAX_ROUNDS = 12;
/** Destination reads in flight at once (RPC providers rate-limit bursts). */
const READ_CONCURRENCY = 16;
/** Gas headroom over the estimate: batches touch storage whose cost can shift between blocks. */
const GAS_HEADROOM_PERCENT = 120n;

type DeliveredResult = "executed" | "queued" | "already_processed";

type Outcome =
  | { kind: "done"; result: DeliveredResult }
  | { kind: "retry"; stage: FailureStage; reason: string }
  | { kind: "dead"; stage: FailureStage; reason: string };

interface Item {
  job: Job<DeliverJobData>;
  msgId: Hex;
  message: Message;
}

export interface DelivererOptions {
  relayerId: string;
  batchSize: number;
  leaseMs: number;
  pollMs: number;
  guardianTimeoutMs: number;
}

/** State of one batch attempt: verdicts so far and the stage reached (for failure labels). */
class Attempt {
  readonly outcomes = new Map<string, Outcome>();
  stage: FailureStage = "attest";
  rounds = 0;

  constructor(readonly lease: Lease) {}

  decided(id: Hex): boolean {
    return this.outcomes.has(id.toLowerCase());
  }

  set(id: Hex, outcome: Outcome) {
    if (!this.decided(id)) this.outcomes.set(id.toLowerCase(), outcome);
  }

  get(id: Hex): Outcome | undefined {
    return this.outcomes.get(id.toLowerCase());
  }
}

export class RouteDeliverer {
  readonly route: string;
  private readonly log: Logger;
  private readonly repeats = new RepeatFilter();
  /** The destination's current guardian set (read from its gateway; see guardian-sets.ts). */
  private readonly guardianSets: GuardianSets;

  constructor(
    private readonly source: RelayerChain,
    private readonly dest: RelayerChain,
    private readonly worker: Worker<DeliverJobData>,
    private readonly store: RelayerStore,
    private readonly jobs: JobScheduler,
    guardians: GuardianSets | GuardianSetView,
    private readonly requestAttestation: RequestAttestation,
    private readonly metrics: RelayerMetrics,
    logger: Logger,
    private readonly o: DelivererOptions,
  ) {
    this.route = `${source.chainId}-${dest.chainId}`;
    this.guardianSets = "current" in guardians ? guardians : fixedGuardianSets(guardians);
    this.log = logger.child({ component: "deliverer", route: this.route });
    // At 0 from the start, so the route's first delivery shows in latency quantiles over rate().
    metrics.deliveryLatency.zero({ route: this.route });
  }

  /** Competes for the route's lease until `signal` aborts; delivers while holding it. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const lease = await Lease.acquire(
          this.store,
          `deliver:${this.route}`,
          this.o.relayerId,
          this.o.leaseMs,
          this.log,
        );
        if (lease) await this.lead(lease, signal);
        else await sleep(this.o.pollMs, signal);
      } catch (e) {
        if (signal.aborted) break;
        const err = (e as Error).message.split("\n")[0] ?? String(e);
        if (this.repeats.shouldLog("loop", err))
          this.log.error({ err }, "delivery loop error; retrying (repeats muted for 30 s)");
        await sleep(this.o.pollMs, signal);
      }
    }
  }

  private async lead(lease: Lease, signal: AbortSignal): Promise<void> {
    this.log.info("holding the route's delivery lease");
    try {
      while (!signal.aborted && lease.held) {
        const token = `${this.o.relayerId}:${randomUUID()}`;
        const jobs = await this.take(token);
        if (jobs.length > 0) await this.deliverJobs(jobs, token, lease, signal);
      }
    } finally {
      await lease.stop();
    }
  }

  /** Waits for one job (a few seconds at most), then takes what else is waiting, up to BATCH_SIZE. */
  private async take(token: string): Promise<Job<DeliverJobData>[]> {
    const started = Date.now();
    const first = await this.worker.getNextJob(token, { block: true });
    if (!first) {
      // Not drained yet (or closing): BullMQ returned at once; avoid spinning.
      if (Date.now() - started < 50) await sleep(Math.min(this.o.pollMs, 250));
      return [];
    }
    const jobs = [first];
    while (jobs.length < this.o.batchSize) {
      const next = await this.worker.getNextJob(token, { block: false });
      if (!next) break;
      jobs.push(next);
    }
    return jobs;
  }

  private async deliverJobs(jobs: Job<DeliverJobData>[], token: string, lease: Lease, signal: AbortSignal) {
    const attempt = new Attempt(lease);
    this.log.info({ size: jobs.length }, "batch taken");
    const extend = setInterval(
      () => void Promise.allSettled(jobs.map((j) => j.extendLock(token, this.o.leaseMs))),
      Math.max(100, Math.floor(this.o.leaseMs / 3)),
    );
    const items: Item[] = [];
    for (const job of jobs) {
      try {
        items.push(this.parse(job));
      } catch (e) {
        attempt.set(job.id as Hex, { kind: "dead", stage: "observe", reason: `invalid job: ${(e as Error).message}` });
      }
    }
    try {
      await this.process(uniqueById(items), attempt, signal);
    } catch (e) {
      const reason = signal.aborted ? "shutdown" : errorReason(e);
      const err = (e as Error).message.split("\n")[0] ?? String(e);
      if (!signal.aborted && this.repeats.shouldLog(attempt.stage, err)) {
        this.log.warn({ stage: attempt.stage, err }, "batch attempt failed; its messages are retried");
      }
      for (const item of items) attempt.set(item.msgId, { kind: "retry", stage: attempt.stage, reason });
    } finally {
      clearInterval(extend);
      await this.settle(jobs, items, attempt, token);
    }
  }

  private parse(job: Job<DeliverJobData>): Item {
    const message = messageFromJson(job.data.message);
    const msgId = messageId(message);
    if (job.id?.toLowerCase() !== msgId.toLowerCase()) throw new Error(`job ${job.id} holds message ${msgId}`);
    if (Number(message.sourceChainId) !== this.source.chainId || Number(message.destChainId) !== this.dest.chainId) {
      throw new Error(`message of route ${message.sourceChainId}-${message.destChainId} in queue ${this.route}`);
    }
    return { job, msgId, message };
  }

  private async process(items: Item[], attempt: Attempt, signal: AbortSignal): Promise<void> {
    if (items.length === 0) return;
    attempt.stage = "simulate";
    const now = (await this.dest.publicClient.getBlock()).timestamp;
    for (const item of items) {
      if (isExpired(item.message, now)) {
        attempt.set(item.msgId, {
          kind: "dead",
          stage: "simulate",
          reason: "expired: past its deadline (the sender can escape through L1)",
        });
      }
    }
    let live = items.filter((i) => !attempt.decided(i.msgId));
    if (live.length === 0) return;
    if (await isPaused(this.dest)) {
      for (const item of live) attempt.set(item.msgId, { kind: "retry", stage: "simulate", reason: "paused" });
      this.log.warn("destination gateway is paused; retrying later");
      return;
    }
    const processed = await mapLimit(live, READ_CONCURRENCY, (i) =>
      isProcessed(this.dest, i.message.sourceChainId, i.message.nonce),
    );
    for (const [i, item] of live.entries()) if (processed[i]) await this.alreadyProcessed(item, attempt);
    live = live.filter((i) => !attempt.decided(i.msgId));
    await this.deliverBatch(orderBatch(live), attempt, signal);
  }

  /** Attests, simulates and sends `batch`, shrinking it by each verdict until it goes through. */
  private async deliverBatch(initial: Item[], attempt: Attempt, signal: AbortSignal): Promise<void> {
    let batch = initial;
    const without = (ids: readonly Hex[]) => {
      const drop = new Set(ids.map((id) => id.toLowerCase()));
      batch = batch.filter((b) => !drop.has(b.msgId.toLowerCase()));
    };
    const retryAll = (stage: FailureStage, reason: string) => {
      for (const item of batch) attempt.set(item.msgId, { kind: "retry", stage, reason });
    };

    while (batch.length > 0) {
      signal.throwIfAborted();
      if (++attempt.rounds > MAX_ROUNDS) return retryAll(attempt.stage, "too_many_rounds");

      attempt.stage = "attest";
      const ids = batch.map((b) => b.msgId);
      const set = await this.guardianSets.current();
      const round = await collectAttestation({
        set,
        domain: { destChainId: BigInt(this.dest.chainId), destGateway: this.dest.gateway },
        msgIds: ids,
        request: this.requestAttestation,
        timeoutMs: this.o.guardianTimeoutMs,
      });
      if (!round.attestation) {
        const verdict = judgeRefusals(ids, round.refusals, set.guardians.length, set.threshold);
        if (verdict.retry.size + verdict.dead.size === 0) {
          this.log.warn({ errors: round.errors, signers: round.signers.length }, "no guardian quorum for the batch");
          return retryAll("attest", "guardians_unavailable");
        }
        for (const [id, reason] of verdict.retry) attempt.set(id, { kind: "retry", stage: "attest", reason });
        for (const [id, reason] of verdict.dead) attempt.set(id, { kind: "dead", stage: "attest", reason });
        this.log.info(
          {
            retry: Object.fromEntries(verdict.retry),
            dead: [...verdict.dead.keys()],
            remaining: batch.length - verdict.retry.size - verdict.dead.size,
          },
          "guardians refused part of the batch; setting those messages aside",
        );
        without([...verdict.retry.keys(), ...verdict.dead.keys()]);
        continue;
      }

      attempt.stage = "simulate";
      const { header, transfers } = toDeliveryBatch(batch.map((b) => b.message));
      const args = [header, transfers, [], round.attestation] as const;
      const call = {
        address: this.dest.gateway,
        abi: bridgeGatewayAbi,
        functionName: "deliver",
        args,
        account: this.dest.wallet.account,
      } as const;
      let gas: bigint;
      try {
        await this.dest.publicClient.simulateContract(call);
        gas = await this.dest.publicClient.estimateContractGas(call);
      } catch (e) {
        const revert = revertOf(e);
        if (!revert) throw e;
        const action = classifyDeliverRevert(revert, batch);
        // A rotation landed (or the old set's grace ended): re-read the set, re-attest on retry.
        if (isAttestationError(revert.errorName)) this.guardianSets.invalidate();
        this.log.info(
          { revert: revert.errorName, action: action.kind, size: batch.length },
          "delivery simulation reverted",
        );
        switch (action.kind) {
          case "processed": {
            const item = batch.find((b) => b.msgId === action.msgId)!;
            await this.alreadyProcessed(item, attempt);
            without([action.msgId]);
            continue;
          }
          case "dead":
            for (const id of action.msgIds) attempt.set(id, { kind: "dead", stage: "simulate", reason: action.reason });
            without(action.msgIds);
            continue;
          case "retry":
            if (action.msgIds === "all") return retryAll("simulate", action.reason);
            for (const id of action.msgIds)
              attempt.set(id, { kind: "retry", stage: "simulate", reason: action.reason });
            without(action.msgIds);
            continue;
          case "bisect": {
            if (batch.length === 1) return retryAll("simulate", action.reason);
            const [a, b] = halves(batch);
            await this.deliverBatch(a, attempt, signal);
            await this.deliverBatch(b, attempt, signal);
            return;
          }
        }
      }

      attempt.stage = "send";
      // Fencing: never send for a route this relayer no longer leads.
      if (!(await attempt.lease.renew())) return retryAll("send", "lease_lost");
      const receipt = await this.dest.sender.send(
        {
          to: this.dest.gateway,
          data: encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "deliver", args }),
          gas: (gas * GAS_HEADROOM_PERCENT) / 100n,
        },
        signal,
      );
      this.recordGas(receipt);
      if (receipt.status !== "success") {
        // Lost a race mined in the same block; the next round's simulation says what changed.
        this.metrics.failures.inc({ stage: "send", reason: "reverted" });
        this.log.warn({ tx: receipt.transactionHash, size: batch.length }, "deliver transaction reverted; re-checking");
        continue;
      }
      await this.recordDelivery(batch, receipt, attempt);
      return;
    }
  }

  private async alreadyProcessed(item: Item, attempt: Attempt): Promise<void> {
    attempt.set(item.msgId, { kind: "done", result: "already_processed" });
    this.metrics.messagesDelivered.inc({ route: this.route, result: "already_processed" });
    // A relayer that delivered it may have died before scheduling its execution.
    const queued = await queuedMessage(this.dest, item.msgId);
    if (queued.status === "Queued") await this.jobs.scheduleExecute(this.dest.chainId, item.msgId, queued.executableAt);
  }

  private async recordDelivery(batch: Item[], receipt: TransactionReceipt, attempt: Attempt): Promise<void> {
    const events = parseEventLogs({
      abi: bridgeGatewayAbi,
      logs: receipt.logs.filter((l) => isAddressEqual(l.address, this.dest.gateway)),
    });
    const executed = new Set<string>();
    const queued = new Map<string, bigint>();
    for (const e of events) {
      if (e.eventName === "MessageExecuted") executed.add(e.args.msgId.toLowerCase());
      if (e.eventName === "MessageQueued") queued.set(e.args.msgId.toLowerCase(), e.args.executableAt);
    }
    const now = Date.now();
    for (const item of batch) {
      const id = item.msgId.toLowerCase();
      const executableAt = queued.get(id);
      if (executableAt !== undefined) {
        await this.jobs.scheduleExecute(this.dest.chainId, item.msgId, executableAt);
        attempt.set(item.msgId, { kind: "done", result: "queued" });
      } else if (executed.has(id)) {
        attempt.set(item.msgId, { kind: "done", result: "executed" });
      } else {
        // Mined without an event for it: should not happen; the retry will find it processed.
        attempt.set(item.msgId, { kind: "retry", stage: "send", reason: "missing_event" });
        continue;
      }
      const outcome = attempt.get(item.msgId) as { result: DeliveredResult };
      this.metrics.messagesDelivered.inc({ route: this.route, result: outcome.result });
      this.metrics.deliveryLatency.observe({ route: this.route }, Math.max(0, now - item.job.data.observedAt) / 1000);
    }
    this.metrics.batchesDelivered.inc({ route: this.route });
    this.metrics.batchSize.observe({ route: this.route }, batch.length);
    this.log.info(
      {
        tx: receipt.transactionHash,
        size: batch.length,
        executed: executed.size,
        queued: queued.size,
        gasUsed: receipt.gasUsed.toString(),
      },
      "batch delivered",
    );
  }

  private recordGas(receipt: TransactionReceipt) {
    const chain = this.dest.chainId;
    this.metrics.gasUsed.inc({ chain }, Number(receipt.gasUsed));
    this.metrics.gasSpentWei.inc({ chain }, Number(receipt.gasUsed * receipt.effectiveGasPrice));
  }

  /** Completes, retries or dead-letters each job by its verdict (undecided: retried). */
  private async settle(jobs: Job<DeliverJobData>[], items: Item[], attempt: Attempt, token: string) {
    const byJob = new Map(items.map((i) => [i.job.id, i]));
    const retries: Record<string, number> = {};
    for (const job of jobs) {
      const item = byJob.get(job.id);
      const id = (item?.msgId ?? job.id) as Hex;
      const outcome = attempt.get(id) ?? { kind: "retry", stage: attempt.stage, reason: "interrupted" };
      try {
        if (outcome.kind === "done") {
          await job.moveToCompleted({ result: outcome.result }, token, false);
        } else if (outcome.kind === "retry") {
          this.metrics.failures.inc({ stage: outcome.stage, reason: outcome.reason });
          retries[outcome.reason] = (retries[outcome.reason] ?? 0) + 1;
          await job.moveToFailed(new Error(`${outcome.stage}: ${outcome.reason}`), token, false);
        } else {
          this.metrics.failures.inc({ stage: outcome.stage, reason: "permanent" });
          await this.jobs.deadLetter({
            msgId: id,
            queue: this.worker.name,
            stage: outcome.stage,
            reason: outcome.reason,
            message: item?.message,
          });
          await job.moveToFailed(new UnrecoverableError(`${outcome.stage}: ${outcome.reason}`), token, false);
        }
      } catch (e) {
        // The job's lock lapsed (another relayer took it over) or Redis lost it: that side retries.
        this.log.warn({ msgId: id, err: (e as Error).message }, "could not settle job");
      }
    }
    if (Object.keys(retries).length > 0) this.log.info({ retries }, "messages set aside for a later attempt");
  }
}

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

function errorReason(e: unknown): string {
  const name = (e as Error)?.name ?? "Error";
  if (name === "StuckTransactionError") return "stuck_transaction";
  if (name === "AbortError") return "shutdown";
  return /HttpRequestError|TimeoutError|fetch failed|ECONNREFUSED/i.test(`${name} ${(e as Error)?.message}`)
    ? "rpc_unavailable"
    : "error";
}
