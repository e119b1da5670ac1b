/**
 * Follows one source gateway: scans `MessageSent` logs from its deploy block up to the chain's
 * confirmation depth in bounded block ranges, checks each against the gateway's own record
 * (`sentMessageId(nonce)` at the confirmed block), and keeps the unconfirmed tail above that
 * depth so clients can see a message before it is signable. The same ranges' settlements
 * (executed, vetoed, cancelled) and the confirmed sends feed the accountant (accountant.ts).
 *
 * Reorg handling: the hash of the newest scanned block is re-checked every poll; when it changed
 * (a reorg deeper than the confirmation depth) the follower steps back `REORG_REWIND_BLOCKS`,
 * forgets what it saw there and rescans. The signing path re-checks each message's block hash
 * too and rewinds through `rewind` when it finds one reorged out.
 */
import type { Logger } from "pino";
import type { Hex } from "viem";
import type { Accountant } from "./accountant.js";
import { describeMessage, type MessageBook } from "./book.js";
import { ChainInconsistencyError, type BlockRef, type GatewayReader, type ObservedMessage } from "./chain.js";
import type { GuardianMetrics } from "./metrics.js";
import type { GatewayChain, MessagePolicy } from "./policy.js";

/** How far back a detected deep reorg rescans when its exact depth is unknown. */
export const REORG_REWIND_BLOCKS = 128n;

export interface ChainView {
  headBlock: bigint;
  headTimestamp: bigint;
  scannedBlock: bigint;
  scannedTimestamp: bigint;
  /** Wall-clock ms of the last successful poll. */
  polledAt: number;
}

export interface FollowerOptions {
  maxBlockRange: number;
  /** Wall clock in ms. */
  now: () => number;
}

export class ChainFollower {
  /** Last block scanned at the confirmation depth. */
  private cursor: bigint;
  /** Its hash when scanned, to notice it being reorged out. */
  private cursorHash?: Hex;
  /** Bumped by every rewind so a poll that raced one discards its results. */
  private epoch = 0;
  private lastView?: ChainView;
  /** Head of the last complete round, and whether that round reached the confirmed head. */
  private lastHeadHash?: Hex;
  private caughtUp = false;
  /** The head of the last complete `scan`, whose tail `readTail` reads. */
  private lastHead?: BlockRef;
  /** Hash of the head whose tail was read last. */
  private tailReadAt?: Hex;
  /** That tail's logs by block (see `readTail`). */
  private keptTail: ReadonlyMap<bigint, BlockLogs> = new Map();
  private readonly startBlock: bigint;
  private readonly chainLabel: { chain_id: string };
  /** Why the last poll failed (e.g. the RPC endpoints disagree), until one succeeds. */
  lastError?: string;

  constructor(
    readonly chain: GatewayChain,
    private readonly reader: GatewayReader,
    private readonly book: MessageBook,
    private readonly policy: MessagePolicy,
    private readonly accountant: Accountant,
    private readonly metrics: GuardianMetrics,
    private readonly logger: Logger,
    private readonly options: FollowerOptions,
  ) {
    // Block 0 holds no transactions, so the scan starts at 1 at the earliest.
    this.startBlock = BigInt(Math.max(chain.deployBlock ?? 1, 1));
    this.cursor = this.startBlock - 1n;
    this.chainLabel = { chain_id: String(chain.chainId) };
  }

  get chainId(): number {
    return this.chain.chainId;
  }

  get view(): ChainView | undefined {
    return this.lastView;
  }

  /** The block scanned at depth and whether the scan has reached the confirmed head (accountant). */
  get progress(): { scannedBlock: bigint; caughtUp: boolean } | undefined {
    return this.lastView ? { scannedBlock: this.cursor, caughtUp: this.caughtUp } : undefined;
  }

  /**
   * One round: `scan`, then `readTail`. Returns true when caught up with the confirmed head.
   * The guardian's loop runs the two apart, listing what `scan` confirmed in between.
   */
  async poll(): Promise<boolean> {
    const caughtUp = await this.scan();
    await this.readTail();
    return caughtUp;
  }

  /**
   * Checks the cursor is still canonical and scans the next range at depth. Returns true when
   * caught up with the confirmed head. A new head is what every message of the block below it
   * waits for to be listed, so this reads only what confirming needs: the cursor's and the range
   * end's hashes together, then the range's logs (not read again when `readTail` kept them)
   * checked against the gateway beside its settlements. The blocks above the depth are read by
   * `readTail`, after the listing.
   */
  async scan(): Promise<boolean> {
    const epoch = this.epoch;
    const head = await this.reader.latestBlock();
    if (this.lastView && this.lastHeadHash === head.hash && this.caughtUp) {
      // Nothing moved since the last full round: only the view's age is refreshed.
      this.lastView = { ...this.lastView, polledAt: this.options.now() };
      return true;
    }
    const confirmedHead = head.number - BigInt(this.chain.confirmations);
    const from = this.cursor + 1n;
    const to = min(confirmedHead, from + BigInt(this.options.maxBlockRange) - 1n);
    // The range end's hash is read before its logs: a reorg in between then shows up as a
    // cursor mismatch on the next poll instead of going unnoticed. Both hashes in one round trip.
    const [cursorBlock, toBlock] = await Promise.all([
      this.reader.blockAt(this.cursor),
      to >= from ? this.reader.blockAt(to) : undefined,
    ]);
    if (epoch !== this.epoch) return false;
    if (!cursorBlock || (this.cursorHash !== undefined && cursorBlock.hash !== this.cursorHash)) {
      this.metrics.reorgs.inc(this.chainLabel);
      this.logger.warn({ block: this.cursor.toString() }, "scanned block was reorged out; rescanning");
      this.rewind(this.cursor - REORG_REWIND_BLOCKS + 1n);
      return false;
    }

    let scanned: BlockRef = cursorBlock;
    if (to >= from) {
      if (!toBlock) throw new ChainInconsistencyError(`block ${to} below the head ${head.number} is missing`);
      const kept = from === to ? this.keptTail.get(to) : undefined;
      const reuse = kept?.hash === toBlock.hash ? kept.logs : undefined;
      const [logs, settlements] = await Promise.all([
        (reuse ? Promise.resolve(reuse) : this.reader.messagesSent(from, to)).then(async (read) => {
          await this.checkAgainstGateway(read, confirmedHead);
          return read;
        }),
        this.reader.settlements(from, to),
      ]);
      if (epoch !== this.epoch) return false;
      for (const observed of logs) this.recordConfirmed(observed);
      for (const s of settlements) this.accountant.recordSettled(this.chain.chainId, s);
      this.cursor = to;
      this.cursorHash = toBlock.hash;
      scanned = toBlock;
    } else {
      this.cursorHash = cursorBlock.hash;
    }

    this.caughtUp = this.cursor >= confirmedHead;
    this.lastHeadHash = head.hash;
    this.lastHead = head;
    this.updateView(head, scanned);
    return this.caughtUp;
  }

  /**
   * Reads the unconfirmed tail (the blocks above the depth) of the head the last `scan` reached,
   * once per head, so clients can see a message before it is signable. Its logs are kept by
   * block: the scan that confirms the next block finds it under the hash its logs carry and checks
   * those against the gateway, instead of reading a burst block's few hundred logs again on the
   * listing's path. One answer's logs with the same block hash are all of that block's (a node
   * reads a block's logs whole), and the hash the confirming scan reads says it is still that
   * block; a block with no log in the tail is read again (nothing is known of its hash).
   */
  async readTail(): Promise<void> {
    const head = this.lastHead;
    if (!head || !this.caughtUp || this.tailReadAt === head.hash) return;
    const epoch = this.epoch;
    const from = this.cursor + 1n;
    const tail = head.number >= from ? await this.reader.messagesSent(from, head.number) : [];
    // A rewind, or a scan of a newer head, while this was read: that round reads its own tail.
    if (epoch !== this.epoch || this.lastHead !== head) return;
    this.recordTail(tail);
    this.tailReadAt = head.hash;
    this.keptTail = logsByBlock(tail);
  }

  /**
   * Steps the cursor back so blocks `>= fromBlock` are rescanned and forgets the messages seen in
   * them (canonical ones are found again; the store keeps claims and approvals regardless).
   */
  rewind(fromBlock: bigint): void {
    const target = max(fromBlock, this.startBlock) - 1n;
    this.epoch++;
    this.lastHeadHash = undefined;
    this.lastHead = undefined;
    this.tailReadAt = undefined;
    this.keptTail = new Map();
    if (target < this.cursor) {
      this.cursor = target;
      this.cursorHash = undefined;
    }
    const dropped = this.book.dropFrom(this.chain.chainId, target + 1n);
    this.accountant.rewind(this.chain.chainId, target + 1n);
    this.logger.info({ fromBlock: (target + 1n).toString(), dropped }, "rewound chain view");
  }

  /**
   * Every log must be the message the gateway itself stored for that nonce. One query reads the
   * page's nonces together (core/gateway.ts `sentMessageIds`): a burst block's few hundred logs
   * cost one call, not one each.
   */
  private async checkAgainstGateway(logs: readonly ObservedMessage[], confirmedHead: bigint) {
    if (logs.length === 0) return;
    const stored = await this.reader.sentMessageIds(
      logs.map((log) => log.message.nonce),
      confirmedHead,
    );
    logs.forEach((log, i) => {
      if (stored[i] === log.msgId) return;
      throw new ChainInconsistencyError(
        `MessageSent ${log.msgId} (nonce ${log.message.nonce}, block ${log.blockNumber}) is not the gateway's ` +
          `message for that nonce at block ${confirmedHead} (${stored[i]})`,
      );
    });
  }

  private recordConfirmed(observed: ObservedMessage) {
    const rejection = this.policy.check(this.chain, observed.message);
    if (this.book.confirm(this.chain.chainId, observed, rejection)) this.countObserved(observed, rejection);
    this.accountant.recordSent(observed.message, observed.msgId, observed.blockNumber);
    this.logger.debug({ msgId: observed.msgId, block: observed.blockNumber.toString() }, "message confirmed");
  }

  private recordTail(tail: readonly ObservedMessage[]) {
    const entries = tail.map((observed) => ({ observed, rejection: this.policy.check(this.chain, observed.message) }));
    const added = new Set(this.book.setTail(this.chain.chainId, entries));
    for (const { observed, rejection } of entries) {
      if (added.has(observed.msgId)) this.countObserved(observed, rejection);
    }
  }

  private countObserved(observed: ObservedMessage, rejection: string | undefined) {
    this.metrics.messagesObserved.inc({ source_chain_id: String(this.chain.chainId) });
    const fields = {
      msgId: observed.msgId,
      block: observed.blockNumber.toString(),
      ...describeMessage(observed.message),
    };
    if (rejection) this.logger.warn({ ...fields, reason: rejection }, "message observed and rejected");
    else this.logger.info(fields, "message observed");
  }

  private updateView(head: BlockRef, scanned: BlockRef) {
    this.lastView = {
      headBlock: head.number,
      headTimestamp: head.timestamp,
      scannedBlock: scanned.number,
      scannedTimestamp: scanned.timestamp,
      polledAt: this.options.now(),
    };
    this.metrics.scannedBlock.set(this.chainLabel, Number(scanned.number));
    this.metrics.headBlock.set(this.chainLabel, Number(head.number));
  }
}

/**
 * How far the view trails reality: the scanned block's age relative to the head (in chain time,
 * so it is immune to a chain clock that was moved), plus the time since the view was refreshed.
 */
export function lagSeconds(view: ChainView, nowMs: number): number {
  const behind = Number(view.headTimestamp - view.scannedTimestamp);
  const sincePoll = Math.max(0, nowMs - view.polledAt) / 1000;
  return Math.max(0, behind) + sincePoll;
}

interface BlockLogs {
  hash: Hex;
  logs: ObservedMessage[];
}

/** Logs grouped by block number; a block whose logs disagree on its hash is left out. */
function logsByBlock(logs: readonly ObservedMessage[]): Map<bigint, BlockLogs> {
  const blocks = new Map<bigint, BlockLogs>();
  const mixed = new Set<bigint>();
  for (const log of logs) {
    const block = blocks.get(log.blockNumber);
    if (!block) blocks.set(log.blockNumber, { hash: log.blockHash, logs: [log] });
    else if (block.hash === log.blockHash) block.logs.push(log);
    else mixed.add(log.blockNumber);
  }
  for (const number of mixed) blocks.delete(number);
  return blocks;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
