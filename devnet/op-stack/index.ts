/**
 * The devnet's OP Stack operator (devnet only): for one L2, the output proposer and the deposit
 * executor — the stand-ins for what OP's node software (op-proposer, op-node's derivation of
 * deposits) does off-chain. A real OP Stack chain runs its own; see docs/escape-hatch.md.
 *
 * Environment:
 *   L1_RPC_URL            L1 JSON-RPC endpoint
 *   L2_RPC_URL            the L2's JSON-RPC endpoint (anvil: deposits use account impersonation)
 *   L2_CHAIN_ID           the L2's chain id (checked against L2_RPC_URL)
 *   PORTAL                the L2's OptimismPortal (proxy) on L1
 *   L2_OUTPUT_ORACLE      the L2's L2OutputOracle (proxy) on L1
 *   PROPOSER_KEY          0x-prefixed private key of the oracle's proposer
 *   L1_DEPLOY_BLOCK       L1 block of the portal's deployment: the deposit scan starts there (default 0)
 *   DEPOSIT_CURSOR_FILE   JSON file keeping the last executed deposit (shared with the devnet's deployment)
 *   PROPOSE_INTERVAL_MS   how often due outputs are proposed (default 2000)
 *   POLL_INTERVAL_MS      how often L1 is polled for new deposits (default 1000)
 *   PORT                  HTTP port for /healthz and /metrics on 127.0.0.1 (default 9400; 0 = any)
 *   SERVICE_INSTANCE      instance name reported by /healthz (default op-stack-<L2_CHAIN_ID>)
 *   LOG_LEVEL             fatal|error|warn|info|debug|trace|silent (default info)
 *
 * HTTP:
 *   GET /healthz   200 with {service: "op-stack", instance, ...} when both roles completed a
 *                  round recently, else 503
 *   GET /metrics   Prometheus text (see metrics.ts)
 *
 * Exit codes: 0 after SIGTERM/SIGINT, 2 on invalid configuration, 1 on a crash.
 */
import { HttpService } from "../../core/service/http.js";
import { runService, untilAborted } from "../../core/service/lifecycle.js";
import { createLogger } from "../../core/service/logger.js";
import { loadOpStackOperatorConfig } from "./config.js";
import { createOpStackOperator } from "./wiring.js";

runService("op-stack", async (signal) => {
  const config = loadOpStackOperatorConfig(process.env);
  const logger = createLogger("op-stack", config.logLevel);
  const { operator, registry } = await createOpStackOperator(config, logger);
  const http = new HttpService(registry, async () => operator.health());
  const port = await http.listen(config.port);
  logger.info(
    { port, l2ChainId: config.l2ChainId, portal: config.portal, oracle: config.oracle },
    "op-stack operator listening",
  );
  try {
    await Promise.all([operator.run(signal), untilAborted(signal)]);
  } finally {
    await http.close();
    logger.info("op-stack operator shut down");
  }
});
