/**
 * Monitoring files for a deployment (see monitor/README.md, "Prometheus and Grafana"):
 *
 *   npx tsx scripts/monitoring.ts prometheus-config --manifest <manifest.json> --services <services.json>
 *       [--interval 15s] [--rules alerts.yml]... [--out prometheus.yml]
 *     The Prometheus configuration: every guardian of the manifest, every relayer and monitor of
 *     the services file, with the alert rules. Written to --out, else to stdout.
 *
 *   npx tsx scripts/monitoring.ts dashboards [--out monitor/dashboards]
 *     Rewrites the Grafana dashboards from monitor/dashboards.ts.
 *
 * Exit codes: 0 done, 2 on a bad argument or an invalid manifest or services file.
 */
import { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ManifestError } from "../core/manifest.js";
import { dashboardFiles } from "../monitor/dashboards.js";
import {
  generatorCommand,
  loadDeployment,
  loadServices,
  prometheusConfig,
  PRODUCTION_INTERVAL,
  ServicesError,
} from "../monitor/prometheus-config.js";

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const program = new Command("monitoring").description("Prometheus and Grafana files for a Portcullis deployment");

program
  .command("prometheus-config")
  .description("write prometheus.yml for a deployment")
  .requiredOption("--manifest <path>", "deployment manifest")
  .requiredOption(
    "--services <path>",
    'relayer and monitor endpoints: {"relayers":[{name,url}],"monitors":[{name,url}]}',
  )
  .option("--interval <duration>", "scrape and rule evaluation interval", PRODUCTION_INTERVAL)
  .option("--rules <file...>", "rule files, relative to the written config", ["alerts.yml"])
  .option("--out <path>", "write here instead of stdout")
  .action((o: { manifest: string; services: string; interval: string; rules: string[]; out?: string }) => {
    if (!/^\d+(ms|s|m|h)$/.test(o.interval)) fail(`--interval must be a duration like 15s, got "${o.interval}"`);
    let text: string;
    try {
      text = prometheusConfig(loadDeployment(o.manifest), loadServices(o.services), {
        interval: o.interval,
        ruleFiles: o.rules,
        generatedBy: generatorCommand(o.manifest, o.services),
      });
    } catch (e) {
      if (e instanceof ManifestError || e instanceof ServicesError) fail(e.message);
      throw e;
    }
    if (o.out) writeFileSync(o.out, text);
    else process.stdout.write(text);
  });

program
  .command("dashboards")
  .description("rewrite the Grafana dashboard JSON files")
  .option("--out <dir>", "directory", "monitor/dashboards")
  .action(async (o: { out: string }) => {
    mkdirSync(o.out, { recursive: true });
    for (const [name, text] of await dashboardFiles()) writeFileSync(join(o.out, name), text);
  });

await program.parseAsync();
