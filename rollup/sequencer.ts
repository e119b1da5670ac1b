/**
 * The sequencer role: executes on L2 the deposits queued on the L1 portal, strictly in nonce
 * order, one transaction in flight. The messenger's `nextDepositNonce` is the source of truth
 * for what was relayed; the L1 log cursor only saves rescanning old blocks.
 *
 * `relayPendingDeposits` is the one code path: the service calls it every poll, and deploy or
 * test code can call it once to relay whatever is pending without running the service.
 */
import { parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import type { ChainWallet } from "../core/chains.js";
import { simL2MessengerAbi, simRollupPortalAbi } from "../core/generated/abis.js";
import { fetchDepositsQueued, type QueuedDeposit } from "../core/rollup.js";

export interface SequencerContext {
  l1Client: PublicClient;
  l2Client: PublicClient;
  /** The messenger's SEQUENCER. */
  sequencerWallet: ChainWallet;
  portal: Address;
  messenger: Address;
}

export interface RelayedDeposit {
  nonce: bigint;
  /** `relayed`: the target ran; `failed`: it reverted and the deposit waits for `retryDeposit`. */
  result: "relayed" | "failed";
  txHash: Hex;
}

export interface RelayRound {
  relayed: RelayedDeposit[];
  /** First L1 block the next round needs to scan. */
  nextFromBlock: bigint;
}

/** Gas margin over the estimate: state may move between estimation and inclusion. */
const GAS_MARGIN_PERCENT = 20n;

/**
 * Relays every deposit queued on the portal that the messenger has not executed yet, in order.
 * Scans `DepositQueued` from `fromBlock` (the previous round's `nextFromBlock`, or the portal's
 * deploy block) to the L1 head. If the scan does not start at the next expected nonce (a cursor
 * past an unrelayed deposit), it rescans from `rescanFromBlock`.
 */
export async function relayPendingDeposits(
  ctx: SequencerContext,
  options: { fromBlock?: bigint; rescanFromBlock?: bigint; onRelayed?: (d: RelayedDeposit) => void } = {},
): Promise<RelayRound> {
  const rescanFrom = options.rescanFromBlock ?? 0n;
  const fromBlock = options.fromBlock ?? rescanFrom;
  const head = await ctx.l1Client.getBlockNumber();
  const [queued, nextNonce] = await Promise.all([
    ctx.l1Client.readContract({
      address: ctx.portal,
      abi: simRollupPortalAbi,
      functionName: "depositCount",
      blockNumber: head,
    }),
    ctx.l2Client.readContract({ address: ctx.messenger, abi: simL2MessengerAbi, functionName: "nextDepositNonce" }),
  ]);
  let next = nextNonce;
  let pending = await pendingDeposits(ctx, fromBlock, head, next);
  // The portal's count is the truth: if deposit `next` exists but the scan did not start with
  // it, the cursor is past it (a restart, a reorg): scan again from the beginning.
  const missing = queued > next && (pending.length === 0 || pending[0]!.nonce !== next);
  if (missing && fromBlock > rescanFrom) pending = await pendingDeposits(ctx, rescanFrom, head, next);
  const relayed: RelayedDeposit[] = [];
  for (const deposit of pending) {
    if (deposit.nonce !== next) {
      throw new Error(`deposit ${next} is missing from the portal's logs (found ${deposit.nonce} next)`);
    }
    const done = await relayDeposit(ctx, deposit);
    relayed.push(done);
    options.onRelayed?.(done);
    next += 1n;
  }
  return { relayed, nextFromBlock: head + 1n };
}

async function pendingDeposits(
  ctx: SequencerContext,
  fromBlock: bigint,
  toBlock: bigint,
  next: bigint,
): Promise<QueuedDeposit[]> {
  if (fromBlock > toBlock) return [];
  const deposits = await fetchDepositsQueued(ctx.l1Client, ctx.portal, fromBlock, toBlock);
  return deposits.filter((d) => d.nonce >= next).sort((a, b) => (a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0));
}

/** Sends one `relayFromL1` and waits for it; reports whether the target ran or was recorded as failed. */
async function relayDeposit(ctx: SequencerContext, d: QueuedDeposit): Promise<RelayedDeposit> {
  const call = {
    address: ctx.messenger,
    abi: simL2MessengerAbi,
    functionName: "relayFromL1",
    args: [d.nonce, d.from, d.target, d.data],
  } as const;
  // The estimate is the least gas with which the relay does not revert; the messenger reverts a
  // deposit starved below DEPOSIT_GAS, so it is enough for the target to run (or to fail by itself).
  const estimate = await ctx.l2Client.estimateContractGas({ ...call, account: ctx.sequencerWallet.account });
  const txHash = await ctx.sequencerWallet.writeContract({
    ...call,
    gas: (estimate * (100n + GAS_MARGIN_PERCENT)) / 100n,
  });
  const receipt = await ctx.l2Client.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new Error(`relayFromL1(${d.nonce}) reverted (${txHash})`);
  const events = parseEventLogs({ abi: simL2MessengerAbi, logs: receipt.logs }).filter(
    (e) => e.address.toLowerCase() === ctx.messenger.toLowerCase(),
  );
  const failed = events.some((e) => e.eventName === "DepositFailed");
  return { nonce: d.nonce, result: failed ? "failed" : "relayed", txHash };
}
