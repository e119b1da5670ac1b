/**
 * core/keystore.ts against other implementations: the Web3 Secret Storage specification's
 * published pbkdf2 vector (its scrypt vector breaks RFC 7914 and is refused, as ethers refuses
 * it), a key file geth wrote with its standard scrypt parameters, and ethers 6 in both directions (ethers decrypts
 * what we write; we decrypt what ethers writes). Then the refusals: a wrong password, a
 * tampered file, a file whose key is not its address, absurd work factors, and the key sources
 * a service accepts (a raw key only with DEVNET=true).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decryptKeystoreJson, encryptKeystoreJson } from "ethers";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getAddress } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import {
  decryptKeystore,
  encryptKeystore,
  KDF_LIGHT,
  KeystoreError,
  readPasswordFile,
  WrongPasswordError,
} from "../../../core/keystore.js";
import { devnetFlag, keySourceOf, loadSigner, type KeyVars } from "../../../core/signer.js";

const KEY = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d" as const;
const dir = mkdtempSync(join(tmpdir(), "keystore-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The specification's test vectors (password "testpassword", the key above). */
const SPEC_PBKDF2 = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "6087dab2f9fdbbfaddc31a909735c1e6" },
    ciphertext: "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
    kdf: "pbkdf2",
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: "hmac-sha256",
      salt: "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd",
    },
    mac: "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};
const SPEC_SCRYPT = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
    ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 8,
      r: 1,
      salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
    },
    mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};

/** Written by geth with its standard parameters (empty password), published in a public Go test. */
const GETH_STANDARD = {
  address: "0a7ca39ed27d24626219f8a4147484f9a8537f51",
  crypto: {
    cipher: "aes-128-ctr",
    ciphertext: "a995296dbca789c2e8334c2cc5761e1c78b6a9a27a877e74e7d6105da935eeb5",
    cipherparams: { iv: "85a110c69409de030e89939687c373f2" },
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 1,
      r: 8,
      salt: "f8557d90c835f8b1103577db50ce3deda043b6494e0c1f52135514684f193837",
    },
    mac: "504346cd0dfdbb9b1a4505f63441b8a3a57200f39de7e2ab51706f850f25430f",
  },
  id: "27b2b139-c4c3-4cb9-8733-514a077d9d50",
  version: 3,
};

describe("Web3 Secret Storage v3", () => {
  it("test_decrypt_publishedVectors_succeeds: the spec's pbkdf2 vector and a geth-written file", async () => {
    expect(await decryptKeystore(SPEC_PBKDF2, "testpassword")).toBe(KEY);
    // geth's standard scrypt parameters; the file names its address, which decryption checks.
    const key = await decryptKeystore(GETH_STANDARD, "");
    expect(privateKeyToAddress(key)).toBe(getAddress(`0x${GETH_STANDARD.address}`));
  });

  it("test_decrypt_specScryptVector_reverts: n = 2^18 with r = 1 breaks RFC 7914, as ethers also says", async () => {
    await expect(decryptKeystore(SPEC_SCRYPT, "testpassword")).rejects.toThrow(/RFC 7914/);
    await expect(decryptKeystoreJson(JSON.stringify(SPEC_SCRYPT), "testpassword")).rejects.toThrow(
      /2\^\(128 \* r \/ 8\)/,
    );
  });

  it("test_encrypt_decryptedByEthers_succeeds: ethers reads what we write (scrypt and pbkdf2)", async () => {
    for (const kdf of [KDF_LIGHT, { kdf: "pbkdf2", c: 4096 } as const]) {
      const file = await encryptKeystore(KEY, "correct horse battery staple", kdf);
      expect(file.address).toBe(privateKeyToAddress(KEY).slice(2).toLowerCase());
      const account = await decryptKeystoreJson(JSON.stringify(file), "correct horse battery staple");
      expect(account.privateKey).toBe(KEY);
      expect(account.address).toBe(privateKeyToAddress(KEY));
    }
  });

  it("test_decrypt_writtenByEthers_succeeds: we read what ethers writes, non-ASCII password included", async () => {
    for (const password of ["hunter22", "pässwörd ✓"]) {
      const json = await encryptKeystoreJson({ address: privateKeyToAddress(KEY), privateKey: KEY }, password, {
        scrypt: { N: 1 << 12, r: 8, p: 1 },
      });
      expect(await decryptKeystore(JSON.parse(json), password)).toBe(KEY);
    }
  });

  it("test_decrypt_wrongPassword_reverts: the MAC refuses it before anything is decrypted", async () => {
    const file = await encryptKeystore(KEY, "right", KDF_LIGHT);
    await expect(decryptKeystore(file, "wrong")).rejects.toThrow(WrongPasswordError);
    await expect(decryptKeystore(file, "wrong")).rejects.toThrow(/wrong password/);
  });

  it("test_decrypt_tamperedOrMismatched_reverts: altered ciphertext, foreign address, bad shapes", async () => {
    const file = await encryptKeystore(KEY, "pw", KDF_LIGHT);
    // Flip every bit of the first byte: overwriting it with a constant left it unchanged whenever
    // the random ciphertext already started with that byte (1 run in 256 failed).
    const first = (parseInt(file.crypto.ciphertext.slice(0, 2), 16) ^ 0xff).toString(16).padStart(2, "0");
    const flipped = { ...file, crypto: { ...file.crypto, ciphertext: `${first}${file.crypto.ciphertext.slice(2)}` } };
    await expect(decryptKeystore(flipped, "pw")).rejects.toThrow(WrongPasswordError);
    const foreign = { ...file, address: "00".repeat(20) };
    await expect(decryptKeystore(foreign, "pw")).rejects.toThrow(/does not belong to the file's address/);
    await expect(decryptKeystore({ version: 2 }, "pw")).rejects.toThrow(/not a Web3 Secret Storage v3 key file/);
    const aes256 = { ...file, crypto: { ...file.crypto, cipher: "aes-256-cbc" } };
    await expect(decryptKeystore(aes256, "pw")).rejects.toThrow(KeystoreError);
    const huge = { ...file, crypto: { ...file.crypto, kdfparams: { ...file.crypto.kdfparams, n: 1 << 24 } } };
    await expect(decryptKeystore(huge, "pw")).rejects.toThrow(/at most 512 MiB/);
  });

  it("test_readPasswordFile_firstLine_succeeds: the line ending is not part of the password", async () => {
    const path = join(dir, "password");
    writeFileSync(path, "s3cret pass\r\nsecond line\n");
    expect(await readPasswordFile(path)).toBe("s3cret pass");
    writeFileSync(path, "\n");
    await expect(readPasswordFile(path)).rejects.toThrow(/is empty/);
    await expect(readPasswordFile(join(dir, "missing"))).rejects.toThrow(/cannot read the password file/);
  });
});

/** Parses key variables as a service schema would. */
function source(vars: Partial<KeyVars>) {
  const schema = z
    .object({ devnet: devnetFlag })
    .transform((env, ctx) => keySourceOf("GUARDIAN", { ...vars, devnet: env.devnet }, ctx));
  return schema.safeParse({ devnet: vars.devnet ? "true" : "false" });
}

function problems(vars: Partial<KeyVars>): string[] {
  const parsed = source(vars);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("key sources", () => {
  it("test_keySourceOf_rawKeyWithoutDevnet_reverts: a raw key needs DEVNET=true", () => {
    expect(problems({ key: KEY })).toEqual([
      "GUARDIAN_KEY: a raw key in the environment is accepted only on a local devnet (DEVNET=true); use GUARDIAN_KEYSTORE",
    ]);
    expect(source({ key: KEY, devnet: true })).toMatchObject({ success: true, data: { kind: "env", privateKey: KEY } });
  });

  it("test_keySourceOf_badCombinations_reverts: missing, both, password file alone, malformed key", () => {
    expect(problems({})[0]).toMatch(/^GUARDIAN_KEYSTORE: is required/);
    expect(problems({ key: KEY, keystore: "/k.json", devnet: true })[0]).toMatch(/not both/);
    expect(problems({ passwordFile: "/pw" })[0]).toMatch(/GUARDIAN_KEYSTORE: is required with/);
    expect(problems({ key: "0x1234", devnet: true })[0]).toMatch(/32-byte hex private key/);
    expect(source({ keystore: "/k.json", passwordFile: "/pw" })).toMatchObject({
      success: true,
      data: { kind: "keystore", path: "/k.json", passwordFile: "/pw" },
    });
  });

  it("test_loadSigner_keystoreWithPasswordFileOrPrompt_succeeds; env key warns", async () => {
    const keystore = join(dir, "guardian.json");
    writeFileSync(keystore, JSON.stringify(await encryptKeystore(KEY, "from-a-file", KDF_LIGHT)));
    const passwordFile = join(dir, "guardian.password");
    writeFileSync(passwordFile, "from-a-file\n");
    const fromFile = await loadSigner({ kind: "keystore", path: keystore, passwordFile });
    expect(fromFile.address).toBe(privateKeyToAddress(KEY));

    const asked: string[] = [];
    const prompted = await loadSigner(
      { kind: "keystore", path: keystore },
      {
        prompt: async (q) => {
          asked.push(q);
          return "from-a-file";
        },
      },
    );
    expect(prompted.address).toBe(privateKeyToAddress(KEY));
    expect(asked).toEqual([`Password for ${keystore}: `]);
    await expect(loadSigner({ kind: "keystore", path: keystore }, { prompt: async () => "nope" })).rejects.toThrow(
      WrongPasswordError,
    );

    const warnings: string[] = [];
    const logger = { warn: (_o: object, m: string) => warnings.push(m), info: () => {} };
    await loadSigner({ kind: "env", privateKey: KEY }, { logger: logger as never });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/never do this outside a local devnet/);
  });
});
