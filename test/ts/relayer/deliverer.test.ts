/**
 * The route deliverer against fakes (no Redis, no chain): a fake BullMQ worker hands it jobs, a
 * fake destination gateway simulates and "mines" deliveries, fake guardians sign or refuse. Each
 * test checks the verdict per job: completed, retried (plain error) or dead-lettered
 * (UnrecoverableError + a dead-letter entry), and what was actually sent.
 */
import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  decodeFunctionData,
  encodeErrorResult,
  encodeEventTopics,
  keccak256,
  stringToHex,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Job, Worker } from "bullmq";
import { signAttestation } from "../../../core/attestation.js";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { GuardianRefusedError, type AttestRefusal } from "../../../core/guardian-api.js";
import { messageId, messageToJson, type Message, type MessageHeader, type Transfer } from "../../../core/message.js";
import { merkleRoot } from "../../../core/merkle.js";
import type { GuardianSetView, RequestAttestation } from "../../../core/collect-attestation.js";
import type { RelayerChain } from "../../../relayer/chains.js";
import { mapLimit, RouteDeliverer } from "../../../relayer/deliverer.js";
import type { JobScheduler } from "../../../relayer/jobs.js";
import { RelayerMetrics } from "../../../relayer/metrics.js";
import type { DeliverJobData } from "../../../relayer/queues.js";
import { MemoryStore } from "../../../relayer/store.js";
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
  constructor(
    readonly id: string,
    readonly data: DeliverJobData,
  ) {}
  async moveToCompleted(value: unknown) {
    this.settled = { kind: "completed", value };
  }
  async moveToFailed(error: Error) {
    this.settled = { kind: "failed", error };
  }
  async extendLock() {
    return 1;
  }
}

function jobFor(message: Message, id?: string): FakeJob {
  const { msgId } = testMessage(message);
  return new FakeJob(id ?? msgId, { msgId, message: messageToJson(message), sourceBlock: "1", observedAt: Date.now() });
}

/** The destination gateway as the deliverer sees it. */
class FakeGateway {
  paused = false;
  processed = new Set<bigint>();
  /** Revert for a batch (by its nonces), or undefined to accept it. */
  reverts: (nonces: bigint[]) => { errorName: string; args: unknown[] } | undefined = () => undefined;
  delivered: bigint[][] = [];

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
    const simulate = async (call: { args: readonly unknown[] }) => {
      if (this.paused) throw revertError("BridgePaused", []);
      const nonces = (call.args[1] as Transfer[]).map((t) => t.nonce);
      const revert = this.reverts(nonces);
      if (revert) throw revertError(revert.errorName, revert.args);
      return {};
    };
    const publicClient = {
      getBlock: async () => ({ timestamp: 1_000n }),
      readContract: async ({ functionName, args }: { functionName: string; args?: readonly unknown[] }) => {
        if (functionName === "paused") return this.paused;
        if (functionName === "isProcessed") return this.processed.has(args![1] as bigint);
        if (functionName === "queuedMessage") return { status: 0, executableAt: 0n };
        throw new Error(`unexpected read ${functionName}`);
      },
      simulateContract: simulate,
      estimateContractGas: async (call: { args: readonly unknown[] }) => {
        await simulate(call);
        return 100_000n;
      },
    };
    const sender = {
      send: async (tx: { data: Hex }): Promise<TransactionReceipt> => {
        const { args } = decodeFunctionData({ abi: bridgeGatewayAbi, data: tx.data });
        const [header, transfers] = args as unknown as [MessageHeader, Transfer[]];
        const ids = transfers.map((t) => messageId({ ...header, ...t }));
        this.delivered.push(transfers.map((t) => t.nonce));
        transfers.forEach((t) => this.processed.add(t.nonce));
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
      publicClient,
      wallet: { account: { address: "0x7000000000000000000000000000000000000007" } },
      sender,
    } as unknown as RelayerChain;
  }
}

interface Harness {
  gateway: FakeGateway;
  deadLetters: { msgId: Hex; reason: string; stage: string }[];
  guardianCalls: Hex[][];
}

/** Runs one deliverer over `jobs` until every job is settled. */
async function deliver(
  jobs: FakeJob[],
  setup: (h: Harness) => void,
  guardianBehaviour: (i: number, msgIds: Hex[]) => AttestRefusal | undefined = () => undefined,
): Promise<Harness> {
  const gateway = new FakeGateway();
  const h: Harness = { gateway, deadLetters: [], guardianCalls: [] };
  setup(h);
  const dest = gateway.chain();
  const source = { chainId: 901 } as RelayerChain;

  const waiting = [...jobs];
  const worker = {
    name: "deliver.901-902",
    getNextJob: async (_token: string, o?: { block?: boolean }) => {
      const next = waiting.shift();
      if (!next && o?.block !== false) await new Promise((r) => setTimeout(r, 5));
      return next;
    },
  } as unknown as Worker<DeliverJobData>;
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
    dest,
    worker,
    new MemoryStore(),
    scheduler,
    guardianSet,
    request,
    new RelayerMetrics(new Registry()),
    silentLogger(),
    { relayerId: "test", batchSize: 100, leaseMs: 10_000, pollMs: 5, guardianTimeoutMs: 1_000 },
  );
  const controller = new AbortController();
  const running = deliverer.run(controller.signal);
  const deadline = Date.now() + 10_000;
  while (jobs.some((j) => !j.settled) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
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

function verdicts(jobs: FakeJob[]) {
  return jobs.map((j) =>
    j.settled?.kind === "completed"
      ? (j.settled.value as { result: string }).result
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

  it("test_deliver_alreadyProcessed_countsAsSuccess_succeeds: filtered before attesting", async () => {
    const jobs = [jobFor(testMessage({ nonce: 1n }).message), jobFor(testMessage({ nonce: 2n }).message)];
    const h = await deliver(jobs, (h) => h.gateway.processed.add(1n));
    expect(h.gateway.delivered).toEqual([[2n]]);
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

describe("mapLimit", () => {
  it("test_mapLimit_boundsConcurrencyKeepsOrder_succeeds", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});
