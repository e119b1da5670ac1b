// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "../utils/Test.sol";
import {BridgeHandler} from "./BridgeGateway.invariants.t.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";

/// @notice The handler itself must be able to do what the invariant campaign relies on: a
///         handler whose actions always revert would make every invariant pass vacuously.
contract BridgeHandler_Test is Test {
    BridgeHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new BridgeHandler();
    }

    function _successes(bytes4 selector) internal view returns (uint256) {
        return handler.successes(bytes32(selector));
    }

    function test_handler_roundTrip_succeeds() public {
        // Home -> remote, fast.
        handler.sendHome(0, 1, 10e18);
        handler.deliver(1, 1); // odd seed: to remote
        assertEq(handler.bridged().balanceOf(_actor(1)), 10e18, "minted");
        // Remote -> home, fast.
        handler.sendRemote(1, 2, 4e18);
        handler.deliver(0, 1); // even seed: to home
        assertEq(handler.pendingToHome(), 0, "executed at home");
        assertEq(handler.pendingToRemote(), 0, "executed on remote");
        assertEq(handler.home().lockedBalance(address(handler.token())), 6e18, "locked");
        assertEq(_successes(IBridgeGateway.deliver.selector), 2, "two deliveries");
    }

    function test_handler_queueThenExecute_succeeds() public {
        handler.sendHome(256, 1, 150e18); // bit 8 of the seed: a large send, above the 100e18 fast limit
        handler.deliver(1, 1);
        assertEq(handler.pendingToRemote(), 150e18, "queued");
        handler.execute(0, true);
        assertEq(_successes(IBridgeGateway.execute.selector), 1, "executed after the delay");
        assertEq(handler.pendingToRemote(), 0, "done");
    }

    function test_handler_vetoAndForgery_succeeds() public {
        handler.sendHome(256, 1, 150e18);
        handler.deliver(1, 1);
        handler.veto(0);
        assertEq(_successes(IBridgeGateway.veto.selector), 1, "vetoed");
        handler.forgeAndVeto(1, 0);
        assertEq(_successes(IBridgeGateway.veto.selector), 2, "forgery queued and vetoed");
        handler.forgeUnattested(1, 1e18);
        assertEq(_successes(IBridgeGateway.deliver.selector), 2, "unattested forgeries refused");
    }

    function test_handler_forgeryTakesPendingNonce_genuineStillDelivers_succeeds() public {
        handler.sendHome(0, 1, 10e18);
        handler.forgeAndVeto(1, 0); // takes nonce 0 on remote, vetoed at once
        handler.deliver(1, 1);
        assertEq(handler.pendingToRemote(), 0, "genuine message delivered on the released nonce");
        assertEq(handler.blockedGenuine(), 0, "not blocked");
    }

    function test_handler_escapeRefundsAndBlocksDelivery_succeeds() public {
        handler.sendHome(0, 1, 10e18); // home -> remote, never delivered
        uint256 lockedBefore = handler.home().lockedBalance(address(handler.token()));
        handler.escape(0, true); // waits for the deadline, cancels on remote, refunds at home
        assertEq(_successes(IBridgeGateway.cancelExpired.selector), 1, "cancelled");
        assertEq(handler.pendingToRemote(), 0, "refunded");
        assertEq(handler.home().lockedBalance(address(handler.token())), lockedBefore - 10e18, "unlocked");
        handler.deliver(1, 1); // too late and cancelled: refused
        assertEq(_successes(IBridgeGateway.deliver.selector), 0, "never delivered");
        handler.escape(0, true); // a second escape is refused
        assertEq(_successes(IBridgeGateway.cancelExpired.selector), 1, "cancelled once");
    }

    function test_handler_escapeOfDeliveredMessage_refused_succeeds() public {
        handler.sendHome(0, 1, 10e18);
        handler.deliver(1, 1);
        handler.escape(0, true); // seed % 4 == 0 picks any message: the delivered one
        assertEq(_successes(IBridgeGateway.cancelExpired.selector), 0, "delivered: not cancellable");
    }

    function test_handler_pauseBlocksThenUnpause_succeeds() public {
        handler.pause(true);
        handler.sendHome(0, 1, 10e18);
        assertEq(handler.sentCount(), 0, "send refused while paused");
        handler.unpause(true);
        handler.sendHome(0, 1, 10e18);
        assertEq(handler.sentCount(), 1, "sent after unpause");
        assertEq(_successes(IBridgeGateway.pause.selector), 1, "paused once");
        assertEq(_successes(IBridgeGateway.unpause.selector), 1, "unpaused once");
    }

    function test_handler_merkleBatchAndReplay_succeeds() public {
        for (uint256 i = 0; i < 3; ++i) handler.sendHome(i, i + 1, 1e18 + i);
        handler.deliver(3, 3); // seed 3: to remote, Merkle-proof mode
        assertEq(handler.pendingToRemote(), 0, "batch of three executed");
        // Seed with (seed >> 2) % 8 == 0 replays delivered messages: refused, nothing booked.
        handler.deliver(1, 3);
        assertEq(handler.doubleExecutions(), 0, "no double execution");
        handler.govern(0, 0);
    }

    function _actor(uint256 i) internal returns (address) {
        return makeAddr(string.concat("actor", vm.toString(i)));
    }
}
