/**
 * The deployment manifest: written by `deploy/`, read by every service and the CLI. It is the
 * one description of a deployment (chains, contracts, guardians, tokens, roles), validated with
 * zod on load so a stale or hand-edited file fails with a readable message, not a crash later.
 * Browser-safe (the SDK bundles it): reading the file is `loadManifest` in `manifest-file.ts`.
 */
import { getAddress, isAddress, type Address } from "viem";
import { z } from "zod";

const address = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), { message: "not an address" })
  .transform((v) => getAddress(v));
const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "not a 32-byte hex private key");

/**
 * Who governs a chain: the security council Safe (owners, threshold), the TimelockController
 * holding GOVERNOR_ROLE on the gateway, and the Safe contracts protocol-kit is pointed at.
 */
export const governanceSchema = z.object({
  safe: address,
  owners: z.array(address).min(1),
  threshold: z.number().int().positive(),
  timelock: address,
  /** The timelock's minimum delay at deployment. */
  delaySeconds: z.number().int().nonnegative(),
  /** First block of the governance contracts: scans for timelock operations start here. */
  deployBlock: z.number().int().nonnegative(),
  /** protocol-kit `contractNetworks` entry for this chain. */
  safeContracts: z.object({
    safeSingletonAddress: address,
    safeProxyFactoryAddress: address,
    fallbackHandlerAddress: address,
    multiSendAddress: address,
    multiSendCallOnlyAddress: address,
    signMessageLibAddress: address,
    createCallAddress: address,
    simulateTxAccessorAddress: address,
  }),
});

/**
 * An OP Stack L2's bridge contracts on L1: what the escape hatch rides on (docs/escape-hatch.md).
 * Its L2 side is the canonical predeploys (`core/op-stack.ts`), the same on every OP Stack chain.
 */
export const rollupSchema = z.object({
  kind: z.literal("op-stack").default("op-stack"),
  /** `OptimismPortal` (proxy): proves and finalizes withdrawals, takes deposits. */
  portal: address,
  /** `L2OutputOracle` (proxy): the output roots withdrawals are proven against. */
  l2OutputOracle: address,
  /** `SystemConfig` (proxy). */
  systemConfig: address,
  /** `L1CrossDomainMessenger` (proxy): the `EscapeHatch` registers it per L2. */
  l1CrossDomainMessenger: address,
  /** `L1StandardBridge` (proxy): releases L1 tokens of refunds paid on L1. */
  l1StandardBridge: address,
  /** L2→L1 messages are final this long after their output root is posted (the oracle's). */
  finalizationSeconds: z.number().int().nonnegative(),
  /** L1 block of the contracts' deployment: where scans of their events start. */
  l1DeployBlock: z.number().int().nonnegative().default(0),
});

export const chainSchema = z.object({
  /** Short name used on the command line: "l1", "l2a", ... */
  name: z.string().min(1),
  chainId: z.number().int().positive(),
  rpcUrl: z.string().url(),
  /**
   * Every JSON-RPC endpoint services read this chain through (independent providers or own
   * nodes; `rpcUrl` when absent). Guardians require them to agree (guardian/quorum.ts); each
   * operator should override them with their own (`RPC_URLS`), so no two services share one.
   */
  rpcUrls: z.array(z.string().url()).min(1).optional(),
  kind: z.enum(["l1", "l2"]),
  /** Blocks a guardian or relayer waits before trusting a log. */
  confirmations: z.number().int().nonnegative(),
  /** The chain's BridgeGateway (L2s only). */
  gateway: address.optional(),
  /** Block the gateway was deployed in: where log scans start. */
  deployBlock: z.number().int().nonnegative().optional(),
  /** Council Safe and timelock of this chain. */
  governance: governanceSchema.optional(),
  /** The OP Stack contracts of this L2 on L1 (L2s only): where escapes go through. */
  rollup: rollupSchema.optional(),
});

export const tokenSchema = z.object({
  symbol: z.string().min(1),
  name: z.string().min(1),
  decimals: z.number().int().min(0).max(36),
  homeChainId: z.number().int().positive(),
  /** The token identity in messages: its address on the home chain. */
  homeToken: address,
  /** Local token address per chain id (the home token itself on its home chain). */
  addresses: z.record(z.string(), address),
  /**
   * The L1 token the home token is the canonical rollup copy of, when it has one: escaped
   * transfers of it can be refunded on L1 (`bridge escape --to-l1`).
   */
  l1Token: address.optional(),
});

export const guardianSchema = z.object({
  address,
  /** Where the guardian serves signatures. */
  url: z.string().url(),
});

export const manifestSchema = z.object({
  version: z.literal(1),
  /** "devnet" manifests may carry private keys for local use; production ones never do. */
  network: z.string().min(1),
  chains: z.array(chainSchema).min(1),
  guardianSet: z.object({
    index: z.number().int().nonnegative(),
    threshold: z.number().int().positive(),
    guardians: z.array(guardianSchema).min(1),
  }),
  /**
   * Every guardian endpoint operators run, current or standby: after a rotation the gateways
   * name the new members, and relayers find their URLs here (members absent from it cannot be
   * asked to sign). Defaults to the initial set.
   */
  guardianDirectory: z.array(guardianSchema).optional(),
  tokens: z.array(tokenSchema),
  params: z.object({
    largeDelaySeconds: z.number().int().nonnegative(),
  }),
  /** The L1 `EscapeHatch` (absent: the deployment has no escape hatch). */
  escape: z
    .object({
      escapeHatch: address,
      /** L1 block of the escape contracts' deployment: scans of their events start here. */
      l1DeployBlock: z.number().int().nonnegative(),
    })
    .optional(),
  /** Role holders per chain name (what deployment granted; the chains are the truth). */
  roles: z.record(
    z.string(),
    z.object({
      /** GOVERNOR_ROLE: the chain's TimelockController, nothing else. */
      governor: address,
      /** PAUSER_ROLE and VETO_ROLE: the council Safe and the monitor's key. */
      pausers: z.array(address),
      vetoers: z.array(address),
    }),
  ),
  /** Devnet only: well-known local keys so tools can act without a wallet. Never in production. */
  devKeys: z
    .object({
      deployer: privateKey,
      monitor: privateKey,
      /** The council Safe's owners (local use only). */
      council: z.array(privateKey).default([]),
      guardians: z.array(privateKey),
      /** Guardians running on standby, outside the initial set (rotation targets). */
      standbyGuardians: z.array(privateKey).default([]),
      relayers: z.array(privateKey),
      users: z.array(privateKey),
      /** Per L2 name: the key of its `L2OutputOracle`'s proposer (the devnet's output proposer). */
      rollups: z.record(z.string(), z.object({ proposer: privateKey })).default({}),
    })
    .optional(),
});

export type ChainInfo = z.infer<typeof chainSchema>;
export type RollupInfo = z.infer<typeof rollupSchema>;
export type TokenInfo = z.infer<typeof tokenSchema>;
export type Manifest = z.infer<typeof manifestSchema>;

export class ManifestError extends Error {
  override name = "ManifestError";
}

export function parseManifest(json: unknown, source = "manifest"): Manifest {
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ManifestError(`${source} is invalid:\n  ${issues.join("\n  ")}`);
  }
  return result.data;
}

/** Every guardian endpoint known: the directory, or the initial set when there is none. */
export function guardianDirectory(manifest: Manifest): z.infer<typeof guardianSchema>[] {
  return manifest.guardianDirectory ?? manifest.guardianSet.guardians;
}

/** An L2: a chain with a gateway. */
export type GatewayChain = ChainInfo & { gateway: Address };

/** The L2s: every chain with a gateway. */
export function gatewayChains(manifest: Manifest): GatewayChain[] {
  return manifest.chains.filter((c): c is GatewayChain => c.gateway !== undefined);
}

/** Finds a chain by name or decimal chain id. */
export function findChain(manifest: Manifest, nameOrId: string | number): ChainInfo {
  const key = String(nameOrId).toLowerCase();
  const chain = manifest.chains.find((c) => c.name.toLowerCase() === key || String(c.chainId) === key);
  if (!chain) {
    const known = manifest.chains.map((c) => `${c.name} (${c.chainId})`).join(", ");
    throw new ManifestError(`unknown chain "${nameOrId}"; known chains: ${known}`);
  }
  return chain;
}

export function chainById(manifest: Manifest, chainId: number | bigint): ChainInfo {
  const chain = manifest.chains.find((c) => c.chainId === Number(chainId));
  if (!chain) throw new ManifestError(`chain ${chainId} is not in the manifest`);
  return chain;
}

/** Finds a token by symbol, home identity, or any of its local addresses. */
export function findToken(manifest: Manifest, symbolOrAddress: string): TokenInfo {
  const key = symbolOrAddress.toLowerCase();
  const token = manifest.tokens.find(
    (t) =>
      t.symbol.toLowerCase() === key ||
      t.homeToken.toLowerCase() === key ||
      Object.values(t.addresses).some((a) => a.toLowerCase() === key),
  );
  if (!token) {
    const known = manifest.tokens.map((t) => t.symbol).join(", ");
    throw new ManifestError(`unknown token "${symbolOrAddress}"; known tokens: ${known}`);
  }
  return token;
}

/**
 * The token with this identity: its home-chain address and, when given, its home chain (a
 * message's `tokenChainId`; two tokens at one address on two chains are different tokens).
 */
export function tokenByHome(
  manifest: Manifest,
  homeToken: Address,
  homeChainId?: number | bigint,
): TokenInfo | undefined {
  return manifest.tokens.find(
    (t) =>
      t.homeToken.toLowerCase() === homeToken.toLowerCase() &&
      (homeChainId === undefined || BigInt(t.homeChainId) === BigInt(homeChainId)),
  );
}
