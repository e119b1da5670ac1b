/**
 * The devnet's tokens: what a real network already has when Portcullis is deployed there, made
 * here so the devnet (and the deploy test) can deploy onto it with addresses only — a faucet
 * `TestToken`, and the canonical L2 copy of an L1 token (an `OptimismMintableERC20` from the
 * L2's factory predeploy) with its L1→L2 deposits, so an escape can be refunded in L1 tokens.
 */
import { encodeDeployData, keccak256, parseEventLogs, stringToHex, type Address, type PublicClient } from "viem";
import {
  l1StandardBridgeAbi,
  optimismMintableERC20FactoryAbi,
  testTokenAbi,
  testTokenBytecode,
} from "../core/generated/abis.js";
import type { RollupInfo } from "../core/manifest.js";
import { OP_PREDEPLOYS } from "../core/op-stack.js";
import { confirm, type Wallet } from "../deploy/contracts.js";
import { CREATE2_DEPLOYER, create2Address, create2Calldata } from "../deploy/create2.js";

/** A chain and the key that acts on it. */
export interface DeployTarget {
  name: string;
  chainId: number;
  wallet: Wallet;
  publicClient: PublicClient;
}

/** A faucet TestToken through the CREATE2 deployer (salt: its symbol), so no two land together. */
export async function createTestToken(
  t: DeployTarget,
  token: { name: string; symbol: string; decimals: number },
): Promise<Address> {
  const initCode = encodeDeployData({
    abi: testTokenAbi,
    bytecode: testTokenBytecode,
    args: [token.name, token.symbol, token.decimals],
  });
  const salt = keccak256(stringToHex(`devnet/${token.symbol}`));
  await confirm(
    t.publicClient,
    await t.wallet.sendTransaction({ to: CREATE2_DEPLOYER, data: create2Calldata(salt, initCode) }),
  );
  return create2Address(salt, initCode);
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
