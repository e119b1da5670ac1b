/**
 * Stage 2, collect + deliver, for one route (source L2 → destination L2), in every relayer
 * process at once: there is no route leader. Each relayer takes jobs from the route's queue — a
 * job is a group, one source block's messages to this destination (queues.ts) — (BullMQ manual
 * processing: each job locked to the relayer that took it, for LOCK_TTL_MS, extended while it
 * works on it), so N relayers split a route's traffic between them, and the gateway's replay
 * protection makes a rare double delivery (a lock that lapsed) harmless.
 *
 * The relayers of a route take turns filling its batches (take-turn.ts), so a block's messages
 * go out in as few deliveries as their gas allows instead of being split between racing takers.
 * A batch is started as soon as a job is there — the guardians' signable feed (signable.ts)
 * enqueues a block's group the moment a quorum lists it — and is that group, with other small
 * ones waiting beside it, up to what one transaction may carry by gas (gas.ts). Up to
 * MAX_IN_FLIGHT batches of a route are in flight at once, each with its own transaction (tx.ts
 * keeps their nonces gap-free). A batch waits
 * (at most SIGNABLE_WAIT_MS) for a quorum to list its messages, orders them by token then nonce,
 * takes its attestation from the signatures the guardians published as they listed it (a batch
 * that is one source block's group: signable.ts `listedRound`), or else asks every guardian for
 * one (stopping at threshold) unless it was asked for already (attestEarly: the group the feed
 * enqueued while this deliverer waited in its turn), simulates `deliver` with a gas limit from
 * the measured per-message cost, and sends it. Whatever cannot go now leaves the batch with a
 * verdict:
 *
 *   already processed on the destination      -> completed (a racing relayer, or an earlier try)
 *   paid less than its quote (fee-policy.ts)   -> completed as left_alone (its sender self-relays)
 *   what it paid not found yet                 -> retried (payment_unknown)
 *   unknown / unconfirmed / awaiting approval  -> kept in its job, which fails with a plain error:
 *   paused destination, no guardian quorum        BullMQ retries it with capped exponential backoff
 *   rejected by a guardian quorum, expired     -> dead-letter queue, and out of its job
 *
 * A job is settled once, by the verdicts of its messages (`settle`): completed when none is left
 * to retry, else failed (retried) holding only those left.
 *
 * A relayer killed mid-batch loses nothing: its jobs' locks lapse within LOCK_TTL_MS, BullMQ's
 * stalled check returns them to the queue, and the next attempt (usually by a relayer that was
 * running all along) finds whatever was mined already processed.
 */
import { randomUUID } from "node:crypto";
import { encodeFunctionData, type ContractFunctionArgs, type Hex, type TransactionReceipt } from "viem";
import { UnrecoverableError, type Job, type Worker } from "bullmq";
import { mapLimit, PendingWork, Semaphore } from "../core/async.js";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import { decodeDeliveryOutcomes } from "../core/logs.js";
import {
  deliverArgs,
  deliveryValue,
  messageFromJson,
  messageId,
  messageToJson,
  type Message,
} from "../core/message.js";
import { paymentFromJson, type Payment, type PaymentJson } from "../core/payment.js";
import { sleep } from "../core/service/lifecycle.js";
import type { Logger } from "../core/service/logger.js";
import { KEEP_WARM_MS, SharedRead } from "../core/shared-read.js";
import {
  collectAttestation,
  type AttestationRound,
  type GuardianSetView,
  type RequestAttestation,
} from "../core/collect-attestation.js";
import { orderBatch } from "../core/batch-order.js";
import { halves, isExpired, uniqueById } from "./batch.js";
import type { RelayerChain } from "./chains.js";
import { classifyDeliverRevert, isAttestationError, judgeRefusals, revertOf } from "./classify.js";
import type { FeeGate } from "./fee-policy.js";
import type { GasBudget } from "./gas.js";
import { fixedGuardianSets, type GuardianSets } from "./guardian-sets.js";
import { groupId, type DeliveryGroup, type JobScheduler } from "./jobs.js";
import { RepeatFilter } from "./log-filter.js";
import type { RelayerMetrics } from "./metrics.js";
import { jobMessages, type DeliverJobData, type FailureStage } from "./queues.js";
import type { Readiness } from "./signable.js";
import type { TakeTurn } from "./take-turn.js";

/** Attestation rounds per batch (each refusal or dropped message costs one) before giving up. */
const MAX_ROUNDS = 12;
/** Destination reads in flight at once (viem sends concurrent reads as one JSON-RPC batch). */
const READ_CONCURRENCY = 256;
/** How much longer than SIGNABLE_WAIT_MS a batch none of whose messages is listed yet waits. */
const LAGGING_WAIT_FACTOR = 4;
/**
 * A batch holding fewer messages than this takes the next waiting job too. A job is a source
 * block's group, which the guardians signed as they listed it: a batch that is one group needs no
 * attestation round (listing signatures), so a large group goes alone, in its own transaction
 * beside the others (MAX_IN_FLIGHT), while small ones (a quiet chain's blocks, a catch-up's) are
 * combined, sparing the per-transaction gas and asking the guardians once for all of them.
 */
const COMBINE_BELOW = 64;
/** An early attestation no batch used within this long is dropped (its messages went another way). */
const EARLY_TTL_MS = 10_000;
/**
 * How long an early attestation waits for the guardians' own signatures of the group to reach the
 * feeds before asking them. Each guardian signs a group just after listing it: tens of ms, a few
 * hundred under a burst. The wait runs while the group's jobs are added and taken (longer than
 * this under a burst), so it is off the delivery's path.
 */
const LISTED_EARLY_WAIT_MS = 500;
/**
 * How long a batch that is one source block's messages, on its first round, waits for the
 * guardians' signatures of that group when it was not attested early: less than asking them takes
 * under a burst (0.3–0.6 s), and a batch that is not a whole group gives up after it.
 */
const LISTED_BATCH_WAIT_MS = 250;

/** `left_alone`: the fee policy does not deliver it (fee-policy.ts); its sender can. */
type DeliveredResult = "executed" | "queued" | "already_processed" | "left_alone";

type DeliverArgs = ContractFunctionArgs<typeof bridgeGatewayAbi, "payable", "deliver">;

type Outcome =
  | { kind: "done"; result: DeliveredResult }
  | { kind: "retry"; stage: FailureStage; reason: string }
  | { kind: "dead"; stage: FailureStage; reason: string };

/** Where a round's signatures came from (bridge_relayer_attestations_total). */
type AttestationSource = "listed" | "asked";

/** An attestation requested before its batch was taken (`attestEarly`). */
interface EarlyAttestation {
  at: number;
  /** The set it was asked of and the round; undefined when the set could not be read. */
  result: Promise<{ set: GuardianSetView; round: AttestationRound; source: AttestationSource } | undefined>;
}

interface Item {
  /** The job holding it (a group's messages share one). */
  job: Job<DeliverJobData>;
  msgId: Hex;
  message: Message;
  /** As its job states it (`DeliverJobData`). */
  sourceBlock: string;
  observedAt: number;
  /** What it paid as the job states it, if it does (the fee policy reads it otherwise). */
  stated?: PaymentJson;
  /** Its job was tried before (it may have been delivered since). */
  retried: boolean;
  /** What it paid on the source chain, once the fee policy read it. */
  payment?: Payment;
}

/** The BullMQ worker calls a deliverer makes (a real Worker in production). */
export type DeliveryWorker = Pick<Worker<DeliverJobData>, "name" | "getNextJob" | "extendJobLocks">;

/** The destination as a deliverer sees it: the chain, its transaction sender and gas budget. */
export interface Destination {
  chain: RelayerChain;
  budget: GasBudget;
  /** The route's fee policy (fee-policy.ts); absent: every message is delivered, no income counted. */
  fees?: FeeGate;
  /** Its clock and pause flag, shared by every route to it (default: this route's own). */
  state?: DestinationState;
}

/** What every batch to one destination checks: its head block's time and its gateway's pause flag. */
export interface DestinationSnapshot {
  /** The head block's timestamp (Unix seconds). */
  timestamp: bigint;
  paused: boolean;
}

/** A destination's snapshot, shared by every route and batch headed there. */
export type DestinationState = SharedRead<DestinationSnapshot>;

/**
 * How old a destination's clock and pause flag may be when a batch checks them: served as they
 * are while fresh, served and re-read in the background up to the stale age (core/shared-read.ts
 * says why that is safe), waited for beyond it. Kept warm for a minute after a batch asked, so
 * the first batches of a burst after a pause find them (a read from a node mining a full block
 * took up to 1.1 s, on the critical path of batches the feed enqueued).
 */
export const DESTINATION_STATE_AGE = { freshMs: 500, staleMs: 3_000 };

/** Reads a destination's head timestamp and pause flag (two calls, one JSON-RPC batch). */
export function destinationState(chain: RelayerChain): DestinationState {
  return new SharedRead(
    async () => {
      const [block, paused] = await Promise.all([chain.publicClient.getBlock(), chain.gw.paused()]);
      return { timestamp: block.timestamp, paused };
    },
    { ...DESTINATION_STATE_AGE, keepWarmMs: KEEP_WARM_MS },
  );
}

export interface DelivererOptions {
  relayerId: string;
  /** Job lock lifetime (LOCK_TTL_MS); locks are extended every third of it. */
  lockMs: number;
  /** Batches of this route in flight at once (MAX_IN_FLIGHT). */
  maxInFlight: number;
  guardianTimeoutMs: number;
  /** How long a batch waits for a quorum of the feeds to list its messages (SIGNABLE_WAIT_MS). */
  signableWaitMs: number;
  /**
   * OPTIMISTIC_SEND: a batch's first round, when none of its messages was tried before and the
   * route's last delivery went through, is sent without simulating it first (one heavy
   * `eth_call` less on the critical path). A delivery that reverts on chain costs its gas, and
   * the route simulates every batch again until one goes through. Default off here (tests).
   */
  optimisticSend?: boolean;
  /**
   * The route's turns at taking jobs, shared with the other relayers (take-turn.ts): one relayer
   * at a time fills a batch, so a block's messages are not split between racing relayers.
   * Absent: this deliverer takes whenever it can (a relayer alone on the route, tests).
   */
  turn?: TakeTurn;
}

/** State of one batch attempt: verdicts so far and the stage reached (for failure labels). */
class Attempt {
  readonly outcomes = new Map<string, Outcome>();
  stage: FailureStage = "attest";
  rounds = 0;
  /** Milliseconds since the batch was taken at which each step ended (logged with the delivery). */
  readonly timings: Record<string, number> = {};
  /** Wall-clock ms when the batch was taken (its jobs all locked to this relayer). */
  readonly takenAt = Date.now();
  /** Where its last round's attestation came from (logged with the delivery). */
  attestedBy?: AttestationSource;
  /** Jobs whose lock went to another relayer (that relayer settles them). */
  readonly lostJobs = new Set<string>();
  /** Jobs that could not be read, with why (dead-lettered under their job id). */
  readonly unreadable = new Map<string, string>();

  mark(step: string) {
    this.timings[step] = Date.now() - this.takenAt;
  }

  constructor(readonly token: string) {}

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
  private readonly guardianSets: GuardianSets;
  private readonly slots: Semaphore;
  private readonly dest: RelayerChain;
  private readonly budget: GasBudget;
  private readonly fees?: FeeGate;
  private readonly destState: DestinationState;
  /** The route's last delivery went through (optimistic sends allowed). */
  private lastWentThrough = true;
  /** In its turn at the route, waiting for the first job: what is enqueued now is its next batch. */
  private awaitingJobs = false;
  /** Attestations of groups requested before their batch was taken, by Merkle root (attestEarly). */
  private readonly early = new Map<Hex, EarlyAttestation>();

  constructor(
    private readonly source: Pick<RelayerChain, "chainId">,
    destination: Destination,
    private readonly worker: DeliveryWorker,
    private readonly jobs: JobScheduler,
    guardians: GuardianSets | GuardianSetView,
    private readonly requestAttestation: RequestAttestation,
    private readonly readiness: Readiness,
    private readonly metrics: RelayerMetrics,
    logger: Logger,
    private readonly o: DelivererOptions,
  ) {
    this.dest = destination.chain;
    this.budget = destination.budget;
    this.fees = destination.fees;
    this.destState = destination.state ?? destinationState(this.dest);
    this.route = `${source.chainId}-${this.dest.chainId}`;
    this.guardianSets = "current" in guardians ? guardians : fixedGuardianSets(guardians);
    this.slots = new Semaphore(o.maxInFlight);
    this.log = logger.child({ component: "deliverer", route: this.route });
    // At 0 from the start, so the route's first delivery shows in latency quantiles over rate().
    metrics.deliveryLatency.zero({ route: this.route });
  }

  /** Takes batches and delivers them, up to `maxInFlight` at once, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const inFlight = new PendingWork();
    while (!signal.aborted) {
      let release: (() => void) | undefined;
      try {
        release = await this.slots.acquire(signal);
        const token = `${this.o.relayerId}:${randomUUID()}`;
        const { jobs, fillMs } = await this.take(token, signal);
        if (jobs.length === 0) {
          release();
          continue;
        }
        inFlight.track(this.deliverJobs(jobs, token, fillMs, signal).finally(release));
      } catch (e) {
        release?.();
        if (signal.aborted) break;
        const err = (e as Error).message.split("\n")[0] ?? String(e);
        if (this.repeats.shouldLog("loop", err))
          this.log.error({ err }, "delivery loop error; retrying (repeats muted for 30 s)");
        await sleep(250, signal);
      }
    }
    await inFlight.settled();
  }

  /** Fills a batch in this relayer's turn at the route (take-turn.ts), if it shares one. */
  private async take(token: string, signal: AbortSignal): Promise<{ jobs: Job<DeliverJobData>[]; fillMs: number }> {
    const turn = await this.o.turn?.acquire(signal);
    let filled = { jobs: [] as Job<DeliverJobData>[], fillMs: 0 };
    try {
      filled = await this.fill(token);
      return filled;
    } finally {
      await turn?.release(filled.jobs.length > 0);
    }
  }

  /**
   * Waits (BullMQ's blocking wait, a couple of seconds at most) for one job, then, while the batch
   * holds fewer than COMBINE_BELOW messages and less than one delivery carries, takes the next
   * waiting job too, one at a time (a job's size is known once it is taken). `fillMs`: from the
   * first job to the last.
   */
  private async fill(token: string): Promise<{ jobs: Job<DeliverJobData>[]; fillMs: number }> {
    const started = Date.now();
    this.awaitingJobs = true;
    const first = await this.worker.getNextJob(token, { block: true }).finally(() => (this.awaitingJobs = false));
    if (!first) {
      // Not drained yet (or closing): BullMQ returned at once; avoid spinning.
      if (Date.now() - started < 50) await sleep(100);
      return { jobs: [], fillMs: 0 };
    }
    const firstAt = Date.now();
    const jobs = [first];
    // A peer's measurement, if this process has none yet: batches sized by the prior are small.
    await this.budget.learn();
    const limit = Math.min(COMBINE_BELOW, this.budget.maxMessages());
    let held = jobSize(first);
    while (held < limit) {
      const next = await this.worker.getNextJob(token, { block: false });
      if (!next) break;
      jobs.push(next);
      held += jobSize(next);
    }
    return { jobs, fillMs: Date.now() - firstAt };
  }

  /**
   * Early attestation: called with each group of this route the feed is about to enqueue (what a
   * guardian quorum just listed of a source block, a job each, `deliveryGroups`), before it is in
   * the queue. If this deliverer is waiting in its turn for the route's next job, that group is
   * its next batch, so its attestation is requested now, while its job is added and taken,
   * instead of after (unless the guardians' own signatures of the group reach the feeds first).
   * The batch uses it only if it is exactly this group under the same guardian set (the same
   * Merkle root and set index); otherwise it asks as usual and the early round is dropped. A dropped
   * round costs the guardians one signature over messages they have listed as signable: attesting
   * changes nothing on their side but the nonce claims, which a later attestation of the same
   * messages finds in place. Safety is unchanged: the gateway checks whatever is delivered.
   */
  attestEarly(group: Pick<DeliveryGroup, "id" | "members">): void {
    if (!this.awaitingJobs || group.members.length === 0) return;
    // More than one delivery carries: the batch will not be this group. (Unmeasured, the budget
    // is the prior's, far below what the batch is given once a peer's measurement is learnt.)
    if (this.budget.measured && group.members.length > this.budget.maxMessages()) return;
    this.pruneEarly();
    const ids = group.members.map((m) => m.msgId);
    const root = group.id;
    if (this.early.has(root)) return;
    // The guardians' own signatures of the group, if they come; else the group is asked for.
    const result = this.guardianSets
      .current()
      .then(async (set) => {
        const listed = await this.readiness.listedRound(root, this.domain, set, LISTED_EARLY_WAIT_MS);
        if (listed) return { set, round: listed, source: "listed" as const };
        return { set, round: await this.collect(set, ids, root), source: "asked" as const };
      })
      .catch(() => undefined);
    this.early.set(root, { at: Date.now(), result });
  }

  /** The early attestation of the batch of Merkle root `root` under `set`, if one was requested and it signed. */
  private async earlyRound(
    root: Hex,
    set: GuardianSetView,
  ): Promise<{ round: AttestationRound; source: AttestationSource } | undefined> {
    if (this.early.size === 0) return undefined;
    const early = this.early.get(root);
    if (!early) return undefined;
    this.early.delete(root);
    const got = await early.result;
    // Refused in part, or a rotation since: the batch asks afresh (the usual rounds judge refusals).
    const usable = got !== undefined && got.set.index === set.index && got.round.attestation !== undefined;
    this.metrics.earlyAttestations.inc({ route: this.route, result: usable ? "used" : "unusable" });
    return usable ? { round: got.round, source: got.source } : undefined;
  }

  /** The EIP-712 domain attestations for this route's destination are signed in. */
  private get domain() {
    return { destChainId: BigInt(this.dest.chainId), destGateway: this.dest.gateway };
  }

  private pruneEarly() {
    const now = Date.now();
    for (const [root, early] of this.early) {
      if (now - early.at <= EARLY_TTL_MS) continue;
      this.early.delete(root);
      this.metrics.earlyAttestations.inc({ route: this.route, result: "unused" });
    }
  }

  /** Asks the guardians of `set` to attest `ids`, whose Merkle root (`groupId`) is `root`. */
  private collect(set: GuardianSetView, ids: readonly Hex[], root: Hex): Promise<AttestationRound> {
    return collectAttestation({
      set,
      domain: this.domain,
      msgIds: ids,
      root,
      request: this.requestAttestation,
      timeoutMs: this.o.guardianTimeoutMs,
    });
  }

  private async deliverJobs(jobs: Job<DeliverJobData>[], token: string, fillMs: number, signal: AbortSignal) {
    const attempt = new Attempt(token);
    const extend = setInterval(
      () => void this.extendLocks(jobs, attempt).catch(() => undefined),
      Math.max(100, Math.floor(this.o.lockMs / 3)),
    );
    const items: Item[] = [];
    for (const job of jobs) {
      try {
        items.push(...this.parse(job));
      } catch (e) {
        attempt.unreadable.set(job.id!, `invalid job: ${(e as Error).message}`);
      }
    }
    // How long its oldest job had waited in the queue (from its add to now): with the listing times in
    // the guardians' logs, it tells a slow feed (late adds) from a slow queue (late takes).
    const queuedMs = Date.now() - Math.min(...jobs.map((j) => j.timestamp));
    this.log.info({ size: items.length, jobs: jobs.length, fillMs, queuedMs }, "batch taken");
    this.dest.sender.warm();
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
      await this.settle(jobs, items, attempt);
    }
  }

  /**
   * Extends the locks of the batch's jobs until they are settled — those whose messages are all
   * decided too: a job is settled with the rest at the end, and a lock lapsing meanwhile would let
   * the stalled check hand it to another relayer (duplicate work, "could not settle"). A job whose
   * lock is gone (this relayer stalled past LOCK_TTL_MS and another took it) is marked lost, its
   * messages left to that relayer. Returns the ids of the jobs lost.
   */
  private async extendLocks(jobs: readonly Job<DeliverJobData>[], attempt: Attempt): Promise<Set<string>> {
    const open = [...new Set(jobs)].filter((j) => !attempt.lostJobs.has(j.id!.toLowerCase()));
    if (open.length === 0) return new Set();
    const failed = await this.worker.extendJobLocks(
      open.map((j) => j.id!),
      open.map(() => attempt.token),
      this.o.lockMs,
    );
    const lost = new Set((failed as string[]).map((id) => id.toLowerCase()));
    for (const id of lost) attempt.lostJobs.add(id);
    return lost;
  }

  /**
   * The job's messages, each checked: its id recomputed, of this route, and the job's id the
   * group's (`groupId` of the ids in the order held). Throws if any is not: the job is unreadable.
   */
  private parse(job: Job<DeliverJobData>): Item[] {
    const held = jobMessages(job.data);
    const items = held.map((entry): Item => {
      const message = messageFromJson(entry.message);
      const msgId = messageId(message);
      if (entry.msgId.toLowerCase() !== msgId.toLowerCase()) {
        throw new Error(`entry ${entry.msgId} holds message ${msgId}`);
      }
      if (Number(message.sourceChainId) !== this.source.chainId || Number(message.destChainId) !== this.dest.chainId) {
        throw new Error(`message of route ${message.sourceChainId}-${message.destChainId} in queue ${this.route}`);
      }
      return {
        job,
        msgId,
        message,
        sourceBlock: job.data.sourceBlock,
        observedAt: job.data.observedAt,
        stated: entry.payment,
        retried: job.attemptsMade > 0 || job.data.left === true,
      };
    });
    // What was left of a group after an attempt keeps the whole group's id.
    if (job.data.left !== true && job.id?.toLowerCase() !== groupId(items.map((i) => i.msgId))) {
      throw new Error(`job ${job.id} is not the group it holds`);
    }
    return items;
  }

  private async process(items: Item[], attempt: Attempt, signal: AbortSignal): Promise<void> {
    if (items.length === 0) return;
    attempt.stage = "simulate";
    // Only for judging the feeds' listings: the set attestations are collected from is read
    // (never older than its cache time) in deliverBatch.
    const set = await this.guardianSets.latest();
    // A fresh message waits for a quorum of the guardians' listings (at most SIGNABLE_WAIT_MS
    // from when it was enqueued) while the destination is read.
    const waitMs = Math.max(...items.map((i) => i.observedAt)) + this.o.signableWaitMs - Date.now();
    const listed =
      waitMs > 0 && this.readiness.feedsUp(set)
        ? this.waitForListings(
            items.map((i) => i.msgId),
            set,
            waitMs,
            signal,
          )
        : undefined;
    // A first attempt was enqueued unprocessed (the observer checks; the feed lists fresh
    // messages) and a delivery since would show in the simulation: only retries are read here.
    const retried = items.filter((i) => i.retried);
    // What each message paid (its MessageSent on the source) is read beside the destination.
    const [{ timestamp: now, paused }, processed, fees] = await Promise.all([
      this.destState.get(),
      mapLimit(retried, READ_CONCURRENCY, (i) =>
        this.dest.gw.isProcessed(i.message.sourceChainId, i.message.sourceGateway, i.message.nonce),
      ),
      this.fees?.judge(
        items.map((i) => ({
          ...i,
          sourceBlock: BigInt(i.sourceBlock),
          payment: paymentFromJson(i.stated),
        })),
      ),
    ]);
    attempt.mark("checked");
    for (const [i, item] of retried.entries()) if (processed[i]) await this.alreadyProcessed(item, attempt);
    for (const item of items) {
      const verdict = fees?.get(item.msgId.toLowerCase());
      if (!verdict || attempt.decided(item.msgId)) continue;
      if (verdict.kind === "deliver") item.payment = verdict.payment;
      else if (verdict.kind === "left_alone") attempt.set(item.msgId, { kind: "done", result: "left_alone" });
      else attempt.set(item.msgId, { kind: "retry", stage: "simulate", reason: "payment_unknown" });
    }
    for (const item of items) {
      if (!attempt.decided(item.msgId) && isExpired(item.message, now)) {
        attempt.set(item.msgId, {
          kind: "dead",
          stage: "simulate",
          reason: "expired: past its deadline (the sender can escape through L1)",
        });
      }
    }
    const live = items.filter((i) => !attempt.decided(i.msgId));
    if (live.length === 0) return;
    if (paused) {
      for (const item of live) attempt.set(item.msgId, { kind: "retry", stage: "simulate", reason: "paused" });
      this.log.warn("destination gateway is paused; retrying later");
      return;
    }
    attempt.stage = "attest";
    await listed;
    attempt.mark("listed");
    // A group larger than one delivery carries (a budget not measured yet, a block fuller than
    // a transaction may be): in nearly equal parts, each its own delivery, all at once.
    const ordered = orderBatch(live);
    const parts = Math.ceil(ordered.length / this.budget.maxMessages());
    const size = Math.ceil(ordered.length / parts);
    await Promise.all(
      Array.from({ length: parts }, (_, i) =>
        this.deliverBatch(ordered.slice(i * size, (i + 1) * size), attempt, signal),
      ),
    );
  }

  /**
   * Waits until a quorum of the feeds lists every message, at most `waitMs`. If by then not one
   * is listed while the feeds are up, the guardians are behind (a burst on a loaded node), not
   * refusing: asking now would only collect "unconfirmed" refusals and a retry, so the batch
   * waits longer (at most LAGGING_WAIT_FACTOR x SIGNABLE_WAIT_MS) for the first listing. A batch
   * where some are listed and others not goes at once: the others (awaiting approval, say) are
   * set aside by the attestation's refusals.
   */
  private async waitForListings(ids: Hex[], set: GuardianSetView, waitMs: number, signal: AbortSignal) {
    await this.readiness.waitReady(ids, set, waitMs, signal);
    if (signal.aborted || !this.readiness.feedsUp(set) || this.readiness.anyReady(ids, set)) return;
    await this.readiness.waitReady(ids, set, this.o.signableWaitMs * LAGGING_WAIT_FACTOR, signal, "any");
    // The rest of the guardians' listings usually arrive with the first (a block at a time).
    if (!signal.aborted) await this.readiness.waitReady(ids, set, Math.min(waitMs, 250), signal);
  }

  /** Attests, simulates and sends `batch`, shrinking it by each verdict until it goes through. */
  private async deliverBatch(initial: Item[], attempt: Attempt, signal: AbortSignal): Promise<void> {
    let batch = initial;
    const without = (ids: Iterable<string>) => {
      const drop = new Set([...ids].map((id) => id.toLowerCase()));
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
      const root = groupId(ids);
      const set = await this.guardianSets.current();
      const { round, source } = (await this.earlyRound(root, set)) ??
        (await this.listedRound(root, set, batch, attempt)) ?? {
          round: await this.collect(set, ids, root),
          source: "asked" as const,
        };
      if (round.attestation) {
        this.metrics.attestations.inc({ route: this.route, source });
        attempt.attestedBy = source;
      }
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

      attempt.mark("attested");
      attempt.stage = "simulate";
      const messages = batch.map((b) => b.message);
      const args: DeliverArgs = deliverArgs(messages, round.attestation);
      // The drop-offs of the batch: this relayer supplies them, the gateway forwards each.
      const value = deliveryValue(messages);
      const optimistic =
        this.o.optimisticSend === true &&
        this.budget.measured &&
        this.lastWentThrough &&
        attempt.rounds === 1 &&
        batch.every((b) => !b.retried);
      let gas: bigint;
      try {
        gas = optimistic ? this.budget.predictedLimit(batch.length) : await this.simulate(args, value, batch.length);
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
            // Another relayer got there (its lock lapsed and the job moved, or a racing path):
            // it usually delivered a whole batch, so every message is read once here rather than
            // one simulation round per processed message.
            const named = batch.find((b) => b.msgId === action.msgId)!;
            const others = batch.filter((b) => b !== named);
            const processed = await mapLimit(others, READ_CONCURRENCY, (b) =>
              this.dest.gw.isProcessed(b.message.sourceChainId, b.message.sourceGateway, b.message.nonce),
            );
            const done = [named, ...others.filter((_, i) => processed[i])];
            for (const item of done) await this.alreadyProcessed(item, attempt);
            without(done.map((b) => b.msgId));
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
            return this.deliverHalves(batch, attempt, signal);
          }
        }
      }
      if (gas > this.budget.txGasLimit() && batch.length > 1) {
        // Costlier than measured (new recipients, a token mix): two deliveries instead of one.
        this.log.info({ gas: gas.toString(), size: batch.length }, "batch over the gas limit; splitting it");
        return this.deliverHalves(batch, attempt, signal);
      }

      attempt.mark("simulated");
      attempt.stage = "send";
      // Fencing: never send messages whose jobs another relayer holds now.
      const lost = await this.extendLocks(
        batch.map((b) => b.job),
        attempt,
      );
      if (lost.size > 0) {
        const gone = batch.filter((b) => lost.has(b.job.id!.toLowerCase()));
        this.log.warn({ lost: gone.length }, "job locks lost to another relayer; re-attesting without them");
        without(gone.map((b) => b.msgId));
        continue;
      }
      const receipt = await this.dest.sender.send(
        {
          to: this.dest.gateway,
          data: encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "deliver", args }),
          gas,
          value,
        },
        signal,
      );
      attempt.mark("mined");
      this.recordGas(receipt);
      this.lastWentThrough = receipt.status === "success";
      if (receipt.status !== "success") {
        // Lost a race mined in the same block; the next round's simulation says what changed.
        this.metrics.failures.inc({ stage: "send", reason: "reverted" });
        this.log.warn({ tx: receipt.transactionHash, size: batch.length }, "deliver transaction reverted; re-checking");
        continue;
      }
      this.budget.observe(batch.length, receipt.gasUsed);
      await this.recordDelivery(batch, receipt, attempt);
      return;
    }
  }

  /**
   * The batch's attestation from the guardians' signatures of what they listed, if a quorum
   * published one for exactly this batch. A first round of one source block's messages, none
   * retried, may be such a group and waits briefly for it; any other batch only looks.
   */
  private async listedRound(
    root: Hex,
    set: GuardianSetView,
    batch: readonly Item[],
    attempt: Attempt,
  ): Promise<{ round: AttestationRound; source: AttestationSource } | undefined> {
    const oneBlock = batch.every((b) => b.sourceBlock === batch[0]!.sourceBlock);
    const fresh = attempt.rounds === 1 && batch.every((b) => !b.retried);
    const waitMs = oneBlock && fresh ? LISTED_BATCH_WAIT_MS : 0;
    const round = await this.readiness.listedRound(root, this.domain, set, waitMs);
    return round ? { round, source: "listed" } : undefined;
  }

  private async deliverHalves(batch: Item[], attempt: Attempt, signal: AbortSignal): Promise<void> {
    const [a, b] = halves(batch);
    await Promise.all([this.deliverBatch(a, attempt, signal), this.deliverBatch(b, attempt, signal)]);
  }

  /**
   * Simulates the delivery with the gas limit the measured cost predicts (one execution, where an
   * estimate would take several) and returns the gas limit to send it with. Before any
   * measurement, and when a simulation runs out of gas or reverts without a reason, it estimates
   * instead (which also names the revert if there is one): the limit may then exceed what one
   * delivery may use.
   */
  private async simulate(args: DeliverArgs, value: bigint, messages: number): Promise<bigint> {
    const call = {
      address: this.dest.gateway,
      abi: bridgeGatewayAbi,
      functionName: "deliver",
      args: args as DeliverArgs,
      account: this.dest.wallet.account,
      value,
    } as const;
    if (this.budget.measured) {
      const limit = this.budget.predictedLimit(messages);
      try {
        await this.dest.publicClient.simulateContract({ ...call, gas: limit });
        return limit;
      } catch (e) {
        if (revertOf(e)) throw e;
      }
    }
    // Nothing delivered to this chain measured yet (a fresh process: a limit from the prior would
    // be several times the need, too large to fit a busy block, gas.ts), or the prediction fell
    // short. The estimate simulates the delivery too, names a revert, and teaches the budget.
    const estimate = await this.dest.publicClient.estimateContractGas(call);
    this.budget.observe(messages, estimate);
    return this.budget.limitFor(estimate);
  }

  private async alreadyProcessed(item: Item, attempt: Attempt): Promise<void> {
    attempt.set(item.msgId, { kind: "done", result: "already_processed" });
    this.metrics.messagesDelivered.inc({ route: this.route, result: "already_processed" });
    // A relayer that delivered it may have died before scheduling its execution.
    const queued = await this.dest.gw.queuedMessage(item.msgId);
    if (queued.status === "Queued") await this.jobs.scheduleExecute(this.dest.chainId, item.msgId, queued.executableAt);
  }

  private async recordDelivery(batch: Item[], receipt: TransactionReceipt, attempt: Attempt): Promise<void> {
    const { executed, queued } = decodeDeliveryOutcomes(receipt.logs, this.dest.gateway);
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
      this.metrics.deliveryLatency.observe({ route: this.route }, Math.max(0, now - item.observedAt) / 1000);
    }
    this.fees?.recordDelivered(
      batch.filter((b) => executed.has(b.msgId.toLowerCase()) || queued.has(b.msgId.toLowerCase())),
    );
    this.metrics.batchesDelivered.inc({ route: this.route });
    this.metrics.batchSize.observe({ route: this.route }, batch.length);
    this.observeSteps(batch, attempt);
    this.log.info(
      {
        tx: receipt.transactionHash,
        size: batch.length,
        executed: executed.size,
        queued: queued.size,
        gasUsed: receipt.gasUsed.toString(),
        attestedBy: attempt.attestedBy,
        ms: attempt.timings,
      },
      "batch delivered",
    );
  }

  /** Each step's own duration (bridge_relayer_batch_step_seconds), and the queueing before them. */
  private observeSteps(batch: Item[], attempt: Attempt) {
    const queuedMs = attempt.takenAt - Math.min(...batch.map((b) => b.observedAt));
    this.metrics.batchStep.observe({ route: this.route, step: "queued" }, Math.max(0, queuedMs) / 1000);
    let previous = 0;
    for (const step of ["checked", "listed", "attested", "simulated", "mined"]) {
      const at = attempt.timings[step];
      if (at === undefined) continue;
      this.metrics.batchStep.observe({ route: this.route, step }, Math.max(0, at - previous) / 1000);
      previous = at;
    }
  }

  private recordGas(receipt: TransactionReceipt) {
    const chain = this.dest.chainId;
    this.metrics.gasUsed.inc({ chain }, Number(receipt.gasUsed));
    this.metrics.gasSpentWei.inc({ chain }, Number(receipt.gasUsed * receipt.effectiveGasPrice));
  }

  /**
   * Settles each job once, by its messages' verdicts (undecided: retried). Dead ones are
   * dead-lettered one by one. A job with nothing left to retry completes (or fails for good when
   * every message in it was given up on); one with messages to retry keeps only those
   * (`updateData`) and fails, so BullMQ retries it after its backoff. Crashing between the two
   * only leaves the job holding what was decided as well: its retry finds those processed.
   */
  private async settle(jobs: Job<DeliverJobData>[], items: Item[], attempt: Attempt) {
    const itemsOf = new Map<string, Item[]>();
    for (const item of items) {
      const held = itemsOf.get(item.job.id!);
      if (held) held.push(item);
      else itemsOf.set(item.job.id!, [item]);
    }
    const retries: Record<string, number> = {};
    await Promise.all(
      jobs.map(async (job) => {
        if (attempt.lostJobs.has(job.id!.toLowerCase())) return;
        try {
          const unreadable = attempt.unreadable.get(job.id!);
          if (unreadable !== undefined) {
            this.metrics.failures.inc({ stage: "observe", reason: "permanent" });
            await this.jobs.deadLetter({
              msgId: job.id as Hex,
              queue: this.worker.name,
              stage: "observe",
              reason: unreadable,
            });
            await job.moveToFailed(new UnrecoverableError(`observe: ${unreadable}`), attempt.token, false);
            return;
          }
          const members = itemsOf.get(job.id!) ?? [];
          const verdicts = members.map(
            (item) =>
              attempt.get(item.msgId) ?? { kind: "retry" as const, stage: attempt.stage, reason: "interrupted" },
          );
          const results: Record<string, DeliveredResult> = {};
          const left: Item[] = [];
          const failures = new Set<string>();
          for (const [i, outcome] of verdicts.entries()) {
            const item = members[i]!;
            if (outcome.kind === "done") {
              results[item.msgId] = outcome.result;
            } else if (outcome.kind === "retry") {
              this.metrics.failures.inc({ stage: outcome.stage, reason: outcome.reason });
              retries[outcome.reason] = (retries[outcome.reason] ?? 0) + 1;
              failures.add(`${outcome.stage}: ${outcome.reason}`);
              left.push(item);
            } else {
              this.metrics.failures.inc({ stage: outcome.stage, reason: "permanent" });
              failures.add(`${outcome.stage}: ${outcome.reason}`);
              await this.jobs.deadLetter({
                msgId: item.msgId,
                queue: this.worker.name,
                stage: outcome.stage,
                reason: outcome.reason,
                message: item.message,
              });
            }
          }
          const why = [...failures].join("; ");
          if (left.length === 0 && Object.keys(results).length > 0) {
            await job.moveToCompleted({ results }, attempt.token, false);
          } else if (left.length === 0) {
            await job.moveToFailed(new UnrecoverableError(why), attempt.token, false);
          } else {
            if (left.length < members.length) await job.updateData(withOnly(job.data, left));
            await job.moveToFailed(new Error(why), attempt.token, false);
          }
        } catch (e) {
          // The job's lock lapsed (another relayer took it over) or Redis lost it: that side retries.
          this.log.warn({ job: job.id, err: (e as Error).message }, "could not settle job");
        }
      }),
    );
    if (Object.keys(retries).length > 0) this.log.info({ retries }, "messages set aside for a later attempt");
  }
}

/** How many messages a job holds (without checking them). */
function jobSize(job: Job<DeliverJobData>): number {
  return Array.isArray(job.data.messages) ? job.data.messages.length : 1;
}

/** The job's data holding only `left` of its messages (in the group form), for its retry. */
function withOnly(data: DeliverJobData, left: readonly Item[]): DeliverJobData {
  return {
    messages: left.map((item) => ({
      msgId: item.msgId,
      message: messageToJson(item.message),
      ...(item.stated ? { payment: item.stated } : {}),
    })),
    sourceBlock: data.sourceBlock,
    observedAt: data.observedAt,
    left: true,
  };
}

function errorReason(e: unknown): string {
  const name = (e as Error)?.name ?? "Error";
  if (name === "StuckTransactionError") return "stuck_transaction";
  if (name === "NonceTakenError") return "nonce_taken";
  if (name === "AbortError") return "shutdown";
  return /HttpRequestError|TimeoutError|fetch failed|ECONNREFUSED/i.test(`${name} ${(e as Error)?.message}`)
    ? "rpc_unavailable"
    : "error";
}
