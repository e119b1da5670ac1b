// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BridgeFixture, MessageHeader, Transfer, Attestation} from "../utils/BridgeFixture.sol";
import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";

/// @notice Every accepted source gateway holds a copy of the gateway's configuration (pause,
///         guardian set, delay), so `deliver` reads one slot for both. These tests prove the
///         copies can never disagree with the configuration: every change reaches every accepted
///         source, a source accepted later starts from the current configuration, and the number
///         of copies (what a pause must rewrite) is bounded.
contract BridgeGateway_sources_Test is BridgeFixture {
    uint64 internal constant OTHER_CHAIN = 902;
    address internal otherGateway;

    function setUp() public override {
        super.setUp();
        otherGateway = makeAddr("otherRemoteGateway");
        vm.prank(governor);
        gateway.setInboundSource(OTHER_CHAIN, otherGateway, true);
    }

    /// @dev A transfer of the remote chain's token to bob, sent from `sourceGateway` on `chain`.
    function _from(
        uint64 chain,
        address sourceGateway,
        uint256 amount
    ) internal returns (MessageHeader memory h, Transfer memory t) {
        h = _header();
        h.sourceChainId = chain;
        h.sourceGateway = sourceGateway;
        t = _transfer(remoteHomeToken, amount);
        t.tokenChainId = REMOTE_CHAIN;
    }

    function _deliverFrom(uint64 chain, address sourceGateway, uint256 amount) internal returns (bytes32 id) {
        (MessageHeader memory h, Transfer memory t) = _from(chain, sourceGateway, amount);
        id = _id(h, t);
        _deliverVia(gateway, h, _one(t), _noProofs(), _attestation(id));
    }

    function _expectDeliverFromReverts(uint64 chain, address sourceGateway, bytes memory err) internal {
        (MessageHeader memory h, Transfer memory t) = _from(chain, sourceGateway, 1e18);
        Attestation memory att = _attestation(_id(h, t));
        vm.expectRevert(err);
        gateway.deliver(_pack(h, _one(t)), _noProofs(), att.guardianSetIndex, att.signatures);
    }

    function test_pause_stopsEverySource_andUnpauseRestoresEvery() public {
        vm.prank(pauser);
        gateway.pause();
        _expectDeliverFromReverts(
            REMOTE_CHAIN,
            remoteGateway,
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgePaused.selector)
        );
        _expectDeliverFromReverts(
            OTHER_CHAIN,
            otherGateway,
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgePaused.selector)
        );

        vm.prank(governor);
        gateway.unpause();
        _deliverFrom(REMOTE_CHAIN, remoteGateway, 1e18);
        _deliverFrom(OTHER_CHAIN, otherGateway, 2e18);
        assertEq(bridgedToken.balanceOf(bob), 3e18, "both sources deliver again");
    }

    function test_sourceAcceptedWhilePaused_isPaused() public {
        vm.prank(pauser);
        gateway.pause();
        address late = makeAddr("lateGateway");
        vm.prank(governor);
        gateway.setInboundSource(903, late, true);
        _expectDeliverFromReverts(903, late, abi.encodeWithSelector(IBridgeGatewayTypes.BridgePaused.selector));
        vm.prank(governor);
        gateway.unpause();
        _deliverFrom(903, late, 1e18);
        assertEq(bridgedToken.balanceOf(bob), 1e18, "delivers once unpaused");
    }

    function test_setGuardianSet_reachesEverySource() public {
        (uint256[] memory newKeys, address[] memory newSet) = _makeGuardians("rotated", 3);
        vm.prank(governor);
        gateway.setGuardianSet(newSet, 2, 0); // no grace: set 0 expires now
        for (uint256 k = 0; k < 2; ++k) {
            (uint64 chain, address source) = k == 0 ? (REMOTE_CHAIN, remoteGateway) : (OTHER_CHAIN, otherGateway);
            (MessageHeader memory h, Transfer memory t) = _from(chain, source, 1e18);
            bytes32 id = _id(h, t);
            // The old set is refused from either source...
            Attestation memory old = _attestation(id);
            vm.expectRevert(
                abi.encodeWithSelector(IBridgeGatewayTypes.BridgeGuardianSetExpired.selector, uint32(0), uint64(_now()))
            );
            gateway.deliver(_pack(h, _one(t)), _noProofs(), old.guardianSetIndex, old.signatures);
            // ...and the new one is accepted from either.
            _deliverVia(gateway, h, _one(t), _noProofs(), _attest(gateway, id, 1, newSet, _prefix(newKeys, 2)));
        }
        assertEq(bridgedToken.balanceOf(bob), 2e18, "both delivered under set 1");
    }

    function test_setLargeDelay_reachesEverySource() public {
        vm.startPrank(governor);
        gateway.setLargeDelay(5 hours);
        gateway.setFastLimit(REMOTE_CHAIN, remoteHomeToken, 1e18);
        vm.stopPrank();
        bytes32 id = _deliverFrom(OTHER_CHAIN, otherGateway, 2e18); // above the fast limit: queued
        assertEq(gateway.queuedMessage(id).executableAt, _now() + 5 hours, "the new delay");
    }

    function test_disabledSource_isRefused_andReenabledGetsCurrentConfiguration() public {
        vm.prank(governor);
        gateway.setInboundSource(OTHER_CHAIN, otherGateway, false);
        assertFalse(gateway.isInboundSource(OTHER_CHAIN, otherGateway), "no longer accepted");
        _expectDeliverFromReverts(
            OTHER_CHAIN,
            otherGateway,
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownRoute.selector, OTHER_CHAIN, otherGateway)
        );
        // Changed while the source was not accepted: its copy must not be stale when it returns.
        vm.startPrank(governor);
        gateway.setLargeDelay(7 hours);
        gateway.setFastLimit(REMOTE_CHAIN, remoteHomeToken, 1e18);
        gateway.setInboundSource(OTHER_CHAIN, otherGateway, true);
        vm.stopPrank();
        assertTrue(gateway.isInboundSource(OTHER_CHAIN, otherGateway), "accepted again");
        bytes32 id = _deliverFrom(OTHER_CHAIN, otherGateway, 2e18);
        assertEq(gateway.queuedMessage(id).executableAt, _now() + 7 hours, "the current delay");
        // The other source was untouched throughout.
        _deliverFrom(REMOTE_CHAIN, remoteGateway, 1e18);
    }

    function test_enablingTwice_andDisablingUnknown_changeNothing() public {
        vm.startPrank(governor);
        gateway.setInboundSource(OTHER_CHAIN, otherGateway, true);
        gateway.setInboundSource(904, makeAddr("neverAccepted"), false);
        gateway.setInboundSource(OTHER_CHAIN, otherGateway, false);
        vm.stopPrank();
        // One disable undoes one accepted source, however often it was enabled.
        assertFalse(gateway.isInboundSource(OTHER_CHAIN, otherGateway), "disabled");
        _deliverFrom(REMOTE_CHAIN, remoteGateway, 1e18);
    }

    /// @notice At most MAX sources at once (a pause rewrites every copy and must never run out of
    ///         gas); disabling one frees its place, and a pause with all of them stays cheap.
    function test_tooManySources_reverts_andDisablingFreesAPlace() public {
        uint256 max = 64;
        // The fixture accepts two sources (REMOTE_CHAIN's gateway and OTHER_CHAIN's).
        vm.startPrank(governor);
        for (uint256 i = 2; i < max; ++i) {
            gateway.setInboundSource(uint64(10_000 + i), address(uint160(0x1000 + i)), true);
        }
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeTooManySources.selector, max));
        gateway.setInboundSource(20_000, address(0x2000), true);

        gateway.setInboundSource(uint64(10_000 + 5), address(uint160(0x1000 + 5)), false);
        gateway.setInboundSource(20_000, address(0x2000), true);
        assertTrue(gateway.isInboundSource(20_000, address(0x2000)), "took the freed place");
        vm.stopPrank();

        vm.prank(pauser);
        uint256 gasBefore = gasleft();
        gateway.pause();
        uint256 pauseGas = gasBefore - gasleft();
        assertLt(pauseGas, 1_000_000, "a pause with every place taken stays far below a block");
        _expectDeliverFromReverts(
            20_000,
            address(0x2000),
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgePaused.selector)
        );
        _expectDeliverFromReverts(
            OTHER_CHAIN,
            otherGateway,
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgePaused.selector)
        );
    }
}
