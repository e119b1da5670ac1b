// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IBridgeGatewayTypes} from "../interfaces/IBridgeGatewayTypes.sol";
import {IBridgedToken} from "../interfaces/IBridgedToken.sol";
import {NonceBitmap} from "../libraries/NonceBitmap.sol";
import {RateLimitLib} from "../libraries/RateLimitLib.sol";

/// @title BridgeGatewayStorage
/// @notice The gateway's state and the rules both of its contracts apply to it. `BridgeGateway`
///         (send, deliver, execute) and `BridgeGatewayAdmin` (everything else, reached by
///         `delegatecall` from the gateway) inherit this contract and nothing else with state
///         except OpenZeppelin's `EIP712` (first, in both: the same two slots) and, in the module
///         only, `AccessControl` (after it). All of the gateway's own state lives in one
///         ERC-7201 namespace (`Layout`), so the two contracts cannot disagree on where a
///         variable is.
/// @dev Slot packing is laid out for the hot paths: `send` reads `SendState` (nonce, deadline
///      windows, fees, pause), the route (gateway and price) and the token; `deliver` reads
///      the source's copy of `Config` (accepted, pause, guardian set, delay), each token and its bucket, and one
///      bitmap word per 256 nonces. See docs/gas.md.
abstract contract BridgeGatewayStorage is IBridgeGatewayTypes {
    using SafeERC20 for IERC20;

    bytes32 internal constant GOVERNOR = keccak256("GOVERNOR_ROLE");
    bytes32 internal constant PAUSER = keccak256("PAUSER_ROLE");
    bytes32 internal constant VETOER = keccak256("VETO_ROLE");
    bytes32 internal constant FEE_UPDATER = keccak256("FEE_UPDATER_ROLE");

    /// @dev Gas the `EscapeHatch` gets at least on L1 for a cancellation. It forwards the
    ///      refund as a deposit, and the `OptimismPortal` meters deposits by burning L1 gas in
    ///      proportion to their L2 gas (~0.7M for the hatch's refund), so this is generous.
    ///      Whoever finalizes the withdrawal on L1 pays it; a relay that still fails is recorded
    ///      by the `L1CrossDomainMessenger` and anyone can replay it with more gas.
    uint32 internal constant ESCAPE_L1_GAS_LIMIT_ = 1_500_000;
    /// @dev Gas the `L1StandardBridge` gets at least on L1 to release a refund paid on L1.
    uint32 internal constant L1_WITHDRAWAL_GAS_LIMIT_ = 200_000;
    /// @dev Gas a drop-off's recipient gets to accept it, beyond the 2,300 stipend of a value
    ///      call: enough for a Safe or a smart account's `receive`, bounded so a recipient cannot
    ///      make a delivery arbitrarily expensive.
    uint32 internal constant DROP_OFF_GAS_ = 30_000;
    /// @dev Destination gas a drop-off adds to a quote: the value call (9,000), the recipient's
    ///      account (2,600 cold, 25,000 if it is new), its `receive`, and the event.
    uint32 internal constant DROP_OFF_GAS_COST_ = 40_000;
    /// @dev How long a queued message must have been executable and expired before its sender
    ///      may cancel it: relayers execute queued messages as soon as they can, so a message
    ///      still queued this long after both is one whose execution keeps failing.
    uint32 internal constant QUEUED_EXIT_GRACE_ = 3 days;
    /// @dev Most source gateways accepted at once. Each holds a copy of the configuration that
    ///      `pause` rewrites, so this bounds what a pause costs (~5,000 gas a source): a pause
    ///      must never run out of gas. A chain's replaced gateway is usually disabled once its
    ///      messages are through, which frees its place.
    uint256 internal constant MAX_SOURCES_ = 64;

    /// @dev `keccak256(abi.encode(uint256(keccak256("portcullis.storage.BridgeGateway")) - 1)) & ~0xff`
    bytes32 private constant LAYOUT_SLOT = 0x88995c050822ae113065c49ac4591e4d7dbc1f30a8b643d36ec9d7931c15ee00;

    /// @dev Everything `deliver` needs besides the tokens and nonces, in one slot. The canonical
    ///      copy is `Layout.config`; every accepted source gateway holds a copy of it
    ///      (`Layout.sources`), so `deliver` reads one cold slot for both "is this source
    ///      accepted" and the configuration. `BridgeGatewayAdmin._storeConfig` is the only
    ///      writer and writes every copy.
    struct Config {
        /// @dev The current guardian set's members (see `GuardianSignatures.store`).
        address guardianMembers;
        uint8 threshold;
        uint8 guardianCount;
        uint32 guardianSetIndex;
        bool paused;
        uint32 largeDelay;
    }

    /// @dev Everything `send` needs besides the route and the token, in one slot. `paused` is
    ///      kept here too (both copies are written together by `pause`/`unpause`), which saves
    ///      `send` a cold read of `Config`.
    struct SendState {
        uint64 nextNonce;
        uint32 minWindow;
        uint32 defaultWindow;
        uint32 maxWindow;
        /// @dev Fees paid and forfeited drop-offs, not yet claimed (native wei).
        uint88 accruedFees;
        bool paused;
    }

    /// @dev The gateway sends to on another chain, and the price of a message there without
    ///      drop-off (`FeeLib.deliveryFee`, recomputed whenever its inputs change), in one slot.
    struct Route {
        address gateway;
        bool enabled;
        uint88 deliveryFee;
    }

    struct FeeInputs {
        uint64 gasPrice;
        uint96 exchangeRate;
        uint32 gasPerMessage;
        uint64 flatFee;
    }

    struct FeeBounds {
        uint64 minGasPrice;
        uint64 maxGasPrice;
        uint96 minExchangeRate;
        uint16 maxChangePerUpdateBps;
        uint16 maxChangePerHourBps;
    }

    struct FeeLimits {
        uint96 maxExchangeRate;
        uint96 dropOffCap;
    }

    /// @dev The fee updater's current hour: when it started and the inputs at its start.
    struct FeeWindow {
        uint64 start;
        uint64 gasPrice;
        uint96 exchangeRate;
    }

    struct DestinationFees {
        FeeInputs inputs;
        FeeBounds bounds;
        FeeLimits limits;
        FeeWindow window;
    }

    /// @dev A local token: how it is bridged, its outbound bucket and (home tokens) what is locked.
    struct LocalEntry {
        LocalToken info;
        RateLimitLib.Bucket outbound;
        uint256 locked;
    }

    /// @dev A token identity: the local token paid out and its inbound bucket (adjacent slots).
    struct InboundEntry {
        InboundToken token;
        RateLimitLib.Bucket bucket;
    }

    /// @dev Where escapes go through, set once by `initializeEscape`.
    struct EscapeWiring {
        address messenger;
        address escapeHatch;
        address tokenBridge;
    }

    /// @custom:storage-location erc7201:portcullis.storage.BridgeGateway
    struct Layout {
        Config config;
        SendState sendState;
        address feeBeneficiary;
        EscapeWiring escape;
        mapping(uint32 index => GuardianSetInfo) guardianSets;
        mapping(uint64 chainId => Route) routes;
        mapping(uint64 chainId => DestinationFees) fees;
        /// @dev Source gateways deliveries are accepted from, by `_sourceKey`: each holds a copy
        ///      of `config` (see `Config`); a source that is not accepted holds zeros (no
        ///      guardian set).
        mapping(uint256 sourceKey => Config) sources;
        mapping(address local => LocalEntry) locals;
        mapping(uint256 tokenKey => InboundEntry) inbound;
        mapping(uint64 nonce => bytes32 msgId) sent;
        /// @dev Replay protection, per source gateway (not per source chain: a replaced gateway
        ///      starts again at nonce 0 and must not collide with its predecessor).
        mapping(uint256 sourceKey => NonceBitmap.Bitmap) processed;
        /// @dev Set when the message holding a (source, nonce) was vetoed or cancelled unseen:
        ///      one different, never-seen message may then take that nonce.
        mapping(uint256 sourceKey => NonceBitmap.Bitmap) released;
        NonceBitmap.Bitmap refunded;
        mapping(bytes32 msgId => QueuedMessage) queued;
        mapping(bytes32 msgId => uint256) heldDropOffs;
        mapping(address recipient => uint256) dropOffCredits;
        /// @dev The keys of every accepted source (each holds a copy of `config`), at most
        ///      `MAX_SOURCES_`, in no particular order.
        uint256[] sourceKeys;
    }

    function _layout() internal pure returns (Layout storage $) {
        assembly ("memory-safe") {
            $.slot := LAYOUT_SLOT
        }
    }

    /// @dev A source gateway as one key: its chain id above its address (64 + 160 bits).
    function _sourceKey(uint64 chainId, address gateway) internal pure returns (uint256) {
        return (uint256(chainId) << 160) | uint160(gateway);
    }

    /// @dev A token identity as one key: its home chain id above its home address.
    function _tokenKey(uint64 homeChainId, address homeToken) internal pure returns (uint256) {
        return (uint256(homeChainId) << 160) | uint160(homeToken);
    }

    /// @dev Base units per stored limit unit.
    function _unit(uint8 limitScale) internal pure returns (uint256) {
        return 10 ** limitScale;
    }

    /// @dev `amount` in limit units, rounded up: a bucket never lets more through than it says.
    function _units(uint256 amount, uint256 unit) internal pure returns (uint256) {
        if (unit == 1 || amount == 0) return amount;
        unchecked {
            return (amount - 1) / unit + 1; // amount >= 1, unit >= 10
        }
    }

    /// @dev Sends `amount` of a home token and checks that exactly `amount` left the gateway: a
    ///      token that charges its fee on top (to the sender) would otherwise drain the backing of
    ///      other users' transfers. Such a payout reverts (and its message keeps an exit: see
    ///      `cancelExpired`).
    function _unlock(address token, address to, uint256 amount) internal {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransfer(to, amount);
        _checkMoved(token, before, amount);
    }

    /// @dev Requires the gateway's balance of `token` to be exactly `amount` below `before`.
    function _checkMoved(address token, uint256 before, uint256 amount) internal view {
        uint256 now_ = IERC20(token).balanceOf(address(this));
        require(now_ + amount == before, BridgeFeeOnTransfer(token, amount, before > now_ ? before - now_ : 0));
    }

    /// @dev Unlocks a home token or mints its bridged copy to one recipient.
    function _payOut(address local, bool isHome, address recipient, uint256 amount) internal {
        if (isHome) _unlock(local, recipient, amount);
        else IBridgedToken(local).mint(recipient, amount);
    }

    /// @dev Hands a drop-off to its recipient with bounded gas. A recipient that refuses native
    ///      tokens (or runs out of gas) cannot block the transfer or its batch: the amount is
    ///      credited to it instead, claimable with `claimDropOff`.
    function _forwardDropOff(bytes32 msgId, address recipient, uint256 amount) internal {
        bool ok;
        // No return data is copied: a recipient cannot make the gateway pay for a large one.
        assembly ("memory-safe") {
            ok := call(DROP_OFF_GAS_, recipient, amount, 0, 0, 0, 0)
        }
        if (!ok) _layout().dropOffCredits[recipient] += amount;
        emit DropOffDelivered(msgId, recipient, amount, !ok);
    }

    /// @dev A (source, nonce) whose bit is already set may be taken again only when it was
    ///      released (its holder vetoed, or cancelled unseen) and `msgId` itself was never seen;
    ///      it is then taken, once.
    function _reuseReleasedNonce(uint256 sourceKey, uint64 nonce, bytes32 msgId) internal {
        Layout storage $ = _layout();
        require(
            $.queued[msgId].status == MessageStatus.None && NonceBitmap.tryUnset($.released[sourceKey], nonce),
            BridgeMessageAlreadyProcessed(msgId)
        );
    }
}
