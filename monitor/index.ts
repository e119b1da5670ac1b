/**
 * Portcullis monitor: watches every gateway, vetoes and pauses on forged deliveries or a
 * solvency breach, alerts on late messages and dead guardians, exports Prometheus metrics.
 *
 * Environment:
 *   MANIFEST              deployment manifest path (default .devnet/manifest.json)
 *   MONITOR_KEYSTORE      encrypted key file (Web3 Secret Storage v3, docs/keys.md) of the key holding
 *                         PAUSER_ROLE and VETO_ROLE (and nothing else)
 *   MONITOR_KEYSTORE_PASSWORD_FILE  its password's file (first line); unset: asked on the terminal
 *   MONITOR_KEY           0x-prefixed raw key instead: only with DEVNET=true (local devnet)
 *   RPC_URLS              the monitor's own endpoints per chain, JSON {"l2a":["https://…",…]}
 *                         (default: the manifest's). Give it providers no guardian uses, so the
 *                         monitor never shares a point of failure with them; several fail over
 *   PORT                  HTTP port for /healthz, /metrics, /alerts on 127.0.0.1 (default 9100; 0 = any)
 *   LOG_LEVEL             fatal|error|warn|info|debug|trace|silent (default info)
 *   POLL_INTERVAL_MS      chain head polling interval; every new block runs the checks (default 1000)
 *   PENDING_SLO_SECONDS   undelivered age that raises a pending_slo alert (default 600)
 *   GUARDIAN_POLL_MS      guardian /healthz polling interval (default 15000)
 *   STALE_AFTER_SECONDS   /healthz fails when a chain has not answered for this long (default 30)
 *
 * HTTP:
 *   GET /healthz   200 when every chain answered within STALE_AFTER_SECONDS, else 503
 *   GET /metrics   Prometheus text (see monitor/metrics.ts)
 *   GET /alerts    { alerts: Alert[] } oldest first, with the actions taken (see monitor/alerts.ts)
 *
 * Exit codes: 0 after SIGTERM/SIGINT, 2 on invalid configuration or manifest, 1 on a crash.
 */
import { HttpService } from "../core/service/http.js";
import { runService, untilAborted } from "../core/service/lifecycle.js";
import { createLogger } from "../core/service/logger.js";
import { loadSigner } from "../core/signer.js";
import { loadMonitorConfig } from "./config.js";
import { createMonitor } from "./wiring.js";

runService("monitor", async (signal) => {
  const config = loadMonitorConfig(process.env);
  const logger = createLogger("monitor", config.logLevel);
  const { monitor, registry, manifest } = createMonitor(config, logger, await loadSigner(config.key, { logger }));

  const http = new HttpService(registry, async () => monitor.health());
  http.route("GET", "/alerts", () => ({ alerts: monitor.alerts.list() }));
  const port = await http.listen(config.port);
  logger.info(
    { port, network: manifest.network, chains: manifest.chains.map((c) => c.name), monitor: monitor.health().monitor },
    "monitor listening",
  );
  try {
    await Promise.all([monitor.run(signal), untilAborted(signal)]);
  } finally {
    await http.close();
    logger.info("monitor shut down");
  }
});
