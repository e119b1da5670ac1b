/**
 * Deploys a whole bridge over JSON-RPC — a gateway per L2, home and bridged tokens, routes
 * between every pair of L2s, limits, the monitor's PAUSER/VETO roles, then governance on every
 * chain (council Safe + timelock, `deploy/governance.ts`), which takes GOVERNOR_ROLE from the
 * deployer — and returns the deployment manifest every service and the CLI read. The devnet and
 * the integration tests both deploy through this function.
 */
import { privateKeyToAccount } from "viem/accounts";
import { parseUnits, type Hex } from "viem";
import { testTokenAbi } from "../core/generated/abis.js";
import { publicClientFor, walletClientFor } from "../core/chains.js";
import { parseManifest, type Manifest } from "../core/manifest.js";
import { sortGuardians } from "../core/attestation.js";
import { confirm, deployBridgeContracts, type TokenLimits } from "./contracts.js";
import { DEFAULT_ESCAPE_TIMING, deployGovernance, escapeDurationSeconds } from "./governance.js";

export interface ChainInput {
  name: string;
  chainId: number;
  rpcUrl: string;
  kind: "l1" | "l2";
  confirmations: number;
}

export interface TokenInput {
  symbol: string;
  name: string;
  decimals: number;
  /** Name of the L2 where the token is canonical. */
  home: string;
  /** Whole tokens minted to each user key on the home chain, for demos and tests. */
  faucetPerUser: string;
}

export interface BridgeDeployInput {
  network: string;
  chains: ChainInput[];
  deployerKey: Hex;
  monitorKey: Hex;
  guardianKeys: Hex[];
  guardianUrls: string[];
  threshold: number;
  /** Guardians operators run on standby (not in the initial set): listed in the guardian directory. */
  standbyGuardianKeys?: Hex[];
  standbyGuardianUrls?: string[];
  /** Owners of the council Safe on every chain, and how many must sign. */
  councilKeys: Hex[];
  councilThreshold: number;
  /** The timelock's delay; default (and floor): `escapeDurationSeconds`. */
  governanceDelaySeconds?: number;
  /** Lets a delay below the escape duration through, with a loud warning (devnet only). */
  allowShortGovernanceDelay?: boolean;
  /** The rollups' L2→L1 finalization window (default 7 days); part of the escape duration. */
  finalizationWindowSeconds?: number;
  relayerKeys: Hex[];
  userKeys: Hex[];
  tokens: TokenInput[];
  largeDelaySeconds: number;
  /** Limits in whole tokens (scaled by each token's decimals). */
  limits: {
    fast: string;
    inboundCapacity: string;
    inboundPerSecond: string;
    outboundCapacity: string;
    outboundPerSecond: string;
  };
  /** Include the keys in the manifest (devnet only). */
  includeDevKeys: boolean;
}

export async function deployBridge(input: BridgeDeployInput): Promise<Manifest> {
  const deployer = privateKeyToAccount(input.deployerKey);
  const monitor = privateKeyToAccount(input.monitorKey);
  const guardianAddresses = input.guardianKeys.map((k) => privateKeyToAccount(k).address);
  const l2s = input.chains.filter((c) => c.kind === "l2");
  const targets = l2s.map((c) => ({
    name: c.name,
    wallet: walletClientFor({ ...c }, deployer),
    publicClient: publicClientFor({ ...c }),
  }));

  const deployed = await deployBridgeContracts(targets, {
    guardians: guardianAddresses,
    threshold: input.threshold,
    largeDelaySeconds: input.largeDelaySeconds,
    tokens: input.tokens.map((t) => ({ ...t, limits: scaledLimits(input, t.decimals) })),
    pausers: [monitor.address],
    vetoers: [monitor.address],
  });

  // Faucet balances of every home token for the dev users.
  for (const [i, t] of input.tokens.entries()) {
    const token = deployed.tokens[i]!;
    const home = targets.find((x) => x.name === t.home)!;
    for (const key of input.userKeys) {
      await confirm(
        home.publicClient,
        await home.wallet.writeContract({
          address: token.homeToken,
          abi: testTokenAbi,
          functionName: "mint",
          args: [privateKeyToAccount(key).address, parseUnits(t.faucetPerUser, t.decimals)],
        }),
      );
    }
  }

  const escape = { ...DEFAULT_ESCAPE_TIMING, finalizationWindow: input.finalizationWindowSeconds ?? 7 * 86_400 };
  const governance = await deployGovernance(
    input.chains.map((c) => ({
      ...c,
      wallet: walletClientFor({ ...c }, deployer),
      publicClient: publicClientFor({ ...c }),
      gateway: deployed.gateways[c.name]?.address,
    })),
    {
      deployerKey: input.deployerKey,
      councilOwners: input.councilKeys.map((k) => privateKeyToAccount(k).address),
      councilThreshold: input.councilThreshold,
      delaySeconds: input.governanceDelaySeconds ?? escapeDurationSeconds(escape),
      escape,
      allowShortGovernanceDelay: input.allowShortGovernanceDelay,
      pausersAndVetoers: [monitor.address],
    },
  );
  const initialSet = sortGuardians(guardianAddresses).map((address) => ({
    address,
    url: input.guardianUrls[guardianAddresses.indexOf(address)]!,
  }));

  return parseManifest({
    version: 1,
    network: input.network,
    chains: input.chains.map((c) => {
      const gateway = deployed.gateways[c.name];
      const chain = { ...c, governance: governance[c.name] };
      return gateway ? { ...chain, gateway: gateway.address, deployBlock: gateway.deployBlock } : chain;
    }),
    guardianSet: { index: 0, threshold: input.threshold, guardians: initialSet },
    guardianDirectory: [
      ...initialSet,
      ...(input.standbyGuardianKeys ?? []).map((k, i) => ({
        address: privateKeyToAccount(k).address,
        url: input.standbyGuardianUrls![i]!,
      })),
    ],
    tokens: deployed.tokens,
    params: { largeDelaySeconds: input.largeDelaySeconds },
    roles: Object.fromEntries(
      l2s.map((c) => {
        const { timelock, safe } = governance[c.name]!;
        return [c.name, { governor: timelock, pausers: [safe, monitor.address], vetoers: [safe, monitor.address] }];
      }),
    ),
    ...(input.includeDevKeys
      ? {
          devKeys: {
            deployer: input.deployerKey,
            monitor: input.monitorKey,
            council: input.councilKeys,
            guardians: input.guardianKeys,
            standbyGuardians: input.standbyGuardianKeys ?? [],
            relayers: input.relayerKeys,
            users: input.userKeys,
          },
        }
      : {}),
  });
}

function scaledLimits(input: BridgeDeployInput, decimals: number): TokenLimits {
  const u = (v: string) => parseUnits(v, decimals);
  return {
    fastLimit: u(input.limits.fast),
    inbound: { capacity: u(input.limits.inboundCapacity), refillPerSecond: u(input.limits.inboundPerSecond) },
    outbound: { capacity: u(input.limits.outboundCapacity), refillPerSecond: u(input.limits.outboundPerSecond) },
  };
}
