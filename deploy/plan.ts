/**
 * The planner and the drift check, in one pure function: `reconcile(desired, observed)` compares
 * what a config asks for with what is on-chain and returns every difference, in the order they
 * must be fixed, each with the transactions the deployer would send to fix it — or none, when
 * only governance (or nobody) can: once the deployer has handed GOVERNOR_ROLE to the timelock,
 * every gateway parameter is governance's.
 *
 * `plan` prints the fixes; `apply` sends them; `check` reports every difference and fails on
 * any. A contract not yet created is compared as it will be right after its constructor, so a
 * fresh chain's plan lists every transaction up to the hand-over, in order.
 */
import { encodeFunctionData, formatEther, zeroAddress, type Abi, type Address, type Hex } from "viem";
import { tokenKey } from "../core/message.js";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import { GATEWAY_ROLES, UNLIMITED, type TokenLimits } from "./contracts.js";
import {
  CREATE2_DEPLOYER,
  CREATE2_DEPLOYER_FUNDING,
  CREATE2_DEPLOYER_SIGNER,
  CREATE2_DEPLOYER_TX,
  create2Calldata,
  FACTORY_INIT_CODE,
  FACTORY_SALT,
  factoryDeployCalldata,
} from "./create2.js";
import type { FeeConfig } from "./config.js";
import type { Desired, DesiredL2, FactoryContract } from "./desired.js";
import { TIMELOCK_ROLES } from "./governance.js";
import type {
  Bucket,
  Create2State,
  GatewayState,
  GatewayToken,
  L1State,
  L2State,
  Observed,
  RoleHolders,
} from "./observe.js";

/** One transaction of a plan. */
export interface Step {
  /** Chain name. */
  chain: string;
  /** What it does, in words. */
  title: string;
  /** A transaction from the deployer… */
  to?: Address;
  data?: Hex;
  value?: bigint;
  /** …or a published pre-signed transaction, broadcast as it is. */
  raw?: Hex;
  /** The contract this step creates: `apply` checks its code is there afterwards. */
  creates?: Address;
}

/** One difference between the config and a chain. */
export interface Finding {
  chain: string;
  /** What differs, in words: what is there, and what the config says. */
  text: string;
  /** The deployer's transactions that fix it (in order); empty when the deployer cannot. */
  fix: Step[];
  /** Who can fix it when the deployer cannot, and how. */
  remedy?: string;
}

const GOVERNANCE = "governance (a timelocked `bridge council propose`)";

/** Every difference between `desired` and `observed`: L1 first, then each L2 in config order. */
export function reconcile(desired: Desired, observed: Observed): Finding[] {
  return [
    ...reconcileL1(desired, observed.l1),
    ...desired.l2s.flatMap((c) => reconcileL2(desired, c, observed.l2[c.name]!)),
  ];
}

/** The transactions of a reconciliation, in order. */
export function stepsOf(findings: readonly Finding[]): Step[] {
  return findings.flatMap((f) => f.fix);
}

/** Differences the deployer cannot fix. */
export function unfixable(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.fix.length === 0);
}

// ---------------------------------------------------------------------------------------------
// Infrastructure: the CREATE2 deployer and the factory

/** The CREATE2 deployer and the DeploymentFactory on one chain: installed where missing. */
export function infraFindings(
  chain: string,
  factoryAt: Address,
  { create2, factory }: { create2: Create2State; factory: boolean },
): Finding[] {
  const out: Finding[] = [];
  if (!create2.deployed) {
    if (create2.signerNonce > 0) {
      out.push({
        chain,
        text: `the CREATE2 deployer ${CREATE2_DEPLOYER} is missing and its keyless signer's nonce is used`,
        fix: [],
        remedy: "nobody: this chain cannot get the deployer at its usual address (ask its operators for a preinstall)",
      });
    } else {
      const fund = CREATE2_DEPLOYER_FUNDING - create2.signerBalance;
      out.push({
        chain,
        text: `the CREATE2 deployer ${CREATE2_DEPLOYER} is missing`,
        fix: [
          ...(fund > 0n
            ? [
                {
                  chain,
                  title: `send ${formatEther(fund)} ETH to its keyless signer ${CREATE2_DEPLOYER_SIGNER} (the published transaction's gas)`,
                  to: CREATE2_DEPLOYER_SIGNER,
                  data: "0x" as Hex,
                  value: fund,
                },
              ]
            : []),
          {
            chain,
            title: `broadcast the CREATE2 deployer's published keyless transaction (creates ${CREATE2_DEPLOYER})`,
            raw: CREATE2_DEPLOYER_TX,
            creates: CREATE2_DEPLOYER,
          },
        ],
      });
    }
  }
  if (out.some((f) => f.fix.length === 0)) {
    // Without the CREATE2 deployer nothing else can be placed on this chain.
    if (!factory)
      out.push({
        chain,
        text: `the DeploymentFactory ${factoryAt} is missing`,
        fix: [],
        remedy: "needs the CREATE2 deployer",
      });
    return out;
  }
  if (!factory) {
    out.push({
      chain,
      text: `the DeploymentFactory ${factoryAt} is missing`,
      fix: [
        {
          chain,
          title: `create the DeploymentFactory at ${factoryAt} (CREATE2 deployer, salt 0)`,
          to: CREATE2_DEPLOYER,
          data: create2Calldata(FACTORY_SALT, FACTORY_INIT_CODE),
          creates: factoryAt,
        },
      ],
    });
  }
  return out;
}

function factoryStep(chain: string, desired: Desired, what: string, c: FactoryContract): Step {
  return {
    chain,
    title: `create ${what} at ${c.address} (DeploymentFactory, salt ${c.salt.slice(0, 10)}…)`,
    to: desired.factory,
    data: factoryDeployCalldata(c.salt, c.initCode),
    creates: c.address,
  };
}

function callStep(
  chain: string,
  to: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[],
  what: string,
): Step {
  return {
    chain,
    title: `${what}.${functionName}(${args.map(show).join(", ")})`,
    to,
    data: encodeFunctionData({ abi, functionName, args } as Parameters<typeof encodeFunctionData>[0]),
  };
}

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (typeof v === "bigint") return v.toString();
  if (v !== null && typeof v === "object") {
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${show(x)}`)
      .join(", ")} }`;
  }
  if (typeof v === "string" && /^0x[0-9a-fA-F]{64}$/.test(v)) return roleName(v as Hex) ?? v;
  return String(v);
}

const ROLE_NAMES = new Map<Hex, string>([
  [GATEWAY_ROLES.governor, "GOVERNOR_ROLE"],
  [GATEWAY_ROLES.pauser, "PAUSER_ROLE"],
  [GATEWAY_ROLES.vetoer, "VETO_ROLE"],
  [GATEWAY_ROLES.feeUpdater, "FEE_UPDATER_ROLE"],
  [TIMELOCK_ROLES.proposer, "PROPOSER_ROLE"],
  [TIMELOCK_ROLES.executor, "EXECUTOR_ROLE"],
  [TIMELOCK_ROLES.canceller, "CANCELLER_ROLE"],
]);

function roleName(role: Hex): string | undefined {
  return ROLE_NAMES.get(role);
}

// ---------------------------------------------------------------------------------------------
// L1

function reconcileL1(desired: Desired, s: L1State): Finding[] {
  const hatch = desired.escapeHatch;
  if (!hatch) return [];
  const chain = desired.config.l1.name;
  const out = infraFindings(chain, desired.factory, s);
  if (blocked(out)) return out;
  if (!s.escapeHatch) {
    out.push({
      chain,
      text: `the EscapeHatch ${hatch.address} is missing`,
      fix: [factoryStep(chain, desired, "the EscapeHatch", hatch)],
    });
    return out;
  }
  for (const e of hatch.registry) {
    const got = s.escapeHatch.registry.get(e.chainId);
    if (got?.messenger !== e.messenger || got?.gateway !== e.gateway) {
      out.push({
        chain,
        text:
          `EscapeHatch registry for chain ${e.chainId}: ${got ? `messenger ${got.messenger}, gateway ${got.gateway}` : "absent"} ` +
          `(config: messenger ${e.messenger}, gateway ${e.gateway})`,
        fix: [],
        remedy: "nobody: the registry is fixed at construction (a new deployment salt makes a new EscapeHatch)",
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// L2

/** A gateway right after its constructor: what a not-yet-created gateway is compared as. */
function freshGateway(desired: Desired): GatewayState {
  return {
    deployBlock: 0,
    guardianSetIndex: 0,
    guardians: desired.guardians,
    threshold: desired.threshold,
    largeDelay: desired.config.largeDelaySeconds,
    deadlineWindows: { min: 60, default: 86_400, max: 30 * 86_400 },
    paused: false,
    routes: new Map(),
    tokens: new Map(),
    escape: { messenger: zeroAddress, escapeHatch: zeroAddress, tokenBridge: zeroAddress },
    fees: new Map(),
    feeBeneficiary: zeroAddress,
    roles: new Map([[GATEWAY_ROLES.governor, new Set([desired.deployer])]]),
  };
}

function reconcileL2(desired: Desired, l2: DesiredL2, s: L2State): Finding[] {
  const chain = l2.name;
  const out = infraFindings(chain, desired.factory, s);
  if (blocked(out)) return out;
  const add = (text: string, fix: Step[] = [], remedy?: string) => out.push({ chain, text, fix, remedy });

  // The Safe contracts (protocol-kit's contractNetworks) and the council Safe.
  for (const p of desired.safeContracts) {
    if (!s.safeContracts.has(p.address)) {
      add(`Safe contract ${p.name} is missing at ${p.address}`, [
        {
          chain,
          title: `create ${p.name} ${p.address} (CREATE2 deployer, salt 0)`,
          to: CREATE2_DEPLOYER,
          data: create2Calldata(FACTORY_SALT, p.initCode),
          creates: p.address,
        },
      ]);
    }
  }
  const { council } = desired;
  if (!s.safe) {
    if (council.create) {
      add(`the council Safe ${council.safe} is missing`, [
        {
          chain,
          title: `create the council Safe ${council.safe} (${council.create.threshold} of ${council.create.owners.length} owners)`,
          to: council.create.to,
          data: council.create.data,
          creates: council.safe,
        },
      ]);
    } else {
      add(`no Safe at the configured council address ${council.safe}`, [], "the config: name an existing Safe");
    }
  } else if (council.create) {
    const want = council.create;
    if (!sameSet(s.safe.owners, want.owners) || s.safe.threshold !== want.threshold) {
      add(
        `council Safe: ${s.safe.threshold} of [${s.safe.owners.join(", ")}] (config: ${want.threshold} of [${want.owners.join(", ")}])`,
        [],
        "the Safe's owners (owner changes are Safe transactions)",
      );
    }
  }

  // The timelock.
  if (!s.timelock) {
    add(`the timelock ${desired.timelock.address} is missing`, [
      factoryStep(chain, desired, "the TimelockController", desired.timelock),
    ]);
  } else {
    const delay = desired.config.governance.delaySeconds;
    if (s.timelock.minDelay !== BigInt(delay)) {
      add(
        `timelock delay is ${s.timelock.minDelay} s (config: ${delay} s)`,
        [],
        `${GOVERNANCE}: \`bridge council propose set-delay --governance --seconds ${delay}\``,
      );
    }
    const expect = new Map<Hex, Address[]>([
      [TIMELOCK_ROLES.proposer, [council.safe]],
      [TIMELOCK_ROLES.canceller, [council.safe]],
      [TIMELOCK_ROLES.executor, [zeroAddress]],
      [TIMELOCK_ROLES.admin, [desired.timelock.address]],
    ]);
    for (const [role, want] of expect) {
      const got = [...(s.timelock.roles.get(role) ?? [])];
      if (!sameSet(got, want)) {
        add(
          `timelock ${roleName(role) ?? "DEFAULT_ADMIN_ROLE"} held by [${got.join(", ")}] (config: [${want.join(", ")}])`,
          [],
          GOVERNANCE,
        );
      }
    }
  }

  // The gateway (after its admin module), compared as freshly constructed when it does not exist yet.
  if (!s.gatewayAdmin) {
    add(`the gateway's admin module ${desired.gatewayAdmin.address} is missing`, [
      factoryStep(chain, desired, "the BridgeGatewayAdmin", desired.gatewayAdmin),
    ]);
  }
  if (!s.gateway) {
    add(`the gateway ${desired.gateway.address} is missing`, [
      factoryStep(chain, desired, "the BridgeGateway", desired.gateway),
    ]);
  }
  const gw = s.gateway ?? freshGateway(desired);
  const governs = gw.roles.get(GATEWAY_ROLES.governor)?.has(desired.deployer) ?? false;
  const gatewayCall = (functionName: string, args: readonly unknown[]) =>
    callStep(chain, desired.gateway.address, bridgeGatewayAbi as Abi, functionName, args, "gateway");
  /** A gateway fix: the deployer's while it governs, governance's afterwards. */
  const govern = (text: string, steps: Step[], remedy: string) =>
    governs ? add(text, steps) : add(text, [], `${GOVERNANCE}: ${remedy}`);

  // Bridged tokens on this chain.
  for (const t of desired.tokens.filter((x) => x.home !== chain)) {
    const got = s.bridged.get(t.symbol);
    if (!got) {
      add(`BridgedToken ${t.symbol} ${t.bridged.address} is missing`, [
        factoryStep(chain, desired, `BridgedToken ${t.symbol}`, t.bridged),
      ]);
    } else if (
      got.gateway !== desired.gateway.address ||
      got.homeToken !== t.homeToken ||
      got.homeChainId !== BigInt(t.homeChainId) ||
      got.decimals !== t.decimals
    ) {
      add(
        `BridgedToken ${t.symbol} at ${t.bridged.address} is for gateway ${got.gateway}, home ${got.homeToken} on ${got.homeChainId}, ` +
          `${got.decimals} decimals (config: ${desired.gateway.address}, ${t.homeToken} on ${t.homeChainId}, ${t.decimals})`,
        [],
        "nobody: its constructor arguments are fixed",
      );
    }
  }

  // Guardian set, delays, windows.
  if (!sameList(gw.guardians, desired.guardians) || gw.threshold !== desired.threshold) {
    govern(
      `guardian set #${gw.guardianSetIndex}: ${gw.threshold} of [${gw.guardians.join(", ")}] (config: ${desired.threshold} of [${desired.guardians.join(", ")}])`,
      [gatewayCall("setGuardianSet", [desired.guardians, desired.threshold, 0n])],
      `\`bridge council propose set-guardians --guardians ${desired.guardians.join(",")} --threshold ${desired.threshold}\``,
    );
  }
  const large = desired.config.largeDelaySeconds;
  if (gw.largeDelay !== large) {
    govern(
      `large-transfer delay is ${gw.largeDelay} s (config: ${large} s)`,
      [gatewayCall("setLargeDelay", [large])],
      `\`bridge council propose set-delay --seconds ${large}\``,
    );
  }
  const w = desired.config.deadlineWindows;
  const gotW = gw.deadlineWindows;
  if (gotW.min !== w.min || gotW.default !== w.default || gotW.max !== w.max) {
    govern(
      `deadline windows are ${gotW.min} / ${gotW.default} / ${gotW.max} s (config: ${w.min} / ${w.default} / ${w.max} s)`,
      [gatewayCall("setDeadlineWindows", [w.min, w.default, w.max])],
      "a `setDeadlineWindows` proposal",
    );
  }

  // Routes: to every other L2, and none elsewhere.
  const wanted = new Map(desired.l2s.filter((c) => c.name !== chain).map((c) => [c.chainId, c.name]));
  for (const [id, name] of wanted) {
    const r = gw.routes.get(id);
    if (r?.gateway !== desired.gateway.address || !r.enabled) {
      govern(
        `route to ${name} (${id}): ${r && r.gateway !== zeroAddress ? `${r.gateway}, ${r.enabled ? "enabled" : "disabled"}` : "none"} (config: ${desired.gateway.address}, enabled)`,
        [gatewayCall("setRoute", [BigInt(id), desired.gateway.address, true])],
        `\`bridge council propose add-route --remote ${name}\``,
      );
    }
  }
  for (const [id, r] of gw.routes) {
    if (!wanted.has(id) && r.enabled) {
      govern(
        `route to chain ${id} (${r.gateway}) is enabled but not in the config`,
        [gatewayCall("setRoute", [BigInt(id), r.gateway, false])],
        "a `setRoute(…, false)` proposal",
      );
    }
  }

  // Fees: each route's pricing, and who claims them (the fee updaters are roles, below).
  for (const f of l2.fees) {
    const differs = feeDifferences(gw.fees.get(f.destChainId) ?? UNPRICED, f.config, desired.feeUpdaters.length > 0);
    if (differs.length) {
      govern(
        `fees to ${f.dest} (${f.destChainId}): ${differs.join(", ")}`,
        [gatewayCall("setFeeConfig", [BigInt(f.destChainId), f.config])],
        "a `setFeeConfig` proposal",
      );
    }
  }
  if (gw.feeBeneficiary !== desired.feeBeneficiary) {
    govern(
      `fee beneficiary is ${gw.feeBeneficiary === zeroAddress ? "unset" : gw.feeBeneficiary} (config: ${desired.feeBeneficiary})`,
      [gatewayCall("setFeeBeneficiary", [desired.feeBeneficiary])],
      "a `setFeeBeneficiary` proposal",
    );
  }

  // Tokens: registration and limits.
  const identity = (t: { homeChainId: number; homeToken: Address }) =>
    tokenKey({ tokenChainId: BigInt(t.homeChainId), token: t.homeToken });
  const wantedTokens = new Set(desired.tokens.map(identity));
  for (const t of desired.tokens) {
    const isHome = t.home === chain;
    const local = isHome ? t.homeToken : t.bridged.address;
    let got: GatewayToken | undefined = gw.tokens.get(identity(t));
    if (!got) {
      govern(
        `token ${t.symbol} is not registered (config: ${local})`,
        [gatewayCall("registerToken", [BigInt(t.homeChainId), t.homeToken, local])],
        "a `registerToken` proposal, then its limits",
      );
      if (!governs) continue;
      // Registered by the step above, with zero limits: set them next.
      got = { local, isHome, fastLimit: 0n, inbound: ZERO_BUCKET, outbound: ZERO_BUCKET };
    } else if (got.local !== local || got.isHome !== isHome) {
      add(
        `token ${t.symbol} is registered to ${got.local} (config: ${local})`,
        [],
        "nobody: a registration is permanent",
      );
      continue;
    }
    reconcileLimits(t.symbol, BigInt(t.homeChainId), t.homeToken, got, t.limits, govern, gatewayCall);
  }
  for (const [home, got] of gw.tokens) {
    if (!wantedTokens.has(home)) {
      add(
        `token ${home} (local ${got.local}) is registered but not in the config`,
        [],
        `${GOVERNANCE}: registrations are permanent; set its limits to zero to stop it`,
      );
    }
  }

  // Escape wiring: set once.
  const e = gw.escape;
  if (l2.escape && desired.escapeHatch) {
    const want = {
      messenger: l2.escape.messenger,
      escapeHatch: desired.escapeHatch.address,
      tokenBridge: l2.escape.tokenBridge,
    };
    if (e.messenger === zeroAddress) {
      govern(
        "escape hatch is not wired",
        [gatewayCall("initializeEscape", [want.messenger, want.escapeHatch, want.tokenBridge])],
        "an `initializeEscape` proposal",
      );
    } else if (
      e.messenger !== want.messenger ||
      e.escapeHatch !== want.escapeHatch ||
      e.tokenBridge !== want.tokenBridge
    ) {
      add(
        `escape wiring is messenger ${e.messenger}, hatch ${e.escapeHatch}, token bridge ${e.tokenBridge} ` +
          `(config: ${want.messenger}, ${want.escapeHatch}, ${want.tokenBridge})`,
        [],
        "nobody: the escape wiring is set once, for good",
      );
    }
  } else if (e.messenger !== zeroAddress) {
    add(`escape hatch is wired (messenger ${e.messenger}) but the config has no canonical messaging`, [], "the config");
  }

  if (gw.paused) add("gateway is paused", [], `${GOVERNANCE}: \`bridge council propose unpause\``);

  out.push(...reconcileGatewayRoles(chain, desired, gw.roles, governs, gatewayCall));
  return out;
}

/** A route whose pricing was never set: everything zero (quotes 0, no drop-off). */
const UNPRICED: FeeConfig = {
  gasPrice: 0n,
  exchangeRate: 0n,
  gasPerMessage: 0,
  flatFee: 0n,
  minGasPrice: 0n,
  maxGasPrice: 0n,
  minExchangeRate: 0n,
  maxExchangeRate: 0n,
  maxChangePerUpdateBps: 0,
  maxChangePerHourBps: 0,
  dropOffCap: 0n,
};

/**
 * The fields of a route's pricing that differ from the config, as `field got (config: want)`.
 * With fee updaters, gasPrice and exchangeRate are theirs to move within the bounds (the config
 * gives their starting values): a difference there is not drift once the route is priced.
 */
export function feeDifferences(got: FeeConfig, want: FeeConfig, updatersMove: boolean): string[] {
  const priced = got.maxGasPrice !== 0n || got.maxExchangeRate !== 0n;
  return (Object.keys(want) as (keyof FeeConfig)[])
    .filter((k) => !(updatersMove && priced && (k === "gasPrice" || k === "exchangeRate")))
    .filter((k) => got[k] !== want[k])
    .map((k) => `${k} ${got[k]} (config: ${want[k]})`);
}

/** `type(uint256).max`: an unlimited bucket in `setRateLimit`. */
const MAX_UINT256 = 2n ** 256n - 1n;
const ZERO_BUCKET: Bucket = { capacity: 0n, refillPerSecond: 0n };

function reconcileLimits(
  symbol: string,
  homeChainId: bigint,
  homeToken: Address,
  got: GatewayToken,
  want: TokenLimits,
  govern: (text: string, steps: Step[], remedy: string) => void,
  call: (functionName: string, args: readonly unknown[]) => Step,
) {
  if (got.fastLimit !== want.fastLimit) {
    govern(
      `token ${symbol} fast limit is ${got.fastLimit} (config: ${want.fastLimit})`,
      [call("setFastLimit", [homeChainId, homeToken, want.fastLimit])],
      `\`bridge council propose set-limits --token ${symbol} --fast …\``,
    );
  }
  for (const [direction, name, bucket] of [
    [0, "inbound", want.inbound],
    [1, "outbound", want.outbound],
  ] as const) {
    const g = direction === 0 ? got.inbound : got.outbound;
    if (g.capacity !== bucket.capacity || g.refillPerSecond !== bucket.refillPerSecond) {
      govern(
        `token ${symbol} ${name} limit is ${g.capacity} / ${g.refillPerSecond} per s (config: ${bucket.capacity} / ${bucket.refillPerSecond} per s)`,
        [
          call("setRateLimit", [
            homeChainId,
            homeToken,
            direction,
            bucket.capacity === UNLIMITED ? MAX_UINT256 : bucket.capacity,
            bucket.refillPerSecond,
          ]),
        ],
        `\`bridge council propose set-limits --token ${symbol} --${name} …\``,
      );
    }
  }
}

/**
 * Role holders: GOVERNOR the timelock alone, PAUSER and VETO the council Safe and the config's,
 * DEFAULT_ADMIN nobody. Grants first, then revocations, then the deployer renounces — GOVERNOR
 * last, since it administers every role.
 */
function reconcileGatewayRoles(
  chain: string,
  desired: Desired,
  roles: RoleHolders,
  governs: boolean,
  call: (functionName: string, args: readonly unknown[]) => Step,
): Finding[] {
  const out: Finding[] = [];
  const me = desired.deployer;
  const want = new Map<Hex, Address[]>([
    [GATEWAY_ROLES.governor, [desired.timelock.address]],
    [GATEWAY_ROLES.pauser, desired.pausers],
    [GATEWAY_ROLES.vetoer, desired.vetoers],
    [GATEWAY_ROLES.feeUpdater, desired.feeUpdaters],
  ]);
  const holders = (role: Hex) => [...(roles.get(role) ?? [])];
  const push = (text: string, step: Step, remedy: string) =>
    out.push(governs ? { chain, text, fix: [step] } : { chain, text, fix: [], remedy: `${GOVERNANCE}: ${remedy}` });

  for (const [role, accounts] of want) {
    for (const a of accounts.filter((x) => !holders(role).includes(x))) {
      push(
        `${roleName(role)}: ${a} does not hold it (config: it does)`,
        call("grantRole", [role, a]),
        "a `grantRole` proposal",
      );
    }
  }
  for (const [role, accounts] of want) {
    for (const a of holders(role).filter((x) => !accounts.includes(x) && x !== me)) {
      push(
        `${roleName(role)}: held by ${a}, not in the config`,
        call("revokeRole", [role, a]),
        "a `revokeRole` proposal",
      );
    }
  }
  const admins = holders(zeroHashRole);
  if (admins.length) {
    out.push({
      chain,
      text: `DEFAULT_ADMIN_ROLE held by [${admins.join(", ")}] (config: nobody)`,
      fix: [],
      remedy: GOVERNANCE,
    });
  }
  for (const role of [GATEWAY_ROLES.pauser, GATEWAY_ROLES.vetoer, GATEWAY_ROLES.feeUpdater, GATEWAY_ROLES.governor]) {
    if (holders(role).includes(me) && !want.get(role)!.includes(me)) {
      // The deployer can always renounce its own role.
      out.push({
        chain,
        text: `${roleName(role)}: still held by the deployer ${me}`,
        fix: [call("renounceRole", [role, me])],
      });
    }
  }
  return out;
}

/** True when the chain's infrastructure cannot be installed: nothing can be planned there. */
function blocked(infra: readonly Finding[]): boolean {
  return infra.some((f) => f.fix.length === 0);
}

const zeroHashRole: Hex = `0x${"00".repeat(32)}`;

function sameSet(a: readonly Address[], b: readonly Address[]): boolean {
  const x = new Set(a);
  return x.size === new Set(b).size && b.every((v) => x.has(v));
}

function sameList(a: readonly Address[], b: readonly Address[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
