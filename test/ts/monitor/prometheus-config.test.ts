/**
 * The monitoring files an operator deploys, checked offline with the real `promtool` (Debian
 * package `prometheus`, installed by .ci/run): the rules load, every alert has unit tests that
 * make it fire and keep it silent, the committed prometheus.yml is what the generator writes and
 * Prometheus accepts it, and the committed dashboards are what monitor/dashboards.ts renders.
 * Their queries are evaluated against a live Prometheus in test/integration/prometheus.test.ts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dashboardFiles, panelQueries } from "../../../monitor/dashboards.js";
import {
  generatorCommand,
  loadDeployment,
  loadServices,
  parseServices,
  prometheusConfig,
  PRODUCTION_INTERVAL,
  scrapedGuardians,
  ServicesError,
} from "../../../monitor/prometheus-config.js";

const EXAMPLE_MANIFEST = "monitor/example/manifest.json";
const EXAMPLE_SERVICES = "monitor/example/services.json";

/** Runs promtool; a missing binary fails the test with what to install (CI installs it). */
function promtool(...args: string[]): { ok: boolean; output: string } {
  const run = spawnSync("promtool", args, { encoding: "utf8" });
  if (run.error) {
    throw new Error(
      `promtool could not run (${run.error.message}): install the Debian package \`prometheus\` (apt-get install prometheus)`,
    );
  }
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

function expectPromtool(...args: string[]) {
  const { ok, output } = promtool(...args);
  if (!ok) expect.fail(`promtool ${args.join(" ")} failed:\n${output}`);
}

const alertNames = (rules: string) => [...rules.matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]!);

describe("alert rules (monitor/alerts.yml)", () => {
  const rules = readFileSync("monitor/alerts.yml", "utf8");
  const tests = readFileSync("monitor/alerts.test.yml", "utf8");

  it("load in Prometheus: promtool check rules", () => {
    expectPromtool("check", "rules", "monitor/alerts.yml");
  });

  it("pass their unit tests: promtool test rules monitor/alerts.test.yml", () => {
    expectPromtool("test", "rules", "monitor/alerts.test.yml");
  });

  it("cover what operators asked for, each with a summary and a runbook", () => {
    const names = alertNames(rules);
    expect(names).toEqual(
      expect.arrayContaining([
        "BridgeGatewayPaused",
        "BridgeForgedMessage",
        "BridgeSupplyBreach",
        "BridgeMessagesLate",
        "BridgeGuardianHeadroomLow",
        "BridgeRelayerDeadLetters",
        "BridgeRelayerWalletLow",
        "BridgeRpcHeadStale",
        "BridgeEscapeHatchUsed",
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
    const blocks = rules.split(/^\s*- alert: /m).slice(1);
    for (const block of blocks) {
      const name = block.split("\n")[0];
      expect(block, name).toMatch(/^\s+summary: /m);
      expect(block, name).toMatch(/^\s+runbook: /m);
      expect(block, name).toMatch(/severity: (page|warn)/);
    }
  });

  it("every alert has a unit test where it fires and one where it stays silent", () => {
    for (const name of alertNames(rules)) {
      expect(tests, `${name} firing case`).toContain(`ALERTS{alertname="${name}",alertstate="firing"`);
      expect(tests, `${name} silent case`).toMatch(new RegExp(`alertname: ${name}, exp_alerts: \\[\\] `));
    }
  });
});

describe("prometheus.yml generator (monitor/prometheus-config.ts)", () => {
  const example = () =>
    prometheusConfig(loadDeployment(EXAMPLE_MANIFEST), loadServices(EXAMPLE_SERVICES), {
      interval: PRODUCTION_INTERVAL,
      ruleFiles: ["alerts.yml"],
      generatedBy: generatorCommand(EXAMPLE_MANIFEST, EXAMPLE_SERVICES),
    });

  it("writes the committed monitor/prometheus.yml from the example deployment", () => {
    expect(readFileSync("monitor/prometheus.yml", "utf8")).toBe(example());
  });

  it("writes a configuration Prometheus accepts: promtool check config", () => {
    expectPromtool("check", "config", "monitor/prometheus.yml");
  });

  it("scrapes every guardian of the manifest and every relayer and monitor, each labelled", () => {
    const text = example();
    for (const g of loadDeployment(EXAMPLE_MANIFEST).guardianSet.guardians) {
      expect(text).toContain(`guardian: "${g.address}"`);
    }
    expect(text).toContain('- targets: ["guardian-a.example.org"]');
    // A guardian below a path prefix, over https: scheme and path per target.
    expect(text).toMatch(
      /- targets: \["guardian-b\.example\.net"\]\n\s+labels:\n.*\n\s+__scheme__: "https"\n\s+__metrics_path__: "\/portcullis\/metrics"/,
    );
    expect(text).toContain('relayer: "relayer-1"');
    expect(text).toContain('monitor: "monitor"');
    expect(text).toMatch(
      /job_name: "portcullis-guardian"[\s\S]*job_name: "portcullis-relayer"[\s\S]*job_name: "portcullis-monitor"/,
    );
    // Chain ids become the manifest's names.
    expect(text).toMatch(
      /source_labels: \["chain_id"\]\n\s+regex: "902"\n\s+target_label: "chain"\n\s+replacement: "l2b"/,
    );
  });

  it("also scrapes the directory's standby guardians, each guardian once", () => {
    const deployment = loadDeployment(EXAMPLE_MANIFEST);
    const standby = { address: "0x00000000000000000000000000000000000000F4" as const, url: "http://10.0.1.4:9200" };
    const guardians = scrapedGuardians({
      ...deployment,
      guardianDirectory: [...deployment.guardianSet.guardians, standby],
    });
    expect(guardians.map((g) => g.address)).toEqual([
      ...deployment.guardianSet.guardians.map((g) => g.address),
      standby.address,
    ]);
    const text = prometheusConfig({ ...deployment, guardianDirectory: [standby] }, loadServices(EXAMPLE_SERVICES), {
      interval: "15s",
      ruleFiles: [],
      generatedBy: "test",
    });
    expect(text).toContain('- targets: ["10.0.1.4:9200"]');
  });

  it("accepts a devnet-sized interval and absolute rule paths, and the result still checks", () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-promconfig-"));
    try {
      const config = join(dir, "prometheus.yml");
      writeFileSync(
        config,
        prometheusConfig(loadDeployment(EXAMPLE_MANIFEST), loadServices(EXAMPLE_SERVICES), {
          interval: "1s",
          ruleFiles: [join(process.cwd(), "monitor/alerts.yml")],
          generatedBy: "test",
        }),
      );
      expectPromtool("check", "config", config);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a services file without a monitor, naming the problem", () => {
    expect(() => parseServices({ relayers: [], monitors: [] }, "services.json")).toThrow(ServicesError);
    expect(() => parseServices({ relayers: [{ name: "r 0", url: "nope" }], monitors: [] }, "s.json")).toThrow(
      /s\.json is invalid:\n {2}relayers\.0\.name: .*\n {2}relayers\.0\.url: Invalid url\n {2}monitors: a deployment needs at least one monitor/,
    );
  });
});

describe("Grafana dashboards (monitor/dashboards/*.json)", () => {
  it("are the committed files, one per concern", async () => {
    const files = await dashboardFiles();
    expect([...files.keys()].sort()).toEqual(["guardians.json", "overview.json", "relayer.json", "security.json"]);
    expect(readdirSync("monitor/dashboards").sort()).toEqual([...files.keys()].sort());
    for (const [name, text] of files) expect(readFileSync(join("monitor/dashboards", name), "utf8"), name).toBe(text);
  });

  it("import as-is: a datasource variable, unique uids, every panel queried through it, no overlaps", () => {
    const uids = new Set<string>();
    for (const name of readdirSync("monitor/dashboards")) {
      const d = JSON.parse(readFileSync(join("monitor/dashboards", name), "utf8"));
      uids.add(d.uid);
      expect(d.templating.list[0]).toMatchObject({ name: "datasource", type: "datasource", query: "prometheus" });
      const cells = new Set<string>();
      for (const p of d.panels) {
        expect(p.datasource, `${name}: ${p.title}`).toEqual({ type: "prometheus", uid: "${datasource}" });
        expect(p.targets.length, `${name}: ${p.title}`).toBeGreaterThan(0);
        for (const t of p.targets) expect(t.expr, `${name}: ${p.title}`).toMatch(/\S/);
        const { x, y, w, h } = p.gridPos;
        for (let cx = x; cx < x + w; cx++)
          for (let cy = y; cy < y + h; cy++) {
            const cell = `${cx},${cy}`;
            expect(cells.has(cell), `${name}: ${p.title} overlaps`).toBe(false);
            cells.add(cell);
          }
      }
      // Every variable a query uses is defined (or is one of Grafana's own).
      const defined = new Set(d.templating.list.map((v: { name: string }) => v.name));
      for (const { panel, expr } of panelQueries(d, {})) {
        for (const [, v] of expr.matchAll(/\$\{?(\w+)\}?/g)) {
          expect(v!.startsWith("__") || defined.has(v!), `${name}: ${panel} uses $${v}`).toBe(true);
        }
      }
    }
    expect(uids.size).toBe(4);
  });

  it("panelQueries substitutes template variables as Grafana would", () => {
    const queries = panelQueries(
      { panels: [{ title: "p", targets: [{ expr: 'rate(x{a=~"$source"}[$__rate_interval]) + ${dest}' }] }] },
      { source: ".*", __rate_interval: "1m", dest: "1" },
    );
    expect(queries).toEqual([{ panel: "p", expr: 'rate(x{a=~".*"}[1m]) + 1' }]);
  });
});
