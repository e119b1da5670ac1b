/**
 * The guardian service: follows every source gateway of the deployment, decides what is
 * signable, signs attestations for relayers, and lets its operator approve large transfers.
 * Everything stateful (chain readers over viem public clients, the signing account, the store,
 * the metrics registry, the logger) is passed in; `main.ts` wires the real ones.
 *
 * A message is signable when it is confirmed at its chain's depth and matched the gateway's own
 * `sentMessageId` (both read through every RPC endpoint of the chain, which must agree:
 * quorum.ts), its route and token are valid (policy.ts), no other message holds its
 * (source chain, nonce) in the store, its token's books balance with it in flight
 * (accountant.ts), and, above the approval threshold, the operator approved it. Signing
 * additionally re-checks that each message's block is still canonical, that this guardian is in
 * the destination's current guardian set, and commits the nonce durably first. docs/guardian.md
 * lists every check in order.
 *
 * What it lists it also signs unasked, a group at a time (`signListed`): a source block's messages
 * to one destination, in the order a relayer delivers them, with the same checks. A relayer whose
 * batch is such a group then needs no attestation round trip, and one that asks for such a group
 * (it does not read the feed) is answered with that signature (`listedAnswer`).
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { isAddressEqual, type Address, type Hex, type LocalAccount } from "viem";
import { signAttestation, type AttestationDomain } from "../core/attestation.js";
import { PendingWork } from "../core/async.js";
import { orderBatch } from "../core/batch-order.js";
import {
  MAX_ATTEST_BATCH,
  type AttestRefusal,
  type AttestRequest,
  type AttestResponse,
  type GuardianHealth,
  type ListedAttestation,
  type MessageState,
  type MessageView,
} from "../core/guardian-api.js";
import { gatewayChains, type Manifest } from "../core/manifest.js";
import { merkleRoot } from "../core/merkle.js";
import { messageToJson } from "../core/message.js";
import { sleep } from "../core/service/lifecycle.js";
import { KEEP_WARM_MS, SharedRead } from "../core/shared-read.js";
import { Accountant } from "./accountant.js";
import { describeMessage, MessageBook, type MessageRecord } from "./book.js";
import type { GatewayReader } from "./chain.js";
import { ChainFollower, lagSeconds } from "./follower.js";
import { GuardianMetrics, reasonLabel } from "./metrics.js";
import type { MessagePolicy, RejectReason } from "./policy.js";
import { PollSchedule } from "./poll-schedule.js";
import { SignableFeed } from "./signable.js";
import type { GuardianStore } from "./store.js";

export interface GuardianOptions {
  pollIntervalMs: number;
  maxBlockRange: number;
  /** A chain view older than this makes /healthz fail. */
  staleAfterSeconds: number;
  /** How long the destination's current guardian-set index is cached. */
  guardianSetCacheSeconds: number;
  /** How long a token's books must stay short before its messages are refused for good. */
  accountantGraceSeconds: number;
}

export interface GuardianDeps {
  manifest: Manifest;
  policy: MessagePolicy;
  /** The guardian's signing key. */
  account: LocalAccount;
  store: GuardianStore;
  /** A reader for every L2 of the manifest, by chain id. */
  readers: ReadonlyMap<number, GatewayReader>;
  registry: Registry;
  /** Registered on `registry`; created here when not given. */
  metrics?: GuardianMetrics;
  logger: Logger;
  options: GuardianOptions;
  /** Wall clock in ms (tests pin it). */
  now?: () => number;
}

/** Expired messages are kept this long after their deadline, then forgotten. */
const EXPIRED_RETENTION_SECONDS = 86_400n;
const PRUNE_EVERY_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

/** The request cannot be signed; the body says which ids and why (HTTP 409). */
export class AttestRefusedError extends Error {
  override name = "AttestRefusedError";
  constructor(readonly refusal: AttestRefusal) {
    super(refusal.error);
  }
}

export class MessageNotFoundError extends Error {
  override name = "MessageNotFoundError";
  constructor(readonly msgId: Hex) {
    super(`message ${msgId} has not been seen by this guardian`);
  }
}

/** The operator asked for something the message's state does not allow (HTTP 409). */
export class ApprovalRefusedError extends Error {
  override name = "ApprovalRefusedError";
}

export class InvalidRequestError extends Error {
  override name = "InvalidRequestError";
}

interface Verdict {
  state: MessageState;
  reason?: RejectReason;
  /** Why, in a sentence (the accountant's books), for the refusal's error and the view. */
  note?: string;
}

export class Guardian {
  readonly metrics: GuardianMetrics;
  /** What became signable here, for relayers (GET /v1/signable). */
  readonly signable: SignableFeed;
  /** Messages confirmed since the last `publishSignable`. */
  private confirmedSince: MessageRecord[] = [];
  private readonly book = new MessageBook();
  readonly accountant: Accountant;
  private readonly followers = new Map<number, ChainFollower>();
  /** Each destination's current guardian-set index, by chain id (see `currentGuardianSet`). */
  private readonly setIndexReads = new Map<number, SharedRead<number>>();
  private readonly setMembersCache = new Map<string, readonly Address[]>();
  private readonly now: () => number;
  private lastSignedAt: number | null = null;
  private lastPruneAt = 0;
  private readonly unbackedLogged = new Set<Hex>();
  /** Signings of listed groups still running (`signListed`; `pollOnce` and `run` wait for them). */
  private readonly signing = new PendingWork();

  constructor(private readonly deps: GuardianDeps) {
    this.now = deps.now ?? Date.now;
    this.metrics = deps.metrics ?? new GuardianMetrics(deps.registry);
    this.signable = new SignableFeed({ now: this.now });
    this.book.onConfirmed = (record) => this.confirmedSince.push(record);
    this.metrics.pendingApprovalsSource = async () => (await this.pending()).length;
    this.metrics.headLagSource = () => this.lags();
    this.metrics.booksSource = () => this.accountant.allBooks();
    const chains = gatewayChains(deps.manifest);
    this.accountant = new Accountant(
      deps.manifest,
      chains,
      {
        views: () => new Map([...this.followers].map(([chainId, f]) => [chainId, f.progress])),
        lockedBalance: (chainId, homeToken, block) => this.readerOf(chainId).lockedBalance(homeToken, block),
        totalSupply: (chainId, token, block) => this.readerOf(chainId).totalSupply(token, block),
      },
      { graceSeconds: deps.options.accountantGraceSeconds, now: this.now },
    );
    for (const chain of chains) {
      const reader = deps.readers.get(chain.chainId);
      if (!reader) throw new Error(`no chain reader for ${chain.name} (${chain.chainId})`);
      const logger = deps.logger.child({ component: "follower", chain: chain.name, chainId: chain.chainId });
      this.followers.set(
        chain.chainId,
        new ChainFollower(chain, reader, this.book, deps.policy, this.accountant, this.metrics, logger, {
          maxBlockRange: deps.options.maxBlockRange,
          now: this.now,
        }),
      );
    }
  }

  get address(): Address {
    return this.deps.account.address;
  }

  /** Follows every chain until `signal` aborts; resolves once every poll loop has stopped. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await Promise.all([...[...this.followers.values()].map((f) => this.follow(f, signal)), this.keepBooks(signal)]);
    } finally {
      await this.signing.settled();
      this.signable.close();
      for (const read of this.setIndexReads.values()) read.close();
    }
  }

  /** One poll of every chain, then the books (tests, and tools that want a snapshot without the loop). */
  async pollOnce(): Promise<void> {
    await Promise.all([...this.followers.values()].map((f) => f.poll()));
    await this.accountant.refresh();
    await this.publishSignable();
    await this.signing.settled();
  }

  async attest(request: AttestRequest): Promise<AttestResponse> {
    const ids = request.msgIds.map((id) => id.toLowerCase() as Hex);
    if (new Set(ids).size !== ids.length) throw new InvalidRequestError("msgIds lists a message more than once");
    const domain: AttestationDomain = { destChainId: BigInt(request.destChainId), destGateway: request.destGateway };
    // Hashed once: the listed answer looks it up, the full path signs it.
    const root = merkleRoot(ids);
    const listed = await this.listedAnswer(ids, root, domain, request.destChainId);
    if (listed) return listed;
    const refusal = new Refusal(this.metrics);
    // Each step's end, in ms since the request came in (logged with the signature).
    const started = performance.now();
    const ms: Record<string, number> = {};
    const step = (name: string) => (ms[name] = Math.round(performance.now() - started));

    // The books must cover every confirmed message asked about before anything is judged.
    const known = ids.map((id) => this.book.get(id)).filter((r): r is MessageRecord => r?.confirmed === true);
    await this.accountant.cover(known).catch((err: unknown) => {
      this.deps.logger.warn({ err: (err as Error).message }, "cannot read the books; the messages stay unconfirmed");
    });

    const records: MessageRecord[] = [];
    for (const id of ids) {
      const record = this.book.get(id);
      if (!record) {
        refusal.add(id, "unknown");
        this.explainUnknown(refusal);
      } else if (!addressedTo(record, domain)) refusal.reject(id, "wrong destination");
      else {
        const verdict = await this.verdict(record);
        if (verdict.state === "signable") records.push(record);
        else refusal.add(id, verdict.state, verdict.reason);
        if (verdict.note) refusal.note(verdict.note);
      }
    }
    refusal.throwIfAny(ids.length);
    step("judged");

    // Two independent reads (the destination's guardian set, each source block's hash), at once.
    const [set, reorged] = await Promise.all([this.currentGuardianSet(request.destChainId), this.reorgedOut(records)]);
    if (!set.member) refusal.guardianNotInSet(set.notMember);
    for (const id of reorged) refusal.add(id, "unknown");
    refusal.throwIfAny(ids.length);
    const guardianSetIndex = set.index;
    step("reread");

    // The commitment is durable before the signature exists: a crash after this line can only
    // leave a claim that was never used, never a signature the journal does not know about.
    const holders = await this.deps.store.claimMany(
      records.map((r) => ({ sourceChainId: BigInt(r.sourceChainId), nonce: r.message.nonce, msgId: r.msgId })),
    );
    for (const [i, record] of records.entries()) {
      const holder = holders[i];
      if (holder !== record.msgId) {
        this.deps.logger.error({ msgId: record.msgId, holder }, "refusing to sign a second message for a nonce");
        refusal.reject(record.msgId, "conflicting nonce");
      }
    }
    refusal.throwIfAny(ids.length);
    step("claimed");

    const signature = await signAttestation(this.deps.account, domain, root, guardianSetIndex);
    step("signed");
    this.lastSignedAt = Math.floor(this.now() / 1000);
    this.metrics.signatures.inc({ dest_chain_id: String(request.destChainId) });
    this.metrics.lastSignedTimestamp.set(this.lastSignedAt);
    this.deps.logger.info(
      { destChainId: request.destChainId, root, guardianSetIndex, msgIds: ids.length, ms },
      "signed attestation",
    );
    return { guardian: this.address, guardianSetIndex, root, signature };
  }

  /**
   * The answer to a request for exactly a group this guardian signed as it listed it (same ids in
   * the same order, so the same root; same destination): that signature, if every message is
   * still in the book, confirmed and judged signable now, its block is still canonical, and the
   * set it was signed under is still the destination's current one with this guardian in it —
   * the checks `attest` makes, bar the two already done for these messages before the signature
   * existed: reading the books up to their blocks, and claiming their nonces. The signature is
   * public on the feed anyway, so answering with it grants nothing the feed does not; anything
   * that changed (a reorg, a rotation, a verdict) falls through to the full path, which refuses
   * or signs afresh. It spares the relayers that do not read the feeds (relayer/feed-slots.ts) a
   * wait behind the books, the claim journal and a new signature for every batch they take.
   */
  private async listedAnswer(
    ids: readonly Hex[],
    root: Hex,
    domain: AttestationDomain,
    destChainId: number,
  ): Promise<AttestResponse | undefined> {
    const listed = this.signable.listedAttestation(root);
    if (!listed || listed.destChainId !== destChainId || !isAddressEqual(listed.destGateway, domain.destGateway)) {
      return undefined;
    }
    const started = performance.now();
    const records: MessageRecord[] = [];
    for (const id of ids) {
      const record = this.book.get(id);
      if (!record?.confirmed || (await this.verdict(record)).state !== "signable") return undefined;
      records.push(record);
    }
    const [set, reorged] = await Promise.all([this.currentGuardianSet(destChainId), this.reorgedOut(records)]);
    if (!set.member || set.index !== listed.guardianSetIndex || reorged.size > 0) return undefined;
    this.metrics.listedAnswers.inc({ dest_chain_id: String(destChainId) });
    this.deps.logger.info(
      { destChainId, root, msgIds: ids.length, ms: Math.round(performance.now() - started) },
      "answered with the signature made at listing",
    );
    return { guardian: this.address, guardianSetIndex: listed.guardianSetIndex, root, signature: listed.signature };
  }

  async message(msgId: Hex): Promise<MessageView> {
    const record = this.book.get(msgId);
    if (!record) throw new MessageNotFoundError(msgId);
    return this.view(record);
  }

  /** Messages waiting for the operator, oldest first per chain. */
  async pending(): Promise<MessageView[]> {
    const views = await Promise.all(this.book.all().map((r) => this.view(r)));
    return views
      .filter((v) => v.state === "awaiting-approval")
      .sort((a, b) =>
        a.message.sourceChainId !== b.message.sourceChainId
          ? Number(a.message.sourceChainId) - Number(b.message.sourceChainId)
          : Number(BigInt(a.message.nonce) - BigInt(b.message.nonce)),
      );
  }

  /**
   * The operator's approval of a transfer above the threshold. Idempotent; approving a message
   * that needs no approval changes nothing; a rejected message cannot be approved.
   */
  async approve(msgId: Hex): Promise<MessageView> {
    const record = this.book.get(msgId);
    if (!record) throw new MessageNotFoundError(msgId);
    const verdict = await this.verdict(record);
    if (verdict.state === "rejected") {
      throw new ApprovalRefusedError(`message ${record.msgId} is rejected (${verdict.reason}) and cannot be approved`);
    }
    if (this.deps.policy.requiresApproval(record.message) && !(await this.deps.store.isApproved(record.msgId))) {
      await this.deps.store.approve(record.msgId, Math.floor(this.now() / 1000));
      this.metrics.approvals.inc();
      this.deps.logger.info(
        { msgId: record.msgId, amount: record.message.amount.toString() },
        "operator approved message",
      );
    }
    const view = await this.view(record);
    if (view.state === "signable") this.signable.publish([record]);
    return view;
  }

  health(): GuardianHealth {
    const now = this.now();
    const chains: GuardianHealth["chains"] = {};
    let ok = true;
    for (const follower of this.followers.values()) {
      const view = follower.view;
      if (!view) {
        ok = false;
        chains[String(follower.chainId)] = { scannedBlock: "0", headBlock: "0", lagSeconds: -1 };
        continue;
      }
      const lag = lagSeconds(view, now);
      if (lag > this.deps.options.staleAfterSeconds) ok = false;
      chains[String(follower.chainId)] = {
        scannedBlock: view.scannedBlock.toString(),
        headBlock: view.headBlock.toString(),
        lagSeconds: Math.round(lag * 10) / 10,
      };
    }
    return { ok, guardian: this.address, chains, lastSignedAt: this.lastSignedAt };
  }

  private async follow(follower: ChainFollower, signal: AbortSignal): Promise<void> {
    const logger = this.deps.logger.child({ component: "follower", chainId: follower.chainId });
    const schedule = new PollSchedule(this.deps.options.pollIntervalMs);
    let failures = 0;
    while (!signal.aborted) {
      let caughtUp = true;
      try {
        caughtUp = await follower.scan();
        const head = follower.view?.headBlock;
        if (head !== undefined) schedule.observe(head, Date.now());
        await this.publishSignable();
        // After the listing: the newest blocks' messages are only shown as unconfirmed.
        await follower.readTail();
        if (failures > 0) logger.info({ failures }, "chain view recovered");
        failures = 0;
        follower.lastError = undefined;
      } catch (err) {
        failures++;
        follower.lastError = ((err as Error).message ?? String(err)).split("\n")[0];
        this.metrics.pollErrors.inc({ chain_id: String(follower.chainId) });
        logger.warn({ err, failures }, "poll failed");
      }
      this.pruneExpired();
      if (!caughtUp) continue;
      const backoff = Math.min(this.deps.options.pollIntervalMs * 2 ** Math.min(failures, 8), MAX_BACKOFF_MS);
      await sleep(failures > 0 ? backoff : schedule.delayMs(Date.now()), signal);
    }
  }

  /**
   * Lists on the feed the confirmed messages that are signable now. The books are read first if
   * they do not cover the messages yet (the follower has just confirmed them; the books' own loop
   * may not have read that far): without that, a fresh message would be judged "pending" here and
   * never listed. Messages still pending (books short, within the accountant's grace) are kept
   * and judged again on the next call; rejected or approval-bound ones leave (approval lists them).
   */
  private async publishSignable(): Promise<void> {
    const candidates = this.confirmedSince.splice(0);
    if (candidates.length === 0) return;
    const confirmed = candidates.filter((c) => this.book.get(c.msgId)?.confirmed === true);
    await this.accountant.cover(confirmed).catch((err: unknown) => {
      this.deps.logger.warn({ err: (err as Error).message }, "cannot read the books; the messages stay unlisted");
    });
    const ready: MessageRecord[] = [];
    const later: MessageRecord[] = [];
    for (const candidate of confirmed) {
      // Still in the book (not dropped by a rewind meanwhile) and signable.
      const record = this.book.get(candidate.msgId);
      if (!record?.confirmed) continue;
      const { state } = await this.verdict(record);
      if (state === "signable") ready.push(record);
      else if (state === "unconfirmed") later.push(record);
    }
    this.confirmedSince.unshift(...later);
    if (ready.length === 0) return;
    const fresh = ready.filter((r) => !this.signable.has(r.msgId));
    this.signable.publish(ready);
    // Signed after the listing, not before it: the signing reads the chains and writes the
    // claims, and relayers need the listing first (it is what they enqueue).
    if (fresh.length === 0) return;
    this.signing.track(
      this.signListed(fresh).catch((err: unknown) =>
        this.deps.logger.warn({ err: (err as Error).message }, "cannot sign what was listed; relayers will ask"),
      ),
    );
  }

  /**
   * Signs what was just listed, unasked, one attestation per group: the messages of one source
   * block to one destination gateway, in batch order (core/batch-order.ts) — the batch a relayer
   * makes of a block it takes whole. They were judged signable as they were listed; what `attest`
   * checks past the judging is checked here the same way: this guardian is in the destination's
   * current set, each block is still canonical, and every nonce is claimed durably before the
   * signature exists. A group failing a check is not signed (a relayer then asks, and `attest`
   * says why). A signature nobody uses costs nothing: the claims are those any attestation of
   * these messages makes, and an attestation lets a relayer deliver only what it covers.
   */
  private async signListed(records: readonly MessageRecord[]): Promise<void> {
    // Each step's end, in ms since the signing began (logged with the signatures).
    const started = performance.now();
    const ms: Record<string, number> = {};
    const step = (name: string) => (ms[name] = Math.round(performance.now() - started));
    const groups = new Map<string, MessageRecord[]>();
    for (const r of records) {
      const key = `${r.message.destChainId}:${r.message.destGateway.toLowerCase()}:${r.sourceChainId}:${r.blockNumber}`;
      const group = groups.get(key);
      if (group) group.push(r);
      else groups.set(key, [r]);
    }
    const dests = [...new Set(records.map((r) => Number(r.message.destChainId)))];
    const [sets, reorged] = await Promise.all([
      Promise.all(dests.map(async (d) => [d, await this.currentGuardianSet(d)] as const)).then((e) => new Map(e)),
      this.reorgedOut(records),
    ]);
    const signable = [...groups.values()]
      .filter((g) => g.length <= MAX_ATTEST_BATCH && g.every((r) => !reorged.has(r.msgId)))
      .filter((g) => sets.get(Number(g[0]!.message.destChainId))!.member)
      .map((g) => orderBatch(g));
    step("reread");
    if (signable.length === 0) return;
    const claimed = signable.flat();
    const holders = await this.deps.store.claimMany(
      claimed.map((r) => ({ sourceChainId: BigInt(r.sourceChainId), nonce: r.message.nonce, msgId: r.msgId })),
    );
    step("claimed");
    const conflicting = new Set(claimed.filter((r, i) => holders[i] !== r.msgId).map((r) => r.msgId));
    const signed: ListedAttestation[] = [];
    for (const group of signable) {
      if (group.some((r) => conflicting.has(r.msgId))) {
        this.deps.logger.error(
          { msgIds: group.length },
          "not signing a listed group: a nonce is claimed by another message",
        );
        continue;
      }
      const first = group[0]!;
      const setIndex = sets.get(Number(first.message.destChainId))!.index;
      const domain = { destChainId: first.message.destChainId, destGateway: first.message.destGateway };
      const root = merkleRoot(group.map((r) => r.msgId)).toLowerCase() as Hex;
      const signature = await signAttestation(this.deps.account, domain, root, setIndex);
      this.metrics.signatures.inc({ dest_chain_id: String(first.message.destChainId) });
      signed.push({
        destChainId: Number(first.message.destChainId),
        destGateway: first.message.destGateway,
        sourceChainId: first.sourceChainId,
        blockNumber: first.blockNumber.toString(),
        messages: group.length,
        guardianSetIndex: setIndex,
        root,
        signature,
      });
    }
    step("signed");
    if (signed.length === 0) return;
    this.lastSignedAt = Math.floor(this.now() / 1000);
    this.metrics.lastSignedTimestamp.set(this.lastSignedAt);
    this.signable.publishAttestations(signed);
    this.deps.logger.info({ groups: signed.length, msgIds: claimed.length, ms }, "signed what was listed");
  }

  private pruneExpired() {
    const now = this.now();
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = now;
    const pruned = this.book.pruneExpired(BigInt(Math.floor(now / 1000)) - EXPIRED_RETENTION_SECONDS);
    if (pruned > 0) this.deps.logger.info({ pruned }, "forgot expired messages");
  }

  private async verdict(record: MessageRecord): Promise<Verdict> {
    if (record.rejection) return { state: "rejected", reason: record.rejection };
    const holder = await this.deps.store.claimOf(BigInt(record.sourceChainId), record.message.nonce);
    if (holder !== undefined && holder !== record.msgId) return { state: "rejected", reason: "conflicting nonce" };
    if (!record.confirmed) return { state: "unconfirmed" };
    const books = this.accountant.judge(record.message, record.blockNumber);
    if (books.state === "unbacked") {
      this.noteUnbacked(record, books.why);
      return { state: "rejected", reason: "unbacked", note: books.why };
    }
    if (books.state === "pending") return { state: "unconfirmed", note: books.why };
    if (this.deps.policy.requiresApproval(record.message) && !(await this.deps.store.isApproved(record.msgId))) {
      return { state: "awaiting-approval" };
    }
    return { state: "signable" };
  }

  private async view(record: MessageRecord): Promise<MessageView> {
    const verdict = await this.verdict(record);
    const reason = verdict.reason ?? verdict.note;
    return {
      msgId: record.msgId,
      state: verdict.state,
      message: messageToJson(record.message),
      blockNumber: record.blockNumber.toString(),
      ...(reason ? { reason } : {}),
    };
  }

  /** Logs each message the books cannot back, once. */
  private noteUnbacked(record: MessageRecord, why: string) {
    if (this.unbackedLogged.has(record.msgId)) return;
    if (this.unbackedLogged.size >= 10_000) this.unbackedLogged.clear();
    this.unbackedLogged.add(record.msgId);
    this.deps.logger.error(
      { msgId: record.msgId, ...describeMessage(record.message), why },
      "refusing a message its token's books cannot back",
    );
  }

  /** An unknown id may be unknown because a chain's view is failing: say so. */
  private explainUnknown(refusal: Refusal) {
    for (const f of this.followers.values()) {
      if (f.lastError) refusal.note(`chain ${f.chain.name} is not being read: ${f.lastError}`);
    }
  }

  /** Re-reads the books every poll interval (metrics, views, and the deficit clock). */
  private async keepBooks(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.accountant.refresh();
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message }, "cannot read the books; will retry");
      }
      await sleep(this.deps.options.pollIntervalMs, signal);
    }
  }

  private readerOf(chainId: number): GatewayReader {
    const reader = this.deps.readers.get(chainId);
    if (!reader) throw new Error(`no chain reader for ${chainId}`);
    return reader;
  }

  /**
   * The destination's current guardian-set index, if this guardian is a member: a rotation that
   * removes it takes effect within the cache time, without a restart. Past half the cache time
   * the index is re-read in the background (core/shared-read.ts), and kept warm for a minute
   * after a request, so a busy guardian's requests keep finding a fresh value instead of waiting
   * for a read from a busy node whenever it expired. Signing under an index up to the cache time
   * old only risks a useless signature: the previous set keeps verifying for the grace its
   * rotation gave it (`setGuardianSet`), and a delivery under an expired set reverts on the
   * destination, which the relayer retries with fresh attestations.
   */
  private async currentGuardianSet(
    destChainId: number,
  ): Promise<{ index: number; member: true } | { index: number; member: false; notMember: string }> {
    const reader = this.deps.readers.get(destChainId);
    if (!reader) throw new Error(`no chain reader for destination ${destChainId}`);
    let setIndex = this.setIndexReads.get(destChainId);
    if (!setIndex) {
      const ttlMs = this.deps.options.guardianSetCacheSeconds * 1000;
      setIndex = new SharedRead(
        () => reader.guardianSetIndex(),
        {
          freshMs: ttlMs / 2,
          staleMs: ttlMs,
          keepWarmMs: KEEP_WARM_MS,
          onBackgroundError: (err) =>
            this.deps.logger.warn(
              { err: (err as Error).message, destChainId },
              "cannot refresh the guardian set index",
            ),
        },
        this.now,
      );
      this.setIndexReads.set(destChainId, setIndex);
    }
    const index = await setIndex.get();
    const key = `${destChainId}:${index}`;
    let members = this.setMembersCache.get(key);
    if (!members) {
      members = await reader.guardianSet(index);
      this.setMembersCache.set(key, members);
    }
    if (members.some((m) => isAddressEqual(m, this.address))) return { index, member: true };
    const notMember = `guardian ${this.address} is not in the current guardian set (index ${index}) of chain ${destChainId}`;
    return { index, member: false, notMember };
  }

  /** Re-reads each message's block; returns the ids whose block was reorged out (unknown again). */
  private async reorgedOut(records: readonly MessageRecord[]): Promise<Set<Hex>> {
    const reorged = new Set<Hex>();
    const blocks = new Map<string, Promise<Hex | undefined>>();
    for (const record of records) {
      const key = `${record.sourceChainId}:${record.blockNumber}`;
      if (!blocks.has(key)) {
        const reader = this.deps.readers.get(record.sourceChainId)!;
        blocks.set(
          key,
          reader.blockAt(record.blockNumber).then((b) => b?.hash),
        );
      }
    }
    for (const record of records) {
      const hash = await blocks.get(`${record.sourceChainId}:${record.blockNumber}`)!;
      if (hash === record.blockHash) continue;
      this.deps.logger.warn(
        { msgId: record.msgId, block: record.blockNumber.toString(), was: record.blockHash, now: hash ?? null },
        "message's block was reorged out; it is unknown again",
      );
      this.metrics.reorgs.inc({ chain_id: String(record.sourceChainId) });
      this.followers.get(record.sourceChainId)?.rewind(record.blockNumber);
      reorged.add(record.msgId);
    }
    return reorged;
  }

  private lags(): Map<number, number> {
    const now = this.now();
    const out = new Map<number, number>();
    for (const f of this.followers.values()) if (f.view) out.set(f.chainId, lagSeconds(f.view, now));
    return out;
  }
}

function addressedTo(record: MessageRecord, domain: AttestationDomain): boolean {
  return (
    record.message.destChainId === domain.destChainId && isAddressEqual(record.message.destGateway, domain.destGateway)
  );
}

/** Collects why ids of one request cannot be signed and turns that into the 409 body. */
class Refusal {
  private readonly body: AttestRefusal = {
    error: "",
    unknown: [],
    awaitingApproval: [],
    unconfirmed: [],
    rejected: [],
  };
  private guardianError?: string;
  private readonly notes = new Set<string>();

  constructor(private readonly metrics: GuardianMetrics) {}

  /** A sentence saying why, appended to the error once. */
  note(sentence: string) {
    this.notes.add(sentence);
  }

  add(msgId: Hex, state: MessageState | "unknown", reason?: RejectReason) {
    if (state === "rejected") return this.reject(msgId, reason ?? "invalid route");
    if (state === "unknown") this.body.unknown.push(msgId);
    else if (state === "unconfirmed") this.body.unconfirmed.push(msgId);
    else if (state === "awaiting-approval") this.body.awaitingApproval.push(msgId);
    this.metrics.refusals.inc({ reason: reasonLabel(state) });
  }

  reject(msgId: Hex, reason: RejectReason) {
    this.body.rejected.push({ msgId, reason });
    this.metrics.refusals.inc({ reason: reasonLabel(reason) });
  }

  guardianNotInSet(error: string) {
    this.guardianError = error;
    this.metrics.refusals.inc({ reason: "not_in_guardian_set" });
  }

  throwIfAny(total: number) {
    if (this.guardianError) throw new AttestRefusedError({ ...this.body, error: this.guardianError });
    const parts = [
      [this.body.unknown.length, "unknown"],
      [this.body.unconfirmed.length, "unconfirmed"],
      [this.body.awaitingApproval.length, "awaiting approval"],
      [this.body.rejected.length, "rejected"],
    ] as const;
    const refused = parts.reduce((n, [count]) => n + count, 0);
    if (refused === 0) return;
    const detail = parts
      .filter(([count]) => count > 0)
      .map(([count, what]) => `${count} ${what}`)
      .join(", ");
    const why = this.notes.size > 0 ? ` (${[...this.notes].join("; ")})` : "";
    throw new AttestRefusedError({
      ...this.body,
      error: `${refused} of ${total} messages not signable: ${detail}${why}`,
    });
  }
}
