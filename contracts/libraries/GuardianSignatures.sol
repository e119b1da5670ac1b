// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title GuardianSignatures
/// @notice Guardian sets and their M-of-N attestations. A set's members are stored once as the
///         code of a small data contract (`store`), and read back with one `EXTCODECOPY`
///         (`load`): one cold account access (2,600 gas) whatever the set's size, where storage
///         would cost 2,100 per member and calldata ~370 per member on every delivery. A
///         signature check requires every signature to be canonical and to recover to a member,
///         signers strictly ascending, which rejects duplicates with one comparison.
library GuardianSignatures {
    /// @dev secp256k1n / 2: signatures with a larger `s` are the malleable twin of a valid one.
    uint256 private constant HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    uint256 private constant SIGNATURE_LENGTH = 65;
    /// @dev The data contract's code starts with one STOP byte, so calling it does nothing.
    uint256 private constant DATA_OFFSET = 1;

    /// @notice Signature bytes are not a whole number of 65-byte signatures.
    error GuardianSignaturesMalformed(uint256 length);
    /// @notice Fewer signatures than the set's threshold.
    error GuardianSignaturesBelowThreshold(uint256 signatures, uint8 threshold);
    /// @notice `ecrecover` returned the zero address.
    error GuardianSignatureInvalid(uint256 index);
    /// @notice The signature's `s` is in the upper half of the curve order, or `v` is not 27/28.
    error GuardianSignatureMalleable(uint256 index);
    /// @notice Signers are not strictly ascending (covers duplicates).
    error GuardianSignersNotAscending(uint256 index, address signer);
    /// @notice The signer is not a member of the set.
    error GuardianSignerUnknown(uint256 index, address signer);
    /// @notice Writing a set's data contract failed.
    error GuardianSetStoreFailed();

    /// @notice Deploys a data contract holding `guardians` (20 bytes each, in order).
    function store(address[] memory guardians) internal returns (address members) {
        uint256 n = guardians.length;
        uint256 codeLength = DATA_OFFSET + 20 * n;
        // Init code: PUSH2 codeLength, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY, RETURNDATASIZE,
        // RETURN — copies the 10 bytes' tail (the runtime code) to memory 0 and returns it.
        bytes memory init = new bytes(10 + codeLength + 32);
        assembly ("memory-safe") {
            let p := add(init, 0x20)
            mstore(p, or(shl(248, 0x61), or(shl(232, codeLength), shl(176, 0x80600a3d393df3))))
            // Byte 10 is the STOP (0x00) that starts the runtime code; members follow from 11.
            // Each address is written as a whole word: the next one overwrites its zero tail,
            // and the last tail lands in the 32 spare bytes allocated above.
            let data := add(p, 11)
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                mstore(add(data, mul(i, 20)), shl(96, mload(add(add(guardians, 0x20), shl(5, i)))))
            }
            members := create(0, p, add(10, codeLength))
        }
        require(members != address(0), GuardianSetStoreFailed());
    }

    /// @notice Copies a stored set of `size` members to memory; returns where it starts.
    /// @dev The copy is followed by 12 zero bytes, so every member can be read as a whole word.
    function load(address members, uint256 size) internal view returns (uint256 list) {
        assembly ("memory-safe") {
            list := mload(0x40)
            let length := mul(size, 20)
            mstore(0x40, add(list, add(length, 32)))
            extcodecopy(members, list, DATA_OFFSET, length)
            mstore(add(list, length), 0)
        }
    }

    /// @notice A stored set as an array.
    function toArray(address members, uint256 size) internal view returns (address[] memory guardians) {
        uint256 list = load(members, size);
        guardians = new address[](size);
        for (uint256 i = 0; i < size; ++i) guardians[i] = _at(list, i);
    }

    /// @notice Reverts unless `signatures` holds at least `threshold` valid, distinct signatures
    ///         over `digest` by members of the set at `list` (from `load`). Every signature given
    ///         must be valid: nothing is skipped.
    /// @dev The per-signature loop is one assembly block (it runs on every delivery, 5 to 13
    ///      times; Solidity's version spent ~400 gas per signature around the 3,000 of the
    ///      precompile). What it does, for signature i (65 bytes r ‖ s ‖ v, packed): reads r, s,
    ///      v from calldata (i < length / 65, so every byte read is inside `signatures`); stops
    ///      with failure 1 (malleable) unless s <= secp256k1n/2 and v is 27 or 28; calls the
    ///      ecrecover precompile (address 1) with (digest, v, r, s) in free memory (used as
    ///      scratch, not kept) and its output in the zeroed scratch word 0x00, which stays zero
    ///      for an invalid signature: failure 2; failure 3 unless the signer is above the
    ///      previous one (strictly ascending: no duplicates); then walks the ascending member
    ///      list forward to the first member >= signer: failure 4 unless it is the signer. The
    ///      failures are reported after the block with this library's errors, exactly as the
    ///      checks are ordered above.
    // solhint-disable-next-line function-max-lines
    function verify(
        bytes32 digest,
        uint256 list,
        uint256 size,
        bytes calldata signatures,
        uint8 threshold
    ) internal view {
        uint256 length = signatures.length;
        require(length % SIGNATURE_LENGTH == 0, GuardianSignaturesMalformed(length));
        uint256 count = length / SIGNATURE_LENGTH;
        require(count >= threshold, GuardianSignaturesBelowThreshold(count, threshold));

        uint256 failure = 0;
        uint256 index = 0;
        uint256 signer = 0;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, digest)
            let previous := 0
            let g := 0 // Both lists ascend: one forward pass over the members matches every signer.
            for {
                let i := 0
            } lt(i, count) {
                i := add(i, 1)
            } {
                let q := add(signatures.offset, mul(i, SIGNATURE_LENGTH))
                let s := calldataload(add(q, 0x20))
                let v := byte(0, calldataload(add(q, 0x40)))
                if or(gt(s, HALF_CURVE_ORDER), iszero(or(eq(v, 27), eq(v, 28)))) {
                    failure := 1
                    index := i
                    break
                }
                mstore(add(p, 0x20), v)
                mstore(add(p, 0x40), calldataload(q))
                mstore(add(p, 0x60), s)
                mstore(0x00, 0)
                pop(staticcall(gas(), 1, p, 0x80, 0x00, 0x20))
                let a := mload(0x00)
                if iszero(a) {
                    failure := 2
                    index := i
                    break
                }
                if iszero(gt(a, previous)) {
                    failure := 3
                    index := i
                    signer := a
                    break
                }
                let member := 0
                for {} lt(g, size) {
                    g := add(g, 1)
                } {
                    member := shr(96, mload(add(list, mul(g, 20))))
                    if iszero(lt(member, a)) {
                        break
                    }
                }
                if iszero(and(lt(g, size), eq(member, a))) {
                    failure := 4
                    index := i
                    signer := a
                    break
                }
                g := add(g, 1) // g < size here, so no overflow.
                previous := a
            }
        }
        if (failure != 0) _fail(failure, index, address(uint160(signer)));
    }

    /// @dev Reverts with the error of a `verify` failure code.
    function _fail(uint256 failure, uint256 index, address signer) private pure {
        if (failure == 1) revert GuardianSignatureMalleable(index);
        if (failure == 2) revert GuardianSignatureInvalid(index);
        if (failure == 3) revert GuardianSignersNotAscending(index, signer);
        revert GuardianSignerUnknown(index, signer);
    }

    function _at(uint256 list, uint256 i) private pure returns (address member) {
        assembly ("memory-safe") {
            member := shr(96, mload(add(list, mul(i, 20))))
        }
    }
}
