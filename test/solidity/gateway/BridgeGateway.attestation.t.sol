// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";
import {BridgeFixture, Guardians} from "../utils/BridgeFixture.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {GuardianSignatures} from "../../../contracts/libraries/GuardianSignatures.sol";
import {MessageHeader, Transfer, Attestation} from "../utils/BridgeFixture.sol";

/// @notice Every way `deliver` rejects an attestation, each with its specific error.
contract BridgeGateway_verifyAttestation_Test is BridgeFixture {
    uint256 internal constant AMOUNT = 10e18;

    MessageHeader internal header;
    Transfer internal transfer;
    bytes32 internal id;
    bytes32 internal digest;

    function setUp() public override {
        super.setUp();
        header = _header();
        transfer = _transfer(remoteHomeToken, AMOUNT);
        id = _id(header, transfer);
        digest = gateway.attestationDigest(id, 0);
    }

    function _deliverWith(Attestation memory att) internal {
        _deliverVia(gateway, header, _one(transfer), _noProofs(), att);
    }

    function _expectRejected(Attestation memory att, bytes memory err) internal {
        Transfer[] memory ts = _one(transfer);
        bytes32[][] memory proofs = _noProofs();
        vm.expectRevert(err);
        _deliverVia(gateway, header, ts, proofs, att);
    }

    function _keys(uint256 a, uint256 b) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](2);
        (keys[0], keys[1]) = (a, b);
    }

    function _delivered() internal view returns (bool) {
        return bridgedToken.balanceOf(bob) == AMOUNT;
    }

    // ------------------------------------------------------------------------------------------
    // Valid attestations
    // ------------------------------------------------------------------------------------------

    function test_verifyAttestation_exactlyThreshold_succeeds() public {
        _deliverWith(Attestation(0, guardians, _signatures(_keys(guardianKeys[0], guardianKeys[2]), digest)));
        assertTrue(_delivered(), "delivered");
    }

    function test_verifyAttestation_allGuardians_succeeds() public {
        _deliverWith(Attestation(0, guardians, _signatures(guardianKeys, digest)));
        assertTrue(_delivered(), "delivered");
    }

    function test_verifyAttestation_digestIsEip712_succeeds() public view {
        // EIP-712 digest in the gateway's "Portcullis" v2 domain over Attestation(root, index).
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Portcullis"),
                keccak256("2"),
                block.chainid,
                address(gateway)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(keccak256("Attestation(bytes32 root,uint32 guardianSetIndex)"), id, 0)
        );
        assertEq(digest, keccak256(abi.encodePacked("\x19\x01", domain, structHash)), "digest");
    }

    // ------------------------------------------------------------------------------------------
    // Signature bytes
    // ------------------------------------------------------------------------------------------

    function test_verifyAttestation_thresholdNotMet_reverts() public {
        uint256[] memory one = new uint256[](1);
        one[0] = guardianKeys[1];
        _expectRejected(
            Attestation(0, guardians, _signatures(one, digest)),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignaturesBelowThreshold.selector, 1, THRESHOLD)
        );
    }

    function test_verifyAttestation_noSignatures_reverts() public {
        _expectRejected(
            Attestation(0, guardians, ""),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignaturesBelowThreshold.selector, 0, THRESHOLD)
        );
    }

    function test_verifyAttestation_truncatedSignature_reverts() public {
        bytes memory sigs = _signatures(_prefix(guardianKeys, 2), digest);
        assembly {
            mstore(sigs, 127) // two signatures (128 bytes) cut one byte short
        }
        _expectRejected(
            Attestation(0, guardians, sigs),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignaturesMalformed.selector, 127)
        );
    }

    function test_verifyAttestation_ecrecoverZero_reverts() public {
        // r = 0 is no valid signature: the precompile returns nothing, read as address(0).
        bytes memory sigs = bytes.concat(
            _signature(guardianKeys[0], digest),
            abi.encodePacked(bytes32(0), bytes32(uint256(1))) // yParity 0: v = 27
        );
        _expectRejected(
            Attestation(0, guardians, sigs),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignatureInvalid.selector, 1)
        );
    }

    function test_verifyAttestation_highS_reverts() public {
        // The malleable twin of a signature is s' = n - s with the parity flipped. A compact
        // signature carries s in 255 bits, so a twin at or above 2^255 cannot even be written;
        // any s' in (n/2, 2^255) is refused before recovery.
        (, bytes32 r, ) = vm.sign(guardianKeys[1], digest);
        bytes32 highS = bytes32(SECP256K1_N / 2 + 1);
        bytes memory sigs = bytes.concat(_signature(guardianKeys[0], digest), abi.encodePacked(r, highS));
        _expectRejected(
            Attestation(0, guardians, sigs),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignatureMalleable.selector, 1)
        );
    }

    function test_verifyAttestation_flippedParity_reverts() public {
        // yParity picks which of the two points with x = r signed: flipped, the signature
        // recovers someone else (or no one), never the guardian.
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(guardianKeys[0], digest);
        uint8 flipped = v == 27 ? 28 : 27;
        address recovered = ecrecover(digest, flipped, r, s);
        assertTrue(recovered != guardians[0], "the other parity is another signer");
        bytes memory sigs = bytes.concat(_compact(r, s, flipped), _signature(guardianKeys[1], digest));
        _expectRejected(
            Attestation(0, guardians, sigs),
            recovered == address(0)
                ? abi.encodeWithSelector(GuardianSignatures.GuardianSignatureInvalid.selector, 0)
                : abi.encodeWithSelector(GuardianSignatures.GuardianSignerUnknown.selector, 0, recovered)
        );
    }

    function test_verifyAttestation_duplicateSigner_reverts() public {
        _expectRejected(
            Attestation(0, guardians, _signatures(_keys(guardianKeys[1], guardianKeys[1]), digest)),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignersNotAscending.selector, 1, guardians[1])
        );
    }

    function test_verifyAttestation_unsortedSigners_reverts() public {
        _expectRejected(
            Attestation(0, guardians, _signatures(_keys(guardianKeys[2], guardianKeys[0]), digest)),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignersNotAscending.selector, 1, guardians[0])
        );
    }

    function test_verifyAttestation_extraInvalidSignature_reverts() public {
        // Enough valid signatures do not excuse a bad extra one: nothing is skipped.
        bytes memory sigs = bytes.concat(
            _signatures(_keys(guardianKeys[0], guardianKeys[1]), digest),
            abi.encodePacked(bytes32(0), bytes32(uint256(1) | (1 << 255))) // yParity 1: v = 28
        );
        _expectRejected(
            Attestation(0, guardians, sigs),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignatureInvalid.selector, 2)
        );
    }

    function test_verifyAttestation_unknownSigner_reverts() public {
        uint256 outsiderKey = makeKey("outsider");
        address outsider = vm.addr(outsiderKey);
        uint256[] memory keys = _sortKeys(_keys(guardianKeys[0], outsiderKey));
        uint256 outsiderIndex = keys[0] == outsiderKey ? 0 : 1;
        _expectRejected(
            Attestation(0, guardians, _signatures(keys, digest)),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignerUnknown.selector, outsiderIndex, outsider)
        );
    }

    // ------------------------------------------------------------------------------------------
    // Guardian list and domain
    // ------------------------------------------------------------------------------------------

    function test_verifyAttestation_impostorKey_reverts() public {
        // The set is read from the gateway (stored as code), never from the caller: a key that is
        // not a member signs in vain, whatever list the relayer believes in.
        uint256[] memory keys = new uint256[](2);
        (keys[0], keys[1]) = (guardianKeys[0], makeKey("impostor"));
        keys = _sortKeys(keys);
        bytes memory sigs = _signatures(keys, digest);
        uint256 at = vm.addr(keys[0]) == guardians[0] ? 1 : 0;
        _expectRejected(
            Attestation(0, guardians, sigs),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignerUnknown.selector, at, vm.addr(makeKey("impostor")))
        );
    }

    function test_verifyAttestation_otherChainId_reverts() public {
        // The same guardians sign the same root, but in the domain of chain 999.
        vm.chainId(999);
        bytes32 otherDigest = gateway.attestationDigest(id, 0);
        vm.chainId(localChain);
        assertNotEq(otherDigest, digest, "domain binds the chain id");

        bytes memory sigs = _signatures(_prefix(guardianKeys, 2), otherDigest);
        address recovered = _recover(sigs, 0, digest);
        _expectRejected(
            Attestation(0, guardians, sigs),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignerUnknown.selector, 0, recovered)
        );
    }

    function test_verifyAttestation_otherGateway_reverts() public {
        // A twin gateway with the same guardians: its attestations are worthless here.
        IBridgeGateway twin = _deployGateway(governor, guardians, THRESHOLD, LARGE_DELAY);
        bytes32 twinDigest = twin.attestationDigest(id, 0);
        assertNotEq(twinDigest, digest, "domain binds the gateway");

        bytes memory sigs = _signatures(_prefix(guardianKeys, 2), twinDigest);
        address recovered = _recover(sigs, 0, digest);
        _expectRejected(
            Attestation(0, guardians, sigs),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignerUnknown.selector, 0, recovered)
        );
    }

    function test_verifyAttestation_otherRoot_reverts() public {
        bytes memory sigs = _signatures(_prefix(guardianKeys, 2), gateway.attestationDigest(keccak256("x"), 0));
        address recovered = _recover(sigs, 0, digest);
        _expectRejected(
            Attestation(0, guardians, sigs),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignerUnknown.selector, 0, recovered)
        );
    }

    /// @dev What signature `i` of `sigs` recovers to over `d` (a random-looking address when the
    ///      signature was made over another digest).
    function _recover(bytes memory sigs, uint256 i, bytes32 d) internal pure returns (address) {
        bytes32 r;
        uint256 vs;
        assembly {
            let p := add(add(sigs, 0x20), mul(i, 64))
            r := mload(p)
            vs := mload(add(p, 0x20))
        }
        return ecrecover(d, uint8(27 + (vs >> 255)), r, bytes32(vs & ((1 << 255) - 1)));
    }

    // ------------------------------------------------------------------------------------------
    // Guardian set index and rotation
    // ------------------------------------------------------------------------------------------

    function test_verifyAttestation_unknownSetIndex_reverts() public {
        _expectRejected(
            _attest(gateway, id, 1, guardians, _prefix(guardianKeys, 2)),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownGuardianSet.selector, 1)
        );
    }

    function _rotate(uint64 grace) internal returns (uint256[] memory newKeys, address[] memory newSet) {
        (newKeys, newSet) = _makeGuardians("newGuardian", 4);
        vm.prank(governor);
        gateway.setGuardianSet(newSet, 3, grace);
    }

    function test_verifyAttestation_newSetAfterRotation_succeeds() public {
        (uint256[] memory newKeys, address[] memory newSet) = _rotate(1 days);
        _deliverWith(_attest(gateway, id, 1, newSet, _prefix(newKeys, 3)));
        assertTrue(_delivered(), "delivered under set 1");
    }

    function test_verifyAttestation_newSetBelowItsThreshold_reverts() public {
        (uint256[] memory newKeys, address[] memory newSet) = _rotate(1 days);
        _expectRejected(
            _attest(gateway, id, 1, newSet, _prefix(newKeys, 2)),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignaturesBelowThreshold.selector, 2, 3)
        );
    }

    function test_verifyAttestation_previousSetDuringGrace_succeeds() public {
        _rotate(1 days);
        vm.warp(_now() + 1 days - 1);
        _deliverWith(_attest(gateway, id, 0, guardians, _prefix(guardianKeys, 2)));
        assertTrue(_delivered(), "old set still valid in its grace period");
    }

    function test_verifyAttestation_previousSetAfterGrace_reverts() public {
        _rotate(1 days);
        uint64 expiresAt = uint64(_now() + 1 days);
        transfer.deadline = uint64(_now() + 2 days);
        id = _id(header, transfer);
        vm.warp(expiresAt);
        _expectRejected(
            _attest(gateway, id, 0, guardians, _prefix(guardianKeys, 2)),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeGuardianSetExpired.selector, 0, expiresAt)
        );
    }

    function test_verifyAttestation_previousSetZeroGrace_reverts() public {
        _rotate(0);
        _expectRejected(
            _attest(gateway, id, 0, guardians, _prefix(guardianKeys, 2)),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeGuardianSetExpired.selector, 0, uint64(_now()))
        );
    }

    function test_verifyAttestation_oldSetUnderNewIndex_reverts() public {
        _rotate(1 days);
        _expectRejected(
            _attest(gateway, id, 1, guardians, _prefix(guardianKeys, 3)),
            abi.encodeWithSelector(GuardianSignatures.GuardianSignerUnknown.selector, 0, guardians[0])
        );
    }

    function test_verifyAttestation_indexIsSigned_reverts() public {
        // Re-install the same members as set 1: signatures made for index 0 still do not
        // verify when relabelled as index 1, because the index is part of the signed digest.
        vm.prank(governor);
        gateway.setGuardianSet(guardians, THRESHOLD, 1 days);
        Attestation memory att = _attest(gateway, id, 0, guardians, _prefix(guardianKeys, 2));
        att.guardianSetIndex = 1;
        address recovered = _recover(att.signatures, 0, gateway.attestationDigest(id, 1));
        _expectRejected(att, abi.encodeWithSelector(GuardianSignatures.GuardianSignerUnknown.selector, 0, recovered));
    }

    // ------------------------------------------------------------------------------------------
    // Fuzz: random guardian sets through the gateway
    // ------------------------------------------------------------------------------------------

    /// @notice For a random guardian set and threshold, exactly `threshold` valid signatures
    ///         (from a random subset, in ascending order) deliver, and one fewer does not.
    /// forge-config: default.fuzz.runs = 48
    function testFuzz_verifyAttestation_randomSetAndThreshold_succeeds(
        uint256 seed,
        uint8 size,
        uint8 threshold
    ) public {
        size = uint8(bound(size, 1, 12));
        threshold = uint8(bound(threshold, 1, size));
        (uint256[] memory keys, address[] memory set) = _randomSet(seed, size);
        vm.prank(governor);
        gateway.setGuardianSet(set, threshold, 0);
        uint256[] memory signers = _randomSubset(keys, threshold, seed);

        bytes32 d = gateway.attestationDigest(id, 1);
        if (threshold > 1) {
            uint256[] memory fewer = _prefix(signers, threshold - 1);
            _expectRejected(
                Attestation(1, set, _signatures(fewer, d)),
                abi.encodeWithSelector(
                    GuardianSignatures.GuardianSignaturesBelowThreshold.selector,
                    threshold - 1,
                    threshold
                )
            );
        }
        _deliverWith(Attestation(1, set, _signatures(signers, d)));
        assertTrue(_delivered(), "delivered");
    }

    function _randomSet(uint256 seed, uint256 size) internal pure returns (uint256[] memory keys, address[] memory) {
        keys = new uint256[](size);
        for (uint256 i = 0; i < size; ++i) {
            keys[i] = (uint256(keccak256(abi.encode(seed, i))) % (SECP256K1_N - 1)) + 1;
        }
        keys = _sortKeys(keys);
        return (keys, _addrs(keys));
    }

    /// @dev `count` of `keys` chosen by `seed`, keeping their (ascending) order.
    function _randomSubset(
        uint256[] memory keys,
        uint256 count,
        uint256 seed
    ) internal pure returns (uint256[] memory out) {
        out = new uint256[](count);
        uint256 taken = 0;
        uint256 bits = uint256(keccak256(abi.encode(seed, "subset")));
        for (uint256 i = 0; i < keys.length && taken < count; ++i) {
            // Take key i if the coin says so, or if every remaining key is needed.
            bool needed = keys.length - i == count - taken;
            if (needed || (bits >> i) & 1 == 1) out[taken++] = keys[i];
        }
    }
}

/// @dev Exposes the library as the gateway uses it: the set stored as code (`store`), read back
///      (`load`), signatures in calldata.
contract GuardianSignaturesHarness {
    function verify(bytes32 digest, address[] calldata guardians, bytes calldata signatures, uint8 threshold) external {
        address members = GuardianSignatures.store(guardians);
        uint256 size = guardians.length;
        GuardianSignatures.verify(digest, GuardianSignatures.load(members, size), size, signatures, threshold);
    }

    function stored(address[] calldata guardians) external returns (address[] memory) {
        return GuardianSignatures.toArray(GuardianSignatures.store(guardians), guardians.length);
    }
}

contract GuardianSignatures_verify_Test is Guardians {
    GuardianSignaturesHarness internal harness;

    function setUp() public {
        harness = new GuardianSignaturesHarness();
    }

    function _set(uint256 seed, uint256 size) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](size);
        for (uint256 i = 0; i < size; ++i) {
            keys[i] = (uint256(keccak256(abi.encode(seed, i))) % (SECP256K1_N - 1)) + 1;
        }
        keys = _sortKeys(keys);
    }

    /// @notice Any `threshold` distinct guardians' signatures in ascending order verify, for
    ///         random keys, set sizes, thresholds and digests; `threshold - 1` of them do not.
    function testFuzz_verify_exactlyThreshold_succeeds(
        uint256 seed,
        bytes32 digest,
        uint8 size,
        uint8 threshold,
        uint256 skip
    ) public {
        size = uint8(bound(size, 1, 16));
        threshold = uint8(bound(threshold, 1, size));
        uint256[] memory keys = _set(seed, size);
        // A contiguous window of `threshold` signers starting at a random offset.
        skip = bound(skip, 0, size - threshold);
        uint256[] memory signers = new uint256[](threshold);
        for (uint256 i = 0; i < threshold; ++i) signers[i] = keys[skip + i];
        harness.verify(digest, _addrs(keys), _signatures(signers, digest), threshold);
    }

    function testFuzz_verify_belowThreshold_reverts(uint256 seed, bytes32 digest, uint8 size, uint8 threshold) public {
        size = uint8(bound(size, 2, 16));
        threshold = uint8(bound(threshold, 2, size));
        uint256[] memory keys = _set(seed, size);
        bytes memory sigs = _signatures(_prefix(keys, threshold - 1), digest);
        address[] memory set = _addrs(keys);
        vm.expectRevert(
            abi.encodeWithSelector(
                GuardianSignatures.GuardianSignaturesBelowThreshold.selector,
                threshold - 1,
                threshold
            )
        );
        harness.verify(digest, set, sigs, threshold);
    }

    /// @notice A signature by a key outside the set never counts, wherever it sorts.
    function testFuzz_verify_outsiderSigner_reverts(uint256 seed, uint256 outsiderKey, bytes32 digest) public {
        uint256[] memory keys = _set(seed, 3);
        outsiderKey = bound(outsiderKey, 1, SECP256K1_N - 1);
        address outsider = vm.addr(outsiderKey);
        address[] memory set = _addrs(keys);
        vm.assume(outsider != set[0] && outsider != set[1] && outsider != set[2]);
        uint256[] memory signers = new uint256[](2);
        (signers[0], signers[1]) = (keys[1], outsiderKey);
        signers = _sortKeys(signers);
        uint256 index = signers[0] == outsiderKey ? 0 : 1;
        bytes memory sigs = _signatures(signers, digest);
        vm.expectRevert(abi.encodeWithSelector(GuardianSignatures.GuardianSignerUnknown.selector, index, outsider));
        harness.verify(digest, set, sigs, 2);
    }

    /// @notice A set stored as code reads back exactly, for any size up to 255.
    function testFuzz_store_roundTrip_succeeds(uint256 seed, uint8 size) public {
        size = uint8(bound(size, 1, 255));
        address[] memory set = new address[](size);
        for (uint256 i = 0; i < size; ++i) set[i] = address(uint160(uint256(keccak256(abi.encode(seed, i)))));
        address[] memory back = harness.stored(set);
        assertEq(back.length, set.length, "size");
        for (uint256 i = 0; i < size; ++i) assertEq(back[i], set[i], "member");
    }

    /// @notice Every signature whose s is above n/2 (the half a malleable twin lives in) is
    ///         refused, whatever its r and parity.
    function testFuzz_verify_highS_reverts(uint256 seed, bytes32 digest, uint256 s) public {
        uint256[] memory keys = _set(seed, 1);
        (, bytes32 r, ) = vm.sign(keys[0], digest);
        s = bound(s, SECP256K1_N / 2 + 1, (1 << 255) - 1);
        bytes memory twin = abi.encodePacked(r, bytes32(s | ((seed & 1) << 255)));
        address[] memory set = _addrs(keys);
        vm.expectRevert(abi.encodeWithSelector(GuardianSignatures.GuardianSignatureMalleable.selector, 0));
        harness.verify(digest, set, twin, 1);
    }
}
