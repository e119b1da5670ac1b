/**
 * Alerts and the actions they trigger (monitor/alerts.ts, monitor/responder.ts) against an
 * in-memory gateway: a violation seen on every poll raises one alert and sends one veto and one
 * pause, never a second one while the first is in flight, never one for what is already
 * vetoed or paused; the pause and veto of one response go out together with consecutive nonces.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { keccak256, toHex, type Hex } from "viem";
import { Registry } from "prom-client";
import { createLogger } from "../../../core/service/logger.js";
import { AlertLog, type AlertInput } from "../../../monitor/alerts.js";
import {
  MessageStatus,
  type GatewayControl,
  type MessageStatusValue,
  type TxOutcome,
} from "../../../monitor/gateway.js";
import { MonitorMetrics } from "../../../monitor/metrics.js";
import { MAX_ATTEMPTS, Responder, type PlannedAction } from "../../../monitor/responder.js";

const logger = createLogger("test", "silent");
const MSG = keccak256(toHex("forged"));

/** A gateway in memory; transactions are mined when the test calls `mine()`. */
class FakeGateway implements GatewayControl {
  readonly name = "l2b";
  isPaused = false;
  statuses = new Map<Hex, MessageStatusValue>([[MSG, MessageStatus.Queued]]);
  nonce = 7;
  sent: { kind: "pause" | "veto"; nonce: number; msgId?: Hex }[] = [];
  failNextSend = false;
  private waiting: (() => void)[] = [];

  constructor(readonly chainId = 902) {}

  async paused() {
    return this.isPaused;
  }
  async queuedStatus(msgId: Hex) {
    return this.statuses.get(msgId) ?? MessageStatus.None;
  }
  async pendingNonce() {
    return this.nonce;
  }
  async sendPause(nonce: number) {
    return this.send({ kind: "pause", nonce });
  }
  async sendVeto(msgId: Hex, nonce: number) {
    return this.send({ kind: "veto", nonce, msgId });
  }
  private send(tx: { kind: "pause" | "veto"; nonce: number; msgId?: Hex }): Hex {
    if (this.failNextSend) {
      this.failNextSend = false;
      throw new Error("nonce too low");
    }
    this.sent.push(tx);
    this.nonce = Math.max(this.nonce, tx.nonce + 1);
    return keccak256(toHex(`${tx.kind}${tx.nonce}`));
  }
  waitForOutcome(): Promise<TxOutcome> {
    return new Promise((resolve) => this.waiting.push(() => resolve({ status: "success", blockNumber: 42n })));
  }
  /** Mines every sent transaction: applies its effect and confirms it. */
  mine() {
    for (const tx of this.sent) {
      if (tx.kind === "pause") this.isPaused = true;
      else this.statuses.set(tx.msgId!, MessageStatus.Vetoed);
    }
    for (const done of this.waiting.splice(0)) done();
  }
}

const forgedInput: AlertInput = {
  key: `forged:902:${MSG}`,
  kind: "forged_message",
  severity: "critical",
  summary: "forged",
  chain: "l2b",
  msgId: MSG,
  details: {},
};

async function alertCount(registry: Registry, kind: string): Promise<number> {
  const metric = await registry.getSingleMetric("bridge_alerts_total")!.get();
  return metric.values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

describe("AlertLog", () => {
  let registry: Registry;
  let alerts: AlertLog;
  beforeEach(() => {
    registry = new Registry();
    alerts = new AlertLog(new MonitorMetrics(registry), logger);
  });

  it("test_raise_sameKeyEveryPoll_raisesOnce", async () => {
    const first = alerts.raise(forgedInput);
    const again = alerts.raise({ ...forgedInput, summary: "seen again" });
    expect(first.isNew).toBe(true);
    expect(again.isNew).toBe(false);
    expect(again.alert).toBe(first.alert);
    expect(alerts.list()).toHaveLength(1);
    expect(await alertCount(registry, "forged_message")).toBe(1);
  });

  it("test_raise_afterResolve_raisesNewAlert", async () => {
    const first = alerts.raise({ ...forgedInput, kind: "guardian_down", key: "guardian:0x1" }).alert;
    alerts.resolve("guardian:0x1");
    expect(first.resolvedAt).toBeDefined();
    const second = alerts.raise({ ...forgedInput, kind: "guardian_down", key: "guardian:0x1" });
    expect(second.isNew).toBe(true);
    expect(second.alert.id).not.toBe(first.id);
    expect(await alertCount(registry, "guardian_down")).toBe(2);
  });

  it("test_recordAction_sameTarget_replacesRecordButKeepsConfirmed", () => {
    const { alert } = alerts.raise(forgedInput);
    alerts.recordAction(alert, { action: "pause", chain: "l2b", status: "failed", reason: "nonce too low" });
    alerts.recordAction(alert, { action: "pause", chain: "l2b", status: "sent", txHash: MSG });
    expect(alert.actions).toEqual([{ action: "pause", chain: "l2b", status: "sent", txHash: MSG }]);
    alerts.recordAction(alert, { action: "pause", chain: "l2b", status: "confirmed", txHash: MSG, blockNumber: "9" });
    alerts.recordAction(alert, { action: "pause", chain: "l2b", status: "skipped", reason: "already paused" });
    expect(alert.actions).toEqual([
      { action: "pause", chain: "l2b", status: "confirmed", txHash: MSG, blockNumber: "9" },
    ]);
  });
});

describe("Responder", () => {
  let gateway: FakeGateway;
  let alerts: AlertLog;
  let responder: Responder;
  let plan: () => PlannedAction[];

  beforeEach(() => {
    gateway = new FakeGateway();
    const metrics = new MonitorMetrics(new Registry());
    alerts = new AlertLog(metrics, logger);
    responder = new Responder(new Map([[gateway.chainId, gateway]]), alerts, metrics, logger);
    const { alert } = alerts.raise(forgedInput);
    plan = () => [
      { action: "veto", chainId: gateway.chainId, msgId: MSG, alerts: [alert] },
      { action: "pause", chainId: gateway.chainId, alerts: [alert] },
    ];
  });

  it("test_execute_vetoAndPause_sentTogetherPauseFirst", async () => {
    await responder.execute(plan());
    // Both sent before either is mined, with consecutive nonces: they can share a block.
    expect(gateway.sent).toEqual([
      { kind: "pause", nonce: 7 },
      { kind: "veto", nonce: 8, msgId: MSG },
    ]);
    gateway.mine();
    await responder.settled();
    const alert = alerts.list()[0]!;
    expect(alert.actions.map((a) => [a.action, a.status, a.blockNumber]).sort()).toEqual([
      ["pause", "confirmed", "42"],
      ["veto", "confirmed", "42"],
    ]);
  });

  it("test_execute_whileInFlight_sendsNothingMore", async () => {
    await responder.execute(plan());
    await responder.execute(plan());
    await responder.execute(plan());
    expect(gateway.sent).toHaveLength(2);
    gateway.mine();
    await responder.settled();
  });

  it("test_execute_afterConfirmed_neverRevetoesOrRepauses", async () => {
    await responder.execute(plan());
    gateway.mine();
    await responder.settled();
    await responder.execute(plan());
    expect(gateway.sent).toHaveLength(2);
    // What was done stays on record as done.
    expect(
      alerts
        .list()[0]!
        .actions.map((a) => [a.action, a.status])
        .sort(),
    ).toEqual([
      ["pause", "confirmed"],
      ["veto", "confirmed"],
    ]);
    expect(responder.outstanding).toBe(0);
  });

  it("test_execute_alreadyPausedAndExecuted_sendsNothing", async () => {
    gateway.isPaused = true;
    gateway.statuses.set(MSG, MessageStatus.Executed);
    await responder.execute(plan());
    expect(gateway.sent).toEqual([]);
    expect(
      alerts
        .list()[0]!
        .actions.map((a) => [a.action, a.status, a.reason])
        .sort(),
    ).toEqual([
      ["pause", "skipped", "already paused"],
      ["veto", "skipped", "message is executed"],
    ]);
  });

  it("test_execute_sendFails_retriedOnNextPollWithoutBeingAskedAgain", async () => {
    gateway.failNextSend = true;
    await responder.execute([plan()[1]!]);
    expect(gateway.sent).toEqual([]);
    expect(alerts.list()[0]!.actions[0]).toMatchObject({ action: "pause", status: "failed", reason: "nonce too low" });
    expect(responder.outstanding).toBe(1);
    await responder.execute();
    expect(gateway.sent).toEqual([{ kind: "pause", nonce: 7 }]);
    gateway.mine();
    await responder.settled();
    expect(responder.outstanding).toBe(0);
    expect(alerts.list()[0]!.actions[0]).toMatchObject({ action: "pause", status: "confirmed" });
  });

  it("test_execute_keepsFailing_givesUpAfterMaxAttempts", async () => {
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) {
      gateway.failNextSend = true;
      await responder.execute(i === 0 ? [plan()[1]!] : []);
    }
    expect(gateway.sent).toEqual([]);
    expect(responder.outstanding).toBe(0);
    expect(alerts.list()[0]!.actions[0]!.reason).toMatch(/gave up after 5 attempts/);
  });

  it("test_execute_twoAlertsPauseOneGateway_oneTransactionRecordedOnBoth", async () => {
    const forged = alerts.list()[0]!;
    const breach = alerts.raise({ ...forgedInput, key: "supply:ALPHA", kind: "supply_breach" }).alert;
    await responder.execute([{ action: "pause", chainId: gateway.chainId, alerts: [forged] }]);
    // The breach asks while the first pause is still in flight.
    await responder.execute([{ action: "pause", chainId: gateway.chainId, alerts: [breach] }]);
    expect(gateway.sent).toEqual([{ kind: "pause", nonce: 7 }]);
    gateway.mine();
    await responder.settled();
    for (const alert of [forged, breach]) {
      expect(alert.actions).toEqual([
        { action: "pause", chain: "l2b", status: "confirmed", txHash: expect.any(String), blockNumber: "42" },
      ]);
    }
  });
});
