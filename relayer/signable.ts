/**
 * What the guardians say is signable, as it happens: one long poll per guardian on its signable
 * feed (GET /v1/signable, core/guardian-api.ts), tallied per message. When the guardians that
 * listed a message reach its destination's threshold, the message is handed to `onQuorum` (the
 * intake, which enqueues its delivery job at once) and every batch waiting on it wakes up: an
 * attestation is requested the moment a quorum would sign, never on a timer.
 *
 * The feeds are a fast path, not an authority: an entry is validated (its msgId is its
 * message's id) by the client, a listed message can still be refused when attested (a reorg, a
 * rotation), and a relayer whose guardians serve no feed (down, or an older version) simply asks
 * them without waiting, as before.
 *
 * The feeds also carry each guardian's signature of the groups it listed (a source block's
 * messages to one destination, in batch order: core/guardian-api.ts). They are kept by Merkle
 * root; a batch whose root a quorum of its set signed that way is delivered with those
 * signatures (`listedRound`), each checked like an answer to POST /v1/attest, and nobody is asked.
 */
import type { Address, Hex } from "viem";
import { nextWake, PendingWork } from "../core/async.js";
import type { AttestationDomain } from "../core/attestation.js";
import type { AttestationRound, GuardianEndpoint, GuardianSetView } from "../core/collect-attestation.js";
import type { FeedBatch, GuardianClient, ListedAttestation, SignableEntry } from "../core/guardian-api.js";
import { messageFromJson, messageId, type Message } from "../core/message.js";
import { paymentFromJson, type Payment } from "../core/payment.js";
import { sleep } from "../core/service/lifecycle.js";
import type { Logger } from "../core/service/logger.js";
import type { ObservedMessage } from "./jobs.js";
import { domainOf, groupKey, roundFromListings, type ListingSignature } from "./listing-signatures.js";
import { RepeatFilter } from "./log-filter.js";

/** The feed of one guardian (a `GuardianClient` in production). */
export type SignableSource = Pick<GuardianClient, "signable">;

export interface SignableTrackerOptions {
  /** How long one feed request waits for news. */
  waitMs: number;
  /** Pause after a failed feed request. */
  retryMs: number;
  /** Tallies older than this are forgotten. */
  retentionMs: number;
}

export interface SignableTrackerDeps {
  /** Every guardian that may sign (the manifest's directory). */
  guardians: readonly GuardianEndpoint[];
  source: (url: string) => SignableSource;
  /**
   * The destination chain's guardian set (undefined: not a chain of the manifest). The newest one
   * held will do, however old: a quorum only decides when a message is enqueued.
   */
  guardianSet: (destChainId: number) => Promise<GuardianSetView | undefined>;
  /** Messages that just reached a quorum of listings. */
  onQuorum: (messages: ObservedMessage[]) => Promise<void>;
  /**
   * Each listing signature as a feed brings it, for relayers that follow no feed
   * (listing-signatures.ts); called before the messages it signs are handed to `onQuorum`.
   */
  shareSignature?: (by: Address, a: ListedAttestation) => Promise<void>;
  logger: Logger;
  options: SignableTrackerOptions;
  now?: () => number;
}

interface Tally {
  message: Message;
  sourceBlock: bigint;
  /**
   * What it paid, as the first guardian listing it said; `disputed` once any later listing said
   * otherwise (or nothing). A payment no listing disputed was stated identically by every
   * guardian counted toward the quorum, which could sign the message anyway: the intake takes
   * it. A disputed or absent one is read from the source chain by the fee policy instead.
   */
  payment?: Payment;
  paymentDisputed: boolean;
  /** Lower-case addresses of the guardians that listed it. */
  listedBy: Set<string>;
  announced: boolean;
  at: number;
}

/** The signatures of one listed group (one Merkle root, for one destination) the feeds carried. */
interface GroupSignatures {
  at: number;
  /** By lower-case guardian address. */
  by: Map<string, ListingSignature>;
}

/** Whether batches may wait for the feeds: what a deliverer needs from the tracker. */
export interface Readiness {
  /** True when at least `threshold` members of `set` have a working feed. */
  feedsUp(set: GuardianSetView): boolean;
  /**
   * Resolves when every id (`until: "any"`: at least one) is listed by a quorum of `set`, or
   * after `timeoutMs`.
   */
  waitReady(
    ids: readonly Hex[],
    set: GuardianSetView,
    timeoutMs: number,
    signal?: AbortSignal,
    until?: "all" | "any",
  ): Promise<void>;
  /** Whether at least one id is listed by a quorum of `set`. */
  anyReady(ids: readonly Hex[], set: GuardianSetView): boolean;
  /**
   * An attestation of `root` made of the signatures a quorum of `set` published with its
   * listings, waiting up to `timeoutMs` for them; undefined if they are not (all) there by then.
   */
  listedRound(
    root: Hex,
    domain: AttestationDomain,
    set: GuardianSetView,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<AttestationRound | undefined>;
}

export class SignableTracker implements Readiness {
  private readonly tallies = new Map<Hex, Tally>();
  /** Listed groups' signatures, by `groupKey` (a guardian's claim about one domain cannot hide another's). */
  private readonly signed = new Map<string, GroupSignatures>();
  /** Per guardian (lower-case address): did its last feed request succeed. */
  private readonly up = new Map<string, boolean>();
  private readonly waiters = new Set<() => void>();
  /** Hand-overs to `onQuorum` still running (awaited before `run` returns). */
  private readonly handingOver = new PendingWork();
  private readonly log: Logger;
  private readonly repeats = new RepeatFilter();
  private readonly now: () => number;
  private lastPrune = 0;

  constructor(private readonly d: SignableTrackerDeps) {
    this.log = d.logger.child({ component: "signable" });
    this.now = d.now ?? Date.now;
  }

  /** Follows every guardian's feed until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const reachable = this.d.guardians.filter((g) => g.url !== "");
    await Promise.all(reachable.map((g) => this.follow(g, signal)));
    // Not following any more (stopping, or the feed slot was lost, feed-slots.ts): batches must
    // not wait for listings that no feed brings now.
    this.up.clear();
    this.wake();
    await this.settled();
  }

  /** Resolves once every hand-over to `onQuorum` started so far has ended. */
  async settled(): Promise<void> {
    await this.handingOver.settled();
  }

  /** How many members of `set` listed `msgId`. */
  listings(msgId: Hex, set: GuardianSetView): number {
    const tally = this.tallies.get(msgId.toLowerCase() as Hex);
    if (!tally) return 0;
    return set.guardians.filter((g) => tally.listedBy.has(g.address.toLowerCase())).length;
  }

  feedsUp(set: GuardianSetView): boolean {
    return set.guardians.filter((g) => this.up.get(g.address.toLowerCase()) === true).length >= set.threshold;
  }

  anyReady(ids: readonly Hex[], set: GuardianSetView): boolean {
    return ids.some((id) => this.listings(id, set) >= set.threshold);
  }

  async waitReady(
    ids: readonly Hex[],
    set: GuardianSetView,
    timeoutMs: number,
    signal?: AbortSignal,
    until: "all" | "any" = "all",
  ): Promise<void> {
    const ready = () =>
      until === "any" ? this.anyReady(ids, set) : ids.every((id) => this.listings(id, set) >= set.threshold);
    const deadline = Date.now() + timeoutMs; // timers run on the wall clock, whatever `now` is
    while (!ready() && !signal?.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      await nextWake(this.waiters, left, signal);
    }
  }

  /**
   * Records one feed answer of guardian `by` (exposed for tests). An entry's message is the one
   * the client decoded and checked (`decoded`). `unchecked`: ids whose entries the client did not
   * read because a tally held them (their message is not used; if the tally was pruned
   * meanwhile, the entry is checked here).
   */
  async record(by: Address, batch: FeedBatch, unchecked?: ReadonlySet<Hex>): Promise<void> {
    const at = this.now();
    for (const a of batch.attestations) {
      this.recordSignature(by, a, at);
      this.share(by, a);
    }
    const touched: Hex[] = [];
    for (const entry of batch.messages) {
      const id = entry.msgId.toLowerCase() as Hex;
      let tally = this.tallies.get(id);
      if (!tally) {
        // An unchecked entry's message was not even validated (its tally was pruned meanwhile).
        const message = unchecked?.has(id) ? checkedMessage(entry) : (entry.decoded ?? messageFromJson(entry.message));
        if (!message) {
          this.log.warn({ guardian: by, msgId: id }, "feed entry whose msgId is not its message's id: ignored");
          continue;
        }
        tally = {
          message,
          sourceBlock: BigInt(entry.blockNumber),
          payment: paymentFromJson(entry.payment),
          paymentDisputed: false,
          listedBy: new Set(),
          announced: false,
          at,
        };
        this.tallies.set(id, tally);
      } else if (!tally.paymentDisputed && !samePayment(tally.payment, paymentFromJson(entry.payment))) {
        tally.paymentDisputed = true;
      }
      tally.listedBy.add(by.toLowerCase());
      touched.push(id);
    }
    this.wake();
    // The sets first, then one synchronous pass: concurrent records of several feeds must not
    // both see a message short of quorum and both announce it.
    const dests = [...new Set(touched.map((id) => Number(this.tallies.get(id)!.message.destChainId)))];
    const sets = new Map(await Promise.all(dests.map(async (d) => [d, await this.d.guardianSet(d)] as const)));
    const reached: ObservedMessage[] = [];
    for (const id of touched) {
      const tally = this.tallies.get(id);
      if (!tally || tally.announced) continue;
      const set = sets.get(Number(tally.message.destChainId));
      if (!set || this.listings(id, set) < set.threshold) continue;
      tally.announced = true;
      const payment = tally.paymentDisputed ? undefined : tally.payment;
      reached.push({
        msgId: id,
        message: tally.message,
        sourceBlock: tally.sourceBlock,
        ...(payment ? { payment } : {}),
      });
    }
    if (reached.length > 0) this.handOver(reached, by, batch.messages.length, at);
    this.prune(at);
  }

  private recordSignature(by: Address, a: ListedAttestation, at: number) {
    const key = groupKey(a.root, domainOf(a));
    let group = this.signed.get(key);
    if (!group) {
      group = { at, by: new Map() };
      this.signed.set(key, group);
    }
    group.by.set(by.toLowerCase(), { guardian: by, setIndex: a.guardianSetIndex, signature: a.signature as Hex });
  }

  async listedRound(
    root: Hex,
    domain: AttestationDomain,
    set: GuardianSetView,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<AttestationRound | undefined> {
    const lower = root.toLowerCase() as Hex;
    const deadline = Date.now() + timeoutMs; // timers run on the wall clock, whatever `now` is
    for (;;) {
      const round = await this.assemble(lower, domain, set);
      if (round || signal?.aborted) return round;
      const left = deadline - Date.now();
      if (left <= 0 || !this.feedsUp(set)) return undefined;
      // Woken by the next feed answer (or the deadline).
      await nextWake(this.waiters, left, signal);
    }
  }

  /** The attestation of `root` from the signatures held (`roundFromListings`). */
  private async assemble(root: Hex, domain: AttestationDomain, set: GuardianSetView) {
    const group = this.signed.get(groupKey(root, domain));
    if (!group) return undefined;
    return roundFromListings(root, domain, set, group.by, (s, problem) =>
      this.log.warn({ guardian: s.guardian, root, problem }, "unusable signature in a guardian's feed"),
    );
  }

  /** Hands a listing signature to `shareSignature`, not awaited (like `handOver`); a failure is logged. */
  private share(by: Address, a: ListedAttestation) {
    if (!this.d.shareSignature) return;
    const sharing = this.d.shareSignature(by, a).catch((e: unknown) => {
      const err = (e as Error).message.split("\n")[0] ?? String(e);
      if (this.repeats.shouldLog("share", err)) {
        this.log.warn({ err }, "sharing a listing signature failed; other relayers will ask (repeats muted)");
      }
    });
    this.handingOver.track(sharing);
  }

  /**
   * Gives what reached quorum to `onQuorum` (the intake) without holding up this guardian's feed:
   * enqueueing a block's few hundred messages takes a while on a busy Redis, and a feed loop
   * awaiting it read nothing meanwhile, so the guardians' next listings piled up (a thousand
   * at a time) and every later message reached quorum that much later. A failed hand-over is
   * logged; the observer, which scans every source block, enqueues those messages anyway.
   */
  private handOver(reached: ObservedMessage[], by: Address, listed: number, at: number) {
    const handing = this.d.onQuorum(reached).then(
      () =>
        this.log.debug(
          { guardian: by, listed, quorum: reached.length, ms: this.now() - at },
          "a guardian quorum listed messages: enqueued",
        ),
      (e: unknown) => {
        const err = (e as Error).message.split("\n")[0] ?? String(e);
        if (this.repeats.shouldLog("enqueue", err)) {
          this.log.warn(
            { err, count: reached.length },
            "enqueueing listed messages failed; the observer will (repeats muted)",
          );
        }
      },
    );
    this.handingOver.track(handing);
  }

  private async follow(guardian: GuardianEndpoint, signal: AbortSignal): Promise<void> {
    const source = this.d.source(guardian.url);
    let cursor: string | undefined;
    // The first request, and the first after a failure, does not wait: an idle guardian answers
    // a long poll only when something is listed or FEED_WAIT_MS passes, and until a feed has
    // answered it does not count as up, so batches would not wait for it. A relayer started (or
    // a guardian back) moments before a burst then asked before the guardians had listed
    // anything, collected "unconfirmed" refusals and retried with backoff: seconds of latency.
    let probe = true;
    while (!signal.aborted) {
      try {
        // A message another guardian listed was checked then: its id is not re-derived.
        const unchecked = new Set<Hex>();
        const checked = (id: Hex) => {
          if (!this.tallies.has(id)) return false;
          unchecked.add(id);
          return true;
        };
        const waitMs = probe ? 0 : this.d.options.waitMs;
        const batch = await source.signable({ after: cursor, waitMs }, signal, { checked });
        this.up.set(guardian.address.toLowerCase(), true);
        probe = false;
        cursor = batch.cursor;
        if (batch.messages.length > 0 || batch.attestations.length > 0) {
          await this.record(guardian.address, batch, unchecked);
        }
      } catch (e) {
        if (signal.aborted) break;
        this.up.set(guardian.address.toLowerCase(), false);
        probe = true;
        this.wake();
        const err = (e as Error).message.split("\n")[0] ?? String(e);
        if (this.repeats.shouldLog(guardian.url, err)) {
          this.log.warn({ guardian: guardian.address, err }, "signable feed unavailable; retrying (repeats muted)");
        }
        await sleep(this.d.options.retryMs, signal);
      }
    }
  }

  private wake() {
    for (const check of [...this.waiters]) check();
  }

  private prune(now: number) {
    if (now - this.lastPrune < 10_000) return;
    this.lastPrune = now;
    for (const [id, tally] of this.tallies) if (now - tally.at > this.d.options.retentionMs) this.tallies.delete(id);
    for (const [key, group] of this.signed) if (now - group.at > this.d.options.retentionMs) this.signed.delete(key);
  }
}

/** The entry's message if it is valid and `msgId` is its id. */
function checkedMessage(entry: SignableEntry): Message | undefined {
  try {
    const message = messageFromJson(entry.message);
    return messageId(message) === entry.msgId.toLowerCase() ? message : undefined;
  } catch {
    return undefined;
  }
}

function samePayment(a: Payment | undefined, b: Payment | undefined): boolean {
  return a !== undefined && b !== undefined && a.fee === b.fee && a.quote === b.quote;
}
