/**
 * Monitor configuration, parsed once at start-up from the environment (see `index.ts` for the
 * variables). Every value is checked here, so a typo stops the monitor with a readable message
 * instead of a monitor that silently watches nothing.
 */
import { z } from "zod";
import { envFields, parseConfig } from "../core/service/config.js";
import { keyEnv } from "../core/signer.js";

const milliseconds = (min: number) => z.coerce.number().int().min(min, `must be at least ${min} ms`);

const monitorFields = z
  .object({
    MANIFEST: envFields.manifestPath,
    /** The monitor's own endpoints per chain: never the guardians' (see index.ts). */
    RPC_URLS: envFields.rpcUrls,
    PORT: envFields.port.default(9100),
    LOG_LEVEL: envFields.logLevel,
    /** How often every chain's head is polled; each new block runs the on-chain checks. */
    POLL_INTERVAL_MS: milliseconds(50).default(1_000),
    /** A sent message undelivered for longer than this raises a `pending_slo` alert. */
    PENDING_SLO_SECONDS: envFields.seconds.default(600),
    /** How often each guardian's /healthz is fetched. */
    GUARDIAN_POLL_MS: milliseconds(100).default(15_000),
    /** /healthz fails when a chain has not answered for this long. */
    STALE_AFTER_SECONDS: envFields.seconds.default(30),
  })
  .transform((env) => ({
    manifestPath: env.MANIFEST,
    rpcUrls: env.RPC_URLS,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    pollIntervalMs: env.POLL_INTERVAL_MS,
    pendingSloSeconds: env.PENDING_SLO_SECONDS,
    guardianPollMs: env.GUARDIAN_POLL_MS,
    staleAfterSeconds: env.STALE_AFTER_SECONDS,
  }));

/** Plus the key: MONITOR_KEYSTORE (+ password file or prompt), or MONITOR_KEY with DEVNET=true (core/signer.ts). */
export const monitorConfigSchema = z.intersection(monitorFields, keyEnv("MONITOR"));

export type MonitorConfig = z.infer<typeof monitorConfigSchema>;

/** Throws `ConfigError` listing every bad variable. */
export function loadMonitorConfig(env: Record<string, string | undefined>): Readonly<MonitorConfig> {
  return parseConfig(monitorConfigSchema, env, "monitor");
}
