/**
 * Wires a guardian process: config → logger, manifest (with the guardian's own RPC endpoints),
 * signing key, store, one quorum reader per chain over one viem client per endpoint, metrics
 * registry → `Guardian` + HTTP server, then runs until the signal aborts and closes everything
 * it opened, in reverse order.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { endpointClientsFor, withRpcUrls } from "../core/chains.js";
import { gatewayChains } from "../core/manifest.js";
import { loadManifest } from "../core/manifest-file.js";
import { untilAborted } from "../core/service/lifecycle.js";
import { nodeRpcFetch } from "../core/service/rpc-fetch.js";
import { createLogger, type Logger } from "../core/service/logger.js";
import { loadSigner } from "../core/signer.js";
import { guardianHttp } from "./api.js";
import { ViemGatewayReader, type GatewayReader } from "./chain.js";
import { loadGuardianConfig } from "./config.js";
import { FileGuardianStore } from "./file-store.js";
import { Guardian } from "./guardian.js";
import { GuardianMetrics, METRIC_PREFIX } from "./metrics.js";
import { MessagePolicy, type GatewayChain } from "./policy.js";
import { endpointPlan, QuorumGatewayReader, type ChainEndpoints } from "./quorum.js";

/** Bounds how long shutdown waits for an in-flight poll before closing anyway. */
const SHUTDOWN_GRACE_MS = 3_000;

export async function main(env: Record<string, string | undefined>, signal: AbortSignal): Promise<void> {
  const config = loadGuardianConfig(env);
  const logger = createLogger("guardian", config.logLevel);
  const manifest = withRpcUrls(loadManifest(config.manifestPath), config.rpcUrls);
  const plan = endpointPlan(gatewayChains(manifest), config.rpcQuorum, config.devnet);
  const policy = new MessagePolicy(manifest, config.approvalAbove);
  const account = await loadSigner(config.key, { logger });
  if (!manifest.guardianSet.guardians.some((g) => g.address === account.address)) {
    logger.warn(
      { guardian: account.address, manifestSetIndex: manifest.guardianSet.index },
      "this guardian is not in the manifest's guardian set; it signs only once a rotation adds it on-chain",
    );
  }

  const store = await FileGuardianStore.open(config.dataDir);
  try {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
    const metrics = new GuardianMetrics(registry);
    const readers = new Map<number, GatewayReader>(
      gatewayChains(manifest).map((c) => [c.chainId, quorumReader(c, plan.get(c.chainId)!, metrics, logger)]),
    );
    const guardian = new Guardian({
      manifest,
      policy,
      account,
      store,
      readers,
      registry,
      metrics,
      logger: logger.child({ component: "guardian" }),
      options: {
        pollIntervalMs: config.pollIntervalMs,
        maxBlockRange: config.maxBlockRange,
        staleAfterSeconds: config.staleAfterSeconds,
        guardianSetCacheSeconds: config.guardianSetCacheSeconds,
        accountantGraceSeconds: config.accountantGraceSeconds,
      },
    });
    const http = guardianHttp(registry, guardian, config.operatorToken, logger.child({ component: "http" }));
    const port = await http.listen(config.port, config.host);
    logger.info(
      {
        guardian: account.address,
        host: config.host,
        port,
        chains: Object.fromEntries(
          [...readers].map(([chainId, r]) => [
            chainId,
            { endpoints: (r as QuorumGatewayReader).endpointLabels, quorum: (r as QuorumGatewayReader).quorum },
          ]),
        ),
        claims: store.claimCount,
      },
      "guardian started",
    );
    try {
      const following = guardian.run(signal);
      // A poll loop never ends on its own; if one throws, the process must fail, not limp on.
      await Promise.race([untilAborted(signal), following]);
      logger.info("shutting down");
      await Promise.race([following, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
    } finally {
      await http.close();
      logger.info("guardian stopped");
    }
  } finally {
    await store.close();
  }
}

/** The chain read through every endpoint of `endpoints`, which must agree (quorum.ts). */
function quorumReader(chain: GatewayChain, endpoints: ChainEndpoints, metrics: GuardianMetrics, logger: Logger) {
  const chainId = String(chain.chainId);
  const log = logger.child({ component: "rpc", chain: chain.name });
  const clients = endpointClientsFor({ ...chain, rpcUrls: endpoints.urls }, { fetchFn: nodeRpcFetch });
  return new QuorumGatewayReader(
    chain.name,
    clients.map((c) => ({ label: c.label, reader: new ViemGatewayReader(c.client, chain.gateway) })),
    endpoints.quorum,
    {
      endpointError: (endpoint, err) => {
        metrics.rpcEndpointErrors.inc({ chain_id: chainId, endpoint });
        log.debug({ endpoint, err: err.message.split("\n")[0] }, "RPC endpoint failed");
      },
      endpointHead: (endpoint, head) => metrics.rpcEndpointHead.set({ chain_id: chainId, endpoint }, Number(head)),
      disagreement: () => metrics.rpcDisagreements.inc({ chain_id: chainId }),
      quorumMissed: () => metrics.rpcQuorumMisses.inc({ chain_id: chainId }),
    },
  );
}
