/**
 * Rollup service configuration: a complete environment parses into the typed config with
 * defaults; every missing or malformed variable is reported by name, never with its value.
 */
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../core/service/config.js";
import { loadRollupConfig } from "../../../rollup/config.js";

const KEY = `0x${"11".repeat(32)}`;
const VALID = {
  L1_RPC_URL: "http://127.0.0.1:8545",
  L2_RPC_URL: "http://127.0.0.1:8546",
  L2_CHAIN_ID: "901",
  PORTAL: "0x00000000000000000000000000000000000000aa",
  MESSENGER: "0x00000000000000000000000000000000000000bb",
  PROPOSER_KEY: KEY,
  SEQUENCER_KEY: KEY,
};

function configError(env: Record<string, string | undefined>): string {
  try {
    loadRollupConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("loadRollupConfig", () => {
  it("test_load_validEnv_succeeds: defaults filled, addresses checksummed, frozen", () => {
    const config = loadRollupConfig(VALID);
    expect(config).toEqual({
      l1RpcUrl: "http://127.0.0.1:8545",
      l2RpcUrl: "http://127.0.0.1:8546",
      l2ChainId: 901,
      portal: getAddress(VALID.PORTAL),
      messenger: getAddress(VALID.MESSENGER),
      proposerKey: KEY,
      sequencerKey: KEY,
      portalDeployBlock: 0n,
      proposeIntervalMs: 12_000,
      pollIntervalMs: 1_000,
      port: 9300,
      logLevel: "info",
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("test_load_overrides_succeeds", () => {
    const config = loadRollupConfig({
      ...VALID,
      PORTAL_DEPLOY_BLOCK: "42",
      PROPOSE_INTERVAL_MS: "500",
      POLL_INTERVAL_MS: "250",
      PORT: "0",
      LOG_LEVEL: "debug",
    });
    expect(config.portalDeployBlock).toBe(42n);
    expect(config.proposeIntervalMs).toBe(500);
    expect(config.pollIntervalMs).toBe(250);
    expect(config.port).toBe(0);
  });

  it("test_load_missingAndMalformed_reportsEach", () => {
    const message = configError({ ...VALID, PORTAL: "0x1234", SEQUENCER_KEY: "secret-value", L2_RPC_URL: undefined });
    expect(message).toMatch(/^rollup: invalid configuration/);
    expect(message).toContain("PORTAL: must be a 0x-prefixed 20-byte hex address");
    expect(message).toContain("SEQUENCER_KEY:");
    expect(message).toContain("L2_RPC_URL:");
    expect(message).not.toContain("secret-value");
  });

  it("test_load_intervalTooShort_reverts", () => {
    expect(configError({ ...VALID, POLL_INTERVAL_MS: "10" })).toContain("POLL_INTERVAL_MS: must be at least 50 ms");
  });
});
