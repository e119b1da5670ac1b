/**
 * Stage 1, observe: follows one source L2's gateway and turns every `MessageSent` at
 * confirmation depth into delivery jobs (a job per block's group, relayer/jobs.ts).
 *
 * The cursor (last scanned block and its hash) lives in Redis, shared by every relayer; one
 * relayer at a time scans a chain (a short lease, LOCK_TTL_MS: when its holder dies another
 * relayer takes over within that time), and cursor writes are compare-and-set, so even two
 * scanners after a lease expiry only rescan, never skip. Adds are idempotent (a group's job is
 * keyed by its messages), and the guardians' signable feed enqueues most messages before a scan
 * sees them. Before resuming, the stored hash is checked against the chain: after a reorg the
 * scan resumes from the newest checkpoint still on the canonical chain. With no cursor (first start, or Redis wiped) the scan starts at the
 * gateway's deployBlock; messages already processed on their destination are not re-enqueued
 * (a queued one gets its execute job back; see intake.ts).
 */
import { hexToBigInt, numberToHex, type Hex, type RpcLog } from "viem";
import { decodeMessagesSent, MESSAGE_SENT_TOPIC } from "../core/logs.js";
import type { Logger } from "../core/service/logger.js";
import type { RelayerChain } from "./chains.js";
import type { Intake } from "./intake.js";
import type { ObservedMessage } from "./jobs.js";
import type { RelayerMetrics } from "./metrics.js";
import { advanceCursor, type Cursor, type RelayerStore } from "./store.js";

/** Blocks below the confirmed head whose messages count as fresh (see Intake.enqueue). */
const FRESH_BLOCKS = 64;

export interface ResumePoint {
  /** First block to scan. */
  from: number;
  /** The cursor to build on (undefined: scanning from deployBlock). */
  base: Cursor | undefined;
  /** The stored cursor was no longer on the canonical chain. */
  reorged: boolean;
}

/**
 * Where to resume scanning given the stored cursor: right after it if its block hash is still
 * canonical, else after the newest canonical checkpoint, else (a reorg deeper than the history,
 * or a chain reset) from deployBlock.
 */
export async function resumePoint(
  cursor: Cursor | undefined,
  deployBlock: number,
  hashAt: (block: number) => Promise<Hex | undefined>,
): Promise<ResumePoint> {
  if (!cursor) return { from: deployBlock, base: undefined, reorged: false };
  if ((await hashAt(cursor.block)) === cursor.hash) return { from: cursor.block + 1, base: cursor, reorged: false };
  for (let i = 0; i < cursor.history.length; i++) {
    const [block, hash] = cursor.history[i]!;
    if (block >= cursor.block && hash === cursor.hash) continue;
    if ((await hashAt(block)) === hash) {
      const history = cursor.history.slice(i);
      return { from: block + 1, base: { block, hash, history }, reorged: true };
    }
  }
  return { from: deployBlock, base: undefined, reorged: true };
}

export interface ObserverOptions {
  relayerId: string;
  leaseMs: number;
  maxBlockRange: number;
}

export class ChainObserver {
  private readonly log: Logger;
  private readonly leaseName: string;
  /**
   * The head of this relayer's last pass that reached its target. A later tick that finds the
   * same head has nothing to scan, and skips the cursor read and the check of its block's hash
   * (a Redis read and an RPC call, four times per block on the devnet's 250 ms ticks). A reorg
   * at that height, or a cursor lost with Redis, is taken up by the first tick of the next head.
   */
  private passedHead?: number;

  constructor(
    private readonly source: RelayerChain,
    private readonly store: RelayerStore,
    private readonly intake: Intake,
    private readonly metrics: RelayerMetrics,
    logger: Logger,
    private readonly o: ObserverOptions,
  ) {
    this.log = logger.child({ component: "observer", chainId: source.chainId });
    this.leaseName = `observe:${source.chainId}`;
  }

  /** One observation pass: catches up to head - confirmations, if this relayer holds the lease. */
  async tick(signal?: AbortSignal): Promise<void> {
    if (!(await this.store.acquireLease(this.leaseName, this.o.relayerId, this.o.leaseMs))) return;
    const { publicClient } = this.source;
    const head = Number(await publicClient.getBlockNumber());
    this.metrics.headBlock.set({ chain: this.source.chainId }, head);
    if (head === this.passedHead) return;
    const target = head - this.source.info.confirmations;
    if (target < this.source.deployBlock) return;

    let stored = await this.store.getCursor(this.source.chainId);
    const resume = await resumePoint(stored, this.source.deployBlock, (b) => this.hashAt(b));
    if (resume.reorged) {
      this.log.warn(
        { storedBlock: stored?.block, resumeFrom: resume.from },
        "cursor is not on the canonical chain: rescanning",
      );
    } else if (!stored) {
      this.log.info({ from: resume.from }, "no cursor: scanning from the gateway's deploy block");
    }
    const live = stored !== undefined && !resume.reorged;
    let base = resume.base;
    let from = resume.from;
    while (from <= target && !signal?.aborted) {
      const to = Math.min(target, from + this.o.maxBlockRange - 1);
      const scanned = await this.scan(from, to);
      if (!scanned) return; // the chain moved under us; the next tick re-checks the cursor
      for (const m of scanned.messages) {
        this.metrics.messagesObserved.inc({ route: `${m.message.sourceChainId}-${m.message.destChainId}` });
      }
      // Following the head from a cursor, blocks this close to it hold messages sent seconds ago:
      // no destination reads (a rescan from deployBlock or after a reorg always reads).
      const fresh = live && from > target - FRESH_BLOCKS;
      await this.intake.enqueue(scanned.messages, "observer", { fresh });
      const next = advanceCursor(base, to, scanned.hash);
      if (!(await this.store.compareAndSetCursor(this.source.chainId, stored, next))) {
        this.log.info(
          { to },
          "cursor changed under this pass (another relayer, or Redis lost it); re-reading it next pass",
        );
        return;
      }
      this.metrics.observedBlock.set({ chain: this.source.chainId }, to);
      stored = next;
      base = next;
      from = to + 1;
      // Renew the lease between pages of a long catch-up.
      if (!(await this.store.acquireLease(this.leaseName, this.o.relayerId, this.o.leaseMs))) return;
    }
    if (!signal?.aborted) this.passedHead = head;
  }

  async release(): Promise<void> {
    await this.store.releaseLease(this.leaseName, this.o.relayerId).catch(() => undefined);
  }

  private async hashAt(block: number): Promise<Hex | undefined> {
    try {
      return (await this.source.publicClient.getBlock({ blockNumber: BigInt(block) })).hash ?? undefined;
    } catch {
      return undefined;
    }
  }

  /** Logs of [from, to], or undefined if block `to` changed during the read (a reorg). */
  private async scan(from: number, to: number) {
    const before = await this.hashAt(to);
    // Raw logs, decoded once by core (viem's getLogs with an event would decode them first).
    const logs = (await this.source.publicClient.request({
      method: "eth_getLogs",
      params: [
        {
          address: this.source.gateway,
          topics: [MESSAGE_SENT_TOPIC],
          fromBlock: numberToHex(from),
          toBlock: numberToHex(to),
        },
      ],
    })) as RpcLog[];
    const after = await this.hashAt(to);
    if (!before || before !== after) return undefined;
    const messages: ObservedMessage[] = [];
    for (const log of logs) {
      if (log.removed) continue;
      try {
        for (const { msgId, message, fee, quote } of decodeMessagesSent([log], this.source.gateway)) {
          messages.push({
            msgId,
            message,
            payment: { fee, quote },
            sourceBlock: log.blockNumber ? hexToBigInt(log.blockNumber) : BigInt(to),
          });
        }
      } catch (e) {
        this.metrics.failures.inc({ stage: "observe", reason: "undecodable_log" });
        this.log.error(
          { err: (e as Error).message, tx: log.transactionHash },
          "skipping an undecodable MessageSent log",
        );
      }
    }
    return { messages, hash: after };
  }
}
