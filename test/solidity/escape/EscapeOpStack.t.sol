// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {OpStackFixture} from "./OpStackFixture.sol";
import {Vm} from "../utils/Vm.sol";
import {
    IOpL1CrossDomainMessenger,
    IOpL1StandardBridge,
    IOpL2CrossDomainMessenger,
    IOpMintableERC20Factory,
    IOpOptimismPortal,
    OpPredeploys,
    OutputRootProof,
    WithdrawalTransaction
} from "../utils/OpStack.sol";
import {EscapeHatch} from "../../../contracts/escape/EscapeHatch.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {ICrossDomainMessenger} from "../../../contracts/interfaces/ICanonicalMessaging.sol";
import {IEscapeHatch} from "../../../contracts/interfaces/IEscapeHatch.sol";

/// @notice The escape hatch on the real OP Stack contracts (`OpStackFixture`): two
///         `BridgeGateway`s (L2 "A" = 901 and "B" = 902) wired to the `L2CrossDomainMessenger` and
///         `L2StandardBridge` predeploys, an `EscapeHatch` registered with each rollup's
///         `L1CrossDomainMessenger`. Alice's L1 dollars reach A through the standard bridges as
///         ALPHA (an `OptimismMintableERC20` from the factory), go A → B and are never delivered;
///         after the deadline she cancels on B, the cancellation is proven and finalised on B's
///         `OptimismPortal`, the hatch sends the refund to A as a deposit, and she is paid — on A,
///         or on L1 through A's standard bridges. Forged and replayed messages are refused by the
///         OP contracts or by the hatch behind them.
contract EscapeOpStack_Test is OpStackFixture {
    uint64 internal constant A = 901;
    uint64 internal constant B = 902;
    uint256 internal constant AMOUNT = 25e18;

    Rollup internal rollupA;
    Rollup internal rollupB;
    IBridgeGateway internal gatewayA;
    IBridgeGateway internal gatewayB;
    EscapeHatch internal hatch;
    TestToken internal l1Token;
    IERC20 internal alpha;
    address internal governor;
    address internal alice;

    function setUp() public {
        vm.warp(1_700_000_000);
        governor = makeAddr("governor");
        alice = makeAddr("alice");
        _deploySuperchain();
        rollupA = _deployRollup();
        rollupB = _deployRollup();
        _installPredeploys(rollupA);

        l1Token = _deployTestToken("Alpha", "ALPHA", 18);
        alpha = IERC20(
            IOpMintableERC20Factory(OpPredeploys.OPTIMISM_MINTABLE_ERC20_FACTORY).createOptimismMintableERC20(
                address(l1Token),
                "Alpha",
                "ALPHA"
            )
        );

        address[] memory guardians = new address[](1);
        guardians[0] = makeAddr("guardian");
        _onL2(A, rollupA);
        gatewayA = _deployGateway(governor, guardians, 1, 1 hours);
        _onL2(B, rollupB);
        gatewayB = _deployGateway(governor, guardians, 1, 1 hours);

        uint64[] memory chainIds = new uint64[](2);
        (chainIds[0], chainIds[1]) = (A, B);
        address[] memory messengers = new address[](2);
        (messengers[0], messengers[1]) = (rollupA.l1Messenger, rollupB.l1Messenger);
        address[] memory gateways = new address[](2);
        (gateways[0], gateways[1]) = (address(gatewayA), address(gatewayB));
        hatch = EscapeHatch(
            deployCode("contracts/escape/EscapeHatch.sol:EscapeHatch", abi.encode(chainIds, messengers, gateways))
        );

        _onL2(A, rollupA);
        vm.startPrank(governor);
        gatewayA.setRoute(B, address(gatewayB), true);
        gatewayA.registerToken(A, address(alpha), address(alpha));
        gatewayA.setFastLimit(A, address(alpha), type(uint96).max);
        gatewayA.setRateLimit(A, address(alpha), IBridgeGatewayTypes.Direction.Outbound, type(uint96).max, 0);
        gatewayA.setRateLimit(A, address(alpha), IBridgeGatewayTypes.Direction.Inbound, type(uint96).max, 0);
        gatewayA.initializeEscape(
            OpPredeploys.L2_CROSS_DOMAIN_MESSENGER,
            address(hatch),
            OpPredeploys.L2_STANDARD_BRIDGE
        );
        _onL2(B, rollupB);
        gatewayB.setRoute(A, address(gatewayA), true);
        gatewayB.initializeEscape(
            OpPredeploys.L2_CROSS_DOMAIN_MESSENGER,
            address(hatch),
            OpPredeploys.L2_STANDARD_BRIDGE
        );
        vm.stopPrank();

        // Alice's L1 tokens reach A through the standard bridges: a deposit, executed on A.
        l1Token.mint(alice, AMOUNT);
        vm.startPrank(alice);
        l1Token.approve(rollupA.l1Bridge, AMOUNT);
        vm.recordLogs();
        IOpL1StandardBridge(rollupA.l1Bridge).depositERC20To(
            address(l1Token),
            address(alpha),
            alice,
            AMOUNT,
            200_000,
            ""
        );
        vm.stopPrank();
        Deposit[] memory deposits = _deposits(vm.getRecordedLogs(), rollupA.portal);
        assertEq(deposits.length, 1, "one deposit");
        assertEq(deposits[0].from, _alias(rollupA.l1Messenger), "from the aliased L1 messenger");
        _onL2(A, rollupA);
        assertTrue(_execute(deposits[0]), "deposit executed");
        assertEq(alpha.balanceOf(alice), AMOUNT, "ALPHA on A");
    }

    /// @dev Alice sends everything A → B; nobody delivers it; its deadline passes.
    function _sendAndExpire() internal returns (Message memory message) {
        _onL2(A, rollupA);
        vm.startPrank(alice);
        alpha.approve(address(gatewayA), AMOUNT);
        vm.recordLogs();
        gatewayA.send(address(alpha), B, alice, AMOUNT, 0, 0);
        vm.stopPrank();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == address(gatewayA) && logs[i].topics[0] == IBridgeGatewayTypes.MessageSent.selector) {
                (message, , ) = abi.decode(logs[i].data, (Message, uint256, uint256));
            }
        }
        assertEq(alpha.balanceOf(address(gatewayA)), AMOUNT, "locked on A");
        vm.warp(message.deadline + 1);
    }

    /// @dev Alice cancels on B; returns the L2→L1 message the L2 messenger passed.
    function _cancel(Message memory message, bool refundOnL1) internal returns (WithdrawalTransaction memory w) {
        _onL2(B, rollupB);
        vm.recordLogs();
        vm.prank(alice);
        gatewayB.cancelExpired(message, refundOnL1);
        w = _withdrawal(vm.getRecordedLogs());
        assertEq(w.sender, OpPredeploys.L2_CROSS_DOMAIN_MESSENGER, "sent by the L2 messenger");
        assertEq(w.target, rollupB.l1Messenger, "to B's L1 messenger");
    }

    /// @dev Finalises `w` on B's portal and returns the deposits it caused on A's portal.
    function _finalizeOnB(WithdrawalTransaction memory w) internal returns (Deposit[] memory) {
        vm.recordLogs();
        IOpOptimismPortal(rollupB.portal).finalizeWithdrawalTransaction(w);
        return _deposits(vm.getRecordedLogs(), rollupA.portal);
    }

    function test_escape_refundOnSource_succeeds() public {
        Message memory message = _sendAndExpire();
        WithdrawalTransaction memory w = _cancel(message, false);
        (uint256 index, OutputRootProof memory output, bytes[] memory proof) = _propose(rollupB, w);
        IOpOptimismPortal(rollupB.portal).proveWithdrawalTransaction(w, index, output, proof);

        // Proven, but inside the finalization window.
        vm.expectRevert("OptimismPortal: proven withdrawal finalization period has not elapsed");
        IOpOptimismPortal(rollupB.portal).finalizeWithdrawalTransaction(w);

        vm.warp(_now() + WINDOW + 1);
        Deposit[] memory deposits = _finalizeOnB(w);
        assertTrue(IOpL1CrossDomainMessenger(rollupB.l1Messenger).successfulMessages(keccak256(w.data)), "relayed");
        assertEq(deposits.length, 1, "the refund, deposited to A");
        assertEq(deposits[0].from, _alias(rollupA.l1Messenger), "from A's L1 messenger");
        assertEq(deposits[0].to, OpPredeploys.L2_CROSS_DOMAIN_MESSENGER, "to A's L2 messenger");

        _onL2(A, rollupA);
        assertTrue(_execute(deposits[0]), "deposit executed");
        assertEq(alpha.balanceOf(alice), AMOUNT, "refunded on A");
        assertEq(gatewayA.lockedBalance(address(alpha)), 0, "unlocked");
        assertTrue(gatewayA.isRefunded(message.nonce), "refunded once");

        // Replays: the withdrawal is finalised once; the deposit is relayed once.
        vm.expectRevert("OptimismPortal: withdrawal has already been finalized");
        IOpOptimismPortal(rollupB.portal).finalizeWithdrawalTransaction(w);
        assertFalse(_execute(deposits[0]), "a replayed deposit is refused by the L2 messenger");
        assertEq(alpha.balanceOf(alice), AMOUNT, "paid once");
    }

    function test_escape_refundOnL1_paysL1Tokens_succeeds() public {
        Message memory message = _sendAndExpire();
        WithdrawalTransaction memory w = _cancel(message, true);
        _proposeProveAndWait(rollupB, w);
        Deposit[] memory deposits = _finalizeOnB(w);

        // The refund withdraws through A's L2StandardBridge: burnt on A, a withdrawal to L1.
        _onL2(A, rollupA);
        vm.recordLogs();
        assertTrue(_execute(deposits[0]), "deposit executed");
        WithdrawalTransaction memory toL1 = _withdrawal(vm.getRecordedLogs());
        assertEq(alpha.totalSupply(), 0, "burnt on A");
        assertEq(alpha.balanceOf(alice), 0, "not paid on A");
        assertEq(toL1.target, rollupA.l1Messenger, "to A's L1 messenger");

        _proposeProveAndWait(rollupA, toL1);
        IOpOptimismPortal(rollupA.portal).finalizeWithdrawalTransaction(toL1);
        assertEq(l1Token.balanceOf(alice), AMOUNT, "back on L1");
        assertEq(l1Token.balanceOf(rollupA.l1Bridge), 0, "L1 bridge released it");
        assertEq(IOpL1StandardBridge(rollupA.l1Bridge).deposits(address(l1Token), address(alpha)), 0, "accounting");
    }

    /// @dev A made-up cancellation sent by alice (not B's gateway) through B's messenger: the
    ///      portal proves and finalises it, B's L1 messenger relays it, the hatch refuses it, and
    ///      the messenger records it as failed. Nothing reaches A.
    function test_forged_wrongSender_refusedByHatch() public {
        Message memory message = _sendAndExpire();
        _onL2(B, rollupB);
        vm.recordLogs();
        vm.prank(alice);
        ICrossDomainMessenger(OpPredeploys.L2_CROSS_DOMAIN_MESSENGER).sendMessage(
            address(hatch),
            abi.encodeCall(IEscapeHatch.onMessageCancelled, (message, false)),
            1_500_000
        );
        WithdrawalTransaction memory w = _withdrawal(vm.getRecordedLogs());
        _proposeProveAndWait(rollupB, w);
        Deposit[] memory deposits = _finalizeOnB(w);
        assertTrue(IOpL1CrossDomainMessenger(rollupB.l1Messenger).failedMessages(keccak256(w.data)), "refused");
        assertEq(deposits.length, 0, "no refund");
        assertEq(alpha.balanceOf(address(gatewayA)), AMOUNT, "still locked on A");
    }

    /// @dev A withdrawal the L2 never sent (its hash is not in the message passer), proven
    ///      against B's real output, and a real one with a proof against the wrong root.
    function test_forged_wrongProof_reverts() public {
        Message memory message = _sendAndExpire();
        WithdrawalTransaction memory w = _cancel(message, false);
        (uint256 index, OutputRootProof memory output, bytes[] memory proof) = _propose(rollupB, w);

        WithdrawalTransaction memory forged = w;
        forged.data = abi.encodePacked(w.data, bytes1(0));
        // Its storage slot is not in the trie: OP's MerkleTrie refuses the proof's path.
        vm.expectRevert("MerkleTrie: path remainder must share all nibbles with key");
        IOpOptimismPortal(rollupB.portal).proveWithdrawalTransaction(forged, index, output, proof);

        OutputRootProof memory wrongRoot = output;
        wrongRoot.stateRoot = keccak256("another state");
        vm.expectRevert("OptimismPortal: invalid output root proof");
        IOpOptimismPortal(rollupB.portal).proveWithdrawalTransaction(w, index, wrongRoot, proof);

        // Proven on the other rollup's portal: no such output there.
        vm.expectRevert();
        IOpOptimismPortal(rollupA.portal).proveWithdrawalTransaction(w, index + 5, output, proof);
    }

    /// @dev Finalising before proving, and before the output's window: refused.
    function test_forged_beforeWindow_reverts() public {
        Message memory message = _sendAndExpire();
        WithdrawalTransaction memory w = _cancel(message, false);
        vm.expectRevert("OptimismPortal: withdrawal has not been proven yet");
        IOpOptimismPortal(rollupB.portal).finalizeWithdrawalTransaction(w);
        (uint256 index, OutputRootProof memory output, bytes[] memory proof) = _propose(rollupB, w);
        IOpOptimismPortal(rollupB.portal).proveWithdrawalTransaction(w, index, output, proof);
        vm.warp(_now() + WINDOW - 10);
        vm.expectRevert("OptimismPortal: proven withdrawal finalization period has not elapsed");
        IOpOptimismPortal(rollupB.portal).finalizeWithdrawalTransaction(w);
    }

    /// @dev A refund deposit replayed by someone on A directly (not through the L2 messenger's
    ///      relay from L1) is refused by the gateway.
    function test_refund_notThroughMessenger_reverts() public {
        Message memory message = _sendAndExpire();
        _onL2(A, rollupA);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeNotEscapeHatch.selector, alice));
        vm.prank(alice);
        gatewayA.refund(message, false);
        assertFalse(
            IOpL2CrossDomainMessenger(OpPredeploys.L2_CROSS_DOMAIN_MESSENGER).successfulMessages(bytes32(0)),
            "nothing relayed"
        );
    }
}
