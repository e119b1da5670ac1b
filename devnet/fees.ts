/**
 * Delivery fees on a devnet (issue 14), set the way a real deployment sets them: governance — the
 * council Safe proposing to the timelock, executed once the (short, devnet) delay has passed —
 * calls, on every L2's gateway, `setFeeConfig` for each route, `setFeeBeneficiary` (relayer 0's
 * operator address) and grants `FEE_UPDATER_ROLE` (relayer 0's key too: on the devnet the relayer
 * operator also runs the fee updater). Nothing here holds a role the gateway's governance does not
 * give it; the fee updater can then move the gas price and exchange rate only within the bounds
 * set here.
 *
 * The deploy engine does not configure fees yet, so a fresh devnet quotes nothing (every route
 * priced at 0, no drop-off allowed); `startDevnet({ fees: true })` and `npm run devnet` call this.
 *
 * The prices (`DEVNET_FEES`) are chosen to cover what a relayer pays on the devnet's anvil chains
 * (base fee about 1 gwei at start, falling in empty blocks; priority fee 1 gwei): a single-message
 * delivery with a drop-off to a new account uses about 150,000 gas, so 250,000 gas per message at
 * 2 gwei leaves margin even for batches of one. Real deployments measure their own
 * (`npm run bench:gas`) and let the fee updater follow the destination's gas price.
 */
import { encodeFunctionData, keccak256, parseEther, parseGwei, stringToHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { Council } from "@portcullis/sdk/council";
import { FileCouncilStore } from "@portcullis/sdk/node";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import { gatewayChains, type Manifest } from "../core/manifest.js";
import { join } from "node:path";

/** `FeeConfig` of `IBridgeGatewayTypes.sol`, as `setFeeConfig` takes it. */
export interface FeeConfig {
  gasPrice: bigint;
  exchangeRate: bigint;
  gasPerMessage: number;
  flatFee: bigint;
  minGasPrice: bigint;
  maxGasPrice: bigint;
  minExchangeRate: bigint;
  maxExchangeRate: bigint;
  maxChangePerUpdateBps: number;
  maxChangePerHourBps: number;
  dropOffCap: bigint;
}

/** Every devnet route's pricing: same-ETH chains, 250,000 gas per message at 2 gwei, drop-offs up to 0.1 ETH. */
export const DEVNET_FEES: FeeConfig = {
  gasPrice: parseGwei("2"),
  exchangeRate: 10n ** 18n,
  gasPerMessage: 250_000,
  flatFee: 0n,
  minGasPrice: parseGwei("0.1"),
  maxGasPrice: parseGwei("1000"),
  minExchangeRate: 10n ** 18n / 2n,
  maxExchangeRate: 2n * 10n ** 18n,
  maxChangePerUpdateBps: 2_000,
  maxChangePerHourBps: 5_000,
  dropOffCap: parseEther("0.1"),
};

const FEE_UPDATER_ROLE = keccak256(stringToHex("FEE_UPDATER_ROLE"));

/** The governance calls that price every route of `chainId`'s gateway and name who is paid. */
export function feeCalls(
  manifest: Manifest,
  chainId: number,
  operator: Address,
  config: FeeConfig = DEVNET_FEES,
): { target: Address; data: Hex; description: string }[] {
  const chains = gatewayChains(manifest);
  const self = chains.find((c) => c.chainId === chainId);
  if (!self) throw new Error(`chain ${chainId} has no gateway`);
  const call = (data: Hex, description: string) => ({ target: self.gateway, data, description });
  return [
    ...chains
      .filter((c) => c.chainId !== chainId)
      .map((dest) =>
        call(
          encodeFunctionData({
            abi: bridgeGatewayAbi,
            functionName: "setFeeConfig",
            args: [BigInt(dest.chainId), config],
          }),
          `${self.name}: setFeeConfig(${dest.name})`,
        ),
      ),
    call(
      encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "setFeeBeneficiary", args: [operator] }),
      `${self.name}: setFeeBeneficiary(${operator})`,
    ),
    call(
      encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "grantRole", args: [FEE_UPDATER_ROLE, operator] }),
      `${self.name}: grantRole(FEE_UPDATER_ROLE, ${operator})`,
    ),
  ];
}

/**
 * Prices every route of the devnet (`dir` holds the council's pending-proposal store) through
 * governance, all L2s at once; resolves once every timelocked batch has executed.
 */
export async function configureDevnetFees(manifest: Manifest, dir: string, config: FeeConfig = DEVNET_FEES) {
  const keys = manifest.devKeys;
  if (!keys?.council || keys.relayers.length === 0) throw new Error("the manifest has no dev council or relayer keys");
  const operator = privateKeyToAccount(keys.relayers[0] as Hex).address;
  const owners = (keys.council as Hex[]).map((key) => privateKeyToAccount(key));
  await Promise.all(
    gatewayChains(manifest).map((chain) => {
      // One store per chain: the chains' proposals run in parallel.
      const council = new Council(manifest, new FileCouncilStore(join(dir, "council", `fees-${chain.name}.json`)));
      return council.enact(council.chain(chain.name), feeCalls(manifest, chain.chainId, operator, config), owners);
    }),
  );
}
