/**
 * Which guardians to ask, per destination: the destination gateway's *current* guardian set
 * (index, members, threshold), read from the chain and cached for `ttlMs`, with each member's
 * URL from the manifest's guardian directory. A rotation therefore reaches every relayer within
 * the cache time, without a restart; a delivery that fails on an attestation error (for example
 * the previous set's grace period ended between signing and delivery) invalidates the cache, so
 * the retry re-attests with the new set.
 *
 * From half the cache time on, the set is re-read in the background while the cached one is
 * still served (core/shared-read.ts): a batch never waits for that read unless the set is older
 * than `ttlMs`; it is kept warm (re-read each half TTL) for a minute after its last use, so only
 * the first batch after a longer idle spell waits. Every batch asks for the set first, and with
 * the devnet's 1 s cache a batch waited for a read from a node busy mining a full block every
 * second: up to ~0.5 s of a burst's deliveries. The cached set is never older than `ttlMs`, as
 * before.
 */
import { isAddressEqual, type Address } from "viem";
import type { GuardianEndpoint, GuardianSetView } from "../core/collect-attestation.js";
import { KEEP_WARM_MS, SharedRead } from "../core/shared-read.js";
import type { RelayerChain } from "./chains.js";

/** The guardian set a destination accepts now. */
export interface GuardianSets {
  /** The set, never older than the cache time (what attestations are collected from). */
  current(): Promise<GuardianSetView>;
  /**
   * The newest set held, however old, without waiting for a read (core/shared-read.ts
   * `latest`): for judging whether the feeds listed a message, which only decides when a batch
   * asks for attestations, never which signatures are accepted.
   */
  latest(): Promise<GuardianSetView>;
  /** Forget the cached set: the next `current()` reads the chain. */
  invalidate(): void;
}

/** A fixed set (tests, or a deployment whose set never changes). */
export function fixedGuardianSets(view: GuardianSetView): GuardianSets {
  return { current: async () => view, latest: async () => view, invalidate: () => {} };
}

/** Reads `guardianSetIndex()` and `guardianSet(index)` from the destination gateway. */
export class ChainGuardianSets implements GuardianSets {
  private readonly set: SharedRead<GuardianSetView>;

  constructor(
    private readonly dest: Pick<RelayerChain, "gw">,
    private readonly directory: readonly GuardianEndpoint[],
    ttlMs: number,
    now: () => number = Date.now,
  ) {
    this.set = new SharedRead(() => this.read(), { freshMs: ttlMs / 2, staleMs: ttlMs, keepWarmMs: KEEP_WARM_MS }, now);
  }

  current(): Promise<GuardianSetView> {
    return this.set.get();
  }

  latest(): Promise<GuardianSetView> {
    return this.set.latest();
  }

  invalidate(): void {
    this.set.forget();
  }

  /** Stops the background re-reads (shutdown). */
  close(): void {
    this.set.close();
  }

  private async read(): Promise<GuardianSetView> {
    const { index, threshold, guardians } = await this.dest.gw.currentGuardianSet();
    return { index, threshold, guardians: endpointsOf(guardians, this.directory) };
  }
}

/**
 * Members with their directory URLs. A member the directory does not list cannot be asked to
 * sign; it stays in the view without a URL-less request (its slot counts toward N, so refusals
 * are judged against the real set size).
 */
export function endpointsOf(members: readonly Address[], directory: readonly GuardianEndpoint[]): GuardianEndpoint[] {
  return members.map((address) => {
    const known = directory.find((g) => isAddressEqual(g.address, address));
    return { address, url: known?.url ?? "" };
  });
}
