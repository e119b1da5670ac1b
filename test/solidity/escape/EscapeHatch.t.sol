// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EscapeFixture, MockEscapeGateway} from "./EscapeFixture.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {IEscapeHatch} from "../../../contracts/interfaces/IEscapeHatch.sol";
import {MessageLib} from "../../../contracts/libraries/MessageLib.sol";
import {ISimRollupPortal, Withdrawal} from "../../../contracts/rollup/ISimRollup.sol";

contract EscapeHatch_constructor_Test is EscapeFixture {
    function test_constructor_registry_succeeds() public view {
        (address portal, address gateway) = hatch.chain(CHAIN_A);
        assertEq(portal, address(portalA), "portal A");
        assertEq(gateway, address(gatewayA), "gateway A");
        (portal, gateway) = hatch.chain(CHAIN_B);
        assertEq(portal, address(portalB), "portal B");
        assertEq(gateway, address(gatewayB), "gateway B");
        (portal, gateway) = hatch.chain(903);
        assertEq(portal, address(0), "unknown chain");
        assertEq(gateway, address(0), "unknown chain");
    }

    function _expectInvalid(uint64[] memory chainIds, address[] memory portals, address[] memory gateways) internal {
        (address deployed, bytes memory reason) = tryDeployCode(
            ESCAPE_ARTIFACT,
            abi.encode(chainIds, portals, gateways)
        );
        assertEq(deployed, address(0), "refused");
        assertEq(reason, abi.encodeWithSelector(IEscapeHatch.EscapeInvalidRegistry.selector), "reason");
    }

    function test_constructor_malformed_reverts() public {
        address[] memory portals = _pair(address(portalA), address(portalB));
        _expectInvalid(new uint64[](0), new address[](0), new address[](0));
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), portals, new address[](1));
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), new address[](1), _gateways());
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), _pair(address(portalA), address(0)), _gateways());
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), portals, _pair(address(gatewayA), address(0)));
        _expectInvalid(_pair(CHAIN_A, 0), portals, _gateways());
    }

    function test_constructor_duplicates_reverts() public {
        _expectInvalid(_pair(CHAIN_A, CHAIN_A), _pair(address(portalA), address(portalA)), _gateways());
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), _pair(address(portalA), address(portalA)), _gateways());
    }

    function test_constructor_portalOfAnotherChain_reverts() public {
        _expectInvalid(_pair(CHAIN_A, CHAIN_B), _pair(address(portalB), address(portalA)), _gateways());
    }
}

contract EscapeHatch_onMessageCancelled_Test is EscapeFixture {
    function test_onMessageCancelled_forwardsRefundToSource_succeeds() public {
        Message memory message = _message();
        (Withdrawal memory w, uint256 index) = _sendAndProve(
            messengerB,
            portalB,
            address(gatewayB),
            _cancelData(message, true)
        );
        bytes memory refund = abi.encodeCall(IBridgeGateway.refund, (message, true));
        bytes32[] memory proof = _proof(messengerB, w.nonce);
        vm.expectEmit(true, true, true, true, address(hatch));
        emit IEscapeHatch.EscapeForwarded(MessageLib.hash(message), CHAIN_A, CHAIN_B, true);
        vm.expectEmit(true, true, true, true, address(portalA));
        emit ISimRollupPortal.DepositQueued(0, address(hatch), address(gatewayA), refund);
        portalB.relayMessage(w, index, proof);
        assertEq(portalA.depositCount(), 1, "one deposit to A");
        assertEq(portalB.depositCount(), 0, "none to B");
    }

    function test_onMessageCancelled_directCall_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IEscapeHatch.EscapeUnauthorized.selector, CHAIN_B, alice, address(0)));
        vm.prank(alice);
        hatch.onMessageCancelled(_message(), false);
    }

    /// @dev Someone else on B (not B's gateway) proves a "cancellation": the portal relays it,
    ///      the hatch refuses it, so the relay reverts.
    function test_onMessageCancelled_wrongL2Sender_reverts() public {
        bytes memory data = _cancelData(_message(), false);
        (Withdrawal memory w, uint256 index) = _sendAndProve(messengerB, portalB, alice, data);
        bytes memory reason = abi.encodeWithSelector(
            IEscapeHatch.EscapeUnauthorized.selector,
            CHAIN_B,
            address(portalB),
            alice
        );
        bytes32[] memory proof = _proof(messengerB, w.nonce);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalRelayFailed.selector, _hash(w), reason));
        portalB.relayMessage(w, index, proof);
    }

    /// @dev A's own gateway cannot cancel a message addressed to B: it arrives through A's portal.
    function test_onMessageCancelled_throughSourcePortal_reverts() public {
        bytes memory data = _cancelData(_message(), false);
        (Withdrawal memory w, uint256 index) = _sendAndProve(messengerA, portalA, address(gatewayA), data);
        bytes memory reason = abi.encodeWithSelector(
            IEscapeHatch.EscapeUnauthorized.selector,
            CHAIN_B,
            address(portalA),
            address(0)
        );
        bytes32[] memory proof = _proof(messengerA, w.nonce);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalRelayFailed.selector, _hash(w), reason));
        portalA.relayMessage(w, index, proof);
    }

    function test_onMessageCancelled_wrongDestGateway_reverts() public {
        Message memory message = _message();
        message.destGateway = alice;
        (Withdrawal memory w, uint256 index) = _sendAndProve(
            messengerB,
            portalB,
            address(gatewayB),
            _cancelData(message, false)
        );
        bytes memory reason = abi.encodeWithSelector(IEscapeHatch.EscapeWrongGateway.selector, CHAIN_B, alice);
        bytes32[] memory proof = _proof(messengerB, w.nonce);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalRelayFailed.selector, _hash(w), reason));
        portalB.relayMessage(w, index, proof);
    }

    function test_onMessageCancelled_wrongSourceGateway_reverts() public {
        Message memory message = _message();
        message.sourceGateway = alice;
        (Withdrawal memory w, uint256 index) = _sendAndProve(
            messengerB,
            portalB,
            address(gatewayB),
            _cancelData(message, false)
        );
        bytes memory reason = abi.encodeWithSelector(IEscapeHatch.EscapeWrongGateway.selector, CHAIN_A, alice);
        bytes32[] memory proof = _proof(messengerB, w.nonce);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalRelayFailed.selector, _hash(w), reason));
        portalB.relayMessage(w, index, proof);
    }

    function test_onMessageCancelled_unknownChain_reverts() public {
        Message memory message = _message();
        message.sourceChainId = 903;
        (Withdrawal memory w, uint256 index) = _sendAndProve(
            messengerB,
            portalB,
            address(gatewayB),
            _cancelData(message, false)
        );
        bytes memory reason = abi.encodeWithSelector(IEscapeHatch.EscapeUnknownChain.selector, 903);
        bytes32[] memory proof = _proof(messengerB, w.nonce);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalRelayFailed.selector, _hash(w), reason));
        portalB.relayMessage(w, index, proof);

        vm.expectRevert(abi.encodeWithSelector(IEscapeHatch.EscapeUnknownChain.selector, 904));
        message.destChainId = 904;
        hatch.onMessageCancelled(message, false);
    }

    function test_refundSelector_matchesGateway_succeeds() public pure {
        assertEq(
            bytes32(MockEscapeGateway.refund.selector),
            bytes32(IBridgeGateway.refund.selector),
            "the mock stands in for the gateway's refund"
        );
    }
}
