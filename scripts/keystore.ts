/**
 * Operator helper for service keys (docs/keys.md): `npm run keystore -- <command>`.
 *
 *   create  --out FILE [--password-file F] [--light]   a new random key, encrypted; prints its address
 *   import  --out FILE [--key-file K] [--password-file F] [--light]
 *                                                      encrypts an existing key (from K's first line,
 *                                                      or typed at a prompt): never pass a key as an
 *                                                      argument, it would land in shell history
 *   address FILE [--password-file F]                   decrypts FILE and prints its address
 *
 * Without --password-file the password is asked twice on the terminal. Files are written with
 * mode 0600 and never overwritten. `--light` uses scrypt n = 2^12 (fast, weak): for devnet keys only.
 */
import { existsSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import {
  decryptKeystoreFile,
  encryptKeystore,
  KDF_LIGHT,
  KDF_STANDARD,
  KeystoreError,
  promptPassword,
  readPasswordFile,
} from "../core/keystore.js";

interface WriteOptions {
  out: string;
  passwordFile?: string;
  light?: boolean;
}

async function newPassword(passwordFile: string | undefined): Promise<string> {
  if (passwordFile) return readPasswordFile(passwordFile);
  const first = await promptPassword("New password: ");
  if (first.length < 8) throw new KeystoreError("the password must have at least 8 characters");
  if ((await promptPassword("Repeat it: ")) !== first) throw new KeystoreError("the passwords differ");
  return first;
}

async function writeKeystore(privateKey: Hex, options: WriteOptions): Promise<void> {
  if (existsSync(options.out)) throw new KeystoreError(`${options.out} exists; refusing to overwrite a key file`);
  const password = await newPassword(options.passwordFile);
  const file = await encryptKeystore(privateKey, password, options.light ? KDF_LIGHT : KDF_STANDARD);
  writeFileSync(options.out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  process.stdout.write(`${privateKeyToAddress(privateKey)}\n`);
  process.stderr.write(`wrote ${options.out}; back it up and keep the password apart from it\n`);
}

async function readKey(keyFile: string | undefined): Promise<Hex> {
  const raw = keyFile ? await readPasswordFile(keyFile) : await promptPassword("Private key (0x…): ");
  const key = raw.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new KeystoreError("the private key must be 0x and 64 hex digits");
  return key as Hex;
}

const program = new Command("keystore").description("create and check encrypted service key files");
program
  .command("create")
  .requiredOption("--out <file>", "where to write the key file")
  .option("--password-file <file>", "read the password from this file's first line")
  .option("--light", "fast, weak scrypt parameters (devnet keys only)")
  .action((options: WriteOptions) => writeKeystore(generatePrivateKey(), options));
program
  .command("import")
  .requiredOption("--out <file>", "where to write the key file")
  .option("--key-file <file>", "read the private key from this file's first line (else a prompt)")
  .option("--password-file <file>", "read the password from this file's first line")
  .option("--light", "fast, weak scrypt parameters (devnet keys only)")
  .action(async (options: WriteOptions & { keyFile?: string }) =>
    writeKeystore(await readKey(options.keyFile), options),
  );
program
  .command("address <file>")
  .option("--password-file <file>", "read the password from this file's first line")
  .action(async (file: string, options: { passwordFile?: string }) => {
    const password = options.passwordFile
      ? await readPasswordFile(options.passwordFile)
      : await promptPassword(`Password for ${file}: `);
    process.stdout.write(`${privateKeyToAddress(await decryptKeystoreFile(file, password))}\n`);
  });

program.parseAsync().catch((e: unknown) => {
  process.stderr.write(`keystore: ${e instanceof KeystoreError ? e.message : (e as Error).stack}\n`);
  process.exit(e instanceof KeystoreError ? 2 : 1);
});
