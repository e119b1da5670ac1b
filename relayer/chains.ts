/**
 * The relayer's view of one L2: its manifest entry, viem clients, gateway (address and typed
 * reads, core/gateway.ts) and transaction sender.
 */
import type { Address, PublicClient } from "viem";
import type { ChainWallet } from "../core/chains.js";
import type { Gateway } from "../core/gateway.js";
import type { ChainInfo } from "../core/manifest.js";
import type { TxChain, TxSender } from "./tx.js";

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
