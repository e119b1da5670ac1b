/**
 * Deploys a whole bridge over JSON-RPC — a gateway per L2, home and bridged tokens, routes
 * between every pair of L2s, limits, the monitor's PAUSER/VETO roles — and returns the
 * deployment manifest every service and the CLI read. The devnet and the integration tests both
 * deploy through this function.
 */
import { privateKeyToAccount } from "viem/accounts";
import { parseUnits, type Address, type Hex } from "viem";
import { bridgeGatewayAbi, testTokenAbi } from "../core/generated/abis.js";
import { publicClientFor, walletClientFor } from "../core/chains.js";
import { parseManifest, type Manifest } from "../core/manifest.js";
import { sortGuardians } from "../core/attestation.js";
import {
  confirm,
  deployBridgedToken,
  deployGateway,
  deployTestToken,
  registerToken,
  setRoute,
  type TokenLimits,
} from "./contracts.js";

export interface ChainInput {
  name: string;
  chainId: number;
  rpcUrl: string;
  kind: "l1" | "l2";
  confirmations: number;
}

export interface TokenInput {
  symbol: string;
  name: string;
  decimals: number;
  /** Name of the L2 where the token is canonical. */
  home: string;
  /** Whole tokens minted to each user key on the home chain, for demos and tests. */
  faucetPerUser: string;
}

export interface BridgeDeployInput {
  network: string;
  chains: ChainInput[];
  deployerKey: Hex;
  monitorKey: Hex;
  guardianKeys: Hex[];
  guardianUrls: string[];
  threshold: number;
  relayerKeys: Hex[];
  userKeys: Hex[];
  tokens: TokenInput[];
  largeDelaySeconds: number;
  /** Limits in whole tokens (scaled by each token's decimals). */
  limits: { fast: string; inboundCapacity: string; inboundPerSecond: string; outboundCapacity: string; outboundPerSecond: string };
  /** Include the keys in the manifest (devnet only). */
  includeDevKeys: boolean;
}

export async function deployBridge(input: BridgeDeployInput): Promise<Manifest> {
  const deployer = privateKeyToAccount(input.deployerKey);
  const monitor = privateKeyToAccount(input.monitorKey);
  const guardianAddresses = input.guardianKeys.map((k) => privateKeyToAccount(k).address);
  const l2s = input.chains.filter((c) => c.kind === "l2");
  const clients = new Map(
    l2s.map((c) => [c.name, { info: c, pub: publicClientFor({ ...c }), wallet: walletClientFor({ ...c }, deployer) }]),
  );
  const at = (name: string) => {
    const c = clients.get(name);
    if (!c) throw new Error(`token home "${name}" is not an L2 of this deployment`);
    return c;
  };

  // 1. A gateway per L2, in parallel (chains are independent).
  const gateways = new Map<string, { address: Address; block: number }>();
  await Promise.all(
    l2s.map(async (c) => {
      const { pub, wallet } = at(c.name);
      const block = Number(await pub.getBlockNumber());
      const address = await deployGateway(wallet, pub, {
        governor: deployer.address,
        guardians: guardianAddresses,
        threshold: input.threshold,
        largeDelaySeconds: input.largeDelaySeconds,
      });
      gateways.set(c.name, { address, block });
    }),
  );
  const gatewayOf = (name: string) => gateways.get(name)!.address;

  // 2. Tokens: the home token on its home chain, a BridgedToken everywhere else.
  const tokens: Manifest["tokens"] = [];
  for (const t of input.tokens) {
    const home = at(t.home);
    const homeToken = await deployTestToken(home.wallet, home.pub, t.name, t.symbol, t.decimals);
    const addresses: Record<string, Address> = { [String(home.info.chainId)]: homeToken };
    await Promise.all(
      l2s
        .filter((c) => c.name !== t.home)
        .map(async (c) => {
          const { pub, wallet } = at(c.name);
          addresses[String(c.chainId)] = await deployBridgedToken(wallet, pub, {
            name: `${t.name} (Portcullis)`,
            symbol: t.symbol,
            decimals: t.decimals,
            gateway: gatewayOf(c.name),
            homeToken,
            homeChainId: BigInt(home.info.chainId),
          });
        }),
    );
    for (const key of input.userKeys) {
      const user = privateKeyToAccount(key).address;
      await confirm(
        home.pub,
        await home.wallet.writeContract({
          address: homeToken,
          abi: testTokenAbi,
          functionName: "mint",
          args: [user, parseUnits(t.faucetPerUser, t.decimals)],
        }),
      );
    }
    tokens.push({ symbol: t.symbol, name: t.name, decimals: t.decimals, homeChainId: home.info.chainId, homeToken, addresses });
  }

  // 3. Per L2: routes to every other L2, token registrations and limits, monitor roles.
  await Promise.all(
    l2s.map(async (c) => {
      const { pub, wallet } = at(c.name);
      const gateway = gatewayOf(c.name);
      for (const other of l2s) {
        if (other.name !== c.name) await setRoute(wallet, pub, gateway, BigInt(other.chainId), gatewayOf(other.name));
      }
      for (const t of tokens) {
        await registerToken(wallet, pub, gateway, t.homeToken, t.addresses[String(c.chainId)]!, scaledLimits(input, t.decimals));
      }
      for (const role of ["PAUSER_ROLE", "VETO_ROLE"] as const) {
        const roleId = await pub.readContract({ address: gateway, abi: bridgeGatewayAbi, functionName: role });
        await confirm(
          pub,
          await wallet.writeContract({
            address: gateway,
            abi: bridgeGatewayAbi,
            functionName: "grantRole",
            args: [roleId, monitor.address],
          }),
        );
      }
    }),
  );

  return parseManifest({
    version: 1,
    network: input.network,
    chains: input.chains.map((c) => ({
      ...c,
      ...(gateways.has(c.name) ? { gateway: gatewayOf(c.name), deployBlock: gateways.get(c.name)!.block } : {}),
    })),
    guardianSet: {
      index: 0,
      threshold: input.threshold,
      guardians: sortGuardians(guardianAddresses).map((address) => ({
        address,
        url: input.guardianUrls[guardianAddresses.indexOf(address)]!,
      })),
    },
    tokens,
    params: { largeDelaySeconds: input.largeDelaySeconds },
    roles: { governor: deployer.address, pausers: [monitor.address], vetoers: [monitor.address] },
    ...(input.includeDevKeys
      ? {
          devKeys: {
            deployer: input.deployerKey,
            monitor: input.monitorKey,
            guardians: input.guardianKeys,
            relayers: input.relayerKeys,
            users: input.userKeys,
          },
        }
      : {}),
  });
}

function scaledLimits(input: BridgeDeployInput, decimals: number): TokenLimits {
  const u = (v: string) => parseUnits(v, decimals);
  return {
    fastLimit: u(input.limits.fast),
    inbound: { capacity: u(input.limits.inboundCapacity), refillPerSecond: u(input.limits.inboundPerSecond) },
    outbound: { capacity: u(input.limits.outboundCapacity), refillPerSecond: u(input.limits.outboundPerSecond) },
  };
}
