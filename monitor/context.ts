/**
 * What every part of the monitor shares: the manifest and settings, the alert log, the metrics,
 * a logger, the clock, and how chains and routes are named in alerts and metric labels. Built
 * once by `Monitor`; the checks and the ingestion take it instead of reaching into the monitor.
 */
import type { Manifest } from "../core/manifest.js";
import { chainById } from "../core/manifest.js";
import type { Logger } from "../core/service/logger.js";
import type { AlertLog } from "./alerts.js";
import type { MonitorMetrics } from "./metrics.js";

export interface MonitorSettings {
  pollIntervalMs: number;
  pendingSloSeconds: number;
  guardianPollMs: number;
  staleAfterSeconds: number;
}

export interface MonitorContext {
  readonly manifest: Manifest;
  readonly settings: MonitorSettings;
  readonly alerts: AlertLog;
  readonly metrics: MonitorMetrics;
  readonly logger: Logger;
  /** Wall clock in ms. */
  now(): number;
}

/** A chain's manifest name, or its id when the manifest does not know it. */
export function chainName(manifest: Manifest, chainId: number | bigint | undefined): string {
  if (chainId === undefined) return "unknown";
  try {
    return chainById(manifest, chainId).name;
  } catch {
    return String(chainId);
  }
}

/** The `{source, dest}` labels of a route's metrics. */
export function routeLabels(manifest: Manifest, source: number | bigint | undefined, dest: number | bigint) {
  return { source: chainName(manifest, source), dest: chainName(manifest, dest) };
}

/** First line of an error, for log fields. */
export function errorLine(e: unknown): string {
  return ((e as Error).message ?? String(e)).split("\n")[0]!;
}
