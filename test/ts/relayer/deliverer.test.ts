/**
 * The route deliverer against fakes (no Redis, no chain): a fake BullMQ worker hands it jobs, a
 * fake destination gateway simulates and "mines" deliveries, fake guardians sign or refuse. Each
 * test checks the verdict per job: completed, retried (plain error) or dead-lettered
 * (UnrecoverableError + a dead-letter entry), and what was actually sent.
 */
import { describe, expect, it } from "vitest";
import { Registry, type Counter } from "prom-client";
import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  decodeFunctionData,
  encodeErrorResult,
  encodeEventTopics,
  keccak256,
  stringToHex,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Job, Worker } from "bullmq";
import { attestationSigner, signAttestation, unpackSignatures } from "../../../core/attestation.js";
import { Gateway } from "../../../core/gateway.js";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { GuardianRefusedError, type AttestRefusal } from "../../../core/guardian-api.js";
import { decodeDeliveryBatch, messageFromJson, messageId, messageToJson, type Message } from "../../../core/message.js";
import { merkleRoot } from "../../../core/merkle.js";
import type { Payment } from "../../../core/payment.js";
import { attestationOf, type GuardianSetView, type RequestAttestation } from "../../../core/collect-attestation.js";
import type { RelayerChain } from "../../../relayer/chains.js";
import { orderBatch } from "../../../core/batch-order.js";
import { RouteDeliverer, type DeliveryWorker } from "../../../relayer/deliverer.js";
import { GasBudget } from "../../../relayer/gas.js";
import { deliveryGroups, groupId, type JobScheduler } from "../../../relayer/jobs.js";
import { FeeGate } from "../../../relayer/fee-policy.js";
import { RelayerMetrics } from "../../../relayer/metrics.js";
import { jobMessages, type DeliverJobData } from "../../../relayer/queues.js";
import type { Readiness } from "../../../relayer/signable.js";
import { MemoryStore } from "../../../relayer/store.js";
import { TakeTurn } from "../../../relayer/take-turn.js";
import { silentLogger, testMessage, TOKEN_B } from "./fixtures.js";

const GATEWAY = "0x2000000000000000000000000000000000000002";
const keys = [0, 1, 2].map((i) => privateKeyToAccount(keccak256(stringToHex(`deliverer guardian ${i}`))));
const guardianSet: GuardianSetView = {
  index: 0,
  threshold: 2,
  guardians: keys.map((k, i) => ({ address: k.address, url: `http://g-${i}` })),
};

/** A BullMQ job double that records how it was settled. */
class FakeJob {
  settled?: { kind: "completed"; value: unknown } | { kind: "failed"; error: Error };
  attemptsMade = 0;
  /** What `updateData` wrote before the job was settled, if it was called. */
  updated?: DeliverJobData;
  constructor(
    readonly id: string,
    public data: DeliverJobData,
  ) {}
  async moveToCompleted(value: unknown) {
    this.settled = { kind: "completed", value };
  }
  async moveToFailed(error: Error) {
    this.settled = { kind: "failed", error };
  }
  async updateData(data: DeliverJobData) {
    this.updated = data;
    this.data = data;
  }
  async extendLock() {
    return 1;
  }
}

/** A job of one message, as relayer/jobs.ts adds a group of one (its id is the msgId). */
function jobFor(message: Message, id?: string): FakeJob {
  return groupJob([message], id);
}

/** A job of one source block's group, as relayer/jobs.ts adds it (in batch order, id its root). */
function groupJob(messages: Message[], id?: string, sourceBlock = "1"): FakeJob {
  const entries = orderBatch(messages.map((message) => ({ msgId: testMessage(message).msgId, message })));
  return new FakeJob(id ?? groupId(entries.map((e) => e.msgId)), {
    messages: entries.map((e) => ({ msgId: e.msgId, message: messageToJson(e.message) })),
    sourceBlock,
    observedAt: Date.now(),
  });
}

/** The msgIds a job holds. */
const idsOf = (job: FakeJob): Hex[] => jobMessages(job.data).map((m) => m.msgId);
/** The msgId of a job of one message. */
const idOf = (job: FakeJob): Hex => idsOf(job)[0]!;

/** The destination gateway as the deliverer sees it. */
/** The messages of a `deliver` call's arguments (the packed batch, addressed to `GATEWAY` on 902). */
const delivered = (args: readonly unknown[]): Message[] => decodeDeliveryBatch(args[0] as Hex, 902n, GATEWAY);

class FakeGateway {
  paused = false;
  processed = new Set<bigint>();
  /** Revert for a batch (by its nonces), or undefined to accept it. */
  reverts: (nonces: bigint[]) => { errorName: string; args: unknown[] } | undefined = () => undefined;
  delivered: bigint[][] = [];
  /** `msg.value` of each sent delivery. */
  values: bigint[] = [];
  /** Sends wait for this before they are "mined". */
  mining: Promise<void> = Promise.resolve();
  inFlight = 0;
  peakInFlight = 0;
  /** Batches that warmed the sender (its fee read and nonce sync started) when taken. */
  warmed = 0;
  simulations = 0;
  /** What one message of a delivery costs in the gas estimate (the budget's prior by default). */
  perMessageGas = 60_000n;
  /** The gas limit of every delivery sent. */
  gasLimits: bigint[] = [];
  /** The next this-many sends are mined reverted (a delivery that failed on chain). */
  revertSends = 0;
  /** Sends whose attestation was not a guardian quorum's signature of their batch (mined reverted). */
  badAttestations = 0;

  chain(): RelayerChain {
    const revertError = (errorName: string, args: unknown[]) =>
      new ContractFunctionExecutionError(
        new ContractFunctionRevertedError({
          abi: bridgeGatewayAbi,
          data: encodeErrorResult({ abi: bridgeGatewayAbi, errorName: errorName as never, args: args as never }),
          functionName: "deliver",
        }),
        { abi: bridgeGatewayAbi, functionName: "deliver", args: [] },
      );
    const batchOf = (packed: unknown) => decodeDeliveryBatch(packed as Hex, 902n, GATEWAY);
    const simulate = async (call: { args: readonly unknown[]; value?: bigint }) => {
      this.simulations++;
      if (this.paused) throw revertError("BridgePaused", []);
      const messages = batchOf(call.args[0]);
      const done = messages.find((m) => this.processed.has(m.nonce));
      if (done) throw revertError("BridgeMessageAlreadyProcessed", [messageId(done)]);
      const required = messages.reduce((sum, m) => sum + m.dropOff, 0n);
      if ((call.value ?? 0n) !== required) {
        throw revertError("BridgeDropOffNotSupplied", [required, call.value ?? 0n]);
      }
      const nonces = messages.map((m) => m.nonce);
      const revert = this.reverts(nonces);
      if (revert) throw revertError(revert.errorName, revert.args);
      return {};
    };
    const publicClient = {
      getBlock: async () => ({ timestamp: 1_000n, gasLimit: 30_000_000n }),
      readContract: async ({ functionName, args }: { functionName: string; args?: readonly unknown[] }) => {
        if (functionName === "paused") return this.paused;
        if (functionName === "isProcessed") return this.processed.has(args![2] as bigint);
        if (functionName === "queuedMessage") return { status: 0, executableAt: 0n };
        throw new Error(`unexpected read ${functionName}`);
      },
      simulateContract: simulate,
      estimateContractGas: async (call: { args: readonly unknown[] }) => {
        await simulate(call);
        return 100_000n + this.perMessageGas * BigInt(batchOf(call.args[0]).length);
      },
    };
    const sender = {
      warm: () => this.warmed++,
      send: async (tx: { data: Hex; value?: bigint; gas: bigint }): Promise<TransactionReceipt> => {
        this.gasLimits.push(tx.gas);
        this.inFlight++;
        this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
        await this.mining;
        this.inFlight--;
        const { args } = decodeFunctionData({ abi: bridgeGatewayAbi, data: tx.data });
        const messages = batchOf(args[0]);
        const ids = messages.map(messageId);
        const signedBy = await signersOf(ids, args[2] as number, args[3] as Hex);
        const signedByQuorum = new Set(signedBy.filter((a) => keys.some((k) => k.address === a))).size >= 2;
        if (!signedByQuorum) this.badAttestations++;
        if (this.revertSends > 0 || !signedByQuorum) {
          if (signedByQuorum) this.revertSends--;
          return {
            status: "reverted",
            transactionHash: `0x${"dd".repeat(32)}`,
            gasUsed: 50_000n,
            effectiveGasPrice: 1n,
            logs: [],
          } as unknown as TransactionReceipt;
        }
        this.delivered.push(messages.map((m) => m.nonce));
        this.values.push(tx.value ?? 0n);
        messages.forEach((m) => this.processed.add(m.nonce));
        return {
          status: "success",
          transactionHash: `0x${"ee".repeat(32)}`,
          gasUsed: 100_000n,
          effectiveGasPrice: 1n,
          logs: ids.map((msgId) => ({
            address: GATEWAY,
            topics: encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageExecuted", args: { msgId } }),
            data: "0x",
          })),
        } as unknown as TransactionReceipt;
      },
    };
    return {
      chainId: 902,
      gateway: GATEWAY,
      gw: new Gateway(GATEWAY, publicClient as unknown as PublicClient),
      publicClient,
      wallet: { account: { address: "0x7000000000000000000000000000000000000007" } },
      sender,
    } as unknown as RelayerChain;
  }
}

/** Who signed `signatures` as an attestation of exactly `ids` (the gateway's check, in short). */
async function signersOf(ids: Hex[], guardianSetIndex: number, signatures: Hex): Promise<string[]> {
  const root = merkleRoot(ids);
  const domain = { destChainId: 902n, destGateway: GATEWAY } as const;
  return Promise.all(unpackSignatures(signatures).map((sig) => attestationSigner(domain, root, guardianSetIndex, sig)));
}

interface Harness {
  gateway: FakeGateway;
  deadLetters: { msgId: Hex; reason: string; stage: string }[];
  guardianCalls: Hex[][];
  /** Job ids whose lock "went to another relayer" at the next extension. */
  loseLocks: Set<string>;
  readiness: Readiness;
  budget: GasBudget;
  maxInFlight: number;
  /** The route's fee policy (none: every message is delivered). */
  fees?: FeeGate;
  metrics: RelayerMetrics;
  optimistic: boolean;
  /** The route's turns, shared with other relayers (none: this deliverer takes whenever it can). */
  turn?: TakeTurn;
  /** When each `getNextJob` call was made (Date.now()). */
  takes: number[];
  /**
   * Runs beside the deliverer from its start; the jobs are then not waiting from the start but
   * only once it calls `arrive` (a burst enqueued while the deliverer waits in its turn).
   */
  during?: (deliverer: RouteDeliverer, arrive: () => void) => Promise<void>;
}

/** Feeds that list nothing: batches go without waiting (a relayer without signable feeds). */
const noFeeds: Readiness = {
  feedsUp: () => false,
  waitReady: async () => undefined,
  anyReady: () => false,
  listedRound: async () => undefined,
};

/**
 * Feeds whose guardians 0 and 1 signed exactly `group` (ordered msgIds) as they listed it: the
 * attestation `listedRound` assembles for its root, after `delayMs`. `looked` records each
 * lookup's wait.
 */
function listedFeeds(group: Hex[], o: { delayMs?: number; looked?: number[] } = {}): Readiness {
  const root = merkleRoot(group).toLowerCase();
  return {
    feedsUp: () => true,
    waitReady: async () => undefined,
    anyReady: () => true,
    listedRound: async (asked, domain, set, timeoutMs) => {
      o.looked?.push(timeoutMs);
      if (asked.toLowerCase() !== root) return undefined;
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
      const signed = new Map(
        await Promise.all(
          [0, 1].map(
            async (i) => [keys[i]!.address, await signAttestation(keys[i]!, domain, root as Hex, set.index)] as const,
          ),
        ),
      );
      return { attestation: attestationOf(set, signed), signers: [...signed.keys()], refusals: [], errors: [] };
    },
  };
}

/** Runs one deliverer over `jobs` until every job is settled. */
async function deliver(
  jobs: FakeJob[],
  setup: (h: Harness) => void,
  guardianBehaviour: (i: number, msgIds: Hex[]) => AttestRefusal | undefined = () => undefined,
): Promise<Harness> {
  const gateway = new FakeGateway();
  const h: Harness = {
    gateway,
    deadLetters: [],
    guardianCalls: [],
    loseLocks: new Set(),
    readiness: noFeeds,
    budget: new GasBudget({ maxTxGas: 16_777_216n, maxMessages: 1024, headroomPercent: 120n }),
    maxInFlight: 4,
    metrics: new RelayerMetrics(new Registry()),
    optimistic: false,
    takes: [],
  };
  setup(h);
  const dest = gateway.chain();
  const source = { chainId: 901 } as RelayerChain;

  const waiting = h.during ? [] : [...jobs];
  const worker: DeliveryWorker = {
    name: "deliver.901-902",
    getNextJob: (async (_token: string, o?: { block?: boolean }) => {
      h.takes.push(Date.now());
      const next = waiting.shift();
      if (!next && o?.block !== false) await new Promise((r) => setTimeout(r, 5));
      return next;
    }) as unknown as DeliveryWorker["getNextJob"],
    extendJobLocks: async (ids: string[]) => ids.filter((id) => h.loseLocks.has(id)),
  };
  const scheduler = {
    scheduleExecute: async () => undefined,
    deadLetter: async (e: { msgId: Hex; reason: string; stage: string }) => void h.deadLetters.push(e),
  } as unknown as JobScheduler;
  const request: RequestAttestation = async (url, req) => {
    const i = Number(url.split("-").pop());
    if (i === 0) h.guardianCalls.push(req.msgIds as Hex[]);
    const refusal = guardianBehaviour(i, req.msgIds as Hex[]);
    if (refusal) throw new GuardianRefusedError(url, refusal);
    const root = merkleRoot(req.msgIds as Hex[]);
    const domain = { destChainId: BigInt(req.destChainId), destGateway: req.destGateway };
    return {
      guardian: keys[i]!.address,
      guardianSetIndex: 0,
      root,
      signature: await signAttestation(keys[i]!, domain, root, 0),
    };
  };
  const deliverer = new RouteDeliverer(
    source,
    { chain: dest, budget: h.budget, fees: h.fees },
    worker,
    scheduler,
    guardianSet,
    request,
    h.readiness,
    h.metrics,
    silentLogger(),
    {
      relayerId: "test",
      lockMs: 10_000,
      maxInFlight: h.maxInFlight,
      guardianTimeoutMs: 1_000,
      signableWaitMs: 5_000,
      optimisticSend: h.optimistic,
      turn: h.turn,
    },
  );
  const controller = new AbortController();
  const running = deliverer.run(controller.signal);
  await h.during?.(deliverer, () => waiting.push(...jobs));
  const deadline = Date.now() + 10_000;
  while (jobs.some((j) => !j.settled && !h.loseLocks.has(j.id)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  controller.abort();
  await running;
  return h;
}

const refusal = (over: Partial<AttestRefusal>): AttestRefusal => ({
  error: "no",
  unknown: [],
  awaitingApproval: [],
  unconfirmed: [],
  rejected: [],
  ...over,
});

/** Each job's settlement: its messages' results (comma-separated, in its order), or its error. */
function verdicts(jobs: FakeJob[]) {
  return jobs.map((j) =>
    j.settled?.kind === "completed"
      ? Object.values((j.settled.value as { results: Record<string, string> }).results).join(",")
      : j.settled?.error.name === "UnrecoverableError"
        ? `dead: ${j.settled.error.message}`
        : `retry: ${j.settled?.error.message}`,
  );
}

describe("RouteDeliverer", () => {
  it("test_deliver_oneOrderedBatch_succeeds: token then nonce order, one transaction", async () => {
    const jobs = [
      jobFor(testMessage({ nonce: 3n, token: TOKEN_B }).message),
      jobFor(testMessage({ nonce: 2n }).message),
      jobFor(testMessage({ nonce: 1n }).message),
    ];
    const h = await deliver(jobs, () => undefined);
    expect(h.gateway.delivered).toEqual([[1n, 2n, 3n]]);
    expect(verdicts(jobs)).toEqual(["executed", "executed", "executed"]);
  });

  it("test_deliver_takesInItsTurn_succeeds: nothing is taken while another relayer holds the route's turn", async () => {
    const store = new MemoryStore();
    // A peer fills a batch of this route for the next 300 ms (then its lease lapses).
    await store.acquireLease("take:deliver.901-902", "peer", 300);
    const started = Date.now();
    const jobs = [jobFor(testMessage({ nonce: 1n }).message), jobFor(testMessage({ nonce: 2n }).message)];
    const h = await deliver(jobs, (h) => {
      h.turn = new TakeTurn(store, "deliver.901-902", "test", { ttlMs: 1_000, renewMs: 100, pollMs: 5, yieldMs: 10 });
    });
    expect(Math.min(...h.takes) - started).toBeGreaterThanOrEqual(250);
    // Both taken in one turn: one delivery.
    expect(h.gateway.delivered).toEqual([[1n, 2n]]);
  });

  it("test_deliver_alreadyProcessed_retryFilteredBeforeAttesting_succeeds: a retried job is read first", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message), jobFor(testMessage({ nonce: 2n }).message)];
    jobs[0]!.attemptsMade = 1;
    const h = await deliver(jobs, (h) => h.gateway.processed.add(1n));
    expect(h.gateway.delivered).toEqual([[2n]]);
    expect(h.guardianCalls).toHaveLength(1);
    expect(verdicts(jobs)).toEqual(["already_processed", "executed"]);
  });

  it("test_deliver_alreadyProcessed_firstAttemptFoundBySimulation_succeeds", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message), jobFor(testMessage({ nonce: 2n }).message)];
    const h = await deliver(jobs, (h) => h.gateway.processed.add(1n));
    expect(h.gateway.delivered).toEqual([[2n]]);
    expect(h.guardianCalls).toHaveLength(2);
    expect(verdicts(jobs)).toEqual(["already_processed", "executed"]);
  });

  it("test_deliver_processedDuringSimulation_dropsItAndReattests_succeeds", async () => {
    const jobs = [1n, 2n, 3n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const racing = testMessage({ nonce: 2n }).msgId;
    const h = await deliver(jobs, (h) => {
      h.gateway.reverts = (nonces) =>
        nonces.includes(2n) ? { errorName: "BridgeMessageAlreadyProcessed", args: [racing] } : undefined;
    });
    expect(h.gateway.delivered).toEqual([[1n, 3n]]);
    expect(h.guardianCalls).toHaveLength(2);
    expect(verdicts(jobs)).toEqual(["executed", "already_processed", "executed"]);
  });

  it("test_deliver_manyProcessedByAnotherRelayer_oneExtraRound_succeeds: stolen jobs are read at once", async () => {
    const jobs = [1n, 2n, 3n, 4n, 5n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const h = await deliver(jobs, (h) => [1n, 2n, 4n, 5n].forEach((n) => h.gateway.processed.add(n)));
    expect(h.gateway.delivered).toEqual([[3n]]);
    // One simulation names one of them; the batch's other messages are read, not simulated away one by one.
    expect(h.guardianCalls).toHaveLength(2);
    expect(verdicts(jobs)).toEqual([
      "already_processed",
      "already_processed",
      "executed",
      "already_processed",
      "already_processed",
    ]);
  });

  it("test_deliver_refusedMessagesSetAside_restDelivered_succeeds", async () => {
    const jobs = [1n, 2n, 3n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const held = testMessage({ nonce: 2n }).msgId;
    const h = await deliver(
      jobs,
      () => undefined,
      (i, ids) => (i > 0 && ids.includes(held) ? refusal({ awaitingApproval: [held] }) : undefined),
    );
    expect(h.gateway.delivered).toEqual([[1n, 3n]]);
    expect(verdicts(jobs)).toEqual(["executed", "retry: attest: awaiting_approval", "executed"]);
    expect(h.deadLetters).toEqual([]);
  });

  it("test_deliver_rejectedByQuorum_deadLettered_reverts", async () => {
    const jobs = [1n, 2n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const bad = testMessage({ nonce: 1n }).msgId;
    const h = await deliver(
      jobs,
      () => undefined,
      (i, ids) =>
        i > 0 && ids.includes(bad) ? refusal({ rejected: [{ msgId: bad, reason: "conflicting nonce" }] }) : undefined,
    );
    expect(h.gateway.delivered).toEqual([[2n]]);
    expect(verdicts(jobs)[0]).toMatch(/^dead: attest: rejected by 2 of 3 guardians: conflicting nonce/);
    expect(h.deadLetters).toMatchObject([{ msgId: bad, stage: "attest" }]);
  });

  it("test_deliver_expired_deadLettered_reverts: past its deadline at the destination's clock", async () => {
    const jobs = [
      jobFor(testMessage({ nonce: 1n, deadline: 999n }).message),
      jobFor(testMessage({ nonce: 2n }).message),
    ];
    const h = await deliver(jobs, () => undefined);
    expect(verdicts(jobs)[0]).toMatch(/^dead: simulate: expired/);
    expect(h.gateway.delivered).toEqual([[2n]]);
  });

  it("test_deliver_paused_retriesEverything_reverts", async () => {
    const jobs = [1n, 2n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const h = await deliver(jobs, (h) => (h.gateway.paused = true));
    expect(h.gateway.delivered).toEqual([]);
    expect(h.guardianCalls).toEqual([]);
    expect(verdicts(jobs)).toEqual(["retry: simulate: paused", "retry: simulate: paused"]);
  });

  it("test_deliver_unattributedRevert_bisectsToTheCulprit_succeeds", async () => {
    const jobs = [1n, 2n, 3n, 4n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const h = await deliver(jobs, (h) => {
      h.gateway.reverts = (nonces) =>
        nonces.includes(3n) ? { errorName: "BridgeInvalidTransfer", args: [] } : undefined;
    });
    expect(h.gateway.delivered).toEqual([[1n, 2n], [4n]]);
    expect(verdicts(jobs)).toEqual(["executed", "executed", "retry: simulate: BridgeInvalidTransfer", "executed"]);
  });

  it("test_deliver_corruptJob_deadLettered_reverts: a job whose id is not its message's id", async () => {
    const jobs = [
      jobFor(testMessage({ nonce: 1n }).message, `0x${"ab".repeat(32)}`),
      jobFor(testMessage({ nonce: 2n }).message),
    ];
    const h = await deliver(jobs, () => undefined);
    expect(verdicts(jobs)[0]).toMatch(/^dead: observe: invalid job/);
    expect(h.gateway.delivered).toEqual([[2n]]);
  });
});

describe("RouteDeliverer pipeline", () => {
  /** A budget whose transaction cap fits `n` messages at the prior per-message cost. */
  const budgetFor = (n: number) =>
    new GasBudget({
      maxTxGas: ((100_000n + 60_000n * BigInt(n)) * 120n) / 100n + 1n,
      maxMessages: 1024,
      headroomPercent: 120n,
    });

  it("test_deliver_batchesSizedByGas_succeeds: as many messages as the gas cap allows, not a count", async () => {
    const jobs = [1n, 2n, 3n, 4n, 5n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const h = await deliver(jobs, (h) => (h.budget = budgetFor(2)));
    expect(h.gateway.delivered.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(h.gateway.warmed).toBe(3);
    expect(h.gateway.delivered.flat().sort()).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(verdicts(jobs)).toEqual(["executed", "executed", "executed", "executed", "executed"]);
  });

  it("test_deliver_groupJob_oneDeliveryOneSettlement_succeeds: a block's group is one job, taken and settled once", async () => {
    const group = groupJob([3n, 1n, 2n].map((nonce) => testMessage({ nonce }).message));
    const h = await deliver([group], () => undefined);
    expect(h.takes.length).toBeLessThanOrEqual(3); // the group, then nothing more waiting (then idle waits)
    expect(h.gateway.delivered).toEqual([[1n, 2n, 3n]]);
    expect(verdicts([group])).toEqual(["executed,executed,executed"]);
    expect(group.updated).toBeUndefined();
  });

  /** Three messages (nonces 1 to 3) and their block's group job. */
  const groupOfThree = () => {
    const messages = [1n, 2n, 3n].map((nonce) => testMessage({ nonce }));
    return { messages, group: groupJob(messages.map((m) => m.message)) };
  };

  it("test_deliver_groupJob_partRefused_keepsOnlyThoseAndIsRetried_succeeds", async () => {
    const { messages, group } = groupOfThree();
    const waiting = messages[1]!.msgId;
    const h = await deliver(
      [group],
      () => undefined,
      (_i, ids) => (ids.includes(waiting) ? refusal({ awaitingApproval: [waiting] }) : undefined),
    );
    expect(h.gateway.delivered).toEqual([[1n, 3n]]);
    expect(verdicts([group])).toEqual(["retry: attest: awaiting_approval"]);
    // The job keeps only the message left to deliver, under its id, for BullMQ's retry.
    expect(group.updated?.messages?.map((m) => m.msgId)).toEqual([waiting]);
    expect(group.updated).toMatchObject({ sourceBlock: group.data.sourceBlock });

    expect(group.updated?.left).toBe(true);

    // Its retry (what is left, under the whole group's id) is read and delivered.
    const retried = new FakeJob(group.id, group.updated!);
    retried.attemptsMade = 1;
    const again = await deliver([retried], () => undefined);
    expect(again.gateway.delivered).toEqual([[2n]]);
    expect(verdicts([retried])).toEqual(["executed"]);
  });

  it("test_deliver_whatWasLeft_takenBeforeItsFailureCounted_readAsRetried_succeeds", async () => {
    // A relayer kept what was left of the group, then died before failing the job: the job
    // stalls back with no attempt counted, still under the whole group's id.
    const { messages, group: whole } = groupOfThree();
    const left = new FakeJob(whole.id, {
      messages: [{ msgId: messages[1]!.msgId, message: messageToJson(messages[1]!.message) }],
      sourceBlock: whole.data.sourceBlock,
      observedAt: whole.data.observedAt,
      left: true,
    });
    const h = await deliver([left], (h) => h.gateway.processed.add(2n));
    // Read as a retry: found processed (by the relayer that died, say) before anyone is asked.
    expect(h.guardianCalls).toEqual([]);
    expect(verdicts([left])).toEqual(["already_processed"]);
  });

  it("test_deliver_groupJob_oneRejected_deadLetteredTheRestCompleted_succeeds", async () => {
    const { messages, group } = groupOfThree();
    const bad = messages[0]!.msgId;
    const h = await deliver(
      [group],
      () => undefined,
      (_i, ids) => (ids.includes(bad) ? refusal({ rejected: [{ msgId: bad, reason: "unbacked" }] }) : undefined),
    );
    expect(h.gateway.delivered).toEqual([[2n, 3n]]);
    expect(h.deadLetters.map((d) => d.msgId)).toEqual([bad]);
    expect(verdicts([group])).toEqual(["executed,executed"]);
  });

  it("test_deliver_groupJob_everyMessageGivenUpOn_failsForGood_reverts", async () => {
    const group = groupJob([1n, 2n].map((nonce) => testMessage({ nonce }).message));
    const h = await deliver(
      [group],
      () => undefined,
      (_i, ids) => refusal({ rejected: ids.map((msgId) => ({ msgId, reason: "unbacked" })) }),
    );
    expect(h.gateway.delivered).toEqual([]);
    expect(h.deadLetters).toHaveLength(2);
    expect(verdicts([group])[0]).toMatch(/^dead: attest: /);
  });

  it("test_deliver_largeGroupsGoAlone_smallOnesAreCombined_succeeds", async () => {
    const big = (from: bigint) =>
      groupJob(Array.from({ length: 70 }, (_, i) => testMessage({ nonce: from + BigInt(i) }).message));
    const small = [1_000n, 1_001n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const jobs = [big(1n), big(100n), ...small];
    const h = await deliver(jobs, (h) => (h.budget = budgetFor(200)));
    // Each large group its own delivery (its listing signatures fit it exactly); the small ones together.
    expect(h.gateway.delivered.map((b) => b.length).sort((a, b) => a - b)).toEqual([2, 70, 70]);
    expect(verdicts(jobs).every((v) => v.split(",").every((r) => r === "executed"))).toBe(true);
  });

  it("test_deliver_groupLargerThanADelivery_sentInParts_succeeds", async () => {
    const group = groupJob([1n, 2n, 3n, 4n, 5n].map((nonce) => testMessage({ nonce }).message));
    const h = await deliver([group], (h) => (h.budget = budgetFor(2)));
    expect(h.gateway.delivered.map((b) => b.length).sort()).toEqual([1, 2, 2]);
    expect(h.gateway.delivered.flat().sort()).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(verdicts([group])).toEqual(["executed,executed,executed,executed,executed"]);
  });

  it("test_deliver_jobOfOneMessageInTheOldForm_delivered_succeeds: a job an older relayer added", async () => {
    const { msgId, message } = testMessage({ nonce: 1n });
    const old = new FakeJob(msgId, {
      msgId,
      message: messageToJson(message),
      sourceBlock: "1",
      observedAt: Date.now(),
    });
    const h = await deliver([old], () => undefined);
    expect(h.gateway.delivered).toEqual([[1n]]);
    expect(verdicts([old])).toEqual(["executed"]);
  });

  it("test_deliver_groupJobNotItsGroupsId_deadLettered_reverts", async () => {
    const messages = [1n, 2n].map((nonce) => testMessage({ nonce }).message);
    const forged = groupJob(messages, groupId([testMessage({ nonce: 1n }).msgId]));
    const empty = new FakeJob(`0x${"cd".repeat(32)}`, { messages: [], sourceBlock: "1", observedAt: Date.now() });
    const h = await deliver([forged, empty], () => undefined);
    expect(h.gateway.delivered).toEqual([]);
    expect(verdicts([forged, empty])).toEqual([
      expect.stringMatching(/^dead: observe: invalid job: job 0x[0-9a-f]+ is not the group it holds/),
      "dead: observe: invalid job: the job holds no message",
    ]);
  });

  it("test_deliver_groupJobLockLost_allItsMessagesLeftToItsNewHolder_succeeds", async () => {
    const lost = groupJob([1n, 2n].map((nonce) => testMessage({ nonce }).message));
    const kept = jobFor(testMessage({ nonce: 3n }).message);
    const h = await deliver([lost, kept], (h) => h.loseLocks.add(lost.id));
    expect(h.gateway.delivered).toEqual([[3n]]);
    expect(lost.settled).toBeUndefined();
    expect(verdicts([kept])).toEqual(["executed"]);
  });

  it("test_deliver_severalTransactionsInFlight_boundedByMaxInFlight_succeeds", async () => {
    const jobs = [1n, 2n, 3n, 4n, 5n].map((nonce) => jobFor(testMessage({ nonce }).message));
    let mine!: () => void;
    const h = await deliver(jobs, (h) => {
      h.budget = budgetFor(1);
      h.maxInFlight = 3;
      h.gateway.mining = new Promise((r) => (mine = r));
      setTimeout(() => mine(), 300);
    });
    expect(h.gateway.peakInFlight).toBe(3);
    expect(verdicts(jobs).every((v) => v === "executed")).toBe(true);
  });

  it("test_deliver_lockLostBeforeSend_leftToItsNewHolder_succeeds: re-attested without it, never settled", async () => {
    const jobs = [1n, 2n, 3n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const h = await deliver(jobs, (h) => h.loseLocks.add(jobs[1]!.id));
    expect(h.gateway.delivered).toEqual([[1n, 3n]]);
    expect(jobs[1]!.settled).toBeUndefined();
    expect(h.guardianCalls).toHaveLength(2);
  });

  it("test_deliver_waitsForAQuorumOfListings_untilSignableWaitAfterEnqueue_succeeds", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message)];
    const events: string[] = [];
    const h = await deliver(jobs, (h) => {
      h.readiness = {
        feedsUp: () => true,
        waitReady: async (ids, set, timeoutMs) => {
          events.push(`wait ${ids.length} of ${set.threshold} for ${timeoutMs > 4_000 && timeoutMs <= 5_000}`);
          await new Promise((r) => setTimeout(r, 50));
          events.push("listed");
        },
        anyReady: () => true,
        listedRound: async () => undefined,
      };
    });
    expect(events).toEqual(["wait 1 of 2 for true", "listed"]);
    expect(h.guardianCalls).toHaveLength(1);
    expect(verdicts(jobs)).toEqual(["executed"]);
  });

  it("test_deliver_noneListedYet_waitsLongerForTheFirstListing_succeeds: guardians behind are not asked early", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message)];
    const waits: string[] = [];
    let listed = false;
    const h = await deliver(jobs, (h) => {
      h.readiness = {
        feedsUp: () => true,
        waitReady: async (_ids, _set, timeoutMs, _signal, until = "all") => {
          waits.push(`${until} ${timeoutMs > 5_000 ? "long" : "short"}`);
          if (until === "any") listed = true;
        },
        anyReady: () => listed,
        listedRound: async () => undefined,
      };
    });
    expect(waits).toEqual(["all short", "any long", "all short"]);
    expect(h.guardianCalls).toHaveLength(1);
    expect(verdicts(jobs)).toEqual(["executed"]);
  });

  it("test_deliver_optimistic_sendsWithoutSimulating_succeeds", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message), jobFor(testMessage({ nonce: 2n }).message)];
    const h = await deliver(jobs, (h) => {
      h.optimistic = true;
      h.budget.observe(1, 160_000n); // a delivery to this chain was measured already
    });
    expect(h.gateway.simulations).toBe(0);
    expect(h.gateway.delivered).toEqual([[1n, 2n]]);
    expect(verdicts(jobs)).toEqual(["executed", "executed"]);
  });

  it("test_deliver_nothingMeasuredYet_estimatesInsteadOfThePrior_succeeds: a limit that fits a busy block", async () => {
    const jobs = [1n, 2n, 3n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const h = await deliver(jobs, (h) => {
      h.optimistic = true;
      h.maxInFlight = 1;
      h.budget = budgetFor(2);
      h.gateway.perMessageGas = 9_000n; // what deliveries here really cost, not the 60,000 prior
    });
    // The first delivery is estimated, not sent with the prior's limit; the budget learns from it,
    // and the next batch goes without a simulation.
    expect(h.gateway.delivered).toEqual([[1n, 2n], [3n]]);
    expect(h.gateway.simulations).toBe(1);
    expect(h.gateway.gasLimits[0]).toBe(((100_000n + 2n * 9_000n) * 120n) / 100n);
    expect(h.budget.perMessageGas).toBe(9_000n);
    expect(verdicts(jobs)).toEqual(["executed", "executed", "executed"]);
  });

  it("test_deliver_peerMeasuredTheDestination_sendsWithoutEstimating_succeeds: a fresh process starts where its peers are", async () => {
    const jobs = [1n, 2n, 3n].map((nonce) => jobFor(testMessage({ nonce }).message));
    const h = await deliver(jobs, (h) => {
      h.optimistic = true;
      h.maxInFlight = 1;
      // Room for two messages at the 60,000 prior, for all three at the peer's 9,000.
      h.budget = new GasBudget(
        { maxTxGas: ((100_000n + 2n * 60_000n) * 120n) / 100n, maxMessages: 1024, headroomPercent: 120n },
        { read: async () => 9_000n, write: async () => undefined },
      );
      h.gateway.perMessageGas = 9_000n;
    });
    expect(h.gateway.simulations).toBe(0);
    expect(h.gateway.delivered).toEqual([[1n, 2n, 3n]]);
    expect(h.gateway.gasLimits[0]).toBe(((100_000n + 3n * 9_000n) * 200n) / 100n);
    expect(verdicts(jobs)).toEqual(["executed", "executed", "executed"]);
  });

  it("test_deliver_optimisticSendReverted_simulatesUntilOneGoesThrough_succeeds", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message)];
    const h = await deliver(jobs, (h) => {
      h.optimistic = true;
      h.budget.observe(1, 160_000n);
      h.gateway.revertSends = 1;
    });
    // Reverted on chain: the next round is simulated, then sent.
    expect(h.gateway.simulations).toBe(1);
    expect(h.gateway.delivered).toEqual([[1n]]);
    expect(verdicts(jobs)).toEqual(["executed"]);
  });

  /** A deliverer's `attestEarly` argument: the messages of `jobs` as the intake groups them. */
  const groupOf = (jobs: FakeJob[]) =>
    deliveryGroups(
      jobs.map((j) => ({ msgId: idOf(j), message: messageFromJson(jobMessages(j.data)[0]!.message), sourceBlock: 1n })),
    )[0]!;
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise((r) => setTimeout(r, 2));
  };
  /** A relayer counter's value for one value of one label (0 when never counted). */
  const countOf = async (counter: Counter<string>, label: string, value: string) =>
    (await counter.get()).values.find((v) => v.labels[label] === value)?.value ?? 0;
  const earlyCount = (h: Harness, result: string) => countOf(h.metrics.earlyAttestations, "result", result);
  const attestationCount = (h: Harness, source: string) => countOf(h.metrics.attestations, "source", source);

  it("test_deliver_attestedEarly_batchIsTheGroup_askedOnceBeforeItsJobs_succeeds", async () => {
    const jobs = [
      jobFor(testMessage({ nonce: 3n, token: TOKEN_B }).message),
      jobFor(testMessage({ nonce: 2n }).message),
      jobFor(testMessage({ nonce: 1n }).message),
    ];
    let askedBeforeJobs = -1;
    const h = await deliver(jobs, (h) => {
      h.during = async (deliverer, arrive) => {
        await until(() => h.takes.length > 0); // waiting for the route's next job
        deliverer.attestEarly(groupOf(jobs));
        await until(() => h.guardianCalls.length > 0);
        askedBeforeJobs = h.guardianCalls.length;
        arrive();
      };
    });
    expect(askedBeforeJobs).toBe(1);
    // The batch's own attestation is the early one: the guardians were asked once, in its order.
    expect(h.guardianCalls).toEqual([[jobs[2]!, jobs[1]!, jobs[0]!].map((j) => idOf(j))]);
    expect(h.gateway.delivered).toEqual([[1n, 2n, 3n]]);
    expect(h.gateway.badAttestations).toBe(0);
    expect(verdicts(jobs)).toEqual(["executed", "executed", "executed"]);
    expect(await earlyCount(h, "used")).toBe(1);
  });

  it("test_deliver_attestedEarly_batchIsNotTheGroup_asksForItsOwn_succeeds", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message), jobFor(testMessage({ nonce: 2n }).message)];
    const other = jobFor(testMessage({ nonce: 3n }).message); // in the group, taken by another relayer
    const h = await deliver(jobs, (h) => {
      h.during = async (deliverer, arrive) => {
        await until(() => h.takes.length > 0);
        deliverer.attestEarly(groupOf([...jobs, other]));
        await until(() => h.guardianCalls.length > 0);
        arrive();
      };
    });
    expect(h.guardianCalls.map((ids) => ids.length)).toEqual([3, 2]);
    expect(h.gateway.delivered).toEqual([[1n, 2n]]);
    expect(h.gateway.badAttestations).toBe(0);
    expect(verdicts(jobs)).toEqual(["executed", "executed"]);
    expect(await earlyCount(h, "used")).toBe(0);
  });

  it("test_deliver_attestedEarly_notWaitingInItsTurn_asksNothingEarly_succeeds", async () => {
    const store = new MemoryStore();
    // A peer holds the route's turn for the next 300 ms: what is enqueued now is the peer's batch.
    await store.acquireLease("take:deliver.901-902", "peer", 300);
    const jobs = [jobFor(testMessage({ nonce: 1n }).message), jobFor(testMessage({ nonce: 2n }).message)];
    let askedEarly = -1;
    const h = await deliver(jobs, (h) => {
      h.turn = new TakeTurn(store, "deliver.901-902", "test", { ttlMs: 1_000, renewMs: 100, pollMs: 5, yieldMs: 10 });
      h.during = async (deliverer, arrive) => {
        deliverer.attestEarly(groupOf(jobs));
        await new Promise((r) => setTimeout(r, 50));
        askedEarly = h.guardianCalls.length;
        arrive();
      };
    });
    expect(askedEarly).toBe(0);
    expect(h.guardianCalls).toHaveLength(1);
    expect(h.gateway.delivered).toEqual([[1n, 2n]]);
  });

  it("test_deliver_listedGroup_deliveredWithTheListingSignatures_asksNobody_succeeds", async () => {
    const jobs = [
      jobFor(testMessage({ nonce: 3n, token: TOKEN_B }).message),
      jobFor(testMessage({ nonce: 2n }).message),
      jobFor(testMessage({ nonce: 1n }).message),
    ];
    const looked: number[] = [];
    const group = [jobs[2]!, jobs[1]!, jobs[0]!].map((j) => idOf(j));
    const h = await deliver(jobs, (h) => (h.readiness = listedFeeds(group, { looked, delayMs: 20 })));
    expect(h.guardianCalls).toEqual([]);
    // One source block's messages on a first round: it waited for them (briefly).
    expect(looked).toEqual([250]);
    expect(h.gateway.delivered).toEqual([[1n, 2n, 3n]]);
    // The fake gateway checks the signatures are a quorum's over exactly the batch.
    expect(h.gateway.badAttestations).toBe(0);
    expect(verdicts(jobs)).toEqual(["executed", "executed", "executed"]);
    expect(await attestationCount(h, "listed")).toBe(1);
    expect(await attestationCount(h, "asked")).toBe(0);
  });

  it("test_deliver_listedGroupIsNotTheBatch_asksTheGuardians_succeeds", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message), jobFor(testMessage({ nonce: 2n }).message)];
    // The guardians signed the block's three messages; this batch has two of them.
    const group = [...jobs, jobFor(testMessage({ nonce: 3n }).message)].map((j) => idOf(j));
    const h = await deliver(jobs, (h) => (h.readiness = listedFeeds(group)));
    expect(h.guardianCalls.map((ids) => ids.length)).toEqual([2]);
    expect(h.gateway.badAttestations).toBe(0);
    expect(verdicts(jobs)).toEqual(["executed", "executed"]);
    expect(await attestationCount(h, "asked")).toBe(1);
  });

  it("test_deliver_twoSourceBlocks_doesNotWaitForListingSignatures_succeeds: only one block's batch may be a group", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message), jobFor(testMessage({ nonce: 2n }).message)];
    jobs[1]!.data.sourceBlock = "2";
    const looked: number[] = [];
    const h = await deliver(jobs, (h) => (h.readiness = listedFeeds([idOf(jobs[0]!)], { looked })));
    expect(looked).toEqual([0]);
    expect(h.guardianCalls).toHaveLength(1);
    expect(verdicts(jobs)).toEqual(["executed", "executed"]);
  });

  it("test_deliver_attestedEarly_withTheListingSignatures_asksNobody_succeeds", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message), jobFor(testMessage({ nonce: 2n }).message)];
    const looked: number[] = [];
    const h = await deliver(jobs, (h) => {
      h.readiness = listedFeeds(
        jobs.map((j) => idOf(j)),
        { looked },
      );
      h.during = async (deliverer, arrive) => {
        await until(() => h.takes.length > 0);
        deliverer.attestEarly(groupOf(jobs));
        await until(() => looked.length > 0);
        arrive();
      };
    });
    // Looked up once, early, with the early wait; the batch used that round.
    expect(looked).toEqual([500]);
    expect(h.guardianCalls).toEqual([]);
    expect(h.gateway.badAttestations).toBe(0);
    expect(verdicts(jobs)).toEqual(["executed", "executed"]);
    expect(await earlyCount(h, "used")).toBe(1);
    expect(await attestationCount(h, "listed")).toBe(1);
  });

  it("test_deliver_enqueuedLongAgo_doesNotWaitForListings_succeeds", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message)];
    jobs[0]!.data.observedAt = Date.now() - 60_000;
    let waited = false;
    await deliver(jobs, (h) => {
      h.readiness = {
        feedsUp: () => true,
        waitReady: async () => {
          waited = true;
        },
        anyReady: () => false,
        listedRound: async () => undefined,
      };
    });
    expect(waited).toBe(false);
    expect(verdicts(jobs)).toEqual(["executed"]);
  });

  /** A fee gate over fixed payments (by msgId), policy `quote`. */
  function feesOf(h: Harness, payments: Map<string, Payment>): FeeGate {
    return new FeeGate(
      { payments: async () => payments },
      { mode: "quote", sponsoredSenders: [] },
      h.metrics,
      { sourceChainId: 901, destChainId: 902 },
      silentLogger(),
    );
  }

  async function metricValue(
    h: Harness,
    name: "feeIncomeWei" | "dropOffSuppliedWei" | "messagesLeftAlone",
  ): Promise<number> {
    return (await h.metrics[name].get()).values.reduce((a, v) => a + v.value, 0);
  }

  it("test_deliver_underpaid_leftAloneNotDelivered_paidOnesDeliveredWithTheirDropOffs", async () => {
    const paid = testMessage({ nonce: 1n, dropOff: 7n });
    const unpaid = testMessage({ nonce: 2n, dropOff: 5n });
    const paidToo = testMessage({ nonce: 3n, dropOff: 11n });
    const jobs = [jobFor(paid.message), jobFor(unpaid.message), jobFor(paidToo.message)];
    const h = await deliver(jobs, (h) => {
      h.fees = feesOf(
        h,
        new Map([
          [paid.msgId.toLowerCase(), { fee: 100n, quote: 100n }],
          [unpaid.msgId.toLowerCase(), { fee: 0n, quote: 100n }],
          [paidToo.msgId.toLowerCase(), { fee: 130n, quote: 100n }],
        ]),
      );
    });
    expect(verdicts(jobs)).toEqual(["executed", "left_alone", "executed"]);
    expect(h.gateway.delivered).toEqual([[1n, 3n]]);
    // The relayer supplies exactly the delivered messages' drop-offs.
    expect(h.gateway.values).toEqual([18n]);
    expect(h.deadLetters).toEqual([]);
    expect(await metricValue(h, "feeIncomeWei")).toBe(230);
    expect(await metricValue(h, "dropOffSuppliedWei")).toBe(18);
    expect(await metricValue(h, "messagesLeftAlone")).toBe(1);
  });

  it("test_deliver_paymentNotFound_retriedNeverDeliveredUnpaid", async () => {
    const m = testMessage({ nonce: 1n });
    const jobs = [jobFor(m.message)];
    const h = await deliver(jobs, (h) => {
      h.fees = feesOf(h, new Map());
    });
    expect(verdicts(jobs)).toEqual(["retry: simulate: payment_unknown"]);
    expect(h.gateway.delivered).toEqual([]);
  });
});
