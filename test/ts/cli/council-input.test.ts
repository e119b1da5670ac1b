/**
 * `cli/council-input.ts`: what an owner types for `bridge council …`, read into the SDK's typed
 * proposals, each refusal one sentence naming the flag, before anything is signed.
 */
import { describe, expect, it } from "vitest";
import { getAddress, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  councilSigner,
  parseAddressList,
  parseHash,
  parseProposal,
  parseProposalAction,
  signerKey,
} from "../../../cli/council-input.js";
import { G, refusal, testManifest } from "../sdk/fixtures.js";

const manifest = testManifest();

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

  it("reads each action's flags into the SDK's typed proposal", () => {
    expect(parseProposal(manifest, "set-guardians", { guardians: `${G(3)},${G(1)}`, threshold: "2" })).toEqual({
      action: "set-guardians",
      guardians: [G(3), G(1)],
      threshold: 2,
      graceSeconds: 86_400,
      allowWeakThreshold: false,
    });
    expect(parseProposal(manifest, "set-threshold", { threshold: "3", grace: "60", allowWeakThreshold: true })).toEqual(
      { action: "set-threshold", threshold: 3, graceSeconds: 60, allowWeakThreshold: true },
    );
    expect(parseProposal(manifest, "set-limits", { token: "alpha", fast: "5000", outbound: "200000/50" })).toEqual({
      action: "set-limits",
      token: "ALPHA",
      fastLimit: parseUnits("5000", 18),
      inbound: undefined,
      outbound: { capacity: parseUnits("200000", 18), refillPerSecond: parseUnits("50", 18) },
    });
    expect(parseProposal(manifest, "set-delay", { seconds: "45" })).toEqual({ action: "set-delay", seconds: 45 });
    expect(parseProposal(manifest, "set-delay", { seconds: "9000", governance: true })).toEqual({
      action: "set-governance-delay",
      seconds: 9000,
      allowShortDelay: false,
    });
    expect(parseProposal(manifest, "add-route", { remote: "l2b" })).toEqual({ action: "add-route", remote: "l2b" });
    expect(parseProposal(manifest, "unpause", {})).toEqual({ action: "unpause" });
  });

  it("refuses missing and malformed flags with the flag's name", () => {
    expect(refusal(() => parseProposal(manifest, "set-guardians", { guardians: G(1) }))).toBe(
      "--threshold is required.",
    );
    expect(refusal(() => parseProposal(manifest, "set-threshold", { threshold: "two" }))).toMatch(
      /--threshold "two" is not a whole number/,
    );
    expect(refusal(() => parseProposal(manifest, "set-limits", { token: "ALPHA" }))).toMatch(/at least one of --fast/);
    expect(refusal(() => parseProposal(manifest, "set-limits", { fast: "1" }))).toMatch(/--token is required/);
    expect(refusal(() => parseProposal(manifest, "set-limits", { token: "ALPHA", inbound: "100" }))).toMatch(
      /<capacity>\/<refill/,
    );
    expect(refusal(() => parseProposal(manifest, "set-limits", { token: "ALPHA", fast: "-1" }))).toMatch(
      /not a decimal amount/,
    );
    expect(refusal(() => parseProposal(manifest, "set-delay", {}))).toMatch(/--seconds is required/);
    expect(refusal(() => parseProposal(manifest, "add-route", {}))).toMatch(/--remote <chain> is required/);
  });

  it("signers: a hex key, or a numbered dev owner on devnet manifests only", () => {
    expect(refusal(() => signerKey(manifest, undefined))).toMatch(/^no signer/);
    expect(refusal(() => signerKey(manifest, "1"))).toMatch(/lists no dev council keys/);
    expect(refusal(() => signerKey(testManifest({ network: "mainnet" }), "1"))).toMatch(/only on a devnet manifest/);
    expect(refusal(() => signerKey(manifest, "0x1234"))).toMatch(/not a 32-byte hex private key/);
    const key = `0x${"ab".repeat(32)}` as const;
    expect(signerKey(manifest, key)).toBe(key);
    // The council engine gets an account, never the key itself.
    expect(councilSigner(manifest, key).address).toBe(privateKeyToAccount(key).address);
    expect(refusal(() => parseHash("0x12", "a message id"))).toMatch(/is not a message id/);
  });
});
