/**
 * Portcullis relayer: carries messages between L2 gateways (observe → attest → deliver →
 * execute) on a BullMQ pipeline in Redis shared by any number of relayer processes. See
 * docs/relayer.md.
 *
 * Environment (validated at start-up; a bad value exits with code 2 and one line per problem):
 *   MANIFEST             deployment manifest path (default .devnet/manifest.json)
 *   RELAYER_KEYSTORE     encrypted key file (Web3 Secret Storage v3, docs/keys.md) of the key paying
 *                        for deliver/execute; one key per process
 *   RELAYER_KEYSTORE_PASSWORD_FILE  its password's file (first line); unset: asked on the terminal
 *   RELAYER_KEY          0x-prefixed raw key instead: only with DEVNET=true (local devnet)
 *   RPC_URLS             this relayer's own endpoints per chain, JSON {"l2a":["https://…",…]}
 *                        (default: the manifest's); several fail over
 *   REDIS_URL            redis://[user:pass@]host:port[/db], or rediss:// for TLS; with
 *                        REDIS_CLUSTER=true, one or more comma-separated seed node URLs
 *   REDIS_CLUSTER        "true" to connect to a Redis Cluster (needs a {hash-tag} QUEUE_PREFIX)
 *   PORT                 HTTP port of /healthz and /metrics on 127.0.0.1 (default 9400; 0 = any)
 *   RELAYER_ID           name of this process in leases, logs and dead letters (default host-pid)
 *   LOG_LEVEL            fatal|error|warn|info|debug|trace|silent (default info)
 *   QUEUE_PREFIX         BullMQ and relayer key prefix (default portcullis); every relayer of
 *                        one deployment uses the same; {portcullis} on Redis Cluster
 *   POLL_INTERVAL_MS     source-chain polling interval of the observer (default 1000)
 *   TX_TIMEOUT_MS        a transaction not mined after this long is replaced with the same
 *                        nonce and bumped fees (default 60000)
 *   MAX_FEE_BUMPS        replacements before a send is given up and its nonce reused by the
 *                        next send (default 8)
 *   LOCK_TTL_MS          job lock, observer lease and feed slot lifetime: how long a crashed
 *                        relayer's work stays claimed before another relayer takes it
 *                        (default 5000)
 *   MAX_IN_FLIGHT        delivery batches (each its own transaction) in flight per route and
 *                        process (default 8: a batch holds its slot until its receipt)
 *   MAX_TX_GAS           most gas one delivery may use (default 16777216, EIP-7825's cap); a
 *                        delivery also stays under half the destination's block gas limit
 *   OPTIMISTIC_SEND      send a route's first attempt at a batch without simulating it first
 *                        while its last delivery went through (default true; false: always
 *                        simulate, never pay for a reverted delivery)
 *   SIGNABLE_WAIT_MS     how long a batch waits for a quorum of the guardians' signable feeds
 *                        to list its messages before asking anyway (default 2000)
 *   FEED_WAIT_MS         long-poll wait of one signable-feed request (default 20000)
 *   FEED_FOLLOWERS       how many relayers follow the guardians' feeds at once, each holding
 *                        a slot (default 2; the others only deliver; relayer/feed-slots.ts)
 *   GUARDIAN_TIMEOUT_MS  per-guardian attestation request timeout (default 5000)
 *   GUARDIAN_SET_TTL_MS  how long a destination's guardian set (read from its gateway) is cached (default 5000;
 *                        re-read in the background from half of it)
 *   RETRY_BASE_MS        first retry delay of a message (default 1000), doubling per attempt...
 *   RETRY_MAX_MS         ...up to this (default 60000)
 *   MAX_BLOCK_RANGE      most blocks per eth_getLogs request (default 2000)
 *   FEE_POLICY           which messages this relayer delivers, by what they paid on the source
 *                        chain (relayer/fee-policy.ts, docs/relayer.md "Fees"): quote (default)
 *                        = those that paid at least their quote, an underpaid one is left alone
 *                        (logged, counted in bridge_relayer_messages_left_alone_total) for its
 *                        sender to self-relay or escape; all = every message, paid or not
 *   FEE_SPONSORED_SENDERS  comma-separated senders whose unpaid messages are delivered anyway
 *                        under FEE_POLICY=quote (default none)
 */
import { withRpcUrls } from "../core/chains.js";
import { loadManifest } from "../core/manifest-file.js";
import { HttpService } from "../core/service/http.js";
import { runService } from "../core/service/lifecycle.js";
import { createLogger } from "../core/service/logger.js";
import { loadSigner } from "../core/signer.js";
import { loadRelayerConfig } from "./config.js";
import { createRelayer } from "./wiring.js";

runService("relayer", async (signal) => {
  const config = loadRelayerConfig(process.env);
  const manifest = withRpcUrls(loadManifest(config.MANIFEST), config.RPC_URLS);
  const logger = createLogger("relayer", config.LOG_LEVEL).child({ relayerId: config.RELAYER_ID });
  const relayer = createRelayer(config, manifest, logger, await loadSigner(config.key, { logger }));
  const http = new HttpService(relayer.registry, () => relayer.health());
  const port = await http.listen(config.PORT);
  logger.info({ port }, "http listening (/healthz, /metrics)");
  try {
    await relayer.run(signal);
  } finally {
    await http.close();
  }
});
