/**
 * The monitor's alert list: what it saw, why it matters, and what it did about it. Served as
 * JSON at GET /alerts, logged as structured lines, and counted in `bridge_alerts_total{kind}`.
 *
 * Alerts are keyed by what they are about (`forged:<chain>:<msgId>`, `supply:<token>`, ...), so
 * seeing the same violation on every poll raises it once. A condition that can clear (a
 * guardian back up, supply healthy again) is `resolve`d, and raises a new alert if it recurs.
 */
import type { Hex } from "viem";
import type { Logger } from "../core/service/logger.js";
import type { AlertKind, MonitorMetrics } from "./metrics.js";

export type Severity = "critical" | "warning";

/** One veto or pause taken (or deliberately not taken) because of an alert. */
export interface ActionRecord {
  action: "pause" | "veto";
  chain: string;
  msgId?: Hex;
  status: "sent" | "confirmed" | "failed" | "skipped";
  txHash?: Hex;
  blockNumber?: string;
  /** Why it was skipped or failed. */
  reason?: string;
}

export interface Alert {
  /** Sequential, unique within this process. */
  id: number;
  key: string;
  kind: AlertKind;
  severity: Severity;
  summary: string;
  chain?: string;
  msgId?: Hex;
  token?: string;
  details: Record<string, unknown>;
  raisedAt: string;
  resolvedAt?: string;
  actions: ActionRecord[];
}

export type AlertInput = Omit<Alert, "id" | "raisedAt" | "actions" | "resolvedAt">;

/** Most alerts kept for /alerts; older ones remain in the logs. */
const MAX_ALERTS = 1_000;

export class AlertLog {
  private readonly alerts: Alert[] = [];
  private readonly open = new Map<string, Alert>();
  private nextId = 1;

  constructor(
    private readonly metrics: Pick<MonitorMetrics, "alerts">,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Raises `input` unless an alert with its key is already open; returns the open alert. */
  raise(input: AlertInput): { alert: Alert; isNew: boolean } {
    const existing = this.open.get(input.key);
    if (existing) return { alert: existing, isNew: false };
    const alert: Alert = { id: this.nextId++, ...input, raisedAt: this.now().toISOString(), actions: [] };
    this.open.set(alert.key, alert);
    this.alerts.push(alert);
    if (this.alerts.length > MAX_ALERTS) this.alerts.shift();
    this.metrics.alerts.inc({ kind: alert.kind });
    const log = {
      alertId: alert.id,
      kind: alert.kind,
      key: alert.key,
      chain: alert.chain,
      msgId: alert.msgId,
      token: alert.token,
      ...alert.details,
    };
    if (alert.severity === "critical") this.logger.error(log, `ALERT ${alert.kind}: ${alert.summary}`);
    else this.logger.warn(log, `alert ${alert.kind}: ${alert.summary}`);
    return { alert, isNew: true };
  }

  isOpen(key: string): boolean {
    return this.open.has(key);
  }

  /** Closes the alert with `key` (its condition cleared); a recurrence raises a new one. */
  resolve(key: string): void {
    const alert = this.open.get(key);
    if (!alert) return;
    this.open.delete(key);
    alert.resolvedAt = this.now().toISOString();
    this.logger.info({ alertId: alert.id, kind: alert.kind, key }, `resolved ${alert.kind}: ${alert.summary}`);
  }

  /**
   * Attaches (or updates, matched by action, chain and msgId) what was done about an alert. A
   * confirmed action stays on record as confirmed when a later poll finds nothing left to do.
   */
  recordAction(alert: Alert, record: ActionRecord): void {
    const i = alert.actions.findIndex(
      (a) => a.action === record.action && a.chain === record.chain && a.msgId === record.msgId,
    );
    if (i < 0) alert.actions.push({ ...record });
    else if (!(alert.actions[i]!.status === "confirmed" && record.status === "skipped"))
      alert.actions[i] = { ...record };
  }

  /** Every alert kept, oldest first. */
  list(): readonly Alert[] {
    return this.alerts;
  }
}
