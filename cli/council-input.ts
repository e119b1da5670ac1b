/**
 * What an owner types for `bridge council …`, read into the SDK's typed council inputs: the
 * proposal action and its flags (whole-token amounts, comma-separated addresses, buckets as
 * capacity/perSecond), message and operation ids, and `--signer` (a key, or a numbered dev
 * owner on a devnet). Pure: each refusal is one sentence naming the flag, unit-tested in
 * test/ts/cli/council-input.test.ts; what the chain would refuse is the SDK's
 * (`buildProposal`), checked right after.
 */
import { parseUnits, type Address, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { InvalidInputError, parseAddress, resolveToken, type Manifest } from "@portcullis/sdk";
import { DEFAULT_GRACE_SECONDS, type BucketSetting, type Proposal } from "@portcullis/sdk/council";
import { parsePrivateKey } from "./options.js";

/** Actions of `council propose <action>`. */
export const PROPOSAL_ACTIONS = [
  "set-guardians",
  "set-threshold",
  "set-limits",
  "set-delay",
  "add-route",
  "unpause",
] as const;
export type ProposalActionText = (typeof PROPOSAL_ACTIONS)[number];

/** The flags `council propose` accepts (all strings, as typed). */
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

export function parseProposalAction(text: string): ProposalActionText {
  const action = text.trim().toLowerCase();
  if (!(PROPOSAL_ACTIONS as readonly string[]).includes(action)) {
    throw new InvalidInputError(`unknown action "${text}"; use one of ${PROPOSAL_ACTIONS.join(", ")}.`);
  }
  return action as ProposalActionText;
}

/** A comma-separated list of distinct, non-zero, checksummed (or all-lowercase) addresses. */
export function parseAddressList(text: string | undefined, flag: string): Address[] {
  if (text === undefined || text.trim() === "") {
    throw new InvalidInputError(`${flag} is required (comma-separated addresses).`);
  }
  const parts = text.split(",").map((p) => p.trim());
  if (parts.some((p) => p === "")) throw new InvalidInputError(`${flag} "${text}" has an empty entry.`);
  const addresses = parts.map((p) => parseAddress(p, `${flag} entry`));
  const seen = new Set<string>();
  for (const a of addresses) {
    if (seen.has(a)) throw new InvalidInputError(`${flag} lists ${a} twice.`);
    seen.add(a);
  }
  return addresses;
}

/** A whole number within [min, max]. */
export function parseInteger(
  text: string | undefined,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (text === undefined || text.trim() === "") throw new InvalidInputError(`${flag} is required.`);
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw new InvalidInputError(`${flag} "${text}" is not a whole number.`);
  const value = Number(trimmed);
  if (value < min || value > max) throw new InvalidInputError(`${flag} ${value} must be between ${min} and ${max}.`);
  return value;
}

/** A decimal amount of whole tokens in base units, below 2^96 (the gateway's limit width). */
function parseTokenAmount(text: string, what: string, decimals: number, symbol: string): bigint {
  const trimmed = text.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed))
    throw new InvalidInputError(`${what} "${text}" is not a decimal amount of ${symbol}.`);
  try {
    const value = parseUnits(trimmed, decimals);
    if (value >= 1n << 96n) throw new Error("too large");
    return value;
  } catch {
    throw new InvalidInputError(`${what} "${text}" does not fit ${symbol}'s limits (2^96 base units).`);
  }
}

/** "capacity/perSecond" in whole tokens, e.g. "100000/100". */
function parseBucket(text: string, flag: string, decimals: number, symbol: string): BucketSetting {
  const parts = text.split("/");
  if (parts.length !== 2) {
    throw new InvalidInputError(`${flag} "${text}" must be <capacity>/<refill per second>, e.g. 100000/100.`);
  }
  const [capacity, refill] = parts.map((p, i) =>
    parseTokenAmount(p, `${flag} ${i === 0 ? "capacity" : "refill"}`, decimals, symbol),
  );
  return { capacity: capacity!, refillPerSecond: refill! };
}

/** The proposal `council propose <action>` and its flags describe (flags checked; the chain's rules next). */
export function parseProposal(manifest: Manifest, actionText: string, o: ProposalOptions): Proposal {
  const action = parseProposalAction(actionText);
  const grace = () => parseInteger(o.grace ?? String(DEFAULT_GRACE_SECONDS), "--grace", 0, 30 * 86_400);
  const threshold = () => parseInteger(o.threshold, "--threshold", 0, 255);
  switch (action) {
    case "set-guardians":
      return {
        action,
        guardians: parseAddressList(o.guardians, "--guardians"),
        threshold: threshold(),
        graceSeconds: grace(),
        allowWeakThreshold: !!o.allowWeakThreshold,
      };
    case "set-threshold":
      return { action, threshold: threshold(), graceSeconds: grace(), allowWeakThreshold: !!o.allowWeakThreshold };
    case "set-limits": {
      if (o.token === undefined) throw new InvalidInputError("--token is required for set-limits.");
      const token = resolveToken(manifest, o.token);
      if (o.fast === undefined && o.inbound === undefined && o.outbound === undefined) {
        throw new InvalidInputError("set-limits needs at least one of --fast, --inbound, --outbound.");
      }
      const { decimals, symbol } = token;
      return {
        action,
        token: token.symbol,
        fastLimit: o.fast === undefined ? undefined : parseTokenAmount(o.fast, "--fast", decimals, symbol),
        inbound: o.inbound === undefined ? undefined : parseBucket(o.inbound, "--inbound", decimals, symbol),
        outbound: o.outbound === undefined ? undefined : parseBucket(o.outbound, "--outbound", decimals, symbol),
      };
    }
    case "set-delay":
      return o.governance
        ? {
            action: "set-governance-delay",
            seconds: parseInteger(o.seconds, "--seconds", 0, 365 * 86_400),
            allowShortDelay: !!o.allowShortDelay,
          }
        : { action, seconds: parseInteger(o.seconds, "--seconds", 0, 2 ** 32 - 1) };
    case "add-route":
      if (o.remote === undefined) throw new InvalidInputError("--remote <chain> is required for add-route.");
      return { action, remote: o.remote };
    case "unpause":
      return { action };
  }
}

/** A timelock operation id, Safe transaction hash or message id: 0x and 64 hex digits. */
export function parseHash(text: string, what: string): Hex {
  const trimmed = text.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(trimmed)) {
    throw new InvalidInputError(`"${text}" is not ${what} (0x followed by 64 hex digits).`);
  }
  return trimmed.toLowerCase() as Hex;
}

/** `--signer`: a hex key, or on a devnet manifest the dev council owner 1, 2 or 3 — as an account. */
export function councilSigner(manifest: Manifest, text: string | undefined): PrivateKeyAccount {
  return privateKeyToAccount(signerKey(manifest, text));
}

/** The key `--signer` names. */
export function signerKey(manifest: Manifest, text: string | undefined): Hex {
  if (text === undefined || text.trim() === "") {
    throw new InvalidInputError("no signer: pass --signer <owner key> (or set COUNCIL_KEY).");
  }
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    if (manifest.network !== "devnet") {
      throw new InvalidInputError(`--signer ${trimmed}: numbered signers exist only on a devnet manifest; pass a key.`);
    }
    const keys = manifest.devKeys?.council ?? [];
    if (keys.length === 0) {
      throw new InvalidInputError(`--signer ${trimmed}: this manifest lists no dev council keys; pass a key.`);
    }
    const key = keys[Number(trimmed) - 1];
    if (!key) throw new InvalidInputError(`--signer ${trimmed}: the devnet council has owners 1 to ${keys.length}.`);
    return key as Hex;
  }
  return parsePrivateKey(trimmed, "--signer");
}
