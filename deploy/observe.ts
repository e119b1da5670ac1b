/**
 * What is on-chain now, for every contract a config describes: code presence at each desired
 * address, and every parameter the planner and the drift check compare. Read-only; role holders
 * and registrations outside the config are found by replaying the contracts' own events
 * (AccessControl is not enumerable), from the block each contract was created in.
 */
import { getAddress, zeroAddress, type AbiEvent, type Address, type Hex, type PublicClient } from "viem";
import { tokenKey } from "../core/message.js";
import { Gateway } from "../core/gateway.js";
import { bridgedTokenAbi, bridgeGatewayAbi, escapeHatchAbi, timelockControllerAbi } from "../core/generated/abis.js";
import { DeployConfigError, type DeployConfig, type FeeConfig } from "./config.js";
import { CREATE2_DEPLOYER, CREATE2_DEPLOYER_SIGNER } from "./create2.js";
import type { Desired } from "./desired.js";
import { safeReadAbi } from "./governance.js";

/** Holders of each role id, replayed from RoleGranted/RoleRevoked. */
export type RoleHolders = Map<Hex, Set<Address>>;

export interface Bucket {
  capacity: bigint;
  refillPerSecond: bigint;
}

export interface GatewayToken {
  local: Address;
  isHome: boolean;
  fastLimit: bigint;
  inbound: Bucket;
  outbound: Bucket;
}

export interface GatewayState {
  deployBlock: number;
  guardianSetIndex: number;
  guardians: Address[];
  threshold: number;
  largeDelay: number;
  deadlineWindows: { min: number; default: number; max: number };
  paused: boolean;
  /** By remote chain id: every chain the config names and every one a RouteSet mentioned. */
  routes: Map<number, { gateway: Address; enabled: boolean }>;
  /** By token identity (`tokenKey`: home chain id and address): the config's and every registered one. */
  tokens: Map<string, GatewayToken>;
  escape: { messenger: Address; escapeHatch: Address; tokenBridge: Address };
  /** The pricing of each route the config names, by destination chain id (all zero: never set). */
  fees: Map<number, FeeConfig>;
  feeBeneficiary: Address;
  roles: RoleHolders;
}

export interface TimelockState {
  deployBlock: number;
  minDelay: bigint;
  roles: RoleHolders;
}

export interface BridgedTokenState {
  gateway: Address;
  homeToken: Address;
  homeChainId: bigint;
  decimals: number;
}

/** The CREATE2 deployer's presence, and its keyless signer's state (to install it where missing). */
export interface Create2State {
  deployed: boolean;
  signerNonce: number;
  signerBalance: bigint;
}

export interface L2State {
  create2: Create2State;
  factory: boolean;
  /** Safe contracts present, by address. */
  safeContracts: Set<Address>;
  /** The council Safe (undefined: no code there). */
  safe?: { owners: Address[]; threshold: number };
  timelock?: TimelockState;
  /** True when the gateway's admin module has code. */
  gatewayAdmin: boolean;
  gateway?: GatewayState;
  /** The BridgedToken of each token not homed here, by symbol (undefined: not created). */
  bridged: Map<string, BridgedTokenState | undefined>;
}

export interface L1State {
  create2: Create2State;
  factory: boolean;
  escapeHatch?: { deployBlock: number; registry: Map<number, { messenger: Address; gateway: Address }> };
}

export interface Observed {
  l1: L1State;
  l2: Record<string, L2State>;
}

export interface ObserveOptions {
  /** Creation blocks already known (a previous manifest), by chain name and address: spares the search. */
  knownBlock?: (chain: string, address: Address) => number | undefined;
  /** Blocks per `eth_getLogs` request (providers cap the range). */
  logRange?: number;
}

const hasCode = async (client: PublicClient, address: Address) =>
  ((await client.getCode({ address })) ?? "0x").length > 2;

export async function observe(
  desired: Desired,
  clients: { l1: PublicClient; l2: Record<string, PublicClient> },
  options: ObserveOptions = {},
): Promise<Observed> {
  const [l1, ...l2s] = await Promise.all([
    observeL1(desired, desired.config.l1.name, clients.l1, options),
    ...desired.l2s.map((c) => observeL2(desired, c.name, clients.l2[c.name]!, options)),
  ]);
  return { l1: l1!, l2: Object.fromEntries(desired.l2s.map((c, i) => [c.name, l2s[i]! as L2State])) };
}

async function observeCreate2(client: PublicClient): Promise<Create2State> {
  const [deployed, signerNonce, signerBalance] = await Promise.all([
    hasCode(client, CREATE2_DEPLOYER),
    client.getTransactionCount({ address: CREATE2_DEPLOYER_SIGNER }),
    client.getBalance({ address: CREATE2_DEPLOYER_SIGNER }),
  ]);
  return { deployed, signerNonce, signerBalance };
}

async function observeL1(desired: Desired, name: string, client: PublicClient, o: ObserveOptions): Promise<L1State> {
  const [create2, factory] = await Promise.all([observeCreate2(client), hasCode(client, desired.factory)]);
  const hatch = desired.escapeHatch;
  if (!hatch || !(await hasCode(client, hatch.address))) return { create2, factory };
  const entries = await Promise.all(
    hatch.registry.map(async (e) => {
      const [messenger, gateway] = await client.readContract({
        address: hatch.address,
        abi: escapeHatchAbi,
        functionName: "chain",
        args: [BigInt(e.chainId)],
      });
      return [e.chainId, { messenger: getAddress(messenger), gateway: getAddress(gateway) }] as const;
    }),
  );
  const deployBlock = await creationBlock(client, name, hatch.address, o);
  return { create2, factory, escapeHatch: { deployBlock, registry: new Map(entries) } };
}

async function observeL2(desired: Desired, name: string, client: PublicClient, o: ObserveOptions): Promise<L2State> {
  const others = desired.tokens.filter((t) => t.home !== name);
  const [create2, factory, safeCode, safe, timelock, gatewayAdmin, gateway, bridged] = await Promise.all([
    observeCreate2(client),
    hasCode(client, desired.factory),
    Promise.all(desired.safeContracts.map(async (p) => [p.address, await hasCode(client, p.address)] as const)),
    observeSafe(client, desired.council.safe),
    observeTimelock(client, name, desired.timelock.address, o),
    hasCode(client, desired.gatewayAdmin.address),
    observeGateway(desired, name, client, o),
    Promise.all(others.map(async (t) => [t.symbol, await observeBridged(client, t.bridged.address)] as const)),
  ]);
  return {
    create2,
    factory,
    safeContracts: new Set(safeCode.filter(([, present]) => present).map(([a]) => a)),
    safe,
    timelock,
    gatewayAdmin,
    gateway,
    bridged: new Map(bridged),
  };
}

async function observeSafe(client: PublicClient, safe: Address): Promise<L2State["safe"]> {
  if (!(await hasCode(client, safe))) return undefined;
  const [owners, threshold] = await Promise.all([
    client.readContract({ address: safe, abi: safeReadAbi, functionName: "getOwners" }),
    client.readContract({ address: safe, abi: safeReadAbi, functionName: "getThreshold" }),
  ]);
  return { owners: owners.map((a) => getAddress(a)), threshold: Number(threshold) };
}

async function observeTimelock(client: PublicClient, name: string, address: Address, o: ObserveOptions) {
  if (!(await hasCode(client, address))) return undefined;
  const deployBlock = await creationBlock(client, name, address, o);
  const [minDelay, roles] = await Promise.all([
    client.readContract({ address, abi: timelockControllerAbi, functionName: "getMinDelay" }),
    roleHolders(client, address, deployBlock, o),
  ]);
  return { deployBlock, minDelay, roles };
}

async function observeBridged(client: PublicClient, address: Address): Promise<BridgedTokenState | undefined> {
  if (!(await hasCode(client, address))) return undefined;
  const read = <F extends "GATEWAY" | "HOME_TOKEN" | "HOME_CHAIN_ID" | "decimals">(functionName: F) =>
    client.readContract({ address, abi: bridgedTokenAbi, functionName });
  const [gateway, homeToken, homeChainId, decimals] = await Promise.all([
    read("GATEWAY"),
    read("HOME_TOKEN"),
    read("HOME_CHAIN_ID"),
    read("decimals"),
  ]);
  return { gateway: getAddress(gateway), homeToken: getAddress(homeToken), homeChainId, decimals };
}

const GATEWAY_HISTORY_EVENTS = bridgeGatewayAbi.filter(
  (x): x is Extract<(typeof bridgeGatewayAbi)[number], { type: "event" }> =>
    x.type === "event" && ["RouteSet", "TokenRegistered", "RoleGranted", "RoleRevoked"].includes(x.name),
);

async function observeGateway(
  desired: Desired,
  name: string,
  client: PublicClient,
  o: ObserveOptions,
): Promise<GatewayState | undefined> {
  const address = desired.gateway.address;
  if (!(await hasCode(client, address))) return undefined;
  const deployBlock = await creationBlock(client, name, address, o);
  const logs = await logsSince(client, address, GATEWAY_HISTORY_EVENTS, deployBlock, o);
  const routeIds = new Set(desired.l2s.filter((c) => c.name !== name).map((c) => c.chainId));
  const identities = new Map(
    desired.tokens.map((t) => [tokenKey({ tokenChainId: BigInt(t.homeChainId), token: t.homeToken }), t] as const),
  );
  const homeTokens = new Map([...identities].map(([k, t]) => [k, [BigInt(t.homeChainId), t.homeToken] as const]));
  for (const log of logs) {
    if (log.eventName === "RouteSet") routeIds.add(Number(log.args.chainId));
    if (log.eventName === "TokenRegistered") {
      const id = [log.args.homeChainId as bigint, getAddress(log.args.homeToken as Address)] as const;
      homeTokens.set(tokenKey({ tokenChainId: id[0], token: id[1] }), id);
    }
  }
  const gw = new Gateway(address, client);
  const feeDests = desired.l2s.filter((c) => c.name !== name).map((c) => c.chainId);
  const [set, largeDelay, windows, paused, escape, fees, feeBeneficiary, routes, tokens] = await Promise.all([
    gw.currentGuardianSet(),
    gw.largeDelay(),
    gw.deadlineWindows(),
    gw.paused(),
    gw.escapeConfig(),
    Promise.all(feeDests.map(async (id) => [id, feeConfigOnChain(await gw.feeConfig(id))] as const)),
    gw.feeBeneficiary(),
    Promise.all([...routeIds].map(async (id) => [id, await gw.route(id)] as const)),
    Promise.all(
      [...homeTokens].map(
        async ([key, [chainId, home]]) => [key, await observeGatewayToken(gw, chainId, home)] as const,
      ),
    ),
  ]);
  return {
    deployBlock,
    guardianSetIndex: set.index,
    guardians: set.guardians.map((g) => getAddress(g)),
    threshold: set.threshold,
    largeDelay,
    deadlineWindows: { min: windows.minSeconds, default: windows.defaultSeconds, max: windows.maxSeconds },
    paused,
    routes: new Map(routes.map(([id, r]) => [id, { gateway: getAddress(r.gateway), enabled: r.enabled }])),
    tokens: new Map(tokens.filter((t): t is readonly [string, GatewayToken] => t[1] !== undefined)),
    escape: {
      messenger: getAddress(escape.messenger),
      escapeHatch: getAddress(escape.escapeHatch),
      tokenBridge: getAddress(escape.tokenBridge),
    },
    fees: new Map(fees),
    feeBeneficiary: getAddress(feeBeneficiary),
    roles: replayRoles(logs),
  };
}

/** The `FeeConfig` fields of a `feeConfig(dest)` read (without the updater's hour window). */
function feeConfigOnChain(c: FeeConfig & Record<string, unknown>): FeeConfig {
  return {
    gasPrice: c.gasPrice,
    exchangeRate: c.exchangeRate,
    gasPerMessage: c.gasPerMessage,
    flatFee: c.flatFee,
    minGasPrice: c.minGasPrice,
    maxGasPrice: c.maxGasPrice,
    minExchangeRate: c.minExchangeRate,
    maxExchangeRate: c.maxExchangeRate,
    maxChangePerUpdateBps: c.maxChangePerUpdateBps,
    maxChangePerHourBps: c.maxChangePerHourBps,
    dropOffCap: c.dropOffCap,
  };
}

async function observeGatewayToken(gw: Gateway, homeChainId: bigint, home: Address): Promise<GatewayToken | undefined> {
  const [inbound, inBucket, outBucket] = await Promise.all([
    gw.inboundToken(homeChainId, home),
    gw.rateLimit(homeChainId, home, "inbound"),
    gw.rateLimit(homeChainId, home, "outbound"),
  ]);
  if (!inbound.registered) return undefined;
  return {
    local: getAddress(inbound.local),
    isHome: inbound.isHome,
    fastLimit: inbound.fastLimit,
    inbound: { capacity: inBucket.capacity, refillPerSecond: inBucket.refillPerSecond },
    outbound: { capacity: outBucket.capacity, refillPerSecond: outBucket.refillPerSecond },
  };
}

const ROLE_EVENTS = timelockControllerAbi.filter(
  (x): x is Extract<(typeof timelockControllerAbi)[number], { type: "event" }> =>
    x.type === "event" && (x.name === "RoleGranted" || x.name === "RoleRevoked"),
);

/** Holders of every role of an AccessControl contract, replayed from its events. */
export async function roleHolders(
  client: PublicClient,
  address: Address,
  fromBlock: number,
  o: ObserveOptions = {},
): Promise<RoleHolders> {
  return replayRoles(await logsSince(client, address, ROLE_EVENTS, fromBlock, o));
}

interface DecodedLog {
  eventName?: string;
  args: Record<string, unknown>;
}

function replayRoles(logs: readonly DecodedLog[]): RoleHolders {
  const holders: RoleHolders = new Map();
  for (const log of logs) {
    if (log.eventName !== "RoleGranted" && log.eventName !== "RoleRevoked") continue;
    const role = log.args.role as Hex;
    const set = holders.get(role) ?? new Set<Address>();
    if (log.eventName === "RoleGranted") set.add(getAddress(log.args.account as Address));
    else set.delete(getAddress(log.args.account as Address));
    holders.set(role, set);
  }
  return holders;
}

/** Logs of `events` from `address` since `fromBlock`, in order, in ranges of `logRange` blocks. */
async function logsSince(
  client: PublicClient,
  address: Address,
  events: readonly AbiEvent[],
  fromBlock: number,
  o: ObserveOptions,
): Promise<DecodedLog[]> {
  const latest = await client.getBlockNumber({ cacheTime: 0 });
  const range = BigInt(o.logRange ?? 50_000);
  const out: DecodedLog[] = [];
  for (let from = BigInt(fromBlock); from <= latest; from += range) {
    const to = from + range - 1n < latest ? from + range - 1n : latest;
    const logs = await client.getLogs({ address, events, fromBlock: from, toBlock: to, strict: true });
    out.push(...(logs as unknown as DecodedLog[]));
  }
  return out;
}

/**
 * The block `address` was created in: a previous manifest's record, else a binary search over
 * `eth_getCode` at past blocks (needs an RPC that serves historical state; say so if it does not).
 */
export async function creationBlock(
  client: PublicClient,
  chain: string,
  address: Address,
  o: ObserveOptions = {},
): Promise<number> {
  const known = o.knownBlock?.(chain, address);
  if (known !== undefined) return known;
  let lo = 0n;
  let hi = await client.getBlockNumber({ cacheTime: 0 });
  try {
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      const code = await client.getCode({ address, blockNumber: mid });
      if ((code ?? "0x").length > 2) hi = mid;
      else lo = mid + 1n;
    }
  } catch (e) {
    throw new Error(
      `${chain}: cannot find the block ${address} was created in: the RPC does not serve past state ` +
        `(${(e as Error).message.split("\n")[0]}); use an archive RPC, or pass the manifest of a previous apply with --manifest`,
    );
  }
  return Number(lo);
}

/** The token facts a config needs from each home chain (name, decimals); refuses a missing token. */
export async function readTokenFacts(
  config: DeployConfig,
  clients: Record<string, PublicClient>,
): Promise<Record<string, { name: string; decimals: number }>> {
  const erc20 = [
    { type: "function", name: "name", stateMutability: "view", inputs: [], outputs: [{ type: "string" }] },
    { type: "function", name: "decimals", stateMutability: "view", inputs: [], outputs: [{ type: "uint8" }] },
  ] as const;
  const problems: string[] = [];
  const facts = await Promise.all(
    config.tokens.map(async (t, i) => {
      const client = clients[t.home]!;
      if (!(await hasCode(client, t.address))) {
        problems.push(`tokens.${i}.address: no contract at ${t.address} on ${t.home}`);
        return undefined;
      }
      try {
        const [name, decimals] = await Promise.all([
          client.readContract({ address: t.address, abi: erc20, functionName: "name" }),
          client.readContract({ address: t.address, abi: erc20, functionName: "decimals" }),
        ]);
        return [t.symbol, { name, decimals }] as const;
      } catch {
        problems.push(`tokens.${i}.address: ${t.address} on ${t.home} does not answer name() and decimals()`);
        return undefined;
      }
    }),
  );
  if (problems.length) {
    throw new DeployConfigError(`the config's tokens do not match the chains:\n  ${problems.join("\n  ")}`);
  }
  return Object.fromEntries(facts.filter((f) => f !== undefined));
}
