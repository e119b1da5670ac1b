/**
 * What the security council can do, as gateway (or timelock) calls, from typed inputs. Pure: each
 * refusal is an `InvalidInputError` with one plain sentence, raised before anything is signed,
 * and unit-tested (test/ts/sdk/council-actions.test.ts). Reading what a person typed (flags,
 * whole-token amounts, comma lists) is the front end's job (`cli/council-input.ts`).
 */
import { encodeFunctionData, getAddress, type Address, type Hex } from "viem";
import { sortGuardians } from "../../core/attestation.js";
import { bridgeGatewayAbi, timelockControllerAbi } from "../../core/generated/abis.js";
import type { Manifest } from "../../core/manifest.js";
import { InvalidInputError } from "../errors.js";
import { resolveChain, resolveToken, type GatewayChain } from "../input.js";

/** One call a Safe transaction or a timelock operation makes. */
export interface GovernanceCall {
  target: Address;
  data: Hex;
  /** What it does, for people: "l2a: unpause()". */
  description: string;
}

/** A rate-limit bucket in base units. */
export interface BucketSetting {
  capacity: bigint;
  refillPerSecond: bigint;
}

/** A timelocked change (`Council.propose`). */
export type Proposal =
  /** Rotate to a new guardian set; the previous one keeps verifying for `graceSeconds`. */
  | {
      action: "set-guardians";
      guardians: readonly Address[];
      threshold: number;
      graceSeconds?: number;
      /** Accept a threshold below two thirds of the set. */
      allowWeakThreshold?: boolean;
    }
  /** Same members, new threshold. */
  | { action: "set-threshold"; threshold: number; graceSeconds?: number; allowWeakThreshold?: boolean }
  /** A token's fast limit and buckets, in base units; at least one. */
  | { action: "set-limits"; token: string; fastLimit?: bigint; inbound?: BucketSetting; outbound?: BucketSetting }
  /** The gateway's large-transfer delay. */
  | { action: "set-delay"; seconds: number }
  /** The timelock's own delay; never below the escape duration unless `allowShortDelay` (devnets). */
  | { action: "set-governance-delay"; seconds: number; allowShortDelay?: boolean }
  /** Enable the route to another chain's gateway. */
  | { action: "add-route"; remote: string | number }
  | { action: "unpause" };

export type ProposalAction = Proposal["action"];

/** What the chain says now, for proposals that change part of a setting. */
export interface ChainView {
  guardians: readonly Address[];
  /** Minimum governance delay (the escape duration), for `set-governance-delay`. */
  escapeDurationSeconds: number;
  /** The chain's timelock (target of `set-governance-delay`). */
  timelock: Address;
}

/** A guardian threshold below two thirds of the set, not accepted explicitly. */
export class WeakThresholdError extends InvalidInputError {
  override name = "WeakThresholdError";
  constructor(
    readonly threshold: number,
    readonly guardians: number,
    readonly minimum: number,
  ) {
    super(
      `a guardian threshold of ${threshold} of ${guardians} is below the two-thirds minimum ${minimum}; it must be accepted explicitly as a weak threshold.`,
    );
  }
}

/** A governance delay shorter than an escape through L1, not accepted explicitly. */
export class ShortGovernanceDelayError extends InvalidInputError {
  override name = "ShortGovernanceDelayError";
  constructor(
    readonly seconds: number,
    readonly escapeDurationSeconds: number,
  ) {
    super(
      `a governance delay of ${seconds} s is shorter than an escape through L1 (${escapeDurationSeconds} s): users could not leave before a change lands; only a devnet may accept that.`,
    );
  }
}

/** How long the previous guardian set keeps verifying after a rotation, unless said otherwise. */
export const DEFAULT_GRACE_SECONDS = 86_400;
/** Longest grace a proposal may give the previous set. */
export const MAX_GRACE_SECONDS = 30 * 86_400;
const MAX_LIMIT = 1n << 96n;

/** The smallest threshold that is not "weak": ⌈2N/3⌉ (a two-thirds supermajority). */
export function minimumStrongThreshold(n: number): number {
  return Math.ceil((2 * n) / 3);
}

/**
 * A guardian threshold for a set of `n`: at least 1, at most n, and at least ⌈2N/3⌉ unless the
 * caller explicitly accepts a weak threshold.
 */
export function checkGuardianThreshold(threshold: number, n: number, allowWeak: boolean): number {
  if (!Number.isInteger(threshold) || threshold < 0) {
    throw new InvalidInputError(`a guardian threshold must be a whole number, not ${threshold}.`);
  }
  if (threshold === 0) {
    throw new InvalidInputError("a guardian threshold of 0 would let anyone deliver messages; it must be at least 1.");
  }
  if (threshold > n) {
    throw new InvalidInputError(
      `a guardian threshold of ${threshold} is above the ${n} guardians of the set; nothing could ever be delivered.`,
    );
  }
  const strong = minimumStrongThreshold(n);
  if (threshold < strong && !allowWeak) throw new WeakThresholdError(threshold, n, strong);
  return threshold;
}

/** A guardian set: distinct, non-zero, at most 255, returned ascending as the gateway wants it. */
export function checkGuardianSet(guardians: readonly Address[]): Address[] {
  if (guardians.length === 0) throw new InvalidInputError("a guardian set needs at least one guardian.");
  if (guardians.length > 255)
    throw new InvalidInputError(`a guardian set has at most 255 guardians, not ${guardians.length}.`);
  const seen = new Set<string>();
  for (const g of guardians) {
    const address = getAddress(g);
    if (BigInt(address) === 0n) throw new InvalidInputError("a guardian must not be the zero address.");
    if (seen.has(address)) throw new InvalidInputError(`the guardian set lists ${address} twice.`);
    seen.add(address);
  }
  return sortGuardians(guardians);
}

function checkWhole(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`${what} must be a whole number from ${min} to ${max}, not ${value}.`);
  }
  return value;
}

function checkLimit(value: bigint, what: string, symbol: string): bigint {
  if (value < 0n || value >= MAX_LIMIT) {
    throw new InvalidInputError(`${what} of ${symbol} must be from 0 to 2^96 - 1 base units, not ${value}.`);
  }
  return value;
}

function gatewayCall(chain: GatewayChain, description: string, data: Hex): GovernanceCall {
  return { target: chain.gateway, data, description: `${chain.name}: ${description}` };
}

/**
 * The calls of a timelocked proposal on `chain`. Throws `InvalidInputError` on anything the
 * gateway or the timelock would refuse (or that would weaken the bridge without saying so), so
 * nothing reaches a signer.
 */
export function buildProposal(
  manifest: Manifest,
  chain: GatewayChain,
  proposal: Proposal,
  view: ChainView,
): GovernanceCall[] {
  switch (proposal.action) {
    case "set-guardians": {
      const guardians = checkGuardianSet(proposal.guardians);
      const threshold = checkGuardianThreshold(proposal.threshold, guardians.length, !!proposal.allowWeakThreshold);
      const grace = checkWhole(
        proposal.graceSeconds ?? DEFAULT_GRACE_SECONDS,
        "the grace period",
        0,
        MAX_GRACE_SECONDS,
      );
      return [setGuardianSetCall(chain, guardians, threshold, grace)];
    }
    case "set-threshold": {
      const threshold = checkGuardianThreshold(
        proposal.threshold,
        view.guardians.length,
        !!proposal.allowWeakThreshold,
      );
      const grace = checkWhole(
        proposal.graceSeconds ?? DEFAULT_GRACE_SECONDS,
        "the grace period",
        0,
        MAX_GRACE_SECONDS,
      );
      return [setGuardianSetCall(chain, sortGuardians(view.guardians), threshold, grace)];
    }
    case "set-limits": {
      const token = resolveToken(manifest, proposal.token);
      const { fastLimit, inbound, outbound } = proposal;
      if (fastLimit === undefined && inbound === undefined && outbound === undefined) {
        throw new InvalidInputError("a limits change needs a fast limit, an inbound bucket or an outbound bucket.");
      }
      const calls: GovernanceCall[] = [];
      if (fastLimit !== undefined) {
        const fast = checkLimit(fastLimit, "the fast limit", token.symbol);
        calls.push(
          gatewayCall(
            chain,
            `setFastLimit(${token.symbol}, ${fast})`,
            encodeFunctionData({
              abi: bridgeGatewayAbi,
              functionName: "setFastLimit",
              args: [BigInt(token.homeChainId), token.homeToken, fast],
            }),
          ),
        );
      }
      for (const [name, bucket, direction] of [
        ["inbound", inbound, 0],
        ["outbound", outbound, 1],
      ] as const) {
        if (bucket === undefined) continue;
        const capacity = checkLimit(bucket.capacity, `the ${name} capacity`, token.symbol);
        const refill = checkLimit(bucket.refillPerSecond, `the ${name} refill per second`, token.symbol);
        calls.push(
          gatewayCall(
            chain,
            `setRateLimit(${token.symbol}, ${name}, ${capacity}/${refill})`,
            encodeFunctionData({
              abi: bridgeGatewayAbi,
              functionName: "setRateLimit",
              args: [BigInt(token.homeChainId), token.homeToken, direction, capacity, refill],
            }),
          ),
        );
      }
      return calls;
    }
    case "set-governance-delay": {
      const seconds = checkWhole(proposal.seconds, "the governance delay", 0, 365 * 86_400);
      if (seconds < view.escapeDurationSeconds && !proposal.allowShortDelay) {
        throw new ShortGovernanceDelayError(seconds, view.escapeDurationSeconds);
      }
      return [
        {
          target: view.timelock,
          data: encodeFunctionData({
            abi: timelockControllerAbi,
            functionName: "updateDelay",
            args: [BigInt(seconds)],
          }),
          description: `${chain.name}: timelock updateDelay(${seconds})`,
        },
      ];
    }
    case "set-delay": {
      const seconds = checkWhole(proposal.seconds, "the large-transfer delay", 0, 2 ** 32 - 1);
      return [
        gatewayCall(
          chain,
          `setLargeDelay(${seconds})`,
          encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "setLargeDelay", args: [seconds] }),
        ),
      ];
    }
    case "add-route": {
      const remote = resolveChain(manifest, proposal.remote, "remote");
      if (remote.chainId === chain.chainId) {
        throw new InvalidInputError(`a route must lead to another chain than ${chain.name}.`);
      }
      return [
        gatewayCall(
          chain,
          `setRoute(${remote.name}, ${remote.gateway}, enabled)`,
          encodeFunctionData({
            abi: bridgeGatewayAbi,
            functionName: "setRoute",
            args: [BigInt(remote.chainId), remote.gateway, true],
          }),
        ),
      ];
    }
    case "unpause":
      return [gatewayCall(chain, "unpause()", encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "unpause" }))];
  }
}

export function setGuardianSetCall(
  chain: GatewayChain,
  guardians: readonly Address[],
  threshold: number,
  graceSeconds: number,
): GovernanceCall {
  return gatewayCall(
    chain,
    `setGuardianSet(${guardians.length} guardians, threshold ${threshold}, grace ${graceSeconds} s)`,
    encodeFunctionData({
      abi: bridgeGatewayAbi,
      functionName: "setGuardianSet",
      args: [[...guardians], threshold, BigInt(graceSeconds)],
    }),
  );
}

export function pauseCall(chain: GatewayChain): GovernanceCall {
  return gatewayCall(chain, "pause()", encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "pause" }));
}

export function vetoCall(chain: GatewayChain, msgId: Hex): GovernanceCall {
  return gatewayCall(
    chain,
    `veto(${msgId})`,
    encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "veto", args: [msgId] }),
  );
}
