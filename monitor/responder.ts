/**
 * The monitor's hands: `veto(msgId)` and `pause()` with its PAUSER/VETO key, nothing else.
 *
 * Idempotent by construction: before sending, it reads the gateway (`paused()`, the queued
 * message's status) and skips what is already paused or no longer queued, and it never sends a
 * second transaction for an action whose first one is still unconfirmed. An action stands until
 * it is confirmed or found unnecessary: a failed send or a revert is retried on the next poll,
 * up to `MAX_ATTEMPTS` times (a key that lost its role must not burn gas forever).
 *
 * Fast: every transaction of a response is signed with an explicit nonce and fixed gas and sent
 * without waiting for the previous one, so a chain's pause and veto land in the same block when
 * the chain allows. Pause goes first: it stops every execution at once, the veto only one.
 */
import type { Hex } from "viem";
import type { Logger } from "../core/service/logger.js";
import type { ActionRecord, Alert, AlertLog } from "./alerts.js";
import { MessageStatus, type GatewayControl } from "./gateway.js";
import type { MonitorMetrics } from "./metrics.js";

export interface PlannedAction {
  action: "pause" | "veto";
  chainId: number;
  msgId?: Hex;
  /** The alerts this action answers; its outcome is recorded on each. */
  alerts: Alert[];
}

function actionKey(a: Pick<PlannedAction, "action" | "chainId" | "msgId">): string {
  return a.action === "pause" ? `pause:${a.chainId}` : `veto:${a.chainId}:${a.msgId?.toLowerCase()}`;
}

/** Failed attempts (send errors, reverts) after which an action is given up and left to humans. */
export const MAX_ATTEMPTS = 5;

export class Responder {
  /**
   * Actions asked for and not yet done: retried on every `execute` until confirmed, found
   * unnecessary on chain, or failed `MAX_ATTEMPTS` times.
   */
  private readonly standing = new Map<string, PlannedAction>();
  /** Actions sent and not yet confirmed or failed, by action key. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly gateways: ReadonlyMap<number, GatewayControl>,
    private readonly alerts: AlertLog,
    private readonly metrics: Pick<MonitorMetrics, "actions">,
    private readonly logger: Logger,
  ) {}

  /**
   * Adds `actions` to the standing ones and sends what each still needs. Resolves once every
   * transaction is sent (not mined); `settled()` waits for the outcomes.
   */
  async execute(actions: readonly PlannedAction[] = []): Promise<void> {
    for (const a of actions) this.stand(a);
    const byChain = new Map<number, PlannedAction[]>();
    for (const [key, a] of this.standing) {
      if (this.inFlight.has(key)) continue;
      byChain.set(a.chainId, [...(byChain.get(a.chainId) ?? []), a]);
    }
    await Promise.all([...byChain].map(([chainId, list]) => this.executeOnChain(chainId, list)));
  }

  /**
   * Adds an action, or attaches its alerts to the same standing action (several alerts can ask
   * to pause one gateway: one transaction answers them all). In place, so an action already in
   * flight records its outcome on the new alerts too.
   */
  private stand(a: PlannedAction) {
    const existing = this.standing.get(actionKey(a));
    if (!existing) {
      this.standing.set(actionKey(a), { ...a, alerts: [...a.alerts] });
      return;
    }
    for (const alert of a.alerts) if (!existing.alerts.includes(alert)) existing.alerts.push(alert);
  }

  /** Waits for every sent action's outcome (used at shutdown and by tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight.values()]);
  }

  /** Actions not done yet: sent and unconfirmed, or waiting for a retry. */
  get outstanding(): number {
    return this.standing.size;
  }

  private async executeOnChain(chainId: number, actions: PlannedAction[]): Promise<void> {
    const gateway = this.gateways.get(chainId);
    if (!gateway) {
      for (const a of actions)
        this.finish(a, { status: "failed", reason: `no gateway for chain ${chainId}` }, String(chainId));
      return;
    }
    let needed: PlannedAction[];
    let nonce: number;
    try {
      // The nonce is read alongside the checks (wasted only when nothing turns out needed).
      [needed, nonce] = await Promise.all([this.stillNeeded(gateway, actions), gateway.pendingNonce()]);
    } catch (e) {
      // Nothing was sent; the standing actions are retried on the next poll.
      this.logger.error({ chain: gateway.name, err: errorLine(e) }, "cannot prepare response; will retry");
      return;
    }
    needed.sort((a, b) => (a.action === b.action ? 0 : a.action === "pause" ? -1 : 1));
    await Promise.all(needed.map((a, i) => this.send(gateway, a, nonce + i)));
  }

  /** Drops what is already done on chain, recording why on the alerts. */
  private async stillNeeded(gateway: GatewayControl, actions: PlannedAction[]): Promise<PlannedAction[]> {
    const done = await Promise.all(
      actions.map(async (a): Promise<string | undefined> => {
        if (a.action === "pause") return (await gateway.paused()) ? "already paused" : undefined;
        const status = await gateway.queuedStatus(a.msgId!);
        return status === MessageStatus.Queued ? undefined : `message is ${statusName(status)}`;
      }),
    );
    actions.forEach((a, i) => {
      if (done[i] !== undefined) this.finish(a, { status: "skipped", reason: done[i] }, gateway.name);
    });
    return actions.filter((_, i) => done[i] === undefined);
  }

  private async send(gateway: GatewayControl, a: PlannedAction, nonce: number): Promise<void> {
    let hash: Hex;
    try {
      hash = a.action === "pause" ? await gateway.sendPause(nonce) : await gateway.sendVeto(a.msgId!, nonce);
    } catch (e) {
      this.failed(gateway, a, { reason: errorLine(e) });
      return;
    }
    this.metrics.actions.inc({ action: a.action, chain: gateway.name, result: "sent" });
    this.record(a, { status: "sent", txHash: hash }, gateway.name);
    this.logger.warn(
      { chain: gateway.name, action: a.action, msgId: a.msgId, nonce, txHash: hash },
      `${a.action} sent`,
    );
    const key = actionKey(a);
    this.inFlight.set(
      key,
      this.confirm(gateway, a, hash).finally(() => this.inFlight.delete(key)),
    );
  }

  private async confirm(gateway: GatewayControl, a: PlannedAction, hash: Hex): Promise<void> {
    let outcome;
    try {
      outcome = await gateway.waitForOutcome(hash);
    } catch (e) {
      this.failed(gateway, a, { txHash: hash, reason: errorLine(e) });
      return;
    }
    const blockNumber = outcome.blockNumber.toString();
    if (outcome.status !== "success") {
      this.failed(gateway, a, { txHash: hash, blockNumber, reason: "reverted" });
      return;
    }
    this.metrics.actions.inc({ action: a.action, chain: gateway.name, result: "confirmed" });
    this.finish(a, { status: "confirmed", txHash: hash, blockNumber }, gateway.name);
    this.logger.warn(
      { chain: gateway.name, action: a.action, msgId: a.msgId, txHash: hash, block: blockNumber },
      `${a.action} confirmed`,
    );
  }

  /** A failed attempt: retried on the next poll, up to `MAX_ATTEMPTS`. */
  private failed(
    gateway: GatewayControl,
    a: PlannedAction,
    outcome: Omit<ActionRecord, "action" | "chain" | "msgId" | "status">,
  ) {
    const key = actionKey(a);
    const attempts = (this.failures.get(key) ?? 0) + 1;
    this.metrics.actions.inc({ action: a.action, chain: gateway.name, result: "failed" });
    const log = { chain: gateway.name, action: a.action, msgId: a.msgId, attempts, ...outcome };
    if (attempts < MAX_ATTEMPTS) {
      this.failures.set(key, attempts);
      this.record(a, { status: "failed", ...outcome }, gateway.name);
      this.logger.error(log, `${a.action} failed; will retry`);
      return;
    }
    this.finish(
      a,
      { status: "failed", ...outcome, reason: `gave up after ${attempts} attempts: ${outcome.reason}` },
      gateway.name,
    );
    this.logger.fatal(log, `${a.action} failed ${attempts} times; giving up — act by hand`);
  }

  /** The action is settled one way or another: it stops being retried. */
  private finish(a: PlannedAction, outcome: Omit<ActionRecord, "action" | "chain" | "msgId">, chain: string) {
    this.standing.delete(actionKey(a));
    this.failures.delete(actionKey(a));
    this.record(a, outcome, chain);
  }

  private record(a: PlannedAction, outcome: Omit<ActionRecord, "action" | "chain" | "msgId">, chain: string) {
    for (const alert of a.alerts) {
      this.alerts.recordAction(alert, { action: a.action, chain, ...(a.msgId ? { msgId: a.msgId } : {}), ...outcome });
    }
  }
}

function errorLine(e: unknown): string {
  return ((e as Error).message ?? String(e)).split("\n")[0]!;
}

function statusName(status: number): string {
  return (
    Object.entries(MessageStatus)
      .find(([, v]) => v === status)?.[0]
      .toLowerCase() ?? `status ${status}`
  );
}
