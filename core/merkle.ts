/**
 * The batch tree guardians attest, identical to `contracts/libraries/MerkleLib.sol`: leaves are
 * message ids in batch order; adjacent pairs are hashed with sorted (commutative) keccak; an odd
 * last node moves up unchanged; a batch of one has the message id as its root.
 */
import { concat, type Hex } from "viem";
import { keccak256Fast } from "./keccak.js";

export function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256Fast(concat([a, b])) : keccak256Fast(concat([b, a]));
}

/** All levels of the tree, leaves first, root last. */
function levels(leaves: readonly Hex[]): Hex[][] {
  if (leaves.length === 0) throw new Error("merkle: a batch needs at least one message");
  const out: Hex[][] = [[...leaves]];
  while (out[out.length - 1]!.length > 1) {
    const level = out[out.length - 1]!;
    const next: Hex[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(hashPair(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    out.push(next);
  }
  return out;
}

export function merkleRoot(leaves: readonly Hex[]): Hex {
  const all = levels(leaves);
  return all[all.length - 1]![0]!;
}

/** Proof for `leaves[index]`: the siblings from the leaf up (none where a node moved up alone). */
export function merkleProof(leaves: readonly Hex[], index: number): Hex[] {
  if (index < 0 || index >= leaves.length) throw new Error(`merkle: no leaf ${index}`);
  const proof: Hex[] = [];
  let i = index;
  for (const level of levels(leaves).slice(0, -1)) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1;
    if (sibling < level.length) proof.push(level[sibling]!);
    i = Math.floor(i / 2);
  }
  return proof;
}

export function processProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>((node, sibling) => hashPair(node, sibling), leaf);
}
