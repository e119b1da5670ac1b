/**
 * keccak-256 for the hashing every service repeats per message: message ids (each guardian, each
 * relayer and the monitor hash every message of every block) and the attestation's Merkle nodes
 * (each guardian per request, each relayer per answer). Under a burst those hashes were the
 * largest single share of the services' CPU (in a 2-relayer, 3-L2 bench run on the devnet, 17 %
 * of the monitor's busy time, 20 % of a guardian's, 12 % of a relayer's), all on two shared cores.
 *
 * The hash is hash-wasm's keccak compiled to WebAssembly, once it is instantiated (a few ms after
 * this module loads: WebAssembly compiles asynchronously and this function must stay
 * synchronous); until then, or wherever WebAssembly is refused, js-sha3. Measured on a devnet
 * machine (Node 22): a 448-byte id preimage 3.7 µs against js-sha3's 17 µs and viem's
 * (@noble/hashes) 25–29 µs; a 64-byte Merkle pair 2.1 µs against 6.3 µs. The hex is decoded by
 * `bytesOfHex` (a table lookup per digit pair) instead of viem's `hexToBytes`, which took as much
 * CPU as js-sha3's permutation did on these inputs.
 *
 * `test/ts/core/keccak.test.ts` checks both paths against viem's `keccak256` on every size that
 * matters. Everything else keeps viem's.
 */
import { createKeccak, type IHasher } from "hash-wasm";
import sha3 from "js-sha3";
import type { Hex } from "viem";

let wasm: IHasher | undefined;

/**
 * Settles once the WebAssembly hash is in use (true) or could not be instantiated (false: the
 * pure JavaScript one stays). Never rejects. Services need not wait for it; tests do, to know
 * which path they check.
 */
export const keccakWasmReady: Promise<boolean> = createKeccak(256).then(
  (hasher) => {
    wasm = hasher;
    return true;
  },
  () => false,
);

export function keccak256Fast(data: Hex): Hex {
  const bytes = bytesOfHex(data);
  if (!wasm) return `0x${sha3.keccak256(bytes)}`;
  // One shared hasher: init, update and digest run without a turn of the event loop between them.
  wasm.init();
  wasm.update(bytes);
  return `0x${wasm.digest("hex")}`;
}

/** The pure JavaScript path alone (js-sha3): what runs before, or instead of, the WebAssembly one. */
export function keccak256Js(data: Hex): Hex {
  return `0x${sha3.keccak256(bytesOfHex(data))}`;
}

/** Value of each ASCII hex digit (either case); -1 for every other code unit below 128. */
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) DIGIT[48 + i] = i;
for (let i = 0; i < 6; i++) {
  DIGIT[65 + i] = 10 + i;
  DIGIT[97 + i] = 10 + i;
}

/**
 * The bytes of a 0x-prefixed hex string, as viem's `hexToBytes` reads it (an odd number of
 * digits is read with a leading zero), refusing anything that is not hex.
 */
export function bytesOfHex(hex: string): Uint8Array {
  if (hex.charCodeAt(0) !== 48 || (hex.charCodeAt(1) | 32) !== 120)
    throw new Error(`not 0x-prefixed hex: ${hex.slice(0, 12)}`);
  const odd = hex.length % 2;
  const out = new Uint8Array((hex.length - 2 + odd) / 2);
  let at = 2;
  let i = 0;
  if (odd) out[i++] = digit(hex, at++);
  for (; i < out.length; i++, at += 2) out[i] = (digit(hex, at) << 4) | digit(hex, at + 1);
  return out;
}

function digit(hex: string, at: number): number {
  const c = hex.charCodeAt(at);
  const v = c < 128 ? DIGIT[c]! : -1;
  if (v < 0) throw new Error(`not hex: ${JSON.stringify(hex[at])} at ${at} of ${hex.slice(0, 12)}…`);
  return v;
}
