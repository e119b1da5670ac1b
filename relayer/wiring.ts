/**
 * Builds a production Relayer from its configuration and the deployment manifest: viem clients
 * per L2, the relayer account, the Redis connection, the queues, metrics and the guardian client.
 * The one place that constructs dependencies; the Relayer itself only receives them.
 */
import { Registry, collectDefaultMetrics } from "prom-client";
import { publicClientFor, walletClientFor } from "../core/chains.js";
import { Gateway } from "../core/gateway.js";
import { GuardianClient } from "../core/guardian-api.js";
import { gatewayChains, ManifestError, type Manifest } from "../core/manifest.js";
import type { Logger } from "../core/service/logger.js";
import { nodeRpcFetch } from "../core/service/rpc-fetch.js";
import type { Signer } from "../core/signer.js";
import { viemTxChain, type RelayerChain } from "./chains.js";
import type { RelayerConfig } from "./config.js";
import { JOB_STATES, RelayerMetrics, type QueueCount } from "./metrics.js";
import { RelayerQueues } from "./queues.js";
import { connectRedis, redactRedisUrl } from "./redis.js";
import { Relayer } from "./relayer.js";
import { RedisStore } from "./store.js";
import { TxSender } from "./tx.js";

/** Receipt polling interval of the transaction sender. */
const RECEIPT_POLL_MS = 250;

export function createRelayer(config: RelayerConfig, manifest: Manifest, logger: Logger, account: Signer): Relayer {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "bridge_relayer_" });

  const l2s = gatewayChains(manifest);
  if (l2s.length < 2) throw new ManifestError("the manifest needs at least two L2s with a gateway to relay between");
  let queues: RelayerQueues | undefined;
  const metrics = new RelayerMetrics(registry, () => queueCounts(queues));

  const chains = new Map<number, RelayerChain>();
  for (const info of l2s) {
    if (info.deployBlock === undefined) throw new ManifestError(`chain ${info.name} has a gateway but no deployBlock`);
    const publicClient = publicClientFor(info, { fetchFn: nodeRpcFetch });
    const wallet = walletClientFor(info, account, { fetchFn: nodeRpcFetch });
    const sender = new TxSender(viemTxChain(publicClient, wallet), {
      chainId: info.chainId,
      account: account.address,
      timeoutMs: config.TX_TIMEOUT_MS,
      maxBumps: config.MAX_FEE_BUMPS,
      pollMs: RECEIPT_POLL_MS,
      logger: logger.child({ component: "tx" }),
      onReplacement: () => metrics.txReplacements.inc({ chain: info.chainId }),
    });
    chains.set(info.chainId, {
      info,
      chainId: info.chainId,
      gateway: info.gateway,
      gw: new Gateway(info.gateway, publicClient),
      deployBlock: info.deployBlock,
      publicClient,
      wallet,
      sender,
    });
  }

  const redis = connectRedis({
    url: config.REDIS_URL,
    cluster: config.REDIS_CLUSTER,
    connectionName: `relayer:${config.RELAYER_ID}`,
  });
  let lastRedisError = "";
  redis.on("error", (e: Error) => {
    // ioredis emits this on every reconnect attempt; log each distinct error once per outage.
    if (e.message !== lastRedisError) logger.warn({ component: "redis", err: e.message }, "redis connection error");
    lastRedisError = e.message;
  });
  redis.on("ready", () => {
    if (lastRedisError) logger.info({ component: "redis" }, "redis connection restored");
    lastRedisError = "";
  });
  logger.info({ redis: redactRedisUrl(config.REDIS_URL), cluster: config.REDIS_CLUSTER }, "connecting to redis");
  const routes = l2s.flatMap((s) =>
    l2s.filter((d) => d.chainId !== s.chainId).map((d) => ({ sourceChainId: s.chainId, destChainId: d.chainId })),
  );
  queues = new RelayerQueues(redis, config.QUEUE_PREFIX, routes);

  // One client per guardian URL, shared by attestation requests and the signable feed.
  const clients = new Map<string, GuardianClient>();
  const guardian = (url: string) => {
    let client = clients.get(url);
    if (!client) clients.set(url, (client = new GuardianClient(url, { timeoutMs: config.GUARDIAN_TIMEOUT_MS })));
    return client;
  };

  return new Relayer({
    config,
    manifest,
    chains,
    account,
    redis,
    queues,
    store: new RedisStore(redis, config.QUEUE_PREFIX),
    registry,
    metrics,
    logger,
    requestAttestation: (url, request, timeoutMs) => guardian(url).attest(request, timeoutMs),
    guardians: guardian,
  });
}

async function queueCounts(queues: RelayerQueues | undefined): Promise<QueueCount[]> {
  if (!queues) return [];
  const out: QueueCount[] = [];
  await Promise.all(
    queues.all().map(async (q) => {
      const counts = await q.getJobCounts(...JOB_STATES);
      for (const state of JOB_STATES) out.push({ queue: q.name, state, count: counts[state] ?? 0 });
    }),
  );
  return out;
}
