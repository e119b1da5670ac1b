/** viem clients for the chains of a manifest. One place builds them, so every service agrees. */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Account,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { ChainInfo } from "./manifest.js";

export function viemChain(info: ChainInfo): Chain {
  return defineChain({
    id: info.chainId,
    name: info.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [info.rpcUrl] } },
  });
}

/**
 * Reads go out as JSON-RPC batches: concurrent calls made in the same tick share one HTTP
 * request (the guardian checks every message of a block against the gateway; one round trip per
 * message would dominate its latency).
 */
export function publicClientFor(info: ChainInfo, pollingIntervalMs = 250): PublicClient {
  return createPublicClient({
    chain: viemChain(info),
    transport: http(info.rpcUrl, { retryCount: 2, timeout: 10_000, batch: { batchSize: 256, wait: 0 } }),
    pollingInterval: pollingIntervalMs,
  }) as PublicClient;
}

export type ChainWallet = WalletClient<Transport, Chain, Account>;

export function walletClientFor(info: ChainInfo, account: Account, pollingIntervalMs = 250): ChainWallet {
  return createWalletClient({
    chain: viemChain(info),
    account,
    transport: http(info.rpcUrl, { retryCount: 2, timeout: 10_000 }),
    pollingInterval: pollingIntervalMs,
  });
}
