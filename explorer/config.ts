/**
 * Explorer configuration: environment variables validated once at start-up (see index.ts for the
 * list). A bad value stops the explorer with one readable line per problem.
 */
import { z } from "zod";
import { envFields, parseConfig } from "../core/service/config.js";

const positiveInt = z.coerce.number().int().positive();

/** `postgres://` or `postgresql://` connection URL (credentials allowed, never logged). */
const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// or postgresql:// URL")
  .optional()
  .or(z.literal("").transform(() => undefined));

export const explorerConfigSchema = z
  .object({
    MANIFEST: envFields.manifestPath,
    PORT: envFields.port.default(9500),
    LOG_LEVEL: envFields.logLevel,
    DATABASE_URL: databaseUrl,
    SQLITE_PATH: z.string().min(1).default("explorer.sqlite"),
    POLL_INTERVAL_MS: positiveInt.min(50).default(1_000),
    MAX_BLOCK_RANGE: positiveInt.max(100_000).default(2_000),
    ROUTES_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
    STREAM_HEARTBEAT_MS: positiveInt.min(100).default(15_000),
    STALE_AFTER_SECONDS: positiveInt.default(60),
    WEB_DIR: z.string().min(1).optional(),
    HOST: z.string().min(1).default("127.0.0.1"),
  })
  .transform((env) => ({
    manifestPath: env.MANIFEST,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    databaseUrl: env.DATABASE_URL,
    sqlitePath: env.SQLITE_PATH,
    pollIntervalMs: env.POLL_INTERVAL_MS,
    maxBlockRange: env.MAX_BLOCK_RANGE,
    routesCacheMs: env.ROUTES_CACHE_MS,
    streamHeartbeatMs: env.STREAM_HEARTBEAT_MS,
    staleAfterMs: env.STALE_AFTER_SECONDS * 1000,
    webDir: env.WEB_DIR,
  }));

export type ExplorerConfig = Readonly<z.infer<typeof explorerConfigSchema>>;

/** Parses the explorer's environment; throws ConfigError with one line per problem. */
export function loadExplorerConfig(env: Record<string, string | undefined>): ExplorerConfig {
  return parseConfig(explorerConfigSchema, env, "explorer");
}
