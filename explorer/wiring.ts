/**
 * Builds a production Explorer from its configuration and the deployment manifest: the storage
 * (PostgreSQL with DATABASE_URL, else the SQLite file), one viem client and indexer per gateway
 * chain, the live route reader, the stream hub, metrics. The one place that constructs
 * dependencies; the Explorer itself only receives them.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { publicClientFor } from "../core/chains.js";
import { gatewayChains, ManifestError, type Manifest } from "../core/manifest.js";
import type { Logger } from "../core/service/logger.js";
import { nodeRpcFetch } from "../core/service/rpc-fetch.js";
import { ExplorerApi } from "./api.js";
import type { ExplorerConfig } from "./config.js";
import { Explorer } from "./explorer.js";
import { FactsCache } from "./facts.js";
import { ChainIndexer, viemChainReader } from "./indexer.js";
import { ExplorerMetrics } from "./metrics.js";
import { RouteReader } from "./routes.js";
import { openStorage, redactDatabaseUrl } from "./storage/open.js";
import type { ExplorerStorage } from "./storage/storage.js";
import { StreamHub } from "./stream.js";

/** Opens the configured storage (migrated). */
export async function storageFor(config: ExplorerConfig, logger: Logger): Promise<ExplorerStorage> {
  const log = logger.child({ component: "storage" });
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    onError: (e) => log.warn({ err: e.message }, "database connection error"),
  });
  log.info(
    config.databaseUrl ? { postgres: redactDatabaseUrl(config.databaseUrl) } : { sqlite: config.sqlitePath },
    "storage ready",
  );
  return storage;
}

export function createExplorer(
  config: ExplorerConfig,
  manifest: Manifest,
  storage: ExplorerStorage,
  logger: Logger,
): Explorer {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "bridge_explorer_" });
  let hub: StreamHub | undefined;
  const metrics = new ExplorerMetrics(registry, () => hub?.size ?? 0);
  const l2s = gatewayChains(manifest);
  if (l2s.length === 0) throw new ManifestError("the manifest has no chain with a gateway to index");
  const chains = l2s.map((info) => {
    if (info.deployBlock === undefined) throw new ManifestError(`chain ${info.name} has a gateway but no deployBlock`);
    return {
      info,
      client: publicClientFor(info, { pollingIntervalMs: config.pollIntervalMs, fetchFn: nodeRpcFetch }),
      deployBlock: info.deployBlock,
    };
  });
  const indexers = chains.map(
    (c) =>
      new ChainIndexer(
        {
          chainId: c.info.chainId,
          name: c.info.name,
          gateway: c.info.gateway,
          deployBlock: c.deployBlock,
          confirmations: c.info.confirmations,
        },
        viemChainReader(c.client, c.info.gateway),
        storage,
        metrics,
        logger,
        config.maxBlockRange,
      ),
  );
  hub = new StreamHub(config.streamHeartbeatMs, () => metrics.streamEvents.inc());
  const facts = new FactsCache(storage);
  const routes = new RouteReader(
    manifest,
    chains.map((c) => ({ chainId: c.info.chainId, name: c.info.name, gateway: c.info.gateway, client: c.client })),
    config.routesCacheMs,
  );
  const api = new ExplorerApi({ manifest, storage, facts, routes, hub, indexers, metrics, webDir: config.webDir });
  return new Explorer({
    indexers,
    storage,
    facts,
    hub,
    api,
    registry,
    metrics,
    logger,
    pollIntervalMs: config.pollIntervalMs,
    staleAfterMs: config.staleAfterMs,
  });
}
