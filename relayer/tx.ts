/**
 * Sending the relayer's transactions on one chain: nonce tracking, EIP-1559 fees, and
 * replacement of a transaction not mined within TX_TIMEOUT_MS by one with the same nonce and
 * bumped fees.
 *
 * Sends on a chain are serialised in this process (one transaction in flight per chain and key):
 * a stuck transaction then blocks nothing behind it in the mempool, and replacing it never
 * leaves a nonce gap. Throughput comes from batching (up to BATCH_SIZE messages per `deliver`)
 * and from chains being independent. Each relayer process must use its own key; a nonce taken
 * by someone else is detected ("nonce too low") and resynchronised from the chain.
 */
import type { Address, Hex, TransactionReceipt } from "viem";
import { sleep } from "../core/service/lifecycle.js";
import type { Logger } from "../core/service/logger.js";

/** The chain access a TxSender needs (a viem public + wallet client in production). */
export interface TxChain {
  /** Transactions of `address` mined in the latest block. */
  confirmedNonce(address: Address): Promise<number>;
  fees(): Promise<Fees>;
  /** The receipt, or null while the transaction is not mined. */
  receipt(hash: Hex): Promise<TransactionReceipt | null>;
  /** Signs and broadcasts; resolves with the hash. */
  broadcast(tx: SignedTxRequest): Promise<Hex>;
}

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface TxRequest {
  to: Address;
  data: Hex;
  gas: bigint;
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

/** The transaction was replaced MAX_FEE_BUMPS times and is still not mined. */
export class StuckTransactionError extends Error {
  override name = "StuckTransactionError";
}

/** Fees raised 20 % (nodes require at least 10 % on both fields to accept a replacement). */
export function bumpFees(previous: Fees, current: Fees): Fees {
  const bump = (v: bigint) => (v * 12n + 9n) / 10n + 1n;
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const maxPriorityFeePerGas = max(bump(previous.maxPriorityFeePerGas), current.maxPriorityFeePerGas);
  const maxFeePerGas = max(max(bump(previous.maxFeePerGas), current.maxFeePerGas), maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

const NONCE_TOO_LOW = /nonce too low|nonce has already been used|nonce is too low|already been mined/i;
const UNDERPRICED = /underpriced|already known|fee too low|replacement/i;

export class TxSender {
  private nextNonce?: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly chain: TxChain,
    private readonly o: TxSenderOptions,
  ) {}

  /** Sends `tx` and resolves with its (or its replacement's) receipt, reverted or not. */
  send(tx: TxRequest, signal?: AbortSignal): Promise<TransactionReceipt> {
    const run = this.queue.then(() => this.sendNow(tx, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendNow(tx: TxRequest, signal?: AbortSignal): Promise<TransactionReceipt> {
    signal?.throwIfAborted();
    const nonce = this.nextNonce ?? (await this.chain.confirmedNonce(this.o.account));
    let fees = await this.chain.fees();
    const hashes: Hex[] = [];
    const log = this.o.logger.child({ chainId: this.o.chainId, nonce });

    let bumps = 0;
    const broadcast = async (): Promise<void> => {
      for (;;) {
        try {
          hashes.push(await this.chain.broadcast({ ...tx, ...fees, nonce }));
          return;
        } catch (e) {
          const message = (e as Error).message ?? "";
          if (NONCE_TOO_LOW.test(message)) {
            // Mined already: one of ours (found by the receipt poll) or someone else's.
            if (hashes.length > 0) return;
            this.nextNonce = undefined;
            throw e;
          }
          if (UNDERPRICED.test(message) && bumps < this.o.maxBumps) {
            // A transaction of ours with this nonce is pending from before (a restart): outbid it.
            bumps += 1;
            fees = bumpFees(fees, await this.chain.fees());
            log.warn({ fees: stringify(fees) }, "nonce taken by a pending transaction; re-sending with bumped fees");
            continue;
          }
          throw e;
        }
      }
    };

    await broadcast();
    for (;;) {
      const receipt = await this.waitForAny(hashes, signal);
      if (receipt) {
        this.nextNonce = nonce + 1;
        return receipt;
      }
      if (bumps >= this.o.maxBumps) {
        this.nextNonce = undefined;
        throw new StuckTransactionError(
          `transaction with nonce ${nonce} on chain ${this.o.chainId} not mined after ${bumps} fee bumps (${hashes.join(", ")})`,
        );
      }
      bumps += 1;
      fees = bumpFees(fees, await this.chain.fees());
      log.warn({ hashes, fees: stringify(fees) }, "transaction not mined in time; replacing it with bumped fees");
      this.o.onReplacement?.();
      const before = hashes.length;
      await broadcast();
      if (hashes.length === before) {
        // "nonce too low" on a replacement: one of our earlier hashes was mined meanwhile.
        const mined = await this.waitForAny(hashes, signal);
        if (mined) {
          this.nextNonce = nonce + 1;
          return mined;
        }
        this.nextNonce = undefined;
        throw new Error(`nonce ${nonce} on chain ${this.o.chainId} was consumed by a transaction that is not ours`);
      }
    }
  }

  /** Polls the receipts of `hashes` until one is mined or TX_TIMEOUT_MS passes (then null). */
  private async waitForAny(hashes: readonly Hex[], signal?: AbortSignal): Promise<TransactionReceipt | null> {
    const deadline = Date.now() + this.o.timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      for (const hash of hashes) {
        const receipt = await this.chain.receipt(hash).catch(() => null);
        if (receipt) return receipt;
      }
      if (Date.now() >= deadline) return null;
      await sleep(Math.min(this.o.pollMs, Math.max(0, deadline - Date.now())), signal);
    }
  }
}

function stringify(fees: Fees) {
  return { maxFeePerGas: fees.maxFeePerGas.toString(), maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString() };
}
