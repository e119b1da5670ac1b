// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {BridgeGatewayStorage} from "./BridgeGatewayStorage.sol";
import {Message} from "../interfaces/IBridgeMessage.sol";
import {MessageLib} from "../libraries/MessageLib.sol";
import {GuardianSignatures} from "../libraries/GuardianSignatures.sol";
import {NonceBitmap} from "../libraries/NonceBitmap.sol";
import {RateLimitLib} from "../libraries/RateLimitLib.sol";
import {FeeLib} from "../libraries/FeeLib.sol";

/// @title BridgeGatewayViews
/// @notice The views and constants of `IBridgeGateway`, run by `delegatecall` from
///         `BridgeGatewayAdmin` (itself run by `delegatecall` from `BridgeGateway`), so they read
///         the gateway's storage. Nothing here writes state. Split from the admin module to keep
///         every contract under the 24 KiB code limit.
/// @dev `EIP712` is inherited first, as in the other two contracts, so its two slots line up;
///      its immutables are this module's, and the domain separator is rebuilt for the gateway's
///      address with the same name and version.
contract BridgeGatewayViews is BridgeGatewayStorage, EIP712 {
    using NonceBitmap for NonceBitmap.Bitmap;

    bytes32 public constant GOVERNOR_ROLE = GOVERNOR;
    bytes32 public constant PAUSER_ROLE = PAUSER;
    bytes32 public constant VETO_ROLE = VETOER;
    bytes32 public constant FEE_UPDATER_ROLE = FEE_UPDATER;
    uint32 public constant ESCAPE_L1_GAS_LIMIT = ESCAPE_L1_GAS_LIMIT_;
    uint32 public constant L1_WITHDRAWAL_GAS_LIMIT = L1_WITHDRAWAL_GAS_LIMIT_;
    uint32 public constant QUEUED_EXIT_GRACE = QUEUED_EXIT_GRACE_;
    uint32 public constant DROP_OFF_GAS = DROP_OFF_GAS_;
    uint32 public constant DROP_OFF_GAS_COST = DROP_OFF_GAS_COST_;

    constructor() EIP712("Portcullis", "2") {}

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    function quoteFee(uint64 destChainId, uint128 dropOff) external view returns (uint256 fee) {
        Layout storage $ = _layout();
        Route memory r = $.routes[destChainId];
        require(r.enabled, BridgeUnknownRoute(destChainId, r.gateway));
        fee = r.deliveryFee;
        if (dropOff != 0) {
            DestinationFees storage fees = $.fees[destChainId];
            uint96 cap = fees.limits.dropOffCap;
            require(dropOff <= cap, BridgeDropOffTooLarge(dropOff, cap));
            FeeInputs memory inputs = fees.inputs;
            fee += FeeLib.dropOffFee(dropOff, DROP_OFF_GAS_COST_, inputs.gasPrice, inputs.exchangeRate);
        }
    }

    function feeConfig(
        uint64 destChainId
    )
        external
        view
        returns (FeeConfig memory config, uint64 windowStart, uint64 windowGasPrice, uint96 windowExchangeRate)
    {
        DestinationFees memory f = _layout().fees[destChainId];
        config = FeeConfig({
            gasPrice: f.inputs.gasPrice,
            exchangeRate: f.inputs.exchangeRate,
            gasPerMessage: f.inputs.gasPerMessage,
            flatFee: f.inputs.flatFee,
            minGasPrice: f.bounds.minGasPrice,
            maxGasPrice: f.bounds.maxGasPrice,
            minExchangeRate: f.bounds.minExchangeRate,
            maxExchangeRate: f.limits.maxExchangeRate,
            maxChangePerUpdateBps: f.bounds.maxChangePerUpdateBps,
            maxChangePerHourBps: f.bounds.maxChangePerHourBps,
            dropOffCap: f.limits.dropOffCap
        });
        return (config, f.window.start, f.window.gasPrice, f.window.exchangeRate);
    }

    function feeBeneficiary() external view returns (address) {
        return _layout().feeBeneficiary;
    }

    function accruedFees() external view returns (uint256) {
        return _layout().sendState.accruedFees;
    }

    function dropOffCredit(address recipient) external view returns (uint256) {
        return _layout().dropOffCredits[recipient];
    }

    function messageId(Message calldata message) external pure returns (bytes32) {
        return MessageLib.hashCalldata(message);
    }

    function messageIds(bytes calldata messages) external view returns (bytes32[] memory ids) {
        uint256 n = MessageLib.count(messages);
        (uint8 version, uint64 sourceChainId, address sourceGateway) = MessageLib.header(messages);
        Message memory m = MessageLib.buffer(version, sourceChainId, sourceGateway);
        ids = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) ids[i] = MessageLib.load(m, messages, i);
    }

    function attestationDigest(bytes32 root, uint32 setIndex) external view returns (bytes32) {
        return _hashTypedDataV4(MessageLib.attestationHash(root, setIndex));
    }

    function isProcessed(uint64 sourceChainId, address sourceGateway, uint64 nonce) external view returns (bool) {
        return _layout().processed[_sourceKey(sourceChainId, sourceGateway)].get(nonce);
    }

    function sentMessageId(uint64 nonce) external view returns (bytes32) {
        return _layout().sent[nonce];
    }

    function isRefunded(uint64 nonce) external view returns (bool) {
        return _layout().refunded.get(nonce);
    }

    function lockedBalance(address local) external view returns (uint256) {
        return _layout().locals[local].locked;
    }

    function surplus(address token) external view returns (uint256) {
        uint256 locked = _layout().locals[token].locked;
        uint256 balance = IERC20(token).balanceOf(address(this));
        return balance > locked ? balance - locked : 0;
    }

    function availableRateLimit(
        uint64 homeChainId,
        address homeToken,
        Direction direction
    ) external view returns (uint256) {
        (RateLimitLib.Bucket memory bucket, uint256 unit) = _bucket(homeChainId, homeToken, direction);
        uint256 available = RateLimitLib.available(bucket);
        return available == type(uint256).max ? available : available * unit;
    }

    function rateLimit(
        uint64 homeChainId,
        address homeToken,
        Direction direction
    ) external view returns (RateLimitLib.Bucket memory bucket, uint256 unit) {
        return _bucket(homeChainId, homeToken, direction);
    }

    /// @dev A bucket of a token identity; an unregistered identity has a zero bucket, unit 1.
    function _bucket(
        uint64 homeChainId,
        address homeToken,
        Direction direction
    ) private view returns (RateLimitLib.Bucket memory bucket, uint256 unit) {
        Layout storage $ = _layout();
        InboundEntry storage entry = $.inbound[_tokenKey(homeChainId, homeToken)];
        InboundToken memory token = entry.token;
        unit = _unit(token.limitScale);
        if (direction == Direction.Inbound) bucket = entry.bucket;
        else if (token.local != address(0)) bucket = $.locals[token.local].outbound;
    }

    function fastLimit(uint64 homeChainId, address homeToken) external view returns (uint256) {
        InboundToken memory token = _layout().inbound[_tokenKey(homeChainId, homeToken)].token;
        return uint256(token.fastLimit) * _unit(token.limitScale);
    }

    function paused() external view returns (bool) {
        return _layout().config.paused;
    }

    function largeDelay() external view returns (uint32) {
        return _layout().config.largeDelay;
    }

    function guardianSetIndex() external view returns (uint32) {
        return _layout().config.guardianSetIndex;
    }

    function guardianSet(
        uint32 index
    ) external view returns (address[] memory guardians, uint8 threshold, uint64 expiresAt) {
        GuardianSetInfo memory set = _layout().guardianSets[index];
        if (set.members == address(0)) return (new address[](0), 0, 0);
        return (GuardianSignatures.toArray(set.members, set.size), set.threshold, set.expiresAt);
    }

    function route(uint64 chainId) external view returns (address gateway, bool enabled) {
        Route memory r = _layout().routes[chainId];
        return (r.gateway, r.enabled);
    }

    function isInboundSource(uint64 chainId, address gateway) external view returns (bool) {
        return _layout().sources[_sourceKey(chainId, gateway)].guardianMembers != address(0);
    }

    function localToken(address local) external view returns (LocalToken memory) {
        return _layout().locals[local].info;
    }

    function inboundToken(uint64 homeChainId, address homeToken) external view returns (InboundToken memory) {
        return _layout().inbound[_tokenKey(homeChainId, homeToken)].token;
    }

    function queuedMessage(bytes32 msgId) external view returns (QueuedMessage memory) {
        return _layout().queued[msgId];
    }

    function heldDropOff(bytes32 msgId) external view returns (uint256) {
        return _layout().heldDropOffs[msgId];
    }

    function nextNonce() external view returns (uint64) {
        return _layout().sendState.nextNonce;
    }

    function deadlineWindows() external view returns (DeadlineWindows memory) {
        SendState memory s = _layout().sendState;
        return DeadlineWindows(s.minWindow, s.defaultWindow, s.maxWindow);
    }

    function escapeConfig() external view returns (address messenger, address escapeHatch, address tokenBridge) {
        EscapeWiring memory w = _layout().escape;
        return (w.messenger, w.escapeHatch, w.tokenBridge);
    }
}
