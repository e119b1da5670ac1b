/**
 * Builds a `RollupService` from its configuration: viem clients for L1 and the L2 (chain ids
 * read from the endpoints and checked), the proposer's and sequencer's wallets, a fresh metrics
 * registry. Kept apart from `index.ts` so tests wire the service in-process with the same code.
 */
import { Registry } from "prom-client";
import { privateKeyToAccount } from "viem/accounts";
import { publicClientFor, walletClientFor } from "../core/chains.js";
import type { ChainInfo } from "../core/manifest.js";
import { ConfigError } from "../core/service/config.js";
import type { Logger } from "../core/service/logger.js";
import type { RollupConfig } from "./config.js";
import { RollupMetrics } from "./metrics.js";
import { RollupService } from "./service.js";

async function chainIdOf(rpcUrl: string): Promise<number> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { result?: string };
  if (!body.result) throw new Error(`${rpcUrl}: eth_chainId returned no result`);
  return Number(BigInt(body.result));
}

export async function createRollupService(config: RollupConfig, logger: Logger) {
  const [l1ChainId, l2ChainId] = await Promise.all([chainIdOf(config.l1RpcUrl), chainIdOf(config.l2RpcUrl)]);
  if (l2ChainId !== config.l2ChainId) {
    throw new ConfigError(`rollup: L2_RPC_URL serves chain ${l2ChainId}, not L2_CHAIN_ID ${config.l2ChainId}`);
  }
  const l1: ChainInfo = { name: "l1", chainId: l1ChainId, rpcUrl: config.l1RpcUrl, kind: "l1", confirmations: 0 };
  const l2: ChainInfo = {
    name: `l2-${l2ChainId}`,
    chainId: l2ChainId,
    rpcUrl: config.l2RpcUrl,
    kind: "l2",
    confirmations: 0,
  };
  // Receipts of the service's own transactions are polled at the block pace, not faster.
  const receiptPollingMs = Math.min(1_000, Math.max(100, config.pollIntervalMs));
  const registry = new Registry();
  const service = new RollupService({
    settings: config,
    chain: {
      l1Client: publicClientFor(l1, receiptPollingMs),
      l2Client: publicClientFor(l2, receiptPollingMs),
      proposerWallet: walletClientFor(l1, privateKeyToAccount(config.proposerKey), receiptPollingMs),
      sequencerWallet: walletClientFor(l2, privateKeyToAccount(config.sequencerKey), receiptPollingMs),
      portal: config.portal,
      messenger: config.messenger,
    },
    metrics: new RollupMetrics(registry),
    logger,
  });
  return { service, registry };
}
