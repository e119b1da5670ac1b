// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";
import {Message} from "../interfaces/IBridgeMessage.sol";
import {IL1CanonicalPortal} from "../interfaces/ICanonicalMessaging.sol";
import {IEscapeHatch} from "../interfaces/IEscapeHatch.sol";
import {MessageLib} from "../libraries/MessageLib.sol";

/// @title EscapeHatch (L1)
/// @notice Forwards a destination gateway's cancellation, proven through that rollup's portal,
///         as a refund to the source gateway through the source rollup's portal. The registry of
///         chains, portals and gateways is fixed at construction: no role can add a chain or
///         re-point one, so nothing but a proven cancellation can ever trigger a refund.
contract EscapeHatch is IEscapeHatch {
    struct Registration {
        address portal;
        address gateway;
    }

    mapping(uint64 chainId => Registration) private _chains;

    /// @param chainIds The L2s served, one entry each.
    /// @param portals Each L2's canonical portal on L1; its `l2ChainId()` must match.
    /// @param gateways Each L2's `BridgeGateway`.
    constructor(uint64[] memory chainIds, address[] memory portals, address[] memory gateways) {
        uint256 n = chainIds.length;
        require(n != 0 && portals.length == n && gateways.length == n, EscapeInvalidRegistry());
        for (uint256 i = 0; i < n; ++i) {
            uint64 chainId = chainIds[i];
            address portal = portals[i];
            require(chainId != 0 && portal != address(0) && gateways[i] != address(0), EscapeInvalidRegistry());
            require(_chains[chainId].portal == address(0), EscapeInvalidRegistry());
            for (uint256 j = 0; j < i; ++j) {
                require(portals[j] != portal, EscapeInvalidRegistry());
            }
            require(IL1CanonicalPortal(portal).l2ChainId() == chainId, EscapeInvalidRegistry());
            _chains[chainId] = Registration({portal: portal, gateway: gateways[i]});
        }
    }

    /// @inheritdoc IEscapeHatch
    function onMessageCancelled(Message calldata message, bool refundOnL1) external {
        Registration memory dest = _registered(message.destChainId);
        // `l2Sender()` reverts outside a relay, so it is read only when the portal calls.
        address l2Sender = msg.sender == dest.portal ? IL1CanonicalPortal(dest.portal).l2Sender() : address(0);
        require(
            msg.sender == dest.portal && l2Sender == dest.gateway,
            EscapeUnauthorized(message.destChainId, msg.sender, l2Sender)
        );
        require(message.destGateway == dest.gateway, EscapeWrongGateway(message.destChainId, message.destGateway));
        Registration memory source = _registered(message.sourceChainId);
        require(
            message.sourceGateway == source.gateway,
            EscapeWrongGateway(message.sourceChainId, message.sourceGateway)
        );
        emit EscapeForwarded(MessageLib.hash(message), message.sourceChainId, message.destChainId, refundOnL1);
        IL1CanonicalPortal(source.portal).sendToL2(
            source.gateway,
            abi.encodeCall(IBridgeGateway.refund, (message, refundOnL1))
        );
    }

    /// @inheritdoc IEscapeHatch
    function chain(uint64 chainId) external view returns (address portal, address gateway) {
        Registration memory r = _chains[chainId];
        return (r.portal, r.gateway);
    }

    function _registered(uint64 chainId) private view returns (Registration memory r) {
        r = _chains[chainId];
        require(r.portal != address(0), EscapeUnknownChain(chainId));
    }
}
