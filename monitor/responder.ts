/**
 * The monitor's hands: `veto(msgId)` and `pause()` with its PAUSER/VETO key, nothing else.
 *
 * Idempotent by construction: before sending, it reads the gateway (`paused()`, the queued
 * message's status) and skips what is already paused or no longer queued, and it never sends a
 * second transaction for an action whose first one is still unconfirmed. A failed or reverted
 * action is forgotten, so the next poll retries it if the condition still holds.
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

/** Merges actions for the same target (several alerts can ask to pause one gateway). */
export function mergeActions(actions: readonly PlannedAction[]): PlannedAction[] {
  const merged = new Map<string, PlannedAction>();
  for (const a of actions) {
    const key = actionKey(a);
    const existing = merged.get(key);
    if (existing) existing.alerts.push(...a.alerts.filter((al) => !existing.alerts.includes(al)));
    else merged.set(key, { ...a, alerts: [...a.alerts] });
  }
  return [...merged.values()];
}

function actionKey(a: Pick<PlannedAction, "action" | "chainId" | "msgId">): string {
  return a.action === "pause" ? `pause:${a.chainId}` : `veto:${a.chainId}:${a.msgId?.toLowerCase()}`;
}

export class Responder {
  /** Actions sent and not yet confirmed or failed, by action key. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly gateways: ReadonlyMap<number, GatewayControl>,
    private readonly alerts: AlertLog,
    private readonly metrics: Pick<MonitorMetrics, "actions">,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends what `actions` still need. Resolves once every transaction is sent (not mined);
   * `settled()` waits for the outcomes.
   */
  async execute(actions: readonly PlannedAction[]): Promise<void> {
    const byChain = new Map<number, PlannedAction[]>();
    for (const a of mergeActions(actions)) {
      if (this.inFlight.has(actionKey(a))) continue;
      byChain.set(a.chainId, [...(byChain.get(a.chainId) ?? []), a]);
    }
    await Promise.all([...byChain].map(([chainId, list]) => this.executeOnChain(chainId, list)));
  }

  /** Waits for every sent action's outcome (used at shutdown and by tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight.values()]);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  private async executeOnChain(chainId: number, actions: PlannedAction[]): Promise<void> {
    const gateway = this.gateways.get(chainId);
    if (!gateway) {
      for (const a of actions) this.record(a, { status: "failed", reason: `no gateway for chain ${chainId}` }, "?");
      return;
    }
    let needed: PlannedAction[];
    let nonce: number;
    try {
      needed = await this.stillNeeded(gateway, actions);
      if (needed.length === 0) return;
      nonce = await gateway.pendingNonce();
    } catch (e) {
      // The next poll retries: the violation is still there and nothing was sent.
      this.logger.error({ chain: gateway.name, err: (e as Error).message }, "cannot prepare response; will retry");
      return;
    }
    needed.sort((a, b) => (a.action === b.action ? 0 : a.action === "pause" ? -1 : 1));
    await Promise.all(needed.map((a, i) => this.send(gateway, a, nonce + i)));
  }

  /** Drops what is already done on chain, recording why on the alerts. */
  private async stillNeeded(gateway: GatewayControl, actions: PlannedAction[]): Promise<PlannedAction[]> {
    const needed: PlannedAction[] = [];
    for (const a of actions) {
      if (a.action === "pause") {
        if (await gateway.paused()) this.record(a, { status: "skipped", reason: "already paused" }, gateway.name);
        else needed.push(a);
        continue;
      }
      const status = await gateway.queuedStatus(a.msgId!);
      if (status === MessageStatus.Queued) needed.push(a);
      else this.record(a, { status: "skipped", reason: `message is ${statusName(status)}` }, gateway.name);
    }
    return needed;
  }

  private async send(gateway: GatewayControl, a: PlannedAction, nonce: number): Promise<void> {
    const key = actionKey(a);
    let hash: Hex;
    try {
      hash = a.action === "pause" ? await gateway.sendPause(nonce) : await gateway.sendVeto(a.msgId!, nonce);
    } catch (e) {
      this.metrics.actions.inc({ action: a.action, chain: gateway.name, result: "failed" });
      this.record(a, { status: "failed", reason: (e as Error).message.split("\n")[0] }, gateway.name);
      this.logger.error(
        { chain: gateway.name, action: a.action, msgId: a.msgId, nonce, err: (e as Error).message },
        `${a.action} not sent`,
      );
      return;
    }
    this.metrics.actions.inc({ action: a.action, chain: gateway.name, result: "sent" });
    this.record(a, { status: "sent", txHash: hash }, gateway.name);
    this.logger.warn(
      { chain: gateway.name, action: a.action, msgId: a.msgId, nonce, txHash: hash },
      `${a.action} sent`,
    );
    const outcome = this.confirm(gateway, a, hash).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, outcome);
  }

  private async confirm(gateway: GatewayControl, a: PlannedAction, hash: Hex): Promise<void> {
    try {
      const { status, blockNumber } = await gateway.waitForOutcome(hash);
      const ok = status === "success";
      this.metrics.actions.inc({ action: a.action, chain: gateway.name, result: ok ? "confirmed" : "failed" });
      this.record(
        a,
        {
          status: ok ? "confirmed" : "failed",
          txHash: hash,
          blockNumber: blockNumber.toString(),
          ...(ok ? {} : { reason: "reverted" }),
        },
        gateway.name,
      );
      const log = {
        chain: gateway.name,
        action: a.action,
        msgId: a.msgId,
        txHash: hash,
        block: blockNumber.toString(),
      };
      if (ok) this.logger.warn(log, `${a.action} confirmed`);
      else this.logger.error(log, `${a.action} reverted`);
    } catch (e) {
      this.metrics.actions.inc({ action: a.action, chain: gateway.name, result: "failed" });
      this.record(a, { status: "failed", txHash: hash, reason: (e as Error).message.split("\n")[0] }, gateway.name);
    }
  }

  private record(a: PlannedAction, outcome: Omit<ActionRecord, "action" | "chain" | "msgId">, chain: string) {
    for (const alert of a.alerts) {
      this.alerts.recordAction(alert, { action: a.action, chain, ...(a.msgId ? { msgId: a.msgId } : {}), ...outcome });
    }
  }
}

function statusName(status: number): string {
  return (
    Object.entries(MessageStatus)
      .find(([, v]) => v === status)?.[0]
      .toLowerCase() ?? `status ${status}`
  );
}
