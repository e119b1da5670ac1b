/**
 * Contract deployment steps shared by the devnet, the tests and the benchmarks: every caller
 * deploys through these functions, so what is tested is what the devnet runs.
 */
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import {
  bridgeGatewayAbi,
  bridgeGatewayBytecode,
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

async function deployed(publicClient: PublicClient, hash: Hex): Promise<Address> {
  const receipt = await confirm(publicClient, hash);
  if (!receipt.contractAddress) throw new Error(`deployment ${hash} created no contract`);
  return receipt.contractAddress;
}

export interface GatewayParams {
  governor: Address;
  guardians: readonly Address[];
  threshold: number;
  largeDelaySeconds: number;
}

export async function deployGateway(wallet: Wallet, publicClient: PublicClient, p: GatewayParams) {
  const hash = await wallet.deployContract({
    abi: bridgeGatewayAbi,
    bytecode: bridgeGatewayBytecode,
    args: [p.governor, sortGuardians(p.guardians), p.threshold, p.largeDelaySeconds],
  });
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

/** Registers `local` for `homeToken` on a gateway and sets its limits (caller is the governor). */
export async function registerToken(
  wallet: Wallet,
  publicClient: PublicClient,
  gateway: Address,
  homeToken: Address,
  local: Address,
  limits: TokenLimits,
) {
  const call = async (functionName: string, args: readonly unknown[]) =>
    confirm(
      publicClient,
      await wallet.writeContract({
        address: gateway,
        abi: bridgeGatewayAbi,
        functionName: functionName as "registerToken",
        args: args as never,
      }),
    );
  await call("registerToken", [homeToken, local]);
  await call("setFastLimit", [homeToken, limits.fastLimit]);
  await call("setRateLimit", [homeToken, 0, limits.inbound.capacity, limits.inbound.refillPerSecond]);
  await call("setRateLimit", [homeToken, 1, limits.outbound.capacity, limits.outbound.refillPerSecond]);
}

/** Enables the route from `gateway` to the gateway on `remoteChainId` (caller is the governor). */
export async function setRoute(
  wallet: Wallet,
  publicClient: PublicClient,
  gateway: Address,
  remoteChainId: bigint,
  remoteGateway: Address,
) {
  await confirm(
    publicClient,
    await wallet.writeContract({
      address: gateway,
      abi: bridgeGatewayAbi,
      functionName: "setRoute",
      args: [remoteChainId, remoteGateway, true],
    }),
  );
}
