/**
 * Follows one chain's gateway: polls the head, detects reorgs, and reads the gateway's events
 * of every new block into a `ChainPoll` the monitor applies. All RPC reads of a poll happen
 * here, before anything is applied, so a failed read leaves the cursor where it was and the
 * same blocks are read again on the next poll: nothing is half-applied or counted twice.
 */
import { parseEventLogs, type Hex, type Log } from "viem";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import { decodeMessageSent, MESSAGE_SENT_TOPIC } from "../core/logs.js";
import type { Message } from "../core/message.js";
import { deliveredInTransaction, type DeliveredMessage } from "./checks/deliveries.js";
import type { ChainGateway } from "./gateway.js";

/** Most blocks read per poll: a long backfill proceeds in steps, between which checks run. */
export const MAX_BLOCKS_PER_POLL = 2_000n;
/** How far back a detected reorg rewinds (deeper than any L2 reorg the monitor expects). */
export const REORG_REWIND = 64n;

export interface ChainHead {
  number: bigint;
  hash: Hex;
  /** Unix seconds. */
  timestamp: number;
}

interface At {
  blockNumber: bigint;
  txHash: Hex;
}

export interface SentEvent extends At {
  msgId: Hex;
  message: Message;
  timestamp: number;
}

export interface QueuedEvent extends At {
  msgId: Hex;
  sourceChainId: bigint;
  nonce: bigint;
  executableAt: bigint;
}

/**
 * A `MessageExecuted`: a fast delivery (`message` decoded from its delivering transaction), the
 * `execute` of a message queued earlier, or a payout the monitor cannot attribute to any
 * decodable delivery.
 */
export interface ExecutedEvent extends At {
  msgId: Hex;
  timestamp: number;
  path: "fast" | "queued" | "unattributed";
  message?: Message;
  /** For a queued message the monitor did not see queued: its source, from the gateway. */
  sourceChainId?: bigint;
}

export interface ChainPoll {
  chainId: number;
  head: ChainHead;
  fromBlock: bigint;
  toBlock: bigint;
  /** Set when a reorg was detected: state from blocks after this one must be forgotten. */
  reorgedAfter?: bigint;
  sent: SentEvent[];
  queued: QueuedEvent[];
  executed: ExecutedEvent[];
  vetoed: (At & { msgId: Hex })[];
  /** Escape hatch: messages addressed here cancelled after their deadline. */
  cancelled: (At & { msgId: Hex; sourceChainId: bigint })[];
  /** Escape hatch: messages sent from here refunded through L1. */
  refunded: (At & { msgId: Hex })[];
  unpaused: At[];
}

export class ChainWatcher {
  /** Last block whose events were applied. */
  private cursor: bigint;
  private cursorHash?: Hex;
  private readonly blockTimes = new Map<bigint, number>();
  head?: ChainHead;
  /** Wall-clock ms of the last successful answer. */
  lastOkAt?: number;

  constructor(
    readonly gateway: ChainGateway,
    startBlock: bigint,
    private readonly now: () => number = Date.now,
  ) {
    this.cursor = startBlock - 1n;
  }

  get chainId(): number {
    return this.gateway.chainId;
  }

  get name(): string {
    return this.gateway.name;
  }

  get processedBlock(): bigint {
    return this.cursor;
  }

  /** True while older blocks remain to be read (a backfill). */
  get behind(): boolean {
    return this.head !== undefined && this.cursor < this.head.number;
  }

  /**
   * Reads everything new, or returns `undefined` when there is no new block. `wasQueued` says
   * whether a message id was queued earlier on this chain (then its `MessageExecuted` is an
   * `execute`, not a fast delivery that needs its calldata decoded).
   */
  async poll(wasQueued: (msgId: Hex) => boolean): Promise<ChainPoll | undefined> {
    const client = this.gateway.client;
    const latest = await client.getBlock({ blockTag: "latest" });
    const head: ChainHead = { number: latest.number, hash: latest.hash, timestamp: Number(latest.timestamp) };
    this.head = head;
    this.lastOkAt = this.now();

    let reorgedAfter: bigint | undefined;
    if (await this.reorged(head, latest.parentHash)) {
      const floor = this.cursor - REORG_REWIND;
      reorgedAfter = floor > 0n ? floor : 0n;
      this.cursor = reorgedAfter;
      this.cursorHash = undefined;
      this.blockTimes.clear();
    }
    if (head.number <= this.cursor) return undefined;

    const fromBlock = this.cursor + 1n;
    const capped = this.cursor + MAX_BLOCKS_PER_POLL;
    const toBlock = head.number < capped ? head.number : capped;
    const logs = await client.getLogs({ address: this.gateway.address, fromBlock, toBlock });
    const poll = await this.read(logs, wasQueued);
    return { chainId: this.chainId, head, fromBlock, toBlock, reorgedAfter, ...poll };
  }

  /** Marks a poll applied: its blocks are never read again (unless a reorg rewinds). */
  commit(poll: ChainPoll): void {
    this.cursor = poll.toBlock;
    this.cursorHash = poll.toBlock === poll.head.number ? poll.head.hash : undefined;
    for (const n of this.blockTimes.keys()) if (n <= poll.toBlock) this.blockTimes.delete(n);
  }

  private async reorged(head: ChainHead, parentHash: Hex): Promise<boolean> {
    if (this.cursorHash === undefined) return false;
    if (head.number === this.cursor) return head.hash !== this.cursorHash;
    if (head.number === this.cursor + 1n) return parentHash !== this.cursorHash;
    if (head.number < this.cursor) return true;
    const block = await this.gateway.client.getBlock({ blockNumber: this.cursor });
    return block.hash !== this.cursorHash;
  }

  private async read(logs: Log<bigint, number, false>[], wasQueued: (msgId: Hex) => boolean) {
    // MessageSent logs, most of a busy block's, skip viem's generic decoder (core decodes them by
    // hand, core/logs.ts); the others go through it. Either way in log order.
    const isSent = (log: Log) => log.topics[0] === MESSAGE_SENT_TOPIC;
    const logKey = (log: Log) => `${log.transactionHash}:${log.logIndex}`;
    const others = new Map(
      parseEventLogs({ abi: bridgeGatewayAbi, logs: logs.filter((log) => !isSent(log)) }).map((e) => [logKey(e), e]),
    );
    const out: Omit<ChainPoll, "chainId" | "head" | "fromBlock" | "toBlock" | "reorgedAfter"> = {
      sent: [],
      queued: [],
      executed: [],
      vetoed: [],
      cancelled: [],
      refunded: [],
      unpaused: [],
    };
    const queuedHere = new Set<Hex>();
    const fastTxs = new Map<Hex, Hex[]>();
    for (const log of logs) {
      if (isSent(log)) {
        const { msgId, message } = decodeMessageSent(log);
        const timestamp = await this.blockTime(log);
        out.sent.push({ blockNumber: log.blockNumber, txHash: log.transactionHash, msgId, message, timestamp });
        continue;
      }
      const e = others.get(logKey(log));
      if (!e) continue;
      const at = { blockNumber: e.blockNumber, txHash: e.transactionHash };
      switch (e.eventName) {
        case "MessageQueued":
          queuedHere.add(e.args.msgId);
          out.queued.push({
            ...at,
            msgId: e.args.msgId,
            sourceChainId: e.args.sourceChainId,
            nonce: e.args.nonce,
            executableAt: e.args.executableAt,
          });
          break;
        case "MessageExecuted": {
          const fast = !queuedHere.has(e.args.msgId) && !wasQueued(e.args.msgId);
          out.executed.push({
            ...at,
            msgId: e.args.msgId,
            timestamp: await this.blockTime(e),
            path: fast ? "fast" : "queued",
          });
          if (fast) fastTxs.set(e.transactionHash, [...(fastTxs.get(e.transactionHash) ?? []), e.args.msgId]);
          break;
        }
        case "MessageVetoed":
          out.vetoed.push({ ...at, msgId: e.args.msgId });
          break;
        case "MessageCancelled":
          out.cancelled.push({ ...at, msgId: e.args.msgId, sourceChainId: e.args.sourceChainId });
          break;
        case "MessageRefunded":
          out.refunded.push({ ...at, msgId: e.args.msgId });
          break;
        case "Unpaused":
          out.unpaused.push(at);
          break;
        default:
          break;
      }
    }
    await this.attribute(out.executed, fastTxs);
    return out;
  }

  /** Fills in what each fast execution paid out, from its transaction's `deliver` calldata. */
  private async attribute(executed: ExecutedEvent[], fastTxs: Map<Hex, Hex[]>) {
    const decoded = new Map<Hex, DeliveredMessage>();
    for (const txHash of fastTxs.keys()) {
      for (const d of await deliveredInTransaction(this.gateway.client, this.gateway.address, txHash)) {
        decoded.set(d.msgId, d);
      }
    }
    for (const e of executed) {
      if (e.path !== "fast") continue;
      const fast = decoded.get(e.msgId);
      if (fast) {
        e.message = fast.message;
        continue;
      }
      // Not in any delivery: the `execute` of a message queued before the monitor's scan
      // window, or a payout nobody can account for. The gateway's queue tells them apart.
      const queued = await this.gateway.queuedMessage(e.msgId);
      if (queued.status !== "None") {
        e.path = "queued";
        e.sourceChainId = BigInt(queued.sourceChainId);
      } else {
        e.path = "unattributed";
      }
    }
  }

  private async blockTime(log: { blockNumber: bigint; blockTimestamp?: bigint | Hex | null }): Promise<number> {
    if (typeof log.blockTimestamp === "bigint") return Number(log.blockTimestamp);
    if (typeof log.blockTimestamp === "string") return Number(BigInt(log.blockTimestamp));
    const known = this.blockTimes.get(log.blockNumber);
    if (known !== undefined) return known;
    const block = await this.gateway.client.getBlock({ blockNumber: log.blockNumber });
    const t = Number(block.timestamp);
    this.blockTimes.set(log.blockNumber, t);
    return t;
  }
}
