/**
 * Portcullis explorer: indexes every gateway's events on every chain (at each chain's
 * confirmation depth, reorg-aware, resumable) and serves the status API, its Server-Sent Events
 * stream and, when configured, the web app. See docs/explorer.md.
 *
 * Environment (validated at start-up; a bad value exits with code 2 and one line per problem):
 *   MANIFEST              deployment manifest path (default .devnet/manifest.json)
 *   PORT                  HTTP port of the API, /healthz and /metrics (default 9500; 0 = any)
 *   HOST                  address to listen on (default 127.0.0.1; 0.0.0.0 behind a proxy)
 *   LOG_LEVEL             fatal|error|warn|info|debug|trace|silent (default info)
 *   DATABASE_URL          postgres://user:pass@host:port/db — use PostgreSQL instead of SQLite
 *   SQLITE_PATH           the SQLite file when DATABASE_URL is not set (default explorer.sqlite)
 *   POLL_INTERVAL_MS      chain head polling interval (default 1000)
 *   MAX_BLOCK_RANGE       most blocks per eth_getLogs request and per stored page (default 2000)
 *   ROUTES_CACHE_MS       how long GET /v1/routes reuses its live gateway reads (default 2000)
 *   STREAM_HEARTBEAT_MS   interval of the keep-alive comment on event streams (default 15000)
 *   STALE_AFTER_SECONDS   /healthz fails when a chain has not been indexed for this long (default 60)
 *   WEB_DIR               serve this directory's files (the built web app) for every other GET,
 *                         with index.html for client-side routes (unset: API only)
 *
 * HTTP: GET /openapi.json describes every route (explorer/openapi.json); /healthz answers 200
 * when the storage answers and every chain was indexed within STALE_AFTER_SECONDS, else 503.
 *
 * Exit codes: 0 after SIGTERM/SIGINT, 2 on invalid configuration or manifest, 1 on a crash.
 */
import { loadManifest } from "../core/manifest-file.js";
import { HttpService } from "../core/service/http.js";
import { runService } from "../core/service/lifecycle.js";
import { createLogger } from "../core/service/logger.js";
import { loadExplorerConfig } from "./config.js";
import { createExplorer, storageFor } from "./wiring.js";

runService("explorer", async (signal) => {
  const config = loadExplorerConfig(process.env);
  const manifest = loadManifest(config.manifestPath);
  const logger = createLogger("explorer", config.logLevel);
  const storage = await storageFor(config, logger);
  try {
    const explorer = createExplorer(config, manifest, storage, logger);
    const http = new HttpService(explorer.registry, () => explorer.health());
    explorer.api.register(http);
    const port = await http.listen(config.port, config.host);
    logger.info({ port, host: config.host, web: config.webDir ?? null }, "explorer listening");
    try {
      await explorer.run(signal);
    } finally {
      await http.close();
    }
  } finally {
    await storage.close();
    logger.info("explorer stopped");
  }
});
