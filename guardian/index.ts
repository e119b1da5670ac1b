/**
 * Guardian service entry: `node --import tsx guardian/index.ts` (the devnet starts one per
 * guardian key). One guardian follows every L2 gateway of the deployment, checks each
 * `MessageSent` against its chain (through several RPC endpoints that must agree) and against its
 * token's books, and serves EIP-712 attestations over HTTP (core/guardian-api.ts). docs/guardian.md
 * lists every check made before a signature, in order.
 *
 * Environment (parsed once by config.ts; a bad value exits with code 2 and one line per problem):
 *   MANIFEST                    deployment manifest path (default .devnet/manifest.json)
 *   GUARDIAN_KEYSTORE           required; the signing key's encrypted key file (Web3 Secret
 *                               Storage v3; docs/keys.md says how to create one)
 *   GUARDIAN_KEYSTORE_PASSWORD_FILE  file whose first line is its password; unset: asked on the
 *                               terminal (refused without one)
 *   GUARDIAN_KEY                0x-prefixed raw private key instead of a key file: only with
 *                               DEVNET=true, and logged as a warning
 *   DEVNET                      true on a local devnet only: accepts GUARDIAN_KEY and one RPC URL
 *                               per chain
 *   RPC_URLS                    this guardian's own endpoints per chain, JSON keyed by chain name
 *                               or id: {"l2a":["https://a…","https://b…"],"l2b":[…]} (default: the
 *                               manifest's rpcUrls, else rpcUrl). Use independent providers or own
 *                               nodes, not the ones other guardians use
 *   RPC_QUORUM                  how many endpoints of a chain must answer, all alike: "all"
 *                               (default) or a number >= 2 (1 only with DEVNET=true). Any endpoint
 *                               that contradicts another stops signing from that chain
 *   ACCOUNTANT_GRACE_SECONDS    how long a token's books may show a deficit (views catching up)
 *                               before its messages are refused for good as "unbacked" (default 30)
 *   PORT                        required; HTTP port (0 picks a free one)
 *   HOST                        interface to bind (default 127.0.0.1)
 *   OPERATOR_TOKEN              required; bearer secret (>= 16 chars) for GET /v1/pending and
 *                               POST /v1/approve/:msgId
 *   APPROVAL_ABOVE              required; transfers above this many whole tokens (scaled by each
 *                               token's decimals, e.g. 1000 or 2.5) wait for operator approval
 *   DATA_DIR                    required; directory of the signing journal (nonce commitments and
 *                               approvals, fsync'd). Losing it loses the no-equivocation record:
 *                               back it up, and never share it between two guardians
 *   LOG_LEVEL                   fatal|error|warn|info|debug|trace|silent (default info)
 *   POLL_INTERVAL_MS            how often each chain is polled once caught up (default 1000; every
 *                               50 ms when its next block is due, guardian/poll-schedule.ts)
 *   MAX_BLOCK_RANGE             most blocks per eth_getLogs request (default 2000)
 *   STALE_AFTER_SECONDS         /healthz fails when a chain view lags more than this (default 60)
 *   GUARDIAN_SET_CACHE_SECONDS  how long a destination's guardian-set index is cached (default 5)
 *
 * SIGINT/SIGTERM stop polling, close the HTTP server and the journal, and exit 0.
 */
import { runService } from "../core/service/lifecycle.js";
import { main } from "./main.js";

runService("guardian", (signal) => main(process.env, signal));
