/**
 * The devnet's deployment: the production path (`deploy/engine.ts`, the same `apply` an operator
 * runs) with a devnet config, wrapped in what only a devnet needs:
 *
 *   before  each L2's canonical messaging (the simulated rollup, `deploy/escape.ts`) and the
 *           tokens to bridge — they "already exist" when the bridge is deployed, as on a real
 *           network: BETA a plain TestToken on l2b, ALPHA the canonical l2a copy of an L1 token;
 *   apply   `deploy.json` written to the devnet directory (so `npx portcullis-deploy check
 *           --config .devnet/deploy.json` works) and applied with the dev deployer key;
 *   after   faucet balances for the dev users, and the dev keys in the manifest.
 *
 * Nothing outside `devnet/` imports this file.
 */
import { writeFileSync } from "node:fs";
import { encodeDeployData, keccak256, parseUnits, stringToHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { publicClientFor, walletClientFor } from "../core/chains.js";
import { l1TokenBridgeAbi, testTokenAbi, testTokenBytecode } from "../core/generated/abis.js";
import { parseManifest, type ChainInfo, type Manifest } from "../core/manifest.js";
import { parseDeployConfig, type DeployConfig } from "../deploy/config.js";
import { confirm } from "../deploy/contracts.js";
import { CREATE2_DEPLOYER, create2Address, create2Calldata } from "../deploy/create2.js";
import { apply } from "../deploy/engine.js";
import { deployCanonicalToken, deployRollups, type DeployTarget, type RollupContracts } from "../deploy/escape.js";
import { relayPendingDeposits } from "../rollup/sequencer.js";

export interface DevnetToken {
  symbol: string;
  name: string;
  decimals: number;
  /** Name of the L2 where the token is canonical. */
  home: string;
  /** Whole tokens minted to each user on the home chain. */
  faucetPerUser: string;
  /**
   * The home token is the canonical rollup copy of an L1 token (minted by the home rollup's
   * token bridge), so an escape can be refunded in real L1 tokens. The faucet then mints on L1
   * and deposits through the canonical bridge.
   */
  l1Origin?: boolean;
}

/** The simulated rollups' operator keys, per L2 name. */
export type RollupKeys = Record<string, { proposer: Hex; sequencer: Hex }>;

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
  finalizationSeconds: number;
  rollupKeys: RollupKeys;
  deadlineWindows: { min: number; default: number; max: number };
  relayerKeys: Hex[];
  userKeys: Hex[];
  tokens: DevnetToken[];
  largeDelaySeconds: number;
  limits: DeployConfig["limits"];
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
  const l1Info = input.chains.find((c) => c.kind === "l1")!;
  const l2Infos = input.chains.filter((c) => c.kind === "l2");
  const l1 = target(l1Info);
  const l2s = l2Infos.map(target);

  // Before: what a real network already has — canonical messaging and the tokens.
  const roles = Object.fromEntries(
    Object.entries(input.rollupKeys).map(([name, k]) => [
      name,
      { proposer: address(k.proposer), sequencer: address(k.sequencer) },
    ]),
  );
  const { rollups, l1DeployBlock } = await deployRollups(l1, l2s, roles, input.finalizationSeconds);
  const homes: Record<string, Address> = {};
  const l1Tokens: Record<string, Address> = {};
  for (const t of input.tokens) {
    const home = l2s.find((x) => x.name === t.home)!;
    if (t.l1Origin) {
      l1Tokens[t.symbol] = await createTestToken(l1, t);
      homes[t.symbol] = await deployCanonicalToken(home, rollups[t.home]!, l1Tokens[t.symbol]!, t);
    } else {
      homes[t.symbol] = await createTestToken(home, t);
    }
  }

  // The deployment itself: the production path with the devnet's config.
  const config = parseDeployConfig(devnetConfig(input, rollups, homes), "the devnet's deploy config");
  writeFileSync(`${input.dir}/deploy.json`, JSON.stringify(config, null, 2));
  const { manifest } = await apply(config, deployer, { log: input.log });

  // After: faucet balances of every home token for the dev users.
  const users = input.userKeys.map(address);
  for (const t of input.tokens) {
    const perUser = parseUnits(t.faucetPerUser, t.decimals);
    const home = l2s.find((x) => x.name === t.home)!;
    const l1Token = l1Tokens[t.symbol];
    if (l1Token) {
      const homeInfo = l2Infos.find((x) => x.name === t.home)!;
      await fundThroughL1(l1, home, homeInfo, rollups[t.home]!, input.rollupKeys[t.home]!.sequencer, {
        l1Token,
        l2Token: homes[t.symbol]!,
        users,
        perUser,
        rescanFromBlock: BigInt(l1DeployBlock),
      });
    } else {
      for (const user of users) await write(home, homes[t.symbol]!, testTokenAbi, "mint", [user, perUser]);
    }
  }

  return parseManifest({
    ...manifest,
    // The portals predate the EscapeHatch: scans of the escape's L1 events start at them.
    ...(manifest.escape ? { escape: { ...manifest.escape, l1DeployBlock } } : {}),
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
function devnetConfig(
  input: DevnetDeployInput,
  rollups: Record<string, RollupContracts>,
  homes: Record<string, Address>,
) {
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
      .map((c) => ({ ...chain(c), kind: "devnet", rollup: rollups[c.name] })),
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
    limits: input.limits,
    tokens: input.tokens.map((t) => ({ symbol: t.symbol, home: t.home, address: homes[t.symbol]! })),
  };
}

/** A faucet TestToken through the CREATE2 deployer (salt: its symbol), so no two land together. */
export async function createTestToken(t: DeployTarget, token: DevnetToken): Promise<Address> {
  const initCode = encodeDeployData({
    abi: testTokenAbi,
    bytecode: testTokenBytecode,
    args: [token.name, token.symbol, token.decimals],
  });
  const salt = keccak256(stringToHex(`devnet/${token.symbol}`));
  const at = create2Address(salt, initCode);
  await confirm(
    t.publicClient,
    await t.wallet.sendTransaction({ to: CREATE2_DEPLOYER, data: create2Calldata(salt, initCode) }),
  );
  return at;
}

/** Mints on L1 and deposits to each user through the rollup's canonical bridge, then relays. */
async function fundThroughL1(
  l1: DeployTarget,
  home: DeployTarget,
  homeInfo: ChainInfo,
  rollup: RollupContracts,
  sequencerKey: Hex,
  o: { l1Token: Address; l2Token: Address; users: Address[]; perUser: bigint; rescanFromBlock: bigint },
) {
  const total = o.perUser * BigInt(o.users.length);
  await write(l1, o.l1Token, testTokenAbi, "mint", [l1.wallet.account.address, total]);
  await write(l1, o.l1Token, testTokenAbi, "approve", [rollup.l1TokenBridge, total]);
  for (const user of o.users) {
    await write(l1, rollup.l1TokenBridge, l1TokenBridgeAbi, "depositTo", [o.l1Token, o.l2Token, user, o.perUser]);
  }
  await relayPendingDeposits(
    {
      l1Client: l1.publicClient,
      l2Client: home.publicClient,
      sequencerWallet: walletClientFor(homeInfo, privateKeyToAccount(sequencerKey)),
      portal: rollup.portal,
      messenger: rollup.messenger,
    },
    { rescanFromBlock: o.rescanFromBlock },
  );
}

/** A write by the deployer, waited for. */
async function write(
  t: DeployTarget,
  address: Address,
  abi: typeof testTokenAbi | typeof l1TokenBridgeAbi,
  functionName: string,
  args: readonly unknown[],
) {
  const request = { address, abi, functionName, args } as Parameters<DeployTarget["wallet"]["writeContract"]>[0];
  await confirm(t.publicClient, await t.wallet.writeContract(request));
}
