/**
 * Builds a `Monitor` from its configuration: the manifest (with the monitor's own RPC endpoints),
 * one viem public client and one wallet (the monitor's key) per gateway chain, a fresh metrics
 * registry. Kept apart from `index.ts` so tests can wire a monitor in-process with the same code.
 */
import { Registry } from "prom-client";
import { endpointClientsFor, publicClientFor, rpcUrlsOf, walletClientFor, withRpcUrls } from "../core/chains.js";
import { Gateway } from "../core/gateway.js";
import { nodeRpcFetch } from "../core/service/rpc-fetch.js";
import { gatewayChains, type Manifest } from "../core/manifest.js";
import { loadManifest } from "../core/manifest-file.js";
import type { Logger } from "../core/service/logger.js";
import type { Signer } from "../core/signer.js";
import type { MonitorConfig } from "./config.js";
import { Monitor, type MonitoredChain } from "./monitor.js";

export function monitoredChains(manifest: Manifest, account: Signer, pollingIntervalMs: number): MonitoredChain[] {
  const o = { pollingIntervalMs, fetchFn: nodeRpcFetch };
  return gatewayChains(manifest).map((info) => ({
    info,
    client: publicClientFor(info, o),
    wallet: walletClientFor(info, account, o),
    ...(rpcUrlsOf(info).length > 1
      ? {
          endpoints: endpointClientsFor(info, o).map((e) => ({
            label: e.label,
            gateway: new Gateway(info.gateway, e.client),
          })),
        }
      : {}),
  }));
}

export function createMonitor(
  config: MonitorConfig,
  logger: Logger,
  signer: Signer,
  manifest: Manifest = withRpcUrls(loadManifest(config.manifestPath), config.rpcUrls),
) {
  const registry = new Registry();
  // Receipts of the monitor's own transactions are polled at the block pace, not faster.
  const receiptPollingMs = Math.min(1_000, Math.max(100, config.pollIntervalMs));
  const monitor = new Monitor({
    settings: config,
    manifest,
    chains: monitoredChains(manifest, signer, receiptPollingMs),
    registry,
    logger,
  });
  return { monitor, registry, manifest };
}
