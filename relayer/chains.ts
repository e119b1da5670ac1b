/**
 * The relayer's view of one L2: its manifest entry, viem clients, gateway and transaction
 * sender, plus the gateway reads every stage shares.
 */
import type { Address, Hex, PublicClient } from "viem";
import type { ChainWallet } from "../core/chains.js";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import type { ChainInfo } from "../core/manifest.js";
import type { TxChain, TxSender } from "./tx.js";

export interface RelayerChain {
  info: ChainInfo;
  chainId: number;
  gateway: Address;
  deployBlock: number;
  publicClient: PublicClient;
  wallet: ChainWallet;
  sender: TxSender;
}

/** `IBridgeGateway.MessageStatus`. */
export const MessageStatus = { None: 0, Queued: 1, Executed: 2, Vetoed: 3, Cancelled: 4 } as const;
export type MessageStatusName = keyof typeof MessageStatus;

export function statusName(status: number): MessageStatusName {
  const name = (Object.keys(MessageStatus) as MessageStatusName[]).find((k) => MessageStatus[k] === status);
  if (!name) throw new Error(`unknown message status ${status}`);
  return name;
}

export function isProcessed(chain: RelayerChain, sourceChainId: bigint, nonce: bigint): Promise<boolean> {
  return chain.publicClient.readContract({
    address: chain.gateway,
    abi: bridgeGatewayAbi,
    functionName: "isProcessed",
    args: [sourceChainId, nonce],
  });
}

export async function queuedMessage(chain: RelayerChain, msgId: Hex) {
  const q = await chain.publicClient.readContract({
    address: chain.gateway,
    abi: bridgeGatewayAbi,
    functionName: "queuedMessage",
    args: [msgId],
  });
  return { status: statusName(q.status), executableAt: q.executableAt };
}

export function isPaused(chain: RelayerChain): Promise<boolean> {
  return chain.publicClient.readContract({ address: chain.gateway, abi: bridgeGatewayAbi, functionName: "paused" });
}

/** The TxSender's chain access through viem, signing with a local account. */
export function viemTxChain(publicClient: PublicClient, wallet: ChainWallet): TxChain {
  return {
    nonceAt: (address, tag) => publicClient.getTransactionCount({ address, blockTag: tag }),
    fees: async () => {
      const fees = await publicClient.estimateFeesPerGas();
      return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
    },
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
        nonce: tx.nonce,
        maxFeePerGas: tx.maxFeePerGas,
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
      }),
    sendRaw: async (raw) => {
      await publicClient.sendRawTransaction({ serializedTransaction: raw });
    },
  };
}
