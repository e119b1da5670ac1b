// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title GuardianSignatures
/// @notice Guardian sets and their M-of-N attestations. A set's members are stored once as the
///         code of a small data contract (`store`), and read back with one `EXTCODECOPY`
///         (`load`): one cold account access (2,600 gas) whatever the set's size, where storage
///         would cost 2,100 per member and calldata ~370 per member on every delivery. A
///         signature check requires every signature to be canonical and to recover to a member,
///         signers strictly ascending, which rejects duplicates with one comparison. Signatures
///         are EIP-2098 compact (64 bytes: `r` ‖ `yParity << 255 | s`): one calldata byte and
///         the ABI padding fewer per delivery than 65-byte `r ‖ s ‖ v`, and no invalid `v`.
library GuardianSignatures {
    /// @dev secp256k1n / 2: signatures with a larger `s` are the malleable twin of a valid one.
    uint256 private constant HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    uint256 private constant SIGNATURE_LENGTH = 64;
    /// @dev The low 255 bits of a compact signature's second word: `s`.
    uint256 private constant S_MASK = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF;
    /// @dev The data contract's code starts with one STOP byte, so calling it does nothing.
    uint256 private constant DATA_OFFSET = 1;

    /// @notice Signature bytes are not a whole number of 64-byte compact signatures.
    error GuardianSignaturesMalformed(uint256 length);
    /// @notice Fewer signatures than the set's threshold.
    error GuardianSignaturesBelowThreshold(uint256 signatures, uint8 threshold);
    /// @notice `ecrecover` returned the zero address.
    error GuardianSignatureInvalid(uint256 index);
    /// @notice The signature's `s` is in the upper half of the curve order (the malleable twin).
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
    /// @dev The copy is followed by a word of ones: every member can be read as a whole word, and
    ///      `verify`'s member walk stops there without a bounds check (no address is above it).
    function load(address members, uint256 size) internal view returns (uint256 list) {
        assembly ("memory-safe") {
            list := mload(0x40)
            let length := mul(size, 20)
            mstore(0x40, add(list, add(length, 32)))
            extcodecopy(members, list, DATA_OFFSET, length)
            mstore(add(list, length), not(0))
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
    ///      precompile). What it does, for each 64-byte signature at `q` (r ‖ yParity << 255 | s;
    ///      `q` < the end of the whole signatures, so every byte read is inside `signatures`):
    ///      stops with failure 1 (malleable) unless s <= secp256k1n/2; calls the ecrecover
    ///      precompile (address 1) with (digest, 27 + yParity, r, s) in free memory (used as
    ///      scratch, not kept), and takes its output only if it returned a word (it returns
    ///      nothing for an invalid signature): failure 2 if there is none; failure 3 unless the
    ///      signer is above the previous one (strictly ascending: no duplicates); then walks the
    ///      ascending member list forward past the members below the signer: failure 4 unless
    ///      the walk stopped inside the list on the signer. The failures are reported after the
    ///      block with this library's errors (index = the signature's position), exactly as the
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
            // Both lists ascend: one forward pass over the members (`g`, a byte pointer into the
            // list) matches every signer.
            let g := list
            let listEnd := add(list, mul(size, 20))
            let first := signatures.offset
            let end := add(first, mul(count, SIGNATURE_LENGTH))
            for {
                let q := first
            } lt(q, end) {
                q := add(q, SIGNATURE_LENGTH)
            } {
                let vs := calldataload(add(q, 0x20))
                let s := and(vs, S_MASK)
                if gt(s, HALF_CURVE_ORDER) {
                    failure := 1
                    index := div(sub(q, first), SIGNATURE_LENGTH)
                    break
                }
                mstore(add(p, 0x20), add(27, shr(255, vs))) // v from yParity
                mstore(add(p, 0x40), calldataload(q)) // r
                mstore(add(p, 0x60), s)
                // The precompile returns nothing for an invalid signature: its result counts only
                // when it returned a word.
                let a := 0
                if staticcall(gas(), 1, p, 0x80, 0x00, 0x20) {
                    a := mul(mload(0x00), eq(returndatasize(), 0x20))
                }
                if iszero(a) {
                    failure := 2
                    index := div(sub(q, first), SIGNATURE_LENGTH)
                    break
                }
                if iszero(gt(a, previous)) {
                    failure := 3
                    index := div(sub(q, first), SIGNATURE_LENGTH)
                    signer := a
                    break
                }
                // Skip the members below the signer (they did not sign). The list is followed by
                // a word of ones (`load`), which no signer is above: the walk stops there at the
                // latest, and the bound check below refuses the sentinel itself.
                let member := shr(96, mload(g))
                for {} lt(member, a) {} {
                    g := add(g, 20)
                    member := shr(96, mload(g))
                }
                if iszero(and(lt(g, listEnd), eq(member, a))) {
                    failure := 4
                    index := div(sub(q, first), SIGNATURE_LENGTH)
                    signer := a
                    break
                }
                g := add(g, 20) // g < listEnd here: no overflow.
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
