/**
 * Delivery fees on a devnet (issue 14): the `fees` section of the devnet's deploy config, set by
 * the deployment engine like every other governed parameter (`deploy/plan.ts`: each route's
 * `setFeeConfig`, `setFeeBeneficiary`, FEE_UPDATER_ROLE, all before GOVERNOR goes to the
 * timelock). The beneficiary and the fee updater are relayer 0's operator address: on the devnet
 * the relayer operator also runs the fee updater, and its fee income lands where it can claim it.
 *
 * `startDevnet({ fees: true })` and `npm run devnet` price every route with `DEVNET_FEES`; any
 * other devnet deploys `UNPRICED` (every field zero, what a gateway holds before governance
 * prices a route): quotes are 0, so every send counts as paid, and no drop-off is allowed.
 *
 * The prices are chosen to cover what a relayer pays on the devnet's anvil chains (base fee
 * about 1 gwei at start, falling in empty blocks; priority fee 1 gwei): a single-message delivery
 * with a drop-off to a new account uses about 150,000 gas, so 250,000 gas per message at 2 gwei
 * leaves margin even for batches of one. Real deployments measure their own (`npm run
 * bench:gas`) and let the fee updater follow the destination's gas price.
 */
import type { Address } from "viem";
import type { FeesConfig, RouteFeeConfig } from "../deploy/config.js";

/** Every priced devnet route: same-ETH chains, 250,000 gas per message at 2 gwei, drop-offs up to 0.1 ETH. */
export const DEVNET_FEES: RouteFeeConfig = {
  gasPrice: "2 gwei",
  exchangeRate: "1",
  gasPerMessage: 250_000,
  flatFee: "0 ether",
  minGasPrice: "0.1 gwei",
  maxGasPrice: "1000 gwei",
  minExchangeRate: "0.5",
  maxExchangeRate: "2",
  maxChangePerUpdateBps: 2_000,
  maxChangePerHourBps: 5_000,
  dropOffCap: "0.1 ether",
};

/** An unpriced route: quotes 0, no drop-off, nothing the updater can move. */
export const UNPRICED: RouteFeeConfig = {
  gasPrice: "0 wei",
  exchangeRate: "0",
  gasPerMessage: 0,
  flatFee: "0 wei",
  minGasPrice: "0 wei",
  maxGasPrice: "0 wei",
  minExchangeRate: "0",
  maxExchangeRate: "0",
  maxChangePerUpdateBps: 0,
  maxChangePerHourBps: 0,
  dropOffCap: "0 wei",
};

/** The devnet deploy config's `fees`: `operator` is paid and moves the prices. */
export function devnetFees(operator: Address, priced: boolean): FeesConfig {
  return { beneficiary: operator, updaters: [operator], default: priced ? DEVNET_FEES : UNPRICED, routes: [] };
}
