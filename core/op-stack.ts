/**
 * The OP Stack as Portcullis sees it: the canonical L2 predeploy addresses the escape hatch rides
 * on (the same on every OP Stack chain: OP Mainnet, Base, the devnet), and the viem chain
 * definitions that `viem/op-stack`'s withdrawal actions need (an L2 carrying its L1 contracts,
 * keyed by the L1's chain id), built from a manifest's `rollup` section.
 */
import { defineChain, type Address, type Chain, type ChainContract } from "viem";
import { chainConfig } from "viem/op-stack";
import type { ChainInfo, RollupInfo } from "./manifest.js";

/** OP Stack predeploys (specs/protocol/predeploys.md): proxies at fixed addresses on every L2. */
export const OP_PREDEPLOYS = {
  l2ToL1MessagePasser: "0x4200000000000000000000000000000000000016",
  l2CrossDomainMessenger: "0x4200000000000000000000000000000000000007",
  l2StandardBridge: "0x4200000000000000000000000000000000000010",
  optimismMintableERC20Factory: "0x4200000000000000000000000000000000000012",
  l1Block: "0x4200000000000000000000000000000000000015",
  proxyAdmin: "0x4200000000000000000000000000000000000018",
} as const satisfies Record<string, Address>;

/** An L2 chain carrying its L1 contracts, keyed by the L1's chain id (viem's OP Stack chains' shape). */
export type OpStackL2Chain = Chain & {
  contracts: {
    portal: Record<number, ChainContract>;
    l2OutputOracle: Record<number, ChainContract>;
    l1StandardBridge: Record<number, ChainContract>;
  };
};

/** An L2 chain as `viem/op-stack` wants it: its L1 contracts keyed by the L1's chain id. */
export function opStackL2Chain(l2: ChainInfo & { rollup: RollupInfo }, l1ChainId: number): OpStackL2Chain {
  const r = l2.rollup;
  return defineChain({
    ...chainConfig,
    id: l2.chainId,
    name: l2.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [l2.rpcUrl] } },
    sourceId: l1ChainId,
    contracts: {
      ...chainConfig.contracts,
      portal: { [l1ChainId]: { address: r.portal } },
      l2OutputOracle: { [l1ChainId]: { address: r.l2OutputOracle } },
      l1StandardBridge: { [l1ChainId]: { address: r.l1StandardBridge } },
    },
  }) as OpStackL2Chain;
}
