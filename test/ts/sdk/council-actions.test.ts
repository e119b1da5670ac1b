/**
 * `sdk/council/actions.ts`: every check of `bridge council …` input, refused with one sentence
 * before anything is signed; the calls each proposal encodes; and the governance delay floor of
 * `deploy/governance.ts`.
 */
import { describe, expect, it } from "vitest";
import { decodeFunctionData, getAddress, parseUnits, type Address } from "viem";
import { BridgeInputError } from "../../../sdk/errors.js";
import {
  buildProposal,
  checkGuardianThreshold,
  minimumStrongThreshold,
  parseAddressList,
  parseMsgId,
  parseProposalAction,
  type ChainView,
  type ProposalAction,
  type ProposalOptions,
} from "../../../sdk/council/actions.js";
import { signerKey } from "../../../cli/council.js";
import { resolveChain } from "../../../sdk/input.js";
import { bridgeGatewayAbi, timelockControllerAbi } from "../../../core/generated/abis.js";
import {
  checkGovernanceDelay,
  DEFAULT_ESCAPE_TIMING,
  escapeDurationSeconds,
  GovernanceDelayError,
} from "../../../deploy/governance.js";
import { ALPHA_HOME, testManifest } from "./fixtures.js";

const manifest = testManifest();
const l2a = resolveChain(manifest, "l2a", "--chain");
const G = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const view: ChainView = {
  guardians: [G(0xf1), G(0xf2), G(0xf3)],
  escapeDurationSeconds: escapeDurationSeconds(),
  timelock: G(0x7117),
};

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BridgeInputError);
    const message = (e as Error).message;
    expect(message).toMatch(/\.$/);
    return message;
  }
  throw new Error("expected the input to be refused");
}

const propose = (action: ProposalAction, o: ProposalOptions) => buildProposal(manifest, l2a, action, o, view);
const decode = (data: `0x${string}`) => decodeFunctionData({ abi: bridgeGatewayAbi, data });

describe("council input", () => {
  it("knows exactly the six proposal actions", () => {
    for (const a of ["set-guardians", "set-threshold", "set-limits", "set-delay", "add-route", "unpause"]) {
      expect(parseProposalAction(a)).toBe(a);
    }
    expect(refusal(() => parseProposalAction("pause"))).toBe(
      'unknown action "pause"; use one of set-guardians, set-threshold, set-limits, set-delay, add-route, unpause.',
    );
    expect(refusal(() => parseProposalAction("drain"))).toMatch(/^unknown action "drain"/);
  });

  it("refuses malformed, zero, duplicated and empty guardian lists", () => {
    expect(refusal(() => parseAddressList("0x1234", "--guardians"))).toBe(
      '--guardians entry "0x1234" is not a valid address.',
    );
    expect(refusal(() => parseAddressList(`${G(1)},,${G(2)}`, "--guardians"))).toMatch(/has an empty entry\.$/);
    expect(refusal(() => parseAddressList(`${G(1)},${G(1).toLowerCase()}`, "--guardians"))).toBe(
      `--guardians lists ${G(1)} twice.`,
    );
    expect(refusal(() => parseAddressList(`0x${"0".repeat(40)}`, "--guardians"))).toMatch(
      /must not be the zero address/,
    );
    expect(refusal(() => parseAddressList(undefined, "--guardians"))).toMatch(/is required/);
    // A mixed-case address with a wrong checksum is a typo, not an address.
    const good = getAddress("0x8ba1f109551bd432803012645ac136ddd64dba72");
    const flip = good.search(/[a-fA-F]/);
    const c = good[flip]!;
    const bad =
      good.slice(0, flip) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + good.slice(flip + 1);
    expect(refusal(() => parseAddressList(bad, "--guardians"))).toMatch(/checksum is wrong/);
    expect(parseAddressList(` ${G(2)} , ${G(1)}`, "--guardians")).toEqual([G(2), G(1)]);
  });

  it("refuses a threshold of 0, above N, or below ⌈2N/3⌉ unless weak thresholds are allowed", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 19].map(minimumStrongThreshold)).toEqual([1, 2, 2, 3, 4, 4, 5, 13]);
    expect(refusal(() => checkGuardianThreshold("0", 4, false))).toBe(
      "--threshold 0 would let anyone deliver messages; it must be at least 1.",
    );
    expect(refusal(() => checkGuardianThreshold("5", 4, true))).toBe(
      "--threshold 5 is above the 4 guardians of the set; nothing could ever be delivered.",
    );
    expect(refusal(() => checkGuardianThreshold("2", 4, false))).toBe(
      "--threshold 2 of 4 is below the two-thirds minimum 3; pass --allow-weak-threshold if you really mean it.",
    );
    expect(checkGuardianThreshold("2", 4, true)).toBe(2);
    expect(checkGuardianThreshold("3", 4, false)).toBe(3);
    expect(refusal(() => checkGuardianThreshold("two", 4, false))).toMatch(/is not a whole number/);
    expect(refusal(() => checkGuardianThreshold("-1", 4, false))).toMatch(/is not a whole number/);
  });

  it("set-guardians encodes the set ascending, with its threshold and grace", () => {
    const [call] = propose("set-guardians", { guardians: `${G(3)},${G(1)},${G(2)}`, threshold: "2", grace: "600" });
    expect(call!.target).toBe(l2a.gateway);
    const { functionName, args } = decode(call!.data);
    expect(functionName).toBe("setGuardianSet");
    expect(args).toEqual([[G(1), G(2), G(3)], 2, 600n]);
    expect(refusal(() => propose("set-guardians", { guardians: `${G(1)},${G(2)},${G(3)}`, threshold: "1" }))).toMatch(
      /below the two-thirds minimum 2/,
    );
  });

  it("set-threshold keeps the chain's current members", () => {
    const [call] = propose("set-threshold", { threshold: "3" });
    expect(decode(call!.data).args).toEqual([[G(0xf1), G(0xf2), G(0xf3)], 3, 86_400n]);
    expect(refusal(() => propose("set-threshold", { threshold: "4" }))).toMatch(/above the 3 guardians/);
  });

  it("set-limits scales whole tokens and needs at least one limit", () => {
    const calls = propose("set-limits", { token: "ALPHA", fast: "5000", inbound: "200000/50" });
    expect(calls.map((c) => decode(c.data))).toEqual([
      { functionName: "setFastLimit", args: [ALPHA_HOME, parseUnits("5000", 18)] },
      { functionName: "setRateLimit", args: [ALPHA_HOME, 0, parseUnits("200000", 18), parseUnits("50", 18)] },
    ]);
    expect(refusal(() => propose("set-limits", { token: "ALPHA" }))).toMatch(/at least one of --fast/);
    expect(refusal(() => propose("set-limits", { token: "GAMMA", fast: "1" }))).toMatch(/unknown token "GAMMA"/);
    expect(refusal(() => propose("set-limits", { token: "ALPHA", inbound: "100" }))).toMatch(/<capacity>\/<refill/);
    expect(refusal(() => propose("set-limits", { token: "ALPHA", fast: "-1" }))).toMatch(/not a decimal amount/);
  });

  it("set-delay sets the large-transfer delay, or the timelock's own delay no shorter than an escape", () => {
    expect(decode(propose("set-delay", { seconds: "45" })[0]!.data)).toEqual({
      functionName: "setLargeDelay",
      args: [45],
    });
    const floor = escapeDurationSeconds();
    const [call] = propose("set-delay", { seconds: String(floor), governance: true });
    expect(call!.target).toBe(view.timelock);
    expect(decodeFunctionData({ abi: timelockControllerAbi, data: call!.data }).args).toEqual([BigInt(floor)]);
    expect(refusal(() => propose("set-delay", { seconds: "60", governance: true }))).toMatch(
      /shorter than an escape through L1/,
    );
    expect(propose("set-delay", { seconds: "60", governance: true, allowShortDelay: true })).toHaveLength(1);
    expect(refusal(() => propose("set-delay", {}))).toMatch(/--seconds is required/);
  });

  it("add-route names another gateway chain; unpause takes nothing", () => {
    expect(decode(propose("add-route", { remote: "l2b" })[0]!.data)).toEqual({
      functionName: "setRoute",
      args: [902n, getAddress("0x2000000000000000000000000000000000000002"), true],
    });
    expect(refusal(() => propose("add-route", { remote: "l2a" }))).toMatch(/another chain/);
    expect(refusal(() => propose("add-route", { remote: "l1" }))).toMatch(/l1 has no bridge gateway/);
    expect(refusal(() => propose("add-route", {}))).toMatch(/--remote <chain> is required/);
    expect(decode(propose("unpause", {})[0]!.data).functionName).toBe("unpause");
  });

  it("signers: a hex key, or a numbered dev owner on devnet manifests only", () => {
    expect(refusal(() => signerKey(manifest, undefined))).toMatch(/^no signer/);
    expect(refusal(() => signerKey(manifest, "1"))).toMatch(/lists no dev council keys/);
    expect(refusal(() => signerKey(testManifest({ network: "mainnet" }), "1"))).toMatch(/only on a devnet manifest/);
    expect(refusal(() => signerKey(manifest, "0x1234"))).toMatch(/not a 32-byte hex private key/);
    expect(signerKey(manifest, `0x${"ab".repeat(32)}`)).toBe(`0x${"ab".repeat(32)}`);
    expect(refusal(() => parseMsgId("0x12"))).toMatch(/is not a message id/);
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
