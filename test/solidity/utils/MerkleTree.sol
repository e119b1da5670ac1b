// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title MerkleTree
/// @notice Test-side builder of the batch tree's proofs, written independently of
///         `MerkleLib.root` (level by level, keeping every level) so the two check each other.
///         Rules: sorted-pair keccak, an odd last node is promoted unchanged.
library MerkleTree {
    /// @notice The proof of leaf `index`: its sibling at every level where it has one.
    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory out) {
        bytes32[] memory scratch = new bytes32[](256);
        uint256 depth = 0;
        bytes32[] memory level = leaves;
        uint256 i = index;
        while (level.length > 1) {
            uint256 n = level.length;
            if (i % 2 == 1) scratch[depth++] = level[i - 1];
            else if (i + 1 < n) scratch[depth++] = level[i + 1];
            level = _parents(level);
            i /= 2;
        }
        out = new bytes32[](depth);
        for (uint256 k = 0; k < depth; ++k) out[k] = scratch[k];
    }

    /// @notice The root, computed with the same level walk as `proof`.
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory level = leaves;
        while (level.length > 1) level = _parents(level);
        return level[0];
    }

    /// @notice Proofs of every leaf, in order (the `proofs` argument of `deliver`).
    function proofs(bytes32[] memory leaves) internal pure returns (bytes32[][] memory out) {
        out = new bytes32[][](leaves.length);
        for (uint256 i = 0; i < leaves.length; ++i) out[i] = proof(leaves, i);
    }

    function _parents(bytes32[] memory level) private pure returns (bytes32[] memory parents) {
        uint256 n = level.length;
        parents = new bytes32[]((n + 1) / 2);
        for (uint256 i = 0; i + 1 < n; i += 2) parents[i / 2] = Hashes.commutativeKeccak256(level[i], level[i + 1]);
        if (n % 2 == 1) parents[n / 2] = level[n - 1];
    }
}
