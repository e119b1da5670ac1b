/**
 * What only the command line has: private keys typed or taken from the environment, `--timeout`,
 * `--deadline`. Pure, so every sentence a user can get is unit-tested. Refusals are the SDK's
 * `InvalidInputError`, so the CLI prints them like any other.
 */
import type { Hex } from "viem";
import { InvalidInputError, type Manifest } from "@portcullis/sdk";

export function parsePrivateKey(text: string, source: string): Hex {
  const trimmed = text.trim();
  const withPrefix = trimmed.startsWith("0x") ? trimmed : `0x${trimmed}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(withPrefix)) {
    throw new InvalidInputError(`${source} is not a 32-byte hex private key.`);
  }
  return withPrefix as Hex;
}

/** `--timeout <seconds>` in milliseconds: a positive number of seconds. */
export function parseTimeoutMs(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError(`--timeout "${text}" is not a positive number of seconds.`);
  }
  return value * 1000;
}

/** `--deadline <seconds>`: a positive whole number of seconds. */
export function parseDeadline(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidInputError(`--deadline "${text}" is not a positive whole number of seconds.`);
  }
  return value;
}

/**
 * The signing key: `--key`, else `BRIDGE_KEY`, else (devnet manifests only) the first funded dev
 * user, so `npx bridge transfer ...` works on a fresh devnet with nothing else set.
 */
export function resolveKey(manifest: Manifest, flag: string | undefined, env: Record<string, string | undefined>): Hex {
  if (flag !== undefined) return parsePrivateKey(flag, "--key");
  const fromEnv = env.BRIDGE_KEY;
  if (fromEnv !== undefined && fromEnv !== "") return parsePrivateKey(fromEnv, "BRIDGE_KEY");
  const devUser = manifest.devKeys?.users[0];
  if (manifest.network === "devnet" && devUser) return devUser as Hex;
  throw new InvalidInputError("no signing key: pass --key <hex> or set BRIDGE_KEY.");
}
