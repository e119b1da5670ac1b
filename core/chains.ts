/**
 * viem clients for the chains of a manifest. One place builds them, so every service agrees.
 *
 * A chain may be read through several JSON-RPC endpoints (`rpcUrls` in the manifest, or a
 * service's own `RPC_URLS`): `publicClientFor` and `walletClientFor` then fail over between them
 * (availability: what the relayer and the CLI need), while `endpointClientsFor` gives one client
 * per endpoint so a service can make them check each other (the guardian's quorum, the
 * monitor's origin check).
 */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  fallback,
  http,
  type Account,
  type Chain,
  type HttpTransport,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { ConfigError } from "./service/config.js";
import type { ChainInfo, Manifest } from "./manifest.js";

export function viemChain(info: ChainInfo): Chain {
  return defineChain({
    id: info.chainId,
    name: info.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: rpcUrlsOf(info) } },
  });
}

/** The endpoints a chain is read through, in order of preference. */
export function rpcUrlsOf(info: ChainInfo): string[] {
  return info.rpcUrls ?? [info.rpcUrl];
}

/**
 * An endpoint as logs and metric labels name it: host and port only, because providers put API
 * keys in paths and query strings.
 */
export function endpointLabel(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "invalid-url";
  }
}

/** How a service's clients poll and send. */
export interface ClientOptions {
  /** How often viem polls (receipts, watched blocks); default 250 ms. */
  pollingIntervalMs?: number;
  /**
   * The `fetch` JSON-RPC goes out with (default: the global one). Node services pass
   * `nodeRpcFetch` (core/service/rpc-fetch.ts); this module stays importable in a browser.
   */
  fetchFn?: typeof fetch;
}

/**
 * Reads go out as JSON-RPC batches: concurrent calls made in the same tick share one HTTP
 * request (the guardian checks every message of a block against the gateway; one round trip per
 * message would dominate its latency).
 */
function readTransport(url: string, fetchFn: typeof fetch | undefined): HttpTransport {
  return http(url, { retryCount: 2, timeout: 10_000, batch: { batchSize: 256, wait: 0 }, fetchFn });
}

function failover<T extends Transport>(transports: T[]): Transport {
  return transports.length === 1 ? transports[0]! : fallback(transports, { rank: false });
}

export function publicClientFor(info: ChainInfo, o: ClientOptions = {}): PublicClient {
  return createPublicClient({
    chain: viemChain(info),
    transport: failover(rpcUrlsOf(info).map((url) => readTransport(url, o.fetchFn))),
    pollingInterval: o.pollingIntervalMs ?? 250,
  }) as PublicClient;
}

/** One client per endpoint of `info`, each labelled for logs (see `endpointLabel`). */
export function endpointClientsFor(
  info: ChainInfo,
  o: ClientOptions = {},
): { url: string; label: string; client: PublicClient }[] {
  return rpcUrlsOf(info).map((url) => ({
    url,
    label: endpointLabel(url),
    client: createPublicClient({
      chain: viemChain(info),
      transport: readTransport(url, o.fetchFn),
      pollingInterval: o.pollingIntervalMs ?? 250,
    }) as PublicClient,
  }));
}

export type ChainWallet = WalletClient<Transport, Chain, Account>;

export function walletClientFor(info: ChainInfo, account: Account, o: ClientOptions = {}): ChainWallet {
  return createWalletClient({
    chain: viemChain(info),
    account,
    transport: failover(
      rpcUrlsOf(info).map((url) => http(url, { retryCount: 2, timeout: 10_000, fetchFn: o.fetchFn })),
    ),
    pollingInterval: o.pollingIntervalMs ?? 250,
  });
}

/**
 * The manifest with a service's own endpoints (`RPC_URLS`, by chain name or id) in place of
 * the deployment's. Unknown chains are refused, so a typo cannot silently leave a chain on the
 * shared endpoints.
 */
export function withRpcUrls(manifest: Manifest, overrides: Readonly<Record<string, readonly string[]>>): Manifest {
  const unknown = Object.keys(overrides).filter(
    (key) => !manifest.chains.some((c) => c.name === key || String(c.chainId) === key),
  );
  if (unknown.length > 0) {
    const known = manifest.chains.map((c) => c.name).join(", ");
    throw new ConfigError(`RPC_URLS names chains the manifest does not have: ${unknown.join(", ")} (known: ${known})`);
  }
  return {
    ...manifest,
    chains: manifest.chains.map((c) => {
      const urls = overrides[c.name] ?? overrides[String(c.chainId)];
      return urls ? { ...c, rpcUrls: [...urls] } : c;
    }),
  };
}
