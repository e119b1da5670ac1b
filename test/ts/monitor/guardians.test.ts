/** The monitor's view of which guardians to watch, across a rotation. */
import { describe, expect, it } from "vitest";
import { getAddress, type Address } from "viem";
import { followGuardianSets, quorumShortfall, type GuardianState } from "../../../monitor/checks/guardians.js";

const g = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const url = (n: number) => `http://127.0.0.1:${9000 + n}`;
const directory = [1, 2, 3, 4].map((n) => ({ address: g(n), url: url(n) }));

function state(n: number, failures = 0): GuardianState {
  return { address: g(n), url: url(n), consecutiveFailures: failures, lastSignedAt: 100 + n };
}

describe("followGuardianSets", () => {
  it("keeps what it knows of staying guardians, adds new ones from the directory, drops removed ones", () => {
    const watched = [state(1, 2), state(2), state(3)];
    const next = followGuardianSets(watched, [{ members: [g(2), g(3), g(4)], threshold: 2 }], directory);
    expect(next.guardians.map((x) => x.address)).toEqual([g(2), g(3), g(4)]);
    expect(next.guardians[0]).toEqual(state(2));
    expect(next.guardians[2]).toEqual({ address: g(4), url: url(4), consecutiveFailures: 0, lastSignedAt: null });
    expect(next.removed).toEqual([g(1)]);
    expect(next.threshold).toBe(2);
  });

  it("mid-rotation watches the union of the chains' sets and needs the strictest threshold", () => {
    const next = followGuardianSets(
      [state(1), state(2), state(3)],
      [
        { members: [g(1), g(2), g(3)], threshold: 2 },
        { members: [g(2), g(3), g(4)], threshold: 3 },
      ],
      directory,
    );
    expect(next.guardians.map((x) => x.address)).toEqual([g(1), g(2), g(3), g(4)]);
    expect(next.removed).toEqual([]);
    expect(next.threshold).toBe(3);
  });

  it("a member the directory does not list has no URL to probe (it will count as failing)", () => {
    const next = followGuardianSets([], [{ members: [g(9)], threshold: 1 }], directory);
    expect(next.guardians[0]!.url).toBe("");
  });
});

describe("quorumShortfall", () => {
  it("counts guardians not reported down against the threshold", () => {
    expect(quorumShortfall([state(1), state(2), state(3, 3)], 2)).toBe(0);
    expect(quorumShortfall([state(1), state(2, 3), state(3, 3)], 2)).toBe(1);
  });
});
