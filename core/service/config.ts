/**
 * Service configuration: every service declares a zod schema over environment variables and
 * parses it once at start-up. A bad value stops the service with one readable line per problem.
 */
import { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>, service: string) {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new ConfigError(`${service}: invalid configuration:\n  ${issues.join("\n  ")}`);
  }
  return Object.freeze(result.data) as Readonly<z.infer<S>>;
}

/** Reusable env fields. */
export const envFields = {
  port: z.coerce.number().int().min(0).max(65535),
  privateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key"),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  manifestPath: z.string().min(1).default(".devnet/manifest.json"),
  redisUrl: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL"),
  seconds: z.coerce.number().nonnegative(),
};
