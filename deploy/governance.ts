/**
 * Governance deployment: on every chain of a deployment (L1 included) the Safe contracts from
 * `@safe-global/safe-smart-account`'s build artifacts, the security council Safe (driven through
 * `@safe-global/protocol-kit` with `contractNetworks`), and an OpenZeppelin `TimelockController`;
 * then the hand-over on every gateway: GOVERNOR_ROLE to the timelock, PAUSER_ROLE and VETO_ROLE
 * to the council Safe, and the deployer renounces GOVERNOR_ROLE last, so it keeps no role.
 *
 * The timelock: the council Safe is its only proposer and canceller; the executor role is open
 * (address(0)), so anyone can execute an operation once its delay has passed — nobody can hold
 * back a change the council scheduled and the delay matured, and nobody can run one early; its
 * admin is address(0), so the timelock administers itself (changing its delay or roles is itself
 * a timelocked operation).
 *
 * The delay is a deploy parameter with a floor: at least as long as an escape through L1 takes
 * (`escapeDurationSeconds`), so a user who does not accept a scheduled change can always leave
 * before it lands. Only `allowShortGovernanceDelay` (the devnet) goes below it, and says so.
 */
import { createRequire } from "node:module";
import { Safe, type ContractNetworksConfig } from "../core/safe-kit.js";
import { getAddress, zeroAddress, type Abi, type Address, type Hex, type PublicClient } from "viem";
import { bridgeGatewayAbi, timelockControllerAbi, timelockControllerBytecode } from "../core/generated/abis.js";
import { confirm, GATEWAY_ROLES, grantRole, type Wallet } from "./contracts.js";

const require = createRequire(import.meta.url);

/** The Safe release deployed and driven here. */
export const SAFE_VERSION = "1.5.0" as const;

/** The Safe contracts protocol-kit needs on a chain, by `ContractNetworkConfig` field. */
const SAFE_ARTIFACTS = {
  safeSingletonAddress: "SafeL2.sol/SafeL2",
  safeProxyFactoryAddress: "proxies/SafeProxyFactory.sol/SafeProxyFactory",
  fallbackHandlerAddress: "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler",
  multiSendAddress: "libraries/MultiSend.sol/MultiSend",
  multiSendCallOnlyAddress: "libraries/MultiSendCallOnly.sol/MultiSendCallOnly",
  signMessageLibAddress: "libraries/SignMessageLib.sol/SignMessageLib",
  createCallAddress: "libraries/CreateCall.sol/CreateCall",
  simulateTxAccessorAddress: "accessors/SimulateTxAccessor.sol/SimulateTxAccessor",
} as const;

export type SafeContracts = Record<keyof typeof SAFE_ARTIFACTS, Address>;

function safeArtifact(path: string): { abi: Abi; bytecode: Hex } {
  return require(`@safe-global/safe-smart-account/build/artifacts/contracts/${path}.json`);
}

// ---------------------------------------------------------------------------------------------
// The governance delay floor

export const DAY = 86_400;

export interface EscapeTiming {
  /** The gateway's default deadline window: how long a sent message may wait for delivery. */
  defaultDeadlineWindow: number;
  /** The rollup's finalization window for the L2→L1 escape message (7 days on optimistic rollups). */
  finalizationWindow: number;
  /** Time to get the proof on L1 and the refund back down to the source L2. */
  relayAllowance: number;
}

export const DEFAULT_ESCAPE_TIMING: EscapeTiming = {
  defaultDeadlineWindow: DAY,
  finalizationWindow: 7 * DAY,
  relayAllowance: 3_600,
};

/**
 * How long a user's escape through L1 takes at worst, in seconds: the message's deadline must
 * pass, the L2→L1 cancellation must finalize, and the proof and refund must be relayed. The
 * governance delay must be at least this long.
 */
export function escapeDurationSeconds(t: EscapeTiming = DEFAULT_ESCAPE_TIMING): number {
  return t.defaultDeadlineWindow + t.finalizationWindow + t.relayAllowance;
}

export class GovernanceDelayError extends Error {
  override name = "GovernanceDelayError";
}

/**
 * Checks a governance delay against the escape duration. Returns a warning to print when the
 * override lets a short delay through; throws when it does not.
 */
export function checkGovernanceDelay(
  delaySeconds: number,
  escape: EscapeTiming,
  allowShort: boolean,
): string | undefined {
  if (!Number.isInteger(delaySeconds) || delaySeconds < 0) {
    throw new GovernanceDelayError(`governance delay ${delaySeconds} is not a whole number of seconds`);
  }
  const floor = escapeDurationSeconds(escape);
  if (delaySeconds >= floor) return undefined;
  const why =
    `governance delay ${delaySeconds} s is shorter than an escape through L1 (${floor} s = deadline window ` +
    `${escape.defaultDeadlineWindow} s + finalization ${escape.finalizationWindow} s + relay ${escape.relayAllowance} s)`;
  if (!allowShort) {
    throw new GovernanceDelayError(
      `${why}: users could not leave before a change lands. Use a delay of at least ${floor} s, ` +
        "or pass allowShortGovernanceDelay for a throwaway devnet.",
    );
  }
  return `WARNING: ${why}. Allowed only because allowShortGovernanceDelay is set (devnet): users could NOT escape before a change lands.`;
}

// ---------------------------------------------------------------------------------------------
// Deployment

export interface GovernanceChainTarget {
  name: string;
  chainId: number;
  rpcUrl: string;
  wallet: Wallet;
  publicClient: PublicClient;
  /** The chain's gateway (L2s), handed over to the timelock. */
  gateway?: Address;
}

export interface GovernanceParams {
  /** The deployer's private key: protocol-kit deploys the Safe proxy with it. */
  deployerKey: Hex;
  councilOwners: readonly Address[];
  councilThreshold: number;
  delaySeconds: number;
  escape?: EscapeTiming;
  allowShortGovernanceDelay?: boolean;
  /** Also PAUSER and VETO on every gateway (the monitor's key). */
  pausersAndVetoers: readonly Address[];
  /** Where the loud short-delay warning goes (default: stderr). */
  warn?: (message: string) => void;
}

export interface ChainGovernance {
  safe: Address;
  owners: Address[];
  threshold: number;
  timelock: Address;
  delaySeconds: number;
  /** First block of the governance contracts: where scans for timelock operations start. */
  deployBlock: number;
  safeContracts: SafeContracts;
}

/**
 * Deploys the Safe contracts, the council Safe and the timelock on every target, then hands each
 * gateway over (see the file header). Chains are set up in parallel.
 */
export async function deployGovernance(
  targets: readonly GovernanceChainTarget[],
  p: GovernanceParams,
): Promise<Record<string, ChainGovernance>> {
  const warning = checkGovernanceDelay(
    p.delaySeconds,
    p.escape ?? DEFAULT_ESCAPE_TIMING,
    !!p.allowShortGovernanceDelay,
  );
  if (warning) (p.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(warning);
  if (p.councilThreshold < 1 || p.councilThreshold > p.councilOwners.length) {
    throw new Error(`council threshold ${p.councilThreshold} must be within 1..${p.councilOwners.length}`);
  }
  const out: Record<string, ChainGovernance> = {};
  await Promise.all(
    targets.map(async (t) => {
      out[t.name] = await deployChainGovernance(t, p);
    }),
  );
  return out;
}

async function deployChainGovernance(t: GovernanceChainTarget, p: GovernanceParams): Promise<ChainGovernance> {
  const deployBlock = Number(await t.publicClient.getBlockNumber());
  const safeContracts = await deploySafeContracts(t.wallet, t.publicClient);
  const safe = await deployCouncilSafe(t, p, safeContracts);
  const timelock = await deployTimelock(t.wallet, t.publicClient, p.delaySeconds, safe);
  if (t.gateway) await handOverGateway(t.wallet, t.publicClient, t.gateway, timelock, [safe, ...p.pausersAndVetoers]);
  return {
    safe,
    owners: p.councilOwners.map((o) => getAddress(o)),
    threshold: p.councilThreshold,
    timelock,
    delaySeconds: p.delaySeconds,
    deployBlock,
    safeContracts,
  };
}

/** Deploys every Safe contract protocol-kit uses from the published build artifacts. */
export async function deploySafeContracts(wallet: Wallet, publicClient: PublicClient): Promise<SafeContracts> {
  const out: Partial<SafeContracts> = {};
  for (const [field, path] of Object.entries(SAFE_ARTIFACTS) as [keyof SafeContracts, string][]) {
    const { abi, bytecode } = safeArtifact(path);
    const receipt = await confirm(publicClient, await wallet.deployContract({ abi, bytecode }));
    if (!receipt.contractAddress) throw new Error(`deploying ${path} created no contract`);
    out[field] = getAddress(receipt.contractAddress);
  }
  return out as SafeContracts;
}

/** protocol-kit's `contractNetworks` for one chain. */
export function contractNetworksFor(chainId: number, c: SafeContracts): ContractNetworksConfig {
  return { [String(chainId)]: { ...c } };
}

async function deployCouncilSafe(t: GovernanceChainTarget, p: GovernanceParams, c: SafeContracts): Promise<Address> {
  const kit = await Safe.init({
    provider: t.rpcUrl,
    signer: p.deployerKey,
    contractNetworks: contractNetworksFor(t.chainId, c),
    predictedSafe: {
      safeAccountConfig: {
        owners: [...p.councilOwners],
        threshold: p.councilThreshold,
        fallbackHandler: c.fallbackHandlerAddress,
      },
      safeDeploymentConfig: { safeVersion: SAFE_VERSION, saltNonce: "0" },
    },
  });
  const tx = await kit.createSafeDeploymentTransaction();
  await confirm(
    t.publicClient,
    await t.wallet.sendTransaction({ to: tx.to as Address, value: BigInt(tx.value), data: tx.data as Hex }),
  );
  const safe = getAddress(await kit.getAddress());
  const connected = await kit.connect({ safeAddress: safe });
  if (!(await connected.isSafeDeployed())) throw new Error(`${t.name}: the council Safe was not deployed at ${safe}`);
  return safe;
}

async function deployTimelock(
  wallet: Wallet,
  publicClient: PublicClient,
  delaySeconds: number,
  council: Address,
): Promise<Address> {
  const hash = await wallet.deployContract({
    abi: timelockControllerAbi,
    bytecode: timelockControllerBytecode,
    // minDelay, proposers (also cancellers), executors (zero address: anyone), admin (none).
    args: [BigInt(delaySeconds), [council], [zeroAddress], zeroAddress],
  });
  const receipt = await confirm(publicClient, hash);
  if (!receipt.contractAddress) throw new Error("timelock deployment created no contract");
  return getAddress(receipt.contractAddress);
}

/**
 * GOVERNOR_ROLE to the timelock, PAUSER_ROLE and VETO_ROLE to `instant` (the council Safe and the
 * monitor's key), then the deployer renounces GOVERNOR_ROLE. Renouncing last matters: GOVERNOR
 * administers every role, so until the grants land the deployer must still hold it.
 */
export async function handOverGateway(
  wallet: Wallet,
  publicClient: PublicClient,
  gateway: Address,
  timelock: Address,
  instant: readonly Address[],
) {
  const has = (role: Hex, account: Address) =>
    publicClient.readContract({
      address: gateway,
      abi: bridgeGatewayAbi,
      functionName: "hasRole",
      args: [role, account],
    });
  await grantRole(wallet, publicClient, gateway, GATEWAY_ROLES.governor, timelock);
  for (const account of instant) {
    for (const role of [GATEWAY_ROLES.pauser, GATEWAY_ROLES.vetoer]) {
      if (!(await has(role, account))) await grantRole(wallet, publicClient, gateway, role, account);
    }
  }
  const me = wallet.account.address;
  for (const role of [GATEWAY_ROLES.pauser, GATEWAY_ROLES.vetoer, GATEWAY_ROLES.governor]) {
    if (!(await has(role, me))) continue;
    await confirm(
      publicClient,
      await wallet.writeContract({
        address: gateway,
        abi: bridgeGatewayAbi,
        functionName: "renounceRole",
        args: [role, me],
      }),
    );
  }
}
