/**
 * Guardian configuration: one zod schema over the process environment, parsed once at start-up
 * (see `index.ts` for what each variable means). The result is frozen and camel-cased; nothing
 * else in the guardian reads `process.env`.
 */
import { z } from "zod";
import { envFields, parseConfig } from "../core/service/config.js";
import { keyEnv } from "../core/signer.js";

/** A variable that must be set: reports "is required" instead of zod's "Required" or "NaN". */
function required(what: string) {
  return z
    .string({ required_error: `is required (${what})` })
    .trim()
    .min(1, `is required (${what})`);
}

const wholeTokens = z
  .string({ required_error: "is required (transfers above this many whole tokens wait for approval)" })
  .trim()
  .regex(/^[0-9]+(\.[0-9]+)?$/, "must be a non-negative number of whole tokens, e.g. 1000000 or 2.5");

const fields = z
  .object({
    MANIFEST: envFields.manifestPath,
    RPC_URLS: envFields.rpcUrls,
    RPC_QUORUM: envFields.rpcQuorum,
    ACCOUNTANT_GRACE_SECONDS: z.coerce.number().nonnegative().max(86_400).default(30),
    PORT: required("the HTTP port").pipe(envFields.port),
    HOST: z.string().trim().min(1).default("127.0.0.1"),
    OPERATOR_TOKEN: required("the operator's bearer token").pipe(
      z.string().min(16, "must be at least 16 characters: it is the operator's secret"),
    ),
    APPROVAL_ABOVE: wholeTokens,
    DATA_DIR: required("where the guardian keeps its signing journal"),
    LOG_LEVEL: envFields.logLevel,
    POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    MAX_BLOCK_RANGE: z.coerce.number().int().min(1).max(100_000).default(2_000),
    STALE_AFTER_SECONDS: z.coerce.number().positive().default(60),
    GUARDIAN_SET_CACHE_SECONDS: z.coerce.number().nonnegative().max(3_600).default(5),
  })
  .transform((env) => ({
    manifestPath: env.MANIFEST,
    rpcUrls: env.RPC_URLS,
    rpcQuorum: env.RPC_QUORUM,
    accountantGraceSeconds: env.ACCOUNTANT_GRACE_SECONDS,
    port: env.PORT,
    host: env.HOST,
    operatorToken: env.OPERATOR_TOKEN,
    approvalAbove: env.APPROVAL_ABOVE,
    dataDir: env.DATA_DIR,
    logLevel: env.LOG_LEVEL,
    pollIntervalMs: env.POLL_INTERVAL_MS,
    maxBlockRange: env.MAX_BLOCK_RANGE,
    staleAfterSeconds: env.STALE_AFTER_SECONDS,
    guardianSetCacheSeconds: env.GUARDIAN_SET_CACHE_SECONDS,
  }));

/** The key variables (GUARDIAN_KEYSTORE, its password file, or GUARDIAN_KEY with DEVNET=true) beside the rest. */
export const guardianEnvSchema = z.intersection(fields, keyEnv("GUARDIAN"));

export type GuardianConfig = Readonly<z.infer<typeof guardianEnvSchema>>;

/** Parses the environment; throws `ConfigError` listing every bad variable (never its value). */
export function loadGuardianConfig(env: Record<string, string | undefined>): GuardianConfig {
  return parseConfig(guardianEnvSchema, env, "guardian");
}
