/**
 * Which guardians to ask, per destination: the destination gateway's *current* guardian set
 * (index, members, threshold), read from the chain and cached for `ttlMs`, with each member's
 * URL from the manifest's guardian directory. A rotation therefore reaches every relayer within
 * the cache time, without a restart; a delivery that fails on an attestation error (for example
 * the previous set's grace period ended between signing and delivery) invalidates the cache, so
 * the retry re-attests with the new set.
 */
import { isAddressEqual, type Address } from "viem";
import type { GuardianEndpoint, GuardianSetView } from "../core/collect-attestation.js";
import type { RelayerChain } from "./chains.js";

/** The guardian set a destination accepts now. */
export interface GuardianSets {
  current(): Promise<GuardianSetView>;
  /** Forget the cached set: the next `current()` reads the chain. */
  invalidate(): void;
}

/** A fixed set (tests, or a deployment whose set never changes). */
export function fixedGuardianSets(view: GuardianSetView): GuardianSets {
  return { current: async () => view, invalidate: () => {} };
}

/** Reads `guardianSetIndex()` and `guardianSet(index)` from the destination gateway. */
export class ChainGuardianSets implements GuardianSets {
  private cached?: { view: GuardianSetView; at: number };
  private inFlight?: Promise<GuardianSetView>;

  constructor(
    private readonly dest: Pick<RelayerChain, "gw">,
    private readonly directory: readonly GuardianEndpoint[],
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<GuardianSetView> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.view;
    this.inFlight ??= this.read().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async read(): Promise<GuardianSetView> {
    const { index, threshold, guardians } = await this.dest.gw.currentGuardianSet();
    const view = { index, threshold, guardians: endpointsOf(guardians, this.directory) };
    this.cached = { view, at: this.now() };
    return view;
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
