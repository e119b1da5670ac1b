/**
 * The escape hatch's wiring, as one step of the deployment with its inputs: which canonical
 * messaging each L2's gateway talks to (`initializeEscape(messenger, escapeHatch, tokenBridge)`,
 * set once: the `L2CrossDomainMessenger` and `L2StandardBridge` predeploys), and the L1
 * `EscapeHatch` registry (every L2's chain id, `L1CrossDomainMessenger` and gateway, fixed at
 * construction). The OP Stack contracts themselves exist already: on OP Mainnet or Base they are
 * the chain's, on the devnet `devnet/op-stack/install.ts` installs them. Everything
 * chain-specific about the escape comes from the config here, so another rollup kind is one more
 * case in `escapeWiringOf`.
 */
import { encodeDeployData, type Address, type Hex } from "viem";
import type { RollupInfo } from "../core/manifest.js";
import { OP_PREDEPLOYS } from "../core/op-stack.js";
import { escapeHatchAbi, escapeHatchBytecode } from "../core/generated/abis.js";
import type { L2Config } from "./config.js";

/** What a gateway is wired to on its own L2, and its L2's messenger on L1. */
export interface EscapeWiring {
  /** The L2 messenger `cancelExpired` sends through and `refund` accepts calls from. */
  messenger: Address;
  /** The standard bridge an L1 refund withdraws through. */
  tokenBridge: Address;
  /** The L2's `L1CrossDomainMessenger`: the EscapeHatch accepts this L2's messages from it. */
  l1Messenger: Address;
}

/**
 * An L2's escape wiring and what the manifest records of it (`rollup`, for `bridge escape`);
 * nothing for a devnet L2 without OP Stack contracts. A fault-proof chain (dispute games) is
 * wired all the same, but gets no `rollup` section: the escape client proves against an
 * `L2OutputOracle` (docs/escape-hatch.md).
 */
export function escapeWiringOf(chain: L2Config): { escape?: EscapeWiring; rollup?: RollupInfo } {
  if (chain.kind === "devnet") {
    if (!chain.rollup) return {};
    const escape = {
      messenger: OP_PREDEPLOYS.l2CrossDomainMessenger as Address,
      tokenBridge: OP_PREDEPLOYS.l2StandardBridge as Address,
      l1Messenger: chain.rollup.l1CrossDomainMessenger,
    };
    return { escape, rollup: chain.rollup };
  }
  const l1 = chain.l1Contracts;
  const escape = {
    messenger: chain.l2Contracts.l2CrossDomainMessenger,
    tokenBridge: chain.l2Contracts.l2StandardBridge,
    l1Messenger: l1.l1CrossDomainMessenger,
  };
  if (!l1.l2OutputOracle) return { escape };
  return {
    escape,
    rollup: {
      kind: "op-stack",
      portal: l1.optimismPortal,
      l2OutputOracle: l1.l2OutputOracle,
      systemConfig: l1.systemConfig,
      l1CrossDomainMessenger: l1.l1CrossDomainMessenger,
      l1StandardBridge: l1.l1StandardBridge,
      finalizationSeconds: chain.finalizationSeconds,
      // Set to the EscapeHatch's block by the manifest: no escape predates it.
      l1DeployBlock: 0,
    },
  };
}

/** One EscapeHatch registration: an L2, its `L1CrossDomainMessenger` and its gateway. */
export interface EscapeRegistration {
  chainId: number;
  messenger: Address;
  gateway: Address;
}

/** The L1 EscapeHatch's creation code over every L2's registration. */
export function escapeHatchInitCode(registry: readonly EscapeRegistration[]): Hex {
  return encodeDeployData({
    abi: escapeHatchAbi,
    bytecode: escapeHatchBytecode,
    args: [registry.map((e) => BigInt(e.chainId)), registry.map((e) => e.messenger), registry.map((e) => e.gateway)],
  });
}
