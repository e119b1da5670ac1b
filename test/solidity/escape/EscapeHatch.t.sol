// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Deployers} from "../utils/Deployers.sol";
import {LoopbackMessenger} from "../utils/LoopbackMessenger.sol";
import {EscapeHatch} from "../../../contracts/escape/EscapeHatch.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {IEscapeHatch} from "../../../contracts/interfaces/IEscapeHatch.sol";
import {MessageLib} from "../../../contracts/libraries/MessageLib.sol";

/// @notice The hatch's own checks, each with its exact reason: its L1 messengers are
///         `LoopbackMessenger`s (the `CrossDomainMessenger` shape, relaying with a chosen L2
///         sender). `EscapeOpStack.t.sol` runs the same paths through the real OP Stack contracts.
abstract contract EscapeHatchFixture is Deployers {
    string internal constant ESCAPE_ARTIFACT = "contracts/escape/EscapeHatch.sol:EscapeHatch";
    uint64 internal constant CHAIN_A = 901;
    uint64 internal constant CHAIN_B = 902;

    LoopbackMessenger internal messengerA;
    LoopbackMessenger internal messengerB;
    address internal gatewayA;
    address internal gatewayB;
    EscapeHatch internal hatch;
    address internal alice;

    function setUp() public virtual {
        alice = makeAddr("alice");
        gatewayA = makeAddr("gatewayA");
        gatewayB = makeAddr("gatewayB");
        messengerA = new LoopbackMessenger();
        messengerB = new LoopbackMessenger();
        hatch = EscapeHatch(
            deployCode(ESCAPE_ARTIFACT, abi.encode(_pair(CHAIN_A, CHAIN_B), _messengers(), _pair(gatewayA, gatewayB)))
        );
    }

    function _pair(uint64 a, uint64 b) internal pure returns (uint64[] memory out) {
        out = new uint64[](2);
        (out[0], out[1]) = (a, b);
    }

    function _pair(address a, address b) internal pure returns (address[] memory out) {
        out = new address[](2);
        (out[0], out[1]) = (a, b);
    }

    function _messengers() internal view returns (address[] memory) {
        return _pair(address(messengerA), address(messengerB));
    }

    /// @dev A message from A to B that B cancelled.
    function _message() internal view returns (Message memory) {
        return
            Message({
                version: 2,
                nonce: 7,
                sourceChainId: CHAIN_A,
                destChainId: CHAIN_B,
                sourceGateway: gatewayA,
                destGateway: gatewayB,
                sender: alice,
                recipient: alice,
                tokenChainId: CHAIN_A,
                token: address(0x70c3),
                amount: 25e6,
                deadline: 999_000,
                dropOff: 0
            });
    }

    /// @dev `l2Sender` on `messenger`'s L2 "sent" the cancellation; the messenger relays it.
    function _relay(LoopbackMessenger messenger, address l2Sender, Message memory m, bool onL1) internal {
        messenger.relay(l2Sender, address(hatch), abi.encodeCall(IEscapeHatch.onMessageCancelled, (m, onL1)));
    }
}

contract EscapeHatch_constructor_Test is EscapeHatchFixture {
    function test_constructor_registry_succeeds() public view {
        (address messenger, address gateway) = hatch.chain(CHAIN_A);
        assertEq(messenger, address(messengerA), "messenger A");
        assertEq(gateway, gatewayA, "gateway A");
        (messenger, gateway) = hatch.chain(CHAIN_B);
        assertEq(messenger, address(messengerB), "messenger B");
        assertEq(gateway, gatewayB, "gateway B");
        (messenger, gateway) = hatch.chain(903);
        assertEq(messenger, address(0), "unknown chain");
        assertEq(gateway, address(0), "unknown chain");
    }

    function _expectInvalid(uint64[] memory chainIds, address[] memory messengers, address[] memory gateways) internal {
        (address deployed, bytes memory reason) = tryDeployCode(
            ESCAPE_ARTIFACT,
            abi.encode(chainIds, messengers, gateways)
        );
        assertEq(deployed, address(0), "refused");
        assertEq(reason, abi.encodeWithSelector(IEscapeHatch.EscapeInvalidRegistry.selector), "reason");
    }

    function test_constructor_malformed_reverts() public {
        address[] memory gateways = _pair(gatewayA, gatewayB);
        _expectInvalid(new uint64[](0), new address[](0), new address[](0));
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), _messengers(), new address[](1));
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), new address[](1), gateways);
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), _pair(address(messengerA), address(0)), gateways);
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), _messengers(), _pair(gatewayA, address(0)));
        _expectInvalid(_pair(CHAIN_A, 0), _messengers(), gateways);
    }

    function test_constructor_messengerWithoutCode_reverts() public {
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), _pair(address(messengerA), alice), _pair(gatewayA, gatewayB));
    }

    function test_constructor_duplicates_reverts() public {
        address[] memory gateways = _pair(gatewayA, gatewayB);
        _expectInvalid(_pair(CHAIN_A, CHAIN_A), _pair(address(messengerA), address(messengerB)), gateways);
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), _pair(address(messengerA), address(messengerA)), gateways);
    }
}

contract EscapeHatch_onMessageCancelled_Test is EscapeHatchFixture {
    function test_onMessageCancelled_forwardsRefundToSource_succeeds() public {
        Message memory message = _message();
        vm.expectEmit(true, true, true, true, address(hatch));
        emit IEscapeHatch.EscapeForwarded(MessageLib.hash(message), CHAIN_A, CHAIN_B, true);
        _relay(messengerB, gatewayB, message, true);
        assertEq(messengerA.sent(), 1, "one message to A");
        assertEq(messengerB.sent(), 0, "none to B");
        assertEq(messengerA.lastTarget(), gatewayA, "to A's gateway");
        assertEq(messengerA.lastData(), abi.encodeCall(IBridgeGateway.refund, (message, true)), "the refund");
        assertEq(messengerA.lastGasLimit(), hatch.REFUND_GAS_LIMIT(), "with the refund's gas");
    }

    function test_onMessageCancelled_directCall_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IEscapeHatch.EscapeUnauthorized.selector, CHAIN_B, alice, address(0)));
        vm.prank(alice);
        hatch.onMessageCancelled(_message(), false);
    }

    /// @dev Someone else on B (not B's gateway) sent the "cancellation".
    function test_onMessageCancelled_wrongL2Sender_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEscapeHatch.EscapeUnauthorized.selector, CHAIN_B, address(messengerB), alice)
        );
        _relay(messengerB, alice, _message(), false);
    }

    /// @dev A's own gateway cannot cancel a message addressed to B: it arrives through A's messenger.
    function test_onMessageCancelled_throughSourceMessenger_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEscapeHatch.EscapeUnauthorized.selector, CHAIN_B, address(messengerA), address(0))
        );
        _relay(messengerA, gatewayA, _message(), false);
    }

    function test_onMessageCancelled_wrongDestGateway_reverts() public {
        Message memory message = _message();
        message.destGateway = alice;
        vm.expectRevert(abi.encodeWithSelector(IEscapeHatch.EscapeWrongGateway.selector, CHAIN_B, alice));
        _relay(messengerB, gatewayB, message, false);
    }

    function test_onMessageCancelled_wrongSourceGateway_reverts() public {
        Message memory message = _message();
        message.sourceGateway = alice;
        vm.expectRevert(abi.encodeWithSelector(IEscapeHatch.EscapeWrongGateway.selector, CHAIN_A, alice));
        _relay(messengerB, gatewayB, message, false);
    }

    function test_onMessageCancelled_unknownChain_reverts() public {
        Message memory message = _message();
        message.sourceChainId = 903;
        vm.expectRevert(abi.encodeWithSelector(IEscapeHatch.EscapeUnknownChain.selector, 903));
        _relay(messengerB, gatewayB, message, false);

        message.destChainId = 904;
        vm.expectRevert(abi.encodeWithSelector(IEscapeHatch.EscapeUnknownChain.selector, 904));
        hatch.onMessageCancelled(message, false);
    }
}
