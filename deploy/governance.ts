/**
 * Governance: the security council Safe and the `TimelockController` of every L2, as the
 * deployment engine (`deploy/engine.ts`) creates them, and the governance delay's floor.
 *
 * The Safe contracts are the `@safe-global/safe-smart-account` 1.5.0 build artifacts, created
 * through the CREATE2 deployer with a zero salt: the same addresses on every chain, whoever put
 * them there first. The council Safe is a `SafeProxyFactory` proxy whose address follows from its
 * owners, threshold and a salt nonce derived from the deployment's salt (the same on every chain);
 * `@safe-global/protocol-kit` drives it afterwards (`cli/council/`), pointed at those contracts
 * with `contractNetworks`.
 *
 * The timelock: the council Safe is its only proposer and canceller; the executor role is open
 * (address(0)), so anyone can execute an operation once its delay has passed — nobody can hold
 * back a change the council scheduled and the delay matured, and nobody can run one early; its
 * admin is address(0), so the timelock administers itself (changing its delay or roles is itself
 * a timelocked operation).
 *
 * The delay is a deploy parameter with a floor: at least as long as an escape through L1 takes
 * (`escapeDurationSeconds`), so a user who does not accept a scheduled change can always leave
 * before it lands. Only a devnet config (`governance.allowShortDelay`) goes below it.
 */
import { createRequire } from "node:module";
import {
  encodeDeployData,
  encodeFunctionData,
  encodePacked,
  getContractAddress,
  keccak256,
  stringToHex,
  zeroAddress,
  zeroHash,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { timelockControllerAbi, timelockControllerBytecode } from "../core/generated/abis.js";
import { create2Address } from "./create2.js";

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

/** The Safe contracts as the CREATE2 deployer places them (zero salt): the same on every chain. */
export function safeContractPlacements(): {
  field: keyof SafeContracts;
  name: string;
  initCode: Hex;
  address: Address;
}[] {
  return (Object.entries(SAFE_ARTIFACTS) as [keyof SafeContracts, string][]).map(([field, path]) => {
    const initCode = safeArtifact(path).bytecode;
    return { field, name: path.split("/").pop()!, initCode, address: create2Address(zeroHash, initCode) };
  });
}

export function safeContractAddresses(): SafeContracts {
  return Object.fromEntries(safeContractPlacements().map((p) => [p.field, p.address])) as SafeContracts;
}

/** A council Safe to create: its address and the proxy factory call that creates it. */
export interface CouncilSafePlan {
  address: Address;
  owners: Address[];
  threshold: number;
  /** `SafeProxyFactory.createProxyWithNonce(singleton, setup(...), saltNonce)`. */
  to: Address;
  data: Hex;
}

/**
 * The council Safe of a deployment: `setup(owners, threshold, no module call, fallback handler,
 * no payment)` through `createProxyWithNonce`, as protocol-kit builds it, with a salt nonce
 * derived from the deployment's salt. Its address (CREATE2 by the proxy factory over the proxy
 * creation code and the singleton) is computed here, offline, so `plan` works before the Safe
 * contracts exist; `apply` checks the Safe landed there.
 */
export function councilSafePlan(
  owners: readonly Address[],
  threshold: number,
  deploymentSalt: string,
  contracts: SafeContracts = safeContractAddresses(),
): CouncilSafePlan {
  const saltNonce = BigInt(keccak256(stringToHex(`${deploymentSalt}/council`)));
  const initializer = encodeFunctionData({
    abi: safeArtifact(SAFE_ARTIFACTS.safeSingletonAddress).abi,
    functionName: "setup",
    args: [
      owners,
      BigInt(threshold),
      zeroAddress,
      "0x",
      contracts.fallbackHandlerAddress,
      zeroAddress,
      0n,
      zeroAddress,
    ],
  });
  const salt = keccak256(encodePacked(["bytes32", "uint256"], [keccak256(initializer), saltNonce]));
  const proxyCode = safeArtifact("proxies/SafeProxy.sol/SafeProxy").bytecode;
  const address = getContractAddress({
    opcode: "CREATE2",
    from: contracts.safeProxyFactoryAddress,
    salt,
    bytecode: encodePacked(["bytes", "uint256"], [proxyCode, BigInt(contracts.safeSingletonAddress)]),
  });
  const data = encodeFunctionData({
    abi: safeArtifact(SAFE_ARTIFACTS.safeProxyFactoryAddress).abi,
    functionName: "createProxyWithNonce",
    args: [contracts.safeSingletonAddress, initializer, saltNonce],
  });
  return { address, owners: [...owners], threshold, to: contracts.safeProxyFactoryAddress, data };
}

/** The minimal Safe ABI the engine reads. */
export const safeReadAbi = [
  { type: "function", name: "getOwners", stateMutability: "view", inputs: [], outputs: [{ type: "address[]" }] },
  { type: "function", name: "getThreshold", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
] as const;

/**
 * The timelock's creation code: minDelay, proposers (also cancellers) = the council Safe,
 * executors = address(0) (anyone), admin = none.
 */
export function timelockInitCode(delaySeconds: number, council: Address): Hex {
  return encodeDeployData({
    abi: timelockControllerAbi,
    bytecode: timelockControllerBytecode,
    args: [BigInt(delaySeconds), [council], [zeroAddress], zeroAddress],
  });
}

/** Role ids of OpenZeppelin's `TimelockController`. */
export const TIMELOCK_ROLES = {
  admin: zeroHash,
  proposer: keccak256(stringToHex("PROPOSER_ROLE")),
  executor: keccak256(stringToHex("EXECUTOR_ROLE")),
  canceller: keccak256(stringToHex("CANCELLER_ROLE")),
} as const;

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
