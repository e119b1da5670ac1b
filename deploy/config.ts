/**
 * The deployment config (`deploy.json`): everything `portcullis-deploy plan|apply|check` needs to
 * know, and only public facts — RPC URLs, chain ids, the L1 contracts of each OP Stack chain, the
 * tokens to bridge by their existing home addresses, guardian and council owner *addresses*,
 * limits, delays and windows. No private key of a guardian or council owner is ever needed; the
 * deployer's key comes from a keystore at `apply` time (`deploy/key.ts`).
 *
 * Validated with zod; every problem is reported on its own line (`path: what is wrong`), and
 * unknown keys are refused, so a typo never silently becomes a default. docs/deploy.md documents
 * every field.
 */
import { readFileSync } from "node:fs";
import { getAddress, isAddress, parseUnits, type Address } from "viem";
import { z } from "zod";
import { rollupSchema } from "../core/manifest.js";
import { OP_PREDEPLOYS } from "../core/op-stack.js";
import { escapeDurationSeconds, type EscapeTiming } from "./governance.js";

const address = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), { message: "not an address" })
  .transform((v) => getAddress(v));

const uint32 = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 32 - 1);

const name = z.string().regex(/^[a-z][a-z0-9-]*$/, "use lower-case letters, digits and '-' (it names the chain)");

/** A token amount in whole tokens ("1000", "0.5"), or "unlimited". Scaled by the token's decimals. */
const amount = z.union([
  z.literal("unlimited"),
  z.string().regex(/^\d+(\.\d+)?$/, 'a whole-token amount such as "1000" or "0.5", or "unlimited"'),
]);

const bucket = z.object({ capacity: amount, perSecond: amount }).strict();

/** Limits of one token on every gateway, in whole tokens. */
export const limitsSchema = z
  .object({
    /** Inbound transfers up to this amount execute at once (when the bucket has room). */
    fast: amount,
    /** Inbound rate limit: over it, transfers wait the large delay. */
    inbound: bucket,
    /** Outbound rate limit: over it, `send` reverts. */
    outbound: bucket,
  })
  .strict();

const chainBase = {
  name,
  chainId: z.number().int().positive(),
  rpcUrl: z.string().url(),
  /** Blocks to wait on a deployment transaction, and what guardians and relayers wait before trusting a log. */
  confirmations: z.number().int().nonnegative().default(1),
};

/** The L1 every L2 settles on: where the `EscapeHatch` lives. */
const l1Schema = z.object(chainBase).strict();

/** An OP Stack L1 contract set (the chain's deployment on L1). */
const opStackL1Contracts = z
  .object({
    optimismPortal: address,
    /** Permissioned-output chains. */
    l2OutputOracle: address.optional(),
    /** Fault-proof chains (`OptimismPortal2`). */
    disputeGameFactory: address.optional(),
    systemConfig: address,
    l1CrossDomainMessenger: address,
    l1StandardBridge: address,
  })
  .strict()
  .refine((c) => (c.l2OutputOracle === undefined) !== (c.disputeGameFactory === undefined), {
    message: "name exactly one of l2OutputOracle (permissioned outputs) and disputeGameFactory (fault proofs)",
  });

const SEVEN_DAYS = 7 * 86_400;

/** The L2 side of an OP Stack chain: its predeploys unless the chain moved them. */
const opStackL2Contracts = z
  .object({
    l2CrossDomainMessenger: address.default(OP_PREDEPLOYS.l2CrossDomainMessenger),
    l2StandardBridge: address.default(OP_PREDEPLOYS.l2StandardBridge),
    l2ToL1MessagePasser: address.default(OP_PREDEPLOYS.l2ToL1MessagePasser),
  })
  .strict()
  .default({});

/** An OP Stack L2: its predeploys are at their canonical addresses; its L1 contracts are named. */
const opStackChain = z
  .object({
    ...chainBase,
    kind: z.literal("op-stack"),
    l1Contracts: opStackL1Contracts,
    l2Contracts: opStackL2Contracts,
    /** The chain's withdrawal finalization window (7 days on OP Mainnet and Base). */
    finalizationSeconds: z.number().int().positive().default(SEVEN_DAYS),
  })
  .strict();

/**
 * A local devnet L2 (anvil). Its OP Stack contracts on L1, when it has them, are named as the
 * manifest's `rollup` section names them (`devnet/op-stack/install.ts` installs them; the L2 side
 * is at the predeploy addresses). A deployment whose L2s are all `devnet` may take the deployer
 * key from the environment and a governance delay below the escape duration.
 */
const devnetChain = z
  .object({
    ...chainBase,
    kind: z.literal("devnet"),
    rollup: rollupSchema.strict().optional(),
  })
  .strict();

const l2Schema = z.discriminatedUnion("kind", [opStackChain, devnetChain]);

/**
 * A native-token amount with its unit: "2 gwei", "0.1 ether", "0 wei". Kept as the string the
 * operator wrote (the parsed config is written back as JSON); `feeConfigOf` converts.
 */
const native = z
  .string()
  .regex(/^\d+(\.\d+)? ?(wei|gwei|ether)$/, 'a native amount with its unit, such as "2 gwei", "0.1 ether" or "0 wei"');

/** Source-chain native tokens per destination native token, as a decimal ("1": both are ETH). */
const rate = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal ratio such as "1" (both chains use ETH) or "0.00045"');

const bps = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 16 - 1);

/**
 * The pricing of one route, as `setFeeConfig(destChainId, FeeConfig)` takes it
 * (`IBridgeGatewayTypes.FeeConfig`; README "Fees and gas drop-off"). Amounts of the destination
 * chain's native token: `gasPrice`, its bounds and `dropOffCap`; of the source chain's: `flatFee`.
 */
const feeFields = {
  /** Destination wei per gas: the starting value; the fee updaters move it within the bounds. */
  gasPrice: native,
  /** Source native per destination native: the starting value; the fee updaters move it too. */
  exchangeRate: rate,
  /** Destination gas one delivered message costs a relayer (`npm run bench:gas`), batch share included. */
  gasPerMessage: uint32,
  /** Added to every quote, in the source chain's native token. */
  flatFee: native,
  minGasPrice: native,
  maxGasPrice: native,
  minExchangeRate: rate,
  maxExchangeRate: rate,
  /** Largest step of one `updateFeeInputs`, in basis points (multiplicative, both ways). */
  maxChangePerUpdateBps: bps,
  /** Largest move within an hour, from the hour's first value, in basis points. */
  maxChangePerHourBps: bps,
  /** Largest gas drop-off one message may ask for (destination native); "0 ether": no drop-off. */
  dropOffCap: native,
};

export const feeSchema = z.object(feeFields).strict();
/** A route's override: any fields of the default, for the routes to `to` (from `from`, or from every L2). */
const feeRouteSchema = z
  .object({ to: name, from: name, ...feeFields })
  .partial()
  .required({ to: true })
  .strict();

/** Delivery fees: every route's pricing, who is paid, who may move the prices. */
export const feesSchema = z
  .object({
    /** The only account that can claim the fees accrued on each gateway (`claimFees`). */
    beneficiary: address,
    /** Holders of FEE_UPDATER_ROLE: they move gasPrice and exchangeRate within the bounds (none: fixed prices). */
    updaters: z.array(address).default([]),
    /** The pricing of every route… */
    default: feeSchema,
    /** …except these: the most specific override of a route (from and to, then to alone) applies. */
    routes: z.array(feeRouteSchema).default([]),
  })
  .strict();

const guardian = z.object({ address, url: z.string().url() }).strict();

const deployConfigObject = z
  .object({
    /** Name of the deployment (the manifest's `network`). */
    network: z.string().min(1),
    /**
     * Namespace of this deployment's addresses: with one deployer key, another salt is another,
     * independent deployment. Part of every contract's address; never change it afterwards.
     */
    salt: z.string().min(1).max(100).default("portcullis/v1"),
    /** The deployer's address (its key signs `apply`; it ends up holding no role). */
    deployer: address,
    l1: l1Schema,
    /** The L2s: a gateway on each, a route between every pair. */
    chains: z.array(l2Schema).min(2, "at least two L2s (a route needs two ends)"),
    guardians: z
      .object({
        threshold: z.number().int().positive().max(255),
        members: z.array(guardian).min(1).max(255),
        /** Guardians operators run outside the set, listed for relayers (rotation targets). */
        standby: z.array(guardian).default([]),
      })
      .strict(),
    /** The security council on every L2: a new Safe with these owners, or an existing Safe. */
    council: z
      .object({
        /** A new Safe with these owners… */
        owners: z.array(address).min(1).optional(),
        /** …of which this many sign. */
        threshold: z.number().int().positive().optional(),
        /** Or an existing Safe (the same address on every L2). */
        safe: address.optional(),
      })
      .strict()
      .superRefine((v, ctx) => {
        const fresh = v.owners !== undefined || v.threshold !== undefined;
        if (fresh === (v.safe !== undefined) || (fresh && (v.owners === undefined || v.threshold === undefined))) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: "name either owners and threshold (a new Safe) or safe (an existing Safe)",
          });
        }
      })
      .transform((v): CouncilConfig => (v.safe ? { safe: v.safe } : { owners: v.owners!, threshold: v.threshold! })),
    /** PAUSER_ROLE and VETO_ROLE holders besides the council Safe (the monitor's key). */
    roles: z
      .object({ pausers: z.array(address).default([]), vetoers: z.array(address).default([]) })
      .strict()
      .default({}),
    governance: z
      .object({
        /** The timelock's delay; at least the escape duration (see `escapeDurationSeconds`). */
        delaySeconds: z.number().int().nonnegative(),
        /** Devnet only: accept a delay below the escape duration. */
        allowShortDelay: z.boolean().default(false),
      })
      .strict(),
    /** Delay of large or rate-limited inbound transfers, in seconds. */
    largeDelaySeconds: uint32,
    /** How long a sent message stays deliverable, in seconds (gateway defaults: 60 s / 1 day / 30 days). */
    deadlineWindows: z
      .object({ min: uint32.min(1), default: uint32, max: uint32 })
      .strict()
      .default({ min: 60, default: 86_400, max: 30 * 86_400 }),
    escape: z
      .object({
        /** Time allowed to relay the escape's proof on L1 and its refund back down (part of the delay floor). */
        relayAllowanceSeconds: z.number().int().nonnegative().default(3_600),
      })
      .strict()
      .default({}),
    /** Delivery fees and gas drop-off of every route (README "Fees and gas drop-off"). */
    fees: feesSchema,
    /** Default limits of every token. */
    limits: limitsSchema,
    tokens: z
      .array(
        z
          .object({
            /** The name the CLI and the manifest use. */
            symbol: z.string().min(1).max(32),
            /** Name of the L2 where the token is canonical. */
            home: name,
            /** The existing token on its home chain: its identity in messages. */
            address,
            /** Overrides the default limits for this token. */
            limits: limitsSchema.optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export const deployConfigSchema = deployConfigObject.superRefine(crossCheck);

/** The council: a Safe to create with these owners, or an existing one. */
export type CouncilConfig = { owners: Address[]; threshold: number } | { safe: Address };

export type DeployConfig = z.infer<typeof deployConfigObject>;
export type L2Config = DeployConfig["chains"][number];
export type TokenConfig = DeployConfig["tokens"][number];
export type LimitsConfig = z.infer<typeof limitsSchema>;
export type FeesConfig = DeployConfig["fees"];
export type RouteFeeConfig = z.infer<typeof feeSchema>;

/** True when every L2 is a local devnet chain: env keys and a short governance delay are allowed. */
export function isDevnet(config: Pick<DeployConfig, "chains">): boolean {
  return config.chains.every((c) => c.kind === "devnet");
}

/** The escape timing the governance delay floor is computed from: the slowest L2 counts. */
export function escapeTiming(config: Pick<DeployConfig, "chains" | "deadlineWindows" | "escape">): EscapeTiming {
  return {
    defaultDeadlineWindow: config.deadlineWindows.default,
    finalizationWindow: Math.max(0, ...config.chains.map(finalizationSeconds)),
    relayAllowance: config.escape.relayAllowanceSeconds,
  };
}

/** An L2's withdrawal finalization window (0 for a devnet L2 without canonical messaging). */
export function finalizationSeconds(chain: L2Config): number {
  return chain.kind === "op-stack" ? chain.finalizationSeconds : (chain.rollup?.finalizationSeconds ?? 0);
}

/** True when the deployment wires the escape hatch: every L2 has canonical messaging. */
export function hasEscape(config: Pick<DeployConfig, "chains">): boolean {
  return config.chains.every((c) => c.kind === "op-stack" || c.rollup !== undefined);
}

/** `IBridgeGatewayTypes.FeeConfig` as `setFeeConfig` takes it and `feeConfig(dest)` returns it. */
export interface FeeConfig {
  gasPrice: bigint;
  exchangeRate: bigint;
  gasPerMessage: number;
  flatFee: bigint;
  minGasPrice: bigint;
  maxGasPrice: bigint;
  minExchangeRate: bigint;
  maxExchangeRate: bigint;
  maxChangePerUpdateBps: number;
  maxChangePerHourBps: number;
  dropOffCap: bigint;
}

/** The gateway's gas charge for handing over a drop-off (`BridgeGateway.DROP_OFF_GAS_COST`). */
export const DROP_OFF_GAS_COST = 40_000n;
const RATE_ONE = 10n ** 18n;
const UINT = (bits: number) => (1n << BigInt(bits)) - 1n;

const UNIT_DECIMALS = { wei: 0, gwei: 9, ether: 18 } as const;

/** Wei of "2 gwei" / "0.1 ether" / "5 wei"; undefined when it is not a whole number of wei. */
function nativeWei(v: string): bigint | undefined {
  const [, whole, frac = "", unit] = /^(\d+)(?:\.(\d+))? ?(wei|gwei|ether)$/.exec(v)!;
  const decimals = UNIT_DECIMALS[unit as keyof typeof UNIT_DECIMALS];
  if (frac.replace(/0+$/, "").length > decimals) return undefined;
  return parseUnits(`${whole}.${frac || "0"}`, decimals);
}

/** A ratio scaled by 1e18; undefined when it has more than 18 decimals. */
function rateScaled(v: string): bigint | undefined {
  if ((v.split(".")[1]?.length ?? 0) > 18) return undefined;
  return parseUnits(v, 18);
}

/**
 * The on-chain `FeeConfig` of a route's fields, or one sentence per field the gateway would
 * refuse (`setFeeConfig` reverts with a bare `BridgeInvalidParameter`; this says which and why).
 */
export function feeConfigOf(f: RouteFeeConfig): { config: FeeConfig; problems: [keyof RouteFeeConfig, string][] } {
  const problems: [keyof RouteFeeConfig, string][] = [];
  const wei = (field: "gasPrice" | "minGasPrice" | "maxGasPrice" | "flatFee" | "dropOffCap", bits: number) => {
    const v = nativeWei(f[field]);
    if (v === undefined) {
      problems.push([field, `${f[field]} is not a whole number of wei`]);
      return 0n;
    }
    if (v > UINT(bits))
      problems.push([field, `${f[field]} is above the gateway's ${bits}-bit field (${UINT(bits)} wei)`]);
    return v;
  };
  const ratio = (field: "exchangeRate" | "minExchangeRate" | "maxExchangeRate") => {
    const v = rateScaled(f[field]);
    if (v === undefined) {
      problems.push([field, `${f[field]} has more than 18 decimals`]);
      return 0n;
    }
    if (v > UINT(96)) problems.push([field, `${f[field]} is above the gateway's 96-bit field (${UINT(96)} / 1e18)`]);
    return v;
  };
  const config: FeeConfig = {
    gasPrice: wei("gasPrice", 64),
    exchangeRate: ratio("exchangeRate"),
    gasPerMessage: f.gasPerMessage,
    flatFee: wei("flatFee", 64),
    minGasPrice: wei("minGasPrice", 64),
    maxGasPrice: wei("maxGasPrice", 64),
    minExchangeRate: ratio("minExchangeRate"),
    maxExchangeRate: ratio("maxExchangeRate"),
    maxChangePerUpdateBps: f.maxChangePerUpdateBps,
    maxChangePerHourBps: f.maxChangePerHourBps,
    dropOffCap: wei("dropOffCap", 96),
  };
  if (problems.length) return { config, problems };
  if (config.gasPrice < config.minGasPrice || config.gasPrice > config.maxGasPrice) {
    problems.push(["gasPrice", `${f.gasPrice} is outside minGasPrice ${f.minGasPrice} … maxGasPrice ${f.maxGasPrice}`]);
  }
  if (config.exchangeRate < config.minExchangeRate || config.exchangeRate > config.maxExchangeRate) {
    problems.push([
      "exchangeRate",
      `${f.exchangeRate} is outside minExchangeRate ${f.minExchangeRate} … maxExchangeRate ${f.maxExchangeRate}`,
    ]);
  }
  // The gateway keeps a quote in 88 bits: the dearest one the updater could reach must fit.
  const ceil = (a: bigint) => (a * config.maxExchangeRate + RATE_ONE - 1n) / RATE_ONE;
  const dearest =
    ceil(BigInt(config.gasPerMessage) * config.maxGasPrice) +
    config.flatFee +
    ceil(config.dropOffCap + DROP_OFF_GAS_COST * config.maxGasPrice);
  if (problems.length === 0 && dearest > UINT(88)) {
    problems.push([
      "maxGasPrice",
      `at maxGasPrice and maxExchangeRate a quote with the full drop-off would be ${dearest} wei, above the gateway's 88-bit fee (${UINT(88)})`,
    ]);
  }
  return { config, problems };
}

/** The fee fields of the route from `from` to `to`: the most specific override over the default. */
export function routeFeeFields(fees: FeesConfig, from: string, to: string): RouteFeeConfig {
  const match = (r: FeesConfig["routes"][number]) => r.to === to && (r.from === undefined || r.from === from);
  const overrides = fees.routes
    .filter(match)
    .sort((a, b) => Number(a.from !== undefined) - Number(b.from !== undefined));
  const merged: Record<string, unknown> = { ...fees.default };
  for (const o of overrides) {
    for (const [k, v] of Object.entries(o)) if (k !== "to" && k !== "from" && v !== undefined) merged[k] = v;
  }
  return merged as RouteFeeConfig;
}

type Ctx = z.RefinementCtx;

function crossCheck(c: DeployConfig, ctx: Ctx) {
  const problem = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });

  const names = new Map<string, number>([[c.l1.name, -1]]);
  const ids = new Map<number, string>([[c.l1.chainId, c.l1.name]]);
  c.chains.forEach((chain, i) => {
    if (names.has(chain.name)) problem(["chains", i, "name"], `"${chain.name}" is used twice`);
    names.set(chain.name, i);
    const other = ids.get(chain.chainId);
    if (other !== undefined) problem(["chains", i, "chainId"], `chain id ${chain.chainId} is also ${other}'s`);
    ids.set(chain.chainId, chain.name);
  });
  const kinds = new Set(c.chains.map((x) => x.kind));
  if (kinds.size > 1) problem(["chains"], "do not mix devnet and op-stack L2s in one deployment");
  const withEscape = c.chains.filter((x) => x.kind === "op-stack" || x.rollup !== undefined).length;
  if (withEscape !== 0 && withEscape !== c.chains.length) {
    problem(
      ["chains"],
      "either every L2 names its canonical messaging (rollup) or none does: the escape hatch spans them all",
    );
  }
  // The EscapeHatch tells L2s apart by their L1 messenger: two L2s cannot share one.
  const messengers = c.chains.map((x) =>
    x.kind === "op-stack" ? x.l1Contracts.l1CrossDomainMessenger : x.rollup?.l1CrossDomainMessenger,
  );
  messengers.forEach((m, i) => {
    const first = messengers.indexOf(m);
    if (m !== undefined && first !== i) {
      const path = c.chains[i]!.kind === "op-stack" ? ["l1Contracts"] : ["rollup"];
      problem(
        ["chains", i, ...path, "l1CrossDomainMessenger"],
        `also ${c.chains[first]!.name}'s: every L2 has its own L1 messenger`,
      );
    }
  });

  duplicates(c.guardians.members.map((g) => g.address)).forEach((i) =>
    problem(["guardians", "members", i, "address"], "guardian listed twice"),
  );
  const members = new Set(c.guardians.members.map((g) => g.address));
  c.guardians.standby.forEach((g, i) => {
    if (members.has(g.address)) problem(["guardians", "standby", i, "address"], "already a member of the set");
  });
  if (c.guardians.threshold > c.guardians.members.length) {
    problem(["guardians", "threshold"], `${c.guardians.threshold} exceeds the ${c.guardians.members.length} members`);
  }

  if ("owners" in c.council) {
    duplicates(c.council.owners).forEach((i) => problem(["council", "owners", i], "owner listed twice"));
    if (c.council.threshold > c.council.owners.length) {
      problem(["council", "threshold"], `${c.council.threshold} exceeds the ${c.council.owners.length} owners`);
    }
  }

  const w = c.deadlineWindows;
  if (!(w.min <= w.default && w.default <= w.max)) {
    problem(["deadlineWindows"], `must satisfy min <= default <= max (got ${w.min} / ${w.default} / ${w.max})`);
  }

  const floor = escapeDurationSeconds(escapeTiming(c));
  if (c.governance.allowShortDelay && !isDevnet(c)) {
    problem(["governance", "allowShortDelay"], "only a devnet (every L2 of kind devnet) may shorten the delay");
  } else if (c.governance.delaySeconds < floor && !c.governance.allowShortDelay) {
    problem(
      ["governance", "delaySeconds"],
      `${c.governance.delaySeconds} s is shorter than an escape through L1 (${floor} s = default deadline window ` +
        `+ finalization + relay allowance): users could not leave before a change lands`,
    );
  }

  const symbols = new Map<string, number>();
  const homes = new Map<string, number>();
  c.tokens.forEach((t, i) => {
    if (symbols.has(t.symbol)) problem(["tokens", i, "symbol"], `"${t.symbol}" is used twice`);
    symbols.set(t.symbol, i);
    const chain = c.chains.find((x) => x.name === t.home);
    if (!chain) {
      problem(["tokens", i, "home"], `"${t.home}" is not one of the L2s (${c.chains.map((x) => x.name).join(", ")})`);
    }
    // The token identity in messages is (home chain, home address).
    const identity = `${t.home}/${t.address}`;
    const clash = homes.get(identity);
    if (clash !== undefined) {
      problem(
        ["tokens", i, "address"],
        `same home chain and address as ${c.tokens[clash]!.symbol}: token identities must differ`,
      );
    }
    homes.set(identity, i);
  });

  checkFees(c, problem);
}

/** Every route's pricing must be one the gateway accepts; overrides must name real routes, once. */
function checkFees(c: DeployConfig, problem: (path: (string | number)[], message: string) => void) {
  const l2 = new Set(c.chains.map((x) => x.name));
  const seen = new Map<string, number>();
  c.fees.routes.forEach((r, i) => {
    for (const end of ["to", "from"] as const) {
      const v = r[end];
      if (v !== undefined && !l2.has(v)) {
        problem(["fees", "routes", i, end], `"${v}" is not one of the L2s (${[...l2].join(", ")})`);
      }
    }
    if (r.from !== undefined && r.from === r.to)
      problem(["fees", "routes", i, "from"], "a route joins two different L2s");
    const key = `${r.from ?? "*"}->${r.to}`;
    const first = seen.get(key);
    if (first !== undefined) problem(["fees", "routes", i], `overrides the same routes as fees.routes.${first}`);
    seen.set(key, i);
  });

  const reported = new Set<string>();
  const report = (path: (string | number)[], message: string) => {
    const key = `${path.join(".")}: ${message}`;
    if (reported.has(key)) return;
    reported.add(key);
    problem(path, message);
  };
  const ofDefault = feeConfigOf(c.fees.default).problems;
  for (const [field, message] of ofDefault) report(["fees", "default", field], message);
  const inDefault = new Set(ofDefault.map(([field]) => field));
  for (const from of c.chains) {
    for (const to of c.chains) {
      if (from.name === to.name) continue;
      const { problems } = feeConfigOf(routeFeeFields(c.fees, from.name, to.name));
      for (const [field, message] of problems) {
        // Blame the most specific override that sets the field, else the most specific one that
        // applies (the problem comes from merging it), else the default.
        const applying = c.fees.routes
          .map((r, i) => [r, i] as const)
          .filter(([r]) => r.to === to.name && (r.from === undefined || r.from === from.name))
          .sort(([a], [b]) => Number(b.from !== undefined) - Number(a.from !== undefined));
        const own = applying.find(([r]) => r[field] !== undefined);
        if (!own && inDefault.has(field)) continue; // the default's problem, reported above
        const setBy = own ?? applying[0];
        const path = setBy ? ["fees", "routes", setBy[1], field] : ["fees", "default", field];
        report(path, setBy ? `${message} (route ${from.name} -> ${to.name})` : message);
      }
    }
  }
}

function duplicates<T>(values: readonly T[]): number[] {
  const seen = new Set<T>();
  const out: number[] = [];
  values.forEach((v, i) => {
    if (seen.has(v)) out.push(i);
    seen.add(v);
  });
  return out;
}

export class DeployConfigError extends Error {
  override name = "DeployConfigError";
}

/** Parses a config; a bad one throws with one line per problem. */
export function parseDeployConfig(json: unknown, source = "deploy config"): DeployConfig {
  const result = deployConfigSchema.safeParse(json);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new DeployConfigError(`${source} is invalid:\n  ${lines.join("\n  ")}`);
  }
  return result.data;
}

export function loadDeployConfig(path: string): DeployConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new DeployConfigError(`cannot read the deploy config ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DeployConfigError(`${path} is not JSON: ${(e as Error).message}`);
  }
  return parseDeployConfig(json, path);
}

/** What an operator must see before anything is sent (printed by `plan` and `apply`). */
export function configWarnings(config: DeployConfig): string[] {
  const out: string[] = [];
  const floor = escapeDurationSeconds(escapeTiming(config));
  if (config.governance.delaySeconds < floor) {
    out.push(
      `WARNING: governance delay ${config.governance.delaySeconds} s is shorter than an escape through L1 (${floor} s); ` +
        "allowed only because this is a devnet (governance.allowShortDelay): users could NOT escape before a change lands.",
    );
  }
  for (const c of config.chains) {
    if (c.kind === "op-stack" && c.l1Contracts.disputeGameFactory) {
      out.push(
        `NOTE: ${c.name} proves withdrawals with dispute games: its escape wiring is deployed, but \`bridge escape\` ` +
          "proves against an L2OutputOracle only (docs/escape-hatch.md), so the manifest gets no rollup section for it.",
      );
    }
  }
  return out;
}
