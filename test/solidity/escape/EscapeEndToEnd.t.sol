// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EscapeFixture, MockEscapeGateway} from "./EscapeFixture.sol";
import {L1TokenBridge} from "../../../contracts/rollup/L1TokenBridge.sol";
import {L2TokenBridge} from "../../../contracts/rollup/L2TokenBridge.sol";
import {CanonicalL2Token} from "../../../contracts/rollup/CanonicalL2Token.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {MessageLib} from "../../../contracts/libraries/MessageLib.sol";
import {IL1TokenBridge, IL2TokenBridge, ISimL2Messenger, Withdrawal} from "../../../contracts/rollup/ISimRollup.sol";

/// @notice The whole escape on one test chain: B's gateway cancels, the cancellation is proven
///         on L1 after B's window, the hatch queues the refund to A, A's sequencer relays it, and
///         (refund on L1) A's gateway withdraws the canonical token, proven after A's window and
///         released to the sender on L1 by the canonical token bridge.
contract EscapeEndToEnd_Test is EscapeFixture {
    L1TokenBridge internal l1Bridge;
    L2TokenBridge internal l2BridgeA;
    TestToken internal l1Token;
    CanonicalL2Token internal l2TokenA;

    function setUp() public override {
        super.setUp();
        l1Bridge = _deployL1Bridge(address(portalA));
        l2BridgeA = _deployL2Bridge(address(messengerA));
        l1Bridge.initialize(address(l2BridgeA));
        l2BridgeA.initialize(address(l1Bridge));
        l1Token = _deployTestToken("USD", "USD", 6);
        l2TokenA = _deployL2Token(address(l2BridgeA), address(l1Token));
        gatewayA.configure(address(hatch), address(l2BridgeA), address(l2TokenA));

        // The message's 25 USD sit locked in A's gateway: deposited from L1 as the canonical token.
        l1Token.mint(address(this), 25e6);
        l1Token.approve(address(l1Bridge), 25e6);
        l1Bridge.depositTo(address(l1Token), address(l2TokenA), address(gatewayA), 25e6);
        _sequence(
            0,
            address(l1Bridge),
            address(l2BridgeA),
            abi.encodeCall(
                IL2TokenBridge.finalizeDeposit,
                (address(l1Token), address(l2TokenA), address(this), address(gatewayA), 25e6)
            )
        );
        assertEq(l2TokenA.balanceOf(address(gatewayA)), 25e6, "locked in A's gateway");
    }

    function _sequence(uint256 nonce, address from, address target, bytes memory data) internal {
        vm.prank(sequencer);
        messengerA.relayFromL1(nonce, from, target, data);
    }

    /// @dev Steps 1-4: cancel on B, prove on L1, hatch forwards, A's sequencer relays the refund.
    function _escape(Message memory message, bool refundOnL1) internal {
        gatewayB.cancel(message, refundOnL1);
        uint256 index = _proposeAll(messengerB, portalB);
        vm.warp(_now() + WINDOW);
        Withdrawal memory w = _withdrawal(0, address(gatewayB), address(hatch), _cancelData(message, refundOnL1));
        portalB.relayMessage(w, index, _proof(messengerB, 0));
        uint256 nonce = portalA.depositCount() - 1;
        bytes memory refund = abi.encodeCall(IBridgeGateway.refund, (message, refundOnL1));
        bytes32 depositHash = messengerA.depositHash(nonce, address(hatch), address(gatewayA), refund);
        vm.expectEmit(true, true, true, true, address(messengerA));
        emit ISimL2Messenger.DepositRelayed(nonce, depositHash);
        _sequence(nonce, address(hatch), address(gatewayA), refund);
    }

    function test_escape_refundOnL2_succeeds() public {
        Message memory message = _message();
        _escape(message, false);
        assertEq(gatewayA.refunds(MessageLib.hash(message)), 1, "refunded once on A");
        assertFalse(gatewayA.lastRefundOnL1(), "on L2");
        assertEq(messengerA.withdrawalCount(), 0, "nothing sent to L1");
    }

    function test_escape_refundOnL1_releasesL1Tokens_succeeds() public {
        Message memory message = _message();
        _escape(message, true);
        assertEq(gatewayA.refunds(MessageLib.hash(message)), 1, "refunded once on A");
        assertEq(l2TokenA.balanceOf(address(gatewayA)), 0, "burned from A's gateway");

        // Step 5: A's withdrawal is proven after A's window and releases the tokens on L1.
        uint256 index = _proposeAll(messengerA, portalA);
        vm.warp(_now() + WINDOW);
        bytes memory data = abi.encodeCall(
            IL1TokenBridge.finalizeWithdrawal,
            (address(l1Token), address(l2TokenA), address(gatewayA), alice, 25e6)
        );
        Withdrawal memory w = _withdrawal(0, address(l2BridgeA), address(l1Bridge), data);
        portalA.relayMessage(w, index, _proof(messengerA, 0));
        assertEq(l1Token.balanceOf(alice), 25e6, "the sender holds the tokens on L1");
        assertEq(l1Bridge.deposits(address(l1Token), address(l2TokenA)), 0, "nothing left locked");
    }

    function test_escape_replayedCancellation_reverts() public {
        Message memory message = _message();
        _escape(message, false);
        Withdrawal memory w = _withdrawal(0, address(gatewayB), address(hatch), _cancelData(message, false));
        uint256 index = portalB.outputCount() - 1;
        bytes32[] memory proof = _proof(messengerB, 0);
        vm.expectRevert(abi.encodeWithSignature("PortalAlreadyRelayed(bytes32)", _hash(w)));
        portalB.relayMessage(w, index, proof);
        assertEq(portalA.depositCount(), 2, "no second refund queued (the setup deposit + one refund)");
    }
}
