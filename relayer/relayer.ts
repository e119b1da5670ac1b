/**
 * The relayer: the signable tracker (the guardians' feeds), observers (one per source L2),
 * deliverers (one per route) and the executor, all sharing one Redis with every other relayer
 * process, none of them a leader: every relayer delivers every route. Everything stateful is passed in (see
 * wiring.ts for production); `run(signal)` works until the signal aborts, then stops the loops,
 * closes the workers and queues, and quits Redis, in that order, in `finally`.
 */
import { Worker, type Job, type WorkerOptions } from "bullmq";
import type { Registry } from "prom-client";
import type { LocalAccount } from "viem";
import { MAX_ATTEST_BATCH } from "../core/guardian-api.js";
import { guardianDirectory, type Manifest } from "../core/manifest.js";
import { sleep, untilAborted } from "../core/service/lifecycle.js";
import type { Logger } from "../core/service/logger.js";
import type { RequestAttestation } from "../core/collect-attestation.js";
import type { RelayerChain } from "./chains.js";
import type { RelayerConfig } from "./config.js";
import { destinationState, RouteDeliverer, type DestinationState } from "./deliverer.js";
import { Executor } from "./executor.js";
import { feeGateFor } from "./fee-policy.js";
import { GasBudget } from "./gas.js";
import { ChainGuardianSets } from "./guardian-sets.js";
import { Intake } from "./intake.js";
import { JobScheduler, type DeliveryGroup } from "./jobs.js";
import {
  domainOf,
  encodeShared,
  groupKey,
  SHARED_TTL_MS,
  SharedListings,
  withSharedListings,
} from "./listing-signatures.js";
import { RepeatFilter } from "./log-filter.js";
import type { RelayerMetrics } from "./metrics.js";
import { ChainObserver } from "./observer.js";
import {
  BACKOFF_TYPE,
  EXECUTE_QUEUE,
  retryDelay,
  type DeliverJobData,
  type ExecuteJobData,
  type RelayerQueues,
} from "./queues.js";
import type { RedisConnection } from "./redis.js";
import { SignableTracker, type SignableSource } from "./signable.js";
import type { RelayerStore } from "./store.js";
import { TakeTurn } from "./take-turn.js";
import { followWhileHoldingSlot } from "./feed-slots.js";

/** Executions in flight per relayer (sends are serialised per chain anyway). */
const EXECUTE_CONCURRENCY = 4;
/** Interval of the wallet-balance refresh. */
const BALANCE_REFRESH_MS = 15_000;
/** Interval of the destinations' block gas limit refresh. */
const BLOCK_GAS_REFRESH_MS = 60_000;
/** Gas limit of a delivery over its expected use, in percent (storage costs shift between blocks). */
const GAS_HEADROOM_PERCENT = 120n;
/** How long the relayer remembers which guardians listed a message as signable. */
const FEED_RETENTION_MS = 30 * 60_000;
/** How often a relayer not following the feeds asks for a free feed slot (feed-slots.ts). */
const FEED_SLOT_RETRY_MS = 1_000;

export interface RelayerDeps {
  config: RelayerConfig;
  manifest: Manifest;
  /** Every L2 of the manifest, by chain id. */
  chains: ReadonlyMap<number, RelayerChain>;
  account: LocalAccount;
  redis: RedisConnection;
  queues: RelayerQueues;
  store: RelayerStore;
  registry: Registry;
  metrics: RelayerMetrics;
  logger: Logger;
  requestAttestation: RequestAttestation;
  /** The signable feed of the guardian at `url` (a GuardianClient in production). */
  guardians: (url: string) => SignableSource;
}

export interface RelayerHealth extends Record<string, unknown> {
  ok: boolean;
  relayerId: string;
  account: string;
  redis: "ok" | string;
  chains: Record<string, { ok: boolean; head?: string; error?: string }>;
}

export class Relayer {
  private readonly log: Logger;
  private readonly jobs: JobScheduler;
  private readonly repeats = new RepeatFilter();

  constructor(private readonly d: RelayerDeps) {
    this.log = d.logger.child({ component: "relayer" });
    this.jobs = new JobScheduler(d.queues, d.metrics, d.logger, d.config.RELAYER_ID);
  }

  /** The metrics registry `/metrics` serves. */
  get registry(): Registry {
    return this.d.registry;
  }

  /** Per destination chain id: its gateway's current guardian set, re-read every GUARDIAN_SET_TTL_MS. */
  private readonly guardianSets = new Map<number, ChainGuardianSets>();

  private guardianSetsOf(dest: RelayerChain): ChainGuardianSets {
    let sets = this.guardianSets.get(dest.chainId);
    if (!sets) {
      sets = new ChainGuardianSets(dest, guardianDirectory(this.d.manifest), this.d.config.GUARDIAN_SET_TTL_MS);
      this.guardianSets.set(dest.chainId, sets);
    }
    return sets;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { config, chains, queues, redis, metrics } = this.d;
    const workerOptions = (): WorkerOptions => ({
      connection: redis,
      prefix: config.QUEUE_PREFIX,
      autorun: false,
      lockDuration: config.LOCK_TTL_MS,
      stalledInterval: Math.max(1_000, Math.floor(config.LOCK_TTL_MS / 2)),
      // A stalled job is one whose relayer died: harmless to retry, so never fail it for that.
      maxStalledCount: 1_000_000,
      drainDelay: 2,
      settings: {
        backoffStrategy: (attempts: number, type?: string) =>
          type === BACKOFF_TYPE ? retryDelay(attempts, config.RETRY_BASE_MS, config.RETRY_MAX_MS) : 0,
      },
    });
    const workers: Worker[] = [];
    const observers: ChainObserver[] = [];
    const loops: Promise<void>[] = [];
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) stop.abort();
    for (const q of queues.all()) q.on("error", (e: Error) => this.connectionError(`queue ${q.name}`, e));
    try {
      await this.refreshBlockGasLimits().catch(() => undefined);
      /** Each route's deliverer in this process, by `<sourceChainId>-<destChainId>`. */
      const deliverers = new Map<string, RouteDeliverer>();
      const intake = new Intake(chains, this.jobs, metrics, this.d.logger, async (chainId) => {
        return (await this.d.store.getCursor(chainId))?.block;
      });
      const tracker = new SignableTracker({
        guardians: guardianDirectory(this.d.manifest),
        source: (url) => this.d.guardians(url),
        guardianSet: async (destChainId) => {
          const dest = chains.get(destChainId);
          // A quorum only decides when a message is enqueued: the newest set held, no read awaited.
          return dest ? this.guardianSetsOf(dest).latest() : undefined;
        },
        onQuorum: async (messages) => {
          // Each group about to be enqueued (a job each) may be the next batch of a deliverer
          // waiting for it.
          const beforeAdd = (groups: readonly DeliveryGroup[]) => {
            for (const group of groups) deliverers.get(group.route)?.attestEarly(group);
          };
          const added = await intake.enqueue(messages, "feed", { beforeAdd });
          metrics.feedEnqueued.inc(added);
        },
        shareSignature: (by, a) =>
          this.d.store.addListingSignature(
            groupKey(a.root, domainOf(a)),
            by.toLowerCase(),
            encodeShared(a),
            SHARED_TTL_MS,
          ),
        logger: this.d.logger,
        options: { waitMs: config.FEED_WAIT_MS, retryMs: config.POLL_INTERVAL_MS, retentionMs: FEED_RETENTION_MS },
      });
      const readiness = withSharedListings(tracker, new SharedListings(this.d.store, metrics, this.d.logger));
      // Only FEED_FOLLOWERS relayers follow the feeds at once (feed-slots.ts).
      loops.push(
        followWhileHoldingSlot(
          this.d.store,
          {
            slots: config.FEED_FOLLOWERS,
            holder: config.RELAYER_ID,
            ttlMs: config.LOCK_TTL_MS,
            retryMs: FEED_SLOT_RETRY_MS,
          },
          (signal) => tracker.run(signal),
          stop.signal,
          this.d.logger,
        ),
      );
      // Every destination's guardian set and state, read now and kept warm (core/shared-read.ts)
      // while batches use them: the first burst does not wait for them on a node mining it.
      for (const dest of chains.values()) {
        this.guardianSetsOf(dest)
          .current()
          .catch(() => undefined);
        this.stateOf(dest)
          .get()
          .catch(() => undefined);
      }
      for (const source of chains.values()) {
        const observer = new ChainObserver(source, this.d.store, intake, metrics, this.d.logger, {
          relayerId: config.RELAYER_ID,
          leaseMs: config.LOCK_TTL_MS,
          maxBlockRange: config.MAX_BLOCK_RANGE,
        });
        observers.push(observer);
        loops.push(
          this.every(config.POLL_INTERVAL_MS, stop.signal, `observe ${source.chainId}`, () =>
            observer.tick(stop.signal),
          ),
        );
        for (const dest of chains.values()) {
          if (dest.chainId === source.chainId) continue;
          const queue = queues.deliverQueue(source.chainId, dest.chainId);
          const worker = this.track(new Worker<DeliverJobData>(queue.name, null, workerOptions()), workers);
          void worker
            .startStalledCheckTimer()
            .catch((e: unknown) => this.log.warn({ err: String(e) }, "stalled checker"));
          const deliverer = new RouteDeliverer(
            source,
            {
              chain: dest,
              budget: this.budgetOf(dest),
              state: this.stateOf(dest),
              fees: feeGateFor(source, dest, config, metrics, this.d.logger),
            },
            worker,
            this.jobs,
            this.guardianSetsOf(dest),
            this.d.requestAttestation,
            readiness,
            metrics,
            this.d.logger,
            {
              relayerId: config.RELAYER_ID,
              lockMs: config.LOCK_TTL_MS,
              maxInFlight: config.MAX_IN_FLIGHT,
              guardianTimeoutMs: config.GUARDIAN_TIMEOUT_MS,
              signableWaitMs: config.SIGNABLE_WAIT_MS,
              optimisticSend: config.OPTIMISTIC_SEND,
              turn: new TakeTurn(this.d.store, queue.name, config.RELAYER_ID),
            },
          );
          deliverers.set(deliverer.route, deliverer);
          loops.push(deliverer.run(stop.signal));
        }
      }
      const executor = new Executor(chains, this.jobs, metrics, this.d.logger, stop.signal);
      const executeWorker = this.track(
        new Worker<ExecuteJobData>(
          EXECUTE_QUEUE,
          (job: Job<ExecuteJobData>, token?: string) => executor.process(job, token),
          {
            ...workerOptions(),
            concurrency: EXECUTE_CONCURRENCY,
          },
        ),
        workers,
      );
      void executeWorker.run().catch((e: unknown) => this.log.error({ err: String(e) }, "execute worker stopped"));
      loops.push(this.every(BALANCE_REFRESH_MS, stop.signal, "balances", () => this.refreshBalances()));
      loops.push(this.every(BLOCK_GAS_REFRESH_MS, stop.signal, "block gas limits", () => this.refreshBlockGasLimits()));

      this.log.info(
        {
          relayerId: config.RELAYER_ID,
          account: this.d.account.address,
          chains: [...chains.keys()],
          routes: queues.deliver.size,
          prefix: config.QUEUE_PREFIX,
        },
        "relayer started",
      );
      await untilAborted(stop.signal);
      this.log.info("shutting down");
    } finally {
      stop.abort();
      signal.removeEventListener("abort", onAbort);
      // Loops first (a deliverer settles its batch's jobs), then workers, queues, Redis.
      await Promise.allSettled(loops);
      for (const sets of this.guardianSets.values()) sets.close();
      for (const state of this.destStates.values()) state.close();
      await Promise.allSettled(observers.map((o) => o.release()));
      await Promise.allSettled(workers.map((w) => w.close()));
      await queues.close();
      await this.d.store.close();
      await this.d.redis.quit().catch(() => this.d.redis.disconnect());
      this.log.info("relayer stopped");
    }
  }

  /** Ok when Redis answers and every chain returns its head block. */
  async health(): Promise<RelayerHealth> {
    const timeout = <T>(p: Promise<T>) =>
      Promise.race([p, sleep(3_000).then(() => Promise.reject(new Error("timed out")))]) as Promise<T>;
    const redis = await timeout(this.d.redis.ping())
      .then(() => "ok")
      .catch((e: unknown) => `error: ${(e as Error).message}`);
    const chains: RelayerHealth["chains"] = {};
    await Promise.all(
      [...this.d.chains.values()].map(async (c) => {
        try {
          chains[c.chainId] = { ok: true, head: String(await timeout(c.publicClient.getBlockNumber())) };
        } catch (e) {
          chains[c.chainId] = { ok: false, error: (e as Error).message.split("\n")[0] };
        }
      }),
    );
    return {
      ok: redis === "ok" && Object.values(chains).every((c) => c.ok),
      relayerId: this.d.config.RELAYER_ID,
      account: this.d.account.address,
      redis,
      chains,
    };
  }

  private track<T extends Worker>(worker: T, workers: Worker[]): T {
    worker.on("error", (e) => this.connectionError(`worker ${worker.name}`, e));
    workers.push(worker);
    return worker;
  }

  /**
   * BullMQ queues and workers report connection loss as 'error' events (several connections
   * each, on every reconnect attempt); ioredis reconnects on its own. One line per source and
   * error every 30 s keeps a Redis outage readable in the logs.
   */
  private connectionError(source: string, e: Error) {
    if (this.repeats.shouldLog(source, e.message))
      this.log.warn({ source, err: e.message }, "redis error (reconnecting)");
  }

  /** Per destination chain id: how much one delivery may carry (gas.ts). */
  private readonly budgets = new Map<number, GasBudget>();
  private readonly destStates = new Map<number, DestinationState>();

  /** One view of each destination's clock and pause flag, shared by every route to it. */
  private stateOf(dest: RelayerChain): DestinationState {
    let state = this.destStates.get(dest.chainId);
    if (!state) {
      state = destinationState(dest);
      this.destStates.set(dest.chainId, state);
    }
    return state;
  }

  private budgetOf(dest: RelayerChain): GasBudget {
    let budget = this.budgets.get(dest.chainId);
    if (!budget) {
      const chainId = dest.chainId;
      budget = new GasBudget(
        { maxTxGas: this.d.config.MAX_TX_GAS, maxMessages: MAX_ATTEST_BATCH, headroomPercent: GAS_HEADROOM_PERCENT },
        {
          read: () => this.d.store.getDeliveryGas(chainId),
          write: (perMessage) => this.d.store.setDeliveryGas(chainId, perMessage),
        },
      );
      this.budgets.set(dest.chainId, budget);
    }
    return budget;
  }

  private async refreshBlockGasLimits(): Promise<void> {
    await Promise.all(
      [...this.d.chains.values()].map(async (c) =>
        this.budgetOf(c).setBlockGasLimit((await c.publicClient.getBlock()).gasLimit),
      ),
    );
  }

  private async refreshBalances(): Promise<void> {
    await Promise.all(
      [...this.d.chains.values()].map(async (c) => {
        const balance = await c.publicClient.getBalance({ address: this.d.account.address });
        this.d.metrics.walletBalanceWei.set({ chain: c.chainId }, Number(balance));
      }),
    );
  }

  /** Runs `fn` every `ms` until `signal` aborts; failures are logged and retried next time. */
  private async every(ms: number, signal: AbortSignal, what: string, fn: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      try {
        await fn();
      } catch (e) {
        if (signal.aborted) break;
        if (what.startsWith("observe")) this.d.metrics.failures.inc({ stage: "observe", reason: "error" });
        const err = (e as Error).message.split("\n")[0] ?? String(e);
        if (this.repeats.shouldLog(what, err))
          this.log.warn({ task: what, err }, "periodic task failed (repeats muted for 30 s)");
      }
      await sleep(ms, signal);
    }
  }
}
