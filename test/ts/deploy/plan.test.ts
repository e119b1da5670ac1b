/**
 * The planner (`reconcile` in deploy/plan.ts), hermetic: a config's desired state against
 * hand-built on-chain states — nothing deployed, everything as configured, and each kind of
 * drift — checking the transactions it plans, their order, and what it leaves to governance.
 */
import { decodeFunctionData, getAddress, zeroAddress, type Address, type Hex } from "viem";
import { tokenKey } from "../../../core/message.js";
import { describe, expect, it } from "vitest";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { OP_PREDEPLOYS } from "../../../core/op-stack.js";
import { parseDeployConfig } from "../../../deploy/config.js";
import { GATEWAY_ROLES } from "../../../deploy/contracts.js";
import { CREATE2_DEPLOYER, CREATE2_DEPLOYER_FUNDING, CREATE2_DEPLOYER_SIGNER } from "../../../deploy/create2.js";
import { desiredDeployment, type Desired } from "../../../deploy/desired.js";
import { DEVNET_FEES } from "../../../devnet/fees.js";
import { TIMELOCK_ROLES } from "../../../deploy/governance.js";
import type { GatewayToken, L2State, Observed, RoleHolders } from "../../../deploy/observe.js";
import { reconcile, stepsOf, unfixable, type Step } from "../../../deploy/plan.js";

const A = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const MONITOR = A(0x1001);
const DEPLOYER = A(0xd0);
const OPERATOR = A(0x0fee);

/** The fixture's routes are priced like the devnet's: 250,000 gas at 2 gwei, same-ETH chains. */
const FEES = DEVNET_FEES;

/** An L2's OP Stack contracts on L1, as the devnet's install names them. */
function rollup(n: number) {
  return {
    portal: A(n + 1),
    l2OutputOracle: A(n + 2),
    systemConfig: A(n + 3),
    l1CrossDomainMessenger: A(n + 4),
    l1StandardBridge: A(n + 5),
    finalizationSeconds: 6,
    l1DeployBlock: 1,
  };
}

const config = parseDeployConfig({
  network: "test",
  deployer: DEPLOYER,
  l1: { name: "l1", chainId: 900, rpcUrl: "http://127.0.0.1:1" },
  chains: [
    { name: "l2a", kind: "devnet", chainId: 901, rpcUrl: "http://127.0.0.1:2", rollup: rollup(0xa00) },
    { name: "l2b", kind: "devnet", chainId: 902, rpcUrl: "http://127.0.0.1:3", rollup: rollup(0xb00) },
  ],
  guardians: {
    threshold: 2,
    members: [A(0x3), A(0x1), A(0x2)].map((address, i) => ({ address, url: `http://127.0.0.1:${4000 + i}` })),
  },
  council: { owners: [A(0xc1), A(0xc2), A(0xc3)], threshold: 2 },
  roles: { pausers: [MONITOR], vetoers: [MONITOR] },
  governance: { delaySeconds: 8, allowShortDelay: true },
  largeDelaySeconds: 20,
  deadlineWindows: { min: 5, default: 86_400, max: 2_592_000 },
  // l2b charges a flat part on its route to l2a.
  fees: {
    beneficiary: OPERATOR,
    updaters: [OPERATOR],
    default: FEES,
    routes: [{ from: "l2b", to: "l2a", flatFee: "0.0001 ether" }],
  },
  limits: {
    fast: "10000",
    inbound: { capacity: "100000", perSecond: "100" },
    outbound: { capacity: "unlimited", perSecond: "0" },
  },
  tokens: [
    { symbol: "ALPHA", home: "l2a", address: A(0xa1) },
    {
      symbol: "BETA",
      home: "l2b",
      address: A(0xb1),
      limits: {
        fast: "5",
        inbound: { capacity: "0", perSecond: "0" },
        outbound: { capacity: "1.5", perSecond: "0.5" },
      },
    },
  ],
});
const desired = desiredDeployment(config, {
  ALPHA: { name: "Alpha", decimals: 18 },
  BETA: { name: "Beta", decimals: 6 },
});

const present = { deployed: true, signerNonce: 1, signerBalance: 0n };

/** Nothing of Portcullis on any chain (the CREATE2 deployer is there, as on anvil). */
function fresh(): Observed {
  const l2 = (): L2State => ({
    create2: present,
    factory: false,
    safeContracts: new Set(),
    gatewayAdmin: false,
    bridged: new Map(desired.tokens.map((t) => [t.symbol, undefined])),
  });
  return { l1: { create2: present, factory: false }, l2: { l2a: l2(), l2b: l2() } };
}

const roles = (entries: [Hex, Address[]][]): RoleHolders => new Map(entries.map(([r, a]) => [r, new Set(a)]));

/** Every chain exactly as the config asks, the deployer gone. */
function complete(d: Desired = desired): Observed {
  const l2 = (name: string): L2State => {
    const chain = d.l2s.find((c) => c.name === name)!;
    const tokens = new Map<string, GatewayToken>(
      d.tokens.map((t) => [
        tokenKey({ tokenChainId: BigInt(t.homeChainId), token: t.homeToken }),
        {
          local: t.home === name ? t.homeToken : t.bridged.address,
          isHome: t.home === name,
          fastLimit: t.limits.fastLimit,
          inbound: t.limits.inbound,
          outbound: t.limits.outbound,
        },
      ]),
    );
    return {
      create2: present,
      factory: true,
      safeContracts: new Set(d.safeContracts.map((p) => p.address)),
      gatewayAdmin: true,
      safe: { owners: [A(0xc1), A(0xc2), A(0xc3)], threshold: 2 },
      timelock: {
        deployBlock: 1,
        minDelay: 8n,
        roles: roles([
          [TIMELOCK_ROLES.proposer, [d.council.safe]],
          [TIMELOCK_ROLES.canceller, [d.council.safe]],
          [TIMELOCK_ROLES.executor, [zeroAddress]],
          [TIMELOCK_ROLES.admin, [d.timelock.address]],
        ]),
      },
      gateway: {
        deployBlock: 1,
        guardianSetIndex: 0,
        guardians: d.guardians,
        threshold: 2,
        largeDelay: 20,
        deadlineWindows: { min: 5, default: 86_400, max: 2_592_000 },
        paused: false,
        routes: new Map(
          d.l2s.filter((c) => c.name !== name).map((c) => [c.chainId, { gateway: d.gateway.address, enabled: true }]),
        ),
        tokens,
        escape: {
          messenger: chain.escape!.messenger,
          escapeHatch: d.escapeHatch!.address,
          tokenBridge: chain.escape!.tokenBridge,
        },
        fees: new Map(chain.fees.map((f) => [f.destChainId, { ...f.config }])),
        feeBeneficiary: d.feeBeneficiary,
        roles: roles([
          [GATEWAY_ROLES.governor, [d.timelock.address]],
          [GATEWAY_ROLES.pauser, [d.council.safe, MONITOR]],
          [GATEWAY_ROLES.vetoer, [d.council.safe, MONITOR]],
          [GATEWAY_ROLES.feeUpdater, d.feeUpdaters],
        ]),
      },
      bridged: new Map(
        d.tokens
          .filter((t) => t.home !== name)
          .map((t) => [
            t.symbol,
            {
              gateway: d.gateway.address,
              homeToken: t.homeToken,
              homeChainId: BigInt(t.homeChainId),
              decimals: t.decimals,
            },
          ]),
      ),
    };
  };
  const registry = new Map(
    d.escapeHatch!.registry.map((e) => [e.chainId, { messenger: e.messenger, gateway: e.gateway }]),
  );
  return {
    l1: { create2: present, factory: true, escapeHatch: { deployBlock: 1, registry } },
    l2: { l2a: l2("l2a"), l2b: l2("l2b") },
  };
}

function gatewayCall(step: Step): { functionName: string; args: readonly unknown[] } {
  expect(step.to).toBe(desired.gateway.address);
  const { functionName, args } = decodeFunctionData({ abi: bridgeGatewayAbi, data: step.data! });
  return { functionName, args: args ?? [] };
}

describe("reconcile", () => {
  it("test_reconcile_freshChains_plansEveryStepInOrder: contracts, configuration, hand-over last", () => {
    const findings = reconcile(desired, fresh());
    expect(unfixable(findings)).toEqual([]);
    const steps = stepsOf(findings);

    const l1 = steps.filter((s) => s.chain === "l1");
    expect(l1.map((s) => s.creates)).toEqual([desired.factory, desired.escapeHatch!.address]);

    for (const chain of ["l2a", "l2b"]) {
      const mine = steps.filter((s) => s.chain === chain);
      const creations = mine.filter((s) => s.creates);
      const other = desired.tokens.find((t) => t.home !== chain)!;
      expect(creations.map((s) => s.creates)).toEqual([
        desired.factory,
        ...desired.safeContracts.map((p) => p.address),
        desired.council.safe,
        desired.timelock.address,
        desired.gatewayAdmin.address,
        desired.gateway.address,
        other.bridged.address,
      ]);
      // Every contract exists before the first gateway call.
      expect(mine.findIndex((s) => !s.creates)).toBe(creations.length);
      const calls = mine.slice(creations.length).map(gatewayCall);
      const names = calls.map((c) => c.functionName);
      expect(names).toEqual([
        "setDeadlineWindows",
        "setRoute",
        "setFeeConfig",
        "setFeeBeneficiary",
        "registerToken",
        "setFastLimit",
        "setRateLimit",
        "setRateLimit",
        "registerToken",
        "setFastLimit",
        // BETA's inbound bucket is configured 0 / 0, what a fresh registration already holds.
        "setRateLimit",
        "initializeEscape",
        "grantRole",
        "grantRole",
        "grantRole",
        "grantRole",
        "grantRole",
        "grantRole",
        "renounceRole",
      ]);
      // Each route priced before the hand-over, the operator paid and moving the prices.
      const self = desired.l2s.find((c) => c.name === chain)!;
      expect(calls[2]!.args).toEqual([BigInt(self.fees[0]!.destChainId), self.fees[0]!.config]);
      expect(calls[3]!.args).toEqual([OPERATOR]);
      expect(calls.at(-2)!.args).toEqual([GATEWAY_ROLES.feeUpdater, OPERATOR]);
      // The hand-over: GOVERNOR to the timelock first, the deployer's GOVERNOR renounced last.
      expect(calls[12]!.args).toEqual([GATEWAY_ROLES.governor, desired.timelock.address]);
      expect(calls.at(-1)!.args).toEqual([GATEWAY_ROLES.governor, DEPLOYER]);
      // Wired to the OP Stack predeploys; the EscapeHatch registers each L2's L1 messenger.
      expect(calls[11]!.args).toEqual([
        OP_PREDEPLOYS.l2CrossDomainMessenger,
        desired.escapeHatch!.address,
        OP_PREDEPLOYS.l2StandardBridge,
      ]);
      expect(desired.escapeHatch!.registry.find((e) => e.chainId === (chain === "l2a" ? 901 : 902))).toEqual({
        chainId: chain === "l2a" ? 901 : 902,
        messenger: rollup(chain === "l2a" ? 0xa00 : 0xb00).l1CrossDomainMessenger,
        gateway: desired.gateway.address,
      });
    }
    // BETA's limits scaled by its 6 decimals, by identity (home chain 902, its address);
    // "unlimited" outbound is type(uint256).max in `setRateLimit`.
    const beta = steps.filter((s) => s.chain === "l2a" && !s.creates).map(gatewayCall);
    expect(beta.filter((c) => c.args[1] === A(0xb1)).map((c) => c.args.slice(2))).toEqual([
      [desired.tokens[1]!.bridged.address],
      [5_000_000n],
      [1, 1_500_000n, 500_000n],
    ]);
    expect(beta.filter((c) => c.args[1] === A(0xb1)).every((c) => c.args[0] === 902n)).toBe(true);
    const alphaOut = beta.find((c) => c.functionName === "setRateLimit" && c.args[1] === A(0xa1) && c.args[2] === 1);
    expect(alphaOut!.args.slice(3)).toEqual([2n ** 256n - 1n, 0n]);
  });

  it("test_reconcile_sameAddressesEverywhere: gateway, timelock, Safe and bridged tokens", () => {
    const steps = stepsOf(reconcile(desired, fresh()));
    const created = (chain: string) => steps.filter((s) => s.chain === chain && s.creates).map((s) => s.creates);
    const shared = created("l2a").filter((a) => created("l2b").includes(a));
    expect(shared).toContain(desired.gateway.address);
    expect(shared).toContain(desired.timelock.address);
    expect(shared).toContain(desired.council.safe);
    // Each bridged token exists only off its home chain, at an address fixed by (deployer, salt).
    expect(created("l2a")).toContain(desired.tokens[1]!.bridged.address);
    expect(created("l2b")).not.toContain(desired.tokens[1]!.bridged.address);
  });

  it("test_reconcile_asConfigured_findsNothing", () => {
    expect(reconcile(desired, complete())).toEqual([]);
  });

  it("test_reconcile_limitChangedByGovernance_reportsExactlyThat: nothing the deployer could send", () => {
    const observed = complete();
    observed.l2.l2b!.gateway!.tokens.get(tokenKey({ tokenChainId: 901n, token: A(0xa1) }))!.fastLimit = 1n;
    const findings = reconcile(desired, observed);
    expect(findings).toEqual([
      {
        chain: "l2b",
        text: `token ALPHA fast limit is 1 (config: ${10_000n * 10n ** 18n})`,
        fix: [],
        remedy:
          "governance (a timelocked `bridge council propose`): `bridge council propose set-limits --token ALPHA --fast …`",
      },
    ]);
  });

  it("test_reconcile_driftAfterHandOver_isGovernancesOnly: roles, routes, guardians, delays", () => {
    const observed = complete();
    const gw = observed.l2.l2a!.gateway!;
    gw.roles.get(GATEWAY_ROLES.pauser)!.add(A(0xbad));
    gw.routes.set(902, { gateway: desired.gateway.address, enabled: false });
    gw.routes.set(999, { gateway: A(0x999), enabled: true });
    gw.guardians = [A(0x1), A(0x2)];
    gw.paused = true;
    observed.l2.l2a!.timelock!.minDelay = 9n;
    const findings = reconcile(desired, observed);
    expect(stepsOf(findings)).toEqual([]);
    expect(findings.map((f) => f.text)).toEqual([
      "timelock delay is 9 s (config: 8 s)",
      `guardian set #0: 2 of [${A(0x1)}, ${A(0x2)}] (config: 2 of [${A(0x1)}, ${A(0x2)}, ${A(0x3)}])`,
      `route to l2b (902): ${desired.gateway.address}, disabled (config: ${desired.gateway.address}, enabled)`,
      `route to chain 999 (${A(0x999)}) is enabled but not in the config`,
      "gateway is paused",
      `PAUSER_ROLE: held by ${A(0xbad)}, not in the config`,
    ]);
    expect(findings.every((f) => f.remedy?.startsWith("governance"))).toBe(true);
  });

  it("test_reconcile_deployerStillGoverns_fixesDriftItself: then hands over", () => {
    const observed = complete();
    const gw = observed.l2.l2a!.gateway!;
    gw.roles.set(GATEWAY_ROLES.governor, new Set([DEPLOYER]));
    gw.roles.get(GATEWAY_ROLES.pauser)!.add(A(0xbad));
    gw.tokens.get(tokenKey({ tokenChainId: 901n, token: A(0xa1) }))!.fastLimit = 1n;
    const steps = stepsOf(reconcile(desired, observed));
    expect(steps.every((s) => s.chain === "l2a")).toBe(true);
    expect(steps.map(gatewayCall).map((c) => [c.functionName, ...c.args])).toEqual([
      ["setFastLimit", 901n, A(0xa1), 10_000n * 10n ** 18n],
      ["grantRole", GATEWAY_ROLES.governor, desired.timelock.address],
      ["revokeRole", GATEWAY_ROLES.pauser, A(0xbad)],
      ["renounceRole", GATEWAY_ROLES.governor, DEPLOYER],
    ]);
  });

  it("test_reconcile_permanentDifferences_haveNoFix: registration, escape wiring, bridged token, registry", () => {
    const observed = complete();
    const gw = observed.l2.l2a!.gateway!;
    gw.tokens.get(tokenKey({ tokenChainId: 902n, token: A(0xb1) }))!.local = A(0x5555);
    gw.tokens.set(tokenKey({ tokenChainId: 901n, token: A(0x7777) }), {
      local: A(0x7777),
      isHome: true,
      fastLimit: 0n,
      inbound: { capacity: 0n, refillPerSecond: 0n },
      outbound: { capacity: 0n, refillPerSecond: 0n },
    });
    gw.escape = { ...gw.escape, messenger: A(0x6666) };
    observed.l2.l2a!.bridged.get("BETA")!.decimals = 18;
    observed.l1.escapeHatch!.registry.set(902, { messenger: A(0x1234), gateway: desired.gateway.address });
    const findings = reconcile(desired, observed);
    expect(stepsOf(findings)).toEqual([]);
    expect(findings.map((f) => [f.chain, f.remedy?.split(":")[0]])).toEqual([
      ["l1", "nobody"],
      ["l2a", "nobody"],
      ["l2a", "nobody"],
      ["l2a", "governance (a timelocked `bridge council propose`)"],
      ["l2a", "nobody"],
    ]);
  });

  it("test_reconcile_create2DeployerMissing_installsThePublishedTransaction", () => {
    const observed = fresh();
    observed.l2.l2a!.create2 = { deployed: false, signerNonce: 0, signerBalance: 10n };
    observed.l2.l2b!.create2 = { deployed: false, signerNonce: 0, signerBalance: CREATE2_DEPLOYER_FUNDING };
    observed.l1.create2 = { deployed: false, signerNonce: 1, signerBalance: 0n };
    const findings = reconcile(desired, observed);
    const first = (chain: string) =>
      stepsOf(findings)
        .filter((s) => s.chain === chain)
        .slice(0, 2);
    expect(first("l2a")[0]).toMatchObject({ to: CREATE2_DEPLOYER_SIGNER, value: CREATE2_DEPLOYER_FUNDING - 10n });
    expect(first("l2a")[1]).toMatchObject({ raw: expect.stringMatching(/^0xf8a5/), creates: CREATE2_DEPLOYER });
    // Already funded: only the broadcast.
    expect(first("l2b")[0]).toMatchObject({ raw: expect.any(String), creates: CREATE2_DEPLOYER });
    // The signer's one nonce is spent: nobody can install it there any more, and nothing that
    // goes through it is planned there (a call to an empty address would "succeed").
    expect(unfixable(findings)).toEqual([
      expect.objectContaining({ chain: "l1", remedy: expect.stringMatching(/^nobody/) }),
      expect.objectContaining({ chain: "l1", remedy: "needs the CREATE2 deployer" }),
    ]);
    expect(stepsOf(findings).filter((s) => s.chain === "l1")).toEqual([]);
  });

  it("test_desired_fees_defaultAndOverride_inGatewayUnits: wei, 1e18-scaled rates", () => {
    const [toB] = desired.l2s.find((c) => c.name === "l2a")!.fees;
    const [toA] = desired.l2s.find((c) => c.name === "l2b")!.fees;
    expect(toB).toEqual({
      dest: "l2b",
      destChainId: 902,
      config: {
        gasPrice: 2_000_000_000n,
        exchangeRate: 10n ** 18n,
        gasPerMessage: 250_000,
        flatFee: 0n,
        minGasPrice: 100_000_000n,
        maxGasPrice: 1_000_000_000_000n,
        minExchangeRate: 5n * 10n ** 17n,
        maxExchangeRate: 2n * 10n ** 18n,
        maxChangePerUpdateBps: 2_000,
        maxChangePerHourBps: 5_000,
        dropOffCap: 10n ** 17n,
      },
    });
    expect(toA).toEqual({ dest: "l2a", destChainId: 901, config: { ...toB!.config, flatFee: 10n ** 14n } });
  });

  it("test_reconcile_feeDriftAfterHandOver_isGovernancesOnly: pricing, beneficiary, updater", () => {
    const observed = complete();
    const gw = observed.l2.l2a!.gateway!;
    gw.fees.get(902)!.dropOffCap = 0n;
    gw.fees.get(902)!.maxChangePerHourBps = 9_000;
    gw.feeBeneficiary = A(0xbad);
    gw.roles.get(GATEWAY_ROLES.feeUpdater)!.add(A(0xbad2));
    const findings = reconcile(desired, observed);
    expect(stepsOf(findings)).toEqual([]);
    expect(findings.map((f) => [f.text, f.remedy])).toEqual([
      [
        `fees to l2b (902): maxChangePerHourBps 9000 (config: 5000), dropOffCap 0 (config: ${10n ** 17n})`,
        "governance (a timelocked `bridge council propose`): a `setFeeConfig` proposal",
      ],
      [
        `fee beneficiary is ${A(0xbad)} (config: ${OPERATOR})`,
        "governance (a timelocked `bridge council propose`): a `setFeeBeneficiary` proposal",
      ],
      [
        `FEE_UPDATER_ROLE: held by ${A(0xbad2)}, not in the config`,
        "governance (a timelocked `bridge council propose`): a `revokeRole` proposal",
      ],
    ]);
  });

  it("test_reconcile_updaterMovedPrices_isNotDrift: within the bounds, the prices are the updaters'", () => {
    const observed = complete();
    const route = observed.l2.l2b!.gateway!.fees.get(901)!;
    route.gasPrice = 3_000_000_000n;
    route.exchangeRate = 11n * 10n ** 17n;
    expect(reconcile(desired, observed)).toEqual([]);
    // Without updaters, the config's prices are governance's and a difference is drift.
    const fixed = desiredDeployment(
      { ...config, fees: { ...config.fees, updaters: [] } },
      { ALPHA: { name: "Alpha", decimals: 18 }, BETA: { name: "Beta", decimals: 6 } },
    );
    const o = complete(fixed);
    o.l2.l2b!.gateway!.fees.get(901)!.gasPrice = 3_000_000_000n;
    expect(reconcile(fixed, o).map((f) => f.text)).toEqual([
      "fees to l2a (901): gasPrice 3000000000 (config: 2000000000)",
    ]);
  });

  it("test_reconcile_unpricedRoute_whileDeployerGoverns_setsTheWholeConfig", () => {
    const observed = complete();
    const gw = observed.l2.l2b!.gateway!;
    gw.roles.set(GATEWAY_ROLES.governor, new Set([DEPLOYER, desired.timelock.address]));
    gw.fees.delete(901);
    gw.feeBeneficiary = zeroAddress;
    const steps = stepsOf(reconcile(desired, observed));
    const toA = desired.l2s.find((c) => c.name === "l2b")!.fees[0]!;
    expect(steps.map(gatewayCall).map((c) => [c.functionName, ...c.args])).toEqual([
      ["setFeeConfig", 901n, toA.config],
      ["setFeeBeneficiary", OPERATOR],
      ["renounceRole", GATEWAY_ROLES.governor, DEPLOYER],
    ]);
    expect(steps[0]!.title).toMatch(/^gateway\.setFeeConfig\(901, \{ gasPrice: 2000000000, exchangeRate: /);
  });

  it("test_reconcile_existingSafe_isUsedNotCreated", () => {
    const safe = A(0x5afe);
    const d = desiredDeployment(
      { ...config, council: { safe } },
      { ALPHA: { name: "Alpha", decimals: 18 }, BETA: { name: "Beta", decimals: 6 } },
    );
    expect(d.council).toEqual({ safe, create: undefined });
    expect(d.pausers).toEqual([safe, MONITOR]);
    const missing = reconcile(d, fresh()).filter((f) => f.text.includes("council"));
    expect(missing).toEqual([
      {
        chain: "l2a",
        text: `no Safe at the configured council address ${safe}`,
        fix: [],
        remedy: "the config: name an existing Safe",
      },
      {
        chain: "l2b",
        text: `no Safe at the configured council address ${safe}`,
        fix: [],
        remedy: "the config: name an existing Safe",
      },
    ]);
    expect(reconcile(d, complete(d))).toEqual([]);
  });
});
