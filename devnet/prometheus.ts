/**
 * A real Prometheus (the `prometheus` binary, Debian package `prometheus`) scraping a running
 * devnet: `npm run devnet -- --prometheus` and the Prometheus integration test start it here.
 *
 * It gets the configuration an operator would generate (`monitor/prometheus-config.ts`) from the
 * devnet's manifest and a `services.json` naming the devnet's relayers and monitor, both written
 * into the devnet directory, with the repository's `monitor/alerts.yml` as its rules. Only the
 * interval differs: 1 s instead of 15 s, because devnet blocks are 1 s apart.
 *
 * It joins the devnet's ProcessGroup, so stopping the devnet stops it (before the services it
 * scrapes), and it keeps its data in the devnet directory, wiped with it.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { prometheusConfig, type Services } from "../monitor/prometheus-config.js";
import { PrerequisiteError } from "./infra.js";
import type { ManagedProcess, Probe, ProbeTarget } from "./processes.js";
import type { Devnet } from "./start.js";

export const ALERT_RULES = fileURLToPath(new URL("../monitor/alerts.yml", import.meta.url));

export interface DevnetPrometheus {
  /** Base URL of the web UI and HTTP API, e.g. http://127.0.0.1:41234 */
  url: string;
  configPath: string;
  process: ManagedProcess;
}

export function prometheusBinary(): string {
  try {
    return execFileSync("sh", ["-c", "command -v prometheus"], { encoding: "utf8" }).trim();
  } catch {
    throw new PrerequisiteError(
      "prometheus is not installed: install it (Debian/Ubuntu: `sudo apt-get install prometheus`).",
    );
  }
}

/** Where the devnet's relayers and monitor listen, in the generator's services format. */
export function devnetServices(devnet: Devnet): Services {
  const url = (port: number) => `http://127.0.0.1:${port}`;
  return {
    relayers: devnet.ports.relayers.map((port, i) => ({ name: `relayer-${i}`, url: url(port) })),
    monitors: devnet.monitor ? [{ name: "monitor", url: devnet.monitor.url }] : [],
  };
}

export async function startPrometheus(
  devnet: Devnet,
  options: { interval?: string; startTimeoutMs?: number } = {},
): Promise<DevnetPrometheus> {
  const binary = prometheusBinary();
  const dir = resolve(devnet.options.dir);
  const servicesPath = join(dir, "services.json");
  const configPath = join(dir, "prometheus.yml");
  writeFileSync(servicesPath, `${JSON.stringify(devnetServices(devnet), null, 2)}\n`);
  writeFileSync(
    configPath,
    prometheusConfig(devnet.manifest, devnetServices(devnet), {
      interval: options.interval ?? "1s",
      ruleFiles: [ALERT_RULES],
      generatedBy: `devnet/prometheus.ts from ${devnet.manifestPath} and ${servicesPath}`,
    }),
  );
  const process = await devnet.group.start({
    name: "prometheus",
    launch: (port) => ({
      command: binary,
      args: [
        `--config.file=${configPath}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${join(dir, "prometheus-data")}`,
        "--storage.tsdb.retention.time=1d",
      ],
    }),
    probe: (t) => probePrometheus(t, configPath),
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
  });
  const url = process.url;
  return { url, configPath, process };
}

/**
 * Is the Prometheus on `port` the one reading `configPath` (its own flags say so), and ready?
 * Two devnets' Prometheus differ by their config file, which lives in each devnet's directory.
 */
export async function probePrometheus({ port }: ProbeTarget, configPath: string): Promise<Probe> {
  const url = `http://127.0.0.1:${port}`;
  let flags: { data?: Record<string, string> };
  try {
    const res = await fetch(`${url}/api/v1/status/flags`, { signal: AbortSignal.timeout(2_000) });
    flags = (await res.json()) as typeof flags;
  } catch (e) {
    return { state: "starting", detail: (e as Error).message };
  }
  const config = flags.data?.["config.file"];
  if (config !== configPath) return { state: "foreign", detail: `a Prometheus reading ${config} answers on ${port}` };
  const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
  return ready?.ok ? { state: "ready" } : { state: "starting", detail: "/-/ready not yet 200" };
}
