/**
 * The monitoring an operator deploys, against a real Prometheus (the `prometheus` binary)
 * scraping a full devnet (chains, guardians, relayers, monitor) with the generated configuration
 * and `monitor/alerts.yml`, at the devnet's 1 s interval:
 *
 *   - every scrape target is up;
 *   - every alert rule and every dashboard panel query evaluates without error through the HTTP
 *     API (dashboard template variables replaced as Grafana would);
 *   - after a transfer, the key panels return data;
 *   - in the key-compromise scenario (a forged message signed with stolen guardian keys), once the
 *     monitor has paused the gateway, "BridgeGatewayPaused" and "BridgeForgedMessage" fire.
 *
 * Run: npx vitest run --project integration test/integration/prometheus.test.ts
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { panelQueries } from "../../monitor/dashboards.js";
import { startPrometheus, type DevnetPrometheus } from "../../devnet/prometheus.js";
import { waitFor } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { chainOf, deliverSigned, forgeMessage, isPaused, sendTransfer, type Chain } from "./helpers/actors.js";

let dir: string;
let devnet: Devnet;
let prometheus: DevnetPrometheus;
let l2a: Chain;
let l2b: Chain;

/** What Grafana would put in for the dashboards' variables: every route and token. */
const GRAFANA_VALUES = {
  datasource: "prometheus",
  source: ".*",
  dest: ".*",
  token: ".*",
  __rate_interval: "1m",
  __interval: "1s",
  __range: "10m",
};

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

type ApiResponse<T> = { status: "success"; data: T } | { status: "error"; errorType: string; error: string };

async function api<T>(path: string, params: Record<string, string> = {}): Promise<ApiResponse<T>> {
  const url = `${prometheus.url}${path}?${new URLSearchParams(params)}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as ApiResponse<T>;
}

/** An instant query's result; fails the test with Prometheus' own error on a bad expression. */
async function query(expr: string): Promise<Sample[]> {
  const res = await api<{ resultType: string; result: Sample[] | [number, string] }>("/api/v1/query", {
    query: expr,
  });
  if (res.status !== "success") expect.fail(`${expr}\n  → ${res.errorType}: ${res.error}`);
  const { resultType, result } = res.data;
  if (resultType === "vector") return result as Sample[];
  // A scalar expression (e.g. time()): one unlabelled sample.
  return [{ metric: {}, value: result as [number, string] }];
}

interface RuleView {
  name: string;
  query: string;
  type: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
}

async function rules(): Promise<RuleView[]> {
  const res = await api<{ groups: { rules: RuleView[] }[] }>("/api/v1/rules");
  if (res.status !== "success") throw new Error(res.error);
  return res.data.groups.flatMap((g) => g.rules);
}

interface AlertView {
  labels: Record<string, string>;
  state: "pending" | "firing" | "inactive";
}

async function firing(): Promise<AlertView[]> {
  const res = await api<{ alerts: AlertView[] }>("/api/v1/alerts");
  if (res.status !== "success") throw new Error(res.error);
  return res.data.alerts.filter((a) => a.state === "firing");
}

function dashboards(): { file: string; model: { panels: { title: string; targets: { expr: string }[] }[] } }[] {
  return readdirSync("monitor/dashboards")
    .filter((f) => f.endsWith(".json"))
    .map((file) => ({ file, model: JSON.parse(readFileSync(join("monitor/dashboards", file), "utf8")) }));
}

const alertNames = () =>
  [...readFileSync("monitor/alerts.yml", "utf8").matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]!);

/** Polls generously: the devnet shares two cores with Prometheus. */
const until = (what: string, check: () => Promise<boolean>, timeoutMs = 120_000) =>
  waitFor(what, check, timeoutMs, 500);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-prometheus-"));
  devnet = await startDevnet({ dir });
  prometheus = await startPrometheus(devnet);
  l2a = chainOf(devnet.manifest, "l2a");
  l2b = chainOf(devnet.manifest, "l2b");
});

afterAll(async () => {
  await devnet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Prometheus scraping a devnet", () => {
  it("scrapes every guardian, relayer and the monitor, and every target is up", async () => {
    const expected = devnet.ports.guardians.length + devnet.ports.relayers.length + 1;
    type Target = { labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string };
    const targets = async () => {
      const res = await api<{ activeTargets: Target[] }>("/api/v1/targets", { state: "active" });
      if (res.status !== "success") throw new Error(res.error);
      return res.data.activeTargets;
    };
    await until("every target up", async () => {
      const t = await targets();
      return t.length === expected && t.every((x) => x.health === "up");
    }).catch(async (e: Error) => {
      const seen = (await targets()).map((t) => `${t.labels.job} ${t.scrapeUrl}: ${t.health} ${t.lastError}`);
      throw new Error(`${e.message}; targets:\n  ${seen.join("\n  ")}`);
    });
    const byJob = (job: string) => (t: Target) => t.labels.job === job;
    const all = await targets();
    expect(all.filter(byJob("portcullis-guardian")).map((t) => t.labels.guardian)).toEqual(
      expect.arrayContaining(devnet.manifest.guardianSet.guardians.map((g) => g.address)),
    );
    expect(all.filter(byJob("portcullis-relayer"))).toHaveLength(devnet.ports.relayers.length);
    expect(all.filter(byJob("portcullis-monitor"))).toHaveLength(1);
    expect(await query('up{job=~"portcullis-.*"} == 0')).toEqual([]);
  });

  it("loads every alert rule, and evaluates each rule and every dashboard query without error", async () => {
    // Before its first evaluation a rule reports Go's zero time, year 0001.
    await until("every rule evaluated", async () =>
      (await rules()).every((r) => !r.lastEvaluation.startsWith("0001-")),
    );
    const loaded = await rules();
    expect(loaded.map((r) => r.name).sort()).toEqual(alertNames().sort());
    for (const r of loaded)
      expect({ rule: r.name, health: r.health, error: r.lastError ?? "" }).toMatchObject({ health: "ok" });
    for (const r of loaded) await query(r.query);

    const queries = dashboards().flatMap(({ file, model }) =>
      panelQueries(model, GRAFANA_VALUES).map((q) => ({ ...q, file })),
    );
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries) {
      expect(q.expr, `${q.file}: ${q.panel}`).not.toMatch(/\$/);
      await query(q.expr);
    }
  });

  it("after a transfer, the key panels of every dashboard return data", async () => {
    const user = devnet.manifest.devKeys!.users[0] as Hex;
    await sendTransfer(devnet.manifest, l2a, l2b, "ALPHA", "5", user);
    await until(
      "the transfer executed, as Prometheus sees it",
      async () => (await query('sum(bridge_messages_executed_total{source="l2a",dest="l2b"}) >= 1')).length === 1,
    );
    // Rates over 5 minutes: the transfer stays in the window however slow this machine is.
    const values = { ...GRAFANA_VALUES, __rate_interval: "5m" };
    const key: Record<string, string[]> = {
      "overview.json": ["Sent, delivered, executed", "Pending messages", "Latency p50 / p95", "Locked vs minted"],
      "guardians.json": [
        "Quorum headroom",
        "Guardians up",
        "Time since last signature",
        "Signing lag behind the chain",
      ],
      "relayer.json": ["Queue depth", "Delivered per route", "Gas spent", "Wallet balance", "Delivery latency p95"],
      "security.json": ["Paused gateways", "Monitor alerts", "Chain head age", "Monitor key balance"],
    };
    for (const { file, model } of dashboards()) {
      const wanted = key[file] ?? [];
      const queries = panelQueries(model, values).filter((q) => wanted.includes(q.panel));
      expect(new Set(queries.map((q) => q.panel)), file).toEqual(new Set(wanted));
      for (const q of queries) {
        // Every query of a key panel returns at least one series with a number.
        await until(`${file}: "${q.panel}" returns data (${q.expr})`, async () =>
          (await query(q.expr)).some((s) => Number.isFinite(Number(s.value[1]))),
        );
      }
    }
    const [locked] = await query(`sum(max by (chain) (bridge_locked_tokens{token="ALPHA"}))`);
    expect(Number(locked!.value[1])).toBeGreaterThanOrEqual(5);
  });

  it("key compromise: once the monitor pauses the gateway, the paused and forged-message alerts fire", async () => {
    expect(await firing()).not.toContainEqual(
      expect.objectContaining({ labels: expect.objectContaining({ alertname: "BridgeGatewayPaused" }) }),
    );
    // Holders of `threshold` stolen guardian keys deliver a message l2a never sent: 50,000
    // ALPHA, above the fast limit, so it queues; the monitor vetoes it and pauses l2b.
    const attacker = privateKeyToAccount(generatePrivateKey()).address;
    const forged = await forgeMessage(devnet.manifest, l2a, l2b, "ALPHA", "50000", attacker, 1_000_000n);
    await deliverSigned(devnet.manifest, l2b, [forged], devnet.manifest.devKeys!.relayers[1] as Hex);
    await until("the monitor paused l2b", () => isPaused(l2b));

    const active =
      (alertname: string, labels: Record<string, string> = {}) =>
      async () =>
        (await firing()).some(
          (a) => a.labels.alertname === alertname && Object.entries(labels).every(([k, v]) => a.labels[k] === v),
        );
    await until("BridgeGatewayPaused firing for l2b", active("BridgeGatewayPaused", { chain: "l2b" }));
    await until("BridgeForgedMessage firing", active("BridgeForgedMessage", { kind: "forged_message" }));
    const alerts = await firing();
    expect(alerts.find((a) => a.labels.alertname === "BridgeGatewayPaused")!.labels).toMatchObject({
      chain: "l2b",
      severity: "page",
    });
    // l2a was not touched.
    expect(await isPaused(l2a)).toBe(false);
    expect(alerts.filter((a) => a.labels.alertname === "BridgeGatewayPaused")).toHaveLength(1);
  });
});
