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
  /**
   * `RPC_URLS`: a service's own JSON-RPC endpoints per chain, as JSON keyed by chain name or id,
   * e.g. {"l2a":["https://a.example/KEY","https://b.example"],"l2b":[...]}. Unset: the manifest's.
   */
  rpcUrls: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return {};
      let json: unknown;
      try {
        json = JSON.parse(v);
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be JSON like {"l2a":["https://…","https://…"]}' });
        return z.NEVER;
      }
      const parsed = rpcUrlMap.safeParse(json);
      if (!parsed.success) {
        for (const i of parsed.error.issues)
          ctx.addIssue({ code: "custom", message: `${i.path.join(".")}: ${i.message}` });
        return z.NEVER;
      }
      return parsed.data;
    }),
  /** `RPC_QUORUM`: how many of a chain's endpoints must answer alike ("all", the default, or a number). */
  rpcQuorum: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = v?.trim() || "all";
      if (value === "all") return "all" as const;
      if (/^[1-9][0-9]?$/.test(value)) return Number(value);
      ctx.addIssue({ code: "custom", message: 'must be "all" or a whole number of endpoints, e.g. 2' });
      return z.NEVER;
    }),
};

const rpcUrlMap = z.record(
  z.string().min(1),
  z
    .array(z.string().url("is not a URL"))
    .min(1, "needs at least one URL")
    .refine((urls) => new Set(urls).size === urls.length, "lists a URL twice (two identical URLs are one view)"),
);
