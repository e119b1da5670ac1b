/**
 * Deploys what the escape hatch rides on: each L2's canonical messaging (the simulated rollup of
 * the devnet: a messenger on the L2, a portal on L1), a canonical token bridge per rollup, the L1
 * `EscapeHatch`, and the one-time wiring of every gateway to them.
 *
 * Order matters and is fixed by `deployBridge`: rollups first (home tokens with an L1 origin are
 * canonical L2 tokens of their rollup's bridge, so the bridge must exist before the tokens), then
 * gateways and tokens, then the escape hatch (it registers the gateways) and `initializeEscape`
 * on each gateway (while the deployer still holds GOVERNOR: it is callable once, ever).
 */
import type { Address, PublicClient } from "viem";
import {
  bridgeGatewayAbi,
  canonicalL2TokenAbi,
  canonicalL2TokenBytecode,
  escapeHatchAbi,
  escapeHatchBytecode,
  l1TokenBridgeAbi,
  l1TokenBridgeBytecode,
  l2TokenBridgeAbi,
  l2TokenBridgeBytecode,
  simL2MessengerAbi,
  simL2MessengerBytecode,
  simRollupPortalAbi,
  simRollupPortalBytecode,
} from "../core/generated/abis.js";
import { confirm, deployed, type Wallet } from "./contracts.js";

export interface DeployTarget {
  name: string;
  chainId: number;
  wallet: Wallet;
  publicClient: PublicClient;
}

/** One rollup's canonical messaging and token bridge, on both layers. */
export interface RollupContracts {
  /** On the L2. */
  messenger: Address;
  tokenBridge: Address;
  /** On L1. */
  portal: Address;
  l1TokenBridge: Address;
  finalizationSeconds: number;
}

export interface RollupRoles {
  /** Posts output roots to this rollup's portal on L1 (one key per rollup: L1 nonces). */
  proposer: Address;
  /** Relays L1→L2 deposits on this rollup. */
  sequencer: Address;
}

/**
 * Deploys the simulated rollup of one L2: messenger (L2), portal (L1), and the pair of canonical
 * token bridges, initialized to point at each other. Two deployments and one call on the L2, so
 * every L2 advances its deployer nonce identically (see `deployBridgeContracts`).
 */
export async function deployRollup(
  l1: DeployTarget,
  l2: DeployTarget,
  roles: RollupRoles,
  finalizationSeconds: number,
): Promise<RollupContracts> {
  const messenger = await deployed(
    l2.publicClient,
    await l2.wallet.deployContract({
      abi: simL2MessengerAbi,
      bytecode: simL2MessengerBytecode,
      args: [roles.sequencer],
    }),
  );
  const tokenBridge = await deployed(
    l2.publicClient,
    await l2.wallet.deployContract({ abi: l2TokenBridgeAbi, bytecode: l2TokenBridgeBytecode, args: [messenger] }),
  );
  const portal = await deployed(
    l1.publicClient,
    await l1.wallet.deployContract({
      abi: simRollupPortalAbi,
      bytecode: simRollupPortalBytecode,
      args: [BigInt(l2.chainId), roles.proposer, BigInt(finalizationSeconds)],
    }),
  );
  const l1TokenBridge = await deployed(
    l1.publicClient,
    await l1.wallet.deployContract({ abi: l1TokenBridgeAbi, bytecode: l1TokenBridgeBytecode, args: [portal] }),
  );
  await confirm(
    l2.publicClient,
    await l2.wallet.writeContract({
      address: tokenBridge,
      abi: l2TokenBridgeAbi,
      functionName: "initialize",
      args: [l1TokenBridge],
    }),
  );
  await confirm(
    l1.publicClient,
    await l1.wallet.writeContract({
      address: l1TokenBridge,
      abi: l1TokenBridgeAbi,
      functionName: "initialize",
      args: [tokenBridge],
    }),
  );
  return { messenger, tokenBridge, portal, l1TokenBridge, finalizationSeconds };
}

/** Deploys the canonical L2 representation of `l1Token`, minted only by the rollup's bridge. */
export async function deployCanonicalToken(
  l2: DeployTarget,
  rollup: RollupContracts,
  l1Token: Address,
  token: { name: string; symbol: string; decimals: number },
): Promise<Address> {
  return deployed(
    l2.publicClient,
    await l2.wallet.deployContract({
      abi: canonicalL2TokenAbi,
      bytecode: canonicalL2TokenBytecode,
      args: [token.name, token.symbol, token.decimals, rollup.tokenBridge, l1Token],
    }),
  );
}

/** Deploys the L1 escape hatch over every (L2, portal, gateway). */
export async function deployEscapeHatch(
  l1: DeployTarget,
  entries: readonly { chainId: number; portal: Address; gateway: Address }[],
): Promise<Address> {
  return deployed(
    l1.publicClient,
    await l1.wallet.deployContract({
      abi: escapeHatchAbi,
      bytecode: escapeHatchBytecode,
      args: [entries.map((e) => BigInt(e.chainId)), entries.map((e) => e.portal), entries.map((e) => e.gateway)],
    }),
  );
}

/** Wires a gateway to its rollup and the escape hatch (once, by the governor). */
export async function initializeGatewayEscape(
  l2: DeployTarget,
  gateway: Address,
  rollup: RollupContracts,
  escapeHatch: Address,
): Promise<void> {
  await confirm(
    l2.publicClient,
    await l2.wallet.writeContract({
      address: gateway,
      abi: bridgeGatewayAbi,
      functionName: "initializeEscape",
      args: [rollup.messenger, escapeHatch, rollup.tokenBridge],
    }),
  );
}

/** What `deployBridge` records in the manifest for the escape hatch. */
export interface EscapeDeployment {
  /** Per L2 name. */
  rollups: Record<string, RollupContracts>;
  escapeHatch: Address;
  /** L1 block the escape contracts start at (scans for their events begin here). */
  l1DeployBlock: number;
}

/**
 * Deploys every rollup (sequentially: all L1 deployments come from one deployer key, so they
 * must not race for its nonce). Returns per-L2 contracts for `deployBridgeContracts`' token
 * factories and `finishEscape`.
 */
export async function deployRollups(
  l1: DeployTarget,
  l2s: readonly DeployTarget[],
  roles: Record<string, RollupRoles>,
  finalizationSeconds: number,
): Promise<{ rollups: Record<string, RollupContracts>; l1DeployBlock: number }> {
  const l1DeployBlock = Number(await l1.publicClient.getBlockNumber());
  const rollups: Record<string, RollupContracts> = {};
  for (const l2 of l2s) {
    const r = roles[l2.name];
    if (!r) throw new Error(`deployRollups: no proposer/sequencer for ${l2.name}`);
    rollups[l2.name] = await deployRollup(l1, l2, r, finalizationSeconds);
  }
  return { rollups, l1DeployBlock };
}

/** Deploys the escape hatch over the deployed gateways and wires every gateway to it, once. */
export async function finishEscape(
  l1: DeployTarget,
  l2s: readonly DeployTarget[],
  rollups: Record<string, RollupContracts>,
  gateways: Record<string, { address: Address }>,
): Promise<Address> {
  const escapeHatch = await deployEscapeHatch(
    l1,
    l2s.map((l2) => ({ chainId: l2.chainId, portal: rollups[l2.name]!.portal, gateway: gateways[l2.name]!.address })),
  );
  await Promise.all(
    l2s.map((l2) => initializeGatewayEscape(l2, gateways[l2.name]!.address, rollups[l2.name]!, escapeHatch)),
  );
  return escapeHatch;
}
