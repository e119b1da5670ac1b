/**
 * Stage 3, execute: a delayed BullMQ job per queued message (jobId = msgId) becomes due at its
 * `executableAt` and calls `execute(msgId)` on the destination gateway. Idempotent by reading
 * the message's status first: already executed counts as success; vetoed or cancelled is
 * recorded (metric + log) and not retried; a paused gateway is retried with backoff.
 */
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import { encodeFunctionData, type Hex } from "viem";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import type { Logger } from "../core/service/logger.js";
import type { RelayerChain } from "./chains.js";
import { revertOf } from "./classify.js";
import type { JobScheduler } from "./jobs.js";
import type { RelayerMetrics } from "./metrics.js";
import { EXECUTE_QUEUE, type ExecuteJobData } from "./queues.js";

/** Attempts a message may be "not queued" before giving up (a delivery reorged out, say). */
const MAX_NOT_QUEUED_ATTEMPTS = 30;

export type ExecuteResult = "executed" | "already_executed" | "vetoed" | "cancelled";

export class Executor {
  private readonly log: Logger;

  constructor(
    private readonly chains: ReadonlyMap<number, RelayerChain>,
    private readonly jobs: JobScheduler,
    private readonly metrics: RelayerMetrics,
    logger: Logger,
    private readonly signal: AbortSignal,
  ) {
    this.log = logger.child({ component: "executor" });
  }

  /** The BullMQ processor of the execute queue. */
  readonly process = async (job: Job<ExecuteJobData>, token?: string): Promise<{ result: ExecuteResult }> => {
    try {
      return await this.execute(job, token);
    } catch (e) {
      if (e instanceof UnrecoverableError) {
        await this.jobs.deadLetter({
          msgId: job.data.msgId,
          queue: EXECUTE_QUEUE,
          stage: "execute",
          reason: e.message,
        });
      } else if (!(e instanceof DelayedError)) {
        this.metrics.failures.inc({ stage: "execute", reason: reasonOf(e) });
        this.log.warn({ msgId: job.data.msgId, err: (e as Error).message }, "execute failed; retrying with backoff");
      }
      throw e;
    }
  };

  private async execute(job: Job<ExecuteJobData>, token?: string): Promise<{ result: ExecuteResult }> {
    const { msgId, destChainId } = job.data;
    const chain = this.chains.get(destChainId);
    if (!chain) throw new UnrecoverableError(`chain ${destChainId} is not in the manifest`);

    const settled = await this.settledState(chain, msgId, job);
    if (settled) return settled;

    const { executableAt } = await chain.gw.queuedMessage(msgId);
    const now = Number((await chain.publicClient.getBlock()).timestamp);
    if (now < executableAt) return this.delay(job, token, (executableAt - now) * 1_000 + 1_000);
    if (await chain.gw.paused()) throw new Error("paused");

    const call = {
      address: chain.gateway,
      abi: bridgeGatewayAbi,
      functionName: "execute",
      args: [msgId],
      account: chain.wallet.account,
    } as const;
    let gas: bigint;
    try {
      await chain.publicClient.simulateContract(call);
      gas = await chain.publicClient.estimateContractGas(call);
    } catch (e) {
      const revert = revertOf(e);
      if (revert?.errorName === "BridgeInvalidMessageStatus") {
        const again = await this.settledState(chain, msgId, job);
        if (again) return again;
      }
      if (revert?.errorName === "BridgeMessageNotReady") return this.delay(job, token, 2_000);
      if (revert) throw new Error(revert.errorName);
      throw e;
    }
    const receipt = await chain.sender.send(
      {
        to: chain.gateway,
        data: encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "execute", args: [msgId] }),
        gas: (gas * 120n) / 100n,
      },
      this.signal,
    );
    this.metrics.gasUsed.inc({ chain: chain.chainId }, Number(receipt.gasUsed));
    this.metrics.gasSpentWei.inc({ chain: chain.chainId }, Number(receipt.gasUsed * receipt.effectiveGasPrice));
    if (receipt.status !== "success") throw new Error(`execute transaction ${receipt.transactionHash} reverted`);
    this.metrics.messagesExecuted.inc({ chain: chain.chainId, result: "executed" });
    this.log.info({ msgId, chainId: chain.chainId, tx: receipt.transactionHash }, "queued message executed");
    return { result: "executed" };
  }

  /** The final result when the message no longer needs executing; undefined while it is queued. */
  private async settledState(chain: RelayerChain, msgId: Hex, job: Job<ExecuteJobData>) {
    const { status } = await chain.gw.queuedMessage(msgId);
    const record = (result: ExecuteResult) => {
      this.metrics.messagesExecuted.inc({ chain: chain.chainId, result });
      return { result };
    };
    switch (status) {
      case "Queued":
        return undefined;
      case "Executed":
        return record("already_executed");
      case "Vetoed":
        this.log.warn(
          { msgId, chainId: chain.chainId },
          "queued message was vetoed by the security council; not executing",
        );
        return record("vetoed");
      case "Cancelled":
        this.log.warn({ msgId, chainId: chain.chainId }, "queued message was cancelled; not executing");
        return record("cancelled");
      case "None":
        if (job.attemptsMade + 1 >= MAX_NOT_QUEUED_ATTEMPTS) {
          throw new UnrecoverableError(`not queued on chain ${chain.chainId} after ${job.attemptsMade + 1} attempts`);
        }
        throw new Error("not queued on the destination (yet)");
    }
  }

  /** Re-schedules the job without spending an attempt. */
  private async delay(job: Job<ExecuteJobData>, token: string | undefined, ms: number): Promise<never> {
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError();
  }
}

function reasonOf(e: unknown): string {
  const message = (e as Error)?.message ?? "";
  if (message === "paused" || message.startsWith("not queued"))
    return message.startsWith("not") ? "not_queued" : "paused";
  if (/^Bridge[A-Za-z]+$/.test(message)) return message;
  if ((e as Error)?.name === "StuckTransactionError") return "stuck_transaction";
  return "error";
}
