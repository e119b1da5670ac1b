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
import { encodeDeployData, getAddress, type Abi, type Address, type Hex, type PublicClient } from "viem";
import type { RollupInfo } from "../core/manifest.js";
import { OP_PREDEPLOYS } from "../core/op-stack.js";
import {
  escapeHatchAbi,
  escapeHatchBytecode,
  l1CrossDomainMessengerAbi,
  l1StandardBridgeAbi,
  l2CrossDomainMessengerAbi,
  l2StandardBridgeAbi,
  l2ToL1MessagePasserAbi,
  optimismPortalAbi,
} from "../core/generated/abis.js";
import type { DeployConfig, L2Config } from "./config.js";

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

/** An L2's OP Stack bridge contracts as the config names them, both sides. */
export interface OpStackContracts {
  portal: Address;
  /** Absent on a fault-proof chain (dispute games). */
  l2OutputOracle?: Address;
  systemConfig: Address;
  l1CrossDomainMessenger: Address;
  l1StandardBridge: Address;
  l2CrossDomainMessenger: Address;
  l2StandardBridge: Address;
  l2ToL1MessagePasser: Address;
}

/** The OP Stack contracts a chain's config names (none for a devnet L2 without them). */
export function opStackContractsOf(chain: L2Config): OpStackContracts | undefined {
  if (chain.kind === "devnet") {
    if (!chain.rollup) return undefined;
    const r = chain.rollup;
    return {
      portal: r.portal,
      l2OutputOracle: r.l2OutputOracle,
      systemConfig: r.systemConfig,
      l1CrossDomainMessenger: r.l1CrossDomainMessenger,
      l1StandardBridge: r.l1StandardBridge,
      l2CrossDomainMessenger: OP_PREDEPLOYS.l2CrossDomainMessenger,
      l2StandardBridge: OP_PREDEPLOYS.l2StandardBridge,
      l2ToL1MessagePasser: OP_PREDEPLOYS.l2ToL1MessagePasser,
    };
  }
  const l1 = chain.l1Contracts;
  return {
    portal: l1.optimismPortal,
    l2OutputOracle: l1.l2OutputOracle,
    systemConfig: l1.systemConfig,
    l1CrossDomainMessenger: l1.l1CrossDomainMessenger,
    l1StandardBridge: l1.l1StandardBridge,
    l2CrossDomainMessenger: chain.l2Contracts.l2CrossDomainMessenger,
    l2StandardBridge: chain.l2Contracts.l2StandardBridge,
    l2ToL1MessagePasser: chain.l2Contracts.l2ToL1MessagePasser,
  };
}

export class EscapeContractsError extends Error {
  override name = "EscapeContractsError";
}

/**
 * Every way the OP Stack contracts a config names fail to belong together, one sentence each —
 * read from the contracts themselves before anything is planned. The escape wiring is permanent
 * (a gateway's `initializeEscape` runs once; the EscapeHatch registry is fixed at construction),
 * so a messenger of the wrong chain, a swapped bridge or a typo must stop the deployment, not
 * become part of it. Checked: each messenger and standard bridge names its counterpart on the
 * other side, the L1 messenger its portal, the bridges their messengers, and the portal its
 * `SystemConfig` and (permissioned-output chains) its `L2OutputOracle`; the `L2ToL1MessagePasser`
 * answers as one (withdrawal proofs are against its storage). A fault-proof chain's
 * `DisputeGameFactory` is not read: nothing Portcullis deploys uses it.
 */
export async function opStackContractProblems(
  config: Pick<DeployConfig, "chains" | "l1">,
  clients: { l1: PublicClient; l2: Record<string, PublicClient> },
): Promise<string[]> {
  const perChain = await Promise.all(
    config.chains.map(async (chain) => {
      const c = opStackContractsOf(chain);
      if (!c) return [];
      const l2 = clients.l2[chain.name]!;
      const where = { [config.l1.name]: clients.l1, [chain.name]: l2 };
      /** `fn()` of the `name` at `address` on chain `on`, or why it cannot be read. */
      const read = async (on: string, name: string, address: Address, abi: Abi, fn: string) => {
        const client = where[on]!;
        try {
          return { value: await client.readContract({ address, abi, functionName: fn }) };
        } catch {
          const code = await client.getCode({ address }).catch(() => undefined);
          return {
            problem:
              !code || code === "0x"
                ? `${chain.name}: the ${name} ${address} has no code on ${on}`
                : `${chain.name}: the ${name} ${address} on ${on} does not answer ${fn}() (not an OP Stack ${name}?)`,
          };
        }
      };
      /** …which must be `want`. */
      const expect = async (on: string, name: string, address: Address, abi: Abi, fn: string, want: Address) => {
        const r = await read(on, name, address, abi, fn);
        if ("problem" in r) return r.problem;
        const got = getAddress(r.value as Address);
        return got === getAddress(want)
          ? undefined
          : `${chain.name}: the ${name} ${address} names ${fn} ${got} on ${on} (config: ${want})`;
      };
      const [l1, l2n] = [config.l1.name, chain.name];
      // [chain, contract, its address, its ABI, getter, the address the getter must return]
      const links: [string, string, Address, Abi, string, Address][] = [
        [
          l2n,
          "L2CrossDomainMessenger",
          c.l2CrossDomainMessenger,
          l2CrossDomainMessengerAbi,
          "otherMessenger",
          c.l1CrossDomainMessenger,
        ],
        [l2n, "L2StandardBridge", c.l2StandardBridge, l2StandardBridgeAbi, "messenger", c.l2CrossDomainMessenger],
        [l2n, "L2StandardBridge", c.l2StandardBridge, l2StandardBridgeAbi, "otherBridge", c.l1StandardBridge],
        [
          l1,
          "L1CrossDomainMessenger",
          c.l1CrossDomainMessenger,
          l1CrossDomainMessengerAbi,
          "otherMessenger",
          c.l2CrossDomainMessenger,
        ],
        [l1, "L1CrossDomainMessenger", c.l1CrossDomainMessenger, l1CrossDomainMessengerAbi, "portal", c.portal],
        [l1, "L1StandardBridge", c.l1StandardBridge, l1StandardBridgeAbi, "messenger", c.l1CrossDomainMessenger],
        [l1, "L1StandardBridge", c.l1StandardBridge, l1StandardBridgeAbi, "otherBridge", c.l2StandardBridge],
        [l1, "OptimismPortal", c.portal, optimismPortalAbi, "systemConfig", c.systemConfig],
      ];
      if (c.l2OutputOracle)
        links.push([l1, "OptimismPortal", c.portal, optimismPortalAbi, "l2Oracle", c.l2OutputOracle]);
      const checks = [
        ...links.map((link) => expect(...link)),
        // The escape's withdrawal proofs are against this contract's storage: it must be one.
        read(l2n, "L2ToL1MessagePasser", c.l2ToL1MessagePasser, l2ToL1MessagePasserAbi, "messageNonce").then((r) =>
          "problem" in r ? r.problem : undefined,
        ),
      ];
      return (await Promise.all(checks)).filter((p) => p !== undefined);
    }),
  );
  // One sentence per missing contract, not one per getter asked of it.
  return [...new Set(perChain.flat())];
}
