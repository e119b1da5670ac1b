/**
 * The transaction sender and its nonce manager against a fake chain that keeps a mempool per
 * account the way nodes do (replacement needs +10 % on both fees, "nonce too low" below the
 * mined count, "already known" for a repeated transaction, a transaction under the base fee waits).
 * Every case ends by checking the account's nonces are gap-free: what is pending starts at the
 * mined count and is contiguous.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { fromHex, keccak256, toHex, type Address, type Hex, type TransactionReceipt } from "viem";
import {
  bumpFees,
  NonceTakenError,
  StuckTransactionError,
  TxSender,
  type Fees,
  type SignedTxRequest,
  type TxChain,
} from "../../../relayer/tx.js";
import { silentLogger } from "./fixtures.js";

const ALICE = "0x5000000000000000000000000000000000000005" as Address;
const BOB = "0x5000000000000000000000000000000000000006" as Address;
const TX = { to: "0x6000000000000000000000000000000000000006", data: "0x1234", gas: 100_000n } as const;

interface PoolTx extends SignedTxRequest {
  from: Address;
  hash: Hex;
}

/** A node: mempools and mined counts per account; `mine()` includes what pays the base fee. */
class FakeNode {
  baseFee = 50n;
  tip = 10n;
  /** What fees() quotes when set (a node whose fee estimate lags the real base fee). */
  quote?: bigint;
  readonly mined = new Map<Address, number>();
  readonly pool = new Map<Address, Map<number, PoolTx>>();
  readonly receipts = new Map<Hex, TransactionReceipt>();
  /** Errors the next sendRaw calls throw (before looking at the transaction). */
  failNext: string[] = [];
  sent: PoolTx[] = [];
  private timer?: NodeJS.Timeout;

  minedCount(a: Address) {
    return this.mined.get(a) ?? 0;
  }

  poolOf(a: Address) {
    let p = this.pool.get(a);
    if (!p) this.pool.set(a, (p = new Map()));
    return p;
  }

  /** geth's pending nonce: the mined count plus the contiguous run of pool transactions after it. */
  pendingCount(a: Address) {
    let n = this.minedCount(a);
    while (this.poolOf(a).has(n)) n++;
    return n;
  }

  accept(raw: Hex) {
    const failure = this.failNext.shift();
    if (failure) throw new Error(failure);
    const tx = decode(raw);
    const pool = this.poolOf(tx.from);
    if (tx.nonce < this.minedCount(tx.from)) throw new Error("nonce too low");
    const there = pool.get(tx.nonce);
    if (there?.hash === tx.hash) throw new Error("already known");
    if (
      there &&
      (tx.maxFeePerGas * 10n < there.maxFeePerGas * 11n ||
        tx.maxPriorityFeePerGas * 10n < there.maxPriorityFeePerGas * 11n)
    ) {
      throw new Error("replacement transaction underpriced");
    }
    pool.set(tx.nonce, tx);
    this.sent.push(tx);
  }

  /** One block: per account, consecutive transactions from the mined count that pay the base fee. */
  mine() {
    for (const [from, pool] of this.pool) {
      for (;;) {
        const n = this.minedCount(from);
        const tx = pool.get(n);
        if (!tx || tx.maxFeePerGas < this.baseFee) break;
        pool.delete(n);
        this.mined.set(from, n + 1);
        this.receipts.set(tx.hash, { transactionHash: tx.hash, status: "success" } as TransactionReceipt);
      }
    }
  }

  autoMine(everyMs = 5) {
    this.timer = setInterval(() => this.mine(), everyMs);
  }

  stop() {
    clearInterval(this.timer);
  }

  /** The TxChain of one account (one relayer process and its key). */
  chain(account: Address): TxChain {
    return {
      nonceAt: async (a, tag) => (tag === "latest" ? this.minedCount(a) : this.pendingCount(a)),
      fees: async (): Promise<Fees> => ({
        maxFeePerGas: this.quote ?? this.baseFee * 2n,
        maxPriorityFeePerGas: this.tip,
      }),
      receipt: async (hash) => this.receipts.get(hash) ?? null,
      sign: async (tx) => encode({ ...tx, from: account }),
      sendRaw: async (raw) => this.accept(raw),
    };
  }

  /** Every account's pool is contiguous from its mined count: no transaction waits on a gap. */
  expectGapFree() {
    for (const [from, pool] of this.pool) {
      expect(this.pendingCount(from) - this.minedCount(from), `gap in ${from}'s nonces`).toBe(pool.size);
    }
  }
}

function encode(tx: SignedTxRequest & { from: Address }): Hex {
  return toHex(JSON.stringify(tx, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)));
}

function decode(raw: Hex): PoolTx {
  const parsed = JSON.parse(fromHex(raw, "string"), (_k, v) =>
    typeof v === "string" && /^[0-9]+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
  ) as SignedTxRequest & { from: Address };
  return { ...parsed, hash: keccak256(raw) };
}

const nodes: FakeNode[] = [];
afterEach(() => nodes.splice(0).forEach((n) => n.stop()));

function node(): FakeNode {
  const n = new FakeNode();
  nodes.push(n);
  return n;
}

function sender(n: FakeNode, account = ALICE, over: Partial<ConstructorParameters<typeof TxSender>[1]> = {}) {
  let replacements = 0;
  const s = new TxSender(n.chain(account), {
    chainId: 1,
    account,
    timeoutMs: 40,
    maxBumps: 3,
    pollMs: 2,
    logger: silentLogger(),
    onReplacement: () => (replacements += 1),
    ...over,
  });
  return { s, replacements: () => replacements };
}

const noncesSent = (n: FakeNode, account = ALICE) => n.sent.filter((t) => t.from === account).map((t) => t.nonce);
/** The distinct nonces used, in order (a slow machine may replace a transaction once more). */
const distinctNonces = (n: FakeNode, account = ALICE) => [...new Set(noncesSent(n, account))].sort((a, b) => a - b);

describe("TxSender", () => {
  it("test_send_severalInFlight_consecutiveNonces_succeeds: concurrent sends are all pending at once", async () => {
    const n = node();
    n.mined.set(ALICE, 7);
    const { s } = sender(n);
    const sends = [0, 1, 2, 3, 4].map(() => s.send(TX));
    await new Promise((r) => setTimeout(r, 20));
    expect(n.poolOf(ALICE).size).toBe(5);
    expect(s.pending).toBe(5);
    n.autoMine();
    const receipts = await Promise.all(sends);
    expect(new Set(receipts.map((r) => r.transactionHash)).size).toBe(5);
    expect(distinctNonces(n)).toEqual([7, 8, 9, 10, 11]);
    expect(n.minedCount(ALICE)).toBe(12);
    n.expectGapFree();
  });

  it("test_send_notMinedInTime_replacedWithSameNonce_succeeds: the ones behind it follow", async () => {
    const n = node();
    const { s, replacements } = sender(n);
    n.baseFee = 100n; // fees() offers 200: mined
    const first = s.send(TX);
    await new Promise((r) => setTimeout(r, 5));
    n.baseFee = 300n; // the market moved: the first is now under the base fee and waits
    const second = s.send(TX);
    n.autoMine();
    const receipts = await Promise.all([first, second]);
    expect(replacements()).toBeGreaterThanOrEqual(1);
    const zero = n.sent.filter((t) => t.nonce === 0);
    expect(zero.length).toBeGreaterThanOrEqual(2);
    expect(zero[1]!.maxFeePerGas * 10n).toBeGreaterThanOrEqual(zero[0]!.maxFeePerGas * 11n);
    expect(zero[1]!.maxPriorityFeePerGas * 10n).toBeGreaterThanOrEqual(zero[0]!.maxPriorityFeePerGas * 11n);
    expect(receipts[0].transactionHash).toBe(zero.at(-1)!.hash);
    expect(n.minedCount(ALICE)).toBe(2);
    n.expectGapFree();
  });

  it("test_send_originalMinedAfterReplacement_succeeds: any hash of the nonce counts", async () => {
    const n = node();
    const { s } = sender(n);
    const sending = s.send(TX);
    await new Promise((r) => setTimeout(r, 60)); // replaced at least once
    const original = n.sent[0]!;
    n.poolOf(ALICE).set(0, original); // the original wins the block after all
    n.mine();
    expect((await sending).transactionHash).toBe(original.hash);
    n.expectGapFree();
  });

  it("test_send_nonceTooLow_anotherProcessWithTheKey_resyncs_succeeds: moves to the next free nonce", async () => {
    const n = node();
    const mine = sender(n);
    const intruder = sender(n);
    n.autoMine();
    await mine.s.send(TX); // nonce 0; mine now expects 1
    await intruder.s.send(TX); // the intruder, started fresh, reads 1 and takes it
    const receipt = await mine.s.send(TX);
    expect(receipt.status).toBe("success");
    expect(distinctNonces(n)).toEqual([0, 1, 2]);
    expect(n.minedCount(ALICE)).toBe(3);
    n.expectGapFree();
  });

  it("test_send_restartWithPendingOfPreviousRun_replacesThemFirst_succeeds", async () => {
    const n = node();
    n.mined.set(ALICE, 4);
    n.baseFee = 100n;
    // A previous run left three transactions that pay too little to be mined.
    for (let nonce = 4; nonce < 7; nonce++) {
      n.accept(encode({ ...TX, nonce, maxFeePerGas: 60n, maxPriorityFeePerGas: 1n, from: ALICE }));
    }
    n.autoMine();
    const { s } = sender(n); // the restarted process
    await Promise.all([s.send(TX), s.send(TX), s.send(TX)]);
    expect(distinctNonces(n)).toEqual([4, 5, 6]);
    expect(n.minedCount(ALICE)).toBe(7);
    n.expectGapFree();
    await s.send(TX);
    expect(distinctNonces(n)).toEqual([4, 5, 6, 7]);
    expect(s.abandonedNonces).toEqual([]);
  });

  it("test_send_restartPendingMinedMeanwhile_skipsIt_succeeds: 'nonce too low' on a reused nonce", async () => {
    const n = node();
    n.baseFee = 100n;
    n.accept(encode({ ...TX, nonce: 0, maxFeePerGas: 500n, maxPriorityFeePerGas: 5n, from: ALICE }));
    const { s } = sender(n);
    // The sender reads the pending transaction, then it is mined before the replacement goes out.
    const chain = n.chain(ALICE);
    const fees = chain.fees;
    let first = true;
    (s as unknown as { chain: TxChain }).chain = {
      ...chain,
      fees: async () => {
        if (first) n.mine();
        first = false;
        return fees();
      },
    };
    n.autoMine();
    await s.send(TX);
    expect(distinctNonces(n)).toEqual([0, 1]);
    n.expectGapFree();
  });

  it("test_send_severalProcessesOwnKeys_independentNonces_succeeds", async () => {
    const n = node();
    n.mined.set(BOB, 3);
    const a = sender(n, ALICE);
    const b = sender(n, BOB);
    n.autoMine();
    await Promise.all([a.s.send(TX), b.s.send(TX), a.s.send(TX), b.s.send(TX), a.s.send(TX)]);
    expect(distinctNonces(n, ALICE)).toEqual([0, 1, 2]);
    expect(distinctNonces(n, BOB)).toEqual([3, 4]);
    n.expectGapFree();
  });

  it("test_send_neverMined_givesUpAndReusesTheNonce_reverts: the next send outbids the stuck one", async () => {
    const n = node();
    n.baseFee = 100n;
    const { s } = sender(n, ALICE, { maxBumps: 2 });
    n.autoMine();
    await s.send(TX); // nonce 0
    n.baseFee = 100_000n; // nothing we offer within two bumps is enough: the node still quotes 200
    n.quote = 200n;
    await expect(s.send(TX)).rejects.toBeInstanceOf(StuckTransactionError);
    expect(s.abandonedNonces).toEqual([1]);
    const stuck = n.poolOf(ALICE).get(1)!;
    n.baseFee = 100n;
    n.stop(); // keep the stuck one from being mined before the next send replaces it
    const sentBefore = n.sent.length;
    const next = s.send(TX);
    // Mining resumes once the replacement is out (not after a fixed wait: on a busy machine the
    // sender may bump it again before the node mines, so any of its nonce-1 sends may win).
    await vi.waitFor(() => expect(n.sent.length).toBeGreaterThan(sentBefore), { timeout: 10_000, interval: 5 });
    n.autoMine();
    const mined = (await next).transactionHash;
    const replacements = n.sent.slice(sentBefore).filter((t) => t.from === ALICE && t.nonce === 1);
    expect(replacements[0]!.maxFeePerGas * 10n).toBeGreaterThanOrEqual(stuck.maxFeePerGas * 11n);
    expect(mined).not.toBe(stuck.hash);
    expect(replacements.map((t) => t.hash)).toContain(mined);
    expect(noncesSent(n).filter((x) => x === 2)).toEqual([]);
    expect(s.abandonedNonces).toEqual([]);
    n.expectGapFree();
  });

  it("test_send_firstBroadcastFails_nonceGivenBack_succeeds: a concurrent send takes it, no gap", async () => {
    const n = node();
    const { s } = sender(n);
    n.failNext = ["fetch failed: ECONNREFUSED"];
    const failing = s.send(TX);
    const other = s.send(TX);
    await expect(failing).rejects.toThrow(/ECONNREFUSED/);
    n.autoMine();
    await other;
    expect(distinctNonces(n)).toEqual([0]);
    await s.send(TX);
    expect(distinctNonces(n)).toEqual([0, 1]);
    n.expectGapFree();
  });

  it("test_send_replacementFindsNonceTakenByOthers_reverts: NonceTakenError, no gap", async () => {
    const n = node();
    n.baseFee = 100n;
    const { s } = sender(n);
    n.baseFee = 1_000n; // ours (fees 200) waits
    const sending = s.send(TX);
    await new Promise((r) => setTimeout(r, 10));
    // Another process with this key replaces nonce 0 with a well-paid transaction, mined at once.
    n.accept(
      encode({ ...TX, data: "0xff", nonce: 0, maxFeePerGas: 10_000n, maxPriorityFeePerGas: 1_000n, from: ALICE }),
    );
    n.mine();
    await expect(sending).rejects.toBeInstanceOf(NonceTakenError);
    n.expectGapFree();
  });

  it("test_send_alreadyKnown_keepsTheNonce_succeeds: the node has it already; waited on, not re-numbered", async () => {
    const n = node();
    const { s } = sender(n);
    n.failNext = ["already known"]; // as if an earlier identical broadcast had reached the node
    n.autoMine();
    await s.send(TX);
    expect(new Set(noncesSent(n))).toEqual(new Set([0]));
    n.expectGapFree();
  });
});

describe("TxSender.warm", () => {
  const senderOver = (chain: TxChain) =>
    new TxSender(chain, { chainId: 1, account: ALICE, timeoutMs: 40, maxBumps: 3, pollMs: 2, logger: silentLogger() });

  it("test_warm_readsFeesAndSyncsOnce_succeeds: the first send finds them done; later warms read fees only", async () => {
    const n = node();
    n.mined.set(ALICE, 4);
    const chain = n.chain(ALICE);
    const reads = { nonce: 0, fees: 0 };
    const counted: TxChain = {
      ...chain,
      nonceAt: (a, tag) => (reads.nonce++, chain.nonceAt(a, tag)),
      fees: () => (reads.fees++, chain.fees()),
    };
    const s = senderOver(counted);
    s.warm();
    s.warm(); // a second batch taken at once: the sync is not repeated
    await new Promise((r) => setTimeout(r, 5));
    expect(reads).toEqual({ nonce: 2, fees: 2 }); // mined and pending counts; each warm asks for fees
    n.autoMine();
    await s.send(TX);
    expect(reads.nonce).toBe(2);
    s.warm();
    expect(reads).toEqual({ nonce: 2, fees: 4 });
    expect(distinctNonces(n)).toEqual([4]);
    n.expectGapFree();
  });

  it("test_warm_syncFails_sendSyncsItself_succeeds: a failed warm-up read costs nothing", async () => {
    const n = node();
    n.mined.set(ALICE, 2);
    const chain = n.chain(ALICE);
    let failures = 1;
    const flaky: TxChain = {
      ...chain,
      nonceAt: (a, tag) => (failures-- > 0 ? Promise.reject(new Error("node down")) : chain.nonceAt(a, tag)),
    };
    const s = senderOver(flaky);
    s.warm();
    await new Promise((r) => setTimeout(r, 5));
    n.autoMine();
    await s.send(TX);
    expect(distinctNonces(n)).toEqual([2]);
    n.expectGapFree();
  });
});

describe("bumpFees", () => {
  it("test_bumpFees_atLeastTenPercentAndCurrentMarket_succeeds", () => {
    expect(
      bumpFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 10n }, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }),
    ).toEqual({ maxFeePerGas: 121n, maxPriorityFeePerGas: 13n });
    expect(
      bumpFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 10n }, { maxFeePerGas: 500n, maxPriorityFeePerGas: 50n }),
    ).toEqual({ maxFeePerGas: 500n, maxPriorityFeePerGas: 50n });
  });
});
