/**
 * Follows one chain's gateway at its confirmation depth and writes every log into the storage,
 * a page at a time, each page in one transaction with the chain's cursor.
 *
 * Reorgs: before a page is committed, the stored cursor's block hash is compared with the
 * chain's. When it changed, the newest stored checkpoint still on the canonical chain is found
 * and everything indexed after it is rolled back (events, messages, statuses), then indexing
 * resumes from there; with no canonical checkpoint left the chain is indexed again from the
 * gateway's deploy block. A page is only committed when its last block's hash is the same
 * before and after its logs were read, so a reorg during a read is never half-indexed.
 *
 * Restarts resume after the stored cursor (after the same hash check).
 */
import type { Address, Hex, Log, PublicClient } from "viem";
import type { Logger } from "../core/service/logger.js";
import { decodeGatewayLog } from "./events.js";
import type { ExplorerMetrics } from "./metrics.js";
import type { Checkpoint, IndexedEvent, IndexedPage, SentMessage } from "./model.js";
import type { ExplorerStorage } from "./storage/storage.js";

/** What the indexer reads from a chain; `viemChainReader` implements it, tests may fake it. */
export interface ChainReader {
  head(): Promise<number>;
  /** A canonical block's hash and time, or undefined when the chain has no such block. */
  block(number: number): Promise<{ hash: Hex; time: number } | undefined>;
  gatewayLogs(fromBlock: number, toBlock: number): Promise<Log[]>;
}

export function viemChainReader(client: PublicClient, gateway: Address): ChainReader {
  return {
    head: async () => Number(await client.getBlockNumber({ cacheTime: 0 })),
    block: async (number) => {
      try {
        const b = await client.getBlock({ blockNumber: BigInt(number) });
        return b.hash ? { hash: b.hash, time: Number(b.timestamp) } : undefined;
      } catch (e) {
        if ((e as Error).name === "BlockNotFoundError") return undefined;
        throw e;
      }
    },
    gatewayLogs: (fromBlock, toBlock) =>
      client.getLogs({ address: gateway, fromBlock: BigInt(fromBlock), toBlock: BigInt(toBlock) }),
  };
}

export interface IndexedChain {
  chainId: number;
  name: string;
  gateway: Address;
  deployBlock: number;
  confirmations: number;
}

/** What one `step` did. */
export interface StepResult {
  /** Messages whose view changed (new events, or rolled back). */
  changed: Hex[];
  /** Blocks remain between the cursor and head − confirmations: step again without waiting. */
  behind: boolean;
  /** The gateway's configuration may have changed (an admin event indexed, or a rollback). */
  configChanged: boolean;
}

export class ChainIndexer {
  private readonly log: Logger;
  /** Newest head seen and the block indexed up to, for /healthz and /v1/chains. */
  head?: number;
  indexedBlock?: number;
  lastOkAt?: number;
  /**
   * Blocks per `eth_getLogs`, at most `maxBlockRange`: halved when a read fails (a node refuses
   * an answer that is too large, e.g. an explorer starting behind thousands of messages), grown
   * back after each page that goes through.
   */
  private range: number;

  constructor(
    readonly chain: IndexedChain,
    private readonly reader: ChainReader,
    private readonly storage: ExplorerStorage,
    private readonly metrics: ExplorerMetrics,
    logger: Logger,
    private readonly maxBlockRange: number,
  ) {
    this.log = logger.child({ component: "indexer", chainId: chain.chainId });
    this.range = maxBlockRange;
  }

  /** Indexes at most one page. */
  async step(): Promise<StepResult> {
    const { chainId, confirmations, deployBlock } = this.chain;
    const labels = { chain: String(chainId) };
    const head = await this.reader.head();
    this.head = head;
    this.metrics.headBlock.set(labels, head);
    const target = head - confirmations;

    const cursor = await this.storage.cursor(chainId);
    if (cursor && cursor.gateway.toLowerCase() !== this.chain.gateway.toLowerCase()) {
      throw new Error(
        `this database indexed gateway ${cursor.gateway} on chain ${chainId}, but the manifest names ${this.chain.gateway}: use a new database for another deployment`,
      );
    }
    const fromBlock = cursor ? cursor.block + 1 : deployBlock;
    this.indexedBlock = fromBlock - 1;
    if (fromBlock > target) {
      // Nothing new to index, but a reorg may still have replaced the indexed tip.
      const rolledBack = cursor ? await this.checkCursor(cursor) : undefined;
      this.lastOkAt = Date.now();
      return { changed: rolledBack ?? [], behind: false, configChanged: rolledBack !== undefined };
    }
    const toBlock = Math.min(target, fromBlock + this.range - 1);

    const before = await this.reader.block(toBlock);
    let logs: Log[];
    try {
      logs = await this.reader.gatewayLogs(fromBlock, toBlock);
    } catch (e) {
      // The next step retries with half the range: a page too large for the node never stalls.
      this.range = Math.max(1, Math.floor(this.range / 2));
      throw e;
    }
    this.range = Math.min(this.maxBlockRange, this.range * 2);
    const [after, cursorNow] = await Promise.all([
      this.reader.block(toBlock),
      cursor ? this.reader.block(cursor.block) : Promise.resolve(undefined),
    ]);
    if (cursor && cursorNow?.hash !== cursor.hash) {
      return { changed: await this.rollBack(cursor), behind: true, configChanged: true };
    }
    if (!before || !after || before.hash !== after.hash) {
      this.log.info({ toBlock }, "block changed while its logs were read (a reorg): reading again");
      return { changed: [], behind: true, configChanged: false };
    }
    const page = await this.page(fromBlock, { block: toBlock, hash: after.hash }, logs);
    const started = performance.now();
    const changed = await this.storage.commitPage(page);
    this.metrics.commitSeconds.observe({ storage: this.storage.kind }, (performance.now() - started) / 1000);
    this.metrics.indexedBlock.set(labels, toBlock);
    this.metrics.blockLagSeconds.set(labels, Math.max(0, Date.now() / 1000 - after.time));
    this.metrics.eventsIndexed.inc(labels, page.events.length);
    this.metrics.messagesIndexed.inc(labels, page.sent.length);
    this.indexedBlock = toBlock;
    this.lastOkAt = Date.now();
    if (page.events.length > 0) {
      this.log.debug({ fromBlock, toBlock, events: page.events.length, messages: page.sent.length }, "page indexed");
    }
    return { changed, behind: toBlock < target, configChanged: page.events.some((e) => e.msgId === null) };
  }

  /** Rolls back when the indexed tip is no longer canonical: the messages it changed, if it did. */
  private async checkCursor(cursor: Checkpoint): Promise<Hex[] | undefined> {
    const now = await this.reader.block(cursor.block);
    return now?.hash === cursor.hash ? undefined : this.rollBack(cursor);
  }

  /** Rolls back to the newest checkpoint still on the canonical chain (or to nothing). */
  private async rollBack(cursor: Checkpoint): Promise<Hex[]> {
    const checkpoints = await this.storage.checkpoints(this.chain.chainId);
    let keep: Checkpoint | undefined;
    for (const c of checkpoints) {
      if (c.block >= cursor.block && c.hash === cursor.hash) continue;
      if ((await this.reader.block(c.block))?.hash === c.hash) {
        keep = c;
        break;
      }
    }
    const changed = await this.storage.rollback(this.chain.chainId, keep);
    this.metrics.reorgs.inc({ chain: String(this.chain.chainId) });
    this.log.warn(
      {
        orphanedFrom: (keep?.block ?? this.chain.deployBlock - 1) + 1,
        indexedTo: cursor.block,
        messages: changed.length,
      },
      keep
        ? "reorg: rolled back the orphaned blocks"
        : "reorg deeper than the stored checkpoints: re-indexing the chain",
    );
    this.indexedBlock = keep?.block ?? this.chain.deployBlock - 1;
    return changed;
  }

  private async page(fromBlock: number, to: Checkpoint, logs: Log[]): Promise<IndexedPage> {
    const times = await this.blockTimes(logs);
    const events: IndexedEvent[] = [];
    const sent: SentMessage[] = [];
    for (const log of logs) {
      if (log.removed || log.blockNumber === null || log.transactionHash === null) continue;
      const decoded = decodeGatewayLog(this.chain.chainId, log, times.get(Number(log.blockNumber))!);
      if (decoded.problem) {
        this.metrics.undecodableLogs.inc({ chain: String(this.chain.chainId) });
        this.log.error({ tx: log.transactionHash, err: decoded.problem }, "gateway log kept undecoded");
      }
      events.push(decoded.event);
      if (decoded.sent) sent.push(decoded.sent);
    }
    return { chainId: this.chain.chainId, gateway: this.chain.gateway, fromBlock, to, events, sent };
  }

  /** Block times of the logs' blocks: from the logs when the node includes them, else read. */
  private async blockTimes(logs: Log[]): Promise<Map<number, number>> {
    const times = new Map<number, number>();
    const missing = new Set<number>();
    for (const log of logs) {
      const n = Number(log.blockNumber);
      const t = (log as { blockTimestamp?: bigint | Hex | null }).blockTimestamp;
      if (typeof t === "bigint" || typeof t === "string") times.set(n, Number(t));
      else if (!times.has(n)) missing.add(n);
    }
    await Promise.all(
      [...missing].map(async (n) => {
        const b = await this.reader.block(n);
        if (!b) throw new Error(`block ${n} disappeared while its logs were read`);
        times.set(n, b.time);
      }),
    );
    return times;
  }
}
