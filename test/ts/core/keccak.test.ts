/**
 * `core/keccak.ts` must be keccak-256 exactly as viem computes it (message ids and Merkle roots
 * are checked on chain): the same digest for every input length around the sponge's 136-byte
 * rate, the message-id preimage (448 bytes) and a Merkle pair (64 bytes), on both of its paths
 * (WebAssembly once instantiated, js-sha3 before or without it); and its hex decoding must read
 * what viem's `hexToBytes` reads and refuse what is not hex.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { hexToBytes, keccak256, toHex, type Hex } from "viem";
import { bytesOfHex, bytesOfHexPortable, keccak256Fast, keccak256Js, keccakWasmReady } from "../../../core/keccak.js";

/** Deterministic pseudo-random bytes (a simple LCG: the test must not depend on a seed store). */
function bytes(length: number, seed: number): Hex {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return toHex(out);
}

const LENGTHS = [...Array.from({ length: 301 }, (_, i) => i), 448, 4_096];

describe("keccak256Fast", () => {
  beforeAll(async () => {
    // Node runs WebAssembly: the fast path must be the one under test, not the fallback.
    expect(await keccakWasmReady).toBe(true);
  });

  it("test_keccak256Fast_equalsViem_succeeds: every length from 0 to 300 bytes, 448 and 4,096 (WebAssembly)", () => {
    for (const length of LENGTHS) {
      const data = bytes(length, length + 1);
      expect(keccak256Fast(data), `length ${length}`).toBe(keccak256(data));
    }
  });

  it("test_keccak256Js_equalsViem_succeeds: the same lengths on the js-sha3 path", () => {
    for (const length of LENGTHS) {
      const data = bytes(length, length + 7);
      expect(keccak256Js(data), `length ${length}`).toBe(keccak256(data));
    }
  });

  it("test_keccak256Fast_knownVectors_succeeds", () => {
    for (const hash of [keccak256Fast, keccak256Js]) {
      expect(hash("0x")).toBe("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
      expect(hash(toHex("abc"))).toBe("0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    }
  });

  it("test_keccak256Fast_interleavedSizes_succeeds: the shared hasher keeps no state between calls", () => {
    const inputs = [bytes(448, 1), bytes(64, 2), bytes(0, 3), bytes(136, 4), bytes(448, 1)];
    expect(inputs.map(keccak256Fast)).toEqual(inputs.map((d) => keccak256(d)));
  });
});

// Node's path (Buffer's decoder) and a browser's (the digit table) alike.
describe.each([
  ["bytesOfHex", bytesOfHex],
  ["bytesOfHexPortable", bytesOfHexPortable],
])("%s", (name, decode) => {
  it(`test_${name}_readsAsViem_succeeds: either case, 0X prefix, odd digit counts`, () => {
    for (const hex of ["0x", "0x00", "0xff", "0xFF", "0xAbCd09", "0x1", "0xabc", "0X12", bytes(448, 9)]) {
      const got = decode(hex);
      expect(got, hex).toEqual(hexToBytes(hex.replace(/^0X/, "0x") as Hex));
      expect(got.constructor, hex).toBe(Uint8Array);
    }
  });

  it(`test_${name}_notHex_reverts: a missing prefix, a non-digit, a non-ASCII character`, () => {
    expect(() => decode("abcd")).toThrow(/not 0x-prefixed hex/);
    expect(() => decode("")).toThrow(/not 0x-prefixed hex/);
    expect(() => decode("0xabzz")).toThrow(/not hex: "z" at 4/);
    expect(() => decode("0xabc")).not.toThrow();
    expect(() => decode("0xab_")).toThrow(/not hex: "_" at 4/);
    expect(() => decode("0x0g")).toThrow(/not hex: "g" at 3/);
    expect(() => decode("0xé0")).toThrow(/not hex/);
    expect(() => decode("0x12 4")).toThrow(/not hex: " " at 4/);
  });
});
