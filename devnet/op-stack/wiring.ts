/**
 * Builds an `OpStackOperator` from its configuration: viem clients for L1 and the L2 (the L2's
 * chain id read from the endpoint and checked), the proposer's wallet, the file-backed deposit
 * cursor, a fresh metrics registry. Kept apart from `index.ts` so tests wire it in-process.
 */
import { Registry } from "prom-client";
import { privateKeyToAccount } from "viem/accounts";
import { publicClientFor, walletClientFor } from "../../core/chains.js";
import type { ChainInfo } from "../../core/manifest.js";
import { ConfigError } from "../../core/service/config.js";
import type { Logger } from "../../core/service/logger.js";
import { nodeRpcFetch } from "../../core/service/rpc-fetch.js";
import type { OpStackOperatorConfig } from "./config.js";
import { FileDepositCursor } from "./deposits.js";
import { OpStackOperatorMetrics } from "./metrics.js";
import { OpStackOperator } from "./service.js";

export async function createOpStackOperator(config: OpStackOperatorConfig, logger: Logger) {
  const chainInfo = (name: string, rpcUrl: string, chainId: number, kind: "l1" | "l2"): ChainInfo => ({
    name,
    chainId,
    rpcUrl,
    kind,
    confirmations: 0,
  });
  const probe = async (rpcUrl: string) =>
    publicClientFor(chainInfo("probe", rpcUrl, 1, "l1"), { fetchFn: nodeRpcFetch }).getChainId();
  const [l1ChainId, l2ChainId] = await Promise.all([probe(config.l1RpcUrl), probe(config.l2RpcUrl)]);
  if (l2ChainId !== config.l2ChainId) {
    throw new ConfigError(`op-stack: L2_RPC_URL serves chain ${l2ChainId}, not L2_CHAIN_ID ${config.l2ChainId}`);
  }
  const l1 = chainInfo("l1", config.l1RpcUrl, l1ChainId, "l1");
  const l2 = chainInfo(`l2-${l2ChainId}`, config.l2RpcUrl, l2ChainId, "l2");
  // Receipts of the operator's own transactions are polled at the block pace, not faster.
  const receiptPollingMs = Math.min(1_000, Math.max(100, config.pollIntervalMs));
  const o = { pollingIntervalMs: receiptPollingMs, fetchFn: nodeRpcFetch };
  const l1Client = publicClientFor(l1, o);
  const l2Client = publicClientFor(l2, o);
  const registry = new Registry();
  const operator = new OpStackOperator({
    settings: config,
    proposer: {
      l1Client,
      l2Client,
      proposerWallet: walletClientFor(l1, privateKeyToAccount(config.proposerKey), o),
      oracle: config.oracle,
    },
    deposits: { l1Client, l2Client, portal: config.portal, fromBlock: config.l1DeployBlock },
    cursor: new FileDepositCursor(config.depositCursorFile),
    metrics: new OpStackOperatorMetrics(registry),
    logger,
  });
  return { operator, registry };
}
