/**
 * The devnet's deployment: the production path (`deploy/engine.ts`, the same `apply` an operator
 * runs) with a devnet config, wrapped in what only a devnet needs:
 *
 *   before  the tokens to bridge — they "already exist" when the bridge is deployed, as on a real
 *           network: BETA a faucet TestToken on l2b, ALPHA the canonical l2a copy of an L1 token
 *           (`devnet/tokens.ts`). The OP Stack contracts are installed before this runs
 *           (`devnet/op-stack/`) and come in as `opStack`;
 *   apply   `deploy.json` written to the devnet directory (so `npx portcullis-deploy check
 *           --config .devnet/deploy.json` works) and applied with the dev deployer key — routes
 *           priced or not (`devnet/fees.ts`);
 *   after   faucet balances for the dev users, and the dev keys in the manifest.
 *
 * Nothing outside `devnet/` imports this file.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseUnits, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { publicClientFor, walletClientFor } from "../core/chains.js";
import { testTokenAbi } from "../core/generated/abis.js";
import { parseManifest, type ChainInfo, type Manifest, type RollupInfo } from "../core/manifest.js";
import { parseDeployConfig, type DeployConfig } from "../deploy/config.js";
import { confirm } from "../deploy/contracts.js";
import { apply } from "../deploy/engine.js";
import { devnetFees } from "./fees.js";
import { createTestToken, deployCanonicalToken, depositToL2, type DeployTarget } from "./tokens.js";

export interface DevnetToken {
  symbol: string;
  name: string;
  decimals: number;
  /** Name of the L2 where the token is canonical. */
  home: string;
  /** Whole tokens minted to each user on the home chain. */
  faucetPerUser: string;
  /**
   * The home token is the canonical L2 copy of an L1 token (an `OptimismMintableERC20`), so an
   * escape can be refunded in real L1 tokens. The faucet then mints on L1 and deposits through
   * the standard bridges.
   */
  l1Origin?: boolean;
}

export interface DevnetDeployInput {
  dir: string;
  chains: (ChainInfo & { kind: "l1" | "l2" })[];
  deployerKey: Hex;
  monitorKey: Hex;
  guardianKeys: Hex[];
  guardianUrls: string[];
  standbyGuardianKeys: Hex[];
  standbyGuardianUrls: string[];
  threshold: number;
  councilKeys: Hex[];
  councilThreshold: number;
  governanceDelaySeconds: number;
  /** Each L2's OP Stack L1 contracts, as `devnet/op-stack/` installed them. */
  opStack: Record<string, RollupInfo>;
  /** Waits until the deposits made so far to L2 `name` are executed there (the faucet). */
  awaitDeposits: (name: string) => Promise<void>;
  /** Operator keys per L2 name, for the manifest's dev keys. */
  rollupKeys: Record<string, { proposer: Hex }>;
  deadlineWindows: { min: number; default: number; max: number };
  relayerKeys: Hex[];
  userKeys: Hex[];
  tokens: DevnetToken[];
  largeDelaySeconds: number;
  limits: DeployConfig["limits"];
  /** Price every route (`devnet/fees.ts` DEVNET_FEES) or leave them at zero. */
  fees: boolean;
  log?: (line: string) => void;
}

const address = (key: Hex) => privateKeyToAccount(key).address;

export async function deployDevnet(input: DevnetDeployInput): Promise<Manifest> {
  const deployer = privateKeyToAccount(input.deployerKey);
  const target = (c: ChainInfo): DeployTarget => ({
    name: c.name,
    chainId: c.chainId,
    wallet: walletClientFor(c, deployer),
    publicClient: publicClientFor(c),
  });
  const l1 = target(input.chains.find((c) => c.kind === "l1")!);
  const l2s = input.chains.filter((c) => c.kind === "l2").map(target);

  // Before: the tokens, as a real network has them.
  const homes: Record<string, Address> = {};
  const l1Tokens: Record<string, Address> = {};
  for (const t of input.tokens) {
    const home = l2s.find((x) => x.name === t.home)!;
    if (t.l1Origin) {
      l1Tokens[t.symbol] = await createTestToken(l1, t);
      homes[t.symbol] = await deployCanonicalToken(home, l1Tokens[t.symbol]!, t);
    } else {
      homes[t.symbol] = await createTestToken(home, t);
    }
  }

  // The deployment itself: the production path with the devnet's config.
  const config = parseDeployConfig(devnetConfig(input, homes), "the devnet's deploy config");
  writeFileSync(join(input.dir, "deploy.json"), `${JSON.stringify(config, null, 2)}\n`);
  // anvil never reorgs: one confirmation per step, whatever depth the guardians are given.
  const { manifest, remaining } = await apply(config, deployer, { log: input.log, receiptConfirmations: 1 });
  // A fresh devnet matches its config exactly: what `portcullis-deploy check` on it reports.
  if (remaining.length) {
    throw new Error(
      `the devnet's deployment differs from its config:\n  ${remaining.map((f) => `${f.chain}: ${f.text}`).join("\n  ")}`,
    );
  }

  // After: faucet balances of every home token for the dev users.
  const users = input.userKeys.map(address);
  for (const t of input.tokens) {
    const perUser = parseUnits(t.faucetPerUser, t.decimals);
    const l1Token = l1Tokens[t.symbol];
    if (l1Token) {
      await write(l1, l1Token, "mint", [deployer.address, perUser * BigInt(users.length)]);
      for (const user of users) {
        await depositToL2(l1, input.opStack[t.home]!, l1Token, homes[t.symbol]!, user, perUser);
      }
      await input.awaitDeposits(t.home);
    } else {
      const home = l2s.find((x) => x.name === t.home)!;
      for (const user of users) await write(home, homes[t.symbol]!, "mint", [user, perUser]);
    }
  }

  const opStackFrom = Math.min(...Object.values(input.opStack).map((r) => r.l1DeployBlock));
  return parseManifest({
    ...manifest,
    // The OP contracts predate the EscapeHatch: scans of the escape's L1 events start at them.
    ...(manifest.escape ? { escape: { ...manifest.escape, l1DeployBlock: opStackFrom } } : {}),
    tokens: manifest.tokens.map((t) => (l1Tokens[t.symbol] ? { ...t, l1Token: l1Tokens[t.symbol] } : t)),
    devKeys: {
      deployer: input.deployerKey,
      monitor: input.monitorKey,
      council: input.councilKeys,
      guardians: input.guardianKeys,
      standbyGuardians: input.standbyGuardianKeys,
      relayers: input.relayerKeys,
      users: input.userKeys,
      rollups: input.rollupKeys,
    },
  });
}

/** The devnet's `deploy.json`: addresses only, like any operator's. */
function devnetConfig(input: DevnetDeployInput, homes: Record<string, Address>) {
  const l1 = input.chains.find((c) => c.kind === "l1")!;
  const chain = (c: ChainInfo) => ({
    name: c.name,
    chainId: c.chainId,
    rpcUrl: c.rpcUrl,
    confirmations: c.confirmations,
  });
  const guardian = (key: Hex, i: number, urls: string[]) => ({ address: address(key), url: urls[i]! });
  return {
    network: "devnet",
    deployer: address(input.deployerKey),
    l1: chain(l1),
    chains: input.chains
      .filter((c) => c.kind === "l2")
      .map((c) => ({ ...chain(c), kind: "devnet", rollup: input.opStack[c.name] })),
    guardians: {
      threshold: input.threshold,
      members: input.guardianKeys.map((k, i) => guardian(k, i, input.guardianUrls)),
      standby: input.standbyGuardianKeys.map((k, i) => guardian(k, i, input.standbyGuardianUrls)),
    },
    council: { owners: input.councilKeys.map(address), threshold: input.councilThreshold },
    roles: { pausers: [address(input.monitorKey)], vetoers: [address(input.monitorKey)] },
    // Far below the escape duration, so tests and demos can wait a change out: devnet only.
    governance: { delaySeconds: input.governanceDelaySeconds, allowShortDelay: true },
    largeDelaySeconds: input.largeDelaySeconds,
    deadlineWindows: input.deadlineWindows,
    // Relayer 0's operator is paid the fees and runs the fee updater.
    fees: devnetFees(address(input.relayerKeys[0]!), input.fees),
    limits: input.limits,
    tokens: input.tokens.map((t) => ({ symbol: t.symbol, home: t.home, address: homes[t.symbol]! })),
  };
}

/** A TestToken write by the deployer (the faucet), waited for. */
async function write(t: DeployTarget, token: Address, functionName: "mint", args: readonly [Address, bigint]) {
  await confirm(
    t.publicClient,
    await t.wallet.writeContract({ address: token, abi: testTokenAbi, functionName, args }),
  );
}
