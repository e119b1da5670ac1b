/**
 * The Grafana dashboards in `monitor/dashboards/*.json`, written from this one description so
 * every panel's query and layout stays consistent (`npx tsx scripts/monitoring.ts dashboards`
 * rewrites the files; a unit test checks they are up to date).
 *
 * Each file is a Grafana dashboard JSON model, importable as-is (Dashboards → New → Import, or
 * file provisioning). Queries go to the data source picked in the dashboard's `datasource`
 * variable (any Prometheus data source), so nothing needs editing on import. Series names are
 * the ones the generated Prometheus configuration produces (`monitor/prometheus-config.ts`):
 * chains by manifest name, guardians and relayers labelled by target.
 */
import { format } from "prettier";

export interface PanelTarget {
  expr: string;
  legendFormat: string;
}

interface PanelSpec {
  title: string;
  description: string;
  kind: "timeseries" | "stat" | "table";
  unit?: string;
  targets: PanelTarget[];
  /** Stat panels: value at or below which the panel turns red (e.g. quorum headroom 0). */
  redAtOrBelow?: number;
  /** Stat panels: value at or above which the panel turns red (e.g. paused = 1). */
  redAtOrAbove?: number;
}

interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  variables: Variable[];
  panels: PanelSpec[];
}

interface Variable {
  name: string;
  label: string;
  /** label_values(<metric>, <label>) */
  metric: string;
  labelName: string;
}

const q = (expr: string, legendFormat: string): PanelTarget => ({ expr, legendFormat });

/** Route and token filters: multi-select with "All", matched as regexes. */
const ROUTE = `source=~"$source",dest=~"$dest"`;
const TOKEN = `token=~"$token"`;
const routeVariables: Variable[] = [
  { name: "source", label: "source chain", metric: "bridge_messages_sent_total", labelName: "source" },
  { name: "dest", label: "destination chain", metric: "bridge_messages_sent_total", labelName: "dest" },
];

const flowRate = (metric: string, what: string) =>
  q(`sum by (source, dest) (rate(${metric}{${ROUTE}}[$__rate_interval]))`, `${what} {{source}}→{{dest}}`);
const latency = (quantile: number) =>
  q(
    `histogram_quantile(${quantile}, sum by (source, dest, le) (rate(bridge_message_latency_seconds_bucket{${ROUTE}}[$__rate_interval])))`,
    `p${quantile * 100} {{source}}→{{dest}}`,
  );

export const DASHBOARD_SPECS: readonly DashboardSpec[] = [
  {
    uid: "portcullis-overview",
    title: "Portcullis overview",
    description: "Per route: message flow, pending messages, end-to-end latency; per token: locked vs minted.",
    variables: [
      ...routeVariables,
      { name: "token", label: "token", metric: "bridge_locked_tokens", labelName: "token" },
    ],
    panels: [
      {
        title: "Sent, delivered, executed",
        description: "Messages per second per route: sent on the source, accepted and paid out on the destination.",
        kind: "timeseries",
        unit: "reqps",
        targets: [
          flowRate("bridge_messages_sent_total", "sent"),
          flowRate("bridge_messages_delivered_total", "delivered"),
          flowRate("bridge_messages_executed_total", "executed"),
        ],
      },
      {
        title: "Pending messages",
        description: "Sent but not yet delivered on the destination, per route.",
        kind: "timeseries",
        unit: "short",
        targets: [q(`max by (source, dest) (bridge_messages_pending{${ROUTE}})`, "{{source}}→{{dest}}")],
      },
      {
        title: "Latency p50 / p95",
        description: "Source send block time to destination execution block time, per route.",
        kind: "timeseries",
        unit: "s",
        targets: [latency(0.5), latency(0.95)],
      },
      {
        title: "Oldest pending message",
        description: "Age of the oldest undelivered message per route, against the monitor's SLO.",
        kind: "timeseries",
        unit: "s",
        targets: [
          q(`max by (source, dest) (bridge_oldest_pending_age_seconds{${ROUTE}})`, "{{source}}→{{dest}}"),
          q("max(bridge_pending_slo_seconds)", "SLO"),
        ],
      },
      {
        title: "Locked vs minted",
        description:
          "Per token: locked on its home gateway, minted copies on every other chain, and in flight. Minted must never exceed locked.",
        kind: "timeseries",
        unit: "short",
        targets: [
          q(`sum by (token) (max by (token, chain) (bridge_locked_tokens{${TOKEN}}))`, "locked {{token}}"),
          q(`sum by (token) (max by (token, chain) (bridge_minted_tokens{${TOKEN}}))`, "minted {{token}}"),
          q(`max by (token) (bridge_in_flight_tokens{${TOKEN}})`, "in flight {{token}}"),
        ],
      },
      {
        title: "Messages executed in range",
        description: "Messages paid out per route over the dashboard's time range.",
        kind: "table",
        unit: "short",
        targets: [
          q(
            `sum by (source, dest) (increase(bridge_messages_executed_total{${ROUTE}}[$__range]))`,
            "{{source}}→{{dest}}",
          ),
        ],
      },
    ],
  },
  {
    uid: "portcullis-guardians",
    title: "Portcullis guardians",
    description: "Guardian liveness as the monitor sees it, quorum headroom, and each guardian's own view and signing.",
    variables: [],
    panels: [
      {
        title: "Quorum headroom",
        description: "Guardians up minus the threshold. At 0 one more failure stops every delivery.",
        kind: "stat",
        unit: "short",
        targets: [q("sum(max by (guardian) (bridge_guardian_up)) - max(bridge_guardian_threshold)", "headroom")],
        redAtOrBelow: 0,
      },
      {
        title: "Guardians up",
        description: "1 when the guardian's /healthz answered ok on the monitor's last poll.",
        kind: "timeseries",
        unit: "short",
        targets: [
          q("max by (guardian) (bridge_guardian_up)", "{{guardian}}"),
          q("max(bridge_guardian_threshold)", "threshold"),
        ],
      },
      {
        title: "Time since last signature",
        description: "Seconds since each guardian last signed (as it reports to the monitor).",
        kind: "timeseries",
        unit: "s",
        targets: [q("time() - max by (guardian) (bridge_guardian_last_signed_timestamp_seconds > 0)", "{{guardian}}")],
      },
      {
        title: "Signing lag behind the chain",
        description: "How far each guardian's scanned block trails the chain head, per chain.",
        kind: "timeseries",
        unit: "s",
        targets: [q("max by (guardian, chain) (bridge_guardian_head_lag_seconds)", "{{guardian}} {{chain}}")],
      },
      {
        title: "Signatures and refusals",
        description: "Attestations signed per second, and message ids refused by reason.",
        kind: "timeseries",
        unit: "reqps",
        targets: [
          q("sum by (guardian) (rate(bridge_guardian_signatures_total[$__rate_interval]))", "signed {{guardian}}"),
          q(
            "sum by (guardian, reason) (rate(bridge_guardian_refusals_total[$__rate_interval]))",
            "refused {{guardian}} {{reason}}",
          ),
        ],
      },
      {
        title: "Pending approvals",
        description: "Large transfers waiting for each guardian operator's approval.",
        kind: "timeseries",
        unit: "short",
        targets: [q("max by (guardian) (bridge_guardian_pending_approvals)", "{{guardian}}")],
      },
    ],
  },
  {
    uid: "portcullis-relayer",
    title: "Portcullis relayer",
    description: "Queue depths, deliveries, failures, dead letters, gas spent and wallet balances.",
    variables: [],
    panels: [
      {
        title: "Queue depth",
        description: "Jobs per queue and state (the queues are shared by every relayer on one Redis).",
        kind: "timeseries",
        unit: "short",
        targets: [
          q(
            `max by (queue, state) (bridge_relayer_queue_jobs{state=~"waiting|active|delayed|prioritized"})`,
            "{{queue}} {{state}}",
          ),
        ],
      },
      {
        title: "Dead letters",
        description: "Messages the relayers gave up on. Anything above 0 needs a human.",
        kind: "stat",
        unit: "short",
        targets: [q(`max(sum by (instance) (bridge_relayer_queue_jobs{queue="dead-letter"}))`, "dead letters")],
        redAtOrAbove: 1,
      },
      {
        title: "Delivered per route",
        description: "Messages through delivery per second, by result (executed, queued, already processed).",
        kind: "timeseries",
        unit: "reqps",
        targets: [
          q(
            "sum by (source, dest, result) (rate(bridge_relayer_messages_delivered_total[$__rate_interval]))",
            "{{source}}→{{dest}} {{result}}",
          ),
        ],
      },
      {
        title: "Failures",
        description: "Failures per second by pipeline stage and reason (retried unless dead-lettered).",
        kind: "timeseries",
        unit: "reqps",
        targets: [
          q("sum by (stage, reason) (rate(bridge_relayer_failures_total[$__rate_interval]))", "{{stage}}: {{reason}}"),
        ],
      },
      {
        title: "Gas spent",
        description: "Fees paid by relayer transactions, ETH per hour, per chain.",
        kind: "timeseries",
        unit: "short",
        targets: [
          q("sum by (chain) (rate(bridge_relayer_gas_spent_wei_total[$__rate_interval])) * 3600 / 1e18", "{{chain}}"),
        ],
      },
      {
        title: "Wallet balance",
        description: "Each relayer's native balance per chain, in ETH.",
        kind: "timeseries",
        unit: "short",
        targets: [q("min by (relayer, chain) (bridge_relayer_wallet_balance_wei) / 1e18", "{{relayer}} {{chain}}")],
      },
      {
        title: "Delivery latency p95",
        description: "Observation of a message to its delivery being mined, per route.",
        kind: "timeseries",
        unit: "s",
        targets: [
          q(
            "histogram_quantile(0.95, sum by (source, dest, le) (rate(bridge_relayer_delivery_latency_seconds_bucket[$__rate_interval])))",
            "{{source}}→{{dest}}",
          ),
        ],
      },
    ],
  },
  {
    uid: "portcullis-security",
    title: "Portcullis security",
    description: "Paused gateways, vetoes, the monitor's alerts and actions, escapes, and firing Prometheus alerts.",
    variables: [],
    panels: [
      {
        title: "Paused gateways",
        description: "1 while a chain's gateway is paused. Only governance unpauses.",
        kind: "stat",
        targets: [q("max by (chain) (bridge_paused)", "{{chain}}")],
        redAtOrAbove: 1,
      },
      {
        title: "Firing alerts",
        description: "Portcullis alerts firing in Prometheus now (rules in monitor/alerts.yml).",
        kind: "table",
        targets: [
          q(`sum by (alertname, severity) (ALERTS{alertstate="firing",alertname=~"Bridge.*"})`, "{{alertname}}"),
        ],
      },
      {
        title: "Monitor alerts",
        description: "Alerts the monitor raised in the time range, by kind (forged_message, supply_breach, ...).",
        kind: "timeseries",
        unit: "short",
        targets: [q("sum by (kind) (increase(bridge_alerts_total[$__range]))", "{{kind}}")],
      },
      {
        title: "Vetoes",
        description: "Queued messages vetoed in the time range, per route.",
        kind: "timeseries",
        unit: "short",
        targets: [q("sum by (source, dest) (increase(bridge_messages_vetoed_total[$__range]))", "{{source}}→{{dest}}")],
      },
      {
        title: "Monitor actions",
        description: "Pause and veto transactions the monitor sent, by outcome.",
        kind: "timeseries",
        unit: "short",
        targets: [
          q(
            "sum by (action, chain, result) (increase(bridge_monitor_actions_total[$__range]))",
            "{{action}} {{chain}} {{result}}",
          ),
        ],
      },
      {
        title: "Escapes",
        description: "Escape-hatch exits in the time range: cancelled on the destination, refunded on the source.",
        kind: "timeseries",
        unit: "short",
        targets: [q("sum by (chain, stage) (increase(bridge_escapes_total[$__range]))", "{{chain}} {{stage}}")],
      },
      {
        title: "Unverified deliveries",
        description: "Deliveries the monitor could not yet check against their source, per destination.",
        kind: "timeseries",
        unit: "short",
        targets: [q("max by (chain) (bridge_monitor_unverified_messages)", "{{chain}}")],
      },
      {
        title: "Chain head age",
        description: "Age of the newest block the monitor sees per chain: a stale RPC blinds it.",
        kind: "timeseries",
        unit: "s",
        targets: [q("max by (chain) (bridge_chain_head_age_seconds)", "{{chain}}")],
      },
      {
        title: "Monitor key balance",
        description: "The monitor pays for pause and veto: its native balance per chain, in ETH.",
        kind: "timeseries",
        unit: "short",
        targets: [q("min by (chain) (bridge_monitor_balance_eth)", "{{chain}}")],
      },
    ],
  },
];

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

/** The Grafana JSON model of one dashboard. */
export function grafanaDashboard(spec: DashboardSpec): Record<string, unknown> {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ["portcullis"],
    editable: true,
    schemaVersion: 39,
    version: 1,
    time: { from: "now-1h", to: "now" },
    refresh: "30s",
    timezone: "",
    templating: {
      list: [
        {
          name: "datasource",
          label: "Prometheus",
          type: "datasource",
          query: "prometheus",
          current: {},
          hide: 0,
        },
        ...spec.variables.map((v) => ({
          name: v.name,
          label: v.label,
          type: "query",
          datasource: DATASOURCE,
          query: {
            query: `label_values(${v.metric}, ${v.labelName})`,
            refId: "PrometheusVariableQueryEditor-VariableQuery",
          },
          definition: `label_values(${v.metric}, ${v.labelName})`,
          refresh: 2,
          multi: true,
          includeAll: true,
          allValue: ".*",
          current: { selected: true, text: ["All"], value: ["$__all"] },
          sort: 1,
          hide: 0,
        })),
      ],
    },
    annotations: { list: [] },
    panels: spec.panels.map((p, i) => panel(p, i)),
  };
}

function panel(p: PanelSpec, index: number): Record<string, unknown> {
  const steps = [{ color: "green", value: null as number | null }];
  if (p.redAtOrBelow !== undefined)
    steps.splice(0, 1, { color: "red", value: null }, { color: "green", value: p.redAtOrBelow + 1 });
  if (p.redAtOrAbove !== undefined) steps.push({ color: "red", value: p.redAtOrAbove });
  return {
    id: index + 1,
    type: p.kind,
    title: p.title,
    description: p.description,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    fieldConfig: {
      defaults: {
        unit: p.unit ?? "short",
        thresholds: { mode: "absolute", steps },
        ...(p.kind === "stat" ? { color: { mode: "thresholds" } } : {}),
      },
      overrides: [],
    },
    options:
      p.kind === "stat"
        ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "background" }
        : p.kind === "table"
          ? { showHeader: true }
          : { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
    targets: p.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: t.expr,
      legendFormat: t.legendFormat,
      ...(p.kind === "table" ? { instant: true, format: "table" } : { range: true }),
    })),
  };
}

/**
 * Every dashboard file: name → JSON text, formatted as the repository's prettier formats JSON so
 * the committed files pass `npm run format:check` and compare equal to a fresh rendering.
 */
export async function dashboardFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const spec of DASHBOARD_SPECS) {
    const name = `${spec.uid.replace(/^portcullis-/, "")}.json`;
    files.set(name, await format(JSON.stringify(grafanaDashboard(spec)), { parser: "json", printWidth: 120 }));
  }
  return files;
}

/**
 * Every panel query of a dashboard JSON model, as Grafana would send it: template variables are
 * replaced by the values given (route filters by ".*", `$__rate_interval` by a duration).
 */
export function panelQueries(
  dashboard: { panels?: { title?: string; targets?: { expr?: string }[] }[] },
  values: Record<string, string>,
): { panel: string; expr: string }[] {
  return (dashboard.panels ?? []).flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      panel: p.title ?? "(untitled)",
      expr: (t.expr ?? "").replace(/\$\{?(\w+)\}?/g, (whole, name: string) => values[name] ?? whole),
    })),
  );
}
