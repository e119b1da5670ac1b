/**
 * Builds a `Monitor` from its configuration: the manifest, one viem public client and one
 * wallet (the monitor's key) per gateway chain, a fresh metrics registry. Kept apart from
 * `index.ts` so tests can wire a monitor in-process with the same code.
 */
import { Registry } from "prom-client";
import { privateKeyToAccount } from "viem/accounts";
import { publicClientFor, walletClientFor } from "../core/chains.js";
import { gatewayChains, type Manifest } from "../core/manifest.js";
import { loadManifest } from "../core/manifest-file.js";
import type { Logger } from "../core/service/logger.js";
import type { MonitorConfig } from "./config.js";
import { Monitor, type MonitoredChain } from "./monitor.js";

export function monitoredChains(
  manifest: Manifest,
  monitorKey: `0x${string}`,
  pollingIntervalMs: number,
): MonitoredChain[] {
  const account = privateKeyToAccount(monitorKey);
  return gatewayChains(manifest).map((info) => ({
    info,
    client: publicClientFor(info, pollingIntervalMs),
    wallet: walletClientFor(info, account, pollingIntervalMs),
  }));
}

export function createMonitor(
  config: MonitorConfig,
  logger: Logger,
  manifest: Manifest = loadManifest(config.manifestPath),
) {
  const registry = new Registry();
  // Receipts of the monitor's own transactions are polled at the block pace, not faster.
  const receiptPollingMs = Math.min(1_000, Math.max(100, config.pollIntervalMs));
  const monitor = new Monitor({
    settings: config,
    manifest,
    chains: monitoredChains(manifest, config.monitorKey, receiptPollingMs),
    registry,
    logger,
  });
  return { monitor, registry, manifest };
}
