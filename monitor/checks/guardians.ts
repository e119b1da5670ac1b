/**
 * Check 4, guardian liveness: every guardian of the current guardian set (read from the
 * gateways, so a rotation is followed without a restart; URLs from the manifest's guardian
 * directory) is polled at GET /healthz (`GuardianHealth`, core/guardian-api.ts). A guardian that
 * fails `DOWN_AFTER_FAILURES` polls in a row is reported down; fewer healthy guardians than the
 * threshold means no message can be attested at all, which is reported as a critical alert of
 * its own.
 */
import { getAddress, type Address } from "viem";
import { GuardianApiError, GuardianClient, type GuardianHealth } from "../../core/guardian-api.js";

/** Consecutive failed polls before a guardian is reported down (one blip is not an outage). */
export const DOWN_AFTER_FAILURES = 3;

export type Probe = { ok: true; health: GuardianHealth } | { ok: false; error: string; health?: GuardianHealth };

/**
 * GET `<url>/healthz` through the guardian API client. A guardian answers 503 with its health
 * body when a chain view is stale, so the body is read whatever the status; `ok` needs both a
 * 2xx and `ok: true`.
 */
export async function probeGuardian(
  url: string,
  expected: Address,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
): Promise<Probe> {
  let answer: Awaited<ReturnType<GuardianClient["health"]>>;
  try {
    answer = await new GuardianClient(url, { timeoutMs, fetch: fetchImpl }).health();
  } catch (e) {
    if (e instanceof GuardianApiError && e.kind === "invalid-response") {
      return { ok: false, error: `HTTP ${e.status ?? "?"} without a valid health body` };
    }
    return { ok: false, error: `unreachable: ${(e as Error).message}` };
  }
  const { health, status } = answer;
  if (health.guardian !== expected) {
    return { ok: false, error: `answers as ${health.guardian}, expected ${expected}`, health };
  }
  if (!answer.ok) {
    const lagging = Object.entries(health.chains)
      .map(([chain, c]) => `${chain}: ${c.lagSeconds}s behind`)
      .join(", ");
    return { ok: false, error: `unhealthy (HTTP ${status})${lagging ? `: ${lagging}` : ""}`, health };
  }
  return { ok: true, health };
}

export interface GuardianState {
  address: Address;
  url: string;
  consecutiveFailures: number;
  lastError?: string;
  lastSignedAt: number | null;
}

/** Folds one probe into a guardian's state. */
export function applyProbe(state: GuardianState, probe: Probe): GuardianState {
  return {
    ...state,
    consecutiveFailures: probe.ok ? 0 : state.consecutiveFailures + 1,
    lastError: probe.ok ? undefined : probe.error,
    lastSignedAt: probe.health?.lastSignedAt ?? state.lastSignedAt,
  };
}

export function isDown(state: GuardianState): boolean {
  return state.consecutiveFailures >= DOWN_AFTER_FAILURES;
}

/** Guardians counted up for the quorum check: not (yet) reported down. */
export function quorumShortfall(states: readonly GuardianState[], threshold: number): number {
  const up = states.filter((s) => !isDown(s)).length;
  return Math.max(0, threshold - up);
}

/** One gateway's current guardian set. */
export interface ChainGuardianSet {
  members: readonly Address[];
  threshold: number;
}

/**
 * The guardians to watch when the gateways' current sets are `sets` (they differ only while a
 * rotation is half-way through its chains): every member of any set, keeping the state of those
 * already watched, with URLs from `directory` (a member without one cannot be probed and counts
 * as failing). The threshold is the largest: the quorum the strictest chain needs.
 */
export function followGuardianSets(
  watched: readonly GuardianState[],
  sets: readonly ChainGuardianSet[],
  directory: readonly { address: Address; url: string }[],
): { guardians: GuardianState[]; threshold: number; removed: Address[] } {
  const members: Address[] = [];
  for (const set of sets)
    for (const m of set.members) if (!members.includes(getAddress(m))) members.push(getAddress(m));
  const guardians = members.map(
    (address) =>
      watched.find((g) => g.address === address) ?? {
        address,
        url: directory.find((d) => getAddress(d.address) === address)?.url ?? "",
        consecutiveFailures: 0,
        lastSignedAt: null,
      },
  );
  const removed = watched.filter((g) => !members.includes(g.address)).map((g) => g.address);
  const threshold = Math.max(0, ...sets.map((s) => s.threshold));
  return { guardians, threshold, removed };
}
