/**
 * Deploys a whole bridge over JSON-RPC — a gateway per L2, home and bridged tokens, routes
 * between every pair of L2s, limits, the monitor's PAUSER/VETO roles, then governance on every
 * chain (council Safe + timelock, `deploy/governance.ts`), which takes GOVERNOR_ROLE from the
 * deployer — and returns the deployment manifest every service and the CLI read. The devnet and
 * the integration tests both deploy through this function.
 */
import { privateKeyToAccount } from "viem/accounts";
import { parseUnits, type Address, type Hex } from "viem";
import { bridgeGatewayAbi, l1TokenBridgeAbi, testTokenAbi } from "../core/generated/abis.js";
import { publicClientFor, walletClientFor } from "../core/chains.js";
import { parseManifest, type Manifest } from "../core/manifest.js";
import { sortGuardians } from "../core/attestation.js";
import { confirm, deployBridgeContracts, deployTestToken, type TokenLimits } from "./contracts.js";
import {
  deployCanonicalToken,
  deployRollups,
  finishEscape,
  type DeployTarget,
  type EscapeDeployment,
} from "./escape.js";
import { relayPendingDeposits } from "../rollup/sequencer.js";
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
  /**
   * Give the token an L1 origin: an L1 token whose canonical rollup copy (minted by the home
   * rollup's token bridge) is the home token. Needs `rollups`. The faucet then mints on L1 and
   * deposits through the canonical bridge, so every L2 token is backed by a real L1 token.
   */
  l1Origin?: boolean;
}

/** A simulated rollup's operator keys (devnet): posts output roots, relays deposits. */
export interface RollupKeys {
  proposer: Hex;
  sequencer: Hex;
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
  /**
   * Deploy each L2's simulated rollup with these operator keys (per L2 name), the L1 escape
   * hatch, and wire every gateway to them. Absent: no escape hatch (nothing else changes).
   */
  rollupKeys?: Record<string, RollupKeys>;
  /** How long sent messages stay deliverable, in seconds (gateway default: 60 s / 1 day / 30 days). */
  deadlineWindows?: { min: number; default: number; max: number };
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
  const deployTarget = (c: ChainInput): DeployTarget => ({
    name: c.name,
    chainId: c.chainId,
    wallet: walletClientFor({ ...c }, deployer),
    publicClient: publicClientFor({ ...c }),
  });
  const targets = l2s.map(deployTarget);
  const l1Input = input.chains.find((c) => c.kind === "l1");
  const l1 = l1Input ? deployTarget(l1Input) : undefined;

  // Canonical messaging first: a home token with an L1 origin is minted by its rollup's bridge.
  let escapeParts: Pick<EscapeDeployment, "rollups" | "l1DeployBlock"> | undefined;
  if (input.rollupKeys) {
    if (!l1) throw new Error("deployBridge: the escape hatch needs an L1 chain");
    const roles = Object.fromEntries(
      Object.entries(input.rollupKeys).map(([name, k]) => [
        name,
        { proposer: privateKeyToAccount(k.proposer).address, sequencer: privateKeyToAccount(k.sequencer).address },
      ]),
    );
    escapeParts = await deployRollups(l1, targets, roles, input.finalizationWindowSeconds ?? 7 * 86_400);
  }
  const l1Tokens: Record<string, Address> = {};

  const deployed = await deployBridgeContracts(targets, {
    guardians: guardianAddresses,
    threshold: input.threshold,
    largeDelaySeconds: input.largeDelaySeconds,
    tokens: input.tokens.map((t) => ({
      ...t,
      limits: scaledLimits(input, t.decimals),
      ...(t.l1Origin
        ? {
            deployHome: async () => {
              if (!l1 || !escapeParts) throw new Error(`token ${t.symbol}: an L1 origin needs rollupKeys`);
              const l1Token = await deployTestToken(l1.wallet, l1.publicClient, t.name, t.symbol, t.decimals);
              l1Tokens[t.symbol] = l1Token;
              const home = targets.find((x) => x.name === t.home)!;
              return deployCanonicalToken(home, escapeParts.rollups[t.home]!, l1Token, t);
            },
          }
        : {}),
    })),
    pausers: [monitor.address],
    vetoers: [monitor.address],
  });

  let escapeHatch: Address | undefined;
  if (l1 && escapeParts) {
    escapeHatch = await finishEscape(l1, targets, escapeParts.rollups, deployed.gateways);
  }
  if (input.deadlineWindows) {
    const w = input.deadlineWindows;
    await Promise.all(
      targets.map(async (t) =>
        confirm(
          t.publicClient,
          await t.wallet.writeContract({
            address: deployed.gateways[t.name]!.address,
            abi: bridgeGatewayAbi,
            functionName: "setDeadlineWindows",
            args: [w.min, w.default, w.max],
          }),
        ),
      ),
    );
  }

  // Faucet balances of every home token for the dev users: minted on the home L2, or, for a
  // token with an L1 origin, minted on L1 and deposited through the canonical bridge.
  for (const [i, t] of input.tokens.entries()) {
    const token = deployed.tokens[i]!;
    const home = targets.find((x) => x.name === t.home)!;
    const users = input.userKeys.map((k) => privateKeyToAccount(k).address);
    const perUser = parseUnits(t.faucetPerUser, t.decimals);
    const l1Token = l1Tokens[t.symbol];
    if (l1Token && l1 && escapeParts) {
      const rollup = escapeParts.rollups[t.home]!;
      await l1Write(l1, l1Token, testTokenAbi, "mint", [deployer.address, perUser * BigInt(users.length)]);
      await l1Write(l1, l1Token, testTokenAbi, "approve", [rollup.l1TokenBridge, perUser * BigInt(users.length)]);
      for (const user of users) {
        await l1Write(l1, rollup.l1TokenBridge, l1TokenBridgeAbi, "depositTo", [
          l1Token,
          token.homeToken,
          user,
          perUser,
        ]);
      }
      const homeInput = l2s.find((c) => c.name === t.home)!;
      await relayPendingDeposits(
        {
          l1Client: l1.publicClient,
          l2Client: home.publicClient,
          sequencerWallet: walletClientFor({ ...homeInput }, privateKeyToAccount(input.rollupKeys![t.home]!.sequencer)),
          portal: rollup.portal,
          messenger: rollup.messenger,
        },
        { rescanFromBlock: BigInt(escapeParts.l1DeployBlock) },
      );
      continue;
    }
    for (const user of users) {
      await confirm(
        home.publicClient,
        await home.wallet.writeContract({
          address: token.homeToken,
          abi: testTokenAbi,
          functionName: "mint",
          args: [user, perUser],
        }),
      );
    }
  }

  const escape = {
    ...DEFAULT_ESCAPE_TIMING,
    ...(input.deadlineWindows ? { defaultDeadlineWindow: input.deadlineWindows.default } : {}),
    finalizationWindow: input.finalizationWindowSeconds ?? 7 * 86_400,
  };
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
      const rollup = escapeParts?.rollups[c.name];
      const chain = { ...c, governance: governance[c.name], ...(rollup ? { rollup } : {}) };
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
    tokens: deployed.tokens.map((t) => (l1Tokens[t.symbol] ? { ...t, l1Token: l1Tokens[t.symbol] } : t)),
    params: { largeDelaySeconds: input.largeDelaySeconds },
    ...(escapeHatch && escapeParts ? { escape: { escapeHatch, l1DeployBlock: escapeParts.l1DeployBlock } } : {}),
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
            rollups: input.rollupKeys ?? {},
          },
        }
      : {}),
  });
}

/** An L1 write by the deployer, waited for. */
async function l1Write(
  l1: DeployTarget,
  address: Address,
  abi: typeof testTokenAbi | typeof l1TokenBridgeAbi,
  functionName: string,
  args: readonly unknown[],
) {
  const request = { address, abi, functionName, args } as Parameters<DeployTarget["wallet"]["writeContract"]>[0];
  await confirm(l1.publicClient, await l1.wallet.writeContract(request));
}

function scaledLimits(input: BridgeDeployInput, decimals: number): TokenLimits {
  const u = (v: string) => parseUnits(v, decimals);
  return {
    fastLimit: u(input.limits.fast),
    inbound: { capacity: u(input.limits.inboundCapacity), refillPerSecond: u(input.limits.inboundPerSecond) },
    outbound: { capacity: u(input.limits.outboundCapacity), refillPerSecond: u(input.limits.outboundPerSecond) },
  };
}
