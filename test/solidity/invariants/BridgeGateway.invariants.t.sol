// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {InvariantTest} from "../utils/Test.sol";
import {BridgeHandler} from "./BridgeHandler.sol";

/// @title Bridge invariants
/// @notice Random sequences of sends, attested deliveries (single, full batch, Merkle proofs,
///         replays), executions, vetoes, forgeries, pauses, governance changes and time warps
///         across a home gateway and a remote gateway (see `BridgeHandler` for how two chains
///         share one EVM). After every call the properties below must hold. They are listed in
///         prose in PROPERTIES.md.
/// forge-config: default.invariant.runs = 32
/// forge-config: default.invariant.depth = 60
contract BridgeGateway_Invariants is InvariantTest {
    BridgeHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new BridgeHandler();
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = BridgeHandler.sendHome.selector;
        selectors[1] = BridgeHandler.sendRemote.selector;
        selectors[2] = BridgeHandler.deliver.selector;
        selectors[3] = BridgeHandler.execute.selector;
        selectors[4] = BridgeHandler.veto.selector;
        selectors[5] = BridgeHandler.forgeAndVeto.selector;
        selectors[6] = BridgeHandler.forgeUnattested.selector;
        selectors[7] = BridgeHandler.pause.selector;
        selectors[8] = BridgeHandler.unpause.selector;
        selectors[9] = BridgeHandler.govern.selector;
        selectors[10] = BridgeHandler.warp.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
    }

    /// @notice (a) Backing. The bridged token's supply on the remote chain never exceeds what
    ///         the home gateway holds locked: every bridged token in circulation was minted
    ///         for a lock at home, and every unlock at home was paid for by a burn on remote.
    function invariant_bridgedSupplyNeverExceedsLocked() public view {
        assertLe(
            handler.bridged().totalSupply(),
            handler.home().lockedBalance(address(handler.token())),
            "bridged supply > locked at home"
        );
    }

    /// @notice (a') Conservation, exactly. Locked at home = bridged supply on remote + value in
    ///         flight in either direction (sent, not yet executed at its destination: undelivered,
    ///         queued, or vetoed and so stuck). Nothing is created or lost between the books.
    function invariant_lockedEqualsSupplyPlusInFlight() public view {
        assertEq(
            handler.home().lockedBalance(address(handler.token())),
            handler.bridged().totalSupply() + handler.pendingToRemote() + handler.pendingToHome(),
            "locked != supply + in flight"
        );
    }

    /// @notice (a'') The home gateway's `lockedBalance` is backed one to one by tokens it holds.
    function invariant_lockedBalanceHeldByGateway() public view {
        assertEq(
            handler.token().balanceOf(address(handler.home())),
            handler.home().lockedBalance(address(handler.token())),
            "held != locked"
        );
    }

    /// @notice (b) No message executes twice: every `MessageExecuted` id is seen at most once per
    ///         gateway, across fast delivery, queued execution and replay attempts, and a vetoed
    ///         message never executes afterwards.
    function invariant_noMessageExecutesTwice() public view {
        assertEq(handler.doubleExecutions(), 0, "a message executed twice");
        assertEq(handler.vetoedExecutions(), 0, "a vetoed message executed");
    }

    /// @notice (c) Nothing executes while paused: no call made while a gateway was paused emitted
    ///         `MessageExecuted` there, and no send went through a paused gateway.
    function invariant_nothingExecutesWhilePaused() public view {
        assertEq(handler.executedWhilePaused(), 0, "executed while paused");
        assertEq(handler.sentWhilePaused(), 0, "sent while paused");
    }

    /// @notice (d) Only attested messages move locked funds. The home gateway's token balance
    ///         only ever falls by exactly the amounts of genuine, guardian-attested messages
    ///         executed in that call: pausing, vetoing, governance changes, forged or unattested
    ///         deliveries never lower it, and no forged message ever executes.
    function invariant_onlyAttestedMessagesMoveLockedFunds() public view {
        assertEq(handler.unexplainedOutflows(), 0, "home balance fell without an attested execution");
        assertEq(handler.forgedExecutions(), 0, "a forged message executed");
    }

    /// @notice (e) A vetoed forgery never blocks the genuine message: a sent message that was
    ///         never delivered is never refused as "already processed", even when a forgery that
    ///         took its nonce was queued and vetoed first.
    function invariant_genuineMessageNeverBlockedByVetoedForgery() public view {
        assertEq(handler.blockedGenuine(), 0, "genuine message blocked");
    }

    /// @notice (f) Sent ids are the EIP-712 hash of exactly the message the handler expects.
    function invariant_sentIdsMatchMessages() public view {
        assertEq(handler.idMismatches(), 0, "sent id mismatch");
    }
}
