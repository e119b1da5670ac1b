// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";
import {BridgeFixture} from "../utils/BridgeFixture.sol";
import {MerkleTree} from "../utils/MerkleTree.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MessageLib} from "../../../contracts/libraries/MessageLib.sol";
import {GuardianSignatures} from "../../../contracts/libraries/GuardianSignatures.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";
import {MessageHeader, Transfer, Attestation} from "../utils/BridgeFixture.sol";

contract BridgeGateway_deliver_Test is BridgeFixture {
    uint256 internal constant AMOUNT = 10e18;

    /// @dev Expects `deliver(t)` (validly attested) to revert with `err`.
    function _expectDeliverRevert(MessageHeader memory h, Transfer memory t, bytes memory err) internal {
        Transfer[] memory ts = _one(t);
        bytes32[][] memory proofs = _noProofs();
        Attestation memory att = _attestation(_id(h, t));
        vm.expectRevert(err);
        _deliverVia(gateway, h, ts, proofs, att);
    }

    function _status(bytes32 id) internal view returns (uint256) {
        return uint256(gateway.queuedMessage(id).status);
    }

    // ------------------------------------------------------------------------------------------
    // Fast path and queueing
    // ------------------------------------------------------------------------------------------

    function test_deliver_fastBridged_mintsAtOnce_succeeds() public {
        Transfer memory t = _transfer(remoteHomeToken, AMOUNT);
        bytes32 id = _id(_header(), t);
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.MessageExecuted(id);
        _deliver(t);
        assertEq(bridgedToken.balanceOf(bob), AMOUNT, "minted");
        assertEq(bridgedToken.totalSupply(), AMOUNT, "supply");
        assertTrue(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, t.nonce), "nonce taken");
        // The fast path writes no queue entry: the bitmap alone marks it processed.
        assertEq(_status(id), uint256(IBridgeGatewayTypes.MessageStatus.None), "no queue entry");
    }

    function test_deliver_fastHome_unlocksAtOnce_succeeds() public {
        _lockHome(AMOUNT);
        Transfer memory t = _transfer(address(homeToken), AMOUNT);
        _deliver(t);
        assertEq(homeToken.balanceOf(bob), AMOUNT, "unlocked to bob");
        assertEq(homeToken.balanceOf(address(gateway)), 0, "gateway emptied");
        assertEq(gateway.lockedBalance(address(homeToken)), 0, "locked decremented");
    }

    function test_deliver_homeAboveLocked_reverts() public {
        // Unlocks can never exceed what was locked here, even for an attested message.
        _lockHome(AMOUNT);
        Transfer memory t = _transfer(address(homeToken), AMOUNT + 1);
        _expectDeliverRevert(_header(), t, abi.encodeWithSignature("Panic(uint256)", 0x11));
    }

    function test_deliver_atFastLimit_executes_succeeds() public {
        Transfer memory t = _transfer(remoteHomeToken, FAST_LIMIT);
        _deliver(t);
        assertEq(bridgedToken.balanceOf(bob), FAST_LIMIT, "fast at the limit");
    }

    function test_deliver_aboveFastLimit_queues_succeeds() public {
        Transfer memory t = _transfer(remoteHomeToken, uint256(FAST_LIMIT) + 1);
        bytes32 id = _id(_header(), t);
        uint64 executableAt = uint64(_now() + LARGE_DELAY);
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.MessageQueued(id, REMOTE_CHAIN, t.nonce, executableAt);
        _deliver(t);

        assertEq(bridgedToken.balanceOf(bob), 0, "nothing paid yet");
        IBridgeGatewayTypes.QueuedMessage memory q = gateway.queuedMessage(id);
        assertEq(uint256(q.status), uint256(IBridgeGatewayTypes.MessageStatus.Queued), "queued");
        assertEq(q.executableAt, executableAt, "executableAt = now + largeDelay");
        assertEq(q.recipient, bob, "recipient");
        assertEq(q.localToken, address(bridgedToken), "local token");
        assertEq(q.sourceChainId, REMOTE_CHAIN, "source");
        assertEq(q.nonce, t.nonce, "nonce");
        assertEq(q.amount, t.amount, "amount");
        assertTrue(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, t.nonce), "nonce taken");
    }

    function test_deliver_homeQueued_keepsLocked_succeeds() public {
        uint256 amount = uint256(FAST_LIMIT) + 1;
        _lockHome(amount);
        _deliver(_transfer(address(homeToken), amount));
        assertEq(gateway.lockedBalance(address(homeToken)), amount, "still locked until execute");
        assertEq(homeToken.balanceOf(bob), 0, "not paid");
    }

    function test_deliver_bucketExhausted_queues_succeeds() public {
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(remoteHomeToken),
            remoteHomeToken,
            IBridgeGatewayTypes.Direction.Inbound,
            100e18,
            1e18
        );
        _deliver(_transfer(remoteHomeToken, 100e18));
        assertEq(bridgedToken.balanceOf(bob), 100e18, "first drains the bucket fast");
        assertEq(
            gateway.availableRateLimit(
                _homeChain(remoteHomeToken),
                remoteHomeToken,
                IBridgeGatewayTypes.Direction.Inbound
            ),
            0,
            "empty"
        );

        Transfer memory t = _transfer(remoteHomeToken, 1e18);
        bytes32 id = _deliver(t);
        assertEq(bridgedToken.balanceOf(bob), 100e18, "second waits");
        IBridgeGatewayTypes.QueuedMessage memory q = gateway.queuedMessage(id);
        assertEq(uint256(q.status), uint256(IBridgeGatewayTypes.MessageStatus.Queued), "queued");
        assertEq(q.executableAt, _now() + LARGE_DELAY, "executableAt");
    }

    function test_deliver_queuedDoesNotConsumeBucket_succeeds() public {
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(remoteHomeToken),
            remoteHomeToken,
            IBridgeGatewayTypes.Direction.Inbound,
            100e18,
            1e18
        );
        _deliver(_transfer(remoteHomeToken, uint256(FAST_LIMIT) + 1));
        assertEq(
            gateway.availableRateLimit(
                _homeChain(remoteHomeToken),
                remoteHomeToken,
                IBridgeGatewayTypes.Direction.Inbound
            ),
            100e18,
            "full"
        );
    }

    function test_deliver_bucketRefilled_executes_succeeds() public {
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(remoteHomeToken),
            remoteHomeToken,
            IBridgeGatewayTypes.Direction.Inbound,
            100e18,
            1e18
        );
        _deliver(_transfer(remoteHomeToken, 100e18));
        vm.warp(_now() + 5);
        _deliver(_transfer(remoteHomeToken, 5e18));
        assertEq(bridgedToken.balanceOf(bob), 105e18, "refilled amount is fast again");
    }

    /// @notice The delay rule: a message executes at once iff its amount is within the fast
    ///         limit and the inbound bucket has room for it; otherwise it is queued until
    ///         now + largeDelay and the bucket is left untouched. (The stored fast limit is the
    ///         configured one clamped to 2^88 - 1, see `setFastLimit`.)
    function testFuzz_deliver_delayRule_succeeds(
        uint96 fastLimit,
        uint96 capacity,
        uint96 refill,
        uint256 drained,
        uint256 amount,
        uint32 delay
    ) public {
        capacity = uint96(bound(capacity, 1, type(uint96).max - 1));
        refill = uint96(bound(refill, (uint256(capacity) >> 32) + 1, type(uint96).max));
        amount = bound(amount, 1, uint256(type(uint96).max) + 1);
        vm.startPrank(governor);
        gateway.setFastLimit(_homeChain(remoteHomeToken), remoteHomeToken, fastLimit);
        gateway.setRateLimit(
            _homeChain(remoteHomeToken),
            remoteHomeToken,
            IBridgeGatewayTypes.Direction.Inbound,
            capacity,
            refill
        );
        gateway.setLargeDelay(delay);
        vm.stopPrank();
        uint256 limit = gateway.inboundToken(_homeChain(remoteHomeToken), remoteHomeToken).fastLimit;
        assertEq(limit, fastLimit < type(uint80).max ? fastLimit : type(uint80).max, "stored limit");
        // Partly drain the bucket with a fast message so "room" is not always "full".
        drained = bound(drained, 0, capacity);
        if (drained != 0 && drained <= limit) _deliver(_transfer(remoteHomeToken, drained));

        uint256 available = gateway.availableRateLimit(
            _homeChain(remoteHomeToken),
            remoteHomeToken,
            IBridgeGatewayTypes.Direction.Inbound
        );
        uint256 supplyBefore = bridgedToken.totalSupply();
        bool expectFast = amount <= limit && amount <= available;
        bytes32 id = _deliver(_transfer(remoteHomeToken, amount));

        IBridgeGatewayTypes.QueuedMessage memory q = gateway.queuedMessage(id);
        uint256 availableAfter = gateway.availableRateLimit(
            _homeChain(remoteHomeToken),
            remoteHomeToken,
            IBridgeGatewayTypes.Direction.Inbound
        );
        if (expectFast) {
            assertEq(bridgedToken.totalSupply() - supplyBefore, amount, "fast: minted at once");
            assertEq(uint256(q.status), uint256(IBridgeGatewayTypes.MessageStatus.None), "fast: not queued");
            assertLe(availableAfter, available - amount, "fast: bucket consumed");
        } else {
            assertEq(bridgedToken.totalSupply(), supplyBefore, "queued: nothing minted");
            assertEq(uint256(q.status), uint256(IBridgeGatewayTypes.MessageStatus.Queued), "queued");
            assertEq(q.executableAt, _now() + delay, "executableAt = now + delay");
            assertEq(availableAfter, available, "queued: bucket untouched");
        }
    }

    function testFuzz_deliver_unlimitedBucket_fastIffWithinLimit_succeeds(uint88 fastLimit, uint256 amount) public {
        amount = bound(amount, 1, type(uint128).max);
        vm.prank(governor);
        gateway.setFastLimit(_homeChain(remoteHomeToken), remoteHomeToken, fastLimit);
        bytes32 id = _deliver(_transfer(remoteHomeToken, amount));
        bool queued = gateway.queuedMessage(id).status == IBridgeGatewayTypes.MessageStatus.Queued;
        assertEq(queued, amount > fastLimit, "queued iff above the fast limit");
        assertEq(bridgedToken.balanceOf(bob), queued ? 0 : amount, "paid iff fast");
    }

    /// @dev DOC MISMATCH (reported): `setFastLimit` documents that values at or above 2^88 - 1
    ///      mean "no fast limit beyond the rate-limit bucket", but the clamped value is still
    ///      compared against: with the limit set to type(uint96).max and an unlimited bucket, an
    ///      amount of 2^88 is queued. Pins current behaviour; if the doc is the intent, the
    ///      clamp should store a sentinel that `_apply` treats as "no limit".
    function test_deliver_saturatedFastLimitStillDelaysAboveClamp_succeeds() public {
        vm.prank(governor);
        gateway.setFastLimit(_homeChain(remoteHomeToken), remoteHomeToken, type(uint96).max);
        bytes32 id = _deliver(_transfer(remoteHomeToken, uint256(type(uint88).max) + 1));
        assertEq(
            uint256(gateway.queuedMessage(id).status),
            uint256(IBridgeGatewayTypes.MessageStatus.Queued),
            "queued despite 'no fast limit'"
        );
    }

    // ------------------------------------------------------------------------------------------
    // Replay, expiry, route and token checks
    // ------------------------------------------------------------------------------------------

    function test_deliver_alreadyProcessedFast_reverts() public {
        Transfer memory t = _transfer(remoteHomeToken, AMOUNT);
        bytes32 id = _deliver(t);
        _expectDeliverRevert(
            _header(),
            t,
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageAlreadyProcessed.selector, id)
        );
    }

    function test_deliver_alreadyProcessedQueued_reverts() public {
        Transfer memory t = _transfer(remoteHomeToken, uint256(FAST_LIMIT) + 1);
        bytes32 id = _deliver(t);
        _expectDeliverRevert(
            _header(),
            t,
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageAlreadyProcessed.selector, id)
        );
    }

    function test_deliver_otherMessageSameNonce_reverts() public {
        Transfer memory t = _transfer(remoteHomeToken, AMOUNT);
        _deliver(t);
        t.recipient = alice;
        bytes32 other = _id(_header(), t);
        _expectDeliverRevert(
            _header(),
            t,
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageAlreadyProcessed.selector, other)
        );
    }

    function test_deliver_noncesAcrossBitmapWords_succeeds() public {
        remoteNonce = 254;
        Transfer[] memory ts = new Transfer[](4);
        for (uint256 i = 0; i < 4; ++i) ts[i] = _transfer(remoteHomeToken, AMOUNT);
        _deliverBatch(ts);
        for (uint64 n = 254; n < 258; ++n) assertTrue(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, n), "processed");
        assertFalse(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, 253), "neighbour below untouched");
        assertFalse(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, 258), "neighbour above untouched");
    }

    function test_deliver_expired_reverts() public {
        Transfer memory t = _transfer(remoteHomeToken, AMOUNT);
        vm.warp(uint256(t.deadline) + 1);
        _expectDeliverRevert(
            _header(),
            t,
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageExpired.selector, _id(_header(), t), t.deadline)
        );
    }

    function test_deliver_atDeadline_succeeds() public {
        Transfer memory t = _transfer(remoteHomeToken, AMOUNT);
        vm.warp(t.deadline);
        _deliver(t);
        assertEq(bridgedToken.balanceOf(bob), AMOUNT, "deliverable up to and including the deadline");
    }

    /// @dev The packed batch does not carry the destination: the gateway hashes its own chain id
    ///      and address into every id, so a message attested for another destination has another
    ///      id here and its signatures recover strangers.
    function test_deliver_wrongDestChain_reverts() public {
        MessageHeader memory h = _header();
        h.destChainId = 999;
        _expectOtherDestinationRefused(h);
    }

    function test_deliver_wrongDestGateway_reverts() public {
        MessageHeader memory h = _header();
        h.destGateway = alice;
        _expectOtherDestinationRefused(h);
    }

    /// @dev Guardians attested `h`'s destination; here the id is this gateway's, so the first
    ///      signature recovers a stranger (whose address the test computes the same way).
    function _expectOtherDestinationRefused(MessageHeader memory h) internal {
        Transfer[] memory ts = _one(_transfer(remoteHomeToken, AMOUNT));
        Attestation memory att = _attestation(_id(h, ts[0]));
        bytes32 here = gateway.attestationDigest(_id(_header(), ts[0]), 0);
        bytes memory sigs = att.signatures;
        bytes32 r;
        uint256 vs; // compact: yParity << 255 | s
        assembly {
            r := mload(add(sigs, 0x20))
            vs := mload(add(sigs, 0x40))
        }
        address stranger = ecrecover(here, uint8(27 + (vs >> 255)), r, bytes32(vs & ((1 << 255) - 1)));
        bytes32[][] memory proofs = _noProofs();
        vm.expectRevert(abi.encodeWithSelector(GuardianSignatures.GuardianSignerUnknown.selector, 0, stranger));
        _deliverVia(gateway, h, ts, proofs, att);
    }

    function test_deliver_unknownRoute_reverts() public {
        MessageHeader memory h = _header();
        h.sourceChainId = 777;
        _expectDeliverRevert(
            h,
            _transfer(remoteHomeToken, AMOUNT),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownRoute.selector, uint64(777), remoteGateway)
        );
    }

    function test_deliver_disabledRoute_reverts() public {
        vm.prank(governor);
        gateway.setRoute(REMOTE_CHAIN, remoteGateway, false);
        _expectDeliverRevert(
            _header(),
            _transfer(remoteHomeToken, AMOUNT),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownRoute.selector, REMOTE_CHAIN, remoteGateway)
        );
    }

    function test_deliver_wrongSourceGateway_reverts() public {
        MessageHeader memory h = _header();
        h.sourceGateway = alice;
        _expectDeliverRevert(
            h,
            _transfer(remoteHomeToken, AMOUNT),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownRoute.selector, REMOTE_CHAIN, alice)
        );
    }

    function test_deliver_unknownToken_reverts() public {
        address unknown = makeAddr("unknownToken");
        _expectDeliverRevert(
            _header(),
            _transfer(unknown, AMOUNT),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownTokenIdentity.selector, REMOTE_CHAIN, unknown)
        );
    }

    function test_deliver_unknownTokenAfterKnownInBatch_reverts() public {
        Transfer[] memory ts = new Transfer[](2);
        ts[0] = _transfer(remoteHomeToken, AMOUNT);
        ts[1] = _transfer(address(0), AMOUNT);
        MessageHeader memory h = _header();
        Attestation memory att = _attestation(MerkleTree.root(_ids(h, ts)));
        bytes32[][] memory proofs = _noProofs();
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownTokenIdentity.selector, REMOTE_CHAIN, address(0))
        );
        _deliverVia(gateway, h, ts, proofs, att);
    }

    /// @dev Regression (reported bug): the first message of a batch naming token address(0)
    ///      used to "match" the empty token cache, skip the registration lookup and be queued
    ///      for no token, burning its nonce. It must fail as unknown like any other token.
    function test_deliver_zeroTokenFirstInBatch_reverts() public {
        Transfer memory t = _transfer(address(0), AMOUNT);
        _expectDeliverRevert(
            _header(),
            t,
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownTokenIdentity.selector, REMOTE_CHAIN, address(0))
        );
        assertFalse(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, t.nonce), "nonce not burnt");
    }

    function test_deliver_paused_reverts() public {
        vm.prank(pauser);
        gateway.pause();
        _expectDeliverRevert(
            _header(),
            _transfer(remoteHomeToken, AMOUNT),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgePaused.selector)
        );
    }

    function test_deliver_versionThree_reverts() public {
        MessageHeader memory h = _header();
        h.version = 3;
        _expectDeliverRevert(
            h,
            _transfer(remoteHomeToken, AMOUNT),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnsupportedVersion.selector, uint8(3))
        );
    }

    function test_deliver_versionOne_reverts() public {
        MessageHeader memory h = _header();
        h.version = 1;
        _expectDeliverRevert(
            h,
            _transfer(remoteHomeToken, AMOUNT),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnsupportedVersion.selector, uint8(1))
        );
    }

    function test_deliver_versionZero_reverts() public {
        MessageHeader memory h = _header();
        h.version = 0;
        _expectDeliverRevert(
            h,
            _transfer(remoteHomeToken, AMOUNT),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnsupportedVersion.selector, uint8(0))
        );
    }

    // ------------------------------------------------------------------------------------------
    // Batches
    // ------------------------------------------------------------------------------------------

    function _batch(uint256 n) internal returns (Transfer[] memory ts) {
        ts = new Transfer[](n);
        for (uint256 i = 0; i < n; ++i) {
            ts[i] = _transfer(remoteHomeToken, AMOUNT * (i + 1));
            ts[i].recipient = address(uint160(0xB0B0 + i));
        }
    }

    function test_deliver_fullBatchEmptyProofs_succeeds() public {
        Transfer[] memory ts = _batch(5);
        ts[2].amount = uint256(FAST_LIMIT) + 1; // one of them queues
        bytes32[] memory ids = _deliverBatch(ts);
        for (uint256 i = 0; i < 5; ++i) {
            if (i == 2) {
                assertEq(bridgedToken.balanceOf(ts[i].recipient), 0, "large one waits");
                assertEq(_status(ids[i]), uint256(IBridgeGatewayTypes.MessageStatus.Queued), "queued");
            } else {
                assertEq(bridgedToken.balanceOf(ts[i].recipient), ts[i].amount, "fast ones paid");
            }
            assertTrue(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, ts[i].nonce), "processed");
        }
    }

    function test_deliver_merkleProofs_succeeds() public {
        Transfer[] memory ts = _batch(5);
        MessageHeader memory h = _header();
        bytes32[] memory ids = _ids(h, ts);
        Attestation memory att = _attestation(MerkleTree.root(ids));
        _deliverVia(gateway, h, ts, MerkleTree.proofs(ids), att);
        for (uint256 i = 0; i < 5; ++i) {
            assertEq(bridgedToken.balanceOf(ts[i].recipient), ts[i].amount, "paid");
        }
    }

    function test_deliver_merkleProofsSubset_succeeds() public {
        // Proof mode lets a relayer deliver any subset of an attested batch, in any order.
        Transfer[] memory ts = _batch(5);
        MessageHeader memory h = _header();
        bytes32[] memory ids = _ids(h, ts);
        Attestation memory att = _attestation(MerkleTree.root(ids));

        Transfer[] memory subset = new Transfer[](2);
        bytes32[][] memory proofs = new bytes32[][](2);
        (subset[0], proofs[0]) = (ts[4], MerkleTree.proof(ids, 4));
        (subset[1], proofs[1]) = (ts[1], MerkleTree.proof(ids, 1));
        _deliverVia(gateway, h, subset, proofs, att);
        assertEq(bridgedToken.balanceOf(ts[4].recipient), ts[4].amount, "leaf 4");
        assertEq(bridgedToken.balanceOf(ts[1].recipient), ts[1].amount, "leaf 1");
        assertFalse(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, ts[0].nonce), "leaf 0 still pending");

        _deliverVia(gateway, h, _one(ts[0]), _single(MerkleTree.proof(ids, 0)), att);
        assertEq(bridgedToken.balanceOf(ts[0].recipient), ts[0].amount, "leaf 0 later");
    }

    function _single(bytes32[] memory proof) internal pure returns (bytes32[][] memory proofs) {
        proofs = new bytes32[][](1);
        proofs[0] = proof;
    }

    function test_deliver_invalidProof_reverts() public {
        Transfer[] memory ts = _batch(4);
        MessageHeader memory h = _header();
        bytes32[] memory ids = _ids(h, ts);
        Attestation memory att = _attestation(MerkleTree.root(ids));
        bytes32[][] memory proofs = MerkleTree.proofs(ids);
        proofs[1] = proofs[2]; // leaf 1 with leaf 2's path leads elsewhere
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeInvalidProof.selector, ids[1]));
        _deliverVia(gateway, h, ts, proofs, att);
    }

    function test_deliver_proofUnderUnsignedRoot_reverts() public {
        // Consistent proofs under a root the guardians never signed fail signature checks.
        Transfer[] memory ts = _batch(2);
        MessageHeader memory h = _header();
        bytes32[] memory ids = _ids(h, ts);
        Attestation memory att = _attestation(ids[0]);
        bytes32[][] memory proofs = MerkleTree.proofs(ids);
        vm.expectRevert();
        _deliverVia(gateway, h, ts, proofs, att);
        assertFalse(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, ts[0].nonce), "nothing delivered");
    }

    function test_deliver_tamperedTransferInBatch_reverts() public {
        Transfer[] memory ts = _batch(3);
        MessageHeader memory h = _header();
        Attestation memory att = _attestation(MerkleTree.root(_ids(h, ts)));
        ts[1].amount += 1; // the root no longer matches what was signed
        bytes32[][] memory proofs = _noProofs();
        vm.expectRevert();
        _deliverVia(gateway, h, ts, proofs, att);
    }

    function test_deliver_emptyBatch_reverts() public {
        MessageHeader memory h = _header();
        Transfer[] memory ts = new Transfer[](0);
        Attestation memory att = _attestation(bytes32(0));
        bytes32[][] memory proofs = _noProofs();
        vm.expectRevert(abi.encodeWithSelector(MessageLib.MessageLibMalformedBatch.selector, 29));
        _deliverVia(gateway, h, ts, proofs, att);
    }

    function test_deliver_proofCountMismatch_reverts() public {
        Transfer[] memory ts = _batch(3);
        MessageHeader memory h = _header();
        bytes32[] memory ids = _ids(h, ts);
        Attestation memory att = _attestation(MerkleTree.root(ids));
        bytes32[][] memory proofs = new bytes32[][](2);
        proofs[0] = MerkleTree.proof(ids, 0);
        proofs[1] = MerkleTree.proof(ids, 1);
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidBatch.selector);
        _deliverVia(gateway, h, ts, proofs, att);
    }

    function test_deliver_duplicateInBatch_reverts() public {
        Transfer[] memory ts = _batch(2);
        ts[1] = ts[0];
        MessageHeader memory h = _header();
        bytes32[] memory ids = _ids(h, ts);
        Attestation memory att = _attestation(MerkleTree.root(ids));
        bytes32[][] memory proofs = _noProofs();
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageAlreadyProcessed.selector, ids[1]));
        _deliverVia(gateway, h, ts, proofs, att);
    }

    function test_deliver_batchRevertsAsAWhole_reverts() public {
        // One bad message (expired) reverts the batch: the good ones are not half-applied.
        Transfer[] memory ts = _batch(3);
        ts[2].deadline = uint64(_now() - 1);
        MessageHeader memory h = _header();
        bytes32[] memory ids = _ids(h, ts);
        Attestation memory att = _attestation(MerkleTree.root(ids));
        bytes32[][] memory proofs = _noProofs();
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageExpired.selector, ids[2], ts[2].deadline)
        );
        _deliverVia(gateway, h, ts, proofs, att);
        assertFalse(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, ts[0].nonce), "first message not taken");
    }

    function test_deliver_batchHomeThenBridged_succeeds() public {
        _lockHome(AMOUNT);
        Transfer[] memory ts = new Transfer[](2);
        ts[0] = _transfer(address(homeToken), AMOUNT);
        ts[1] = _transfer(remoteHomeToken, AMOUNT);
        _deliverBatch(ts);
        assertEq(homeToken.balanceOf(bob), AMOUNT, "home unlocked");
        assertEq(bridgedToken.balanceOf(bob), AMOUNT, "bridged minted");
    }

    /// @dev Regression (reported bug): a batch whose fast payouts start with a run of a bridged
    ///      token followed by any other payout reverted with Panic(0x32): `_payOutAll` shrank the
    ///      payout arrays in place for the first run and the next run indexed past the new
    ///      length. Mixed batches must pay everyone, in every order.
    function test_deliver_batchBridgedThenHome_succeeds() public {
        _lockHome(AMOUNT);
        Transfer[] memory ts = new Transfer[](2);
        ts[0] = _transfer(remoteHomeToken, AMOUNT);
        ts[1] = _transfer(address(homeToken), AMOUNT);
        _deliverBatch(ts);
        assertEq(bridgedToken.balanceOf(bob), AMOUNT, "bridged minted");
        assertEq(homeToken.balanceOf(bob), AMOUNT, "home unlocked");
    }

    function test_deliver_batchAlternatingTokens_succeeds() public {
        // Runs: bridged x2, home, bridged (a later run of the first token), home.
        _lockHome(3 * AMOUNT);
        address[5] memory tokens = [
            remoteHomeToken,
            remoteHomeToken,
            address(homeToken),
            remoteHomeToken,
            address(homeToken)
        ];
        Transfer[] memory ts = new Transfer[](5);
        for (uint256 i = 0; i < 5; ++i) {
            ts[i] = _transfer(tokens[i], AMOUNT + i);
            ts[i].recipient = address(uint160(0xCAFE + i));
        }
        _deliverBatch(ts);
        for (uint256 i = 0; i < 5; ++i) {
            address local = tokens[i] == remoteHomeToken ? address(bridgedToken) : address(homeToken);
            assertEq(IERC20(local).balanceOf(ts[i].recipient), AMOUNT + i, "each recipient paid once, in full");
        }
        assertEq(gateway.lockedBalance(address(homeToken)), 3 * AMOUNT - (2 * AMOUNT + 6), "unlocked");
    }

    function test_deliver_batchFastRunsOfSameBridgedToken_succeeds() public {
        // A queued message in the middle does not break the single mintBatch run.
        Transfer[] memory ts = _batch(4);
        ts[1].amount = uint256(FAST_LIMIT) + 1;
        _deliverBatch(ts);
        assertEq(bridgedToken.balanceOf(ts[0].recipient), ts[0].amount, "0");
        assertEq(bridgedToken.balanceOf(ts[1].recipient), 0, "1 queued");
        assertEq(bridgedToken.balanceOf(ts[2].recipient), ts[2].amount, "2");
        assertEq(bridgedToken.balanceOf(ts[3].recipient), ts[3].amount, "3");
    }

    function test_deliver_batchBucketSharedAcrossMessages_succeeds() public {
        // The bucket is consumed message by message inside one batch.
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(remoteHomeToken),
            remoteHomeToken,
            IBridgeGatewayTypes.Direction.Inbound,
            25e18,
            1e18
        );
        Transfer[] memory ts = _batch(3); // 10, 20, 30
        ts[1].amount = 10e18;
        ts[2].amount = 10e18;
        bytes32[] memory ids = _deliverBatch(ts);
        assertEq(bridgedToken.balanceOf(ts[0].recipient), 10e18, "first fits");
        assertEq(bridgedToken.balanceOf(ts[1].recipient), 10e18, "second fits");
        assertEq(_status(ids[2]), uint256(IBridgeGatewayTypes.MessageStatus.Queued), "third exceeds the bucket");
        assertEq(
            gateway.availableRateLimit(
                _homeChain(remoteHomeToken),
                remoteHomeToken,
                IBridgeGatewayTypes.Direction.Inbound
            ),
            5e18,
            "left"
        );
    }
}

contract BridgeGateway_messageId_Test is BridgeFixture {
    bytes32 internal constant MESSAGE_TYPEHASH = keccak256(
        "Message(uint8 version,uint64 nonce,uint64 sourceChainId,uint64 destChainId,address sourceGateway,"
        "address destGateway,address sender,address recipient,uint64 tokenChainId,address token,uint256 amount,"
        "uint64 deadline,uint128 dropOff)"
    );

    /// @notice The id is the EIP-712 struct hash of the message, field for field.
    function testFuzz_messageId_isEip712StructHash_succeeds(Message memory m) public view {
        bytes32 expected = keccak256(
            bytes.concat(
                abi.encode(MESSAGE_TYPEHASH, m.version, m.nonce, m.sourceChainId, m.destChainId, m.sourceGateway),
                abi.encode(m.destGateway, m.sender, m.recipient, m.tokenChainId, m.token, m.amount),
                abi.encode(m.deadline, m.dropOff)
            )
        );
        assertEq(gateway.messageId(m), expected, "struct hash");
    }

    /// @notice `deliver` computes ids from (header, transfer) in assembly; for any field values
    ///         they equal `messageId` of the full message, so an attestation over the latter
    ///         is accepted.
    function testFuzz_messageId_matchesDeliveredBatchIds_succeeds(
        uint64 nonce,
        address sender,
        address recipient,
        uint256 amount,
        uint64 deadline
    ) public {
        vm.assume(recipient != address(0));
        amount = bound(amount, 1, FAST_LIMIT);
        deadline = uint64(bound(deadline, _now(), type(uint64).max));
        Transfer memory t = Transfer(nonce, sender, recipient, REMOTE_CHAIN, remoteHomeToken, amount, deadline, 0);
        uint256 before = bridgedToken.balanceOf(recipient);
        _deliver(t);
        assertEq(bridgedToken.balanceOf(recipient) - before, amount, "delivered under the messageId attestation");
        assertTrue(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, nonce), "nonce");
    }
}
