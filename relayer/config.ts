/**
 * Relayer configuration: environment variables validated once at start-up (see index.ts for the
 * list). Every value has a unit in its name or a documented default.
 */
import { hostname } from "node:os";
import { isAddress, type Address } from "viem";
import { z } from "zod";
import { MAX_SIGNABLE_WAIT_MS } from "../core/guardian-api.js";
import { envFields, parseConfig } from "../core/service/config.js";
import { keyEnv } from "../core/signer.js";
import { FEE_POLICIES } from "./fee-policy.js";

const positiveInt = z.coerce.number().int().positive();
const flagDefault = (value: "true" | "false") =>
  z
    .enum(["true", "false", "1", "0", ""])
    .default(value)
    .transform((v) => v === "true" || v === "1" || (v === "" && value === "true"));
const flag = flagDefault("false");

/**
 * A BullMQ key prefix. On Redis Cluster every key of a queue must hash to one slot, so the prefix
 * must be a `{hash-tag}` (BullMQ's own recommendation); elsewhere any simple name works.
 */
const queuePrefix = z
  .string()
  .min(1)
  .max(64)
  .regex(/^(\{[A-Za-z0-9_.-]+\}|[A-Za-z0-9_.-]+)$/, "must be a name like portcullis or a hash tag like {portcullis}");

/** Comma-separated addresses (EIP-55 checksum enforced on mixed case); empty: none. */
const addressList = z.string().transform((v, ctx) => {
  const list = v
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  const bad = list.filter((a) => !isAddress(a));
  if (bad.length > 0) {
    ctx.addIssue({ code: "custom", message: `must be comma-separated 0x addresses; not one: ${bad.join(", ")}` });
    return z.NEVER;
  }
  return list as Address[];
});

const relayerFields = z
  .object({
    MANIFEST: envFields.manifestPath,
    RPC_URLS: envFields.rpcUrls,
    REDIS_URL: envFields.redisUrl,
    REDIS_CLUSTER: flag,
    PORT: envFields.port.default(9400),
    RELAYER_ID: z.string().min(1).max(100).default(`${hostname()}-${process.pid}`),
    LOG_LEVEL: envFields.logLevel,
    QUEUE_PREFIX: queuePrefix.default("portcullis"),
    POLL_INTERVAL_MS: positiveInt.min(50).default(1_000),
    TX_TIMEOUT_MS: positiveInt.min(1_000).default(60_000),
    LOCK_TTL_MS: positiveInt.min(1_000).default(5_000),
    MAX_IN_FLIGHT: positiveInt.max(64).default(8),
    MAX_TX_GAS: z.coerce.bigint().min(100_000n).default(16_777_216n),
    OPTIMISTIC_SEND: flagDefault("true"),
    SIGNABLE_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
    FEED_WAIT_MS: positiveInt.max(MAX_SIGNABLE_WAIT_MS).default(20_000),
    FEED_FOLLOWERS: positiveInt.max(64).default(2),
    GUARDIAN_TIMEOUT_MS: positiveInt.default(5_000),
    GUARDIAN_SET_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
    RETRY_BASE_MS: positiveInt.default(1_000),
    RETRY_MAX_MS: positiveInt.default(60_000),
    MAX_BLOCK_RANGE: positiveInt.default(2_000),
    MAX_FEE_BUMPS: z.coerce.number().int().min(0).max(20).default(8),
    FEE_POLICY: z.enum(FEE_POLICIES).default("quote"),
    FEE_SPONSORED_SENDERS: addressList.default(""),
  })
  .superRefine((c, ctx) => {
    if (c.REDIS_CLUSTER && !c.QUEUE_PREFIX.startsWith("{")) {
      ctx.addIssue({
        code: "custom",
        path: ["QUEUE_PREFIX"],
        message: `on Redis Cluster the prefix must be a hash tag, e.g. {${c.QUEUE_PREFIX}}`,
      });
    }
    if (c.RETRY_MAX_MS < c.RETRY_BASE_MS) {
      ctx.addIssue({ code: "custom", path: ["RETRY_MAX_MS"], message: "must be at least RETRY_BASE_MS" });
    }
  });

/** Plus the key: RELAYER_KEYSTORE (+ password file or prompt), or RELAYER_KEY with DEVNET=true (core/signer.ts). */
export const relayerConfigSchema = z.intersection(relayerFields, keyEnv("RELAYER"));

export type RelayerConfig = Readonly<z.infer<typeof relayerConfigSchema>>;

/** Parses the relayer's environment; throws ConfigError with one line per problem. */
export function loadRelayerConfig(env: Record<string, string | undefined>): RelayerConfig {
  return parseConfig(relayerConfigSchema, env, "relayer");
}
