/**
 * Low-level contract helpers: typed gateway writes, role ids and the token limits type the
 * deployment engine (`deploy/engine.ts`) shares, and the direct (CREATE) deployment the
 * in-process unit tests and the gas benchmark use, where each chain's deployer keeps
 * GOVERNOR_ROLE. Real networks and the devnet deploy through the engine instead: same addresses
 * on every chain, governance handed over (docs/deploy.md).
 */
import { getAddress, keccak256, stringToHex } from "viem";
import type {
  Account,
  Address,
  Chain,
  ContractFunctionArgs,
  ContractFunctionName,
  Hex,
  PublicClient,
  Transport,
  WalletClient,
} from "viem";
import {
  bridgeGatewayAbi,
  bridgeGatewayBytecode,
  bridgeGatewayAdminAbi,
  bridgeGatewayAdminBytecode,
  bridgedTokenAbi,
  bridgedTokenBytecode,
  testTokenAbi,
  testTokenBytecode,
} from "../core/generated/abis.js";
import { sortGuardians } from "../core/attestation.js";

export type Wallet = WalletClient<Transport, Chain, Account>;

/** Sends a transaction and waits for it, failing loudly on a revert. */
export async function confirm(publicClient: PublicClient, hash: Hex) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

/** Waits for a deployment transaction and returns the created contract's address. */
export async function deployed(publicClient: PublicClient, hash: Hex): Promise<Address> {
  const receipt = await confirm(publicClient, hash);
  if (!receipt.contractAddress) throw new Error(`deployment ${hash} created no contract`);
  return getAddress(receipt.contractAddress);
}

export interface GatewayParams {
  governor: Address;
  guardians: readonly Address[];
  threshold: number;
  largeDelaySeconds: number;
}

/**
 * Deploys a gateway: its admin module (`BridgeGatewayAdmin`, which deploys the views module),
 * unless `adminModule` names one already on the chain, then the gateway over it.
 */
export async function deployGateway(
  wallet: Wallet,
  publicClient: PublicClient,
  p: GatewayParams & { adminModule?: Address },
) {
  const adminModule = p.adminModule ?? (await deployGatewayAdmin(wallet, publicClient));
  const hash = await wallet.deployContract({
    abi: bridgeGatewayAbi,
    bytecode: bridgeGatewayBytecode,
    args: [p.governor, sortGuardians(p.guardians), p.threshold, p.largeDelaySeconds, adminModule],
  });
  return deployed(publicClient, hash);
}

/** Deploys the gateway's admin module (stateless code any number of gateways can share). */
export async function deployGatewayAdmin(wallet: Wallet, publicClient: PublicClient) {
  const hash = await wallet.deployContract({ abi: bridgeGatewayAdminAbi, bytecode: bridgeGatewayAdminBytecode });
  return deployed(publicClient, hash);
}

export async function deployTestToken(
  wallet: Wallet,
  publicClient: PublicClient,
  name: string,
  symbol: string,
  decimals = 18,
) {
  const hash = await wallet.deployContract({
    abi: testTokenAbi,
    bytecode: testTokenBytecode,
    args: [name, symbol, decimals],
  });
  return deployed(publicClient, hash);
}

export interface BridgedTokenParams {
  name: string;
  symbol: string;
  decimals: number;
  gateway: Address;
  homeToken: Address;
  homeChainId: bigint;
}

export async function deployBridgedToken(wallet: Wallet, publicClient: PublicClient, p: BridgedTokenParams) {
  const hash = await wallet.deployContract({
    abi: bridgedTokenAbi,
    bytecode: bridgedTokenBytecode,
    args: [p.name, p.symbol, p.decimals, p.gateway, p.homeToken, p.homeChainId],
  });
  return deployed(publicClient, hash);
}

/** Token limits as governance sets them on one gateway. */
export interface TokenLimits {
  fastLimit: bigint;
  inbound: { capacity: bigint; refillPerSecond: bigint };
  outbound: { capacity: bigint; refillPerSecond: bigint };
}

export const UNLIMITED = (1n << 96n) - 1n;

type GatewayWrite = ContractFunctionName<typeof bridgeGatewayAbi, "nonpayable">;

/** Calls a state-changing gateway function and waits for it; arguments are checked against the ABI. */
async function writeGateway<F extends GatewayWrite>(
  wallet: Wallet,
  publicClient: PublicClient,
  gateway: Address,
  functionName: F,
  args: ContractFunctionArgs<typeof bridgeGatewayAbi, "nonpayable", F>,
) {
  const request = { address: gateway, abi: bridgeGatewayAbi, functionName, args };
  // viem cannot narrow its overloads for a generic function name; the signature above is typed.
  return confirm(publicClient, await wallet.writeContract(request as Parameters<Wallet["writeContract"]>[0]));
}

/**
 * Registers `local` for the token identity (`homeChainId`, `homeToken`) on a gateway and sets its
 * limits (caller is the governor).
 */
export async function registerToken(
  wallet: Wallet,
  publicClient: PublicClient,
  gateway: Address,
  homeChainId: bigint,
  homeToken: Address,
  local: Address,
  limits: TokenLimits,
) {
  await writeGateway(wallet, publicClient, gateway, "registerToken", [homeChainId, homeToken, local]);
  await writeGateway(wallet, publicClient, gateway, "setFastLimit", [homeChainId, homeToken, limits.fastLimit]);
  const { inbound, outbound } = limits;
  for (const [direction, bucket] of [
    [0, inbound],
    [1, outbound],
  ] as const) {
    await writeGateway(wallet, publicClient, gateway, "setRateLimit", [
      homeChainId,
      homeToken,
      direction,
      bucket.capacity === UNLIMITED ? MAX_UINT256 : bucket.capacity,
      bucket.refillPerSecond,
    ]);
  }
}

/** `type(uint256).max`: an unlimited bucket in `setRateLimit`. */
const MAX_UINT256 = 2n ** 256n - 1n;

/** Enables the route from `gateway` to the gateway on `remoteChainId` (caller is the governor). */
export async function setRoute(
  wallet: Wallet,
  publicClient: PublicClient,
  gateway: Address,
  remoteChainId: bigint,
  remoteGateway: Address,
) {
  await writeGateway(wallet, publicClient, gateway, "setRoute", [remoteChainId, remoteGateway, true]);
}

/** Role ids of `BridgeGateway` (keccak256 of the role names, as the contract defines them). */
export const GATEWAY_ROLES = {
  governor: keccak256(stringToHex("GOVERNOR_ROLE")),
  pauser: keccak256(stringToHex("PAUSER_ROLE")),
  vetoer: keccak256(stringToHex("VETO_ROLE")),
  feeUpdater: keccak256(stringToHex("FEE_UPDATER_ROLE")),
} as const;

/** Grants `role` on a gateway to `account` (caller is the governor). */
export async function grantRole(
  wallet: Wallet,
  publicClient: PublicClient,
  gateway: Address,
  role: Hex,
  account: Address,
) {
  await writeGateway(wallet, publicClient, gateway, "grantRole", [role, account]);
}

/** One L2 of a bridge: the key that deploys there and governs during set-up, and its client. */
export interface BridgeChainTarget {
  name: string;
  wallet: Wallet;
  publicClient: PublicClient;
}

/** A bridged token: its home token on its home L2, a `BridgedToken` on every other one. */
export interface BridgeTokenSpec {
  symbol: string;
  name: string;
  decimals: number;
  /** Name of the target where the token is canonical. */
  home: string;
  /** Limits set on every gateway. */
  limits: TokenLimits;
}

export interface BridgeContractsParams {
  guardians: readonly Address[];
  threshold: number;
  largeDelaySeconds: number;
  tokens: readonly BridgeTokenSpec[];
  /** Granted PAUSER_ROLE on every gateway (security council, monitor). */
  pausers?: readonly Address[];
  /** Granted VETO_ROLE on every gateway (security council, monitor). */
  vetoers?: readonly Address[];
}

/** What `deployBridgeContracts` deployed; shaped like the manifest's `chains` and `tokens` fields. */
export interface BridgeContracts {
  gateways: Record<string, { chainId: number; address: Address; deployBlock: number }>;
  tokens: {
    symbol: string;
    name: string;
    decimals: number;
    homeChainId: number;
    homeToken: Address;
    /** Local token address per chain id (as a decimal string); the home token on its home chain. */
    addresses: Record<string, Address>;
  }[];
}

/**
 * Deploys a whole bridge through clients the caller built (in-process Hardhat chains in unit
 * tests): a gateway per L2, home and bridged tokens, routes between every
 * pair, token registrations with limits, and the pauser and veto roles. Chains are set up in
 * parallel; the deployer of each chain keeps GOVERNOR_ROLE.
 */
export async function deployBridgeContracts(
  targets: readonly BridgeChainTarget[],
  params: BridgeContractsParams,
): Promise<BridgeContracts> {
  const chainIds = await Promise.all(targets.map((t) => t.publicClient.getChainId()));
  const byName = new Map(targets.map((t, i) => [t.name, { ...t, chainId: chainIds[i]! }]));
  if (byName.size !== targets.length) throw new Error("deployBridgeContracts: chain names must be unique");
  for (const spec of params.tokens) {
    if (!byName.has(spec.home)) throw new Error(`token ${spec.symbol}: home "${spec.home}" is not a target`);
  }
  const chains = [...byName.values()];

  const gateways: BridgeContracts["gateways"] = {};
  await Promise.all(
    chains.map(async (chain) => {
      const deployBlock = Number(await chain.publicClient.getBlockNumber());
      const address = await deployGateway(chain.wallet, chain.publicClient, {
        governor: chain.wallet.account.address,
        guardians: params.guardians,
        threshold: params.threshold,
        largeDelaySeconds: params.largeDelaySeconds,
      });
      gateways[chain.name] = { chainId: chain.chainId, address, deployBlock };
    }),
  );

  // Token by token: its home copy, then a BridgedToken on every other chain. A token's identity
  // in messages is (home chain id, home address), so two home tokens at one address on two
  // chains (likely with one deployer key) are two tokens.
  const tokens: BridgeContracts["tokens"] = [];
  for (const { symbol, name, decimals, home: homeName } of params.tokens) {
    const home = byName.get(homeName)!;
    const homeToken = await deployTestToken(home.wallet, home.publicClient, name, symbol, decimals);
    const token = {
      symbol,
      name,
      decimals,
      homeChainId: home.chainId,
      homeToken,
      addresses: { [home.chainId]: homeToken },
    };
    await Promise.all(
      chains
        .filter((chain) => chain.chainId !== home.chainId)
        .map(async (chain) => {
          token.addresses[chain.chainId] = await deployBridgedToken(chain.wallet, chain.publicClient, {
            name: `${name} (Portcullis)`,
            symbol,
            decimals,
            gateway: gateways[chain.name]!.address,
            homeToken,
            homeChainId: BigInt(home.chainId),
          });
        }),
    );
    tokens.push(token);
  }

  await Promise.all(
    chains.map(async ({ name, wallet, publicClient, chainId }) => {
      const gateway = gateways[name]!.address;
      for (const other of chains.filter((c) => c.name !== name)) {
        await setRoute(wallet, publicClient, gateway, BigInt(other.chainId), gateways[other.name]!.address);
      }
      for (const [i, token] of tokens.entries()) {
        await registerToken(
          wallet,
          publicClient,
          gateway,
          BigInt(token.homeChainId),
          token.homeToken,
          token.addresses[chainId]!,
          params.tokens[i]!.limits,
        );
      }
      const grants = [
        ...(params.pausers ?? []).map((account) => [GATEWAY_ROLES.pauser, account] as const),
        ...(params.vetoers ?? []).map((account) => [GATEWAY_ROLES.vetoer, account] as const),
      ];
      for (const [role, account] of grants) await grantRole(wallet, publicClient, gateway, role, account);
    }),
  );
  return { gateways, tokens };
}
