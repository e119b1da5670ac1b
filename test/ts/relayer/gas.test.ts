/** Gas-sized batches: the per-transaction cap, half the block, and the measured per-message cost. */
import { describe, expect, it } from "vitest";
import { EIP7825_TX_GAS_CAP, GasBudget, type SharedGas } from "../../../relayer/gas.js";
import { MemoryStore, parseDeliveryGas } from "../../../relayer/store.js";

const budget = (maxTxGas = EIP7825_TX_GAS_CAP, maxMessages = 1024) =>
  new GasBudget({ maxTxGas, maxMessages, headroomPercent: 120n });

describe("GasBudget", () => {
  it("test_txGasLimit_capOrHalfTheBlock_succeeds", () => {
    const b = budget();
    expect(b.txGasLimit()).toBe(EIP7825_TX_GAS_CAP);
    b.setBlockGasLimit(30_000_000n);
    expect(b.txGasLimit()).toBe(15_000_000n);
    b.setBlockGasLimit(60_000_000n);
    expect(b.txGasLimit()).toBe(EIP7825_TX_GAS_CAP);
  });

  it("test_maxMessages_learnsThePerMessageCost_succeeds: a cheap destination gets bigger batches", () => {
    const b = budget();
    b.setBlockGasLimit(30_000_000n);
    const before = b.maxMessages();
    expect(before).toBe(Math.floor((15_000_000 / 1.2 - 100_000) / 60_000));
    for (let i = 0; i < 20; i++) b.observe(300, 100_000n + 300n * 20_000n);
    expect(Number(b.perMessageGas)).toBeLessThan(21_000);
    expect(b.maxMessages()).toBeGreaterThan(before * 2);
    expect(b.maxMessages()).toBeLessThanOrEqual(1024);
  });

  it("test_observe_firstMeasurementReplacesThePrior_succeeds: then a moving average", () => {
    const b = budget();
    expect(b.measured).toBe(false);
    b.observe(200, 100_000n + 200n * 8_000n);
    expect(b.measured).toBe(true);
    expect(b.perMessageGas).toBe(8_000n);
    b.observe(200, 100_000n + 200n * 18_000n);
    expect(b.perMessageGas).toBe(11_000n);
  });

  it("test_predictedLimit_ampleOverTheAverageWithinTheCap_succeeds: a route dearer than the average still fits", () => {
    const b = budget();
    b.setBlockGasLimit(30_000_000n);
    // A one-message delivery measured first (6,165 a message), then a 181-message batch of a
    // dearer token on the same destination: the devnet bench's numbers, which reverted at 120 %.
    b.observe(1, 106_165n);
    expect(b.predictedLimit(181)).toBe(((100_000n + 181n * 6_165n) * 200n) / 100n);
    expect(b.predictedLimit(181)).toBeGreaterThan(1_606_634n);
    expect(
      new GasBudget({
        maxTxGas: EIP7825_TX_GAS_CAP,
        maxMessages: 1024,
        headroomPercent: 120n,
        predictionHeadroomPercent: 150n,
      }).predictedLimit(1),
    ).toBe(((100_000n + 60_000n) * 150n) / 100n);
    // Never over what one delivery may use.
    expect(b.predictedLimit(1_500)).toBe(15_000_000n);
  });

  it("test_maxMessages_boundedByTheAttestationLimitAndAtLeastOne_succeeds", () => {
    const b = budget(EIP7825_TX_GAS_CAP, 256);
    for (let i = 0; i < 20; i++) b.observe(100, 100_000n + 100n * 5_000n);
    expect(b.maxMessages()).toBe(256);
    expect(budget(150_000n).maxMessages()).toBe(1);
  });

  it("test_learn_takesAPeersMeasurementUntilItHasItsOwn_succeeds: one store shared by two processes", async () => {
    const store = new MemoryStore();
    const clock = { ms: 0 };
    const sharedFor = (chainId: number): SharedGas => ({
      read: () => store.getDeliveryGas(chainId),
      write: (v) => store.setDeliveryGas(chainId, v),
    });
    const opts = { maxTxGas: EIP7825_TX_GAS_CAP, maxMessages: 1024, headroomPercent: 120n };
    const first = new GasBudget(opts, sharedFor(902), () => clock.ms);
    const second = new GasBudget(opts, sharedFor(902), () => clock.ms);
    const otherChain = new GasBudget(opts, sharedFor(903), () => clock.ms);

    await second.learn(); // nothing published yet: the prior stands
    expect(second.measured).toBe(false);
    first.observe(200, 100_000n + 200n * 9_000n);
    await Promise.resolve();
    clock.ms += 500;
    await second.learn(); // asked a moment ago: not again yet
    expect(second.measured).toBe(false);
    clock.ms += 500;
    await second.learn();
    expect(second.measured).toBe(true);
    expect(second.perMessageGas).toBe(9_000n);
    await otherChain.learn(); // another destination's cost is not this one's
    expect(otherChain.measured).toBe(false);

    // Its own measurements then count, and are published in turn; a peer's do not replace them.
    second.observe(200, 100_000n + 200n * 19_000n);
    expect(second.perMessageGas).toBe(12_000n);
    await Promise.resolve();
    expect(await store.getDeliveryGas(902)).toBe(12_000n);
    clock.ms += 5_000;
    await store.setDeliveryGas(902, 50_000n);
    await second.learn();
    expect(second.perMessageGas).toBe(12_000n);
  });

  it("test_learn_unreadableOrBadValue_keepsThePrior_succeeds", async () => {
    const opts = { maxTxGas: EIP7825_TX_GAS_CAP, maxMessages: 1024, headroomPercent: 120n };
    const failing = new GasBudget(opts, {
      read: () => Promise.reject(new Error("redis down")),
      write: () => Promise.reject(new Error("redis down")),
    });
    await failing.learn();
    expect(failing.measured).toBe(false);
    failing.observe(10, 100_000n + 10n * 8_000n); // a failed publish is not this budget's problem
    expect(failing.perMessageGas).toBe(8_000n);
    for (const bad of [null, "", "0", "-5", "12abc", "1e6", "99999999999999999"]) {
      expect(parseDeliveryGas(bad)).toBeUndefined();
    }
    expect(parseDeliveryGas("10500")).toBe(10_500n);
  });

  it("test_observe_ignoresNonsense_succeeds", () => {
    const b = budget();
    const before = b.perMessageGas;
    b.observe(0, 5_000_000n);
    b.observe(10, 50_000n);
    expect(b.perMessageGas).toBe(before);
    expect(b.predict(10)).toBe(100_000n + 10n * before);
    expect(b.limitFor(100n)).toBe(120n);
  });
});
