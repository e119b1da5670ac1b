/**
 * Wires a guardian process: config → logger, manifest, signing key, store, chain readers,
 * metrics registry → `Guardian` + HTTP server, then runs until the signal aborts and closes
 * everything it opened, in reverse order.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { privateKeyToAccount } from "viem/accounts";
import { publicClientFor } from "../core/chains.js";
import { gatewayChains } from "../core/manifest.js";
import { loadManifest } from "../core/manifest-file.js";
import { untilAborted } from "../core/service/lifecycle.js";
import { createLogger } from "../core/service/logger.js";
import { guardianHttp } from "./api.js";
import { ViemGatewayReader, type GatewayReader } from "./chain.js";
import { loadGuardianConfig } from "./config.js";
import { FileGuardianStore } from "./file-store.js";
import { Guardian } from "./guardian.js";
import { METRIC_PREFIX } from "./metrics.js";
import { MessagePolicy } from "./policy.js";

/** Bounds how long shutdown waits for an in-flight poll before closing anyway. */
const SHUTDOWN_GRACE_MS = 3_000;

export async function main(env: Record<string, string | undefined>, signal: AbortSignal): Promise<void> {
  const config = loadGuardianConfig(env);
  const logger = createLogger("guardian", config.logLevel);
  const manifest = loadManifest(config.manifestPath);
  const policy = new MessagePolicy(manifest, config.approvalAbove);
  const account = privateKeyToAccount(config.guardianKey);
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
    const readers = new Map<number, GatewayReader>(
      gatewayChains(manifest).map((c) => [c.chainId, new ViemGatewayReader(publicClientFor(c), c.gateway)]),
    );
    const guardian = new Guardian({
      manifest,
      policy,
      account,
      store,
      readers,
      registry,
      logger: logger.child({ component: "guardian" }),
      options: {
        pollIntervalMs: config.pollIntervalMs,
        maxBlockRange: config.maxBlockRange,
        staleAfterSeconds: config.staleAfterSeconds,
        guardianSetCacheSeconds: config.guardianSetCacheSeconds,
      },
    });
    const http = guardianHttp(registry, guardian, config.operatorToken, logger.child({ component: "http" }));
    const port = await http.listen(config.port, config.host);
    logger.info(
      { guardian: account.address, host: config.host, port, chains: readers.size, claims: store.claimCount },
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
