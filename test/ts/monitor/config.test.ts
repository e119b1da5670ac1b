/** Monitor configuration (monitor/config.ts): defaults, and one readable line per bad variable. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../core/service/config.js";
import { loadMonitorConfig } from "../../../monitor/config.js";

const KEY = `0x${"11".repeat(32)}`;

describe("loadMonitorConfig", () => {
  it("test_loadMonitorConfig_onlyKey_appliesDefaults", () => {
    expect(loadMonitorConfig({ MONITOR_KEY: KEY, DEVNET: "true" })).toEqual({
      manifestPath: ".devnet/manifest.json",
      key: { kind: "env", privateKey: KEY },
      devnet: true,
      rpcUrls: {},
      port: 9100,
      logLevel: "info",
      pollIntervalMs: 1_000,
      pendingSloSeconds: 600,
      guardianPollMs: 15_000,
      staleAfterSeconds: 30,
    });
  });

  it("test_loadMonitorConfig_everyVariable_parsed", () => {
    const config = loadMonitorConfig({
      MANIFEST: "/tmp/m.json",
      MONITOR_KEYSTORE: "/etc/portcullis/monitor.json",
      MONITOR_KEYSTORE_PASSWORD_FILE: "/run/monitor.password",
      PORT: "0",
      LOG_LEVEL: "debug",
      POLL_INTERVAL_MS: "250",
      PENDING_SLO_SECONDS: "5",
      GUARDIAN_POLL_MS: "500",
      STALE_AFTER_SECONDS: "10",
    });
    expect(config).toMatchObject({
      manifestPath: "/tmp/m.json",
      key: { kind: "keystore", path: "/etc/portcullis/monitor.json", passwordFile: "/run/monitor.password" },
      port: 0,
      pollIntervalMs: 250,
      pendingSloSeconds: 5,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("test_loadMonitorConfig_missingKey_reverts", () => {
    expect(() => loadMonitorConfig({})).toThrow(ConfigError);
    expect(() => loadMonitorConfig({})).toThrow(/MONITOR_KEYSTORE: is required/);
    expect(() => loadMonitorConfig({ MONITOR_KEY: KEY })).toThrow(
      /MONITOR_KEY: a raw key in the environment is accepted only on a local devnet/,
    );
  });

  it("test_loadMonitorConfig_everyBadValue_listedAtOnce", () => {
    let error: Error | undefined;
    try {
      loadMonitorConfig({
        MONITOR_KEY: "0x1234",
        PORT: "70000",
        LOG_LEVEL: "loud",
        POLL_INTERVAL_MS: "10",
        PENDING_SLO_SECONDS: "-1",
        GUARDIAN_POLL_MS: "soon",
      });
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = error!.message
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(":")[0]);
    expect(lines.sort()).toEqual(
      ["GUARDIAN_POLL_MS", "LOG_LEVEL", "MONITOR_KEY", "PENDING_SLO_SECONDS", "POLL_INTERVAL_MS", "PORT"].sort(),
    );
    expect(error!.message).toMatch(/^monitor: invalid configuration/);
    expect(error!.message).toMatch(/MONITOR_KEY: must be a 0x-prefixed 32-byte hex private key/);
  });
});
