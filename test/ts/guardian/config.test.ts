/**
 * Guardian configuration: a complete environment parses into the typed config with defaults;
 * every missing or malformed variable is reported by name, with a reason and never its value.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../core/service/config.js";
import { loadGuardianConfig } from "../../../guardian/config.js";
import { approvalThreshold } from "../../../guardian/policy.js";
import { GUARDIAN_KEYS } from "./fixture.js";

const VALID = {
  MANIFEST: "/tmp/manifest.json",
  GUARDIAN_KEY: GUARDIAN_KEYS[0],
  DEVNET: "true",
  PORT: "7001",
  OPERATOR_TOKEN: "operator-token-0123456789",
  APPROVAL_ABOVE: "1000000",
  DATA_DIR: "/tmp/guardian-0",
};

function configError(env: Record<string, string | undefined>): string {
  try {
    loadGuardianConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("loadGuardianConfig", () => {
  it("test_load_validEnv_succeeds: defaults filled, values typed, frozen", () => {
    const config = loadGuardianConfig(VALID);
    expect(config).toEqual({
      manifestPath: "/tmp/manifest.json",
      key: { kind: "env", privateKey: GUARDIAN_KEYS[0] },
      devnet: true,
      rpcUrls: {},
      rpcQuorum: "all",
      accountantGraceSeconds: 30,
      port: 7001,
      host: "127.0.0.1",
      operatorToken: "operator-token-0123456789",
      approvalAbove: "1000000",
      dataDir: "/tmp/guardian-0",
      logLevel: "info",
      pollIntervalMs: 1000,
      maxBlockRange: 2000,
      staleAfterSeconds: 60,
      guardianSetCacheSeconds: 5,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(loadGuardianConfig({ ...VALID, POLL_INTERVAL_MS: "250", LOG_LEVEL: "debug" })).toMatchObject({
      pollIntervalMs: 250,
      logLevel: "debug",
    });
  });

  it("test_load_missingRequired_reverts: every missing variable is named in one error", () => {
    const message = configError({});
    expect(message).toMatch(/^guardian: invalid configuration:/);
    for (const name of ["GUARDIAN_KEYSTORE", "PORT", "OPERATOR_TOKEN", "APPROVAL_ABOVE", "DATA_DIR"]) {
      expect(message).toMatch(new RegExp(`${name}: is required`));
    }
  });

  it("test_load_malformedValues_reverts: each bad value gets a reason and is not echoed", () => {
    const badKey = "0x1234-secret-looking-value";
    const message = configError({
      ...VALID,
      GUARDIAN_KEY: badKey,
      PORT: "70000",
      OPERATOR_TOKEN: "short",
      APPROVAL_ABOVE: "-5",
      LOG_LEVEL: "loud",
      POLL_INTERVAL_MS: "fast",
    });
    expect(message).toMatch(/GUARDIAN_KEY: must be a 0x-prefixed 32-byte hex private key/);
    expect(message).toMatch(/PORT: /);
    expect(message).toMatch(/OPERATOR_TOKEN: must be at least 16 characters/);
    expect(message).toMatch(/APPROVAL_ABOVE: must be a non-negative number of whole tokens/);
    expect(message).toMatch(/LOG_LEVEL: /);
    expect(message).toMatch(/POLL_INTERVAL_MS: /);
    expect(message).not.toContain(badKey);
    expect(message).not.toContain("short");
  });

  it("test_load_keysAndEndpoints_succeeds: key file + password file; RPC_URLS and RPC_QUORUM parsed", () => {
    const config = loadGuardianConfig({
      ...VALID,
      GUARDIAN_KEY: undefined,
      DEVNET: undefined,
      GUARDIAN_KEYSTORE: "/etc/portcullis/guardian.json",
      GUARDIAN_KEYSTORE_PASSWORD_FILE: "/run/credentials/guardian.password",
      RPC_URLS: JSON.stringify({ l2a: ["https://a.example/k", "https://b.example"], "902": ["http://127.0.0.1:1"] }),
      RPC_QUORUM: "2",
    });
    expect(config).toMatchObject({
      key: {
        kind: "keystore",
        path: "/etc/portcullis/guardian.json",
        passwordFile: "/run/credentials/guardian.password",
      },
      devnet: false,
      rpcUrls: { l2a: ["https://a.example/k", "https://b.example"], "902": ["http://127.0.0.1:1"] },
      rpcQuorum: 2,
    });
  });

  it("test_load_rawKeyOutsideDevnet_reverts: GUARDIAN_KEY needs DEVNET=true; bad RPC settings named", () => {
    const message = configError({
      ...VALID,
      DEVNET: undefined,
      RPC_URLS: '{"l2a":["https://a.example","https://a.example"]}',
      RPC_QUORUM: "most",
    });
    expect(message).toMatch(/GUARDIAN_KEY: a raw key in the environment is accepted only on a local devnet/);
    expect(message).toMatch(/RPC_URLS: l2a: lists a URL twice/);
    expect(message).toMatch(/RPC_QUORUM: must be "all" or a whole number/);
    expect(configError({ ...VALID, RPC_URLS: "l2a=https://a" })).toMatch(/RPC_URLS: must be JSON/);
  });

  it("test_approvalThreshold_moreDecimalsThanToken_reverts: scaled per token, precision beyond it refused", () => {
    expect(approvalThreshold("2.5", 6)).toBe(2_500_000n);
    expect(approvalThreshold("1000", 18)).toBe(1000n * 10n ** 18n);
    expect(approvalThreshold("1.5000000", 6)).toBe(1_500_000n);
    expect(() => approvalThreshold("0.0000001", 6, "BETA")).toThrow(
      /APPROVAL_ABOVE=0.0000001 has more decimals than BETA/,
    );
  });
});
