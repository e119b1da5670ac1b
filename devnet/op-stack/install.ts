/**
 * Installs the real OP Stack bridge contracts on the devnet — bytecode as published in
 * `@eth-optimism/contracts-bedrock` 0.17.3 (`forge-artifacts/`), never rebuilt — so the escape
 * hatch meets the contracts it meets on OP Mainnet and Base. A devnet step with addresses in and
 * addresses out: `installOpStack` takes the chains and the deployer, returns each L2's L1
 * contracts (the manifest's `rollup` section); nothing outside `devnet/` imports it.
 *
 * - **L1**, once: `ProxyAdmin` (owner: the deployer), `SuperchainConfig` (guardian: the deployer)
 *   and one implementation of each contract below. Per L2: `SystemConfig`, `L2OutputOracle` (the
 *   permissioned flavour: one proposer key per L2), `OptimismPortal`, `L1CrossDomainMessenger`,
 *   `L1StandardBridge`, each an ERC-1967 `Proxy` administered by the `ProxyAdmin` and upgraded
 *   and initialised in one `upgradeAndCall`, in the order of OP's `Deploy.s.sol`.
 * - **Each L2** (anvil): the predeploys as OP's L2 genesis lays them out — a `Proxy` at the
 *   canonical `0x4200…` address whose ERC-1967 admin is the `ProxyAdmin` predeploy (`0x4200…0018`)
 *   and whose implementation sits at the code-namespace address `0xc0d3…c0d3 + suffix` — written
 *   with `anvil_setCode`/`anvil_setStorageAt` (runtime code obtained by simulating each creation,
 *   so no L2 transaction and no deployer nonce is spent), then initialised through the proxies:
 *   `L2CrossDomainMessenger` (its L1 messenger), `L2StandardBridge` (its L1 bridge),
 *   `OptimismMintableERC20Factory` (the bridge). `L2ToL1MessagePasser` and `L1Block` need no
 *   initialisation (an empty `L1Block` reports ETH as the gas token, as on OP Mainnet).
 *
 * What OP's node software does off-chain — executing deposits, proposing output roots — is done
 * by the devnet's stand-ins in this folder (`deposits.ts`, `proposer.ts`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { encodeFunctionData, getAddress, pad, type Abi, type Address, type Hex, type PublicClient } from "viem";
import {
  l1CrossDomainMessengerAbi,
  l1StandardBridgeAbi,
  l2CrossDomainMessengerAbi,
  l2OutputOracleAbi,
  l2StandardBridgeAbi,
  optimismMintableERC20FactoryAbi,
  optimismPortalAbi,
  proxyAdminAbi,
  superchainConfigAbi,
  systemConfigAbi,
} from "../../core/generated/abis.js";
import type { RollupInfo } from "../../core/manifest.js";
import { OP_PREDEPLOYS } from "../../core/op-stack.js";
import { confirm, deployed, type Wallet } from "../../deploy/contracts.js";

/** The OP Stack contracts the devnet deploys, by artifact name. */
export type OpContract =
  | "Proxy"
  | "ProxyAdmin"
  | "SuperchainConfig"
  | "SystemConfig"
  | "L2OutputOracle"
  | "OptimismPortal"
  | "L1CrossDomainMessenger"
  | "L1StandardBridge"
  | "L2ToL1MessagePasser"
  | "L2CrossDomainMessenger"
  | "L2StandardBridge"
  | "OptimismMintableERC20Factory"
  | "L1Block";

const require = createRequire(import.meta.url);
const ARTIFACTS = join(dirname(require.resolve("@eth-optimism/contracts-bedrock/package.json")), "forge-artifacts");

/** Creation bytecode of `name`, as published in the package. */
export function opCreationCode(name: OpContract): Hex {
  const artifact = JSON.parse(readFileSync(join(ARTIFACTS, `${name}.sol`, `${name}.json`), "utf8")) as {
    bytecode: { object: Hex };
  };
  return artifact.bytecode.object;
}

/** ERC-1967 slots (the OP `Proxy` uses them too). */
const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
const ADMIN_SLOT = "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103";

/** OP's resource-metering defaults for deposits (`Constants.DEFAULT_RESOURCE_CONFIG`). */
const DEFAULT_RESOURCE_CONFIG = {
  maxResourceLimit: 20_000_000,
  elasticityMultiplier: 10,
  baseFeeMaxChangeDenominator: 8,
  minimumBaseFee: 1_000_000_000,
  systemTxMaxGas: 1_000_000,
  maximumBaseFee: 2n ** 128n - 1n,
} as const;

export interface OpChain {
  name: string;
  chainId: number;
  rpcUrl: string;
  publicClient: PublicClient;
  /** The deployer on this chain (L1: deploys and owns; L2: initialises the predeploys). */
  wallet: Wallet;
}

export interface OpStackInstallInput {
  l1: OpChain;
  l2s: readonly OpChain[];
  /** The `L2OutputOracle` proposer of each L2 (by name). */
  proposers: Record<string, Address>;
  /** The oracle's finalization period (7 days on OP Mainnet's permissioned oracle). */
  finalizationSeconds: number;
  /** Output proposals every this many L2 blocks (1800 on OP Mainnet). */
  submissionIntervalBlocks: number;
  /** Seconds per L2 block the oracle assumes (2 on OP Mainnet; the devnet's interval mining). */
  l2BlockTimeSeconds: number;
}

/** Installs the OP Stack contracts for every L2; returns each L2's L1 contracts, by name. */
export async function installOpStack(input: OpStackInstallInput): Promise<Record<string, RollupInfo>> {
  const { l1 } = input;
  const l1DeployBlock = Number(await l1.publicClient.getBlockNumber());
  const deploy = async (name: OpContract, abi: Abi | undefined, args: readonly unknown[] = []) =>
    deployed(
      l1.publicClient,
      await l1.wallet.deployContract({ abi: abi ?? [], bytecode: opCreationCode(name), args } as never),
    );
  const owner = l1.wallet.account.address;
  // One deployer key: L1 transactions go one after the other (its nonce).
  const proxyAdmin = await deploy("ProxyAdmin", proxyAdminAbi, [owner]);
  const impl = {} as Record<Exclude<OpContract, "Proxy" | "ProxyAdmin">, Address>;
  for (const name of [
    "SuperchainConfig",
    "SystemConfig",
    "L2OutputOracle",
    "OptimismPortal",
    "L1CrossDomainMessenger",
    "L1StandardBridge",
  ] as const) {
    impl[name] = await deploy(name, undefined);
  }
  const proxy = () => deploy("Proxy", PROXY_CONSTRUCTOR_ABI, [proxyAdmin]);
  const upgradeAndCall = async (target: Address, implementation: Address, data: Hex) =>
    confirm(
      l1.publicClient,
      await l1.wallet.writeContract({
        address: proxyAdmin,
        abi: proxyAdminAbi,
        functionName: "upgradeAndCall",
        args: [target, implementation, data],
      }),
    );

  const superchainConfig = await proxy();
  await upgradeAndCall(
    superchainConfig,
    impl.SuperchainConfig,
    encodeFunctionData({ abi: superchainConfigAbi, functionName: "initialize", args: [owner, false] }),
  );

  const l1Head = await l1.publicClient.getBlock();
  const rollups: Record<string, RollupInfo> = {};
  for (const l2 of input.l2s) {
    const proposer = input.proposers[l2.name];
    if (!proposer) throw new Error(`installOpStack: no proposer for ${l2.name}`);
    const r = {
      portal: await proxy(),
      l2OutputOracle: await proxy(),
      systemConfig: await proxy(),
      l1CrossDomainMessenger: await proxy(),
      l1StandardBridge: await proxy(),
    };
    await upgradeAndCall(
      r.systemConfig,
      impl.SystemConfig,
      encodeFunctionData({
        abi: systemConfigAbi,
        functionName: "initialize",
        args: [
          owner,
          0,
          0,
          pad(owner),
          30_000_000n,
          owner,
          DEFAULT_RESOURCE_CONFIG,
          // The batch inbox: nothing reads it on the devnet (no batcher, no derivation).
          getAddress(`0xff00000000000000000000000000000000${l2.chainId.toString(16).padStart(6, "0")}`),
          {
            l1CrossDomainMessenger: r.l1CrossDomainMessenger,
            l1ERC721Bridge: "0x0000000000000000000000000000000000000000",
            l1StandardBridge: r.l1StandardBridge,
            disputeGameFactory: "0x0000000000000000000000000000000000000000",
            optimismPortal: r.portal,
            optimismMintableERC20Factory: "0x0000000000000000000000000000000000000000",
            gasPayingToken: "0x0000000000000000000000000000000000000000",
          },
        ],
      }),
    );
    // The oracle maps L2 block numbers to times (`startingTimestamp + (n - startingBlock) *
    // blockTime`) and refuses outputs "in the future". The devnet's L2 mines one block per
    // transaction during deployment, so its block numbers run ahead of that map: anchoring the
    // start a day back keeps the map behind real time, so outputs of blocks that exist are
    // never refused. The proposer still only proposes blocks the L2 has mined.
    const l2Start = await l2.publicClient.getBlockNumber();
    await upgradeAndCall(
      r.l2OutputOracle,
      impl.L2OutputOracle,
      encodeFunctionData({
        abi: l2OutputOracleAbi,
        functionName: "initialize",
        args: [
          BigInt(input.submissionIntervalBlocks),
          BigInt(Math.max(1, input.l2BlockTimeSeconds)),
          l2Start,
          l1Head.timestamp - 86_400n,
          proposer,
          owner,
          BigInt(input.finalizationSeconds),
        ],
      }),
    );
    await upgradeAndCall(
      r.portal,
      impl.OptimismPortal,
      encodeFunctionData({
        abi: optimismPortalAbi,
        functionName: "initialize",
        args: [r.l2OutputOracle, r.systemConfig, superchainConfig],
      }),
    );
    await upgradeAndCall(
      r.l1CrossDomainMessenger,
      impl.L1CrossDomainMessenger,
      encodeFunctionData({
        abi: l1CrossDomainMessengerAbi,
        functionName: "initialize",
        args: [superchainConfig, r.portal, r.systemConfig],
      }),
    );
    await upgradeAndCall(
      r.l1StandardBridge,
      impl.L1StandardBridge,
      encodeFunctionData({
        abi: l1StandardBridgeAbi,
        functionName: "initialize",
        args: [r.l1CrossDomainMessenger, superchainConfig, r.systemConfig],
      }),
    );
    await installPredeploys(l2, r, owner);
    rollups[l2.name] = { kind: "op-stack", ...r, finalizationSeconds: input.finalizationSeconds, l1DeployBlock };
  }
  return rollups;
}

/** `Proxy(address _admin)`: only the constructor is needed to deploy it. */
const PROXY_CONSTRUCTOR_ABI = [
  { type: "constructor", inputs: [{ name: "_admin", type: "address" }], stateMutability: "nonpayable" },
] as const;

/** The code-namespace address OP's L2 genesis puts a predeploy's implementation at. */
function codeNamespaceAddress(predeploy: Address): Address {
  return getAddress(`0xc0d3c0d3c0d3c0d3c0d3c0d3c0d3c0d3c0d3${predeploy.slice(-4)}`);
}

/** Runtime code of `name` (constructed with `args`), by simulating its creation. */
async function runtimeCode(client: PublicClient, name: OpContract, args: Hex = "0x"): Promise<Hex> {
  const { data } = await client.call({ data: `${opCreationCode(name)}${args.slice(2)}` as Hex });
  if (!data || data === "0x") throw new Error(`installOpStack: creating ${name} returned no code`);
  return data;
}

async function rpc(l2: OpChain, method: string, params: unknown[]): Promise<void> {
  await l2.publicClient.request({ method, params } as never);
}

/** The L2 predeploys, as OP's L2 genesis lays them out, wired to the rollup's L1 side. */
async function installPredeploys(
  l2: OpChain,
  r: { l1CrossDomainMessenger: Address; l1StandardBridge: Address },
  owner: Address,
): Promise<void> {
  const c = l2.publicClient;
  // The ProxyAdmin predeploy (itself not proxied); `Ownable` keeps its owner in slot 0.
  await rpc(l2, "anvil_setCode", [OP_PREDEPLOYS.proxyAdmin, await runtimeCode(c, "ProxyAdmin", pad(owner))]);
  await rpc(l2, "anvil_setStorageAt", [OP_PREDEPLOYS.proxyAdmin, pad("0x00"), pad(owner)]);
  const proxyCode = await runtimeCode(c, "Proxy", pad(OP_PREDEPLOYS.proxyAdmin));
  const predeploys: [Address, OpContract][] = [
    [OP_PREDEPLOYS.l2ToL1MessagePasser, "L2ToL1MessagePasser"],
    [OP_PREDEPLOYS.l2CrossDomainMessenger, "L2CrossDomainMessenger"],
    [OP_PREDEPLOYS.l2StandardBridge, "L2StandardBridge"],
    [OP_PREDEPLOYS.optimismMintableERC20Factory, "OptimismMintableERC20Factory"],
    [OP_PREDEPLOYS.l1Block, "L1Block"],
  ];
  for (const [address, name] of predeploys) {
    const implementation = codeNamespaceAddress(address);
    await rpc(l2, "anvil_setCode", [implementation, await runtimeCode(c, name)]);
    await rpc(l2, "anvil_setCode", [address, proxyCode]);
    await rpc(l2, "anvil_setStorageAt", [address, ADMIN_SLOT, pad(OP_PREDEPLOYS.proxyAdmin)]);
    await rpc(l2, "anvil_setStorageAt", [address, IMPLEMENTATION_SLOT, pad(implementation)]);
  }
  const init = async (address: Address, data: Hex) =>
    confirm(c, await l2.wallet.sendTransaction({ to: address, data }));
  await init(
    OP_PREDEPLOYS.l2CrossDomainMessenger,
    encodeFunctionData({
      abi: l2CrossDomainMessengerAbi,
      functionName: "initialize",
      args: [r.l1CrossDomainMessenger],
    }),
  );
  await init(
    OP_PREDEPLOYS.l2StandardBridge,
    encodeFunctionData({ abi: l2StandardBridgeAbi, functionName: "initialize", args: [r.l1StandardBridge] }),
  );
  await init(
    OP_PREDEPLOYS.optimismMintableERC20Factory,
    encodeFunctionData({
      abi: optimismMintableERC20FactoryAbi,
      functionName: "initialize",
      args: [OP_PREDEPLOYS.l2StandardBridge],
    }),
  );
}
