/**
 * What a config asks for, in on-chain terms: every contract's address (the same on every chain,
 * `deploy/create2.ts`), its creation code, and every gateway parameter as the gateway stores it.
 * Pure: computed from the config and a few facts read from the home chains (token names and
 * decimals), so the planner and the drift check compare against one description.
 */
import { encodeDeployData, parseUnits, type Address, type Hex } from "viem";
import { sortGuardians } from "../core/attestation.js";
import type { RollupInfo } from "../core/manifest.js";
import {
  bridgedTokenAbi,
  bridgedTokenBytecode,
  bridgeGatewayAbi,
  bridgeGatewayAdminBytecode,
  bridgeGatewayBytecode,
} from "../core/generated/abis.js";
import {
  DeployConfigError,
  feeConfigOf,
  hasEscape,
  routeFeeFields,
  type DeployConfig,
  type FeeConfig,
  type L2Config,
  type LimitsConfig,
} from "./config.js";
import { contractSalt, factoryAddress, factoryDeployedAddress } from "./create2.js";
import { UNLIMITED, type TokenLimits } from "./contracts.js";
import { escapeHatchInitCode, escapeWiringOf, type EscapeRegistration, type EscapeWiring } from "./escape.js";
import { councilSafePlan, safeContractPlacements, timelockInitCode, type CouncilSafePlan } from "./governance.js";

/** A contract the factory creates for the deployer: same address on every chain it is on. */
export interface FactoryContract {
  address: Address;
  salt: Hex;
  initCode: Hex;
}

/** What the deployment reads from a token's home chain. */
export interface TokenFacts {
  name: string;
  decimals: number;
}

export interface DesiredToken {
  symbol: string;
  name: string;
  decimals: number;
  /** Home L2's name and chain id; the identity in messages is (`homeChainId`, `homeToken`). */
  home: string;
  homeChainId: number;
  homeToken: Address;
  /** The `BridgedToken` on every other L2. */
  bridged: FactoryContract;
  /** As the gateway stores them (`scaleLimits`: resolution and clamping like the contract's). */
  limits: TokenLimits;
}

export interface DesiredL2 {
  name: string;
  chainId: number;
  config: L2Config;
  /** The gateway's canonical messaging (absent: no escape hatch). */
  escape?: EscapeWiring;
  /** What the manifest records for `bridge escape` (the OP Stack L1 contracts, the window). */
  rollup?: RollupInfo;
  /** The pricing of each route from this L2 (`setFeeConfig(destChainId, config)` on its gateway). */
  fees: { dest: string; destChainId: number; config: FeeConfig }[];
}

export interface Desired {
  config: DeployConfig;
  deployer: Address;
  factory: Address;
  /** The Safe contracts (CREATE2 deployer, zero salt), placed on every L2. */
  safeContracts: ReturnType<typeof safeContractPlacements>;
  /** The council Safe (created, or an existing one). */
  council: { safe: Address; create?: CouncilSafePlan };
  timelock: FactoryContract;
  /** The gateway's admin module (`BridgeGatewayAdmin`, stateless code), created before it. */
  gatewayAdmin: FactoryContract;
  gateway: FactoryContract;
  guardians: Address[];
  threshold: number;
  /** PAUSER_ROLE and VETO_ROLE holders: the council Safe first, then the config's. */
  pausers: Address[];
  vetoers: Address[];
  /** Who claims the fees on every gateway, and FEE_UPDATER_ROLE's holders. */
  feeBeneficiary: Address;
  feeUpdaters: Address[];
  tokens: DesiredToken[];
  l2s: DesiredL2[];
  /** The L1 EscapeHatch, when every L2 has canonical messaging. */
  escapeHatch?: FactoryContract & { registry: EscapeRegistration[] };
}

/** Stored fast limits are clamped to 80 bits of limit units (`BridgeGateway.setFastLimit`). */
const MAX_STORED_FAST_LIMIT_UNITS = (1n << 80n) - 1n;
const MAX_REFILL_SECONDS = 1n << 32n;

export function desiredDeployment(config: DeployConfig, facts: Record<string, TokenFacts>): Desired {
  const deployer = config.deployer;
  const problems: string[] = [];
  const factoryContract = (label: string, initCode: Hex): FactoryContract => {
    const salt = contractSalt(config.salt, label);
    return { address: factoryDeployedAddress(deployer, salt), salt, initCode };
  };

  const create =
    "owners" in config.council
      ? councilSafePlan(config.council.owners, config.council.threshold, config.salt)
      : undefined;
  const council = { safe: create?.address ?? ("safe" in config.council ? config.council.safe : deployer), create };
  const guardians = sortGuardians(config.guardians.members.map((g) => g.address));
  const gatewayAdmin = factoryContract("gateway-admin", bridgeGatewayAdminBytecode);
  const gateway = factoryContract(
    "gateway",
    encodeDeployData({
      abi: bridgeGatewayAbi,
      bytecode: bridgeGatewayBytecode,
      // The deployer governs during set-up, then hands GOVERNOR to the timelock and renounces.
      args: [deployer, guardians, config.guardians.threshold, config.largeDelaySeconds, gatewayAdmin.address],
    }),
  );

  const tokens = config.tokens.map((t, i): DesiredToken => {
    const fact = facts[t.symbol];
    if (!fact) throw new Error(`no facts read for token ${t.symbol}`);
    const homeChainId = config.chains.find((c) => c.name === t.home)!.chainId;
    const name = `${fact.name} (Portcullis)`;
    return {
      symbol: t.symbol,
      name: fact.name,
      decimals: fact.decimals,
      home: t.home,
      homeChainId,
      homeToken: t.address,
      bridged: factoryContract(
        `token/${homeChainId}/${t.address.toLowerCase()}`,
        encodeDeployData({
          abi: bridgedTokenAbi,
          bytecode: bridgedTokenBytecode,
          args: [name, t.symbol, fact.decimals, gateway.address, t.address, BigInt(homeChainId)],
        }),
      ),
      limits: scaleLimits(t.limits ?? config.limits, fact.decimals, `tokens.${i}.limits`, problems),
    };
  });
  if (problems.length) throw new DeployConfigError(`the config's limits do not fit:\n  ${problems.join("\n  ")}`);

  const l2s = config.chains.map((c): DesiredL2 => {
    const wiring = escapeWiringOf(c);
    const fees = config.chains
      .filter((d) => d.name !== c.name)
      .map((d) => {
        const { config: fee, problems: wrong } = feeConfigOf(routeFeeFields(config.fees, c.name, d.name));
        // The schema refused these already; a config built without it gets the same sentences.
        wrong.forEach(([field, why]) => problems.push(`fees (${c.name} -> ${d.name}).${field}: ${why}`));
        return { dest: d.name, destChainId: d.chainId, config: fee };
      });
    return { name: c.name, chainId: c.chainId, config: c, ...wiring, fees };
  });
  if (problems.length) throw new DeployConfigError(`the config's fees do not fit:\n  ${problems.join("\n  ")}`);
  let escapeHatch: Desired["escapeHatch"];
  if (hasEscape(config)) {
    const registry = l2s.map((c) => ({
      chainId: c.chainId,
      messenger: c.escape!.l1Messenger,
      gateway: gateway.address,
    }));
    escapeHatch = { ...factoryContract("escape-hatch", escapeHatchInitCode(registry)), registry };
  }

  return {
    config,
    deployer,
    factory: factoryAddress(),
    safeContracts: safeContractPlacements(),
    council,
    timelock: factoryContract("timelock", timelockInitCode(config.governance.delaySeconds, council.safe)),
    gatewayAdmin,
    gateway,
    guardians,
    threshold: config.guardians.threshold,
    pausers: unique([council.safe, ...config.roles.pausers]),
    vetoers: unique([council.safe, ...config.roles.vetoers]),
    feeBeneficiary: config.fees.beneficiary,
    feeUpdaters: unique(config.fees.updaters),
    tokens,
    l2s,
    escapeHatch,
  };
}

function unique(xs: Address[]): Address[] {
  return [...new Set(xs)];
}

/** Whole-token limits in base units, checked against what the gateway accepts. */
export function scaleLimits(limits: LimitsConfig, decimals: number, path: string, problems: string[]): TokenLimits {
  const u = (v: string, field: string): bigint => {
    if (v === "unlimited") return UNLIMITED;
    const parsed = parseUnits(v, decimals);
    if (parsed > UNLIMITED) {
      problems.push(`${path}.${field}: ${v} is above 2^96 - 1 base units; use "unlimited"`);
      return UNLIMITED;
    }
    if (v.includes(".") && parseUnits(v, decimals + 18) % 10n ** 18n !== 0n) {
      problems.push(`${path}.${field}: ${v} has more decimals than the token's ${decimals}`);
    }
    return parsed;
  };
  const bucket = (b: LimitsConfig["inbound"], field: string) => {
    const capacity = u(b.capacity, `${field}.capacity`);
    const refillPerSecond = u(b.perSecond, `${field}.perSecond`);
    const valid =
      capacity === UNLIMITED ||
      capacity === 0n ||
      (refillPerSecond !== 0n && capacity <= refillPerSecond * MAX_REFILL_SECONDS);
    if (!valid) problems.push(`${path}.${field}: a bucket must refill from empty within 2^32 s (raise perSecond)`);
    return { capacity, refillPerSecond };
  };
  // The gateway keeps limits of tokens above 18 decimals in units of 10^(decimals - 18) base
  // units, rounding down (reads give base units back): compare what it will store.
  const unit = 10n ** BigInt(Math.max(0, decimals - 18));
  const stored = (v: bigint) => (v === UNLIMITED ? v : (v / unit) * unit);
  const fastUnits = u(limits.fast, "fast") / unit;
  const scaled = (b: { capacity: bigint; refillPerSecond: bigint }) => ({
    capacity: stored(b.capacity),
    refillPerSecond: stored(b.refillPerSecond),
  });
  return {
    fastLimit: (fastUnits > MAX_STORED_FAST_LIMIT_UNITS ? MAX_STORED_FAST_LIMIT_UNITS : fastUnits) * unit,
    inbound: scaled(bucket(limits.inbound, "inbound")),
    outbound: scaled(bucket(limits.outbound, "outbound")),
  };
}
