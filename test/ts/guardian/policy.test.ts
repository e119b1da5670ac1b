/**
 * The route and token rules (guardian/policy.ts) message by message, and the approval
 * threshold applied in each token's own decimals.
 */
import { describe, expect, it } from "vitest";
import { parseUnits, zeroAddress } from "viem";
import { gatewayChains } from "../../../core/manifest.js";
import { MessagePolicy } from "../../../guardian/policy.js";
import { ALPHA, BETA, BOB, L2A, L2B, testManifest, transfer } from "./fixture.js";

const manifest = testManifest();
const policy = new MessagePolicy(manifest, "1000");
const [l2a, l2b] = gatewayChains(manifest);

describe("MessagePolicy.check", () => {
  it("test_check_validRoutes_succeeds: both directions, both tokens", () => {
    expect(policy.check(l2a!, transfer())).toBeUndefined();
    expect(policy.check(l2a!, transfer({ token: BETA }))).toBeUndefined();
    const back = {
      sourceChainId: BigInt(L2B.chainId),
      sourceGateway: L2B.gateway,
      destChainId: BigInt(L2A.chainId),
      destGateway: L2A.gateway,
    };
    expect(policy.check(l2b!, transfer({ ...back, token: ALPHA }))).toBeUndefined();
  });

  it("test_check_wrongSource_reverts: the message must name the gateway it was read from", () => {
    expect(policy.check(l2b!, transfer())).toBe("invalid source");
    expect(policy.check(l2a!, transfer({ sourceGateway: BOB }))).toBe("invalid source");
    expect(policy.check(l2a!, transfer({ sourceChainId: 999n }))).toBe("invalid source");
  });

  it("test_check_badDestination_reverts: another L2 gateway of the manifest, not itself", () => {
    expect(policy.check(l2a!, transfer({ destChainId: BigInt(L2A.chainId), destGateway: L2A.gateway }))).toBe(
      "invalid route",
    );
    expect(policy.check(l2a!, transfer({ destChainId: 900n }))).toBe("invalid route");
    expect(policy.check(l2a!, transfer({ destChainId: 999n }))).toBe("invalid route");
    expect(policy.check(l2a!, transfer({ destGateway: L2A.gateway }))).toBe("invalid route");
  });

  it("test_check_unknownToken_reverts: the token must be a manifest token by its home identity", () => {
    expect(policy.check(l2a!, transfer({ token: BOB }))).toBe("invalid token");
    expect(policy.check(l2a!, transfer({ token: zeroAddress }))).toBe("invalid token");
    // A bridged copy's local address is not the token's identity.
    const bridgedAlpha = manifest.tokens[0]!.addresses[String(L2B.chainId)]!;
    expect(policy.check(l2a!, transfer({ token: bridgedAlpha }))).toBe("invalid token");
    // Token identity is (home chain, home address): ALPHA's address with another home chain is not ALPHA.
    expect(policy.check(l2a!, transfer({ tokenChainId: BigInt(L2B.chainId) }))).toBe("invalid token");
  });

  it("test_check_version_reverts", () => {
    expect(policy.check(l2a!, transfer({ version: 0 }))).toBe("unsupported version");
  });
});

describe("MessagePolicy.requiresApproval", () => {
  it("test_requiresApproval_strictlyAboveInTokenUnits_succeeds", () => {
    expect(policy.requiresApproval(transfer({ amount: parseUnits("1000", 18) }))).toBe(false);
    expect(policy.requiresApproval(transfer({ amount: parseUnits("1000", 18) + 1n }))).toBe(true);
    expect(policy.requiresApproval(transfer({ token: BETA, amount: parseUnits("1000", 6) }))).toBe(false);
    expect(policy.requiresApproval(transfer({ token: BETA, amount: parseUnits("1000", 6) + 1n }))).toBe(true);
    // 1001 whole BETA is far below 1000 ALPHA in base units: the threshold must not be shared.
    expect(policy.requiresApproval(transfer({ token: BETA, amount: parseUnits("1001", 6) }))).toBe(true);
  });

  it("test_requiresApproval_unknownToken_succeeds: the safe side", () => {
    expect(policy.requiresApproval(transfer({ token: BOB, amount: 1n }))).toBe(true);
  });

  it("test_requiresApproval_zeroThreshold_succeeds: APPROVAL_ABOVE=0 makes every transfer wait", () => {
    expect(new MessagePolicy(manifest, "0").requiresApproval(transfer({ amount: 1n }))).toBe(true);
  });
});
