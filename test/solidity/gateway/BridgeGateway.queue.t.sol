// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {BridgeFixture} from "../utils/BridgeFixture.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {MessageHeader, Transfer, Attestation} from "../utils/BridgeFixture.sol";

/// @dev Shared by the queue tests: one large (queued) bridged message to bob.
abstract contract QueuedFixture is BridgeFixture {
    uint256 internal constant LARGE = uint256(FAST_LIMIT) + 1;

    function _queue(address token, uint256 amount) internal returns (bytes32 id, Transfer memory t) {
        t = _transfer(token, amount);
        id = _deliver(t);
        assertEq(_status(id), uint256(IBridgeGatewayTypes.MessageStatus.Queued), "queued");
    }

    function _status(bytes32 id) internal view returns (uint256) {
        return uint256(gateway.queuedMessage(id).status);
    }

    function _invalidStatus(bytes32 id, IBridgeGatewayTypes.MessageStatus status) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IBridgeGatewayTypes.BridgeInvalidMessageStatus.selector, id, status);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }
}

contract BridgeGateway_execute_Test is QueuedFixture {
    function test_execute_beforeDelay_reverts() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        uint64 executableAt = uint64(_now() + LARGE_DELAY);
        vm.warp(executableAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageNotReady.selector, id, executableAt));
        gateway.execute(id);
    }

    function test_execute_rightAfterDelivery_reverts() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        uint64 executableAt = uint64(_now() + LARGE_DELAY);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageNotReady.selector, id, executableAt));
        gateway.execute(id);
    }

    function test_execute_afterDelay_mints_succeeds() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        vm.warp(_now() + LARGE_DELAY);
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.MessageExecuted(id);
        vm.prank(alice); // anyone may execute
        gateway.execute(id);
        assertEq(bridgedToken.balanceOf(bob), LARGE, "minted to the recipient, not the caller");
        assertEq(_status(id), uint256(IBridgeGatewayTypes.MessageStatus.Executed), "executed");
    }

    function test_execute_afterDelay_unlocks_succeeds() public {
        _lockHome(LARGE);
        (bytes32 id, ) = _queue(address(homeToken), LARGE);
        vm.warp(_now() + LARGE_DELAY);
        gateway.execute(id);
        assertEq(homeToken.balanceOf(bob), LARGE, "unlocked");
        assertEq(gateway.lockedBalance(address(homeToken)), 0, "locked decremented");
    }

    function test_execute_usesDelayAtDelivery_succeeds() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        vm.prank(governor);
        gateway.setLargeDelay(10 days); // later changes do not move a queued message
        vm.warp(_now() + LARGE_DELAY);
        gateway.execute(id);
        assertEq(bridgedToken.balanceOf(bob), LARGE, "executed on the original schedule");
    }

    function test_execute_twice_reverts() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        vm.warp(_now() + LARGE_DELAY);
        gateway.execute(id);
        vm.expectRevert(_invalidStatus(id, IBridgeGatewayTypes.MessageStatus.Executed));
        gateway.execute(id);
        assertEq(bridgedToken.balanceOf(bob), LARGE, "paid once");
    }

    function test_execute_vetoed_reverts() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        vm.prank(vetoer);
        gateway.veto(id);
        vm.warp(_now() + LARGE_DELAY);
        vm.expectRevert(_invalidStatus(id, IBridgeGatewayTypes.MessageStatus.Vetoed));
        gateway.execute(id);
    }

    function test_execute_unknownMessage_reverts() public {
        bytes32 id = keccak256("never delivered");
        vm.expectRevert(_invalidStatus(id, IBridgeGatewayTypes.MessageStatus.None));
        gateway.execute(id);
    }

    function test_execute_fastMessage_reverts() public {
        bytes32 id = _deliver(_transfer(remoteHomeToken, 1e18));
        vm.expectRevert(_invalidStatus(id, IBridgeGatewayTypes.MessageStatus.None));
        gateway.execute(id);
    }

    function test_execute_paused_reverts() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        vm.warp(_now() + LARGE_DELAY);
        vm.prank(pauser);
        gateway.pause();
        vm.expectRevert(IBridgeGatewayTypes.BridgePaused.selector);
        gateway.execute(id);
    }

    function test_execute_afterUnpause_succeeds() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        vm.prank(pauser);
        gateway.pause();
        vm.warp(_now() + LARGE_DELAY);
        vm.prank(governor);
        gateway.unpause();
        gateway.execute(id);
        assertEq(bridgedToken.balanceOf(bob), LARGE, "paid after unpause");
    }

    function test_execute_doesNotConsumeBucket_succeeds() public {
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(remoteHomeToken),
            remoteHomeToken,
            IBridgeGatewayTypes.Direction.Inbound,
            100e18,
            1e18
        );
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        vm.warp(_now() + LARGE_DELAY);
        gateway.execute(id);
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
}

contract BridgeGateway_veto_Test is QueuedFixture {
    function test_veto_queued_succeeds() public {
        (bytes32 id, Transfer memory t) = _queue(remoteHomeToken, LARGE);
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.MessageVetoed(id, vetoer);
        vm.prank(vetoer);
        gateway.veto(id);
        assertEq(_status(id), uint256(IBridgeGatewayTypes.MessageStatus.Vetoed), "vetoed");
        assertTrue(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, t.nonce), "bit stays set");
        vm.warp(_now() + 365 days);
        assertEq(bridgedToken.totalSupply(), 0, "never paid");
    }

    function test_veto_nonVetoer_reverts() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        bytes32 role = gateway.VETO_ROLE();
        vm.expectRevert(_unauthorized(alice, role));
        vm.prank(alice);
        gateway.veto(id);
    }

    function test_veto_governorWithoutRole_reverts() public {
        // The governor administers VETO_ROLE but does not hold it.
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        bytes32 role = gateway.VETO_ROLE();
        vm.expectRevert(_unauthorized(governor, role));
        vm.prank(governor);
        gateway.veto(id);
    }

    function test_veto_pauserWithoutRole_reverts() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        bytes32 role = gateway.VETO_ROLE();
        vm.expectRevert(_unauthorized(pauser, role));
        vm.prank(pauser);
        gateway.veto(id);
    }

    function test_veto_fastMessage_reverts() public {
        bytes32 id = _deliver(_transfer(remoteHomeToken, 1e18));
        vm.expectRevert(_invalidStatus(id, IBridgeGatewayTypes.MessageStatus.None));
        vm.prank(vetoer);
        gateway.veto(id);
    }

    function test_veto_unknownMessage_reverts() public {
        bytes32 id = keccak256("unknown");
        vm.expectRevert(_invalidStatus(id, IBridgeGatewayTypes.MessageStatus.None));
        vm.prank(vetoer);
        gateway.veto(id);
    }

    function test_veto_executed_reverts() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        vm.warp(_now() + LARGE_DELAY);
        gateway.execute(id);
        vm.expectRevert(_invalidStatus(id, IBridgeGatewayTypes.MessageStatus.Executed));
        vm.prank(vetoer);
        gateway.veto(id);
    }

    function test_veto_twice_reverts() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        vm.startPrank(vetoer);
        gateway.veto(id);
        vm.expectRevert(_invalidStatus(id, IBridgeGatewayTypes.MessageStatus.Vetoed));
        gateway.veto(id);
        vm.stopPrank();
    }

    function test_veto_whilePaused_succeeds() public {
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        vm.prank(pauser);
        gateway.pause();
        vm.prank(vetoer);
        gateway.veto(id);
        assertEq(_status(id), uint256(IBridgeGatewayTypes.MessageStatus.Vetoed), "the council can veto while paused");
    }

    function test_veto_homeTokenStaysLocked_succeeds() public {
        _lockHome(LARGE);
        (bytes32 id, ) = _queue(address(homeToken), LARGE);
        vm.prank(vetoer);
        gateway.veto(id);
        assertEq(gateway.lockedBalance(address(homeToken)), LARGE, "still locked");
        assertEq(homeToken.balanceOf(address(gateway)), LARGE, "still held");
    }

    // ------------------------------------------------------------------------------------------
    // Nonce release: a forgery that took a nonce must not block the genuine message
    // ------------------------------------------------------------------------------------------

    function _deliverExpect(Transfer memory t, bytes memory err) internal {
        MessageHeader memory h = _header();
        Transfer[] memory ts = _one(t);
        bytes32[][] memory proofs = _noProofs();
        Attestation memory att = _attestation(_id(h, t));
        vm.expectRevert(err);
        _deliverVia(gateway, h, ts, proofs, att);
    }

    function _alreadyProcessed(Transfer memory t) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageAlreadyProcessed.selector, _id(_header(), t));
    }

    function test_veto_releasesNonceForOneNewMessage_succeeds() public {
        (bytes32 forgedId, Transfer memory forged) = _queue(remoteHomeToken, LARGE);
        vm.prank(vetoer);
        gateway.veto(forgedId);

        // The vetoed message itself can never come back.
        _deliverExpect(forged, _alreadyProcessed(forged));

        // One different, never-seen message with the same (source, nonce) is accepted...
        Transfer memory genuine = forged;
        genuine.recipient = alice;
        genuine.amount = 1e18;
        _deliver(genuine);
        assertEq(bridgedToken.balanceOf(alice), 1e18, "genuine message paid");

        // ...and only one: the nonce is taken again, for everyone.
        Transfer memory another = forged;
        another.recipient = makeAddr("another");
        _deliverExpect(another, _alreadyProcessed(another));
        _deliverExpect(genuine, _alreadyProcessed(genuine));
        _deliverExpect(forged, _alreadyProcessed(forged));
    }

    function test_veto_releasedNonceTakenByQueuedMessage_succeeds() public {
        // The replacement may itself be queued, and vetoed again: each veto frees the nonce once.
        (bytes32 firstId, Transfer memory first) = _queue(remoteHomeToken, LARGE);
        vm.prank(vetoer);
        gateway.veto(firstId);

        Transfer memory second = first;
        second.recipient = alice;
        bytes32 secondId = _deliver(second);
        assertEq(_status(secondId), uint256(IBridgeGatewayTypes.MessageStatus.Queued), "second queued");
        _deliverExpect(first, _alreadyProcessed(first));

        vm.prank(vetoer);
        gateway.veto(secondId);
        _deliverExpect(second, _alreadyProcessed(second));
        _deliverExpect(first, _alreadyProcessed(first));

        Transfer memory third = first;
        third.recipient = makeAddr("third");
        third.amount = 1e18;
        _deliver(third);
        assertEq(bridgedToken.balanceOf(third.recipient), 1e18, "third takes the twice-released nonce");
    }

    function test_veto_releasedNonceNotTakenTwiceInOneBatch_reverts() public {
        (bytes32 forgedId, Transfer memory forged) = _queue(remoteHomeToken, LARGE);
        vm.prank(vetoer);
        gateway.veto(forgedId);

        Transfer[] memory ts = new Transfer[](2);
        ts[0] = forged;
        ts[0].recipient = alice;
        ts[1] = forged;
        ts[1].recipient = makeAddr("other");
        MessageHeader memory h = _header();
        bytes32[] memory ids = _ids(h, ts);
        Attestation memory att = _attestation(_root2(ids));
        bytes32[][] memory proofs = _noProofs();
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageAlreadyProcessed.selector, ids[1]));
        _deliverVia(gateway, h, ts, proofs, att);
    }

    function _root2(bytes32[] memory ids) internal pure returns (bytes32) {
        (bytes32 lo, bytes32 hi) = ids[0] < ids[1] ? (ids[0], ids[1]) : (ids[1], ids[0]);
        return keccak256(abi.encodePacked(lo, hi));
    }

    function test_veto_doesNotReleaseOtherNonces_succeeds() public {
        // Vetoing nonce n frees nonce n only, not its already-delivered neighbour n + 1.
        (bytes32 id, ) = _queue(remoteHomeToken, LARGE);
        Transfer memory neighbour = _transfer(remoteHomeToken, 1e18);
        _deliver(neighbour);
        vm.prank(vetoer);
        gateway.veto(id);
        Transfer memory replay = neighbour;
        replay.recipient = alice;
        _deliverExpect(replay, _alreadyProcessed(replay));
    }
}

contract BridgeGateway_pause_Test is QueuedFixture {
    function test_pause_byPauser_succeeds() public {
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.Paused(pauser);
        vm.prank(pauser);
        gateway.pause();
        assertTrue(gateway.paused(), "paused");
    }

    function test_pause_byStranger_reverts() public {
        bytes32 role = gateway.PAUSER_ROLE();
        vm.expectRevert(_unauthorized(alice, role));
        vm.prank(alice);
        gateway.pause();
    }

    function test_pause_byGovernorWithoutRole_reverts() public {
        bytes32 role = gateway.PAUSER_ROLE();
        vm.expectRevert(_unauthorized(governor, role));
        vm.prank(governor);
        gateway.pause();
    }

    function test_pause_byVetoerWithoutRole_reverts() public {
        bytes32 role = gateway.PAUSER_ROLE();
        vm.expectRevert(_unauthorized(vetoer, role));
        vm.prank(vetoer);
        gateway.pause();
    }

    function test_pause_twice_reverts() public {
        vm.startPrank(pauser);
        gateway.pause();
        vm.expectRevert(IBridgeGatewayTypes.BridgePaused.selector);
        gateway.pause();
        vm.stopPrank();
    }

    function test_pause_leavesViewsAndGovernance_succeeds() public {
        vm.prank(pauser);
        gateway.pause();
        vm.prank(governor);
        gateway.setLargeDelay(2 hours);
        assertEq(gateway.largeDelay(), 2 hours, "governance still works while paused");
    }
}

contract BridgeGateway_unpause_Test is QueuedFixture {
    function test_unpause_byGovernor_succeeds() public {
        vm.prank(pauser);
        gateway.pause();
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.Unpaused(governor);
        vm.prank(governor);
        gateway.unpause();
        assertFalse(gateway.paused(), "running");
        _deliver(_transfer(remoteHomeToken, 1e18)); // works again
    }

    function test_unpause_byPauser_reverts() public {
        vm.prank(pauser);
        gateway.pause();
        bytes32 role = gateway.GOVERNOR_ROLE();
        vm.expectRevert(_unauthorized(pauser, role));
        vm.prank(pauser);
        gateway.unpause();
    }

    function test_unpause_byStranger_reverts() public {
        vm.prank(pauser);
        gateway.pause();
        bytes32 role = gateway.GOVERNOR_ROLE();
        vm.expectRevert(_unauthorized(alice, role));
        vm.prank(alice);
        gateway.unpause();
    }

    function test_unpause_notPaused_reverts() public {
        vm.expectRevert(IBridgeGatewayTypes.BridgeNotPaused.selector);
        vm.prank(governor);
        gateway.unpause();
    }
}
