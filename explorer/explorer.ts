/**
 * The explorer: one indexer per gateway chain writing into the storage, and the API reading it.
 * Everything stateful is passed in (see wiring.ts for production). `run(signal)` indexes until
 * the signal aborts; after each committed page the changed messages are pushed to stream
 * subscribers.
 */
import type { Hex } from "viem";
import type { Registry } from "prom-client";
import { sleep } from "../core/service/lifecycle.js";
import type { Logger } from "../core/service/logger.js";
import { RepeatFilter } from "../relayer/log-filter.js";
import type { ExplorerApi } from "./api.js";
import type { FactsCache } from "./facts.js";
import type { ChainIndexer } from "./indexer.js";
import type { ExplorerMetrics } from "./metrics.js";
import type { ExplorerStorage } from "./storage/storage.js";
import type { StreamHub } from "./stream.js";

export interface ExplorerDeps {
  indexers: readonly ChainIndexer[];
  storage: ExplorerStorage;
  facts: FactsCache;
  hub: StreamHub;
  api: ExplorerApi;
  registry: Registry;
  metrics: ExplorerMetrics;
  logger: Logger;
  pollIntervalMs: number;
  /** /healthz fails when a chain has not been indexed successfully for this long. */
  staleAfterMs: number;
}

export interface ExplorerHealth extends Record<string, unknown> {
  ok: boolean;
  storage: { kind: string; ok: boolean; error?: string };
  chains: Record<string, { ok: boolean; head: number | null; indexedBlock: number | null; lastOkAgoMs: number | null }>;
  streams: number;
}

export class Explorer {
  private readonly log: Logger;
  private readonly repeats = new RepeatFilter();
  private readonly startedAt = Date.now();

  constructor(private readonly d: ExplorerDeps) {
    this.log = d.logger.child({ component: "explorer" });
  }

  get registry(): Registry {
    return this.d.registry;
  }

  get api(): ExplorerApi {
    return this.d.api;
  }

  get storage(): ExplorerStorage {
    return this.d.storage;
  }

  /** Indexes every chain until `signal` aborts; closes the streams (not the storage: the caller's). */
  async run(signal: AbortSignal): Promise<void> {
    this.log.info(
      { storage: this.d.storage.kind, chains: this.d.indexers.map((i) => i.chain.chainId) },
      "explorer indexing",
    );
    try {
      await Promise.all(this.d.indexers.map((ix) => this.follow(ix, signal)));
    } finally {
      this.d.hub.close();
    }
  }

  /** One chain: step until caught up, then wait a poll interval; errors are retried. */
  private async follow(ix: ChainIndexer, signal: AbortSignal): Promise<void> {
    const chain = String(ix.chain.chainId);
    while (!signal.aborted) {
      let behind = false;
      try {
        const result = await ix.step();
        behind = result.behind;
        // The facts cache first: published views read it (a pause changes a message's reason).
        if (result.configChanged) this.d.facts.invalidate(ix.chain.chainId);
        if (result.changed.length > 0) await this.publish(result.changed);
      } catch (e) {
        if (signal.aborted) break;
        this.d.metrics.indexErrors.inc({ chain });
        const err = (e as Error).message.split("\n")[0] ?? String(e);
        if (this.repeats.shouldLog(chain, err)) {
          this.log.warn({ chainId: ix.chain.chainId, err }, "indexing step failed; retrying (repeats muted for 30 s)");
        }
      }
      if (!behind) await sleep(this.d.pollIntervalMs, signal);
    }
  }

  /** Pushes the changed messages' views to their stream subscribers. */
  private async publish(changed: readonly Hex[]): Promise<void> {
    const wanted = changed.filter((id) => this.d.hub.wants(id));
    if (wanted.length === 0) return;
    const records = await this.d.storage.messagesById(wanted);
    const found = new Set(records.map((r) => r.msgId));
    for (const record of records) this.d.hub.publish(await this.d.api.view(record));
    for (const msgId of wanted) if (!found.has(msgId)) this.d.hub.removed(msgId);
  }

  async health(): Promise<ExplorerHealth> {
    const storage: ExplorerHealth["storage"] = { kind: this.d.storage.kind, ok: true };
    try {
      await Promise.race([this.d.storage.ping(), sleep(3_000).then(() => Promise.reject(new Error("timed out")))]);
    } catch (e) {
      storage.ok = false;
      storage.error = (e as Error).message;
    }
    const now = Date.now();
    const chains: ExplorerHealth["chains"] = {};
    for (const ix of this.d.indexers) {
      const since = ix.lastOkAt ?? this.startedAt;
      chains[ix.chain.chainId] = {
        ok: now - since < this.d.staleAfterMs,
        head: ix.head ?? null,
        indexedBlock: ix.indexedBlock ?? null,
        lastOkAgoMs: ix.lastOkAt === undefined ? null : now - ix.lastOkAt,
      };
    }
    return {
      ok: storage.ok && Object.values(chains).every((c) => c.ok),
      storage,
      chains,
      streams: this.d.hub.size,
    };
  }
}
