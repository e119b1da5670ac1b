/**
 * Deploys what is Portcullis' own in the escape hatch, on top of each L2's OP Stack bridge
 * contracts (which exist already: on OP Mainnet or Base they are the chain's, on the devnet
 * `devnet/op-stack/install.ts` installs them): the L1 `EscapeHatch` over every L2's
 * `L1CrossDomainMessenger` and gateway, and the one-time wiring of every gateway to its
 * `L2CrossDomainMessenger` and `L2StandardBridge` predeploys. Also the canonical L2 copy of an L1
 * token (an `OptimismMintableERC20` from the factory predeploy) and the L1→L2 deposit of it,
 * which the devnet's faucet uses.
 *
 * Order matters and is fixed by `deployBridge`: home tokens with an L1 origin first (they come
 * from the L2's token factory), then gateways and tokens, then the escape hatch (it registers the
 * gateways) and `initializeEscape` on each gateway (while the deployer still holds GOVERNOR: it
 * is callable once, ever).
 */
import { parseEventLogs, type Address, type PublicClient } from "viem";
import {
  bridgeGatewayAbi,
  escapeHatchAbi,
  escapeHatchBytecode,
  l1StandardBridgeAbi,
  optimismMintableERC20FactoryAbi,
  testTokenAbi,
} from "../core/generated/abis.js";
import type { RollupInfo } from "../core/manifest.js";
import { OP_PREDEPLOYS } from "../core/op-stack.js";
import { confirm, deployed, type Wallet } from "./contracts.js";

export interface DeployTarget {
  name: string;
  chainId: number;
  wallet: Wallet;
  publicClient: PublicClient;
}

/**
 * Creates the canonical L2 representation of `l1Token` through the L2's
 * `OptimismMintableERC20Factory`: minted and burnt only by the `L2StandardBridge`, so it can be
 * deposited from and withdrawn to L1 (and an escape can be refunded there).
 */
export async function deployCanonicalToken(
  l2: DeployTarget,
  l1Token: Address,
  token: { name: string; symbol: string; decimals: number },
): Promise<Address> {
  const receipt = await confirm(
    l2.publicClient,
    await l2.wallet.writeContract({
      address: OP_PREDEPLOYS.optimismMintableERC20Factory,
      abi: optimismMintableERC20FactoryAbi,
      functionName: "createOptimismMintableERC20WithDecimals",
      args: [l1Token, token.name, token.symbol, token.decimals],
    }),
  );
  const [created] = parseEventLogs({
    abi: optimismMintableERC20FactoryAbi,
    logs: receipt.logs,
    eventName: "OptimismMintableERC20Created",
  });
  if (!created) throw new Error(`the token factory on ${l2.name} created no token for ${token.symbol}`);
  return created.args.localToken;
}

/** Gas the `L2StandardBridge` gets for minting a deposit (OP's SDK default for ERC-20s). */
const DEPOSIT_MIN_GAS_LIMIT = 200_000;

/**
 * Deposits `amount` of `l1Token` (held by the deployer) to `to` on the L2 as `l2Token`, through
 * the `L1StandardBridge`. The L2 credits it once the deposit is executed there.
 */
export async function depositToL2(
  l1: DeployTarget,
  rollup: RollupInfo,
  l1Token: Address,
  l2Token: Address,
  to: Address,
  amount: bigint,
): Promise<void> {
  const allowance = await l1.publicClient.readContract({
    address: l1Token,
    abi: testTokenAbi,
    functionName: "allowance",
    args: [l1.wallet.account.address, rollup.l1StandardBridge],
  });
  if (allowance < amount) {
    await confirm(
      l1.publicClient,
      await l1.wallet.writeContract({
        address: l1Token,
        abi: testTokenAbi,
        functionName: "approve",
        args: [rollup.l1StandardBridge, amount],
      }),
    );
  }
  await confirm(
    l1.publicClient,
    await l1.wallet.writeContract({
      address: rollup.l1StandardBridge,
      abi: l1StandardBridgeAbi,
      functionName: "depositERC20To",
      args: [l1Token, l2Token, to, amount, DEPOSIT_MIN_GAS_LIMIT, "0x"],
    }),
  );
}

/** Deploys the L1 escape hatch over every (L2, L1 cross-domain messenger, gateway). */
export async function deployEscapeHatch(
  l1: DeployTarget,
  entries: readonly { chainId: number; l1CrossDomainMessenger: Address; gateway: Address }[],
): Promise<Address> {
  return deployed(
    l1.publicClient,
    await l1.wallet.deployContract({
      abi: escapeHatchAbi,
      bytecode: escapeHatchBytecode,
      args: [
        entries.map((e) => BigInt(e.chainId)),
        entries.map((e) => e.l1CrossDomainMessenger),
        entries.map((e) => e.gateway),
      ],
    }),
  );
}

/** Wires a gateway to its L2's messenger and standard bridge and the escape hatch (once, by the governor). */
export async function initializeGatewayEscape(l2: DeployTarget, gateway: Address, escapeHatch: Address): Promise<void> {
  await confirm(
    l2.publicClient,
    await l2.wallet.writeContract({
      address: gateway,
      abi: bridgeGatewayAbi,
      functionName: "initializeEscape",
      args: [OP_PREDEPLOYS.l2CrossDomainMessenger, escapeHatch, OP_PREDEPLOYS.l2StandardBridge],
    }),
  );
}

/** Deploys the escape hatch over the deployed gateways and wires every gateway to it, once. */
export async function finishEscape(
  l1: DeployTarget,
  l2s: readonly DeployTarget[],
  rollups: Record<string, RollupInfo>,
  gateways: Record<string, { address: Address }>,
): Promise<Address> {
  const escapeHatch = await deployEscapeHatch(
    l1,
    l2s.map((l2) => ({
      chainId: l2.chainId,
      l1CrossDomainMessenger: rollups[l2.name]!.l1CrossDomainMessenger,
      gateway: gateways[l2.name]!.address,
    })),
  );
  await Promise.all(l2s.map((l2) => initializeGatewayEscape(l2, gateways[l2.name]!.address, escapeHatch)));
  return escapeHatch;
}
