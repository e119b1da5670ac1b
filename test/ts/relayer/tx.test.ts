/**
 * The transaction sender against a fake chain: nonce tracking, replacement of a transaction not
 * mined within the timeout (same nonce, fees bumped at least 10 %), outbidding a pending
 * transaction left by a previous run, and giving up after the allowed bumps.
 */
import { describe, expect, it } from "vitest";
import type { Hex, TransactionReceipt } from "viem";
import {
  bumpFees,
  StuckTransactionError,
  TxSender,
  type Fees,
  type SignedTxRequest,
  type TxChain,
} from "../../../relayer/tx.js";
import { silentLogger } from "./fixtures.js";

const ACCOUNT = "0x5000000000000000000000000000000000000005";
const TX = { to: "0x6000000000000000000000000000000000000006", data: "0x1234", gas: 100_000n } as const;

class FakeChain implements TxChain {
  sent: SignedTxRequest[] = [];
  /** Hashes that are mined (by index into `sent`) once polled this many times. */
  mineAfterPolls = new Map<number, number>();
  polls = 0;
  confirmed = 7;
  rejectNext: string[] = [];

  async confirmedNonce() {
    return this.confirmed;
  }
  async fees(): Promise<Fees> {
    return { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n };
  }
  async broadcast(tx: SignedTxRequest): Promise<Hex> {
    const reject = this.rejectNext.shift();
    if (reject) throw new Error(reject);
    this.sent.push(tx);
    return `0x${(this.sent.length - 1).toString(16).padStart(64, "0")}`;
  }
  async receipt(hash: Hex): Promise<TransactionReceipt | null> {
    this.polls += 1;
    const index = Number(BigInt(hash));
    const after = this.mineAfterPolls.get(index);
    if (after === undefined || this.polls < after) return null;
    return { transactionHash: hash, status: "success" } as TransactionReceipt;
  }
}

function sender(chain: FakeChain, over: Partial<ConstructorParameters<typeof TxSender>[1]> = {}) {
  let replacements = 0;
  const s = new TxSender(chain, {
    chainId: 1,
    account: ACCOUNT,
    timeoutMs: 30,
    maxBumps: 3,
    pollMs: 5,
    logger: silentLogger(),
    onReplacement: () => (replacements += 1),
    ...over,
  });
  return { s, replacements: () => replacements };
}

describe("TxSender", () => {
  it("test_send_tracksNonceAcrossSends_succeeds: starts at the confirmed count, then counts locally", async () => {
    const chain = new FakeChain();
    chain.mineAfterPolls.set(0, 1).set(1, 1);
    const { s } = sender(chain);
    await s.send(TX);
    chain.confirmed = 0; // stale node view: the sender must not go back
    await s.send(TX);
    expect(chain.sent.map((t) => t.nonce)).toEqual([7, 8]);
  });

  it("test_send_notMinedInTime_replacedWithSameNonceAndBumpedFees_succeeds", async () => {
    const chain = new FakeChain();
    chain.mineAfterPolls.set(1, 1); // only the replacement is mined
    const { s, replacements } = sender(chain);
    const receipt = await s.send(TX);
    expect(receipt.transactionHash).toBe(`0x${"1".padStart(64, "0")}`);
    expect(chain.sent).toHaveLength(2);
    expect(chain.sent[1]!.nonce).toBe(chain.sent[0]!.nonce);
    expect(chain.sent[1]!.maxFeePerGas * 10n).toBeGreaterThanOrEqual(chain.sent[0]!.maxFeePerGas * 11n);
    expect(chain.sent[1]!.maxPriorityFeePerGas * 10n).toBeGreaterThanOrEqual(chain.sent[0]!.maxPriorityFeePerGas * 11n);
    expect(replacements()).toBe(1);
  });

  it("test_send_originalMinedAfterReplacement_succeeds: any of the same-nonce hashes counts", async () => {
    const chain = new FakeChain();
    chain.mineAfterPolls.set(0, 1_000_000);
    const { s } = sender(chain);
    const pending = s.send(TX);
    await new Promise((r) => setTimeout(r, 60));
    chain.mineAfterPolls.set(0, 0);
    const receipt = await pending;
    expect(receipt.transactionHash).toBe(`0x${"0".padStart(64, "0")}`);
  });

  it("test_send_pendingTxFromEarlierRun_outbid_succeeds: 'replacement underpriced' bumps fees", async () => {
    const chain = new FakeChain();
    chain.rejectNext = ["replacement transaction underpriced"];
    chain.mineAfterPolls.set(0, 1);
    const { s } = sender(chain);
    await s.send(TX);
    expect(chain.sent).toHaveLength(1);
    expect(chain.sent[0]!.maxFeePerGas).toBeGreaterThan(100n);
  });

  it("test_send_neverMined_reverts: StuckTransactionError after the allowed bumps, nonce resynced", async () => {
    const chain = new FakeChain();
    const { s } = sender(chain, { maxBumps: 2 });
    await expect(s.send(TX)).rejects.toBeInstanceOf(StuckTransactionError);
    expect(chain.sent).toHaveLength(3);
    expect(new Set(chain.sent.map((t) => t.nonce))).toEqual(new Set([7]));
    chain.confirmed = 8;
    chain.mineAfterPolls.set(3, 0);
    await s.send(TX);
    expect(chain.sent[3]!.nonce).toBe(8);
  });

  it("test_send_nonceTooLow_resyncsFromChain_reverts", async () => {
    const chain = new FakeChain();
    chain.rejectNext = ["nonce too low"];
    const { s } = sender(chain);
    await expect(s.send(TX)).rejects.toThrow(/nonce too low/);
    chain.confirmed = 9;
    chain.mineAfterPolls.set(0, 0);
    await s.send(TX);
    expect(chain.sent[0]!.nonce).toBe(9);
  });

  it("test_send_serialisedPerChain_succeeds: concurrent sends get consecutive nonces", async () => {
    const chain = new FakeChain();
    for (let i = 0; i < 3; i++) chain.mineAfterPolls.set(i, 0);
    const { s } = sender(chain);
    await Promise.all([s.send(TX), s.send(TX), s.send(TX)]);
    expect(chain.sent.map((t) => t.nonce)).toEqual([7, 8, 9]);
  });
});

describe("bumpFees", () => {
  it("test_bumpFees_atLeastTenPercentAndCurrentMarket_succeeds", () => {
    expect(
      bumpFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 10n }, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }),
    ).toEqual({
      maxFeePerGas: 121n,
      maxPriorityFeePerGas: 13n,
    });
    expect(
      bumpFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 10n }, { maxFeePerGas: 500n, maxPriorityFeePerGas: 50n }),
    ).toEqual({
      maxFeePerGas: 500n,
      maxPriorityFeePerGas: 50n,
    });
  });
});
