// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "../utils/Test.sol";
import {MerkleTree} from "../utils/MerkleTree.sol";
import {MerkleLib} from "../../../contracts/libraries/MerkleLib.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @dev Exposes the library; `processProof` takes its proof in calldata, as in the gateway.
contract MerkleLibHarness {
    function root(bytes32[] memory leaves) external pure returns (bytes32) {
        return MerkleLib.root(leaves);
    }

    function rootKeepsLeaves(bytes32[] memory leaves) external pure returns (bool) {
        bytes32 before = keccak256(abi.encode(leaves));
        MerkleLib.root(leaves);
        return keccak256(abi.encode(leaves)) == before;
    }

    function processProof(bytes32[] calldata proof, bytes32 leaf) external pure returns (bytes32) {
        return MerkleProof.processProofCalldata(proof, leaf);
    }

    function hashPair(bytes32 a, bytes32 b) external pure returns (bytes32) {
        return Hashes.commutativeKeccak256(a, b);
    }
}

abstract contract MerkleFixture is Test {
    MerkleLibHarness internal lib;

    function setUp() public {
        lib = new MerkleLibHarness();
    }

    function _leaves(uint256 seed, uint256 n) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) leaves[i] = keccak256(abi.encode(seed, i));
    }

    function _h(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }
}

contract MerkleLib_hashPair_Test is MerkleFixture {
    function test_hashPair_sortedKeccak_succeeds() public view {
        bytes32 a = bytes32(uint256(1));
        bytes32 b = bytes32(uint256(2));
        assertEq(lib.hashPair(a, b), keccak256(abi.encodePacked(a, b)), "smaller first");
    }

    function testFuzz_hashPair_commutative_succeeds(bytes32 a, bytes32 b) public view {
        assertEq(lib.hashPair(a, b), lib.hashPair(b, a), "commutative");
        assertEq(lib.hashPair(a, b), _h(a, b), "sorted keccak");
    }
}

contract MerkleLib_root_Test is MerkleFixture {
    function test_root_single_isLeaf_succeeds() public view {
        bytes32[] memory leaves = _leaves(1, 1);
        assertEq(lib.root(leaves), leaves[0], "a batch of one is its own root");
    }

    function test_root_two_succeeds() public view {
        bytes32[] memory l = _leaves(2, 2);
        assertEq(lib.root(l), _h(l[0], l[1]), "pair");
    }

    function test_root_three_promotesOddLast_succeeds() public view {
        bytes32[] memory l = _leaves(3, 3);
        assertEq(lib.root(l), _h(_h(l[0], l[1]), l[2]), "odd last node moves up unchanged");
    }

    function test_root_five_succeeds() public view {
        bytes32[] memory l = _leaves(5, 5);
        bytes32 expected = _h(_h(_h(l[0], l[1]), _h(l[2], l[3])), l[4]);
        assertEq(lib.root(l), expected, "five");
    }

    function test_root_orderMatters_succeeds() public view {
        bytes32[] memory l = _leaves(4, 3);
        bytes32[] memory swapped = _leaves(4, 3);
        (swapped[0], swapped[2]) = (swapped[2], swapped[0]);
        assertNotEq(lib.root(l), lib.root(swapped), "leaves are in batch order");
    }

    function testFuzz_root_matchesReferenceAndKeepsLeaves_succeeds(uint256 seed, uint8 n) public view {
        bytes32[] memory leaves = _leaves(seed, bound(n, 1, 70));
        assertEq(lib.root(leaves), MerkleTree.root(leaves), "independent builder agrees");
        assertTrue(lib.rootKeepsLeaves(leaves), "leaves not modified");
    }
}

contract MerkleLib_processProof_Test is MerkleFixture {
    function test_processProof_emptyProof_isLeaf_succeeds() public view {
        bytes32 leaf = keccak256("leaf");
        assertEq(lib.processProof(new bytes32[](0), leaf), leaf, "no siblings");
    }

    /// @notice Every leaf's proof leads to the root, for any batch size.
    function testFuzz_processProof_everyLeafReachesRoot_succeeds(uint256 seed, uint8 n) public view {
        bytes32[] memory leaves = _leaves(seed, bound(n, 1, 40));
        bytes32 root = lib.root(leaves);
        for (uint256 i = 0; i < leaves.length; ++i) {
            assertEq(lib.processProof(MerkleTree.proof(leaves, i), leaves[i]), root, "proof");
        }
    }

    /// @notice A proof does not carry over to another leaf (unless its sibling is that leaf).
    function testFuzz_processProof_otherLeaf_missesRoot_succeeds(
        uint256 seed,
        uint8 n,
        uint256 i,
        uint256 j
    ) public view {
        bytes32[] memory leaves = _leaves(seed, bound(n, 3, 40));
        i = bound(i, 0, leaves.length - 1);
        j = bound(j, 0, leaves.length - 1);
        vm.assume(i != j && i / 2 != j / 2); // siblings share a parent by design
        bytes32 root = lib.root(leaves);
        assertNotEq(lib.processProof(MerkleTree.proof(leaves, i), leaves[j]), root, "wrong leaf");
    }
}
