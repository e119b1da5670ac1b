/**
 * What the security council can do, as gateway (or timelock) calls, and every check on what an
 * owner typed. Everything here is pure: each refusal is one sentence, raised before anything is
 * signed, and unit-tested (test/ts/cli/council-actions.test.ts).
 */
import { encodeFunctionData, parseUnits, type Address, type Hex } from "viem";
import { sortGuardians } from "../../core/attestation.js";
import { bridgeGatewayAbi, timelockControllerAbi } from "../../core/generated/abis.js";
import type { Manifest, TokenInfo } from "../../core/manifest.js";
import { BridgeInputError } from "../errors.js";
import { parseAddress, resolveChain, resolveToken, type GatewayChain } from "../input.js";

/** Actions that go through the timelock (`council propose <action>`). */
export const PROPOSAL_ACTIONS = [
  "set-guardians",
  "set-threshold",
  "set-limits",
  "set-delay",
  "add-route",
  "unpause",
] as const;
export type ProposalAction = (typeof PROPOSAL_ACTIONS)[number];

/** One call a Safe transaction or a timelock operation makes. */
export interface GovernanceCall {
  target: Address;
  data: Hex;
  /** What it does, for people: "l2a: unpause()". */
  description: string;
}

/** The options `council propose` accepts (all strings, as typed). */
export interface ProposalOptions {
  guardians?: string;
  threshold?: string;
  grace?: string;
  allowWeakThreshold?: boolean;
  token?: string;
  fast?: string;
  inbound?: string;
  outbound?: string;
  seconds?: string;
  governance?: boolean;
  allowShortDelay?: boolean;
  remote?: string;
}

/** What the chain says now, for actions that change part of a setting. */
export interface ChainView {
  guardians: readonly Address[];
  /** Minimum governance delay (escape duration), for `set-delay --governance`. */
  escapeDurationSeconds: number;
  /** The chain's timelock (target of `set-delay --governance`). */
  timelock: Address;
}

/** The smallest threshold that is not "weak": ⌈2N/3⌉ (a two-thirds supermajority). */
export function minimumStrongThreshold(n: number): number {
  return Math.ceil((2 * n) / 3);
}

export function parseProposalAction(text: string): ProposalAction {
  const action = text.trim().toLowerCase();
  if (!(PROPOSAL_ACTIONS as readonly string[]).includes(action)) {
    throw new BridgeInputError(`unknown action "${text}"; use one of ${PROPOSAL_ACTIONS.join(", ")}.`);
  }
  return action as ProposalAction;
}

/** A comma-separated list of distinct, non-zero, checksummed (or all-lowercase) addresses. */
export function parseAddressList(text: string | undefined, flag: string): Address[] {
  if (text === undefined || text.trim() === "")
    throw new BridgeInputError(`${flag} is required (comma-separated addresses).`);
  const parts = text.split(",").map((p) => p.trim());
  if (parts.some((p) => p === "")) throw new BridgeInputError(`${flag} "${text}" has an empty entry.`);
  const addresses = parts.map((p) => parseAddress(p, `${flag} entry`));
  const seen = new Set<string>();
  for (const a of addresses) {
    if (seen.has(a)) throw new BridgeInputError(`${flag} lists ${a} twice.`);
    seen.add(a);
  }
  if (addresses.length > 255) throw new BridgeInputError(`${flag} has ${addresses.length} guardians; at most 255.`);
  return addresses;
}

/** A whole number within [min, max]. */
export function parseInteger(
  text: string | undefined,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (text === undefined || text.trim() === "") throw new BridgeInputError(`${flag} is required.`);
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw new BridgeInputError(`${flag} "${text}" is not a whole number.`);
  const value = Number(trimmed);
  if (value < min || value > max) throw new BridgeInputError(`${flag} ${value} must be between ${min} and ${max}.`);
  return value;
}

/**
 * A guardian threshold for a set of `n`: at least 1, at most n, and at least ⌈2N/3⌉ unless the
 * caller explicitly accepts a weak threshold.
 */
export function checkGuardianThreshold(thresholdText: string | undefined, n: number, allowWeak: boolean): number {
  if (thresholdText === undefined) throw new BridgeInputError("--threshold is required.");
  if (!/^\d+$/.test(thresholdText.trim())) {
    throw new BridgeInputError(`--threshold "${thresholdText}" is not a whole number.`);
  }
  const t = Number(thresholdText.trim());
  if (t === 0) throw new BridgeInputError("--threshold 0 would let anyone deliver messages; it must be at least 1.");
  if (t > n)
    throw new BridgeInputError(
      `--threshold ${t} is above the ${n} guardians of the set; nothing could ever be delivered.`,
    );
  const strong = minimumStrongThreshold(n);
  if (t < strong && !allowWeak) {
    throw new BridgeInputError(
      `--threshold ${t} of ${n} is below the two-thirds minimum ${strong}; pass --allow-weak-threshold if you really mean it.`,
    );
  }
  return t;
}

/** "capacity/perSecond" in whole tokens, e.g. "100000/100". */
function parseBucket(text: string, flag: string, token: TokenInfo): { capacity: bigint; refillPerSecond: bigint } {
  const parts = text.split("/");
  if (parts.length !== 2)
    throw new BridgeInputError(`${flag} "${text}" must be <capacity>/<refill per second>, e.g. 100000/100.`);
  const [capacity, refill] = parts.map((p, i) =>
    parseTokenAmount(p, `${flag} ${i === 0 ? "capacity" : "refill"}`, token),
  );
  return { capacity: capacity!, refillPerSecond: refill! };
}

function parseTokenAmount(text: string, what: string, token: TokenInfo): bigint {
  const trimmed = text.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed))
    throw new BridgeInputError(`${what} "${text}" is not a decimal amount of ${token.symbol}.`);
  try {
    const value = parseUnits(trimmed, token.decimals);
    if (value >= 1n << 96n) throw new Error("too large");
    return value;
  } catch {
    throw new BridgeInputError(`${what} "${text}" does not fit ${token.symbol}'s limits (2^96 base units).`);
  }
}

function gatewayCall(chain: GatewayChain, description: string, data: Hex): GovernanceCall {
  return { target: chain.gateway, data, description: `${chain.name}: ${description}` };
}

/**
 * The calls of a timelocked proposal on `chain`. Throws `BridgeInputError` on any bad input, so
 * nothing reaches a signer.
 */
export function buildProposal(
  manifest: Manifest,
  chain: GatewayChain,
  action: ProposalAction,
  o: ProposalOptions,
  view: ChainView,
): GovernanceCall[] {
  switch (action) {
    case "set-guardians": {
      const guardians = sortGuardians(parseAddressList(o.guardians, "--guardians"));
      const threshold = checkGuardianThreshold(o.threshold, guardians.length, !!o.allowWeakThreshold);
      const grace = parseInteger(o.grace ?? String(DEFAULT_GRACE_SECONDS), "--grace", 0, 30 * 86_400);
      return [setGuardianSetCall(chain, guardians, threshold, grace)];
    }
    case "set-threshold": {
      const threshold = checkGuardianThreshold(o.threshold, view.guardians.length, !!o.allowWeakThreshold);
      const grace = parseInteger(o.grace ?? String(DEFAULT_GRACE_SECONDS), "--grace", 0, 30 * 86_400);
      return [setGuardianSetCall(chain, sortGuardians(view.guardians), threshold, grace)];
    }
    case "set-limits": {
      if (o.token === undefined) throw new BridgeInputError("--token is required for set-limits.");
      const token = resolveToken(manifest, o.token);
      if (o.fast === undefined && o.inbound === undefined && o.outbound === undefined) {
        throw new BridgeInputError("set-limits needs at least one of --fast, --inbound, --outbound.");
      }
      const calls: GovernanceCall[] = [];
      if (o.fast !== undefined) {
        const fast = parseTokenAmount(o.fast, "--fast", token);
        calls.push(
          gatewayCall(
            chain,
            `setFastLimit(${token.symbol}, ${o.fast.trim()})`,
            encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "setFastLimit", args: [token.homeToken, fast] }),
          ),
        );
      }
      for (const [flag, text, direction] of [
        ["--inbound", o.inbound, 0],
        ["--outbound", o.outbound, 1],
      ] as const) {
        if (text === undefined) continue;
        const b = parseBucket(text, flag, token);
        calls.push(
          gatewayCall(
            chain,
            `setRateLimit(${token.symbol}, ${flag.slice(2)}, ${text.trim()})`,
            encodeFunctionData({
              abi: bridgeGatewayAbi,
              functionName: "setRateLimit",
              args: [token.homeToken, direction, b.capacity, b.refillPerSecond],
            }),
          ),
        );
      }
      return calls;
    }
    case "set-delay": {
      if (o.governance) {
        const seconds = parseInteger(o.seconds, "--seconds", 0, 365 * 86_400);
        if (seconds < view.escapeDurationSeconds && !o.allowShortDelay) {
          throw new BridgeInputError(
            `--seconds ${seconds} is shorter than an escape through L1 (${view.escapeDurationSeconds} s): users could not leave before a change lands; pass --allow-short-delay only on a devnet.`,
          );
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
      const seconds = parseInteger(o.seconds, "--seconds", 0, 2 ** 32 - 1);
      return [
        gatewayCall(
          chain,
          `setLargeDelay(${seconds})`,
          encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "setLargeDelay", args: [seconds] }),
        ),
      ];
    }
    case "add-route": {
      if (o.remote === undefined) throw new BridgeInputError("--remote <chain> is required for add-route.");
      const remote = resolveChain(manifest, o.remote, "--remote");
      if (remote.chainId === chain.chainId) throw new BridgeInputError("--remote must be another chain than --chain.");
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

/** How long the previous guardian set keeps verifying after a rotation, unless --grace says otherwise. */
export const DEFAULT_GRACE_SECONDS = 86_400;

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

/** A message id: 0x and 64 hex digits. */
export function parseMsgId(text: string): Hex {
  const trimmed = text.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(trimmed)) {
    throw new BridgeInputError(`"${text}" is not a message id (0x followed by 64 hex digits).`);
  }
  return trimmed.toLowerCase() as Hex;
}

/** A timelock operation id or Safe transaction hash: 0x and 64 hex digits. */
export function parseHash(text: string, what: string): Hex {
  const trimmed = text.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(trimmed))
    throw new BridgeInputError(`"${text}" is not ${what} (0x followed by 64 hex digits).`);
  return trimmed.toLowerCase() as Hex;
}
