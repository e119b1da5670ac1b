/**
 * The monitor's decisions, one check at a time, with in-memory gateways (no chain, no process):
 *   - origin: a forged queued delivery is vetoed and its gateway paused — unless governance
 *     unpaused after it (a restart rescanning reviewed history); a source that cannot be asked
 *     keeps the delivery waiting, never concludes;
 *   - solvency: a breach in the scanned reading is re-read at the latest block before anything
 *     is paused; a confirmed breach pauses every gateway;
 *   - delivery: a late message is confirmed with its destination first (queued there → marked,
 *     cancelled → completed, nonce held by another message → alert with a note);
 *   - guardians: a rotation is followed and a guardian down below the threshold is critical.
 */
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { zeroHash, type Address, type Hex } from "viem";
import { messageId } from "../../../core/message.js";
import { AlertLog } from "../../../monitor/alerts.js";
import { GuardianCheck } from "../../../monitor/checks/guardians.js";
import { OriginCheck, type DeliveryToVerify } from "../../../monitor/checks/origin.js";
import { DeliveryCheck } from "../../../monitor/checks/pending.js";
import { SolvencyCheck, type SupplySource } from "../../../monitor/checks/supply.js";
import type { MonitorContext } from "../../../monitor/context.js";
import { ChainGateway, MessageStatus, type MessageStatusValue } from "../../../monitor/gateway.js";
import { MessageLedger } from "../../../monitor/ledger.js";
import { MonitorMetrics } from "../../../monitor/metrics.js";
import type { PlannedAction } from "../../../monitor/responder.js";
import { guardianAccounts, L2A, L2B, testManifest, transfer } from "../guardian/fixture.js";

function context(nowMs = 1_700_000_000_000) {
  const metrics = new MonitorMetrics(new Registry());
  const logger = pino({ level: "silent" });
  const clock = { ms: nowMs };
  const ctx: MonitorContext = {
    manifest: testManifest(),
    settings: { pollIntervalMs: 100, pendingSloSeconds: 60, guardianPollMs: 100, staleAfterSeconds: 30 },
    alerts: new AlertLog(metrics, logger, () => new Date(clock.ms)),
    metrics,
    logger,
    now: () => clock.ms,
  };
  return { ctx, clock };
}

const forgedQueued: DeliveryToVerify = {
  msgId: `0x${"ab".repeat(32)}`,
  destChainId: L2B.chainId,
  sourceChainId: BigInt(L2A.chainId),
  nonce: 7n,
  queued: true,
  txHash: `0x${"cd".repeat(32)}`,
  blockNumber: 100n,
};

function originCheck(ctx: MonitorContext, sent: () => Promise<Hex>, unpausedAt?: bigint) {
  return new OriginCheck(
    ctx,
    {
      gatewayOf: (chainId) =>
        Number(chainId) === L2A.chainId ? { address: L2A.gateway, sentMessageId: sent } : undefined,
      gatewayAddressOf: (chainId) => (chainId === L2B.chainId ? L2B.gateway : undefined),
      isFresh: () => true,
    },
    () => unpausedAt,
  );
}

describe("OriginCheck", () => {
  it("test_run_forgedQueued_vetoesAndPauses", async () => {
    const { ctx } = context();
    const check = originCheck(ctx, async () => zeroHash);
    check.add(forgedQueued);
    const actions: PlannedAction[] = [];
    await check.run(actions);
    expect(actions.map((a) => a.action)).toEqual(["veto", "pause"]);
    expect(ctx.alerts.list()[0]).toMatchObject({
      kind: "forged_message",
      details: { reason: "source chain 901 never sent nonce 7" },
    });
    expect(check.waiting(L2B.chainId)).toBe(0);
  });

  it("test_run_unpausedAfterViolation_skipsPause: governance reviewed it; the veto still stands", async () => {
    const { ctx } = context();
    const check = originCheck(ctx, async () => zeroHash, 150n);
    check.add(forgedQueued);
    const actions: PlannedAction[] = [];
    await check.run(actions);
    expect(actions.map((a) => a.action)).toEqual(["veto"]);
    expect(ctx.alerts.list()[0]!.actions).toEqual([
      {
        action: "pause",
        chain: "l2b",
        status: "skipped",
        reason: "governance unpaused the gateway in block 150, after this violation",
      },
    ]);
    // An unpause before the violation reviewed nothing: pause.
    const { ctx: ctx2 } = context();
    const earlier = originCheck(ctx2, async () => zeroHash, 50n);
    earlier.add(forgedQueued);
    const more: PlannedAction[] = [];
    await earlier.run(more);
    expect(more.map((a) => a.action)).toEqual(["veto", "pause"]);
  });

  it("test_run_sourceUnreachable_keepsWaiting: no verdict, no alert, retried next poll", async () => {
    const { ctx } = context();
    let fail = true;
    const check = originCheck(ctx, async () => {
      if (fail) throw new Error("connection refused");
      return forgedQueued.msgId;
    });
    check.add(forgedQueued);
    await check.run([]);
    expect(check.waiting(L2B.chainId)).toBe(1);
    expect(ctx.alerts.list()).toEqual([]);
    fail = false;
    await check.run([]);
    expect(check.waiting(L2B.chainId)).toBe(0);
    expect(ctx.alerts.list()).toEqual([]);
  });
});

describe("SolvencyCheck", () => {
  const ALPHA = testManifest().tokens[0]!;
  const source = (locked: bigint, minted: bigint): SupplySource & { reads: number } => {
    const s = {
      reads: 0,
      async lockedBalance() {
        s.reads++;
        return locked;
      },
      async totalSupply(_chainId: number, token: Address) {
        s.reads++;
        return token === ALPHA.addresses[String(L2B.chainId)] ? minted : 0n;
      },
    };
    return s;
  };

  it("test_run_breachOnceNotOnReRead_noPause: a reading race never pauses the bridge", async () => {
    const { ctx } = context();
    const latest = source(100n, 100n);
    const check = new SolvencyCheck(ctx, source(100n, 150n), latest, () => [L2A.chainId, L2B.chainId]);
    const actions: PlannedAction[] = [];
    await check.run(actions);
    expect(latest.reads).toBeGreaterThan(0);
    expect(actions).toEqual([]);
    expect(ctx.alerts.list()).toEqual([]);
  });

  it("test_run_confirmedBreach_pausesEveryGateway", async () => {
    const { ctx } = context();
    const check = new SolvencyCheck(ctx, source(100n, 150n), source(100n, 150n), () => [L2A.chainId, L2B.chainId]);
    const actions: PlannedAction[] = [];
    await check.run(actions);
    expect(actions.map((a) => [a.action, a.chainId])).toEqual([
      ["pause", L2A.chainId],
      ["pause", L2B.chainId],
    ]);
    expect(ctx.alerts.list()[0]).toMatchObject({ kind: "supply_breach", token: "ALPHA", details: { excess: "50" } });
  });
});

describe("DeliveryCheck", () => {
  function lateMessage(ledger: MessageLedger, nowSeconds: number) {
    const message = transfer({ nonce: 3n });
    const id = messageId(message);
    ledger.recordSent(id, message, 10n, nowSeconds - 600);
    return id;
  }

  function check(status: MessageStatusValue, processed: boolean) {
    const { ctx, clock } = context();
    const ledger = new MessageLedger();
    const id = lateMessage(ledger, clock.ms / 1000);
    const delivery = new DeliveryCheck(
      ctx,
      ledger,
      () => ({ isProcessed: async () => processed, queuedStatus: async () => status }),
      () => [L2A.chainId, L2B.chainId],
    );
    return { ctx, ledger, id, delivery };
  }

  it("test_exportBacklog_followsTheLedgerWithoutAwaiting: pending drops in the turn a delivery is applied", async () => {
    const { ctx, ledger, id, delivery } = check(MessageStatus.None, false);
    const pending = async () =>
      (await ctx.metrics.pendingMessages.get()).values.find((v) => v.labels.source === "l2a")?.value;
    delivery.exportBacklog(); // returns nothing to await: the gauge is set when it returns
    expect(await pending()).toBe(1);
    ledger.complete(id);
    delivery.exportBacklog();
    expect(await pending()).toBe(0);
  });

  it("test_run_lateButQueuedAtDestination_noAlert: the ledger was behind", async () => {
    const { ctx, ledger, id, delivery } = check(MessageStatus.Queued, true);
    await delivery.run();
    expect(ctx.alerts.list()).toEqual([]);
    expect(ledger.get(id)?.state).toBe("queued");
  });

  it("test_run_lateButCancelled_completes", async () => {
    const { ctx, ledger, id, delivery } = check(MessageStatus.Cancelled, true);
    await delivery.run();
    expect(ctx.alerts.list()).toEqual([]);
    expect(ledger.get(id)).toBeUndefined();
  });

  it("test_run_reallyLate_alertsOnce; a nonce held by another message is noted", async () => {
    const { ctx, delivery } = check(MessageStatus.None, false);
    await delivery.run();
    await delivery.run();
    expect(ctx.alerts.list()).toHaveLength(1);
    expect(ctx.alerts.list()[0]).toMatchObject({ kind: "pending_slo", chain: "l2b", details: { ageSeconds: 600 } });

    const taken = check(MessageStatus.None, true);
    await taken.delivery.run();
    expect(taken.ctx.alerts.list()[0]!.details.note).toBe(
      "its nonce is processed on the destination by a different message",
    );
  });
});

describe("GuardianCheck", () => {
  it("test_run_rotationAndQuorumLoss_followedAndCritical", async () => {
    const { ctx } = context();
    const [a, b] = guardianAccounts.map((g) => g.address);
    const healthy = (address: Address) =>
      new Response(JSON.stringify({ ok: true, guardian: address, chains: {}, lastSignedAt: null }), { status: 200 });
    const up = new Set<Address>([a!, b!]);
    const fetchImpl = (async (url: string) => {
      const g = ctx.manifest.guardianSet.guardians.find((x) => url.startsWith(x.url));
      if (!g || !up.has(g.address)) throw new Error("connection refused");
      return healthy(g.address);
    }) as unknown as typeof fetch;
    let sets = [{ members: [a!, b!], threshold: 2 }];
    const check = new GuardianCheck(ctx, async () => sets, fetchImpl);
    await check.run();
    expect(ctx.alerts.list()).toEqual([]);

    up.delete(b!);
    for (let i = 0; i < 3; i++) await check.run();
    expect(ctx.alerts.list().map((x) => [x.key, x.severity])).toEqual([
      [`guardian:${b}`, "warning"],
      ["guardian-quorum", "critical"],
    ]);

    // Governance rotates b out and lowers the threshold: b is no longer watched, quorum is back.
    sets = [{ members: [a!], threshold: 1 }];
    await check.run();
    expect(check.watched.map((g) => g.address)).toEqual([a]);
    expect(ctx.alerts.list().every((x) => x.resolvedAt !== undefined)).toBe(true);
  });
});

describe("ChainGateway.sentMessageId over several endpoints", () => {
  const info = { ...testManifest().chains[1]!, gateway: L2A.gateway };
  const endpoint = (label: string, answer: () => Promise<Hex>) => ({
    label,
    gateway: { sentMessageIds: (nonces: readonly bigint[]) => Promise.all(nonces.map(() => answer())) },
  });
  const gateway = (...endpoints: ReturnType<typeof endpoint>[]) =>
    new ChainGateway(info, {} as never, {} as never, endpoints);
  const id = `0x${"ab".repeat(32)}` as Hex;

  it("test_sentMessageId_allAgree_succeeds", async () => {
    await expect(
      gateway(
        endpoint("a:1", async () => id),
        endpoint("b:2", async () => id),
      ).sentMessageId(7n),
    ).resolves.toBe(id);
  });

  it("test_sentMessageId_sameTurnRequests_oneQueryPerEndpoint_succeeds: a disagreement fails only its nonce", async () => {
    const queries: string[] = [];
    const counting = (label: string, ids: (nonce: bigint) => Hex) => ({
      label,
      gateway: {
        sentMessageIds: async (nonces: readonly bigint[]) => {
          queries.push(`${label} ${nonces.join(",")}`);
          return nonces.map(ids);
        },
      },
    });
    const other = `0x${"cd".repeat(32)}` as Hex;
    const g = gateway(
      counting("a:1", () => id),
      counting("b:2", (nonce) => (nonce === 8n ? other : id)),
    );
    const answers = await Promise.allSettled([7n, 8n, 9n].map((nonce) => g.sentMessageId(nonce)));
    expect(queries).toEqual(["a:1 7,8,9", "b:2 7,8,9"]);
    expect(answers.map((a) => a.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((answers[1] as PromiseRejectedResult).reason.message).toBe(
      `RPC endpoints of l2a disagree about sentMessageId(8): a:1 says ${id}; b:2 says ${other}`,
    );
    // A later turn is a new query.
    await g.sentMessageId(10n);
    expect(queries.slice(2)).toEqual(["a:1 10", "b:2 10"]);
  });

  it("test_sentMessageId_disagreeOrFail_reverts: the origin stays unverified", async () => {
    const lying = gateway(
      endpoint("a:1", async () => zeroHash),
      endpoint("b:2", async () => id),
    );
    await expect(lying.sentMessageId(7n)).rejects.toThrow(
      `RPC endpoints of l2a disagree about sentMessageId(7): a:1 says ${zeroHash}; b:2 says ${id}`,
    );
    const down = gateway(
      endpoint("a:1", async () => id),
      endpoint("b:2", () => Promise.reject(new Error("timeout"))),
    );
    await expect(down.sentMessageId(7n)).rejects.toThrow("b:2: timeout");
    const { ctx } = context();
    const check = originCheck(ctx, () => lying.sentMessageId(7n));
    check.add(forgedQueued);
    await check.run([]);
    expect(check.waiting(L2B.chainId)).toBe(1);
    expect(ctx.alerts.list()).toEqual([]);
  });
});
