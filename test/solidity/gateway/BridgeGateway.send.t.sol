// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";
import {BridgeFixture} from "../utils/BridgeFixture.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {FeeOnTransferToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";

contract BridgeGateway_send_Test is BridgeFixture {
    uint256 internal constant AMOUNT = 10e18;

    function _fund(uint256 amount) internal {
        homeToken.mint(alice, amount);
        vm.prank(alice);
        homeToken.approve(address(gateway), amount);
    }

    /// @dev The message alice's send of `amount` of `identity` to bob should produce.
    function _expected(
        address identity,
        uint256 amount,
        uint64 nonce,
        uint64 deadline
    ) internal view returns (Message memory) {
        return
            Message({
                version: 2,
                nonce: nonce,
                sourceChainId: localChain,
                destChainId: REMOTE_CHAIN,
                sourceGateway: address(gateway),
                destGateway: remoteGateway,
                sender: alice,
                recipient: bob,
                tokenChainId: _homeChain(identity),
                token: identity,
                amount: amount,
                deadline: deadline,
                dropOff: 0
            });
    }

    function _send(address token, uint256 amount, uint64 deadline) internal returns (bytes32) {
        vm.prank(alice);
        return gateway.send(token, REMOTE_CHAIN, bob, amount, deadline, 0);
    }

    function test_send_homeToken_locksExactBalanceDelta_succeeds() public {
        _fund(AMOUNT);
        uint256 gatewayBefore = homeToken.balanceOf(address(gateway));
        _send(address(homeToken), AMOUNT, 0);
        assertEq(homeToken.balanceOf(address(gateway)) - gatewayBefore, AMOUNT, "gateway balance delta");
        assertEq(homeToken.balanceOf(alice), 0, "alice paid");
        assertEq(gateway.lockedBalance(address(homeToken)), AMOUNT, "locked");
    }

    function test_send_bridgedToken_burns_succeeds() public {
        _mintBridged(alice, AMOUNT);
        uint256 supplyBefore = bridgedToken.totalSupply();
        bytes32 id = _send(address(bridgedToken), AMOUNT, 0);
        assertEq(bridgedToken.balanceOf(alice), 0, "alice burned");
        assertEq(supplyBefore - bridgedToken.totalSupply(), AMOUNT, "supply burned");
        assertEq(gateway.lockedBalance(remoteHomeToken), 0, "nothing locked for a bridged token");
        // The message carries the token's home identity, not the local bridged address.
        uint64 deadline = uint64(_now() + 1 days);
        assertEq(id, gateway.messageId(_expected(remoteHomeToken, AMOUNT, 0, deadline)), "identity in message");
    }

    function test_send_feeOnTransferToken_reverts() public {
        FeeOnTransferToken fot = _deployFeeToken();
        vm.startPrank(governor);
        _configureToken(address(fot), address(fot));
        vm.stopPrank();
        fot.mint(alice, AMOUNT);
        vm.prank(alice);
        fot.approve(address(gateway), AMOUNT);

        uint256 received = AMOUNT - AMOUNT / 100;
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeFeeOnTransfer.selector, address(fot), AMOUNT, received)
        );
        _send(address(fot), AMOUNT, 0);
    }

    function test_send_unregisteredToken_reverts() public {
        TestToken other = _deployTestToken("Other", "OTH", 18);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownToken.selector, address(other)));
        _send(address(other), AMOUNT, 0);
    }

    function test_send_zeroToken_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownToken.selector, address(0)));
        _send(address(0), AMOUNT, 0);
    }

    function test_send_codelessToken_reverts() public {
        address eoa = makeAddr("eoa");
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownToken.selector, eoa));
        _send(eoa, AMOUNT, 0);
    }

    function test_send_disabledRoute_reverts() public {
        _fund(AMOUNT);
        vm.prank(governor);
        gateway.setRoute(REMOTE_CHAIN, remoteGateway, false);
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownRoute.selector, REMOTE_CHAIN, remoteGateway)
        );
        _send(address(homeToken), AMOUNT, 0);
    }

    function test_send_unknownRoute_reverts() public {
        _fund(AMOUNT);
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownRoute.selector, uint64(777), address(0))
        );
        vm.prank(alice);
        gateway.send(address(homeToken), 777, bob, AMOUNT, 0, 0);
    }

    function test_send_zeroAmount_reverts() public {
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidTransfer.selector);
        _send(address(homeToken), 0, 0);
    }

    function test_send_zeroRecipient_reverts() public {
        _fund(AMOUNT);
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidTransfer.selector);
        vm.prank(alice);
        gateway.send(address(homeToken), REMOTE_CHAIN, address(0), AMOUNT, 0, 0);
    }

    function test_send_zeroDeadline_usesDefaultWindow_succeeds() public {
        _fund(AMOUNT);
        bytes32 id = _send(address(homeToken), AMOUNT, 0);
        uint64 expected = uint64(_now() + 1 days);
        assertEq(id, gateway.messageId(_expected(address(homeToken), AMOUNT, 0, expected)), "default deadline");
    }

    function test_send_deadlineAtWindowBounds_succeeds() public {
        _fund(2 * AMOUNT);
        uint64 lowest = uint64(_now() + 60);
        uint64 highest = uint64(_now() + 30 days);
        bytes32 low = _send(address(homeToken), AMOUNT, lowest);
        bytes32 high = _send(address(homeToken), AMOUNT, highest);
        assertEq(low, gateway.messageId(_expected(address(homeToken), AMOUNT, 0, lowest)), "min window");
        assertEq(high, gateway.messageId(_expected(address(homeToken), AMOUNT, 1, highest)), "max window");
    }

    function test_send_deadlineBelowMinWindow_reverts() public {
        _fund(AMOUNT);
        uint64 deadline = uint64(_now() + 59);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeInvalidDeadline.selector, deadline));
        _send(address(homeToken), AMOUNT, deadline);
    }

    function test_send_deadlineInPast_reverts() public {
        _fund(AMOUNT);
        uint64 deadline = uint64(_now() - 1);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeInvalidDeadline.selector, deadline));
        _send(address(homeToken), AMOUNT, deadline);
    }

    function test_send_deadlineAboveMaxWindow_reverts() public {
        _fund(AMOUNT);
        uint64 deadline = uint64(_now() + 30 days + 1);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeInvalidDeadline.selector, deadline));
        _send(address(homeToken), AMOUNT, deadline);
    }

    function test_send_deadlineFollowsGovernedWindows_succeeds() public {
        vm.prank(governor);
        gateway.setDeadlineWindows(10, 100, 1000);
        _fund(AMOUNT);
        bytes32 id = _send(address(homeToken), AMOUNT, 0);
        uint64 expected = uint64(_now() + 100);
        assertEq(id, gateway.messageId(_expected(address(homeToken), AMOUNT, 0, expected)), "new default");
    }

    function test_send_outboundRateLimited_reverts() public {
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(address(homeToken)),
            address(homeToken),
            IBridgeGatewayTypes.Direction.Outbound,
            100e18,
            1e18
        );
        _fund(101e18);
        _send(address(homeToken), 100e18, 0);
        assertEq(
            gateway.availableRateLimit(
                _homeChain(address(homeToken)),
                address(homeToken),
                IBridgeGatewayTypes.Direction.Outbound
            ),
            0,
            "drained"
        );

        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeRateLimited.selector, address(homeToken), 1e18, 0)
        );
        _send(address(homeToken), 1e18, 0);
    }

    function test_send_outboundBucketRefills_succeeds() public {
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(address(homeToken)),
            address(homeToken),
            IBridgeGatewayTypes.Direction.Outbound,
            100e18,
            1e18
        );
        _fund(110e18);
        _send(address(homeToken), 100e18, 0);
        vm.warp(_now() + 10);
        assertEq(
            gateway.availableRateLimit(
                _homeChain(address(homeToken)),
                address(homeToken),
                IBridgeGatewayTypes.Direction.Outbound
            ),
            10e18,
            "refill"
        );
        _send(address(homeToken), 10e18, 0);
        assertEq(gateway.lockedBalance(address(homeToken)), 110e18, "locked");
    }

    function test_send_outboundLimitIsPerToken_succeeds() public {
        // Draining the home token's outbound bucket leaves the bridged token's untouched.
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(address(homeToken)),
            address(homeToken),
            IBridgeGatewayTypes.Direction.Outbound,
            1e18,
            1e9
        );
        _fund(1e18);
        _send(address(homeToken), 1e18, 0);
        _mintBridged(alice, AMOUNT);
        _send(address(bridgedToken), AMOUNT, 0);
    }

    function test_send_paused_reverts() public {
        _fund(AMOUNT);
        vm.prank(pauser);
        gateway.pause();
        vm.expectRevert(IBridgeGatewayTypes.BridgePaused.selector);
        _send(address(homeToken), AMOUNT, 0);
    }

    function test_send_nonceIncrements_succeeds() public {
        _fund(3 * AMOUNT);
        assertEq(gateway.nextNonce(), 0, "first nonce");
        bytes32 first = _send(address(homeToken), AMOUNT, 0);
        assertEq(gateway.nextNonce(), 1, "after one");
        bytes32 second = _send(address(homeToken), AMOUNT, 0);
        assertEq(gateway.nextNonce(), 2, "after two");
        assertNotEq(first, second, "ids differ by nonce");
        uint64 deadline = uint64(_now() + 1 days);
        assertEq(second, gateway.messageId(_expected(address(homeToken), AMOUNT, 1, deadline)), "nonce 1 in id");
    }

    function test_send_storesSentMessageId_succeeds() public {
        _fund(2 * AMOUNT);
        assertEq(gateway.sentMessageId(0), bytes32(0), "nothing sent yet");
        bytes32 first = _send(address(homeToken), AMOUNT, 0);
        bytes32 second = _send(address(homeToken), AMOUNT, 0);
        assertEq(gateway.sentMessageId(0), first, "nonce 0");
        assertEq(gateway.sentMessageId(1), second, "nonce 1");
        assertEq(gateway.sentMessageId(2), bytes32(0), "nonce 2 unused");
    }

    function test_send_emitsMessageSent_succeeds() public {
        _fund(AMOUNT);
        Message memory expected = _expected(address(homeToken), AMOUNT, 0, uint64(_now() + 1 days));
        bytes32 id = gateway.messageId(expected);
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.MessageSent(id, expected, 0, 0);
        assertEq(_send(address(homeToken), AMOUNT, 0), id, "returned id");
    }

    function test_send_withoutAllowance_reverts() public {
        homeToken.mint(alice, AMOUNT);
        vm.expectRevert();
        _send(address(homeToken), AMOUNT, 0);
        assertEq(gateway.nextNonce(), 0, "no nonce consumed");
    }
}
