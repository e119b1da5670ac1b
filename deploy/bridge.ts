/**
 * Deploys a whole bridge over JSON-RPC — a gateway per L2, home and bridged tokens, routes
 * between every pair of L2s, limits, the monitor's PAUSER/VETO roles, then governance on every
 * chain (council Safe + timelock, `deploy/governance.ts`), which takes GOVERNOR_ROLE from the
 * deployer — and returns the deployment manifest every service and the CLI read. The devnet and
 * the integration tests both deploy through this function.
 */
import { privateKeyToAccount } from "viem/accounts";
import { parseUnits, type Address, type Hex } from "viem";
import { bridgeGatewayAbi, testTokenAbi } from "../core/generated/abis.js";
import { publicClientFor, walletClientFor } from "../core/chains.js";
import { parseManifest, type Manifest, type RollupInfo } from "../core/manifest.js";
import { sortGuardians } from "../core/attestation.js";
import { confirm, deployBridgeContracts, deployTestToken, type TokenLimits } from "./contracts.js";
import { deployCanonicalToken, depositToL2, finishEscape, type DeployTarget } from "./escape.js";
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
   * Give the token an L1 origin: an L1 token whose canonical L2 copy (an `OptimismMintableERC20`
   * of the home L2's factory) is the home token. Needs `opStack`. The faucet then mints on L1 and
   * deposits through the standard bridges, so every L2 token is backed by a real L1 token.
   */
  l1Origin?: boolean;
}

/** An OP Stack L2's operator keys the devnet holds: its output proposer. */
export interface RollupKeys {
  proposer: Hex;
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
   * Each L2's OP Stack contracts on L1 (per L2 name; the devnet installs them with
   * `devnet/op-stack/install.ts`): the L1 escape hatch is deployed over them and every gateway
   * wired to its L2's predeploys. Absent: no escape hatch (nothing else changes).
   */
  opStack?: Record<string, RollupInfo>;
  /**
   * Waits until the L1→L2 deposits made so far on L2 `name` are executed there (the devnet runs
   * its deposit executor once; a real chain's nodes do it by themselves). Used by the faucet.
   */
  awaitDeposits?: (name: string) => Promise<void>;
  /** Operator keys per L2 name, recorded in the manifest's dev keys (devnet only). */
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

  const opStack = input.opStack;
  if (opStack && !l1) throw new Error("deployBridge: the escape hatch needs an L1 chain");
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
              if (!l1 || !opStack?.[t.home]) throw new Error(`token ${t.symbol}: an L1 origin needs opStack`);
              const l1Token = await deployTestToken(l1.wallet, l1.publicClient, t.name, t.symbol, t.decimals);
              l1Tokens[t.symbol] = l1Token;
              const home = targets.find((x) => x.name === t.home)!;
              return deployCanonicalToken(home, l1Token, t);
            },
          }
        : {}),
    })),
    pausers: [monitor.address],
    vetoers: [monitor.address],
  });

  let escapeHatch: Address | undefined;
  if (l1 && opStack) {
    escapeHatch = await finishEscape(l1, targets, opStack, deployed.gateways);
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
  // token with an L1 origin, minted on L1 and deposited through the standard bridges.
  for (const [i, t] of input.tokens.entries()) {
    const token = deployed.tokens[i]!;
    const home = targets.find((x) => x.name === t.home)!;
    const users = input.userKeys.map((k) => privateKeyToAccount(k).address);
    const perUser = parseUnits(t.faucetPerUser, t.decimals);
    const l1Token = l1Tokens[t.symbol];
    if (l1Token && l1 && opStack) {
      await confirm(
        l1.publicClient,
        await l1.wallet.writeContract({
          address: l1Token,
          abi: testTokenAbi,
          functionName: "mint",
          args: [deployer.address, perUser * BigInt(users.length)],
        }),
      );
      for (const user of users) {
        await depositToL2(l1, opStack[t.home]!, l1Token, token.homeToken, user, perUser);
      }
      await input.awaitDeposits?.(t.home);
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
      const rollup = opStack?.[c.name];
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
    ...(escapeHatch && opStack
      ? { escape: { escapeHatch, l1DeployBlock: Math.min(...Object.values(opStack).map((r) => r.l1DeployBlock)) } }
      : {}),
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

function scaledLimits(input: BridgeDeployInput, decimals: number): TokenLimits {
  const u = (v: string) => parseUnits(v, decimals);
  return {
    fastLimit: u(input.limits.fast),
    inbound: { capacity: u(input.limits.inboundCapacity), refillPerSecond: u(input.limits.inboundPerSecond) },
    outbound: { capacity: u(input.limits.outboundCapacity), refillPerSecond: u(input.limits.outboundPerSecond) },
  };
}
