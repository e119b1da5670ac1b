/**
 * The escape hatch's wiring as one step with its inputs: which canonical messaging each L2's
 * gateway talks to (`initializeEscape(messenger, escapeHatch, tokenBridge)`, set once), and the
 * L1 `EscapeHatch` registry (every L2's chain id, L1 endpoint and gateway, fixed at
 * construction). Everything chain-specific about the escape comes from the config here, so a new
 * rollup kind is one more case in `escapeWiringOf`.
 */
import { encodeDeployData, type Address, type Hex } from "viem";
import type { RollupInfo } from "../core/manifest.js";
import { escapeHatchAbi, escapeHatchBytecode } from "../core/generated/abis.js";
import { DeployConfigError, type L2Config } from "./config.js";

/** What a gateway is wired to on its own L2. */
export interface EscapeWiring {
  /** The L2 messenger `cancelExpired` sends through and `refund` accepts calls from. */
  messenger: Address;
  /** The canonical token bridge an L1 refund withdraws through (zero: refunds stay on the L2). */
  tokenBridge: Address;
}

/** An L2's escape wiring and what the manifest records of it; nothing for an L2 without messaging. */
export function escapeWiringOf(chain: L2Config): { escape?: EscapeWiring; rollup?: RollupInfo } {
  if (chain.kind === "devnet") {
    if (!chain.rollup) return {};
    return {
      escape: { messenger: chain.rollup.messenger, tokenBridge: chain.rollup.tokenBridge },
      rollup: chain.rollup,
    };
  }
  // The gateway and EscapeHatch in this tree speak the devnet's canonical-messaging adapter
  // (contracts/interfaces/ICanonicalMessaging.sol); the OP Stack adapter (gateway ↔
  // L2CrossDomainMessenger, EscapeHatch ↔ L1CrossDomainMessenger) replaces it in issue 11 §1.
  throw new DeployConfigError(
    `chains.${chain.name}: escape wiring to an OP Stack chain needs the OP Stack escape adapter, which this build's ` +
      "EscapeHatch does not have yet",
  );
}

/** The L1 EscapeHatch's creation code over every L2's (chain id, L1 endpoint, gateway). */
export function escapeHatchInitCode(registry: readonly { chainId: number; portal: Address; gateway: Address }[]): Hex {
  return encodeDeployData({
    abi: escapeHatchAbi,
    bytecode: escapeHatchBytecode,
    args: [registry.map((e) => BigInt(e.chainId)), registry.map((e) => e.portal), registry.map((e) => e.gateway)],
  });
}
