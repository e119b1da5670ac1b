// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RollupFixture} from "./RollupFixture.sol";
import {SimL2Messenger} from "../../../contracts/rollup/SimL2Messenger.sol";
import {SimRollupPortal} from "../../../contracts/rollup/SimRollupPortal.sol";
import {L1TokenBridge} from "../../../contracts/rollup/L1TokenBridge.sol";
import {L2TokenBridge} from "../../../contracts/rollup/L2TokenBridge.sol";
import {CanonicalL2Token} from "../../../contracts/rollup/CanonicalL2Token.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {
    ICanonicalL2Token,
    IL1TokenBridge,
    IL2TokenBridge,
    ISimL2Messenger,
    ITokenBridgeCommon,
    ISimRollupPortal,
    Withdrawal
} from "../../../contracts/rollup/ISimRollup.sol";

/// @dev Both layers on one test chain: the test plays the sequencer (relaying the portal's
///      deposits to the messenger) and the proposer.
abstract contract TokenBridgeFixture is RollupFixture {
    SimL2Messenger internal messenger;
    SimRollupPortal internal portal;
    L1TokenBridge internal l1Bridge;
    L2TokenBridge internal l2Bridge;
    TestToken internal l1Token;
    CanonicalL2Token internal l2Token;
    address internal sequencer;
    address internal deployer;
    address internal alice;
    address internal bob;

    function setUp() public virtual {
        sequencer = makeAddr("sequencer");
        deployer = makeAddr("deployer");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        messenger = _deployMessenger(sequencer);
        portal = _deployPortal(L2_CHAIN_ID, makeAddr("proposer"), WINDOW);
        vm.startPrank(deployer);
        l1Bridge = _deployL1Bridge(address(portal));
        l2Bridge = _deployL2Bridge(address(messenger));
        l1Bridge.initialize(address(l2Bridge));
        l2Bridge.initialize(address(l1Bridge));
        vm.stopPrank();
        l1Token = _deployTestToken("USD", "USD", 6);
        l2Token = _deployL2Token(address(l2Bridge), address(l1Token));
        l1Token.mint(alice, 1_000e6);
        vm.prank(alice);
        l1Token.approve(address(l1Bridge), type(uint256).max);
        vm.warp(1_000_000);
    }

    function _depositData(
        address token2,
        address from,
        address to,
        uint256 amount
    ) internal view returns (bytes memory) {
        return abi.encodeCall(IL2TokenBridge.finalizeDeposit, (address(l1Token), token2, from, to, amount));
    }

    /// @dev Alice deposits `amount` for `to` and the sequencer relays it.
    function _deposit(address token2, address to, uint256 amount) internal {
        uint256 nonce = portal.depositCount();
        vm.prank(alice);
        l1Bridge.depositTo(address(l1Token), token2, to, amount);
        vm.prank(sequencer);
        messenger.relayFromL1(nonce, address(l1Bridge), address(l2Bridge), _depositData(token2, alice, to, amount));
    }

    function _withdrawalData(address from, address to, uint256 amount) internal view returns (bytes memory) {
        return
            abi.encodeCall(IL1TokenBridge.finalizeWithdrawal, (address(l1Token), address(l2Token), from, to, amount));
    }

    /// @dev Proposes every withdrawal, waits out the window and relays withdrawal `nonce`.
    function _proveAndRelay(uint256 nonce, bytes memory data) internal {
        uint256 index = _proposeAll(messenger, portal);
        vm.warp(_now() + WINDOW);
        Withdrawal memory w = _withdrawal(nonce, address(l2Bridge), address(l1Bridge), data);
        portal.relayMessage(w, index, _proof(messenger, nonce));
    }
}

contract TokenBridge_initialize_Test is TokenBridgeFixture {
    function test_initialize_links_succeeds() public view {
        assertEq(l1Bridge.remoteBridge(), address(l2Bridge), "l1 -> l2");
        assertEq(l2Bridge.remoteBridge(), address(l1Bridge), "l2 -> l1");
        assertEq(l1Bridge.INITIALIZER(), deployer, "initializer");
        assertEq(l1Bridge.PORTAL(), address(portal), "portal");
        assertEq(l2Bridge.MESSENGER(), address(messenger), "messenger");
    }

    function test_initialize_twice_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITokenBridgeCommon.TokenBridgeInitializeRefused.selector, deployer));
        vm.prank(deployer);
        l1Bridge.initialize(alice);
        vm.expectRevert(abi.encodeWithSelector(ITokenBridgeCommon.TokenBridgeInitializeRefused.selector, deployer));
        vm.prank(deployer);
        l2Bridge.initialize(alice);
    }

    function test_initialize_notDeployer_reverts() public {
        vm.prank(deployer);
        L1TokenBridge fresh = _deployL1Bridge(address(portal));
        vm.expectRevert(abi.encodeWithSelector(ITokenBridgeCommon.TokenBridgeInitializeRefused.selector, alice));
        vm.prank(alice);
        fresh.initialize(alice);
    }

    function test_depositTo_beforeInitialize_reverts() public {
        L1TokenBridge fresh = _deployL1Bridge(address(portal));
        vm.expectRevert(ITokenBridgeCommon.TokenBridgeNotInitialized.selector);
        vm.prank(alice);
        fresh.depositTo(address(l1Token), address(l2Token), alice, 1);
    }
}

contract TokenBridge_deposit_Test is TokenBridgeFixture {
    function test_depositTo_locksAndMints_succeeds() public {
        vm.expectEmit(true, true, true, true, address(portal));
        emit ISimRollupPortal.DepositQueued(
            0,
            address(l1Bridge),
            address(l2Bridge),
            _depositData(address(l2Token), alice, bob, 40e6)
        );
        _deposit(address(l2Token), bob, 40e6);
        assertEq(l1Token.balanceOf(address(l1Bridge)), 40e6, "locked on L1");
        assertEq(l1Token.balanceOf(alice), 960e6, "paid by alice");
        assertEq(l1Bridge.deposits(address(l1Token), address(l2Token)), 40e6, "tracked per pair");
        assertEq(l2Token.balanceOf(bob), 40e6, "minted on L2");
        assertEq(l2Token.totalSupply(), 40e6, "supply");
    }

    function test_depositTo_feeOnTransfer_reverts() public {
        address fee = address(_deployFeeToken());
        (bool ok, ) = fee.call(abi.encodeWithSignature("mint(address,uint256)", alice, 100));
        assertTrue(ok, "mint");
        vm.prank(alice);
        (ok, ) = fee.call(abi.encodeWithSignature("approve(address,uint256)", address(l1Bridge), 100));
        assertTrue(ok, "approve");
        vm.expectRevert(abi.encodeWithSelector(IL1TokenBridge.TokenBridgeFeeOnTransfer.selector, fee, 100, 99));
        vm.prank(alice);
        l1Bridge.depositTo(fee, address(l2Token), alice, 100);
    }

    function test_depositTo_zeroAmountOrRecipient_reverts() public {
        vm.startPrank(alice);
        vm.expectRevert(ITokenBridgeCommon.TokenBridgeInvalidTransfer.selector);
        l1Bridge.depositTo(address(l1Token), address(l2Token), alice, 0);
        vm.expectRevert(ITokenBridgeCommon.TokenBridgeInvalidTransfer.selector);
        l1Bridge.depositTo(address(l1Token), address(l2Token), address(0), 1);
        vm.stopPrank();
    }

    function test_finalizeDeposit_unknownPair_bouncesToL1_succeeds() public {
        address notCanonical = address(_deployTestToken("X", "X", 6));
        vm.prank(alice);
        l1Bridge.depositTo(address(l1Token), notCanonical, bob, 5e6);
        vm.expectEmit(true, true, true, true, address(l2Bridge));
        emit IL2TokenBridge.DepositBounced(address(l1Token), notCanonical, alice, bob, 5e6);
        vm.prank(sequencer);
        messenger.relayFromL1(0, address(l1Bridge), address(l2Bridge), _depositData(notCanonical, alice, bob, 5e6));
        assertEq(messenger.withdrawalCount(), 1, "bounce sent to L1");
        // The bounce releases the deposit back to alice on L1.
        bytes memory data = abi.encodeCall(
            IL1TokenBridge.finalizeWithdrawal,
            (address(l1Token), notCanonical, bob, alice, 5e6)
        );
        _proveAndRelay(0, data);
        assertEq(l1Token.balanceOf(alice), 1_000e6, "refunded on L1");
        assertEq(l1Bridge.deposits(address(l1Token), notCanonical), 0, "pair drained");
    }

    function test_finalizeDeposit_notMessenger_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITokenBridgeCommon.TokenBridgeUnauthorized.selector, alice));
        vm.prank(alice);
        l2Bridge.finalizeDeposit(address(l1Token), address(l2Token), alice, alice, 1);
    }

    function test_finalizeDeposit_wrongL1Sender_recordedAsFailed_succeeds() public {
        // A deposit to the L2 bridge from any L1 address but the L1 bridge is refused on L2.
        bytes memory data = _depositData(address(l2Token), alice, alice, 1e6);
        vm.prank(alice);
        portal.sendToL2(address(l2Bridge), data);
        vm.prank(sequencer);
        messenger.relayFromL1(0, alice, address(l2Bridge), data);
        assertTrue(messenger.failedDeposits(messenger.depositHash(0, alice, address(l2Bridge), data)), "failed");
        assertEq(l2Token.totalSupply(), 0, "nothing minted");
    }
}

contract TokenBridge_withdraw_Test is TokenBridgeFixture {
    function test_withdrawTo_burnsAndReleasesOnL1_succeeds() public {
        _deposit(address(l2Token), bob, 40e6);
        vm.expectEmit(true, true, true, true, address(l2Bridge));
        emit IL2TokenBridge.WithdrawalInitiated(address(l1Token), address(l2Token), bob, alice, 15e6);
        vm.prank(bob);
        l2Bridge.withdrawTo(address(l2Token), alice, 15e6);
        assertEq(l2Token.balanceOf(bob), 25e6, "burned on L2");
        assertEq(messenger.withdrawalCount(), 1, "sent to L1");

        uint256 index = _proposeAll(messenger, portal);
        vm.warp(_now() + WINDOW);
        Withdrawal memory w = _withdrawal(0, address(l2Bridge), address(l1Bridge), _withdrawalData(bob, alice, 15e6));
        bytes32[] memory proof = _proof(messenger, 0);
        vm.expectEmit(true, true, true, true, address(l1Bridge));
        emit IL1TokenBridge.WithdrawalFinalized(address(l1Token), address(l2Token), bob, alice, 15e6);
        portal.relayMessage(w, index, proof);
        assertEq(l1Token.balanceOf(alice), 975e6, "released on L1");
        assertEq(l1Bridge.deposits(address(l1Token), address(l2Token)), 25e6, "still backing bob's 25");
    }

    function test_withdrawTo_notCanonical_reverts() public {
        address other = address(_deployTestToken("X", "X", 6));
        vm.expectRevert(abi.encodeWithSelector(IL2TokenBridge.TokenBridgeNotCanonical.selector, other));
        l2Bridge.withdrawTo(other, alice, 1);
        vm.expectRevert(abi.encodeWithSelector(IL2TokenBridge.TokenBridgeNotCanonical.selector, alice));
        l2Bridge.withdrawTo(alice, alice, 1);
    }

    function test_withdrawTo_moreThanBalance_reverts() public {
        _deposit(address(l2Token), bob, 1e6);
        vm.expectRevert(abi.encodeWithSignature("ERC20InsufficientBalance(address,uint256,uint256)", bob, 1e6, 2e6));
        vm.prank(bob);
        l2Bridge.withdrawTo(address(l2Token), bob, 2e6);
    }

    function test_isCanonicalToken_succeeds() public {
        assertTrue(l2Bridge.isCanonicalToken(address(l2Token)), "canonical");
        assertFalse(l2Bridge.isCanonicalToken(address(l1Token)), "plain ERC-20");
        assertFalse(l2Bridge.isCanonicalToken(alice), "EOA");
        CanonicalL2Token foreign = _deployL2Token(alice, address(l1Token));
        assertFalse(l2Bridge.isCanonicalToken(address(foreign)), "another bridge's token");
    }

    function test_finalizeWithdrawal_notPortal_reverts() public {
        _deposit(address(l2Token), bob, 1e6);
        vm.expectRevert(abi.encodeWithSelector(ITokenBridgeCommon.TokenBridgeUnauthorized.selector, alice));
        vm.prank(alice);
        l1Bridge.finalizeWithdrawal(address(l1Token), address(l2Token), bob, alice, 1e6);
    }

    function test_finalizeWithdrawal_wrongL2Sender_reverts() public {
        _deposit(address(l2Token), bob, 1e6);
        // Any L2 contract but the L2 bridge asks for a release: proven, but refused by the bridge.
        bytes memory data = _withdrawalData(bob, alice, 1e6);
        vm.prank(alice);
        messenger.sendToL1(address(l1Bridge), data);
        uint256 index = _proposeAll(messenger, portal);
        vm.warp(_now() + WINDOW);
        Withdrawal memory w = _withdrawal(0, alice, address(l1Bridge), data);
        bytes memory reason = abi.encodeWithSelector(
            ITokenBridgeCommon.TokenBridgeUnauthorized.selector,
            address(portal)
        );
        bytes32[] memory proof = _proof(messenger, 0);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalRelayFailed.selector, _hash(w), reason));
        portal.relayMessage(w, index, proof);
        assertEq(l1Token.balanceOf(address(l1Bridge)), 1e6, "nothing released");
    }

    function test_finalizeWithdrawal_morethanDepositedForPair_reverts() public {
        _deposit(address(l2Token), bob, 1e6);
        // A look-alike token claiming this bridge can only reach its own pair's deposits (none).
        CanonicalL2Token lookAlike = _deployL2Token(address(l2Bridge), address(l1Token));
        vm.prank(address(l2Bridge));
        lookAlike.mint(bob, 1e6);
        vm.prank(bob);
        l2Bridge.withdrawTo(address(lookAlike), bob, 1e6);
        uint256 index = _proposeAll(messenger, portal);
        vm.warp(_now() + WINDOW);
        bytes memory data = abi.encodeCall(
            IL1TokenBridge.finalizeWithdrawal,
            (address(l1Token), address(lookAlike), bob, bob, 1e6)
        );
        Withdrawal memory w = _withdrawal(0, address(l2Bridge), address(l1Bridge), data);
        bytes memory reason = abi.encodeWithSelector(
            IL1TokenBridge.TokenBridgeInsufficientDeposits.selector,
            address(l1Token),
            address(lookAlike),
            0,
            1e6
        );
        bytes32[] memory proof = _proof(messenger, 0);
        vm.expectRevert(abi.encodeWithSelector(ISimRollupPortal.PortalRelayFailed.selector, _hash(w), reason));
        portal.relayMessage(w, index, proof);
    }
}

contract CanonicalL2Token_Test is TokenBridgeFixture {
    function test_constructor_immutables_succeeds() public view {
        assertEq(l2Token.BRIDGE(), address(l2Bridge), "bridge");
        assertEq(l2Token.REMOTE_TOKEN(), address(l1Token), "remote");
        assertEq(l2Token.decimals(), 6, "decimals");
    }

    function test_mint_notBridge_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICanonicalL2Token.CanonicalTokenOnlyBridge.selector, alice));
        vm.prank(alice);
        l2Token.mint(alice, 1);
    }

    function test_burn_notBridge_reverts() public {
        _deposit(address(l2Token), bob, 1e6);
        vm.expectRevert(abi.encodeWithSelector(ICanonicalL2Token.CanonicalTokenOnlyBridge.selector, bob));
        vm.prank(bob);
        l2Token.burn(bob, 1e6);
    }

    function test_messengerCannotMintDirectly_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(ICanonicalL2Token.CanonicalTokenOnlyBridge.selector, address(messenger))
        );
        vm.prank(address(messenger));
        l2Token.mint(alice, 1);
    }
}
