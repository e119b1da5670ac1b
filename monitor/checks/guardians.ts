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
import { guardianDirectory } from "../../core/manifest.js";
import { chainName, errorLine, type MonitorContext } from "../context.js";

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

/**
 * The liveness check's orchestration: follows the gateways' current guardian sets (a gateway
 * that cannot be read keeps the previous view), probes every member, exports their state, and
 * raises `guardian_down` per guardian and, critical, when fewer than the threshold are up.
 */
export class GuardianCheck {
  private guardians: GuardianState[];
  /** Signatures the current guardian set needs (the largest over the gateways). */
  private threshold: number;

  constructor(
    private readonly ctx: MonitorContext,
    private readonly sets: () => Promise<ChainGuardianSet[]>,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    const { guardianSet } = ctx.manifest;
    this.threshold = guardianSet.threshold;
    ctx.metrics.guardianThreshold.set(this.threshold);
    this.guardians = guardianSet.guardians.map((g) => ({
      address: g.address,
      url: g.url,
      consecutiveFailures: 0,
      lastSignedAt: null,
    }));
  }

  get watched(): readonly GuardianState[] {
    return this.guardians;
  }

  async run(): Promise<void> {
    const { ctx } = this;
    await this.refreshSet();
    const timeoutMs = Math.min(5_000, Math.max(500, ctx.settings.guardianPollMs));
    const probes = await Promise.all(
      this.guardians.map((g) => probeGuardian(g.url, g.address, timeoutMs, this.fetchImpl)),
    );
    this.guardians = this.guardians.map((g, i) => applyProbe(g, probes[i]!));
    for (const [i, g] of this.guardians.entries()) {
      ctx.metrics.guardianUp.set({ guardian: g.address }, probes[i]!.ok ? 1 : 0);
      ctx.metrics.guardianLastSigned.set({ guardian: g.address }, g.lastSignedAt ?? 0);
      for (const [chainId, view] of Object.entries(probes[i]!.health?.chains ?? {})) {
        ctx.metrics.guardianChainLag.set(
          { guardian: g.address, chain: chainName(ctx.manifest, Number(chainId)) },
          view.lagSeconds,
        );
      }
      const key = `guardian:${g.address}`;
      if (!isDown(g)) {
        ctx.alerts.resolve(key);
        continue;
      }
      ctx.alerts.raise({
        key,
        kind: "guardian_down",
        severity: "warning",
        summary: `guardian ${g.address} failed ${g.consecutiveFailures} health checks: ${g.lastError}`,
        details: { guardian: g.address, url: g.url, error: g.lastError },
      });
    }
    const shortfall = quorumShortfall(this.guardians, this.threshold);
    if (shortfall === 0) {
      ctx.alerts.resolve("guardian-quorum");
      return;
    }
    ctx.alerts.raise({
      key: "guardian-quorum",
      kind: "guardian_down",
      severity: "critical",
      summary: `only ${this.threshold - shortfall} of ${this.guardians.length} guardians are up; ${this.threshold} must sign: no message can be attested`,
      details: { threshold: this.threshold, down: this.guardians.filter(isDown).map((g) => g.address) },
    });
  }

  /** A rotation takes effect here without a restart; removed guardians' series are dropped. */
  private async refreshSet() {
    const { ctx } = this;
    let sets;
    try {
      sets = await this.sets();
    } catch (e) {
      ctx.logger.warn({ err: errorLine(e) }, "cannot read the guardian set; keeping the last one");
      return;
    }
    const next = followGuardianSets(this.guardians, sets, guardianDirectory(ctx.manifest));
    for (const address of next.removed) {
      ctx.metrics.guardianUp.remove({ guardian: address });
      ctx.metrics.guardianLastSigned.remove({ guardian: address });
      ctx.alerts.resolve(`guardian:${address}`);
      ctx.logger.info({ guardian: address }, "guardian left the set; no longer watched");
    }
    this.guardians = next.guardians;
    this.threshold = next.threshold;
    ctx.metrics.guardianThreshold.set(next.threshold);
  }
}
