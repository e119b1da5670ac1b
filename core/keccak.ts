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
 * `bytesOfHex` (Buffer's native decoder on Node, ~1 µs for 448 bytes; a table lookup per digit
 * pair in a browser) instead of viem's `hexToBytes` (~4.5 µs, more than the WebAssembly hash
 * itself).
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
  if (!wasm) return keccak256Js(data);
  // One shared hasher: init, update and digest run without a turn of the event loop between them.
  wasm.init();
  wasm.update(bytesOfHex(data));
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
 * digits is read with a leading zero), refusing anything that is not hex. On Node, Buffer's
 * native decoder (about 1 µs for a 448-byte preimage, against 1.5–4 µs for the loop below): it
 * stops at the first pair that is not hex, so a short result means bad input, which the loop
 * then names.
 */
export function bytesOfHex(hex: string): Uint8Array {
  const digits = digitsOf(hex);
  if (NodeBuffer) {
    const buf = NodeBuffer.from(digits, "hex");
    if (buf.length * 2 === digits.length) return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }
  return bytesOfDigits(digits, hex);
}

/** `bytesOfHex` as it runs where there is no Buffer (a browser): exported for its tests. */
export function bytesOfHexPortable(hex: string): Uint8Array {
  return bytesOfDigits(digitsOf(hex), hex);
}

/** The digits after the 0x, with a leading zero if there is an odd number of them. */
function digitsOf(hex: string): string {
  if (hex.charCodeAt(0) !== 48 || (hex.charCodeAt(1) | 32) !== 120) {
    throw new Error(`not 0x-prefixed hex: ${hex.slice(0, 12)}`);
  }
  return hex.length % 2 === 0 ? hex.slice(2) : `0${hex.slice(2)}`;
}

/** Node's Buffer where there is one (not in a browser, where the web app runs this module). */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** `digits` (an even number of them) decoded a pair at a time; `hex` names the input in errors. */
function bytesOfDigits(digits: string, hex: string): Uint8Array {
  const out = new Uint8Array(digits.length / 2);
  const skew = hex.length - digits.length; // where digits[0] sits in hex, for the error message
  for (let i = 0; i < out.length; i++) {
    out[i] = (digit(digits, 2 * i, skew, hex) << 4) | digit(digits, 2 * i + 1, skew, hex);
  }
  return out;
}

function digit(digits: string, at: number, skew: number, hex: string): number {
  const c = digits.charCodeAt(at);
  const v = c < 128 ? DIGIT[c]! : -1;
  if (v < 0) throw new Error(`not hex: ${JSON.stringify(digits[at])} at ${at + skew} of ${hex.slice(0, 12)}…`);
  return v;
}
