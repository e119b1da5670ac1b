/**
 * The proposer role: commits the L2's withdrawals to L1. Each round reads the withdrawal hashes
 * the messenger recorded since the last round and, if the latest output on L1 covers fewer,
 * posts the root over all of them. One transaction at a time, waited for before returning.
 */
import type { Address, Hex, PublicClient } from "viem";
import type { ChainWallet } from "../core/chains.js";
import { simRollupPortalAbi } from "../core/generated/abis.js";
import { outputRoot, readWithdrawalHashes } from "../core/rollup.js";

export interface ProposerContext {
  l1Client: PublicClient;
  l2Client: PublicClient;
  /** The portal's PROPOSER. */
  proposerWallet: ChainWallet;
  portal: Address;
  messenger: Address;
}

export type ProposeResult =
  | { proposed: false; withdrawalCount: number; hashes: Hex[] }
  | { proposed: true; withdrawalCount: number; hashes: Hex[]; root: Hex; outputIndex: bigint; txHash: Hex };

/** The withdrawal count the latest output on L1 covers (0 before the first). */
export async function lastProposedCount(l1Client: PublicClient, portal: Address): Promise<bigint> {
  const count = await l1Client.readContract({ address: portal, abi: simRollupPortalAbi, functionName: "outputCount" });
  if (count === 0n) return 0n;
  const last = await l1Client.readContract({
    address: portal,
    abi: simRollupPortalAbi,
    functionName: "output",
    args: [count - 1n],
  });
  return last.withdrawalCount;
}

/**
 * One proposer round. `known` are withdrawal hashes already read (the list is append-only); the
 * result carries the full list for the next round.
 */
export async function proposeOutput(ctx: ProposerContext, known: readonly Hex[] = []): Promise<ProposeResult> {
  const [hashes, covered] = await Promise.all([
    readWithdrawalHashes(ctx.l2Client, ctx.messenger, known),
    lastProposedCount(ctx.l1Client, ctx.portal),
  ]);
  if (BigInt(hashes.length) <= covered) return { proposed: false, withdrawalCount: hashes.length, hashes };
  const root = outputRoot(hashes);
  const txHash = await ctx.proposerWallet.writeContract({
    address: ctx.portal,
    abi: simRollupPortalAbi,
    functionName: "proposeOutputRoot",
    args: [BigInt(hashes.length), root],
  });
  const receipt = await ctx.l1Client.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new Error(`proposeOutputRoot reverted (${txHash})`);
  const outputIndex =
    (await ctx.l1Client.readContract({ address: ctx.portal, abi: simRollupPortalAbi, functionName: "outputCount" })) -
    1n;
  return { proposed: true, withdrawalCount: hashes.length, hashes, root, outputIndex, txHash };
}
