// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MerkleLib
/// @notice The batch tree guardians attest: leaves are message ids in batch order; each level
///         hashes adjacent pairs smaller word first (OpenZeppelin's commutative keccak,
///         `Hashes.commutativeKeccak256`, written out in the loop), and an odd last node moves
///         up unchanged. A batch of one has the message id as its root. Proofs
///         are checked with OpenZeppelin's `MerkleProof` (same pair hash); `core/merkle.ts`
///         builds the same tree and its proofs.
/// @dev Leaves are message ids computed on-chain from the delivered messages, so an inner node
///      can never be passed off as a leaf (no second-preimage trick without a keccak collision).
///      OpenZeppelin ships proof checking but no root builder for an arbitrary leaf list, hence
///      this one function.
library MerkleLib {
    /// @notice Root over `leaves` (non-empty). Does not modify `leaves`.
    /// @dev One assembly loop (a batch of 100 hashes 99 pairs; Solidity's bounds-checked array
    ///      accesses and calls cost several times the 42 gas of each hash). What it does: level 0
    ///      is `leaves`; each next level is written into one new buffer of ceil(n/2) words, pair
    ///      i of the level going to word i — reading words 2i and 2i+1 before writing word i
    ///      (i <= 2i), so a level may overwrite the one it is built from. Each pair is hashed in
    ///      the scratch space (0x00-0x3f) smaller word first, exactly as
    ///      `Hashes.commutativeKeccak256`; an odd last node moves up unchanged. Safe: every
    ///      read is below `leaves`' length or the buffer's, the buffer is allocated before use.
    function root(bytes32[] memory leaves) internal pure returns (bytes32 result) {
        uint256 n = leaves.length;
        if (n <= 1) return leaves[0]; // an empty list fails here (index out of bounds)
        assembly ("memory-safe") {
            let from := add(leaves, 0x20)
            let to := mload(0x40)
            mstore(0x40, add(to, shl(5, shr(1, add(n, 1)))))
            for {} gt(n, 1) {} {
                let pairs := shr(1, n)
                for {
                    let i := 0
                } lt(i, pairs) {
                    i := add(i, 1)
                } {
                    let a := mload(add(from, shl(6, i)))
                    let b := mload(add(from, add(shl(6, i), 0x20)))
                    switch lt(a, b)
                    case 1 {
                        mstore(0x00, a)
                        mstore(0x20, b)
                    }
                    default {
                        mstore(0x00, b)
                        mstore(0x20, a)
                    }
                    mstore(add(to, shl(5, i)), keccak256(0x00, 0x40))
                }
                if and(n, 1) {
                    mstore(add(to, shl(5, pairs)), mload(add(from, shl(5, sub(n, 1)))))
                }
                from := to
                n := shr(1, add(n, 1))
            }
            result := mload(to)
        }
    }
}
