// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RollupFixture, RecordingTarget} from "./RollupFixture.sol";
import {MerkleTree} from "../utils/MerkleTree.sol";
import {SimL2Messenger} from "../../../contracts/rollup/SimL2Messenger.sol";
import {SimRollupPortal} from "../../../contracts/rollup/SimRollupPortal.sol";
import {ISimRollupPortal, Withdrawal} from "../../../contracts/rollup/ISimRollup.sol";

/// @dev The "L2" messenger and the L1 portal share this test chain; withdrawals are committed by
///      the real messenger and proven with proofs built by the test-side `MerkleTree`.
abstract contract PortalFixture is RollupFixture {
    SimL2Messenger internal messenger;
    SimRollupPortal internal portal;
    RecordingTarget internal target;
    address internal proposer;
    address internal l2App;
    address internal alice;

    function setUp() public virtual {
        proposer = makeAddr("proposer");
        l2App = makeAddr("l2App");
        alice = makeAddr("alice");
        messenger = _deployMessenger(makeAddr("sequencer"));
        portal = _deployPortal(L2_CHAIN_ID, proposer, WINDOW);
        target = new RecordingTarget(address(portal), true);
        vm.warp(1_000_000);
    }

    function _call(uint256 value) internal pure returns (bytes memory) {
        return abi.encodeCall(RecordingTarget.receiveValue, (value));
    }

    /// @dev Sends `n` withdrawals from `l2App` to the target (values 100, 101, ...).
    function _send(uint256 n) internal {
        for (uint256 i = 0; i < n; ++i) {
            vm.prank(l2App);
            messenger.sendToL1(address(target), _call(100 + i));
        }
    }

    function _w(uint256 nonce) internal view returns (Withdrawal memory) {
        return _withdrawal(nonce, l2App, address(target), _call(100 + nonce));
    }

    /// @dev Sends `n` withdrawals, proposes them and waits out the window.
    function _finalized(uint256 n) internal returns (uint256 outputIndex) {
        _send(n);
        outputIndex = _proposeAll(messenger, portal);
        vm.warp(_now() + WINDOW);
    }
}

contract SimRollupPortal_constructor_Test is PortalFixture {
    function test_constructor_immutables_succeeds() public view {
        assertEq(portal.l2ChainId(), L2_CHAIN_ID, "chain");
        assertEq(portal.L2_CHAIN_ID(), L2_CHAIN_ID, "chain getter");
        assertEq(portal.PROPOSER(), proposer, "proposer");
        assertEq(portal.FINALIZATION_SECONDS(), WINDOW, "window");
        assertEq(portal.outputCount(), 0, "no outputs");
        assertEq(portal.depositCount(), 0, "no deposits");
    }

    function test_constructor_invalid_reverts() public {
        bytes memory err = abi.encodeWithSelector(ISimRollupPortal.PortalInvalidConfig.selector);
        (address deployed, bytes memory reason) = tryDeployCode(PORTAL_ARTIFACT, abi.encode(0, proposer, WINDOW));
        assertEq(deployed, address(0), "chain 0");
        assertEq(reason, err, "chain 0 reason");
        (deployed, reason) = tryDeployCode(PORTAL_ARTIFACT, abi.encode(L2_CHAIN_ID, address(0), WINDOW));
        assertEq(reason, err, "no proposer");
        (deployed, reason) = tryDeployCode(PORTAL_ARTIFACT, abi.encode(L2_CHAIN_ID, proposer, 366 days));
        assertEq(reason, err, "window too long");
    }
}

contract SimRollupPortal_proposeOutputRoot_Test is PortalFixture {
    function test_proposeOutputRoot_storesOutput_succeeds() public {
        vm.expectEmit(true, true, true, true, address(portal));
        emit ISimRollupPortal.OutputProposed(0, bytes32(uint256(1)), 3, uint64(_now()));
        vm.prank(proposer);
        portal.proposeOutputRoot(3, bytes32(uint256(1)));
        ISimRollupPortal.OutputProposal memory out = portal.output(0);
        assertEq(out.root, bytes32(uint256(1)), "root");
        assertEq(out.withdrawalCount, 3, "count");
        assertEq(out.timestamp, _now(), "timestamp");
        vm.prank(proposer);
        portal.proposeOutputRoot(3, bytes32(uint256(2))); // non-decreasing: equal is fine
        assertEq(portal.outputCount(), 2, "two outputs");
    }

    function test_proposeOutputRoot_notProposer_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalNotProposer.selector, alice));
        vm.prank(alice);
        portal.proposeOutputRoot(1, bytes32(uint256(1)));
    }

    function test_proposeOutputRoot_decreasingCount_reverts() public {
        vm.prank(proposer);
        portal.proposeOutputRoot(3, bytes32(uint256(1)));
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalInvalidOutput.selector, 2, 3));
        vm.prank(proposer);
        portal.proposeOutputRoot(2, bytes32(uint256(1)));
    }

    function test_proposeOutputRoot_zeroCount_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalInvalidOutput.selector, 0, 0));
        vm.prank(proposer);
        portal.proposeOutputRoot(0, bytes32(0));
    }

    function test_output_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalUnknownOutput.selector, 0));
        portal.output(0);
    }
}

contract SimRollupPortal_relayMessage_Test is PortalFixture {
    function test_relayMessage_everyWithdrawalOfAnOutput_succeeds() public {
        uint256 index = _finalized(5);
        for (uint256 nonce = 0; nonce < 5; ++nonce) {
            Withdrawal memory w = _w(nonce);
            vm.expectEmit(true, true, true, true, address(portal));
            emit ISimRollupPortal.WithdrawalRelayed(_hash(w), nonce, index);
            vm.prank(alice); // anyone may relay
            portal.relayMessage(w, index, _proof(messenger, nonce));
            assertEq(target.lastValue(), 100 + nonce, "executed");
            assertEq(target.lastCrossDomainSender(), l2App, "l2Sender during the relay");
            assertTrue(portal.relayed(_hash(w)), "marked");
        }
        assertEq(target.calls(), 5, "five calls");
    }

    function test_relayMessage_hashMatchesMessenger_succeeds() public {
        _send(2);
        assertEq(portal.hashWithdrawal(_w(1)), messenger.withdrawalHash(1), "same leaf on both layers");
    }

    function test_relayMessage_exactlyAtWindowEnd_succeeds() public {
        _send(1);
        uint256 index = _proposeAll(messenger, portal);
        vm.warp(_now() + WINDOW);
        portal.relayMessage(_w(0), index, _proof(messenger, 0));
        assertEq(target.calls(), 1, "relayed at the first final second");
    }

    function test_relayMessage_beforeWindow_reverts() public {
        _send(1);
        uint256 proposedAt = _now();
        uint256 index = _proposeAll(messenger, portal);
        vm.warp(proposedAt + WINDOW - 1);
        bytes32[] memory proof = _proof(messenger, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ISimRollupPortal.PortalOutputNotFinalized.selector, index, proposedAt + WINDOW)
        );
        portal.relayMessage(_w(0), index, proof);
    }

    function test_relayMessage_unknownOutput_reverts() public {
        _send(1);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalUnknownOutput.selector, 0));
        portal.relayMessage(_w(0), 0, new bytes32[](0));
    }

    function test_relayMessage_nonceBeyondOutput_reverts() public {
        uint256 index = _finalized(2);
        _send(1); // nonce 2 exists on L2 but is not in output 0
        bytes32[] memory proof = _proof(messenger, 2);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalWithdrawalNotInOutput.selector, 2, 2));
        portal.relayMessage(_w(2), index, proof);
    }

    function test_relayMessage_wrongSender_reverts() public {
        uint256 index = _finalized(3);
        Withdrawal memory forged = _w(1);
        forged.sender = alice; // claims to come from another L2 contract
        bytes32[] memory proof = _proof(messenger, 1);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalInvalidProof.selector, _hash(forged), index));
        portal.relayMessage(forged, index, proof);
    }

    function test_relayMessage_wrongData_reverts() public {
        uint256 index = _finalized(3);
        Withdrawal memory forged = _w(1);
        forged.data = _call(1e18);
        bytes32[] memory proof = _proof(messenger, 1);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalInvalidProof.selector, _hash(forged), index));
        portal.relayMessage(forged, index, proof);
    }

    function test_relayMessage_wrongProof_reverts() public {
        uint256 index = _finalized(4);
        Withdrawal memory w = _w(1);
        bytes32[] memory proof = _proof(messenger, 2);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalInvalidProof.selector, _hash(w), index));
        portal.relayMessage(w, index, proof);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalInvalidProof.selector, _hash(w), index));
        portal.relayMessage(w, index, new bytes32[](0));
    }

    /// @dev An inner node of the tree cannot be relayed: the leaf is always recomputed from fields.
    function test_relayMessage_innerNodeAsLeaf_reverts() public {
        uint256 index = _finalized(4);
        bytes32[] memory hashes = _withdrawalHashes(messenger);
        bytes32[] memory pair = new bytes32[](2);
        pair[0] = hashes[2];
        pair[1] = hashes[3];
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = MerkleTree.root(pair);
        Withdrawal memory w = _withdrawal(0, l2App, address(target), abi.encode(hashes[0], hashes[1]));
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalInvalidProof.selector, _hash(w), index));
        portal.relayMessage(w, index, proof);
    }

    function test_relayMessage_replay_reverts() public {
        uint256 index = _finalized(2);
        portal.relayMessage(_w(0), index, _proof(messenger, 0));
        bytes32[] memory proof = _proof(messenger, 0);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalAlreadyRelayed.selector, _hash(_w(0))));
        portal.relayMessage(_w(0), index, proof);
    }

    function test_relayMessage_replayThroughLaterOutput_reverts() public {
        uint256 first = _finalized(1);
        portal.relayMessage(_w(0), first, _proof(messenger, 0));
        uint256 second = _finalized(1);
        bytes32[] memory proof = _proof(messenger, 0);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalAlreadyRelayed.selector, _hash(_w(0))));
        portal.relayMessage(_w(0), second, proof);
    }

    function test_relayMessage_failingTarget_revertsAndStaysRelayable_succeeds() public {
        uint256 index = _finalized(1);
        target.setRefuse(true);
        bytes memory reason = abi.encodeWithSelector(RecordingTarget.TargetRefused.selector, 100);
        bytes32[] memory proof = _proof(messenger, 0);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalRelayFailed.selector, _hash(_w(0)), reason));
        portal.relayMessage(_w(0), index, proof);
        assertFalse(portal.relayed(_hash(_w(0))), "not consumed");
        target.setRefuse(false);
        portal.relayMessage(_w(0), index, proof);
        assertEq(target.calls(), 1, "relayed on retry");
    }

    function test_relayMessage_targetIsPortal_reverts() public {
        vm.prank(l2App);
        messenger.sendToL1(address(portal), abi.encodeCall(ISimRollupPortal.proposeOutputRoot, (9, bytes32(0))));
        uint256 index = _proposeAll(messenger, portal);
        vm.warp(_now() + WINDOW);
        Withdrawal memory w = _withdrawal(
            0,
            l2App,
            address(portal),
            abi.encodeCall(ISimRollupPortal.proposeOutputRoot, (9, bytes32(0)))
        );
        bytes32[] memory proof = _proof(messenger, 0);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalInvalidTarget.selector, address(portal)));
        portal.relayMessage(w, index, proof);
    }

    function test_l2Sender_outsideRelay_reverts() public {
        vm.expectRevert(ISimRollupPortal.PortalNotRelaying.selector);
        portal.l2Sender();
    }

    function testFuzz_relayMessage_anyLeafOfAnyOutput_succeeds(uint256 n, uint256 nonce) public {
        n = bound(n, 1, 24);
        nonce = bound(nonce, 0, n - 1);
        uint256 index = _finalized(n);
        portal.relayMessage(_w(nonce), index, _proof(messenger, nonce));
        assertEq(target.lastValue(), 100 + nonce, "relayed");
    }
}

contract SimRollupPortal_sendToL2_Test is PortalFixture {
    function test_sendToL2_sequentialNonces_succeeds() public {
        vm.expectEmit(true, true, true, true, address(portal));
        emit ISimRollupPortal.DepositQueued(0, alice, address(target), hex"01");
        vm.prank(alice);
        portal.sendToL2(address(target), hex"01");
        vm.expectEmit(true, true, true, true, address(portal));
        emit ISimRollupPortal.DepositQueued(1, address(this), alice, "");
        portal.sendToL2(alice, "");
        assertEq(portal.depositCount(), 2, "two deposits");
    }
}
