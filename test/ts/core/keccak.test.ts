/**
 * `core/keccak.ts` must be keccak-256 exactly as viem computes it (message ids and Merkle roots
 * are checked on chain): the same digest for every input length around the sponge's 136-byte
 * rate, the message-id preimage (448 bytes) and a Merkle pair (64 bytes).
 */
import { describe, expect, it } from "vitest";
import { keccak256, toHex, type Hex } from "viem";
import { keccak256Fast } from "../../../core/keccak.js";

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

describe("keccak256Fast", () => {
  it("test_keccak256Fast_equalsViem_succeeds: every length from 0 to 300 bytes, 448 and 4,096", () => {
    const lengths = [...Array.from({ length: 301 }, (_, i) => i), 448, 4_096];
    for (const length of lengths) {
      const data = bytes(length, length + 1);
      expect(keccak256Fast(data), `length ${length}`).toBe(keccak256(data));
    }
  });

  it("test_keccak256Fast_knownVectors_succeeds", () => {
    expect(keccak256Fast("0x")).toBe("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect(keccak256Fast(toHex("abc"))).toBe("0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  });
});
