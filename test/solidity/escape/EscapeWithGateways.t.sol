// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RollupFixture} from "../rollup/RollupFixture.sol";
import {Vm} from "../utils/Vm.sol";
import {BridgeGateway} from "../../../contracts/gateway/BridgeGateway.sol";
import {EscapeHatch} from "../../../contracts/escape/EscapeHatch.sol";
import {SimL2Messenger} from "../../../contracts/rollup/SimL2Messenger.sol";
import {SimRollupPortal} from "../../../contracts/rollup/SimRollupPortal.sol";
import {L1TokenBridge} from "../../../contracts/rollup/L1TokenBridge.sol";
import {L2TokenBridge} from "../../../contracts/rollup/L2TokenBridge.sol";
import {CanonicalL2Token} from "../../../contracts/rollup/CanonicalL2Token.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {IEscapeHatch} from "../../../contracts/interfaces/IEscapeHatch.sol";
import {IL1TokenBridge, IL2TokenBridge, Withdrawal} from "../../../contracts/rollup/ISimRollup.sol";

/// @notice The escape hatch with the real contracts only: two `BridgeGateway`s (L2 "A" = 901 and
///         "B" = 902, told apart with `vm.chainId`), their simulated rollups, the canonical token
///         bridge of A and the `EscapeHatch`, all on one test chain. Alice's L1 dollars are
///         deposited to A, sent A → B, never delivered; after the deadline she cancels on B, the
///         cancellation is proven on L1, the refund is relayed to A, and she gets her tokens
///         back — on A, or on L1 through A's canonical bridge.
contract EscapeWithGateways_Test is RollupFixture {
    uint64 internal constant A = 901;
    uint64 internal constant B = 902;
    uint256 internal constant AMOUNT = 25e6;

    BridgeGateway internal gatewayA;
    BridgeGateway internal gatewayB;
    SimL2Messenger internal messengerA;
    SimL2Messenger internal messengerB;
    SimRollupPortal internal portalA;
    SimRollupPortal internal portalB;
    L1TokenBridge internal l1Bridge;
    L2TokenBridge internal l2BridgeA;
    TestToken internal l1Token;
    CanonicalL2Token internal dollarA;
    EscapeHatch internal hatch;
    address internal governor;
    address internal sequencer;
    address internal alice;

    function setUp() public {
        vm.warp(1_700_000_000);
        governor = makeAddr("governor");
        sequencer = makeAddr("sequencer");
        alice = makeAddr("alice");
        address[] memory guardians = new address[](1);
        guardians[0] = makeAddr("guardian");

        messengerA = _deployMessenger(sequencer);
        messengerB = _deployMessenger(sequencer);
        portalA = _deployPortal(A, makeAddr("proposer"), WINDOW);
        portalB = _deployPortal(B, makeAddr("proposer"), WINDOW);
        l1Bridge = _deployL1Bridge(address(portalA));
        l2BridgeA = _deployL2Bridge(address(messengerA));
        l1Bridge.initialize(address(l2BridgeA));
        l2BridgeA.initialize(address(l1Bridge));
        l1Token = _deployTestToken("Dollar", "USD", 6);
        dollarA = _deployL2Token(address(l2BridgeA), address(l1Token));

        vm.chainId(A);
        gatewayA = _deployGateway(governor, guardians, 1, 1 hours);
        vm.chainId(B);
        gatewayB = _deployGateway(governor, guardians, 1, 1 hours);

        uint64[] memory chainIds = new uint64[](2);
        (chainIds[0], chainIds[1]) = (A, B);
        address[] memory portals = new address[](2);
        (portals[0], portals[1]) = (address(portalA), address(portalB));
        address[] memory gateways = new address[](2);
        (gateways[0], gateways[1]) = (address(gatewayA), address(gatewayB));
        hatch = EscapeHatch(
            deployCode("contracts/escape/EscapeHatch.sol:EscapeHatch", abi.encode(chainIds, portals, gateways))
        );

        vm.chainId(A);
        vm.startPrank(governor);
        gatewayA.setRoute(B, address(gatewayB), true);
        gatewayA.registerToken(address(dollarA), address(dollarA));
        gatewayA.setFastLimit(address(dollarA), type(uint96).max);
        gatewayA.setRateLimit(address(dollarA), IBridgeGateway.Direction.Outbound, type(uint96).max, 0);
        gatewayA.setRateLimit(address(dollarA), IBridgeGateway.Direction.Inbound, type(uint96).max, 0);
        gatewayA.initializeEscape(address(messengerA), address(hatch), address(l2BridgeA));
        vm.chainId(B);
        gatewayB.setRoute(A, address(gatewayA), true);
        gatewayB.initializeEscape(address(messengerB), address(hatch), address(0));
        vm.stopPrank();

        // Alice's dollars arrive on A through the canonical bridge (deposit nonce 0 on A).
        l1Token.mint(alice, AMOUNT);
        vm.startPrank(alice);
        l1Token.approve(address(l1Bridge), AMOUNT);
        l1Bridge.depositTo(address(l1Token), address(dollarA), alice, AMOUNT);
        vm.stopPrank();
        bytes memory deposit = abi.encodeCall(
            IL2TokenBridge.finalizeDeposit,
            (address(l1Token), address(dollarA), alice, alice, AMOUNT)
        );
        vm.prank(sequencer);
        messengerA.relayFromL1(0, address(l1Bridge), address(l2BridgeA), deposit);
        assertEq(dollarA.balanceOf(alice), AMOUNT, "deposited to A");
    }

    /// @dev Alice sends everything A → B; nobody delivers it; its deadline passes.
    function _sendAndExpire() internal returns (Message memory message) {
        vm.chainId(A);
        vm.startPrank(alice);
        dollarA.approve(address(gatewayA), AMOUNT);
        vm.recordLogs();
        gatewayA.send(address(dollarA), B, alice, AMOUNT, 0);
        vm.stopPrank();
        message = _sentMessage();
        assertEq(dollarA.balanceOf(address(gatewayA)), AMOUNT, "locked on A");
        vm.warp(message.deadline + 1);
    }

    function _sentMessage() internal returns (Message memory) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == address(gatewayA) && logs[i].topics[0] == IBridgeGateway.MessageSent.selector) {
                return abi.decode(logs[i].data, (Message));
            }
        }
        revert("no MessageSent");
    }

    /// @dev `sender` on `messenger`'s L2 sent withdrawal `nonce`; proposes, waits out the window
    ///      and relays it on `portal`.
    function _proveOnL1(
        SimL2Messenger messenger,
        SimRollupPortal portal,
        uint256 nonce,
        address sender,
        address target,
        bytes memory data
    ) internal {
        uint256 index = _proposeAll(messenger, portal);
        vm.warp(_now() + WINDOW);
        portal.relayMessage(_withdrawal(nonce, sender, target, data), index, _proof(messenger, nonce));
    }

    /// @dev Cancel on B, prove on L1 (hatch queues the refund to A), A's sequencer relays it.
    function _escape(Message memory message, bool refundOnL1) internal {
        vm.chainId(B);
        vm.prank(alice);
        gatewayB.cancelExpired(message, refundOnL1);
        bytes memory cancel = abi.encodeCall(IEscapeHatch.onMessageCancelled, (message, refundOnL1));
        _proveOnL1(messengerB, portalB, 0, address(gatewayB), address(hatch), cancel);
        assertEq(portalA.depositCount(), 2, "refund queued to A");

        vm.chainId(A);
        bytes memory refund = abi.encodeCall(IBridgeGateway.refund, (message, refundOnL1));
        vm.prank(sequencer);
        messengerA.relayFromL1(1, address(hatch), address(gatewayA), refund);
        assertFalse(
            messengerA.failedDeposits(messengerA.depositHash(1, address(hatch), address(gatewayA), refund)),
            "refund executed"
        );
    }

    function test_escape_refundOnA_succeeds() public {
        Message memory message = _sendAndExpire();
        _escape(message, false);
        assertEq(dollarA.balanceOf(alice), AMOUNT, "refunded on A");
        assertEq(dollarA.balanceOf(address(gatewayA)), 0, "nothing left locked");
        assertEq(gatewayA.lockedBalance(address(dollarA)), 0, "accounting");
    }

    function test_escape_refundOnL1_succeeds() public {
        Message memory message = _sendAndExpire();
        _escape(message, true);
        assertEq(dollarA.totalSupply(), 0, "burned on A by the canonical bridge");
        bytes memory release = abi.encodeCall(
            IL1TokenBridge.finalizeWithdrawal,
            (address(l1Token), address(dollarA), address(gatewayA), alice, AMOUNT)
        );
        _proveOnL1(messengerA, portalA, 0, address(l2BridgeA), address(l1Bridge), release);
        assertEq(l1Token.balanceOf(alice), AMOUNT, "back on L1");
        assertEq(l1Token.balanceOf(address(l1Bridge)), 0, "L1 bridge empty");
    }

    function test_escape_replayedRefund_reverts() public {
        Message memory message = _sendAndExpire();
        _escape(message, false);
        // A second proof of the same cancellation is refused on L1, so no second refund exists.
        bytes memory cancel = abi.encodeCall(IEscapeHatch.onMessageCancelled, (message, false));
        Withdrawal memory w = _withdrawal(0, address(gatewayB), address(hatch), cancel);
        bytes32[] memory proof = _proof(messengerB, 0);
        uint256 index = portalB.outputCount() - 1;
        vm.expectRevert(abi.encodeWithSignature("PortalAlreadyRelayed(bytes32)", _hash(w)));
        portalB.relayMessage(w, index, proof);
    }
}
