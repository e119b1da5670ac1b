/** Gas-sized batches: the per-transaction cap, half the block, and the measured per-message cost. */
import { describe, expect, it } from "vitest";
import { EIP7825_TX_GAS_CAP, GasBudget } from "../../../relayer/gas.js";

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

  it("test_maxMessages_boundedByTheAttestationLimitAndAtLeastOne_succeeds", () => {
    const b = budget(EIP7825_TX_GAS_CAP, 256);
    for (let i = 0; i < 20; i++) b.observe(100, 100_000n + 100n * 5_000n);
    expect(b.maxMessages()).toBe(256);
    expect(budget(150_000n).maxMessages()).toBe(1);
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
