/**
 * Encrypted key files: Web3 Secret Storage v3, the format geth, ethers, foundry (`cast wallet`)
 * and most wallets read and write. A service's key lives on disk only in this form; the password
 * comes from a file (first line) or a terminal prompt, never from the command line or the
 * environment.
 *
 *   { "version": 3, "id": <uuid>, "address": <hex, optional>,
 *     "crypto": { "cipher": "aes-128-ctr", "cipherparams": { "iv": <16 bytes> },
 *                 "ciphertext": <the 32-byte key, encrypted>,
 *                 "kdf": "scrypt" | "pbkdf2", "kdfparams": {...}, "mac": <32 bytes> } }
 *
 * derivedKey = scrypt(password, salt, n, r, p, dklen) or pbkdf2-hmac-sha256(password, salt, c, dklen);
 * the first 16 bytes are the AES-128-CTR key, and mac = keccak256(derivedKey[16..32] ++ ciphertext)
 * proves the password before anything is decrypted. Written with `node:crypto` and viem's keccak
 * only; `test/ts/core/keystore.test.ts` checks it against ethers in both directions and against
 * the specification's published test vectors.
 *
 * Passwords are UTF-8 after NFKC normalisation (as ethers does; identical bytes for ASCII).
 */
import {
  createCipheriv,
  createDecipheriv,
  pbkdf2,
  randomBytes,
  randomUUID,
  scrypt,
  timingSafeEqual,
} from "node:crypto";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { bytesToHex, concat, getAddress, hexToBytes, isHex, keccak256, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { z } from "zod";

/** The key file cannot be used: malformed, an unsupported scheme, or the wrong password. */
export class KeystoreError extends Error {
  override name = "KeystoreError";
}

/** The MAC did not match: the password is wrong (or the file was altered). */
export class WrongPasswordError extends KeystoreError {
  override name = "WrongPasswordError";
}

const hexBytes = z
  .string()
  .transform((v) => (v.startsWith("0x") ? v.slice(2) : v))
  .refine((v) => /^([0-9a-fA-F]{2})*$/.test(v), "not hex");

const scryptParams = z.object({
  dklen: z.number().int().min(32).max(64),
  n: z
    .number()
    .int()
    .refine((n) => n > 1 && (n & (n - 1)) === 0, "n must be a power of two"),
  r: z.number().int().positive(),
  p: z.number().int().positive(),
  salt: hexBytes,
});

const pbkdf2Params = z.object({
  c: z.number().int().positive(),
  dklen: z.number().int().min(32).max(64),
  prf: z.literal("hmac-sha256"),
  salt: hexBytes,
});

const cryptoSection = z.discriminatedUnion("kdf", [
  z.object({
    cipher: z.literal("aes-128-ctr"),
    cipherparams: z.object({ iv: hexBytes }),
    ciphertext: hexBytes,
    kdf: z.literal("scrypt"),
    kdfparams: scryptParams,
    mac: hexBytes,
  }),
  z.object({
    cipher: z.literal("aes-128-ctr"),
    cipherparams: z.object({ iv: hexBytes }),
    ciphertext: hexBytes,
    kdf: z.literal("pbkdf2"),
    kdfparams: pbkdf2Params,
    mac: hexBytes,
  }),
]);

const keystoreSchema = z
  .object({
    version: z.literal(3),
    id: z.string().optional(),
    address: z.string().optional(),
    crypto: cryptoSection.optional(),
    /** Some old writers capitalised it. */
    Crypto: cryptoSection.optional(),
  })
  .refine((k) => k.crypto ?? k.Crypto, { message: 'has no "crypto" section', path: ["crypto"] });

export interface KeystoreV3 {
  version: 3;
  id: string;
  address: string;
  crypto: z.input<typeof cryptoSection>;
}

/**
 * Work factors. `standard` is geth's default (scrypt n = 2^18: about a second and 256 MiB, once
 * at start-up); `light` (n = 2^12) exists for tests and throwaway devnet keys only.
 */
export type KdfOptions = { kdf: "scrypt"; n: number; r: number; p: number } | { kdf: "pbkdf2"; c: number };

export const KDF_STANDARD: KdfOptions = { kdf: "scrypt", n: 1 << 18, r: 8, p: 1 };
export const KDF_LIGHT: KdfOptions = { kdf: "scrypt", n: 1 << 12, r: 8, p: 1 };

/**
 * Most memory a file's scrypt parameters may ask for (128·n·r bytes): geth's standard needs
 * 256 MiB; a hostile or corrupt file must not make a service allocate gigabytes.
 */
const MAX_SCRYPT_MEMORY = 512 * 1024 * 1024;
/** Most PBKDF2 rounds accepted (geth writes 262144), so a bad file cannot hang start-up. */
const MAX_PBKDF2_ROUNDS = 10_000_000;

const scryptAsync = promisify(scrypt) as (
  password: Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

function passwordBytes(password: string): Buffer {
  return Buffer.from(password.normalize("NFKC"), "utf8");
}

type Kdf = z.infer<typeof cryptoSection>;

async function deriveKey(password: string, section: Kdf): Promise<Buffer> {
  const salt = Buffer.from(section.kdfparams.salt, "hex");
  if (section.kdf === "scrypt") {
    const { n, r, p, dklen } = section.kdfparams;
    // RFC 7914 requires n < 2^(128·r/8); OpenSSL and ethers refuse anything else, and so do we.
    if (Math.log2(n) >= 16 * r) throw new KeystoreError(`scrypt n=${n} is not below 2^(16·r) for r=${r} (RFC 7914)`);
    const memory = 128 * n * r;
    if (memory > MAX_SCRYPT_MEMORY) {
      throw new KeystoreError(`scrypt parameters need ${memory >> 20} MiB (n=${n}, r=${r}); at most 512 MiB accepted`);
    }
    // node's limit counts the whole working set (128·n·r plus 128·r·p); leave room for both.
    return scryptAsync(passwordBytes(password), salt, dklen, { N: n, r, p, maxmem: memory + 128 * r * p + (1 << 20) });
  }
  const { c, dklen } = section.kdfparams;
  if (c > MAX_PBKDF2_ROUNDS) throw new KeystoreError(`pbkdf2 asks for ${c} rounds; at most ${MAX_PBKDF2_ROUNDS}`);
  return pbkdf2Async(passwordBytes(password), salt, c, dklen, "sha256");
}

function macOf(derived: Buffer, ciphertext: Buffer): Buffer {
  return Buffer.from(hexToBytes(keccak256(concat([bytesToHex(derived.subarray(16, 32)), bytesToHex(ciphertext)]))));
}

/** Parses a keystore file's JSON; one sentence per problem. */
export function parseKeystore(json: unknown, source = "keystore"): z.infer<typeof keystoreSchema> {
  const result = keystoreSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new KeystoreError(`${source} is not a Web3 Secret Storage v3 key file: ${issues.join("; ")}`);
  }
  return result.data;
}

/**
 * The private key in `json` (a parsed v3 key file), checked against the file's MAC, and against
 * its `address` field when it has one. Throws `WrongPasswordError` for a wrong password.
 */
export async function decryptKeystore(json: unknown, password: string, source = "keystore"): Promise<Hex> {
  const file = parseKeystore(json, source);
  const section = (file.crypto ?? file.Crypto)!;
  const ciphertext = Buffer.from(section.ciphertext, "hex");
  const iv = Buffer.from(section.cipherparams.iv, "hex");
  const mac = Buffer.from(section.mac, "hex");
  if (iv.length !== 16) throw new KeystoreError(`${source}: the AES-128-CTR iv must be 16 bytes, not ${iv.length}`);
  if (ciphertext.length !== 32) throw new KeystoreError(`${source}: the ciphertext must be a 32-byte key`);
  if (mac.length !== 32) throw new KeystoreError(`${source}: the mac must be 32 bytes`);

  const derived = await deriveKey(password, section);
  if (!timingSafeEqual(macOf(derived, ciphertext), mac)) {
    throw new WrongPasswordError(`${source}: wrong password (the key file's MAC does not match)`);
  }
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const privateKey = bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  if (file.address) {
    const stated = file.address.startsWith("0x") ? file.address : `0x${file.address}`;
    if (!isHex(stated) || stated.length !== 42 || getAddress(stated) !== privateKeyToAddress(privateKey)) {
      throw new KeystoreError(`${source}: the key decrypts but does not belong to the file's address ${stated}`);
    }
  }
  return privateKey;
}

/** Encrypts `privateKey` under `password` into a v3 key file (for the operator helper and tests). */
export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  options: KdfOptions = KDF_STANDARD,
): Promise<KeystoreV3> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) throw new KeystoreError("the private key must be 0x and 64 hex digits");
  const salt = randomBytes(32).toString("hex");
  const iv = randomBytes(16);
  const kdf: Kdf =
    options.kdf === "scrypt"
      ? {
          cipher: "aes-128-ctr",
          cipherparams: { iv: iv.toString("hex") },
          ciphertext: "",
          kdf: "scrypt",
          kdfparams: { dklen: 32, n: options.n, r: options.r, p: options.p, salt },
          mac: "",
        }
      : {
          cipher: "aes-128-ctr",
          cipherparams: { iv: iv.toString("hex") },
          ciphertext: "",
          kdf: "pbkdf2",
          kdfparams: { c: options.c, dklen: 32, prf: "hmac-sha256", salt },
          mac: "",
        };
  const derived = await deriveKey(password, kdf);
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(hexToBytes(privateKey))), cipher.final()]);
  kdf.ciphertext = ciphertext.toString("hex");
  kdf.mac = macOf(derived, ciphertext).toString("hex");
  return {
    version: 3,
    id: randomUUID(),
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: kdf,
  };
}

/** Reads and decrypts a key file. */
export async function decryptKeystoreFile(path: string, password: string): Promise<Hex> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new KeystoreError(`cannot read the key file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeystoreError(`${path} is not JSON`);
  }
  return decryptKeystore(json, password, path);
}

/** The address a key file says it holds (unverified until decrypted), if it names one. */
export function keystoreAddress(json: unknown): Address | undefined {
  const file = parseKeystore(json);
  if (!file.address) return undefined;
  const stated = file.address.startsWith("0x") ? file.address : `0x${file.address}`;
  return isHex(stated) && stated.length === 42 ? getAddress(stated) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------------------------

/**
 * The password in `path`: its first line, without the line ending (as geth's `--password` file).
 * An empty password is refused: a key file under an empty password protects nothing.
 */
export async function readPasswordFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new KeystoreError(`cannot read the password file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const password = text.split(/\r?\n/)[0] ?? "";
  if (password === "") throw new KeystoreError(`the password file ${path} is empty`);
  return password;
}

export interface PromptStreams {
  input: NodeJS.ReadStream;
  output: NodeJS.WritableStream;
}

/**
 * Asks for a password on the terminal without echoing it. Refused when there is no terminal (a
 * service under systemd or in a container): use a password file there.
 */
export function promptPassword(
  question: string,
  streams: PromptStreams = { input: process.stdin, output: process.stderr },
): Promise<string> {
  const { input, output } = streams;
  if (!input.isTTY || typeof input.setRawMode !== "function") {
    return Promise.reject(
      new KeystoreError("no terminal to ask for the key file's password: give a password file instead"),
    );
  }
  return new Promise((resolve, reject) => {
    let typed = "";
    output.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding("utf8");
    const done = (error?: Error) => {
      input.removeListener("data", onData);
      input.setRawMode(false);
      input.pause();
      output.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done();
        if (ch === "\u0003") return done(new KeystoreError("password prompt interrupted"));
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on("data", onData);
  });
}
