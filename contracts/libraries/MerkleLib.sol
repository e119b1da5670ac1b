// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MerkleLib
/// @notice The batch tree guardians attest: leaves are message ids in batch order; each level
///         hashes adjacent pairs with sorted (commutative) keccak, and an odd last node moves up
///         unchanged. A batch of one has the message id as its root. `core/merkle.ts` builds the
///         same tree and its proofs.
/// @dev Leaves are message ids computed on-chain from the delivered messages, so an inner node
///      can never be passed off as a leaf (no second-preimage trick without a keccak collision).
library MerkleLib {
    /// @notice Root over `leaves` (non-empty). Does not modify `leaves`.
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 n = leaves.length;
        if (n == 1) return leaves[0];
        bytes32[] memory level = new bytes32[]((n + 1) / 2);
        _reduce(leaves, level, n);
        n = (n + 1) / 2;
        while (n > 1) {
            _reduce(level, level, n);
            n = (n + 1) / 2;
        }
        return level[0];
    }

    /// @notice The root `proof` leads to from `leaf`.
    function processProof(bytes32[] calldata proof, bytes32 leaf) internal pure returns (bytes32 computed) {
        computed = leaf;
        for (uint256 i = 0; i < proof.length; ++i) {
            computed = hashPair(computed, proof[i]);
        }
    }

    /// @notice Commutative pair hash: keccak256 of the smaller then the larger value.
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 value) {
        (bytes32 lo, bytes32 hi) = a < b ? (a, b) : (b, a);
        // Scratch space (0x00-0x3f) is free to use between statements; hashing there avoids
        // allocating memory for every node.
        assembly ("memory-safe") {
            mstore(0x00, lo)
            mstore(0x20, hi)
            value := keccak256(0x00, 0x40)
        }
    }

    /// @dev Writes the parents of `from[0..n)` into `to` (which may be `from`: index i/2 <= i).
    function _reduce(bytes32[] memory from, bytes32[] memory to, uint256 n) private pure {
        uint256 pairs = n / 2;
        for (uint256 i = 0; i < pairs; ++i) {
            to[i] = hashPair(from[2 * i], from[2 * i + 1]);
        }
        if (n % 2 == 1) to[pairs] = from[n - 1];
    }
}
