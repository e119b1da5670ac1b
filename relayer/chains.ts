/**
 * The relayer's view of one L2: its manifest entry, viem clients, gateway (address and typed
 * reads, core/gateway.ts) and transaction sender.
 */
import { hexToBigInt, type Address, type PublicClient } from "viem";
import type { ChainWallet } from "../core/chains.js";
import type { Gateway } from "../core/gateway.js";
import type { ChainInfo } from "../core/manifest.js";
import { SharedRead } from "../core/shared-read.js";
import type { Fees, TxChain, TxSender } from "./tx.js";

export interface RelayerChain {
  info: ChainInfo;
  chainId: number;
  gateway: Address;
  /** Typed reads of the gateway (the one gateway module, core/gateway.ts). */
  gw: Gateway;
  deployBlock: number;
  publicClient: PublicClient;
  wallet: ChainWallet;
  sender: TxSender;
}

/** How old the fees a transaction is signed with may be (shared-read.ts). */
export const FEES_AGE = { freshMs: 500, staleMs: 3_000 };

/**
 * EIP-1559 fees from the head's base fee and the node's suggested tip. The cap is twice the base
 * fee plus the tip (what ethers does; viem's default is 1.2x): the fees may be a few blocks old
 * (FEES_AGE), and full blocks raise the base fee by 12.5 % each, so a 1.2x cap read two full
 * blocks ago would already be short. The cap only bounds the price; what is paid is the base fee
 * of the block that mines it plus the tip.
 */
export function feesFrom(baseFeePerGas: bigint, maxPriorityFeePerGas: bigint): Fees {
  return { maxFeePerGas: baseFeePerGas * 2n + maxPriorityFeePerGas, maxPriorityFeePerGas };
}

/** A head this full (gas used, % of its limit) means the chain is congested (`deliveryTip`). */
export const CONGESTED_PERCENT = 80n;
/** The tip paid on a congested chain, in % of the node's suggestion. */
export const CONGESTED_TIP_PERCENT = 125n;

/**
 * The tip a delivery bids: the node's suggestion, or a quarter more when the head block is
 * nearly full. A full block means transactions are waiting, and a sequencer that orders by tip
 * (op-geth) mines equal tips in arrival order, so a delivery bidding what everyone bids waits
 * behind the backlog its own messages' sends made, a block or more. A quarter of the tip is a
 * small share of what a delivery costs (the base fee dominates), paid only under congestion.
 */
export function deliveryTip(suggested: bigint, head: { gasUsed: bigint; gasLimit: bigint }): bigint {
  if (head.gasUsed * 100n < head.gasLimit * CONGESTED_PERCENT) return suggested;
  const raised = (suggested * CONGESTED_TIP_PERCENT) / 100n;
  return raised > suggested ? raised : suggested + 1n;
}

/** The TxSender's chain access through viem, signing with a local account. */
export function viemTxChain(publicClient: PublicClient, wallet: ChainWallet): TxChain {
  const fees = new SharedRead(async () => {
    // Both reads at once (one JSON-RPC batch); viem's estimate would read the block first.
    const [block, tip] = await Promise.all([
      publicClient.getBlock(),
      publicClient.request({ method: "eth_maxPriorityFeePerGas" }).then(hexToBigInt),
    ]);
    if (block.baseFeePerGas === null) throw new Error(`chain ${wallet.chain.id} has no EIP-1559 base fee`);
    return feesFrom(block.baseFeePerGas, deliveryTip(tip, block));
  }, FEES_AGE);
  return {
    nonceAt: (address, tag) => publicClient.getTransactionCount({ address, blockTag: tag }),
    fees: () => fees.get(),
    receipt: async (hash) => {
      try {
        return await publicClient.getTransactionReceipt({ hash });
      } catch (e) {
        if ((e as Error).name === "TransactionReceiptNotFoundError") return null;
        throw e;
      }
    },
    sign: (tx) =>
      wallet.account.signTransaction!({
        chainId: wallet.chain.id,
        type: "eip1559",
        to: tx.to,
        data: tx.data,
        gas: tx.gas,
        value: tx.value,
        nonce: tx.nonce,
        maxFeePerGas: tx.maxFeePerGas,
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
      }),
    sendRaw: async (raw) => {
      await publicClient.sendRawTransaction({ serializedTransaction: raw });
    },
  };
}
