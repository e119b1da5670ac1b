// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";

/// @title GuardianSignatures
/// @notice Checks an M-of-N guardian attestation: every signature must be canonical, recover to
///         a guardian, and signers must be strictly ascending, which rejects duplicates with one
///         comparison instead of a seen-set.
library GuardianSignatures {
    /// @dev secp256k1n / 2: signatures with a larger `s` are the malleable twin of a valid one.
    uint256 private constant HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    uint256 private constant SIGNATURE_LENGTH = 65;

    /// @notice Reverts unless `signatures` holds at least `threshold` valid, distinct guardian
    ///         signatures over `digest`. Every signature given must be valid: nothing is skipped.
    /// @param guardians The guardian set, strictly ascending (checked against its stored hash by the caller).
    function verify(
        bytes32 digest,
        address[] calldata guardians,
        bytes calldata signatures,
        uint8 threshold
    ) internal view {
        uint256 length = signatures.length;
        require(length % SIGNATURE_LENGTH == 0, IBridgeGateway.BridgeMalformedSignatures(length));
        uint256 count = length / SIGNATURE_LENGTH;
        require(count >= threshold, IBridgeGateway.BridgeThresholdNotMet(count, threshold));

        // Both lists ascend, so one forward pass over `guardians` matches every signer. The
        // guardian words are read raw: the caller already checked their hash against the
        // stored set, so they are exactly the clean addresses governance installed.
        uint256 previous = 0;
        uint256 g = 0;
        uint256 n = guardians.length;
        uint256 base;
        assembly ("memory-safe") {
            base := guardians.offset
        }
        for (uint256 i = 0; i < count; ++i) {
            address signer = _recover(digest, signatures, i);
            uint256 s = uint256(uint160(signer));
            require(s > previous, IBridgeGateway.BridgeSignersNotAscending(i, signer));
            uint256 guardian;
            assembly ("memory-safe") {
                for {} lt(g, n) {
                    g := add(g, 1)
                } {
                    guardian := calldataload(add(base, shl(5, g)))
                    if iszero(lt(guardian, s)) {
                        break
                    }
                }
            }
            require(g < n && guardian == s, IBridgeGateway.BridgeUnknownGuardian(i, signer));
            unchecked {
                ++g; // g < n here, so no overflow.
            }
            previous = s;
        }
    }

    /// @notice keccak256 over the guardian list's 32-byte words (= `abi.encodePacked(guardians)`),
    ///         truncated to 20 bytes.
    /// @dev Hashes calldata directly instead of re-encoding element by element. A list with
    ///      dirty high bits hashes differently from the stored (clean) hash and is refused.
    function hashGuardians(address[] calldata guardians) internal pure returns (bytes20 setHash) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            let size := mul(guardians.length, 0x20)
            calldatacopy(p, guardians.offset, size)
            setHash := keccak256(p, size)
        }
    }

    /// @dev Recovers signature `i` of the packed list, rejecting malleable and invalid ones.
    function _recover(bytes32 digest, bytes calldata signatures, uint256 i) private view returns (address signer) {
        bytes32 r;
        bytes32 s;
        uint256 v;
        // Reads r, s and v straight from calldata; `i * 65 + 65 <= signatures.length` holds
        // because the caller bounds `i` by `length / 65`.
        assembly ("memory-safe") {
            let p := add(signatures.offset, mul(i, SIGNATURE_LENGTH))
            r := calldataload(p)
            s := calldataload(add(p, 0x20))
            v := byte(0, calldataload(add(p, 0x40)))
        }
        require(uint256(s) <= HALF_CURVE_ORDER && (v == 27 || v == 28), IBridgeGateway.BridgeMalleableSignature(i));
        // The ecrecover precompile (address 1) called directly, with its four arguments in free
        // memory: cheaper than the `ecrecover` builtin. It returns nothing for an invalid
        // signature, which leaves the zeroed output word as address(0).
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, digest)
            mstore(add(p, 0x20), v)
            mstore(add(p, 0x40), r)
            mstore(add(p, 0x60), s)
            mstore(0x00, 0)
            pop(staticcall(gas(), 1, p, 0x80, 0x00, 0x20))
            signer := mload(0x00)
        }
        require(signer != address(0), IBridgeGateway.BridgeInvalidSignature(i));
    }
}
