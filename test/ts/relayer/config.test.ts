/** Relayer configuration: defaults, and one readable line per bad variable. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../core/service/config.js";
import { loadRelayerConfig } from "../../../relayer/config.js";

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const valid = { RELAYER_KEY: KEY, DEVNET: "true", REDIS_URL: "redis://127.0.0.1:6379" };

function errorOf(env: Record<string, string>): string {
  try {
    loadRelayerConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("relayer config", () => {
  it("test_config_defaults_succeeds", () => {
    const c = loadRelayerConfig(valid);
    expect(c).toMatchObject({
      QUEUE_PREFIX: "portcullis",
      LOCK_TTL_MS: 5_000,
      MAX_IN_FLIGHT: 8,
      MAX_TX_GAS: 16_777_216n,
      SIGNABLE_WAIT_MS: 2_000,
      FEED_FOLLOWERS: 2,
      POLL_INTERVAL_MS: 1_000,
      TX_TIMEOUT_MS: 60_000,
      REDIS_CLUSTER: false,
      MANIFEST: ".devnet/manifest.json",
      LOG_LEVEL: "info",
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("test_config_numbersFromStrings_succeeds", () => {
    const c = loadRelayerConfig({
      ...valid,
      MAX_IN_FLIGHT: "8",
      MAX_TX_GAS: "30000000",
      TX_TIMEOUT_MS: "5000",
      PORT: "0",
    });
    expect([c.MAX_IN_FLIGHT, c.MAX_TX_GAS, c.TX_TIMEOUT_MS, c.PORT]).toEqual([8, 30_000_000n, 5_000, 0]);
  });

  it("test_config_missingRequired_reverts: names every missing variable", () => {
    const message = errorOf({});
    expect(message).toContain("RELAYER_KEYSTORE: is required");
    expect(message).toContain("REDIS_URL: Required");
  });

  it("test_config_badValues_reverts: one line per problem", () => {
    const message = errorOf({
      RELAYER_KEY: "0x1234",
      REDIS_URL: "http://localhost:6379",
      MAX_IN_FLIGHT: "0",
      FEED_WAIT_MS: "60000",
      FEED_FOLLOWERS: "0",
      POLL_INTERVAL_MS: "abc",
      QUEUE_PREFIX: "bad prefix",
    });
    expect(message).toMatch(/RELAYER_KEY: must be a 0x-prefixed 32-byte hex private key/);
    expect(message).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(message).toMatch(/MAX_IN_FLIGHT:/);
    expect(message).toMatch(/FEED_WAIT_MS: .*30000/);
    expect(message).toMatch(/FEED_FOLLOWERS:/);
    expect(message).toMatch(/POLL_INTERVAL_MS:/);
    expect(message).toMatch(/QUEUE_PREFIX:/);
  });

  it("test_config_clusterWithoutHashTag_reverts: BullMQ on Redis Cluster needs a {hash-tag} prefix", () => {
    expect(errorOf({ ...valid, REDIS_CLUSTER: "true" })).toContain(
      "QUEUE_PREFIX: on Redis Cluster the prefix must be a hash tag, e.g. {portcullis}",
    );
    const c = loadRelayerConfig({
      ...valid,
      REDIS_CLUSTER: "true",
      QUEUE_PREFIX: "{portcullis}",
      REDIS_URL: "rediss://u:p@a:6379,rediss://b:6379",
    });
    expect(c.REDIS_CLUSTER).toBe(true);
  });

  it("test_config_keyFileOrDevnetKey_succeeds: a raw key needs DEVNET=true", () => {
    expect(errorOf({ ...valid, DEVNET: "" })).toContain(
      "RELAYER_KEY: a raw key in the environment is accepted only on a local devnet (DEVNET=true)",
    );
    const c = loadRelayerConfig({
      REDIS_URL: valid.REDIS_URL,
      RELAYER_KEYSTORE: "/etc/portcullis/relayer.json",
      RPC_URLS: '{"l2a":["https://a.example","https://b.example"]}',
    });
    expect(c.key).toEqual({ kind: "keystore", path: "/etc/portcullis/relayer.json" });
    expect(c.RPC_URLS).toEqual({ l2a: ["https://a.example", "https://b.example"] });
  });

  it("test_config_retryMaxBelowBase_reverts", () => {
    expect(errorOf({ ...valid, RETRY_BASE_MS: "5000", RETRY_MAX_MS: "1000" })).toContain(
      "RETRY_MAX_MS: must be at least RETRY_BASE_MS",
    );
  });

  it("test_config_feePolicy_defaultsToQuote_acceptsAllAndSponsors", () => {
    expect(loadRelayerConfig(valid)).toMatchObject({ FEE_POLICY: "quote", FEE_SPONSORED_SENDERS: [] });
    const c = loadRelayerConfig({
      ...valid,
      FEE_POLICY: "all",
      FEE_SPONSORED_SENDERS: " 0x5000000000000000000000000000000000000005, 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 ",
    });
    expect(c.FEE_POLICY).toBe("all");
    expect(c.FEE_SPONSORED_SENDERS).toEqual([
      "0x5000000000000000000000000000000000000005",
      "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    ]);
  });

  it("test_config_feePolicyUnknownOrBadSponsor_reverts", () => {
    expect(errorOf({ ...valid, FEE_POLICY: "cheap" })).toContain("FEE_POLICY");
    expect(errorOf({ ...valid, FEE_SPONSORED_SENDERS: "0x1234" })).toContain(
      "FEE_SPONSORED_SENDERS: must be comma-separated 0x addresses",
    );
  });
});
