/**
 * Seeded randomness for fuzzed tests. The seed defaults to a fixed value so CI is deterministic;
 * set FUZZ_SEED to explore other inputs. Every fuzzed test names its seed, so a failure reproduces.
 */
import { getAddress, numberToHex, type Address, type Hex } from "viem";
import type { Message } from "../../../core/message.js";

export const FUZZ_SEED = BigInt(process.env.FUZZ_SEED ?? "20250611");

const MASK64 = (1n << 64n) - 1n;

/** splitmix64: small, fast, and good enough to spread test inputs. */
export class Random {
  private state: bigint;

  constructor(seed: bigint = FUZZ_SEED) {
    this.state = seed & MASK64;
  }

  next64(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }

  /** Uniform in [0, 2^bits). */
  bits(bits: number): bigint {
    let out = 0n;
    for (let have = 0; have < bits; have += 64) out = (out << 64n) | this.next64();
    return out & ((1n << BigInt(bits)) - 1n);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Number(this.next64() % BigInt(n));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /**
   * A `uint<bits>` over the full range, weighted towards the values that break encoders: 0, 1,
   * the maximum and its neighbours, powers of two, and values of every bit length.
   */
  uint(bits: number): bigint {
    const max = (1n << BigInt(bits)) - 1n;
    switch (this.int(8)) {
      case 0:
        return this.pick([0n, 1n, max, max - 1n]);
      case 1:
        return 1n << BigInt(this.int(bits));
      case 2:
        return this.bits(1 + this.int(bits));
      default:
        return this.bits(bits);
    }
  }

  /** A checksummed address; with `edges`, sometimes zero or all ones. */
  address(edges = true): Address {
    const raw = edges && this.int(16) === 0 ? this.pick([0n, (1n << 160n) - 1n]) : this.bits(160);
    return getAddress(numberToHex(raw, { size: 20 }));
  }

  /** 32 bytes; with `edges`, weighted like `uint(256)`, else uniform (distinct in practice). */
  bytes32(edges = true): Hex {
    return numberToHex(edges ? this.uint(256) : this.bits(256), { size: 32 });
  }

  /** A message with every field drawn over its full range (version included). */
  message(overrides: Partial<Message> = {}): Message {
    return {
      version: Number(this.uint(8)),
      nonce: this.uint(64),
      sourceChainId: this.uint(64),
      destChainId: this.uint(64),
      sourceGateway: this.address(),
      destGateway: this.address(),
      sender: this.address(),
      recipient: this.address(),
      tokenChainId: this.uint(64),
      token: this.address(),
      amount: this.uint(256),
      deadline: this.uint(64),
      dropOff: this.uint(128),
      ...overrides,
    };
  }
}
