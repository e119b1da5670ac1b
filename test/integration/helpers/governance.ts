/**
 * Governance the way the deployment grants it: every gateway parameter change and every unpause
 * goes propose (council Safe, threshold signatures) → wait out the timelock delay (the devnet's
 * short one) → execute. Integration tests use this instead of a governor key, because no key
 * holds GOVERNOR_ROLE.
 */
import { encodeFunctionData, type ContractFunctionArgs, type ContractFunctionName, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { walletClientFor } from "../../../core/chains.js";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import type { Manifest } from "../../../core/manifest.js";
import { Council, MemoryCouncilStore } from "@portcullis/sdk/council";

type GatewayWrite = ContractFunctionName<typeof bridgeGatewayAbi, "nonpayable">;

/** A Council over `manifest` with a throwaway signature store. */
export function devCouncil(manifest: Manifest): Council {
  return new Council(manifest, new MemoryCouncilStore());
}

/** The dev council keys that reach the Safe threshold. */
export function councilKeys(manifest: Manifest): Hex[] {
  const keys = (manifest.devKeys?.council ?? []) as Hex[];
  if (keys.length === 0) throw new Error("the manifest has no dev council keys");
  return keys;
}

/** The dev council owners as signers (accounts over their keys). */
export function councilSigners(manifest: Manifest): PrivateKeyAccount[] {
  return councilKeys(manifest).map((key) => privateKeyToAccount(key));
}

/** Calls `functionName(args)` on the gateway of `chainName` through the Safe and the timelock. */
export async function govern<F extends GatewayWrite>(
  manifest: Manifest,
  chainName: string,
  functionName: F,
  args?: ContractFunctionArgs<typeof bridgeGatewayAbi, "nonpayable", F>,
): Promise<Hex> {
  const council = devCouncil(manifest);
  const chain = council.chain(chainName);
  const data = encodeFunctionData({ abi: bridgeGatewayAbi, functionName, args } as Parameters<
    typeof encodeFunctionData
  >[0]);
  // Owners sign both ways the engine takes: the first as a viem account, the others through a
  // wallet client on the chain (as a browser wallet would).
  const [first, ...others] = councilSigners(manifest);
  const signers = [first!, ...others.map((account) => walletClientFor(chain, account))];
  return council.enact(
    chain,
    [{ target: chain.gateway!, data, description: `${chainName}: ${functionName}` }],
    signers,
  );
}
