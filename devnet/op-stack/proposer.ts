/**
 * The devnet's output proposer: a stand-in for OP's `op-proposer`. It computes each output root
 * as the OP spec defines it (specs/protocol/proposals.md, version 0):
 *
 *   output_root = keccak256(abi.encode(bytes32(0), state_root, message_passer_storage_root, block_hash))
 *
 * from the L2 block's header and the `L2ToL1MessagePasser`'s storage root (`eth_getProof` at
 * that block), and proposes it to the L2's `L2OutputOracle` with the devnet's proposer key — for
 * every block the oracle expects next (`nextBlockNumber()`, one submission interval after the
 * last), as soon as the L2 has mined it and the oracle's clock rule (`computeL2Timestamp(n) <
 * block.timestamp`) lets it through. Each proposal names the current L1 head, which the oracle
 * checks (`blockhash`), so a proposal made against a reorganised L1 fails instead of landing.
 * Stateless: the oracle is the truth about what was proposed.
 */
import { encodeAbiParameters, keccak256, type Address, type Hex, type PublicClient } from "viem";
import type { ChainWallet } from "../../core/chains.js";
import { l2OutputOracleAbi } from "../../core/generated/abis.js";
import { OP_PREDEPLOYS } from "../../core/op-stack.js";

export interface ProposerContext {
  l1Client: PublicClient;
  l2Client: PublicClient;
  /** The oracle's permissioned proposer. */
  proposerWallet: ChainWallet;
  /** The L2's `L2OutputOracle` on L1. */
  oracle: Address;
}

/** An output and the preimage it is proven with (`Types.OutputRootProof`). */
export interface Output {
  l2BlockNumber: bigint;
  outputRoot: Hex;
  stateRoot: Hex;
  messagePasserStorageRoot: Hex;
  blockHash: Hex;
}

/** The output root of L2 block `blockNumber`, as the OP spec defines it (version 0). */
export async function outputAt(l2: PublicClient, blockNumber: bigint): Promise<Output> {
  const [block, proof] = await Promise.all([
    l2.getBlock({ blockNumber }),
    l2.getProof({ address: OP_PREDEPLOYS.l2ToL1MessagePasser, storageKeys: [], blockNumber }),
  ]);
  const outputRoot = keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }],
      [`0x${"00".repeat(32)}`, block.stateRoot, proof.storageHash, block.hash],
    ),
  );
  return {
    l2BlockNumber: blockNumber,
    outputRoot,
    stateRoot: block.stateRoot,
    messagePasserStorageRoot: proof.storageHash,
    blockHash: block.hash,
  };
}

export interface Proposal {
  output: Output;
  outputIndex: bigint;
  txHash: Hex;
}

/**
 * Proposes every output that is due, oldest first, one transaction at a time; returns them.
 * Stops at the first block the L2 has not mined yet or the oracle's clock does not allow yet.
 */
export async function proposeDueOutputs(
  ctx: ProposerContext,
  onProposed?: (p: Proposal) => void,
  maxProposals = 64,
): Promise<Proposal[]> {
  const read = <F extends "nextBlockNumber" | "nextOutputIndex">(functionName: F) =>
    ctx.l1Client.readContract({ address: ctx.oracle, abi: l2OutputOracleAbi, functionName });
  const proposals: Proposal[] = [];
  while (proposals.length < maxProposals) {
    const [next, index, l2Head, l1Head] = await Promise.all([
      read("nextBlockNumber"),
      read("nextOutputIndex"),
      ctx.l2Client.getBlockNumber(),
      ctx.l1Client.getBlock(),
    ]);
    if (next > l2Head) break;
    const l2Time = await ctx.l1Client.readContract({
      address: ctx.oracle,
      abi: l2OutputOracleAbi,
      functionName: "computeL2Timestamp",
      args: [next],
    });
    if (l2Time >= l1Head.timestamp) break;
    const output = await outputAt(ctx.l2Client, next);
    const txHash = await ctx.proposerWallet.writeContract({
      address: ctx.oracle,
      abi: l2OutputOracleAbi,
      functionName: "proposeL2Output",
      args: [output.outputRoot, next, l1Head.hash, l1Head.number],
    });
    const receipt = await ctx.l1Client.waitForTransactionReceipt({ hash: txHash });
    if (receipt.status !== "success") throw new Error(`proposeL2Output(${next}) reverted (${txHash})`);
    const proposal = { output, outputIndex: index, txHash };
    proposals.push(proposal);
    onProposed?.(proposal);
  }
  return proposals;
}
