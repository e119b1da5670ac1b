/** `cli/options.ts`: the signing key from --key, BRIDGE_KEY or the devnet's first user. */
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "@portcullis/sdk";
import { parsePrivateKey, resolveKey } from "../../../cli/options.js";
import { testManifest } from "../sdk/fixtures.js";

const manifest = testManifest();

describe("keys", () => {
  it("prefers --key, then BRIDGE_KEY, then the first devnet user", () => {
    const key = `0x${"ab".repeat(32)}`;
    expect(resolveKey(manifest, key, { BRIDGE_KEY: `0x${"cd".repeat(32)}` })).toBe(key);
    expect(resolveKey(manifest, undefined, { BRIDGE_KEY: "cd".repeat(32) })).toBe(`0x${"cd".repeat(32)}`);
    expect(resolveKey(manifest, undefined, {})).toBe(`0x${"55".repeat(32)}`);
  });

  it("has no default outside a devnet", () => {
    expect(() => resolveKey(testManifest({ network: "testnet" }), undefined, {})).toThrow(
      "no signing key: pass --key <hex> or set BRIDGE_KEY.",
    );
  });

  it("names the source of a malformed key", () => {
    expect(() => resolveKey(manifest, "0x12", {})).toThrow("--key is not a 32-byte hex private key.");
    expect(() => resolveKey(manifest, undefined, { BRIDGE_KEY: "nope" })).toThrow(
      "BRIDGE_KEY is not a 32-byte hex private key.",
    );
    expect(() => parsePrivateKey(`0x${"zz".repeat(32)}`, "--key")).toThrow(InvalidInputError);
  });
});
