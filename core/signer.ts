/**
 * Where a service's signing key comes from, and the seam every service signs through.
 *
 * Each service (guardian, relayer, monitor, deployer) reads its key from an encrypted key file
 * (`<SERVICE>_KEYSTORE`, Web3 Secret Storage v3, see core/keystore.ts) whose password is the first
 * line of `<SERVICE>_KEYSTORE_PASSWORD_FILE` or, when that is unset and the process has a
 * terminal, typed at a prompt. A raw key in `<SERVICE>_KEY` is accepted only on a local devnet
 * (`DEVNET=true`, which `npm run devnet` sets), and is logged as a warning even there: an
 * environment leaks through /proc, crash reports and process listings.
 *
 * The seam: services take a `Signer`, which is viem's `LocalAccount` — an address plus
 * `signMessage`, `signTransaction` and `signTypedData`. Today it is the decrypted key
 * (`privateKeyToAccount`). A remote signer (a cloud KMS, an HSM, web3signer) plugs in as
 * `toAccount({ address, signMessage, signTransaction, signTypedData })` from `viem/accounts`,
 * each function calling the remote service; add a `KeySource` kind for it below and nothing
 * else in the services changes.
 */
import type { LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Logger } from "pino";
import { z } from "zod";
import { decryptKeystoreFile, promptPassword, readPasswordFile } from "./keystore.js";

/** What a service signs with (see the module comment for remote signers). */
export type Signer = LocalAccount;

export type KeySource =
  { kind: "keystore"; path: string; passwordFile?: string } | { kind: "env"; privateKey: `0x${string}` };

/** `DEVNET=true|1`: this process runs on a local devnet (raw keys, one RPC URL per chain). */
export const devnetFlag = z
  .enum(["true", "false", "1", "0", ""])
  .default("false")
  .transform((v) => v === "true" || v === "1");

const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;

/** The three variables of a key source for service prefix `P` (e.g. GUARDIAN). */
export interface KeyVars {
  key?: string;
  keystore?: string;
  passwordFile?: string;
  devnet: boolean;
}

/**
 * Checks a service's key variables and returns its key source, reporting problems on `ctx`
 * (inside the service's zod `superRefine`/`transform`) with the variable names, never values.
 */
export function keySourceOf(prefix: string, vars: KeyVars, ctx: z.RefinementCtx): KeySource | undefined {
  const key = vars.key?.trim() || undefined;
  const keystore = vars.keystore?.trim() || undefined;
  const passwordFile = vars.passwordFile?.trim() || undefined;
  const issue = (path: string, message: string) => {
    ctx.addIssue({ code: "custom", path: [path], message });
    return undefined;
  };
  if (key && keystore) return issue(`${prefix}_KEY`, `set ${prefix}_KEYSTORE or ${prefix}_KEY, not both`);
  if (keystore) return { kind: "keystore", path: keystore, ...(passwordFile ? { passwordFile } : {}) };
  if (passwordFile) return issue(`${prefix}_KEYSTORE`, `is required with ${prefix}_KEYSTORE_PASSWORD_FILE`);
  if (!key) {
    return issue(
      `${prefix}_KEYSTORE`,
      `is required (the signing key's encrypted key file; on a local devnet ${prefix}_KEY with DEVNET=true)`,
    );
  }
  if (!PRIVATE_KEY.test(key)) return issue(`${prefix}_KEY`, "must be a 0x-prefixed 32-byte hex private key");
  if (!vars.devnet) {
    return issue(
      `${prefix}_KEY`,
      `a raw key in the environment is accepted only on a local devnet (DEVNET=true); use ${prefix}_KEYSTORE`,
    );
  }
  return { kind: "env", privateKey: key as `0x${string}` };
}

/**
 * The key variables of service `prefix` as a zod schema giving `{ key, devnet }`: intersect it
 * with the service's own schema (`z.intersection(fields, keyEnv("GUARDIAN"))`) so its problems
 * are listed beside every other variable's, even when another one is malformed.
 */
export function keyEnv(prefix: string) {
  const optional = z.string().optional();
  return z
    .object({
      [`${prefix}_KEY`]: optional,
      [`${prefix}_KEYSTORE`]: optional,
      [`${prefix}_KEYSTORE_PASSWORD_FILE`]: optional,
      DEVNET: devnetFlag,
    })
    .transform((env, ctx) => {
      const vars = env as Record<string, string | undefined>;
      const devnet = env.DEVNET as boolean;
      const key = keySourceOf(
        prefix,
        {
          key: vars[`${prefix}_KEY`],
          keystore: vars[`${prefix}_KEYSTORE`],
          passwordFile: vars[`${prefix}_KEYSTORE_PASSWORD_FILE`],
          devnet,
        },
        ctx,
      );
      return { key: key!, devnet };
    });
}

/** Where a key comes from, for logs (never the key itself). */
export function describeKeySource(source: KeySource): string {
  return source.kind === "keystore" ? `key file ${source.path}` : "the environment (devnet)";
}

export interface LoadSignerOptions {
  logger?: Pick<Logger, "warn" | "info">;
  /** Asks for a password when no password file is given (default: the terminal). */
  prompt?: (question: string) => Promise<string>;
}

/** Decrypts (or takes) the key and returns the service's `Signer`. */
export async function loadSigner(source: KeySource, options: LoadSignerOptions = {}): Promise<Signer> {
  if (source.kind === "env") {
    const account = privateKeyToAccount(source.privateKey);
    options.logger?.warn(
      { signer: account.address },
      "signing key taken from the environment: accepted because DEVNET=true; never do this outside a local devnet",
    );
    return account;
  }
  const password = source.passwordFile
    ? await readPasswordFile(source.passwordFile)
    : await (options.prompt ?? promptPassword)(`Password for ${source.path}: `);
  const account = privateKeyToAccount(await decryptKeystoreFile(source.path, password));
  options.logger?.info({ signer: account.address, keystore: source.path }, "signing key loaded from its key file");
  return account;
}
