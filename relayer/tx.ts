/**
 * Sending the relayer's transactions on one chain with one key: several in flight at once, a
 * nonce manager that never leaves a gap, EIP-1559 fees, and same-nonce replacement of a
 * transaction not mined within TX_TIMEOUT_MS.
 *
 * Nonces. A nonce is taken and first broadcast under one lock, in order, so a nonce above one
 * that failed to go out is never in the mempool: if the first broadcast fails, the nonce is given
 * back before anyone else takes one. Once a transaction is in the mempool its nonce stays
 * occupied: it is replaced (same nonce, fees up ≥ 10 %) while it waits, and if it is given up
 * (MAX_FEE_BUMPS replacements, still not mined) the nonce is remembered as *abandoned*, still
 * holding our last transaction; the next send reuses the lowest abandoned nonce, outbidding what
 * sits there, before it takes a fresh one. Restarts: transactions a previous run left pending
 * (the chain's pending count above its mined count) are abandoned nonces from the start, so the
 * first sends replace them. "nonce too low" means the nonce was mined: by one of our hashes (the
 * send succeeded), by a transaction of a previous run, or by another process using this key
 * (logged: every process must have its own key) — the send then moves to another nonce, and the
 * fresh-nonce counter resynchronises from the chain.
 */
import { keccak256, type Address, type Hex, type TransactionReceipt } from "viem";
import { sleep } from "../core/service/lifecycle.js";
import type { Logger } from "../core/service/logger.js";

/** The chain access a TxSender needs (a viem public client and local account in production). */
export interface TxChain {
  /** Transactions of `address` mined ("latest"), or mined and pending ("pending"). */
  nonceAt(address: Address, tag: "latest" | "pending"): Promise<number>;
  fees(): Promise<Fees>;
  /** The receipt, or null while the transaction is not mined. */
  receipt(hash: Hex): Promise<TransactionReceipt | null>;
  /** Signs the transaction (no I/O in production: a local key). */
  sign(tx: SignedTxRequest): Promise<Hex>;
  /** eth_sendRawTransaction; throws with the node's message when refused. */
  sendRaw(raw: Hex): Promise<void>;
}

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface TxRequest {
  to: Address;
  data: Hex;
  gas: bigint;
  /** Native value sent with the call (a delivery's drop-offs); none when absent. */
  value?: bigint;
}

export interface SignedTxRequest extends TxRequest, Fees {
  nonce: number;
}

export interface TxSenderOptions {
  chainId: number;
  account: Address;
  timeoutMs: number;
  maxBumps: number;
  pollMs: number;
  logger: Logger;
  onReplacement?: () => void;
}

/** The transaction was replaced MAX_FEE_BUMPS times and is still not mined (its nonce is abandoned). */
export class StuckTransactionError extends Error {
  override name = "StuckTransactionError";
}

/** The nonce of a sent transaction was mined by a transaction that is not ours. */
export class NonceTakenError extends Error {
  override name = "NonceTakenError";
}

/** Fees raised 20 % (nodes require at least 10 % on both fields to accept a replacement). */
export function bumpFees(previous: Fees, current: Fees): Fees {
  const bump = (v: bigint) => (v * 12n + 9n) / 10n + 1n;
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const maxPriorityFeePerGas = max(bump(previous.maxPriorityFeePerGas), current.maxPriorityFeePerGas);
  const maxFeePerGas = max(max(bump(previous.maxFeePerGas), current.maxFeePerGas), maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

const NONCE_TOO_LOW = /nonce too low|nonce has already been used|nonce is too low|already been mined|old nonce/i;
const ALREADY_KNOWN = /already known|already imported|known transaction/i;
const UNDERPRICED = /underpriced|fee too low|replacement/i;

type BroadcastResult = "sent" | "nonce_too_low" | "underpriced";

/** A transaction of ours in the mempool: its nonce, latest fees and every hash sent for it. */
interface Pending {
  nonce: number;
  fees: Fees;
  hashes: Hex[];
  bumps: number;
}

export class TxSender {
  /** Next never-used nonce (undefined until read from the chain, or after a resync). */
  private next?: number;
  /** Nonces holding a transaction of ours nobody waits for: reused first. Value: its last fees. */
  private readonly abandoned = new Map<number, Fees | undefined>();
  /** Serialises taking a nonce with its first broadcast. */
  private lock: Promise<unknown> = Promise.resolve();
  private inFlight = 0;

  constructor(
    private readonly chain: TxChain,
    private readonly o: TxSenderOptions,
  ) {}

  /** Transactions sent and not yet settled. */
  get pending(): number {
    return this.inFlight;
  }

  /** Nonces currently abandoned (tests, logs). */
  get abandonedNonces(): number[] {
    return [...this.abandoned.keys()].sort((a, b) => a - b);
  }

  /**
   * Sends `tx` and resolves with its (or its replacement's) receipt, reverted or not. Concurrent
   * calls are in flight together, each on its own nonce.
   */
  async send(tx: TxRequest, signal?: AbortSignal): Promise<TransactionReceipt> {
    signal?.throwIfAborted();
    this.inFlight++;
    try {
      // Read outside the nonce lock: concurrent sends do not queue behind each other's RPC calls.
      const started = Date.now();
      const fees = await this.chain.fees();
      const pending = await this.exclusive(() => this.broadcastNew(tx, fees));
      this.o.logger.debug(
        { chainId: this.o.chainId, nonce: pending.nonce, hash: pending.hashes[0], ms: Date.now() - started },
        "transaction broadcast",
      );
      const receipt = await this.watch(tx, pending, signal);
      this.o.logger.debug(
        { chainId: this.o.chainId, nonce: pending.nonce, block: Number(receipt.blockNumber), ms: Date.now() - started },
        "transaction mined",
      );
      return receipt;
    } finally {
      this.inFlight--;
    }
  }

  /**
   * Starts what the next send would otherwise wait for — the fees (a shared read, fresh or being
   * refreshed) and, before the first send, the nonce sync — without waiting for it. The deliverer
   * calls it when it takes a batch, so the reads overlap the batch's attestation instead of
   * following it. Failures are left for the send, which reads again.
   */
  warm(): void {
    this.chain.fees().catch(() => undefined);
    if (this.next !== undefined) return;
    this.exclusive(async () => {
      if (this.next === undefined) await this.sync();
    }).catch(() => undefined);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Takes a nonce (the lowest abandoned one, else a fresh one) and gets `tx` into the mempool. */
  private async broadcastNew(tx: TxRequest, current: Fees): Promise<Pending> {
    if (this.next === undefined) await this.sync();
    for (let attempt = 0; ; attempt++) {
      if (attempt > 64) throw new Error(`no usable nonce on chain ${this.o.chainId} after ${attempt} tries`);
      const reuse = this.lowestAbandoned();
      const nonce = reuse ?? this.next!;
      const previous = reuse === undefined ? undefined : this.abandoned.get(reuse);
      const pending: Pending = { nonce, fees: previous ? bumpFees(previous, current) : current, hashes: [], bumps: 0 };
      const result = await this.broadcastOutbidding(tx, pending);
      if (result === "sent") {
        if (reuse === undefined) this.next = nonce + 1;
        else this.abandoned.delete(nonce);
        return pending;
      }
      if (result === "underpriced") {
        // Could not outbid what holds this nonce within MAX_FEE_BUMPS: abandoned, tried again
        // (from these fees) by the next send.
        this.abandoned.set(nonce, pending.fees);
        if (reuse === undefined) this.next = nonce + 1;
        throw new StuckTransactionError(
          `nonce ${nonce} on chain ${this.o.chainId} holds a transaction this sender could not outbid in ${pending.bumps} fee bumps`,
        );
      }
      // "nonce too low": mined already. An abandoned nonce is simply done; a fresh one means
      // the chain is ahead of this sender (a previous run, or another process with this key).
      if (reuse !== undefined) {
        this.abandoned.delete(nonce);
        continue;
      }
      const before = this.next!;
      await this.sync();
      this.o.logger.warn(
        { chainId: this.o.chainId, nonce, next: this.next },
        "fresh nonce already used on chain: is another process sending with this key? resynchronised",
      );
      if (this.next! <= before) this.next = before + 1;
    }
  }

  /** Reads the chain's nonces: mined count as the base, pending ones of a previous run abandoned. */
  private async sync(): Promise<void> {
    const [mined, pending] = await Promise.all([
      this.chain.nonceAt(this.o.account, "latest"),
      this.chain.nonceAt(this.o.account, "pending"),
    ]);
    for (const nonce of [...this.abandoned.keys()]) if (nonce < mined) this.abandoned.delete(nonce);
    const highestKnown = Math.max(this.next ?? 0, mined);
    for (let n = highestKnown; n < pending; n++) if (!this.abandoned.has(n)) this.abandoned.set(n, undefined);
    if (pending > highestKnown) {
      this.o.logger.info(
        { chainId: this.o.chainId, mined, pending },
        "transactions of an earlier run are pending: their nonces are reused (outbid) first",
      );
    }
    this.next = Math.max(highestKnown, pending);
  }

  private lowestAbandoned(): number | undefined {
    let lowest: number | undefined;
    for (const n of this.abandoned.keys()) if (lowest === undefined || n < lowest) lowest = n;
    return lowest;
  }

  /**
   * Broadcasts at `pending.nonce`; "replacement underpriced" (something of ours is there) bumps
   * the fees and tries again, up to MAX_FEE_BUMPS times.
   */
  private async broadcastOutbidding(tx: TxRequest, pending: Pending): Promise<BroadcastResult> {
    for (;;) {
      const result = await this.broadcast(tx, pending);
      if (result !== "underpriced" || pending.bumps >= this.o.maxBumps) return result;
      pending.bumps++;
      pending.fees = bumpFees(pending.fees, await this.chain.fees());
      this.o.logger.warn(
        { chainId: this.o.chainId, nonce: pending.nonce, fees: stringify(pending.fees) },
        "nonce held by a pending transaction; re-sending with bumped fees",
      );
    }
  }

  /** One signed broadcast; the hash is recorded when the node has the transaction. */
  private async broadcast(tx: TxRequest, pending: Pending): Promise<BroadcastResult> {
    const raw = await this.chain.sign({ ...tx, ...pending.fees, nonce: pending.nonce });
    const hash = keccak256(raw);
    try {
      await this.chain.sendRaw(raw);
    } catch (e) {
      const message = (e as Error).message ?? "";
      if (ALREADY_KNOWN.test(message)) {
        if (!pending.hashes.includes(hash)) pending.hashes.push(hash);
        return "sent";
      }
      if (NONCE_TOO_LOW.test(message)) return "nonce_too_low";
      if (UNDERPRICED.test(message)) return "underpriced";
      throw e;
    }
    pending.hashes.push(hash);
    return "sent";
  }

  /** Waits for any hash of `pending` to be mined, replacing it with bumped fees on each timeout. */
  private async watch(tx: TxRequest, pending: Pending, signal?: AbortSignal): Promise<TransactionReceipt> {
    const log = this.o.logger.child({ chainId: this.o.chainId, nonce: pending.nonce });
    for (;;) {
      const receipt = await this.waitForAny(pending.hashes, this.o.timeoutMs, signal);
      if (receipt) return receipt;
      if (pending.bumps >= this.o.maxBumps) {
        this.abandoned.set(pending.nonce, pending.fees);
        throw new StuckTransactionError(
          `transaction with nonce ${pending.nonce} on chain ${this.o.chainId} not mined after ${pending.bumps} fee bumps (${pending.hashes.join(", ")}); the nonce is reused by the next send`,
        );
      }
      pending.bumps++;
      pending.fees = bumpFees(pending.fees, await this.chain.fees());
      log.warn(
        { hashes: pending.hashes, fees: stringify(pending.fees) },
        "transaction not mined in time; replacing it",
      );
      this.o.onReplacement?.();
      let result: BroadcastResult;
      try {
        result = await this.broadcastOutbidding(tx, pending);
      } catch (e) {
        // The node is unreachable for now: keep waiting on what is already out.
        log.warn({ err: (e as Error).message.split("\n")[0] }, "replacement broadcast failed; still waiting");
        continue;
      }
      if (result === "nonce_too_low") {
        // Mined meanwhile: one of our hashes (found below), or a transaction that is not ours.
        const mined = await this.waitForAny(pending.hashes, Math.max(this.o.pollMs * 8, 2_000), signal);
        if (mined) return mined;
        throw new NonceTakenError(
          `nonce ${pending.nonce} on chain ${this.o.chainId} was mined by a transaction that is not this one`,
        );
      }
    }
  }

  /** Polls the receipts of `hashes` until one is mined or `timeoutMs` passes (then null). */
  private async waitForAny(hashes: readonly Hex[], timeoutMs: number, signal?: AbortSignal) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      const receipts = await Promise.all(hashes.map((h) => this.chain.receipt(h).catch(() => null)));
      const mined = receipts.find((r) => r !== null);
      if (mined) return mined;
      if (Date.now() >= deadline) return null;
      await sleep(Math.min(this.o.pollMs, Math.max(0, deadline - Date.now())), signal);
    }
  }
}

function stringify(fees: Fees) {
  return { maxFeePerGas: fees.maxFeePerGas.toString(), maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString() };
}
