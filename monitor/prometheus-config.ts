/**
 * Generates the Prometheus configuration for a deployment: one scrape job per service kind,
 * every target named, and the manifest's chain ids turned into chain names on the way in, so
 * dashboards and alerts speak `l2a` whatever service a series came from.
 *
 * Inputs:
 *   - the deployment manifest (`core/manifest.ts`): chains, and the guardians (current set and
 *     directory) with the URL each serves on (its /metrics is on the same origin);
 *   - a services file: where the relayers and monitors run, which only their operator knows
 *     (the manifest describes what is on chain and who signs, not the operator's hosts):
 *
 *       { "relayers": [{ "name": "relayer-0", "url": "http://10.0.0.5:9300" }],
 *         "monitors": [{ "name": "monitor", "url": "http://10.0.0.6:9100" }] }
 *
 * Command: `npx tsx scripts/monitoring.ts prometheus-config` (see there); the devnet writes both
 * files into its directory and calls `prometheusConfig` directly (`devnet/prometheus.ts`).
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { guardianSchema, ManifestError, manifestSchema } from "../core/manifest.js";

type Guardian = z.infer<typeof guardianSchema>;

export const JOBS = {
  guardian: "portcullis-guardian",
  relayer: "portcullis-relayer",
  monitor: "portcullis-monitor",
} as const;

const service = z.object({
  /** Shown as the `relayer` / `monitor` label of the target's series. */
  name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits and _ . : - only"),
  /** Base URL of the service; /metrics is scraped below it. */
  url: z.string().url(),
});

export const servicesSchema = z.object({
  relayers: z.array(service),
  monitors: z.array(service).min(1, "a deployment needs at least one monitor"),
});
export type Services = z.infer<typeof servicesSchema>;

/**
 * The part of a manifest the configuration depends on: its name, chains and guardians, current
 * (`guardianSet`) and standby (`guardianDirectory`, every guardian endpoint operators run).
 */
const deploymentSchema = manifestSchema
  .pick({ network: true, chains: true, guardianSet: true })
  .extend({ guardianDirectory: z.array(guardianSchema).optional() });
export type MonitoredDeployment = z.infer<typeof deploymentSchema>;

/** Every guardian to scrape: the current set, then the directory's others (standby, rotated in). */
export function scrapedGuardians(deployment: MonitoredDeployment): Guardian[] {
  const all = [...deployment.guardianSet.guardians, ...(deployment.guardianDirectory ?? [])];
  return all.filter((g, i) => all.findIndex((o) => o.address === g.address) === i);
}

/** Reads only what the configuration needs, so other manifest fields may change freely. */
export function loadDeployment(path: string): MonitoredDeployment {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ManifestError(`cannot read manifest ${path}: ${(e as Error).message}`);
  }
  const result = deploymentSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ManifestError(`${path} is invalid:\n  ${issues.join("\n  ")}`);
  }
  return result.data;
}

export class ServicesError extends Error {
  override name = "ServicesError";
}

export function parseServices(json: unknown, source = "services"): Services {
  const result = servicesSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ServicesError(`${source} is invalid:\n  ${issues.join("\n  ")}`);
  }
  return result.data;
}

export function loadServices(path: string): Services {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ServicesError(`cannot read services file ${path}: ${(e as Error).message}`);
  }
  return parseServices(json, path);
}

export interface PrometheusConfigOptions {
  /** How often every target is scraped and the rules evaluated (Prometheus duration). */
  interval: string;
  /** Rule files, relative to the written config file or absolute. */
  ruleFiles: string[];
  /** The command that produced the file, for its header. */
  generatedBy: string;
}

export const PRODUCTION_INTERVAL = "15s";

/** The header's command line for these inputs: what to run to regenerate the file. */
export function generatorCommand(manifest: string, services: string): string {
  return `npx tsx scripts/monitoring.ts prometheus-config --manifest ${manifest} --services ${services}`;
}

interface Target {
  url: string;
  labels: Record<string, string>;
}

interface Relabel {
  source_labels: string[];
  regex: string;
  target_label: string;
  replacement: string;
}

/** The prometheus.yml text for `manifest` and `services`. Deterministic: same input, same text. */
export function prometheusConfig(
  manifest: MonitoredDeployment,
  services: Services,
  options: PrometheusConfigOptions,
): string {
  const jobs = [
    scrapeJob(
      JOBS.guardian,
      scrapedGuardians(manifest).map((g) => ({ url: g.url, labels: { guardian: g.address } })),
      // Guardian metrics carry chain ids: add the chain's name beside each.
      [
        ...chainNames(manifest, "chain_id", "chain"),
        ...chainNames(manifest, "source_chain_id", "source"),
        ...chainNames(manifest, "dest_chain_id", "dest"),
      ],
    ),
    scrapeJob(
      JOBS.relayer,
      services.relayers.map((r) => ({ url: r.url, labels: { relayer: r.name } })),
      // Relayer metrics carry `chain` as a chain id and `route` as "<source id>-<dest id>".
      [
        ...chainNames(manifest, "chain", "chain"),
        ...chainNames(manifest, "route", "source", (id) => `${id}-\\d+`),
        ...chainNames(manifest, "route", "dest", (id) => `\\d+-${id}`),
      ],
    ),
    scrapeJob(
      JOBS.monitor,
      services.monitors.map((m) => ({ url: m.url, labels: { monitor: m.name } })),
      [],
    ),
  ];
  const chains = manifest.chains.map((c) => `${c.name}=${c.chainId}`).join(", ");
  const doc = {
    global: {
      scrape_interval: options.interval,
      evaluation_interval: options.interval,
      external_labels: { deployment: manifest.network },
    },
    rule_files: options.ruleFiles,
    scrape_configs: jobs,
  };
  return [
    `# Prometheus configuration for the Portcullis deployment "${manifest.network}" (chains: ${chains}).`,
    `# Generated by \`${options.generatedBy}\`: regenerate it rather than editing it.`,
    toYaml(doc),
  ].join("\n");
}

function scrapeJob(name: string, targets: Target[], relabels: Relabel[]) {
  return {
    job_name: name,
    static_configs: targets.map(staticConfig),
    ...(relabels.length > 0 ? { metric_relabel_configs: relabels } : {}),
  };
}

/** One target: scheme and path from its URL (a service may sit below a path prefix). */
function staticConfig(target: Target) {
  const url = new URL(target.url);
  const path = `${url.pathname.replace(/\/+$/, "")}/metrics`;
  return {
    targets: [url.host],
    labels: {
      ...target.labels,
      ...(url.protocol === "https:" ? { __scheme__: "https" } : {}),
      ...(path !== "/metrics" ? { __metrics_path__: path } : {}),
    },
  };
}

function chainNames(
  manifest: MonitoredDeployment,
  from: string,
  to: string,
  pattern: (chainId: number) => string = String,
): Relabel[] {
  return manifest.chains.map((c) => ({
    source_labels: [from],
    regex: pattern(c.chainId),
    target_label: to,
    replacement: c.name,
  }));
}

/**
 * A small YAML writer for the shapes above: maps, lists, strings, numbers. Strings are written
 * JSON-quoted, which YAML reads back verbatim (a label value like "on" or "1e3" stays a string).
 */
export function toYaml(value: unknown, indent = 0): string {
  return `${lines(value, indent).join("\n")}\n`;
}

function lines(value: unknown, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item) => {
      const [first, ...rest] = lines(item, indent + 2);
      return [`${pad}- ${first!.trimStart()}`, ...rest];
    });
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([key, v]) => {
      if (isScalar(v) || (Array.isArray(v) && v.length === 0) || isEmptyObject(v))
        return [`${pad}${key}: ${isScalar(v) ? scalar(v) : Array.isArray(v) ? "[]" : "{}"}`];
      if (Array.isArray(v) && v.every(isScalar)) return [`${pad}${key}: [${v.map(scalar).join(", ")}]`];
      return [`${pad}${key}:`, ...lines(v, indent + 2)];
    });
  }
  return [`${pad}${scalar(value)}`];
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

function isEmptyObject(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
}

function scalar(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new Error(`cannot write ${typeof v} as YAML`);
}
