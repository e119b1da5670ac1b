/**
 * The guardian's accountant: before it signs, a guardian checks that paying the message keeps
 * every token's books balanced — the way Wormhole's Global Accountant bounds what a bad chain
 * view can release. Per token, from the chains at the confirmation depth:
 *
 *     locked   = lockedBalance(homeToken) on the home gateway
 *     minted_X = totalSupply of the bridged copy on every other chain X
 *     inFlight = Σ amounts of messages whose send is confirmed on their source and that their
 *                destination has not yet paid, vetoed or cancelled
 *
 *     the books balance  ⟺  locked ≥ Σ minted_X + inFlight
 *
 * Every genuine movement debits its source when it is sent (lock at home, or burn on X) and
 * credits its destination only when paid, so on a healthy bridge the two sides are equal up to
 * what was stranded (vetoed, or cancelled and not yet refunded) — see monitor/checks/supply.ts.
 * A message that would let a chain pay out more than it may breaks the inequality:
 *   - a burn on chain X that never happened (a forged log, e.g. from a poisoned RPC), or larger
 *     than X's bridged supply: inFlight grows, minted_X does not shrink;
 *   - an unlock on the home chain beyond what is locked for it: a copy minted without a lock
 *     (a forged delivery) makes Σ minted_X exceed locked, and every later burn of it stays
 *     unbacked.
 * While a token's books do not balance the guardian signs none of its messages.
 *
 * Reads are consistent per chain: each chain's state is read at the block its follower has
 * scanned, and the in-flight set holds exactly the sends and settlements seen up to those blocks.
 * Across chains one view can run ahead of another (a settlement seen before its send), which
 * can show a deficit for a moment; so a deficit becomes a refusal for good ("unbacked") only
 * once it has lasted `graceSeconds` with every chain view caught up. Until then the message is
 * reported unconfirmed (retried), never signed.
 */
import type { Address, Hex } from "viem";
import type { GatewayChain } from "./policy.js";
import type { Settlement } from "./chain.js";
import type { Manifest, TokenInfo } from "../core/manifest.js";
import type { Message } from "../core/message.js";

interface Entry {
  token: string;
  amount: bigint;
  sourceChainId: number;
  destChainId: number;
  sourceBlock: bigint;
}

interface SettledEntry {
  entry?: Entry;
  destChainId: number;
  block: bigint;
}

/** Settled messages kept this many blocks below their chain's scan (a deeper rewind re-reads them). */
const SETTLED_RETENTION_BLOCKS = 4_096n;
/** Settlements seen before their send, kept at most this many (oldest forgotten first). */
const MAX_EARLY_SETTLEMENTS = 100_000;

/** One token's books at one snapshot. */
export interface Books {
  token: TokenInfo;
  locked: bigint;
  minted: ReadonlyMap<number, bigint>;
  inFlight: bigint;
  /** How far `Σ minted + inFlight` exceeds `locked` (0 when the books balance). */
  deficit: bigint;
  /** The block read on each chain (the follower's scanned block). */
  blocks: ReadonlyMap<number, bigint>;
}

export type BooksVerdict =
  | { state: "backed" }
  /** Not judged yet (no snapshot covers it, a view is catching up, a fresh deficit): retry. */
  | { state: "pending"; why: string }
  | { state: "unbacked"; why: string };

/** What the accountant needs from the rest of the guardian. */
export interface AccountantSource {
  /** Each chain's scanned block and whether its follower has caught up with the confirmed head. */
  views(): ReadonlyMap<number, { scannedBlock: bigint; caughtUp: boolean } | undefined>;
  lockedBalance(chainId: number, homeToken: Address, block: bigint): Promise<bigint>;
  totalSupply(chainId: number, token: Address, block: bigint): Promise<bigint>;
}

export class Accountant {
  private readonly inFlight = new Map<Hex, Entry>();
  private readonly settled = new Map<Hex, SettledEntry>();
  private readonly books = new Map<string, Books>();
  /** Wall-clock ms since which each token's books have shown a deficit. */
  private readonly deficitSince = new Map<string, number>();
  private epoch = 0;
  private refreshing?: Promise<void>;

  constructor(
    private readonly manifest: Manifest,
    private readonly gateways: readonly GatewayChain[],
    private readonly source: AccountantSource,
    private readonly options: { graceSeconds: number; now: () => number },
  ) {}

  // ------------------------------------------------------------------------------------------
  // The ledger of messages (fed by the followers, at the confirmation depth)
  // ------------------------------------------------------------------------------------------

  recordSent(message: Message, msgId: Hex, block: bigint): void {
    const entry: Entry = {
      token: message.token.toLowerCase(),
      amount: message.amount,
      sourceChainId: Number(message.sourceChainId),
      destChainId: Number(message.destChainId),
      sourceBlock: block,
    };
    const settled = this.settled.get(msgId);
    if (settled) settled.entry = entry;
    else this.inFlight.set(msgId, entry);
  }

  recordSettled(destChainId: number, settlement: Settlement): void {
    const entry = this.inFlight.get(settlement.msgId);
    if (entry && entry.destChainId !== destChainId) return; // not addressed here: not its settlement
    // A vetoed message can be cancelled later: the first settlement is the one that counts.
    if (this.settled.has(settlement.msgId)) return;
    this.inFlight.delete(settlement.msgId);
    this.settled.set(settlement.msgId, { entry, destChainId, block: settlement.blockNumber });
    if (this.settled.size > MAX_EARLY_SETTLEMENTS * 2) this.forgetOldest();
  }

  /** A follower rewound `chainId` to rescan from `fromBlock`: forget what it saw there. */
  rewind(chainId: number, fromBlock: bigint): void {
    this.epoch++;
    for (const [id, e] of this.inFlight) {
      if (e.sourceChainId === chainId && e.sourceBlock >= fromBlock) this.inFlight.delete(id);
    }
    for (const [id, s] of this.settled) {
      if (s.entry && s.entry.sourceChainId === chainId && s.entry.sourceBlock >= fromBlock) s.entry = undefined;
      if (s.destChainId === chainId && s.block >= fromBlock) {
        this.settled.delete(id);
        if (s.entry) this.inFlight.set(id, s.entry);
      }
    }
  }

  /** Messages in flight (for metrics and tests). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  // ------------------------------------------------------------------------------------------
  // The books (read from the chains)
  // ------------------------------------------------------------------------------------------

  /** The latest books of every token (for metrics and /healthz). */
  allBooks(): Books[] {
    return [...this.books.values()];
  }

  /**
   * Reads every token's books at the blocks the followers have scanned. Concurrent callers share
   * one refresh. A rewind during the reads discards them (they may mix two forks).
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.readBooks().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Refreshes unless the current books already cover every message of `records`. */
  async cover(records: readonly { message: Message; blockNumber: bigint }[]): Promise<void> {
    if (records.every((r) => this.covers(r.message, r.blockNumber))) return;
    if (this.refreshing) await this.refreshing.catch(() => undefined);
    if (records.every((r) => this.covers(r.message, r.blockNumber))) return;
    await this.refresh();
  }

  /** Whether signing `message` (its send in `block`) keeps its token's books balanced. */
  judge(message: Message, block: bigint): BooksVerdict {
    const token = this.tokenOf(message.token);
    if (!token) return { state: "unbacked", why: `token ${message.token} is not in the manifest` };
    const books = this.books.get(token.homeToken.toLowerCase());
    if (!books || !this.covers(message, block)) {
      return { state: "pending", why: `${token.symbol}: the books have not been read past block ${block} yet` };
    }
    if (books.deficit === 0n) return { state: "backed" };
    const why = describeDeficit(books, this.chainName.bind(this));
    const since = this.deficitSince.get(books.token.homeToken.toLowerCase()) ?? this.options.now();
    const lasted = (this.options.now() - since) / 1000;
    const views = [...this.source.views().values()];
    const caughtUp = views.every((v) => v?.caughtUp);
    if (lasted < this.options.graceSeconds || !caughtUp) {
      return { state: "pending", why: `${why} (re-checking for ${this.options.graceSeconds}s before refusing)` };
    }
    return { state: "unbacked", why };
  }

  private covers(message: Message, block: bigint): boolean {
    const token = this.tokenOf(message.token);
    const books = token && this.books.get(token.homeToken.toLowerCase());
    const read = books?.blocks.get(Number(message.sourceChainId));
    return read !== undefined && read >= block;
  }

  private async readBooks(): Promise<void> {
    const epoch = this.epoch;
    const blocks = new Map<number, bigint>();
    for (const [chainId, view] of this.source.views()) {
      if (!view) return; // a chain not read yet: nothing can be judged
      blocks.set(chainId, view.scannedBlock);
    }
    // Books at the same blocks are the same books (sends and settlements only arrive with a
    // follower's scan moving on): an idle bridge costs no reads.
    const last = this.books.values().next().value?.blocks;
    if (last && sameBlocks(last, blocks) && this.books.size > 0) return;
    const owed = new Map<string, bigint>();
    for (const e of this.inFlight.values()) owed.set(e.token, (owed.get(e.token) ?? 0n) + e.amount);
    this.pruneSettled(blocks);

    const read = await Promise.all(
      this.manifest.tokens
        .filter((t) => blocks.has(t.homeChainId))
        .map(async (token) => {
          const remotes = Object.entries(token.addresses)
            .map(([chainId, address]) => ({ chainId: Number(chainId), address }))
            .filter((r) => r.chainId !== token.homeChainId && blocks.has(r.chainId));
          const [locked, ...supplies] = await Promise.all([
            this.source.lockedBalance(token.homeChainId, token.homeToken, blocks.get(token.homeChainId)!),
            ...remotes.map((r) => this.source.totalSupply(r.chainId, r.address, blocks.get(r.chainId)!)),
          ]);
          const minted = new Map(remotes.map((r, i) => [r.chainId, supplies[i]!]));
          const inFlight = owed.get(token.homeToken.toLowerCase()) ?? 0n;
          const owedTotal = [...minted.values()].reduce((a, b) => a + b, 0n) + inFlight;
          const deficit = owedTotal > locked! ? owedTotal - locked! : 0n;
          return { token, locked: locked!, minted, inFlight, deficit, blocks } satisfies Books;
        }),
    );
    if (epoch !== this.epoch) return;
    const now = this.options.now();
    for (const books of read) {
      const key = books.token.homeToken.toLowerCase();
      this.books.set(key, books);
      if (books.deficit === 0n) this.deficitSince.delete(key);
      else if (!this.deficitSince.has(key)) this.deficitSince.set(key, now);
    }
  }

  private pruneSettled(blocks: ReadonlyMap<number, bigint>) {
    for (const [id, s] of this.settled) {
      const scanned = blocks.get(s.destChainId);
      if (s.entry && scanned !== undefined && s.block + SETTLED_RETENTION_BLOCKS < scanned) this.settled.delete(id);
    }
  }

  private forgetOldest() {
    for (const [id, s] of this.settled) {
      if (this.settled.size <= MAX_EARLY_SETTLEMENTS) return;
      if (!s.entry) this.settled.delete(id);
    }
  }

  private tokenOf(homeToken: Address): TokenInfo | undefined {
    return this.manifest.tokens.find((t) => t.homeToken.toLowerCase() === homeToken.toLowerCase());
  }

  private chainName(chainId: number): string {
    return this.gateways.find((g) => g.chainId === chainId)?.name ?? String(chainId);
  }
}

/** One sentence: what the books show and by how much they are short. */
export function describeDeficit(books: Books, chainName: (chainId: number) => string): string {
  const { token } = books;
  const minted = [...books.minted].map(([chainId, v]) => `${v} on ${chainName(chainId)}`).join(", ");
  return (
    `${token.symbol} books do not balance: ${books.locked} locked on ${chainName(token.homeChainId)} < ` +
    `bridged supply (${minted || "none"}) + ${books.inFlight} in flight, short by ${books.deficit} ` +
    `(base units, at blocks ${[...books.blocks].map(([c, b]) => `${chainName(c)}:${b}`).join(" ")})`
  );
}

function sameBlocks(a: ReadonlyMap<number, bigint>, b: ReadonlyMap<number, bigint>): boolean {
  return a.size === b.size && [...a].every(([chainId, block]) => b.get(chainId) === block);
}
