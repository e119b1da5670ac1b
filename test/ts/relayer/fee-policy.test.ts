/** The relayer's fee policy: verdicts per payment, block windows of the payment read, metrics. */
import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import type { Address, Hex } from "viem";
import {
  FeeGate,
  judgePayment,
  leftAloneText,
  LogPaymentSource,
  windows,
  type PaymentSource,
} from "../../../relayer/fee-policy.js";
import type { Payment } from "../../../core/payment.js";
import { RelayerMetrics } from "../../../relayer/metrics.js";
import { silentLogger, testMessage } from "./fixtures.js";

const SENDER = "0x3000000000000000000000000000000000000003" as Address;
const SPONSORED = "0x5000000000000000000000000000000000000005" as Address;
const quoteOnly = { mode: "quote" as const, sponsoredSenders: [] };

describe("judgePayment", () => {
  it("test_judge_paidTheQuote_delivers", () => {
    expect(judgePayment({ sender: SENDER }, { fee: 100n, quote: 100n }, quoteOnly)).toEqual({
      kind: "deliver",
      payment: { fee: 100n, quote: 100n },
      why: "paid",
    });
    expect(judgePayment({ sender: SENDER }, { fee: 150n, quote: 100n }, quoteOnly).kind).toBe("deliver");
  });

  it("test_judge_underpaid_leftAlone", () => {
    expect(judgePayment({ sender: SENDER }, { fee: 0n, quote: 100n }, quoteOnly)).toEqual({
      kind: "left_alone",
      reason: "underpaid",
      payment: { fee: 0n, quote: 100n },
    });
  });

  it("test_judge_freeRoute_zeroQuoteZeroFee_delivers", () => {
    expect(judgePayment({ sender: SENDER }, { fee: 0n, quote: 0n }, quoteOnly).kind).toBe("deliver");
  });

  it("test_judge_unknownPayment_undecidedUnderQuote_deliveredUnderAll", () => {
    expect(judgePayment({ sender: SENDER }, undefined, quoteOnly)).toEqual({ kind: "unknown" });
    expect(judgePayment({ sender: SENDER }, undefined, { mode: "all", sponsoredSenders: [] })).toEqual({
      kind: "deliver",
      payment: undefined,
      why: "policy_all",
    });
  });

  it("test_judge_policyAll_deliversUnderpaid", () => {
    const verdict = judgePayment({ sender: SENDER }, { fee: 0n, quote: 100n }, { mode: "all", sponsoredSenders: [] });
    expect(verdict.kind).toBe("deliver");
  });

  it("test_judge_sponsoredSender_deliveredWhateverItPaid_anyCase", () => {
    const options = { mode: "quote" as const, sponsoredSenders: [SPONSORED.toLowerCase() as Address] };
    expect(judgePayment({ sender: SPONSORED }, { fee: 0n, quote: 100n }, options)).toMatchObject({
      kind: "deliver",
      why: "sponsored",
    });
    expect(judgePayment({ sender: SENDER }, { fee: 0n, quote: 100n }, options).kind).toBe("left_alone");
  });

  it("test_leftAloneText_namesFeeQuoteAndTheWaysOut", () => {
    const text = leftAloneText({ fee: 1n, quote: 2n });
    expect(text).toContain("paid 1 wei");
    expect(text).toContain("quote of 2 wei");
    expect(text).toContain("bridge relay");
    expect(text).toContain("escape");
  });
});

describe("windows", () => {
  const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

  it("test_windows_groupsNearbyBlocks_splitsFarOnes", () => {
    const w = windows(
      [
        { msgId: id(1), sourceBlock: 105n },
        { msgId: id(2), sourceBlock: 100n },
        { msgId: id(3), sourceBlock: 109n },
        { msgId: id(4), sourceBlock: 110n },
      ],
      10,
    );
    expect(w).toEqual([
      { from: 100n, to: 109n, ids: [id(2), id(1), id(3)] },
      { from: 110n, to: 110n, ids: [id(4)] },
    ]);
  });
});

describe("LogPaymentSource", () => {
  it("test_payments_readsNamedBlocks_thenLaterBlocksForMissing", async () => {
    const a = testMessage({ nonce: 1n });
    const b = testMessage({ nonce: 2n });
    const calls: { fromBlock: bigint; toBlock: bigint; ids: Hex[] }[] = [];
    // a is where its job says; b was re-included 3 blocks later (a reorg).
    const chain = { [a.msgId]: 10n, [b.msgId]: 23n } as Record<Hex, bigint>;
    const client = {
      getBlockNumber: async () => 30n,
      getLogs: async (q: { args: { msgId: Hex[] }; fromBlock: bigint; toBlock: bigint }) => {
        calls.push({ fromBlock: q.fromBlock, toBlock: q.toBlock, ids: q.args.msgId });
        return q.args.msgId
          .filter((msgId) => chain[msgId]! >= q.fromBlock && chain[msgId]! <= q.toBlock)
          .map((msgId) => ({ removed: false, args: { msgId, fee: 7n, quote: 5n } }));
      },
    };
    const source = new LogPaymentSource(client as never, "0x1000000000000000000000000000000000000001", 100);
    const found = await source.payments([
      { msgId: a.msgId, sourceBlock: 10n },
      { msgId: b.msgId, sourceBlock: 20n },
    ]);
    expect(found.get(a.msgId.toLowerCase())).toEqual({ fee: 7n, quote: 5n });
    expect(found.get(b.msgId.toLowerCase())).toEqual({ fee: 7n, quote: 5n });
    expect(calls).toEqual([
      { fromBlock: 10n, toBlock: 20n, ids: [a.msgId, b.msgId] },
      { fromBlock: 20n, toBlock: 30n, ids: [b.msgId] },
    ]);
  });
});

describe("FeeGate", () => {
  const route = { sourceChainId: 901, destChainId: 902 };

  function gate(payments: Map<string, Payment> | Error, mode: "quote" | "all" = "quote") {
    const registry = new Registry();
    const metrics = new RelayerMetrics(registry);
    const source: PaymentSource = {
      payments: async () => {
        if (payments instanceof Error) throw payments;
        return payments;
      },
    };
    return { gate: new FeeGate(source, { mode, sponsoredSenders: [] }, metrics, route, silentLogger()), registry };
  }

  async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => String(x.labels[k]) === l));
    return v?.value ?? 0;
  }

  it("test_judge_countsLeftAloneByRouteAndReason", async () => {
    const paid = testMessage({ nonce: 1n });
    const unpaid = testMessage({ nonce: 2n });
    const unknown = testMessage({ nonce: 3n });
    const { gate: g, registry } = gate(
      new Map([
        [paid.msgId.toLowerCase(), { fee: 10n, quote: 10n }],
        [unpaid.msgId.toLowerCase(), { fee: 0n, quote: 10n }],
      ]),
    );
    const verdicts = await g.judge([paid, unpaid, unknown].map((m) => ({ ...m, sourceBlock: 1n })));
    expect(verdicts.get(paid.msgId.toLowerCase())?.kind).toBe("deliver");
    expect(verdicts.get(unpaid.msgId.toLowerCase())?.kind).toBe("left_alone");
    expect(verdicts.get(unknown.msgId.toLowerCase())?.kind).toBe("unknown");
    expect(
      await metric(registry, "bridge_relayer_messages_left_alone_total", { route: "901-902", reason: "underpaid" }),
    ).toBe(1);
  });

  it("test_judge_carriedPaymentsUsed_onlyTheOthersRead", async () => {
    const carried = testMessage({ nonce: 1n });
    const fromFeed = testMessage({ nonce: 2n });
    const asked: Hex[][] = [];
    const source: PaymentSource = {
      payments: async (items) => {
        asked.push(items.map((i) => i.msgId));
        return new Map([[fromFeed.msgId.toLowerCase(), { fee: 0n, quote: 10n }]]);
      },
    };
    const g = new FeeGate(
      source,
      { mode: "quote", sponsoredSenders: [] },
      new RelayerMetrics(new Registry()),
      route,
      silentLogger(),
    );
    const verdicts = await g.judge([
      { ...carried, sourceBlock: 1n, payment: { fee: 10n, quote: 10n } },
      { ...fromFeed, sourceBlock: 1n },
    ]);
    expect(asked).toEqual([[fromFeed.msgId]]);
    expect(verdicts.get(carried.msgId.toLowerCase())).toEqual({
      kind: "deliver",
      payment: { fee: 10n, quote: 10n },
      why: "paid",
    });
    expect(verdicts.get(fromFeed.msgId.toLowerCase())?.kind).toBe("left_alone");

    // Every payment carried: no read at all.
    asked.length = 0;
    await g.judge([{ ...carried, sourceBlock: 1n, payment: { fee: 10n, quote: 10n } }]);
    expect(asked).toEqual([]);
  });

  it("test_judge_readFails_underQuote_everythingUnknown", async () => {
    const m = testMessage();
    const { gate: g } = gate(new Error("rpc down"));
    const verdicts = await g.judge([{ ...m, sourceBlock: 1n }]);
    expect(verdicts.get(m.msgId.toLowerCase())).toEqual({ kind: "unknown" });
  });

  it("test_judge_readFails_underAll_delivers", async () => {
    const m = testMessage();
    const { gate: g } = gate(new Error("rpc down"), "all");
    const verdicts = await g.judge([{ ...m, sourceBlock: 1n }]);
    expect(verdicts.get(m.msgId.toLowerCase())?.kind).toBe("deliver");
  });

  it("test_recordDelivered_countsIncomeBySourceAndDropOffByDestination", async () => {
    const { gate: g, registry } = gate(new Map());
    const a = testMessage({ nonce: 1n, dropOff: 3n });
    const b = testMessage({ nonce: 2n, dropOff: 0n });
    g.recordDelivered([
      { message: a.message, payment: { fee: 100n, quote: 90n } },
      { message: b.message, payment: { fee: 50n, quote: 50n } },
    ]);
    expect(await metric(registry, "bridge_relayer_fee_income_wei_total", { chain: "901" })).toBe(150);
    expect(await metric(registry, "bridge_relayer_drop_off_supplied_wei_total", { chain: "902" })).toBe(3);
  });
});
