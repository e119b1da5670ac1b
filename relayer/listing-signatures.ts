/**
 * The guardians' signatures of the groups they listed (a source block's messages to one
 * destination, signed as they listed them: docs/guardian.md, "What it signs unasked"), and how a
 * batch that is exactly such a group is attested with them instead of asking the guardians.
 *
 * Only the relayers holding a feed slot (feed-slots.ts) read the feeds that carry the
 * signatures, and under a burst they are the busiest (parsing the listings, enqueueing the jobs):
 * the batches were mostly taken by relayers that follow no feed, and each asked every guardian to
 * attest a group they had signed a moment before. So the followers also write each signature to
 * Redis as it arrives (a hash per group and destination, a field per guardian, kept
 * `SHARED_TTL_MS`), and a relayer that follows no feed reads it there (`SharedListings`).
 * Nothing counts for being in Redis: every signature is recovered to its guardian under the
 * current set and the destination's domain before it counts (`roundFromListings`, the check a
 * follower makes of what the feed carried, and the one every answer to POST /v1/attest gets);
 * one that fails only leaves the batch to ask the guardians.
 */
import type { Address, Hex } from "viem";
import type { AttestationDomain } from "../core/attestation.js";
import {
  attestationOf,
  checkSignature,
  type AttestationRound,
  type GuardianSetView,
} from "../core/collect-attestation.js";
import type { ListedAttestation } from "../core/guardian-api.js";
import { sleep } from "../core/service/lifecycle.js";
import type { Logger } from "../core/service/logger.js";
import type { RelayerMetrics } from "./metrics.js";
import type { Readiness } from "./signable.js";
import type { RelayerStore } from "./store.js";

/** One guardian's signature of a listed group; `valid` once checked. */
export interface ListingSignature {
  guardian: Address;
  setIndex: number;
  signature: Hex;
  valid?: boolean;
}

/**
 * How long a shared group's signatures are kept: its batch is taken seconds after the listing;
 * a batch retried later is rarely still exactly the group, and asks.
 */
export const SHARED_TTL_MS = 60_000;
/** How often a relayer waiting for a group's shared signatures reads them again. */
const SHARED_POLL_MS = 50;

/** The key of a listed group: its Merkle root and the domain it was signed for. */
export function groupKey(root: Hex, domain: AttestationDomain): string {
  return `${root.toLowerCase()}:${domain.destChainId}:${domain.destGateway.toLowerCase()}`;
}

/** The domain a feed's listed attestation was signed for. */
export function domainOf(a: ListedAttestation): AttestationDomain {
  return { destChainId: BigInt(a.destChainId), destGateway: a.destGateway };
}

/**
 * The attestation of `root` from `held` (by lower-case guardian address), if `set.threshold`
 * members of `set` signed it under `set.index` for `domain`. Each signature is checked once
 * (recovered to its guardian, `valid` recorded); one that fails goes to `unusable` and never
 * counts.
 */
export async function roundFromListings(
  root: Hex,
  domain: AttestationDomain,
  set: GuardianSetView,
  held: ReadonlyMap<string, ListingSignature>,
  unusable: (s: ListingSignature, problem: string) => void,
): Promise<AttestationRound | undefined> {
  const candidates = set.guardians
    .map((g) => held.get(g.address.toLowerCase()))
    .filter((s): s is ListingSignature => s !== undefined && s.setIndex === set.index && s.valid !== false);
  if (candidates.length < set.threshold) return undefined;
  const signed = new Map<Address, Hex>();
  for (const s of candidates) {
    if (s.valid === undefined) {
      const response = { guardian: s.guardian, guardianSetIndex: s.setIndex, root, signature: s.signature };
      const problem = await checkSignature(response, s.guardian, set.index, domain, root);
      s.valid = problem === undefined;
      if (problem) unusable(s, problem);
    }
    if (s.valid) signed.set(s.guardian, s.signature);
    if (signed.size === set.threshold) break;
  }
  if (signed.size < set.threshold) return undefined;
  return { attestation: attestationOf(set, signed), signers: [...signed.keys()], refusals: [], errors: [] };
}

/** A listed group's signature as stored in Redis: `<setIndex>:<signature>` under the guardian's field. */
export function encodeShared(a: Pick<ListedAttestation, "guardianSetIndex" | "signature">): string {
  return `${a.guardianSetIndex}:${a.signature.toLowerCase()}`;
}

const SHARED_VALUE = /^(\d{1,9}):(0x[0-9a-f]{130})$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;

/** The stored signatures of a group, by lower-case guardian address; malformed fields are left out. */
export function decodeShared(fields: Readonly<Record<string, string>>): Map<string, ListingSignature> {
  const held = new Map<string, ListingSignature>();
  for (const [guardian, value] of Object.entries(fields)) {
    const m = SHARED_VALUE.exec(value);
    if (!m || !ADDRESS.test(guardian)) continue;
    held.set(guardian, { guardian: guardian as Address, setIndex: Number(m[1]), signature: m[2] as Hex });
  }
  return held;
}

/** Listing signatures the feed followers shared through Redis, for relayers that follow no feed. */
export class SharedListings {
  constructor(
    private readonly store: Pick<RelayerStore, "getListingSignatures">,
    private readonly metrics: RelayerMetrics,
    private readonly logger: Logger,
  ) {}

  /**
   * The attestation of `root` from the shared signatures, reading them again every
   * `SHARED_POLL_MS` for up to `timeoutMs` (a follower writes them as its feeds answer, about
   * when it enqueues the group's jobs). A store that cannot be read only sends the batch to ask.
   */
  async listedRound(
    root: Hex,
    domain: AttestationDomain,
    set: GuardianSetView,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<AttestationRound | undefined> {
    const key = groupKey(root, domain);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const fields = await this.store.getListingSignatures(key).catch(() => ({}));
      const round = await roundFromListings(root, domain, set, decodeShared(fields), (s, problem) =>
        this.logger.warn({ guardian: s.guardian, root, problem }, "unusable shared listing signature"),
      );
      if (round) {
        this.metrics.sharedListings.inc({ result: "used" });
        return round;
      }
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) {
        this.metrics.sharedListings.inc({ result: "absent" });
        return undefined;
      }
      await sleep(Math.min(SHARED_POLL_MS, left), signal);
    }
  }
}

/**
 * `tracker` for the deliverers, except that while this relayer follows no quorum of feeds (no
 * feed slot, or the feeds down) a batch's listing signatures are looked for among those the
 * followers shared.
 */
export function withSharedListings(tracker: Readiness, shared: SharedListings): Readiness {
  return {
    feedsUp: (set) => tracker.feedsUp(set),
    anyReady: (ids, set) => tracker.anyReady(ids, set),
    waitReady: (ids, set, timeoutMs, signal, until) => tracker.waitReady(ids, set, timeoutMs, signal, until),
    listedRound: (root, domain, set, timeoutMs, signal) =>
      tracker.feedsUp(set)
        ? tracker.listedRound(root, domain, set, timeoutMs, signal)
        : shared.listedRound(root, domain, set, timeoutMs, signal),
  };
}
