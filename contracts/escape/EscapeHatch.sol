// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";
import {Message} from "../interfaces/IBridgeMessage.sol";
import {ICrossDomainMessenger} from "../interfaces/ICanonicalMessaging.sol";
import {IEscapeHatch} from "../interfaces/IEscapeHatch.sol";
import {MessageLib} from "../libraries/MessageLib.sol";

/// @title EscapeHatch (L1)
/// @notice Forwards a destination gateway's cancellation, proven through that rollup's
///         `OptimismPortal` and relayed by its `L1CrossDomainMessenger`, as a refund to the source
///         gateway through the source rollup's `L1CrossDomainMessenger`. The registry of chains,
///         messengers and gateways is fixed at construction: no role can add a chain or re-point
///         one, so nothing but a proven cancellation can ever trigger a refund.
contract EscapeHatch is IEscapeHatch {
    struct Registration {
        address messenger;
        address gateway;
    }

    /// @notice Gas the source gateway's `refund` gets at least on the source L2 (it unlocks or
    ///         mints, or burns and starts a withdrawal through the `L2StandardBridge`; ~150k).
    ///         A refund that still runs out is recorded by the L2 messenger and anyone can replay
    ///         it there with more gas (`L2CrossDomainMessenger.relayMessage`).
    uint32 public constant REFUND_GAS_LIMIT = 400_000;

    mapping(uint64 chainId => Registration) private _chains;

    /// @param chainIds The L2s served, one entry each.
    /// @param messengers Each L2's `L1CrossDomainMessenger` (its proxy) on this chain.
    /// @param gateways Each L2's `BridgeGateway`.
    /// @dev The L1 contracts of an OP Stack chain do not know its chain id, so the pairing of an
    ///      id with a messenger cannot be checked here; deployment checks it against the chain's
    ///      published contract addresses, and `chain(id)` lets anyone check it afterwards.
    constructor(uint64[] memory chainIds, address[] memory messengers, address[] memory gateways) {
        uint256 n = chainIds.length;
        require(n != 0 && messengers.length == n && gateways.length == n, EscapeInvalidRegistry());
        for (uint256 i = 0; i < n; ++i) {
            uint64 chainId = chainIds[i];
            address messenger = messengers[i];
            require(chainId != 0 && messenger.code.length != 0 && gateways[i] != address(0), EscapeInvalidRegistry());
            require(_chains[chainId].messenger == address(0), EscapeInvalidRegistry());
            for (uint256 j = 0; j < i; ++j) {
                require(messengers[j] != messenger, EscapeInvalidRegistry());
            }
            _chains[chainId] = Registration({messenger: messenger, gateway: gateways[i]});
        }
    }

    /// @inheritdoc IEscapeHatch
    function onMessageCancelled(Message calldata message, bool refundOnL1) external {
        Registration memory dest = _registered(message.destChainId);
        // `xDomainMessageSender()` reverts outside a relay, so it is read only when the messenger calls.
        address l2Sender =
            msg.sender == dest.messenger ? ICrossDomainMessenger(dest.messenger).xDomainMessageSender() : address(0);
        require(
            msg.sender == dest.messenger && l2Sender == dest.gateway,
            EscapeUnauthorized(message.destChainId, msg.sender, l2Sender)
        );
        require(message.destGateway == dest.gateway, EscapeWrongGateway(message.destChainId, message.destGateway));
        Registration memory source = _registered(message.sourceChainId);
        require(
            message.sourceGateway == source.gateway,
            EscapeWrongGateway(message.sourceChainId, message.sourceGateway)
        );
        emit EscapeForwarded(MessageLib.hash(message), message.sourceChainId, message.destChainId, refundOnL1);
        ICrossDomainMessenger(source.messenger).sendMessage(
            source.gateway,
            abi.encodeCall(IBridgeGateway.refund, (message, refundOnL1)),
            REFUND_GAS_LIMIT
        );
    }

    /// @inheritdoc IEscapeHatch
    function chain(uint64 chainId) external view returns (address messenger, address gateway) {
        Registration memory r = _chains[chainId];
        return (r.messenger, r.gateway);
    }

    function _registered(uint64 chainId) private view returns (Registration memory r) {
        r = _chains[chainId];
        require(r.messenger != address(0), EscapeUnknownChain(chainId));
    }
}
