/**
 * The deployment this page talks to, fetched at start-up from the server that served the page
 * (`/config.json`, written by the explorer from the manifest: chains, RPC URLs, gateways, tokens,
 * never keys). Nothing about a deployment is baked into the build.
 */
import { publicConfigSchema, type PublicConfig } from "../../core/public-config.js";
import type { GatewayChain, Manifest, TokenInfo } from "@portcullis/sdk";
import type { Address } from "viem";

export type { GatewayChain };

export interface AppConfig extends PublicConfig {
  /** The L2s, each with a gateway: the chains a transfer goes between. */
  l2s: GatewayChain[];
  /** The explorer's base URL, without a trailing slash. */
  explorer: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export async function loadConfig(url = "/config.json"): Promise<AppConfig> {
  let json: unknown;
  try {
    const res = await fetch(url, { cache: "no-store" });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    json = await res.json();
  } catch (e) {
    throw new ConfigError(
      `Could not load the deployment from ${url} (${(e as Error).message}); is the explorer running?`,
    );
  }
  const parsed = publicConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new ConfigError(`The deployment served at ${url} is invalid: ${issues}.`);
  }
  const config = parsed.data;
  return {
    ...config,
    l2s: config.manifest.chains.filter((c): c is GatewayChain => c.gateway !== undefined),
    explorer: (config.explorerUrl ?? window.location.origin).replace(/\/+$/, ""),
  };
}

export function chainName(manifest: Manifest, chainId: number | bigint): string {
  return manifest.chains.find((c) => c.chainId === Number(chainId))?.name ?? `chain ${chainId}`;
}

export function tokenOn(token: TokenInfo, chainId: number): Address | undefined {
  return token.addresses[String(chainId)];
}
