// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RollupFixture, RecordingTarget} from "./RollupFixture.sol";
import {SimL2Messenger} from "../../../contracts/rollup/SimL2Messenger.sol";
import {ISimL2Messenger} from "../../../contracts/rollup/ISimRollup.sol";

/// @notice A deposit target that burns all the gas it is given.
contract GasBurner {
    uint256 public counter;

    function burn() external {
        while (true) ++counter;
    }
}

abstract contract MessengerFixture is RollupFixture {
    SimL2Messenger internal messenger;
    RecordingTarget internal target;
    address internal sequencer;
    address internal l1Sender;
    address internal alice;

    function setUp() public virtual {
        sequencer = makeAddr("sequencer");
        l1Sender = makeAddr("l1Sender");
        alice = makeAddr("alice");
        messenger = _deployMessenger(sequencer);
        target = new RecordingTarget(address(messenger), false);
    }

    function _call(uint256 value) internal pure returns (bytes memory) {
        return abi.encodeCall(RecordingTarget.receiveValue, (value));
    }

    function _relay(uint256 nonce, uint256 value) internal {
        vm.prank(sequencer);
        messenger.relayFromL1(nonce, l1Sender, address(target), _call(value));
    }
}

contract SimL2Messenger_sendToL1_Test is MessengerFixture {
    function test_sendToL1_appendsHashesInOrder_succeeds() public {
        bytes memory data = hex"c0ffee";
        vm.expectEmit(true, true, true, true, address(messenger));
        emit ISimL2Messenger.MessagePassed(
            0,
            alice,
            address(target),
            data,
            keccak256(abi.encode(0, alice, target, data))
        );
        vm.prank(alice);
        messenger.sendToL1(address(target), data);
        vm.prank(address(target));
        messenger.sendToL1(alice, "");

        assertEq(messenger.withdrawalCount(), 2, "count");
        assertEq(messenger.withdrawalHash(0), keccak256(abi.encode(uint256(0), alice, address(target), data)), "h0");
        assertEq(messenger.withdrawalHash(1), keccak256(abi.encode(uint256(1), address(target), alice, "")), "h1");
    }

    function test_withdrawalHash_unknownIndex_reverts() public {
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x32));
        messenger.withdrawalHash(0);
    }
}

contract SimL2Messenger_relayFromL1_Test is MessengerFixture {
    function test_relayFromL1_callsTargetWithL1Sender_succeeds() public {
        bytes32 hash = messenger.depositHash(0, l1Sender, address(target), _call(7));
        vm.expectEmit(true, true, true, true, address(messenger));
        emit ISimL2Messenger.DepositRelayed(0, hash);
        _relay(0, 7);
        assertEq(target.calls(), 1, "called once");
        assertEq(target.lastValue(), 7, "value");
        assertEq(target.lastCrossDomainSender(), l1Sender, "l1Sender during the relay");
        assertEq(messenger.nextDepositNonce(), 1, "next nonce");
        _relay(1, 8);
        assertEq(target.lastValue(), 8, "second deposit");
    }

    function test_relayFromL1_notSequencer_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ISimL2Messenger.MessengerNotSequencer.selector, alice));
        vm.prank(alice);
        messenger.relayFromL1(0, l1Sender, address(target), _call(1));
    }

    function test_relayFromL1_skipsANonce_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ISimL2Messenger.MessengerDepositOutOfOrder.selector, 0, 1));
        _relay(1, 1);
    }

    function test_relayFromL1_replaysANonce_reverts() public {
        _relay(0, 1);
        vm.expectRevert(abi.encodeWithSelector(ISimL2Messenger.MessengerDepositOutOfOrder.selector, 1, 0));
        _relay(0, 1);
    }

    function test_relayFromL1_failingTarget_recordsAndMovesOn_succeeds() public {
        target.setRefuse(true);
        bytes32 hash = messenger.depositHash(0, l1Sender, address(target), _call(5));
        vm.expectEmit(true, true, true, true, address(messenger));
        emit ISimL2Messenger.DepositFailed(0, hash);
        _relay(0, 5);
        assertTrue(messenger.failedDeposits(hash), "kept for a retry");
        assertEq(messenger.nextDepositNonce(), 1, "the sequencer is not stuck");
        assertEq(target.calls(), 0, "not executed");
    }

    function test_relayFromL1_starvedTarget_reverts() public {
        GasBurner burner = new GasBurner();
        bytes memory data = abi.encodeCall(GasBurner.burn, ());
        vm.prank(sequencer);
        (bool ok, bytes memory reason) = address(messenger).call{gas: 300_000}(
            abi.encodeCall(messenger.relayFromL1, (0, l1Sender, address(burner), data))
        );
        assertFalse(ok, "the relay reverts");
        // The exact `available` figure depends on the call overhead; only the error is checked.
        assertEq(bytes32(bytes4(reason)), bytes32(ISimL2Messenger.MessengerInsufficientGas.selector), "error");
        assertEq(messenger.nextDepositNonce(), 0, "not consumed: the sequencer retries with more gas");
    }

    function test_relayFromL1_gasBurnerWithFullBudget_recordedAsFailed_succeeds() public {
        GasBurner burner = new GasBurner();
        bytes memory data = abi.encodeCall(GasBurner.burn, ());
        uint256 budget = messenger.DEPOSIT_GAS() + 200_000;
        vm.prank(sequencer);
        messenger.relayFromL1{gas: budget}(0, l1Sender, address(burner), data);
        assertTrue(messenger.failedDeposits(messenger.depositHash(0, l1Sender, address(burner), data)), "failed");
        assertEq(messenger.nextDepositNonce(), 1, "the deposits behind it are not stalled");
    }

    function test_l1Sender_outsideRelay_reverts() public {
        vm.expectRevert(ISimL2Messenger.MessengerNotRelaying.selector);
        messenger.l1Sender();
        _relay(0, 1);
        vm.expectRevert(ISimL2Messenger.MessengerNotRelaying.selector);
        messenger.l1Sender();
    }
}

contract SimL2Messenger_retryDeposit_Test is MessengerFixture {
    function test_retryDeposit_afterFix_succeeds() public {
        target.setRefuse(true);
        _relay(0, 5);
        target.setRefuse(false);
        bytes32 hash = messenger.depositHash(0, l1Sender, address(target), _call(5));
        vm.expectEmit(true, true, true, true, address(messenger));
        emit ISimL2Messenger.DepositRelayed(0, hash);
        vm.prank(alice); // anyone may retry
        messenger.retryDeposit(0, l1Sender, address(target), _call(5));
        assertEq(target.lastValue(), 5, "executed");
        assertEq(target.lastCrossDomainSender(), l1Sender, "with the deposit's L1 sender");
        assertFalse(messenger.failedDeposits(hash), "no longer pending");
    }

    function test_retryDeposit_failsAgain_staysRetryable_reverts() public {
        target.setRefuse(true);
        _relay(0, 5);
        bytes32 hash = messenger.depositHash(0, l1Sender, address(target), _call(5));
        bytes memory reason = abi.encodeWithSelector(RecordingTarget.TargetRefused.selector, 5);
        vm.expectRevert(abi.encodeWithSelector(ISimL2Messenger.MessengerRetryFailed.selector, hash, reason));
        messenger.retryDeposit(0, l1Sender, address(target), _call(5));
        assertTrue(messenger.failedDeposits(hash), "still retryable");
    }

    function test_retryDeposit_twice_reverts() public {
        target.setRefuse(true);
        _relay(0, 5);
        target.setRefuse(false);
        messenger.retryDeposit(0, l1Sender, address(target), _call(5));
        bytes32 hash = messenger.depositHash(0, l1Sender, address(target), _call(5));
        vm.expectRevert(abi.encodeWithSelector(ISimL2Messenger.MessengerDepositNotFailed.selector, hash));
        messenger.retryDeposit(0, l1Sender, address(target), _call(5));
    }

    function test_retryDeposit_successfulDeposit_reverts() public {
        _relay(0, 5);
        bytes32 hash = messenger.depositHash(0, l1Sender, address(target), _call(5));
        vm.expectRevert(abi.encodeWithSelector(ISimL2Messenger.MessengerDepositNotFailed.selector, hash));
        messenger.retryDeposit(0, l1Sender, address(target), _call(5));
    }

    function test_retryDeposit_alteredContent_reverts() public {
        target.setRefuse(true);
        _relay(0, 5);
        target.setRefuse(false);
        address forged = makeAddr("forged");
        bytes32 hash = messenger.depositHash(0, forged, address(target), _call(5));
        vm.expectRevert(abi.encodeWithSelector(ISimL2Messenger.MessengerDepositNotFailed.selector, hash));
        messenger.retryDeposit(0, forged, address(target), _call(5));
    }
}
