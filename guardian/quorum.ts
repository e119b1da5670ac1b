/**
 * Several independent views of one chain, failing closed. A `QuorumGatewayReader` asks every
 * configured RPC endpoint the same question and answers only when
 *
 *   - at least `quorum` endpoints answered (a failed, timed-out or lagging endpoint does not
 *     count), and
 *   - every endpoint that answered gave the same answer. A contradiction is never outvoted: one
 *     lying endpoint stops this chain's view (no new message is confirmed, none is signed) until
 *     it agrees again or its operator removes it. Availability may suffer; safety does not.
 *
 * Heads legitimately differ, so `latestBlock` returns the `quorum`-th highest head: at least
 * `quorum` endpoints have reached it, and every later question names a block at or below it.
 * An endpoint whose last head is below the block a question names is lagging: it is not asked,
 * and counts as a missing answer. Questions about a block are answered alike by honest nodes, so
 * answers are compared on their content (ids, numbers, hashes, values), never on formatting.
 *
 * This is what the KelpDAO rsETH loss (April 2026: two replaced RPC nodes made a single verifier
 * attest a burn that never happened) would have met: with two endpoints and the default quorum
 * ("all"), the forged log is a disagreement, not a fallback.
 */
import type { Address, Hex } from "viem";
import { endpointLabel, rpcUrlsOf } from "../core/chains.js";
import type { ChainInfo } from "../core/manifest.js";
import { ConfigError } from "../core/service/config.js";
import {
  ChainInconsistencyError,
  type BlockRef,
  type GatewayReader,
  type ObservedMessage,
  type Settlement,
} from "./chain.js";

export interface Endpoint {
  /** Host and port only (see core/chains.ts `endpointLabel`): what logs and metrics name. */
  label: string;
  reader: GatewayReader;
}

/** Hooks for metrics (the reader itself stays free of prom-client). */
export interface QuorumObserver {
  endpointError?(label: string, error: Error): void;
  endpointHead?(label: string, head: bigint): void;
  disagreement?(what: string): void;
  quorumMissed?(what: string): void;
}

/** Endpoints answered the same question differently: nothing is concluded from this view. */
export class RpcDisagreementError extends ChainInconsistencyError {
  override name = "RpcDisagreementError";
  constructor(
    readonly chain: string,
    readonly what: string,
    readonly answers: readonly { endpoint: string; answer: string }[],
  ) {
    super(
      `RPC endpoints of ${chain} disagree about ${what}: ${answers.map((a) => `${a.endpoint} says ${a.answer}`).join("; ")}`,
    );
  }
}

/** Fewer endpoints than the quorum answered (down, timing out, or lagging behind the block asked). */
export class RpcQuorumError extends Error {
  override name = "RpcQuorumError";
  constructor(
    readonly chain: string,
    readonly what: string,
    readonly answered: number,
    readonly quorum: number,
    readonly missing: readonly { endpoint: string; reason: string }[],
  ) {
    super(
      `only ${answered} of the ${quorum} RPC endpoints ${chain} needs answered ${what}: ` +
        missing.map((m) => `${m.endpoint}: ${m.reason}`).join("; "),
    );
  }
}

type Answer<T> = { endpoint: string; ok: true; value: T } | { endpoint: string; ok: false; reason: string };

/** Compact, canonical rendering of an answer for comparison and for the log line. */
function render(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "undefined";
}

function errorLine(e: unknown): string {
  const err = e as { shortMessage?: string; message?: string };
  return (err.shortMessage ?? err.message ?? String(e)).split("\n")[0]!;
}

export class QuorumGatewayReader implements GatewayReader {
  /** Each endpoint's head at the last `latestBlock`. */
  private readonly heads = new Map<string, bigint>();

  constructor(
    readonly chain: string,
    private readonly endpoints: readonly Endpoint[],
    readonly quorum: number,
    private readonly observer: QuorumObserver = {},
  ) {
    if (endpoints.length === 0) throw new Error(`${chain}: no RPC endpoint`);
    if (quorum < 1 || quorum > endpoints.length) {
      throw new Error(`${chain}: quorum ${quorum} with ${endpoints.length} RPC endpoints`);
    }
    const labels = new Set(endpoints.map((e) => e.label));
    if (labels.size !== endpoints.length) throw new Error(`${chain}: two RPC endpoints share a host and port`);
  }

  get endpointLabels(): string[] {
    return this.endpoints.map((e) => e.label);
  }

  async latestBlock(): Promise<BlockRef> {
    const answers = await this.ask(this.endpoints, (r) => r.latestBlock());
    const heads: { endpoint: string; block: BlockRef }[] = [];
    for (const a of answers) {
      if (!a.ok) continue;
      heads.push({ endpoint: a.endpoint, block: a.value });
      this.heads.set(a.endpoint, a.value.number);
      this.observer.endpointHead?.(a.endpoint, a.value.number);
    }
    this.requireQuorum("the latest block", answers);
    heads.sort((x, y) => (x.block.number > y.block.number ? -1 : x.block.number < y.block.number ? 1 : 0));
    return heads[this.quorum - 1]!.block;
  }

  async blockAt(number: bigint): Promise<BlockRef | undefined> {
    const what = `block ${number}`;
    const answers = await this.ask(this.reaching(number), (r) => r.blockAt(number));
    // "No such block" from an endpoint is a lagging endpoint, not a contradiction.
    const found = answers.map((a): Answer<BlockRef> =>
      a.ok && a.value === undefined ? { ...a, ok: false, reason: "has no such block" } : (a as Answer<BlockRef>),
    );
    if (found.some((a) => a.ok)) return this.agreed(what, found, (b) => ({ hash: b.hash, timestamp: b.timestamp }));
    const absent = answers.filter((a) => a.ok).length;
    if (absent >= this.quorum) return undefined;
    this.requireQuorum(what, found);
    return undefined;
  }

  messagesSent(fromBlock: bigint, toBlock: bigint): Promise<ObservedMessage[]> {
    return this.agree(
      `MessageSent logs in blocks ${fromBlock}..${toBlock}`,
      toBlock,
      (r) => r.messagesSent(fromBlock, toBlock),
      (logs) => logs.map((l) => [l.msgId, l.blockNumber, l.blockHash, l.logIndex]),
    );
  }

  settlements(fromBlock: bigint, toBlock: bigint): Promise<Settlement[]> {
    return this.agree(
      `settlement logs in blocks ${fromBlock}..${toBlock}`,
      toBlock,
      (r) => r.settlements(fromBlock, toBlock),
      (logs) => logs.map((l) => [l.msgId, l.kind, l.blockNumber, l.blockHash, l.logIndex]),
    );
  }

  sentMessageIds(nonces: readonly bigint[], blockNumber: bigint): Promise<Hex[]> {
    const which = nonces.length === 1 ? `${nonces[0]}` : `${nonces.length} nonces from ${nonces[0]}`;
    return this.agree(`sentMessageId(${which}) at block ${blockNumber}`, blockNumber, (r) =>
      r.sentMessageIds(nonces, blockNumber),
    );
  }

  lockedBalance(homeToken: Address, blockNumber: bigint): Promise<bigint> {
    return this.agree(`lockedBalance(${homeToken}) at block ${blockNumber}`, blockNumber, (r) =>
      r.lockedBalance(homeToken, blockNumber),
    );
  }

  totalSupply(token: Address, blockNumber: bigint): Promise<bigint> {
    return this.agree(`totalSupply of ${token} at block ${blockNumber}`, blockNumber, (r) =>
      r.totalSupply(token, blockNumber),
    );
  }

  /**
   * Read at the head every endpoint of the quorum has reached (the last `latestBlock`), so a
   * rotation landing at the tip does not look like a disagreement.
   */
  guardianSetIndex(blockNumber?: bigint): Promise<number> {
    const at = blockNumber ?? this.agreedHead();
    return this.agree(`guardianSetIndex${at === undefined ? "" : ` at block ${at}`}`, at, (r) =>
      r.guardianSetIndex(at),
    );
  }

  guardianSet(index: number): Promise<readonly Address[]> {
    return this.agree(`guardian set ${index}`, undefined, (r) => r.guardianSet(index));
  }

  // ------------------------------------------------------------------------------------------

  /** The quorum-th highest head seen at the last `latestBlock`, if any. */
  private agreedHead(): bigint | undefined {
    const heads = [...this.heads.values()].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    return heads.length >= this.quorum ? heads[this.quorum - 1] : undefined;
  }

  /** Endpoints that have (as far as we know) reached `block`. */
  private reaching(block: bigint | undefined): Endpoint[] {
    if (block === undefined) return [...this.endpoints];
    return this.endpoints.filter((e) => {
      const head = this.heads.get(e.label);
      return head === undefined || head >= block;
    });
  }

  private async agree<T>(
    what: string,
    block: bigint | undefined,
    read: (r: GatewayReader) => Promise<T>,
    key: (value: T) => unknown = (v) => v,
  ): Promise<T> {
    return this.agreed(what, await this.ask(this.reaching(block), read), key);
  }

  private agreed<T>(what: string, answers: Answer<T>[], key: (value: T) => unknown): T {
    const ok = answers.filter((a): a is Extract<Answer<T>, { ok: true }> => a.ok);
    const distinct = new Set(ok.map((a) => render(key(a.value))));
    if (distinct.size > 1) {
      this.observer.disagreement?.(what);
      throw new RpcDisagreementError(
        this.chain,
        what,
        ok.map((a) => ({ endpoint: a.endpoint, answer: abbreviate(render(key(a.value))) })),
      );
    }
    this.requireQuorum(what, answers);
    return ok[0]!.value;
  }

  private requireQuorum(what: string, answers: Answer<unknown>[]) {
    const answered = answers.filter((a) => a.ok).length;
    if (answered >= this.quorum) return;
    this.observer.quorumMissed?.(what);
    const asked = new Set(answers.map((a) => a.endpoint));
    const missing = [
      ...answers.flatMap((a) => (a.ok ? [] : [{ endpoint: a.endpoint, reason: a.reason }])),
      ...this.endpoints
        .filter((e) => !asked.has(e.label))
        .map((e) => ({ endpoint: e.label, reason: `lagging (head ${this.heads.get(e.label)})` })),
    ];
    throw new RpcQuorumError(this.chain, what, answered, this.quorum, missing);
  }

  private async ask<T>(endpoints: readonly Endpoint[], read: (r: GatewayReader) => Promise<T>): Promise<Answer<T>[]> {
    return Promise.all(
      endpoints.map(async (e): Promise<Answer<T>> => {
        try {
          return { endpoint: e.label, ok: true, value: await read(e.reader) };
        } catch (err) {
          this.observer.endpointError?.(e.label, err as Error);
          return { endpoint: e.label, ok: false, reason: errorLine(err) };
        }
      }),
    );
  }
}

/** Log lines stay readable when an endpoint returns a page of logs. */
function abbreviate(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
}

/** One chain's endpoints and how many must answer alike. */
export interface ChainEndpoints {
  urls: string[];
  quorum: number;
}

/**
 * Each L2's endpoints and quorum, checked before anything starts: a guardian reads every chain
 * through at least two endpoints that must agree — fewer URLs than the quorum, or a quorum of
 * one, is refused (one endpoint is accepted only on a local devnet, `DEVNET=true`).
 */
export function endpointPlan(
  chains: readonly ChainInfo[],
  quorumSetting: "all" | number,
  devnet: boolean,
): Map<number, ChainEndpoints> {
  const problems: string[] = [];
  const plan = new Map<number, ChainEndpoints>();
  for (const chain of chains) {
    const urls = rpcUrlsOf(chain);
    const quorum = quorumSetting === "all" ? urls.length : quorumSetting;
    const labels = urls.map(endpointLabel);
    if (new Set(labels).size !== labels.length) {
      problems.push(`${chain.name}: two RPC URLs share a host and port (${labels.join(", ")}); they are one view`);
    } else if (urls.length < quorum) {
      problems.push(`${chain.name}: ${urls.length} RPC URL(s), fewer than RPC_QUORUM=${quorum} needs`);
    } else if (quorum < 2 && !devnet) {
      problems.push(
        `${chain.name}: ${urls.length === 1 ? "one RPC URL" : "a quorum of one"} — a guardian needs at least two ` +
          `independent endpoints that must agree (RPC_URLS, RPC_QUORUM >= 2); one is accepted only on a local devnet (DEVNET=true)`,
      );
    }
    plan.set(chain.chainId, { urls, quorum });
  }
  if (problems.length > 0) throw new ConfigError(`guardian: invalid RPC configuration:\n  ${problems.join("\n  ")}`);
  return plan;
}
