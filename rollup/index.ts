/**
 * Portcullis simulated-rollup operator (devnet and tests only): for one L2, the proposer that
 * commits the L2's withdrawals to its L1 portal and the sequencer that relays L1 deposits on the
 * L2. A real rollup does both itself; see docs/escape-hatch.md.
 *
 * Environment:
 *   L1_RPC_URL            L1 JSON-RPC endpoint
 *   L2_RPC_URL            the L2's JSON-RPC endpoint
 *   L2_CHAIN_ID           the L2's chain id (checked against L2_RPC_URL)
 *   PORTAL                the L2's SimRollupPortal on L1
 *   MESSENGER             the L2's SimL2Messenger
 *   PROPOSER_KEY          0x-prefixed private key of the portal's PROPOSER
 *   SEQUENCER_KEY         0x-prefixed private key of the messenger's SEQUENCER
 *   PORTAL_DEPLOY_BLOCK   L1 block of the portal's deployment: the deposit scan starts there (default 0)
 *   PROPOSE_INTERVAL_MS   how often new withdrawals are checked and, if any, a root posted (default 12000)
 *   POLL_INTERVAL_MS      how often L1 is polled for new deposits (default 1000)
 *   PORT                  HTTP port for /healthz and /metrics on 127.0.0.1 (default 9300; 0 = any)
 *   LOG_LEVEL             fatal|error|warn|info|debug|trace|silent (default info)
 *
 * HTTP:
 *   GET /healthz   200 when both roles completed a round recently, else 503
 *   GET /metrics   Prometheus text (see rollup/metrics.ts)
 *
 * Exit codes: 0 after SIGTERM/SIGINT, 2 on invalid configuration, 1 on a crash.
 */
import { HttpService } from "../core/service/http.js";
import { runService, untilAborted } from "../core/service/lifecycle.js";
import { createLogger } from "../core/service/logger.js";
import { loadRollupConfig } from "./config.js";
import { createRollupService } from "./wiring.js";

runService("rollup", async (signal) => {
  const config = loadRollupConfig(process.env);
  const logger = createLogger("rollup", config.logLevel);
  const { service, registry } = await createRollupService(config, logger);
  const http = new HttpService(registry, async () => service.health());
  const port = await http.listen(config.port);
  logger.info(
    { port, l2ChainId: config.l2ChainId, portal: config.portal, messenger: config.messenger },
    "rollup operator listening",
  );
  try {
    await Promise.all([service.run(signal), untilAborted(signal)]);
  } finally {
    await http.close();
    logger.info("rollup operator shut down");
  }
});
