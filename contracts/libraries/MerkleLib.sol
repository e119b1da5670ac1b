// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title MerkleLib
/// @notice The batch tree guardians attest: leaves are message ids in batch order; each level
///         hashes adjacent pairs with OpenZeppelin's commutative keccak (`Hashes`), and an odd
///         last node moves up unchanged. A batch of one has the message id as its root. Proofs
///         are checked with OpenZeppelin's `MerkleProof` (same pair hash); `core/merkle.ts`
///         builds the same tree and its proofs.
/// @dev Leaves are message ids computed on-chain from the delivered messages, so an inner node
///      can never be passed off as a leaf (no second-preimage trick without a keccak collision).
///      OpenZeppelin ships proof checking but no root builder for an arbitrary leaf list, hence
///      this one function.
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

    /// @dev Writes the parents of `from[0..n)` into `to` (which may be `from`: index i/2 <= i).
    function _reduce(bytes32[] memory from, bytes32[] memory to, uint256 n) private pure {
        uint256 pairs = n / 2;
        for (uint256 i = 0; i < pairs; ++i) {
            to[i] = Hashes.commutativeKeccak256(from[2 * i], from[2 * i + 1]);
        }
        if (n % 2 == 1) to[pairs] = from[n - 1];
    }
}
