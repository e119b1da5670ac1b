/**
 * `sdk/council/actions.ts`: the calls each council proposal encodes from typed inputs, and every
 * refusal (one plain sentence, an `InvalidInputError`, before anything is signed); and the
 * governance delay floor of `deploy/governance.ts`. Reading typed flags is
 * test/ts/cli/council-input.test.ts.
 */
import { describe, expect, it } from "vitest";
import { decodeFunctionData, getAddress, parseUnits } from "viem";
import {
  buildProposal,
  checkGuardianThreshold,
  minimumStrongThreshold,
  ShortGovernanceDelayError,
  WeakThresholdError,
  type ChainView,
  type Proposal,
} from "../../../sdk/council/actions.js";
import { resolveChain } from "../../../sdk/input.js";
import { bridgeGatewayAbi, timelockControllerAbi } from "../../../core/generated/abis.js";
import {
  checkGovernanceDelay,
  DEFAULT_ESCAPE_TIMING,
  escapeDurationSeconds,
  GovernanceDelayError,
} from "../../../deploy/governance.js";
import { ALPHA_HOME, G, refusal as refusalOf, testManifest } from "./fixtures.js";

const manifest = testManifest();
const l2a = resolveChain(manifest, "l2a");
const view: ChainView = {
  guardians: [G(0xf1), G(0xf2), G(0xf3)],
  escapeDurationSeconds: escapeDurationSeconds(),
  timelock: G(0x7117),
};

const refusal = (f: () => unknown) => refusalOf(f, { sdkWords: true });

const propose = (p: Proposal) => buildProposal(manifest, l2a, p, view);
const decode = (data: `0x${string}`) => decodeFunctionData({ abi: bridgeGatewayAbi, data });

describe("council proposals", () => {
  it("refuses a threshold of 0, above N, or below ⌈2N/3⌉ unless weak thresholds are accepted", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 19].map(minimumStrongThreshold)).toEqual([1, 2, 2, 3, 4, 4, 5, 13]);
    expect(refusal(() => checkGuardianThreshold(0, 4, false))).toBe(
      "a guardian threshold of 0 would let anyone deliver messages; it must be at least 1.",
    );
    expect(refusal(() => checkGuardianThreshold(5, 4, true))).toBe(
      "a guardian threshold of 5 is above the 4 guardians of the set; nothing could ever be delivered.",
    );
    expect(() => checkGuardianThreshold(2, 4, false)).toThrow(WeakThresholdError);
    try {
      checkGuardianThreshold(2, 4, false);
    } catch (e) {
      expect(e).toMatchObject({ threshold: 2, guardians: 4, minimum: 3 });
    }
    expect(checkGuardianThreshold(2, 4, true)).toBe(2);
    expect(checkGuardianThreshold(3, 4, false)).toBe(3);
    expect(refusal(() => checkGuardianThreshold(1.5, 4, false))).toMatch(/must be a whole number/);
  });

  it("set-guardians encodes the set ascending, with its threshold and grace; refuses bad sets", () => {
    const [call] = propose({ action: "set-guardians", guardians: [G(3), G(1), G(2)], threshold: 2, graceSeconds: 600 });
    expect(call!.target).toBe(l2a.gateway);
    const { functionName, args } = decode(call!.data);
    expect(functionName).toBe("setGuardianSet");
    expect(args).toEqual([[G(1), G(2), G(3)], 2, 600n]);
    expect(() => propose({ action: "set-guardians", guardians: [G(1), G(2), G(3)], threshold: 1 })).toThrow(
      WeakThresholdError,
    );
    expect(refusal(() => propose({ action: "set-guardians", guardians: [G(1), G(1)], threshold: 2 }))).toMatch(
      /lists 0x0000000000000000000000000000000000000001 twice/,
    );
    expect(refusal(() => propose({ action: "set-guardians", guardians: [], threshold: 1 }))).toMatch(/at least one/);
    expect(refusal(() => propose({ action: "set-guardians", guardians: [G(0)], threshold: 1 }))).toMatch(
      /zero address/,
    );
    expect(
      refusal(() => propose({ action: "set-guardians", guardians: [G(1)], threshold: 1, graceSeconds: -5 })),
    ).toMatch(/the grace period must be a whole number/);
  });

  it("set-threshold keeps the chain's current members", () => {
    const [call] = propose({ action: "set-threshold", threshold: 3 });
    expect(decode(call!.data).args).toEqual([[G(0xf1), G(0xf2), G(0xf3)], 3, 86_400n]);
    expect(refusal(() => propose({ action: "set-threshold", threshold: 4 }))).toMatch(/above the 3 guardians/);
  });

  it("set-limits takes base units and needs at least one limit", () => {
    const inbound = { capacity: parseUnits("200000", 18), refillPerSecond: parseUnits("50", 18) };
    const calls = propose({ action: "set-limits", token: "ALPHA", fastLimit: parseUnits("5000", 18), inbound });
    expect(calls.map((c) => decode(c.data))).toEqual([
      // Limits are keyed by the token's identity: (home chain, home address).
      { functionName: "setFastLimit", args: [901n, ALPHA_HOME, parseUnits("5000", 18)] },
      { functionName: "setRateLimit", args: [901n, ALPHA_HOME, 0, inbound.capacity, inbound.refillPerSecond] },
    ]);
    expect(refusal(() => propose({ action: "set-limits", token: "ALPHA" }))).toMatch(/needs a fast limit/);
    expect(refusal(() => propose({ action: "set-limits", token: "GAMMA", fastLimit: 1n }))).toMatch(
      /unknown token "GAMMA"/,
    );
    expect(refusal(() => propose({ action: "set-limits", token: "ALPHA", fastLimit: 1n << 96n }))).toMatch(
      /2\^96 - 1 base units/,
    );
  });

  it("set-delay sets the large-transfer delay; the governance delay is never shorter than an escape", () => {
    expect(decode(propose({ action: "set-delay", seconds: 45 })[0]!.data)).toEqual({
      functionName: "setLargeDelay",
      args: [45],
    });
    const floor = escapeDurationSeconds();
    const [call] = propose({ action: "set-governance-delay", seconds: floor });
    expect(call!.target).toBe(view.timelock);
    expect(decodeFunctionData({ abi: timelockControllerAbi, data: call!.data }).args).toEqual([BigInt(floor)]);
    expect(() => propose({ action: "set-governance-delay", seconds: 60 })).toThrow(ShortGovernanceDelayError);
    expect(propose({ action: "set-governance-delay", seconds: 60, allowShortDelay: true })).toHaveLength(1);
    expect(refusal(() => propose({ action: "set-delay", seconds: -1 }))).toMatch(/must be a whole number/);
  });

  it("add-route names another gateway chain; unpause takes nothing", () => {
    expect(decode(propose({ action: "add-route", remote: "l2b" })[0]!.data)).toEqual({
      functionName: "setRoute",
      args: [902n, getAddress("0x2000000000000000000000000000000000000002"), true],
    });
    expect(refusal(() => propose({ action: "add-route", remote: "l2a" }))).toMatch(/another chain/);
    expect(refusal(() => propose({ action: "add-route", remote: "l1" }))).toMatch(/l1 has no bridge gateway/);
    expect(decode(propose({ action: "unpause" })[0]!.data).functionName).toBe("unpause");
  });
});

describe("governance delay floor", () => {
  it("is the deadline window plus the finalization window plus the relay allowance", () => {
    expect(escapeDurationSeconds(DEFAULT_ESCAPE_TIMING)).toBe(86_400 + 7 * 86_400 + 3_600);
    expect(escapeDurationSeconds({ defaultDeadlineWindow: 10, finalizationWindow: 20, relayAllowance: 5 })).toBe(35);
  });

  it("refuses a shorter delay unless overridden, and warns loudly when it is", () => {
    const floor = escapeDurationSeconds();
    expect(checkGovernanceDelay(floor, DEFAULT_ESCAPE_TIMING, false)).toBeUndefined();
    expect(() => checkGovernanceDelay(floor - 1, DEFAULT_ESCAPE_TIMING, false)).toThrow(GovernanceDelayError);
    expect(() => checkGovernanceDelay(8, DEFAULT_ESCAPE_TIMING, false)).toThrow(
      /users could not leave before a change lands/,
    );
    expect(checkGovernanceDelay(8, DEFAULT_ESCAPE_TIMING, true)).toMatch(/^WARNING: governance delay 8 s is shorter/);
    expect(() => checkGovernanceDelay(-1, DEFAULT_ESCAPE_TIMING, true)).toThrow(/not a whole number/);
  });
});
