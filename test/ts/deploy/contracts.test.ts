/**
 * `deployBridgeContracts`, the direct deployment the in-process unit tests and the gas benchmark
 * use (real networks and the devnet deploy through `deploy/engine.ts`): what it configures on
 * every gateway, and that a bridge deployed with one key on every chain (where a BridgedToken
 * can land at its home token's address) still moves tokens.
 */
import { afterEach, describe, expect, it } from "vitest";
import { GATEWAY_ROLES } from "../../../deploy/contracts.js";
import { createBridge, DEFAULT_LIMITS, L2S, tokens, type TestBridge } from "../helpers/bridge.js";

let bridge: TestBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

describe("deployBridgeContracts", () => {
  it("test_deployBridgeContracts_configuresEveryGateway: routes, tokens, limits, guardians and roles", async () => {
    bridge = await createBridge({ symbols: ["PCT", "USD"] });
    const council = bridge.chains.l2a.accounts.council.account.address;
    for (const name of L2S) {
      const chain = bridge.chains[name];
      const gateway = chain.gatewayAs();
      for (const other of L2S.filter((o) => o !== name)) {
        expect(await gateway.read.route([bridge.chains[other].chainId])).toEqual([bridge.chains[other].gateway, true]);
      }
      for (const symbol of ["PCT", "USD"]) {
        const inbound = await gateway.read.inboundToken([901n, chain.homeToken(symbol)]);
        expect(inbound).toEqual({
          local: chain.token(symbol),
          fastLimit: DEFAULT_LIMITS.fastLimit,
          isHome: name === "l2a",
          limitScale: 0,
        });
        expect(await gateway.read.localToken([chain.token(symbol)])).toEqual({
          homeChainId: 901n,
          homeToken: chain.homeToken(symbol),
          isHome: name === "l2a",
          limitScale: 0,
        });
      }
      expect(await gateway.read.guardianSet([0])).toEqual([bridge.guardians, bridge.threshold, 0n]);
      expect(await gateway.read.hasRole([GATEWAY_ROLES.pauser, council])).toBe(true);
      expect(await gateway.read.hasRole([GATEWAY_ROLES.vetoer, council])).toBe(true);
      expect(await gateway.read.hasRole([GATEWAY_ROLES.governor, chain.accounts.governor.account.address])).toBe(true);
    }
  });

  it("test_deployBridgeContracts_oneDeployerKey_succeeds: a bridged copy at its home token's address still mints and burns", async () => {
    bridge = await createBridge({ oneDeployer: true });
    const { l2a, l2b } = bridge.chains;
    const { alice, bob } = bridge.users;
    // The case this test exists for: same key, same nonce, same address on two chains.
    expect(l2b.token()).toBe(l2a.token());
    expect((await l2b.gatewayAs().read.localToken([l2b.token()])).isHome).toBe(false);

    await bridge.fund(alice, tokens(100));
    await bridge.relay(await bridge.send("l2a", "l2b", { amount: tokens(60), recipient: bob }));
    expect(await l2b.balanceOf(bob)).toBe(tokens(60));
    await bridge.relay(
      await bridge.send("l2b", "l2a", { amount: tokens(20), sender: l2b.accounts.bob, recipient: alice }),
    );
    expect(await l2a.balanceOf(alice)).toBe(tokens(60));
    expect(await l2a.lockedBalance()).toBe(await l2b.totalSupply());
  });
});
