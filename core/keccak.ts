/**
 * keccak-256 for the hashing every service repeats per message: message ids (each guardian, each
 * relayer and the monitor hash every message of every block) and the attestation's Merkle nodes
 * (each guardian per request, each relayer per answer). js-sha3 computes the same digest as
 * viem's `keccak256` (@noble/hashes) over twice as fast on these inputs (measured on a devnet
 * machine: a 448-byte id preimage ~19 µs against ~42 µs, a 64-byte Merkle pair ~5 µs against
 * ~11 µs), and under a burst those hashes were the largest share of a relayer's CPU.
 * `test/ts/core/keccak.test.ts` checks it against viem's on every size that matters. Everything
 * else keeps viem's.
 */
import sha3 from "js-sha3";
import { hexToBytes, type Hex } from "viem";

export function keccak256Fast(data: Hex): Hex {
  return `0x${sha3.keccak256(hexToBytes(data))}`;
}
