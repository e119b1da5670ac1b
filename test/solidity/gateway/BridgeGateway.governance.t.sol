// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {BridgeFixture} from "../utils/BridgeFixture.sol";
import {BridgedToken} from "../../../contracts/token/BridgedToken.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";

abstract contract GovernanceFixture is BridgeFixture {
    function _unauthorizedGovernor(address account) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                account,
                gateway.GOVERNOR_ROLE()
            );
    }

    function _invalidRegistration(address home, address local) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IBridgeGatewayTypes.BridgeInvalidTokenRegistration.selector,
                _homeChain(home),
                home,
                local
            );
    }
}

contract BridgeGateway_constructor_Test is GovernanceFixture {
    function test_constructor_initialState_succeeds() public view {
        assertTrue(gateway.hasRole(gateway.GOVERNOR_ROLE(), governor), "governor");
        assertFalse(gateway.hasRole(bytes32(0), governor), "no default admin");
        assertEq(gateway.getRoleAdmin(gateway.PAUSER_ROLE()), gateway.GOVERNOR_ROLE(), "pauser admin");
        assertEq(gateway.getRoleAdmin(gateway.VETO_ROLE()), gateway.GOVERNOR_ROLE(), "veto admin");
        assertEq(gateway.getRoleAdmin(gateway.GOVERNOR_ROLE()), gateway.GOVERNOR_ROLE(), "governor admin");
        assertEq(gateway.largeDelay(), LARGE_DELAY, "delay");
        assertEq(gateway.guardianSetIndex(), 0, "set index");
        (address[] memory set, uint8 threshold, uint64 expiresAt) = gateway.guardianSet(0);
        assertEq(keccak256(abi.encode(set)), keccak256(abi.encode(guardians)), "set");
        assertEq(threshold, THRESHOLD, "threshold");
        assertEq(expiresAt, 0, "current set does not expire");
        IBridgeGatewayTypes.DeadlineWindows memory w = gateway.deadlineWindows();
        assertEq(w.minWindow, 60, "min");
        assertEq(w.defaultWindow, 1 days, "default");
        assertEq(w.maxWindow, 30 days, "max");
        assertFalse(gateway.paused(), "running");
        assertEq(gateway.nextNonce(), 0, "nonce");
    }

    function _expectConstructorRevert(address[] memory set, uint8 threshold) internal {
        (address deployed, bytes memory err) = tryDeployCode(
            GATEWAY_ARTIFACT,
            _gatewayArgs(governor, set, threshold, LARGE_DELAY)
        );
        assertEq(deployed, address(0), "not deployed");
        assertEq(err, abi.encodeWithSelector(IBridgeGatewayTypes.BridgeInvalidGuardianSet.selector), "error");
    }

    function test_constructor_unsortedGuardians_reverts() public {
        address[] memory set = new address[](2);
        (set[0], set[1]) = (guardians[1], guardians[0]);
        _expectConstructorRevert(set, 1);
    }

    function test_constructor_thresholdAboveSize_reverts() public {
        _expectConstructorRevert(guardians, 4);
    }

    function test_constructor_emptySet_reverts() public {
        _expectConstructorRevert(new address[](0), 1);
    }
}

contract BridgeGateway_roles_Test is GovernanceFixture {
    function test_grantRole_byGovernor_succeeds() public {
        bytes32 role = gateway.PAUSER_ROLE();
        vm.prank(governor);
        gateway.grantRole(role, alice);
        assertTrue(gateway.hasRole(role, alice), "granted");
    }

    function test_grantRole_byPauser_reverts() public {
        bytes32 role = gateway.PAUSER_ROLE();
        vm.expectRevert(_unauthorizedGovernor(pauser));
        vm.prank(pauser);
        gateway.grantRole(role, alice);
    }

    function test_revokeRole_pauserLosesPower_succeeds() public {
        bytes32 role = gateway.PAUSER_ROLE();
        vm.prank(governor);
        gateway.revokeRole(role, pauser);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, pauser, role));
        vm.prank(pauser);
        gateway.pause();
    }
}

contract BridgeGateway_setGuardianSet_Test is GovernanceFixture {
    function _set(uint256 n) internal returns (address[] memory set) {
        (, set) = _makeGuardians("next", n);
    }

    function test_setGuardianSet_rotates_succeeds() public {
        address[] memory set = _set(5);
        uint64 expiresAt = uint64(_now() + 2 days);
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.GuardianSetChanged(1, set, 3, expiresAt);
        vm.prank(governor);
        gateway.setGuardianSet(set, 3, 2 days);

        assertEq(gateway.guardianSetIndex(), 1, "index");
        (address[] memory stored, uint8 threshold, uint64 currentExpiry) = gateway.guardianSet(1);
        assertEq(keccak256(abi.encode(stored)), keccak256(abi.encode(set)), "members");
        assertEq(threshold, 3, "threshold");
        assertEq(currentExpiry, 0, "current");
        (, , uint64 previousExpiry) = gateway.guardianSet(0);
        assertEq(previousExpiry, expiresAt, "previous expires after grace");
    }

    function test_setGuardianSet_thresholdEqualsSize_succeeds() public {
        vm.prank(governor);
        gateway.setGuardianSet(_set(4), 4, 0);
        (, uint8 threshold, ) = gateway.guardianSet(1);
        assertEq(threshold, 4, "n of n");
    }

    function test_setGuardianSet_nonGovernor_reverts() public {
        address[] memory set = _set(3);
        vm.expectRevert(_unauthorizedGovernor(pauser));
        vm.prank(pauser);
        gateway.setGuardianSet(set, 2, 0);
    }

    function _expectInvalid(address[] memory set, uint8 threshold) internal {
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidGuardianSet.selector);
        vm.prank(governor);
        gateway.setGuardianSet(set, threshold, 1 days);
        assertEq(gateway.guardianSetIndex(), 0, "unchanged");
        (, , uint64 expiresAt) = gateway.guardianSet(0);
        assertEq(expiresAt, 0, "current set not expired by a failed rotation");
    }

    function test_setGuardianSet_unsorted_reverts() public {
        address[] memory set = _set(3);
        (set[0], set[2]) = (set[2], set[0]);
        _expectInvalid(set, 2);
    }

    function test_setGuardianSet_zeroAddress_reverts() public {
        address[] memory set = _set(3);
        set[0] = address(0);
        _expectInvalid(set, 2);
    }

    function test_setGuardianSet_duplicate_reverts() public {
        address[] memory set = _set(3);
        set[2] = set[1];
        _expectInvalid(set, 2);
    }

    function test_setGuardianSet_empty_reverts() public {
        _expectInvalid(new address[](0), 1);
    }

    function test_setGuardianSet_thresholdZero_reverts() public {
        _expectInvalid(_set(3), 0);
    }

    function test_setGuardianSet_thresholdAboveSize_reverts() public {
        _expectInvalid(_set(3), 4);
    }
}

contract BridgeGateway_setRoute_Test is GovernanceFixture {
    function test_setRoute_succeeds() public {
        address gw = makeAddr("otherGateway");
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.RouteSet(902, gw, true);
        vm.prank(governor);
        gateway.setRoute(902, gw, true);
        (address stored, bool enabled) = gateway.route(902);
        assertEq(stored, gw, "gateway");
        assertTrue(enabled, "enabled");
    }

    function test_setRoute_disable_succeeds() public {
        vm.prank(governor);
        gateway.setRoute(REMOTE_CHAIN, remoteGateway, false);
        (, bool enabled) = gateway.route(REMOTE_CHAIN);
        assertFalse(enabled, "disabled");
    }

    function test_setRoute_ownChain_reverts() public {
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidParameter.selector);
        vm.prank(governor);
        gateway.setRoute(localChain, remoteGateway, true);
    }

    function test_setRoute_zeroChain_reverts() public {
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidParameter.selector);
        vm.prank(governor);
        gateway.setRoute(0, remoteGateway, true);
    }

    function test_setRoute_zeroGateway_reverts() public {
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidParameter.selector);
        vm.prank(governor);
        gateway.setRoute(902, address(0), true);
    }

    function test_setRoute_nonGovernor_reverts() public {
        vm.expectRevert(_unauthorizedGovernor(alice));
        vm.prank(alice);
        gateway.setRoute(902, alice, true);
    }
}

contract BridgeGateway_registerToken_Test is GovernanceFixture {
    TestToken internal fresh;

    function setUp() public override {
        super.setUp();
        fresh = _deployTestToken("Fresh", "FRESH", 6);
    }

    function _register(address home, address local) internal {
        vm.prank(governor);
        gateway.registerToken(_homeChain(home), home, local);
    }

    function _expectInvalid(address home, address local) internal {
        vm.expectRevert(_invalidRegistration(home, local));
        vm.prank(governor);
        gateway.registerToken(_homeChain(home), home, local);
    }

    function test_registerToken_homeToken_succeeds() public {
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.TokenRegistered(localChain, address(fresh), address(fresh), true, 6);
        _register(address(fresh), address(fresh));
        IBridgeGatewayTypes.LocalToken memory local = gateway.localToken(address(fresh));
        assertEq(local.homeToken, address(fresh), "identity");
        assertTrue(local.isHome, "home");
        IBridgeGatewayTypes.InboundToken memory inbound = gateway.inboundToken(
            _homeChain(address(fresh)),
            address(fresh)
        );
        assertEq(inbound.local, address(fresh), "paid out as itself");
        assertTrue(inbound.isHome, "inbound home");
        assertEq(inbound.fastLimit, 0, "no fast limit until set");
    }

    function test_registerToken_bridgedToken_succeeds() public {
        address identity = makeAddr("identity");
        BridgedToken copy = _deployBridgedToken("Copy", "CPY", 6, address(gateway), identity, REMOTE_CHAIN);
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.TokenRegistered(REMOTE_CHAIN, identity, address(copy), false, 6);
        _register(identity, address(copy));
        assertFalse(gateway.localToken(address(copy)).isHome, "bridged");
        assertEq(gateway.inboundToken(_homeChain(identity), identity).local, address(copy), "minted as the copy");
    }

    function test_registerToken_bridgedCopyAtHomeAddress_succeeds() public {
        // Same deployer and nonce on two chains: the copy can sit at the home token's address.
        // It is still a bridged token (mint/burn), never a home token (lock/unlock).
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        BridgedToken copy = _deployBridgedToken("Copy", "CPY", 18, address(gateway), predicted, REMOTE_CHAIN);
        assertEq(address(copy), predicted, "deployed at its own identity");
        // Registered under its identity's chain (the test's `_homeChain` would see code here).
        vm.prank(governor);
        gateway.registerToken(REMOTE_CHAIN, predicted, predicted);
        assertFalse(gateway.localToken(predicted).isHome, "bridged despite equal addresses");
        assertFalse(gateway.inboundToken(REMOTE_CHAIN, predicted).isHome, "inbound: mint");
    }

    function test_registerToken_again_keepsFastLimit_succeeds() public {
        _register(address(fresh), address(fresh));
        vm.prank(governor);
        gateway.setFastLimit(_homeChain(address(fresh)), address(fresh), 5e6);
        _register(address(fresh), address(fresh));
        assertEq(gateway.inboundToken(_homeChain(address(fresh)), address(fresh)).fastLimit, 5e6, "idempotent");
    }

    function test_registerToken_nonGovernor_reverts() public {
        vm.expectRevert(_unauthorizedGovernor(alice));
        vm.prank(alice);
        gateway.registerToken(_homeChain(address(fresh)), address(fresh), address(fresh));
    }

    function test_registerToken_zeroHome_reverts() public {
        _expectInvalid(address(0), address(fresh));
    }

    function test_registerToken_homeWithoutCode_reverts() public {
        address eoa = makeAddr("eoaToken");
        _expectInvalid(eoa, eoa);
    }

    function test_registerToken_localWithoutCode_reverts() public {
        _expectInvalid(address(fresh), makeAddr("eoaLocal"));
    }

    function test_registerToken_plainTokenForOtherIdentity_reverts() public {
        // Not a bridged copy of ours, and not the home token itself.
        _expectInvalid(makeAddr("identity"), address(fresh));
    }

    function test_registerToken_bridgedOfOtherGateway_reverts() public {
        address identity = makeAddr("identity");
        BridgedToken copy = _deployBridgedToken("Copy", "CPY", 6, makeAddr("otherGateway"), identity, REMOTE_CHAIN);
        _expectInvalid(identity, address(copy));
    }

    function test_registerToken_bridgedOfOtherIdentity_reverts() public {
        BridgedToken copy = _deployBridgedToken("Copy", "CPY", 6, address(gateway), makeAddr("x"), REMOTE_CHAIN);
        _expectInvalid(makeAddr("y"), address(copy));
    }

    function test_registerToken_identityAlreadyBound_reverts() public {
        // remoteHomeToken already pays out as bridgedToken: a second copy cannot take over.
        BridgedToken second = _deployBridgedToken("Two", "TWO", 18, address(gateway), remoteHomeToken, REMOTE_CHAIN);
        _expectInvalid(remoteHomeToken, address(second));
    }

    function test_registerToken_localAlreadyBound_reverts() public {
        // homeToken is registered as itself: it cannot also stand for another identity (it is
        // not our bridged copy of it either, so the check fails on the kind first).
        _expectInvalid(makeAddr("identity"), address(homeToken));
    }
}

contract BridgeGateway_setFastLimit_Test is GovernanceFixture {
    function test_setFastLimit_succeeds() public {
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.FastLimitSet(localChain, address(homeToken), 42);
        vm.prank(governor);
        gateway.setFastLimit(_homeChain(address(homeToken)), address(homeToken), 42);
        assertEq(gateway.inboundToken(_homeChain(address(homeToken)), address(homeToken)).fastLimit, 42, "stored");
    }

    function test_setFastLimit_clampsTo80Bits_succeeds() public {
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.FastLimitSet(localChain, address(homeToken), type(uint80).max);
        vm.prank(governor);
        gateway.setFastLimit(_homeChain(address(homeToken)), address(homeToken), type(uint96).max);
        assertEq(
            gateway.inboundToken(_homeChain(address(homeToken)), address(homeToken)).fastLimit,
            type(uint80).max,
            "clamped"
        );
        assertEq(
            gateway.inboundToken(_homeChain(address(homeToken)), address(homeToken)).local,
            address(homeToken),
            "slot neighbours intact"
        );
        assertTrue(gateway.inboundToken(_homeChain(address(homeToken)), address(homeToken)).isHome, "flag intact");
    }

    function test_setFastLimit_unknownToken_reverts() public {
        address unknown = makeAddr("unknown");
        vm.expectRevert(
            abi.encodeWithSelector(
                IBridgeGatewayTypes.BridgeUnknownTokenIdentity.selector,
                _homeChain(unknown),
                unknown
            )
        );
        vm.prank(governor);
        gateway.setFastLimit(_homeChain(unknown), unknown, 1);
    }

    function test_setFastLimit_nonGovernor_reverts() public {
        vm.expectRevert(_unauthorizedGovernor(vetoer));
        vm.prank(vetoer);
        gateway.setFastLimit(_homeChain(address(homeToken)), address(homeToken), 1);
    }
}

contract BridgeGateway_setRateLimit_Test is GovernanceFixture {
    function test_setRateLimit_emitsRateLimitSet_succeeds() public {
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.RateLimitSet(
            localChain,
            address(homeToken),
            IBridgeGatewayTypes.Direction.Inbound,
            100,
            1
        );
        _setInbound(100, 1);
    }

    function test_setRateLimit_startsFull_succeeds() public {
        _setInbound(100, 1);
        assertEq(_available(IBridgeGatewayTypes.Direction.Inbound), 100, "full");
        assertEq(_available(IBridgeGatewayTypes.Direction.Outbound), type(uint256).max, "other direction untouched");
    }

    function _setInbound(uint96 capacity, uint96 refill) internal {
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(address(homeToken)),
            address(homeToken),
            IBridgeGatewayTypes.Direction.Inbound,
            capacity,
            refill
        );
    }

    function _available(IBridgeGatewayTypes.Direction direction) internal view returns (uint256) {
        return gateway.availableRateLimit(_homeChain(address(homeToken)), address(homeToken), direction);
    }

    function test_setRateLimit_resetsLevelToFull_succeeds() public {
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(remoteHomeToken),
            remoteHomeToken,
            IBridgeGatewayTypes.Direction.Inbound,
            100e18,
            1e18
        );
        _deliver(_transfer(remoteHomeToken, 60e18));
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(remoteHomeToken),
            remoteHomeToken,
            IBridgeGatewayTypes.Direction.Inbound,
            100e18,
            1e18
        );
        assertEq(
            gateway.availableRateLimit(
                _homeChain(remoteHomeToken),
                remoteHomeToken,
                IBridgeGatewayTypes.Direction.Inbound
            ),
            100e18,
            "full"
        );
    }

    function test_setRateLimit_zeroBucket_blocksEverything_succeeds() public {
        vm.prank(governor);
        gateway.setRateLimit(_homeChain(remoteHomeToken), remoteHomeToken, IBridgeGatewayTypes.Direction.Inbound, 0, 0);
        bytes32 id = _deliver(_transfer(remoteHomeToken, 1));
        assertEq(
            uint256(gateway.queuedMessage(id).status),
            uint256(IBridgeGatewayTypes.MessageStatus.Queued),
            "zero bucket queues"
        );
    }

    function test_setRateLimit_maxRefillWindow_succeeds() public {
        uint96 capacity = uint96(uint256(7) << 32);
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(address(homeToken)),
            address(homeToken),
            IBridgeGatewayTypes.Direction.Outbound,
            capacity,
            7
        );
    }

    function test_setRateLimit_capacityWithoutRefill_reverts() public {
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidParameter.selector);
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(address(homeToken)),
            address(homeToken),
            IBridgeGatewayTypes.Direction.Inbound,
            100,
            0
        );
    }

    function test_setRateLimit_refillTooSlow_reverts() public {
        uint96 capacity = uint96((uint256(7) << 32) + 1);
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidParameter.selector);
        vm.prank(governor);
        gateway.setRateLimit(
            _homeChain(address(homeToken)),
            address(homeToken),
            IBridgeGatewayTypes.Direction.Outbound,
            capacity,
            7
        );
    }

    function test_setRateLimit_unknownToken_reverts() public {
        address unknown = makeAddr("unknown");
        vm.expectRevert(
            abi.encodeWithSelector(
                IBridgeGatewayTypes.BridgeUnknownTokenIdentity.selector,
                _homeChain(unknown),
                unknown
            )
        );
        vm.prank(governor);
        gateway.setRateLimit(_homeChain(unknown), unknown, IBridgeGatewayTypes.Direction.Inbound, 1, 1);
    }

    function test_setRateLimit_nonGovernor_reverts() public {
        vm.expectRevert(_unauthorizedGovernor(pauser));
        vm.prank(pauser);
        gateway.setRateLimit(
            _homeChain(address(homeToken)),
            address(homeToken),
            IBridgeGatewayTypes.Direction.Inbound,
            1,
            1
        );
    }
}

contract BridgeGateway_setLargeDelay_Test is GovernanceFixture {
    function test_setLargeDelay_succeeds() public {
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.LargeDelaySet(3 days);
        vm.prank(governor);
        gateway.setLargeDelay(3 days);
        assertEq(gateway.largeDelay(), 3 days, "stored");
        bytes32 id = _deliver(_transfer(remoteHomeToken, uint256(FAST_LIMIT) + 1));
        assertEq(gateway.queuedMessage(id).executableAt, _now() + 3 days, "applies to new messages");
    }

    function test_setLargeDelay_nonGovernor_reverts() public {
        vm.expectRevert(_unauthorizedGovernor(alice));
        vm.prank(alice);
        gateway.setLargeDelay(0);
    }
}

contract BridgeGateway_setDeadlineWindows_Test is GovernanceFixture {
    function test_setDeadlineWindows_succeeds() public {
        vm.expectEmit(true, true, true, true, address(gateway));
        emit IBridgeGatewayTypes.DeadlineWindowsSet(1, 2, 3);
        vm.prank(governor);
        gateway.setDeadlineWindows(1, 2, 3);
        IBridgeGatewayTypes.DeadlineWindows memory w = gateway.deadlineWindows();
        assertEq(w.minWindow, 1, "min");
        assertEq(w.defaultWindow, 2, "default");
        assertEq(w.maxWindow, 3, "max");
    }

    function test_setDeadlineWindows_allEqual_succeeds() public {
        vm.prank(governor);
        gateway.setDeadlineWindows(5, 5, 5);
    }

    function _expectInvalid(uint32 minWindow, uint32 defaultWindow, uint32 maxWindow) internal {
        vm.expectRevert(IBridgeGatewayTypes.BridgeInvalidParameter.selector);
        vm.prank(governor);
        gateway.setDeadlineWindows(minWindow, defaultWindow, maxWindow);
    }

    function test_setDeadlineWindows_zeroMin_reverts() public {
        _expectInvalid(0, 1, 2);
    }

    function test_setDeadlineWindows_minAboveDefault_reverts() public {
        _expectInvalid(3, 2, 4);
    }

    function test_setDeadlineWindows_defaultAboveMax_reverts() public {
        _expectInvalid(1, 5, 4);
    }

    function test_setDeadlineWindows_nonGovernor_reverts() public {
        vm.expectRevert(_unauthorizedGovernor(pauser));
        vm.prank(pauser);
        gateway.setDeadlineWindows(1, 2, 3);
    }
}
