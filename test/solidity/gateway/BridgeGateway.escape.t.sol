// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {BridgeFixture} from "../utils/BridgeFixture.sol";
import {Vm} from "../utils/Vm.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {IEscapeHatch} from "../../../contracts/interfaces/IEscapeHatch.sol";
import {IL2StandardBridge, IOptimismMintableERC20} from "../../../contracts/interfaces/ICanonicalMessaging.sol";
import {LoopbackMessenger} from "../utils/LoopbackMessenger.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";
import {MessageHeader, Transfer, Attestation} from "../utils/BridgeFixture.sol";

/// @dev An `OptimismMintableERC20`-shaped token (ERC-165 id, `bridge()`, `remoteToken()`):
///      its bridge may burn from any holder, as OP's are.
contract CanonicalToken is ERC20 {
    address public immutable BRIDGE;

    constructor(address bridge_) ERC20("Canonical", "CAN") {
        BRIDGE = bridge_;
    }

    function bridge() external view returns (address) {
        return BRIDGE;
    }

    function remoteToken() external pure returns (address) {
        return address(0x1111);
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == type(IOptimismMintableERC20).interfaceId || id == 0x01ffc9a7;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function burn(address from, uint256 amount) external {
        require(msg.sender == BRIDGE, "only bridge");
        _burn(from, amount);
    }
}

/// @dev Records withdrawals to L1 and burns the withdrawn tokens, as the `L2StandardBridge` does.
contract RecordingTokenBridge is IL2StandardBridge {
    address public lastTo;
    uint256 public lastAmount;
    uint32 public lastGasLimit;

    function withdrawTo(
        address l2Token,
        address to,
        uint256 amount,
        uint32 minGasLimit,
        bytes calldata
    ) external payable {
        CanonicalToken(l2Token).burn(msg.sender, amount);
        lastTo = to;
        lastAmount = amount;
        lastGasLimit = minGasLimit;
    }
}

/// @dev The gateway with its escape hatch wired to recording stand-ins.
abstract contract EscapeFixture is BridgeFixture {
    LoopbackMessenger internal messenger;
    RecordingTokenBridge internal tokenBridge;
    address internal escapeHatch;

    function setUp() public virtual override {
        super.setUp();
        messenger = new LoopbackMessenger();
        tokenBridge = new RecordingTokenBridge();
        escapeHatch = makeAddr("escapeHatch");
        vm.prank(governor);
        gateway.initializeEscape(address(messenger), escapeHatch, address(tokenBridge));
    }

    /// @dev An inbound message (remote → here) to bob, not delivered.
    function _inbound(uint256 amount) internal returns (Message memory m, Transfer memory t) {
        t = _transfer(remoteHomeToken, amount);
        m = _message(_header(), t);
    }

    function _expire(Message memory m) internal {
        vm.warp(uint256(m.deadline) + 1);
    }

    function _status(bytes32 id) internal view returns (IBridgeGatewayTypes.MessageStatus) {
        return gateway.queuedMessage(id).status;
    }

    function _deliverMessage(Transfer memory t) internal returns (bool ok) {
        MessageHeader memory h = _header();
        bytes32 id = _id(h, t);
        try gateway.deliver(_pack(h, _one(t)), _noProofs(), 0, _attestation(id).signatures) {
            ok = true;
        } catch {
            ok = false;
        }
    }

    /// @dev Alice sends `amount` of the home token to the remote chain; returns the message.
    function _sendHome(uint256 amount) internal returns (Message memory m) {
        homeToken.mint(alice, amount);
        vm.startPrank(alice);
        homeToken.approve(address(gateway), amount);
        vm.recordLogs();
        gateway.send(address(homeToken), REMOTE_CHAIN, bob, amount, 0, 0);
        vm.stopPrank();
        m = _sentMessage();
    }

    /// @dev The message of the last `MessageSent` recorded.
    function _sentMessage() internal returns (Message memory m) {
        bytes32 topic = IBridgeGatewayTypes.MessageSent.selector;
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; --i) {
            if (logs[i - 1].topics.length > 0 && logs[i - 1].topics[0] == topic) {
                (m, , ) = abi.decode(logs[i - 1].data, (Message, uint256, uint256));
                return m;
            }
        }
        revert("no MessageSent");
    }

    function _refundCall(Message memory m, bool onL1) internal pure returns (bytes memory) {
        return abi.encodeCall(IBridgeGateway.refund, (m, onL1));
    }
}

contract BridgeGateway_initializeEscape_Test is BridgeFixture {
    function test_initializeEscape_notGovernor_reverts() public {
        LoopbackMessenger m = new LoopbackMessenger();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                pauser,
                gateway.GOVERNOR_ROLE()
            )
        );
        vm.prank(pauser);
        gateway.initializeEscape(address(m), makeAddr("hatch"), address(0));
    }

    function test_initializeEscape_once_reverts() public {
        LoopbackMessenger m = new LoopbackMessenger();
        vm.startPrank(governor);
        gateway.initializeEscape(address(m), makeAddr("hatch"), address(0));
        vm.expectRevert(IBridgeGatewayTypes.BridgeEscapeAlreadyConfigured.selector);
        gateway.initializeEscape(address(m), makeAddr("other"), address(0));
        vm.stopPrank();
        (address messenger, address hatch, address bridge) = gateway.escapeConfig();
        assertEq(messenger, address(m));
        assertEq(hatch, makeAddr("hatch"));
        assertEq(bridge, address(0));
    }

    function test_initializeEscape_messengerWithoutCode_reverts() public {
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidParameter.selector);
        vm.prank(governor);
        gateway.initializeEscape(makeAddr("eoa"), makeAddr("hatch"), address(0));
    }

    function test_cancelExpired_notConfigured_reverts() public {
        Transfer memory t = _transfer(remoteHomeToken, 1e18);
        Message memory m = _message(_header(), t);
        vm.warp(uint256(m.deadline) + 1);
        vm.expectRevert(IBridgeGatewayTypes.BridgeEscapeNotConfigured.selector);
        gateway.cancelExpired(m, false);
    }
}

contract BridgeGateway_cancelExpired_Test is EscapeFixture {
    function test_cancelExpired_undelivered_marksCancelledAndSendsToL1_succeeds() public {
        (Message memory m, ) = _inbound(5e18);
        bytes32 id = gateway.messageId(m);
        _expire(m);
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.MessageCancelled(id, m.sourceChainId, m.nonce, false);
        vm.prank(makeAddr("anyone"));
        assertEq(gateway.cancelExpired(m, false), id);
        assertEq(uint256(_status(id)), uint256(IBridgeGatewayTypes.MessageStatus.Cancelled), "cancelled");
        assertTrue(gateway.isProcessed(m.sourceChainId, m.sourceGateway, m.nonce), "nonce taken");
        assertEq(messenger.sent(), 1);
        assertEq(messenger.lastTarget(), escapeHatch);
        assertEq(messenger.lastData(), abi.encodeCall(IEscapeHatch.onMessageCancelled, (m, false)));
        assertEq(messenger.lastGasLimit(), gateway.ESCAPE_L1_GAS_LIMIT());
    }

    function test_cancelExpired_atDeadline_reverts() public {
        (Message memory m, ) = _inbound(5e18);
        vm.warp(m.deadline); // still deliverable at the deadline itself
        vm.expectRevert(
            abi.encodeWithSelector(
                IBridgeGatewayTypes.BridgeMessageNotExpired.selector,
                gateway.messageId(m),
                m.deadline
            )
        );
        gateway.cancelExpired(m, false);
    }

    function test_cancelExpired_twice_reverts() public {
        (Message memory m, ) = _inbound(5e18);
        _expire(m);
        bytes32 id = gateway.cancelExpired(m, false);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBridgeGatewayTypes.BridgeInvalidMessageStatus.selector,
                id,
                IBridgeGatewayTypes.MessageStatus.Cancelled
            )
        );
        gateway.cancelExpired(m, false);
    }

    function test_cancelExpired_thenDeliverEvenWithClockBack_reverts() public {
        (Message memory m, Transfer memory t) = _inbound(5e18);
        uint256 sendTime = _now();
        _expire(m);
        bytes32 id = gateway.cancelExpired(m, false);
        // Even if the relayers came back with valid signatures and the clock allowed it,
        // the cancelled id can never be delivered.
        vm.warp(sendTime);
        MessageHeader memory h = _header();
        Transfer[] memory ts = _one(t);
        bytes32[][] memory proofs = _noProofs();
        Attestation memory att = _attestation(id);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageAlreadyProcessed.selector, id));
        _deliverVia(gateway, h, ts, proofs, att);
        assertEq(bridgedToken.balanceOf(bob), 0, "nothing minted");
    }

    function test_cancelExpired_deliveredFast_reverts() public {
        (Message memory m, Transfer memory t) = _inbound(5e18);
        bytes32 id = _deliver(t);
        _expire(m);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeMessageAlreadyProcessed.selector, id));
        gateway.cancelExpired(m, false);
    }

    /// @dev A queued message is the sender's to cancel (and only after its grace period, see
    ///      BridgeGateway.v2.t.sol): anyone else is refused.
    function test_cancelExpired_queued_reverts() public {
        (Message memory m, Transfer memory t) = _inbound(uint256(FAST_LIMIT) + 1);
        _deliver(t);
        _expire(m);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeOnlySender.selector, m.sender));
        gateway.cancelExpired(m, false);
    }

    function test_cancelExpired_executed_reverts() public {
        (Message memory m, Transfer memory t) = _inbound(uint256(FAST_LIMIT) + 1);
        bytes32 id = _deliver(t);
        vm.warp(_now() + LARGE_DELAY);
        gateway.execute(id);
        _expire(m);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBridgeGatewayTypes.BridgeInvalidMessageStatus.selector,
                id,
                IBridgeGatewayTypes.MessageStatus.Executed
            )
        );
        gateway.cancelExpired(m, false);
    }

    function test_cancelExpired_vetoed_succeeds() public {
        (Message memory m, Transfer memory t) = _inbound(uint256(FAST_LIMIT) + 1);
        bytes32 id = _deliver(t);
        vm.prank(vetoer);
        gateway.veto(id);
        _expire(m);
        gateway.cancelExpired(m, false);
        assertEq(uint256(_status(id)), uint256(IBridgeGatewayTypes.MessageStatus.Cancelled), "vetoed, then cancelled");
    }

    function test_cancelExpired_madeUpMessage_doesNotBlockGenuine_succeeds() public {
        (Message memory genuine, Transfer memory t) = _inbound(5e18);
        // Anyone can cancel an expired message they made up with the genuine one's nonce.
        Message memory fake = _copy(genuine);
        fake.recipient = makeAddr("mallory");
        fake.deadline = uint64(_now() - 1);
        gateway.cancelExpired(fake, false);
        // The genuine message is still delivered, once.
        assertTrue(_deliverMessage(t), "genuine delivered");
        assertEq(bridgedToken.balanceOf(bob), 5e18);
        assertFalse(_deliverMessage(t), "not twice");
        // And, delivered, it can no longer be cancelled.
        _expire(genuine);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBridgeGatewayTypes.BridgeMessageAlreadyProcessed.selector,
                gateway.messageId(genuine)
            )
        );
        gateway.cancelExpired(genuine, false);
    }

    function test_cancelExpired_madeUpMessage_genuineStillCancellable_succeeds() public {
        (Message memory genuine, ) = _inbound(5e18);
        Message memory fake = _copy(genuine);
        fake.amount = 1;
        _expire(genuine);
        gateway.cancelExpired(fake, false);
        gateway.cancelExpired(genuine, false);
        assertEq(uint256(_status(gateway.messageId(genuine))), uint256(IBridgeGatewayTypes.MessageStatus.Cancelled));
    }

    function test_cancelExpired_refundOnL1_notSender_reverts() public {
        (Message memory m, ) = _inbound(5e18);
        _expire(m);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeOnlySender.selector, m.sender));
        gateway.cancelExpired(m, true);
    }

    function test_cancelExpired_refundOnL1_bySender_succeeds() public {
        (Message memory m, ) = _inbound(5e18);
        _expire(m);
        vm.prank(m.sender);
        gateway.cancelExpired(m, true);
        assertEq(messenger.lastData(), abi.encodeCall(IEscapeHatch.onMessageCancelled, (m, true)));
    }

    function test_cancelExpired_wrongDestination_reverts() public {
        (Message memory m, ) = _inbound(5e18);
        m.destGateway = makeAddr("elsewhere");
        _expire(m);
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeWrongDestination.selector, m.destChainId, m.destGateway)
        );
        gateway.cancelExpired(m, false);
    }

    function test_cancelExpired_whilePaused_succeeds() public {
        (Message memory m, ) = _inbound(5e18);
        vm.prank(pauser);
        gateway.pause();
        _expire(m);
        gateway.cancelExpired(m, false);
        assertEq(messenger.sent(), 1, "users leave even while paused");
    }

    /// @dev The race the escape hatch must win: whatever the times at which a relayer delivers
    ///      and a user cancels, and in whichever order they land, at most one of them succeeds,
    ///      and the recipient is paid at most once.
    function testFuzz_cancelExpired_raceWithDelivery_atMostOne_succeeds(
        uint32 deliverOffset,
        uint32 cancelOffset,
        bool cancelFirst
    ) public {
        (Message memory m, Transfer memory t) = _inbound(5e18);
        uint256 start = _now();
        uint256 deliverAt = start + bound(deliverOffset, 0, 2 days);
        uint256 cancelAt = start + bound(cancelOffset, 0, 2 days);
        bool delivered;
        bool cancelled;
        if (cancelFirst) {
            vm.warp(cancelAt);
            cancelled = _tryCancel(m);
            vm.warp(deliverAt);
            delivered = _deliverMessage(t);
        } else {
            vm.warp(deliverAt);
            delivered = _deliverMessage(t);
            vm.warp(cancelAt);
            cancelled = _tryCancel(m);
        }
        assertFalse(delivered && cancelled, "delivered and cancelled");
        assertEq(bridgedToken.balanceOf(bob), delivered ? 5e18 : 0, "paid at most once");
        if (cancelled) assertEq(messenger.sent(), 1, "one refund request");
        // Whichever lost is refused for good, at any later time.
        vm.warp(start);
        if (cancelled) assertFalse(_deliverMessage(t), "cancelled stays undeliverable");
        vm.warp(start + 3 days);
        if (delivered) assertFalse(_tryCancel(m), "delivered stays uncancellable");
    }

    /// @dev A copy (assigning a memory struct only copies the reference).
    function _copy(Message memory m) internal pure returns (Message memory) {
        return abi.decode(abi.encode(m), (Message));
    }

    function _tryCancel(Message memory m) internal returns (bool ok) {
        try gateway.cancelExpired(m, false) {
            ok = true;
        } catch {
            ok = false;
        }
    }
}

contract BridgeGateway_refund_Test is EscapeFixture {
    /// @dev Registers `token` as a home token and has alice send 4 of it to the remote chain.
    function _sendCanonical(CanonicalToken token) internal returns (Message memory) {
        vm.startPrank(governor);
        _configureToken(address(token), address(token));
        vm.stopPrank();
        token.mint(alice, 4e18);
        vm.startPrank(alice);
        token.approve(address(gateway), 4e18);
        vm.recordLogs();
        gateway.send(address(token), REMOTE_CHAIN, bob, 4e18, 0, 0);
        vm.stopPrank();
        return _sentMessage();
    }

    function test_refund_homeToken_unlocksToSender_succeeds() public {
        Message memory m = _sendHome(7e18);
        bytes32 id = gateway.messageId(m);
        assertEq(gateway.lockedBalance(address(homeToken)), 7e18);
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.MessageRefunded(id, alice, 7e18, false);
        messenger.relay(escapeHatch, address(gateway), _refundCall(m, false));
        assertEq(homeToken.balanceOf(alice), 7e18, "refunded");
        assertEq(gateway.lockedBalance(address(homeToken)), 0, "unlocked");
        assertTrue(gateway.isRefunded(m.nonce));
    }

    function test_refund_bridgedToken_remintsToSender_succeeds() public {
        _mintBridged(alice, 3e18);
        vm.startPrank(alice);
        vm.recordLogs();
        gateway.send(address(bridgedToken), REMOTE_CHAIN, bob, 3e18, 0, 0);
        vm.stopPrank();
        Message memory m = _sentMessage();
        assertEq(bridgedToken.balanceOf(alice), 0, "burnt on send");
        messenger.relay(escapeHatch, address(gateway), _refundCall(m, false));
        assertEq(bridgedToken.balanceOf(alice), 3e18, "re-minted");
    }

    function test_refund_twice_reverts() public {
        Message memory m = _sendHome(7e18);
        messenger.relay(escapeHatch, address(gateway), _refundCall(m, false));
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeAlreadyRefunded.selector, gateway.messageId(m))
        );
        messenger.relay(escapeHatch, address(gateway), _refundCall(m, false));
    }

    function test_refund_notFromEscapeHatch_reverts() public {
        Message memory m = _sendHome(7e18);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeNotEscapeHatch.selector, address(messenger)));
        messenger.relay(makeAddr("someoneOnL1"), address(gateway), _refundCall(m, false));
    }

    function test_refund_directCall_reverts() public {
        Message memory m = _sendHome(7e18);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeNotEscapeHatch.selector, alice));
        vm.prank(alice);
        gateway.refund(m, false);
    }

    function test_refund_neverSent_reverts() public {
        Message memory m = _sendHome(7e18);
        m.amount = 8e18; // a cancelled forgery naming this gateway as its source
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownMessage.selector, gateway.messageId(m))
        );
        messenger.relay(escapeHatch, address(gateway), _refundCall(m, false));
        assertEq(gateway.lockedBalance(address(homeToken)), 7e18, "nothing unlocked");
    }

    function test_refund_whilePaused_succeeds() public {
        Message memory m = _sendHome(7e18);
        vm.prank(pauser);
        gateway.pause();
        messenger.relay(escapeHatch, address(gateway), _refundCall(m, false));
        assertEq(homeToken.balanceOf(alice), 7e18);
    }

    function test_refund_onL1_nonCanonicalToken_refundsOnL2_succeeds() public {
        Message memory m = _sendHome(7e18);
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.MessageRefunded(gateway.messageId(m), alice, 7e18, false);
        messenger.relay(escapeHatch, address(gateway), _refundCall(m, true));
        assertEq(homeToken.balanceOf(alice), 7e18, "refunded here: the token has no L1 origin");
    }

    function test_refund_onL1_canonicalToken_withdrawsToL1_succeeds() public {
        CanonicalToken token = new CanonicalToken(address(tokenBridge));
        Message memory m = _sendCanonical(token);

        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.MessageRefunded(gateway.messageId(m), alice, 4e18, true);
        messenger.relay(escapeHatch, address(gateway), _refundCall(m, true));
        assertEq(token.balanceOf(address(gateway)), 0, "burnt by the canonical bridge");
        assertEq(token.balanceOf(alice), 0, "not paid on L2");
        assertEq(tokenBridge.lastTo(), alice, "withdrawn to the sender's L1 address");
        assertEq(tokenBridge.lastAmount(), 4e18);
        assertEq(tokenBridge.lastGasLimit(), gateway.L1_WITHDRAWAL_GAS_LIMIT());
        assertEq(gateway.lockedBalance(address(token)), 0);
    }

    function test_refund_onL1_otherBridgesToken_refundsOnL2_succeeds() public {
        // An OptimismMintableERC20 that another bridge mints: the standard bridge could not burn it.
        CanonicalToken token = new CanonicalToken(makeAddr("otherBridge"));
        Message memory m = _sendCanonical(token);

        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.MessageRefunded(gateway.messageId(m), alice, 4e18, false);
        messenger.relay(escapeHatch, address(gateway), _refundCall(m, true));
        assertEq(token.balanceOf(alice), 4e18, "paid on L2");
        assertEq(tokenBridge.lastAmount(), 0, "nothing withdrawn");
    }
}
