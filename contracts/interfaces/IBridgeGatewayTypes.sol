// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Message} from "./IBridgeMessage.sol";

/// @title Types, events and errors of the Portcullis gateway
/// @notice Shared by the gateway's two contracts (`BridgeGateway`, the hot path, and
///         `BridgeGatewayAdmin`, the module it delegates everything else to) and by
///         `IBridgeGateway`, the whole gateway's interface.
interface IBridgeGatewayTypes {
    /// @notice Lifecycle of a delivered message that did not execute at once.
    /// @dev Messages executed in the same call as their delivery are never written here: the nonce
    ///      bitmap alone marks them processed (that is what keeps the fast path cheap).
    enum MessageStatus {
        None,
        Queued,
        Executed,
        Vetoed,
        Cancelled
    }

    /// @notice Direction of a rate-limit bucket, seen from this gateway.
    enum Direction {
        Inbound,
        Outbound
    }

    /// @notice A token the gateway knows, keyed by its local address.
    struct LocalToken {
        /// @dev Token identity carried in messages: its home chain...
        uint64 homeChainId;
        /// @dev ...and its address there.
        address homeToken;
        /// @dev True when this chain is the token's home chain (lock/unlock), false for a
        ///      `BridgedToken` (mint/burn).
        bool isHome;
        /// @dev Limits of this token are kept in units of 10^limitScale base units:
        ///      `max(0, decimals - 18)`: base units up to 18 decimals, 1e-18 of a token above
        ///      (see `registerToken`).
        uint8 limitScale;
    }

    /// @notice A registered token, keyed by its identity (home chain, home address). One slot:
    ///         read once per delivered token.
    struct InboundToken {
        /// @dev The local token paid out: the home token itself, or its `BridgedToken` here.
        address local;
        /// @dev Largest amount that executes without delay (still subject to the bucket), in
        ///      units of 10^limitScale base units.
        uint80 fastLimit;
        /// @dev True on the token's home chain (unlock), false for a bridged copy (mint).
        bool isHome;
        uint8 limitScale;
    }

    /// @notice A queued message: what `execute` pays out after the delay (its drop-off, if any,
    ///         is held apart: see `heldDropOff`).
    struct QueuedMessage {
        address recipient;
        uint64 executableAt;
        MessageStatus status;
        address localToken;
        uint64 nonce;
        bool isHome;
        uint256 amount;
        address sourceGateway;
        uint64 sourceChainId;
    }

    /// @notice A guardian set, by index. Its members are stored as contract code (one cold
    ///         account read instead of one storage read per member).
    struct GuardianSetInfo {
        /// @dev Contract whose code is `0x00 ‖ the ascending members, 20 bytes each`.
        address members;
        uint8 threshold;
        uint8 size;
        /// @dev 0 while the set is current; set to the end of its grace period when replaced.
        uint64 expiresAt;
    }

    /// @notice How long a sent message stays deliverable, in seconds.
    struct DeadlineWindows {
        uint32 minWindow;
        uint32 defaultWindow;
        uint32 maxWindow;
    }

    /// @notice Everything that prices a message to one destination, and the bounds on it.
    /// @dev `quoteFee = ceil((gasPerMessage × gasPrice + dropOff + dropOffGas) × exchangeRate /
    ///      1e18) + flatFee`, where `dropOffGas = DROP_OFF_GAS_COST × gasPrice` when a drop-off
    ///      is asked for. Governance (the timelock) sets every field; the fee updater moves
    ///      `gasPrice` and `exchangeRate` only, within [min, max], by at most
    ///      `maxChangePerUpdateBps` per update and `maxChangePerHourBps` per hour.
    struct FeeConfig {
        /// @dev Destination wei per gas (updater).
        uint64 gasPrice;
        /// @dev Source-chain wei per 1e18 destination wei (1e18: both use the same native token).
        uint96 exchangeRate;
        /// @dev Destination gas one delivered message costs a relayer, batch share included.
        uint32 gasPerMessage;
        /// @dev Source-chain wei added to every quote.
        uint64 flatFee;
        uint64 minGasPrice;
        uint64 maxGasPrice;
        uint96 minExchangeRate;
        uint96 maxExchangeRate;
        /// @dev Largest step of one update, in basis points of the current value (multiplicative:
        ///      up to ×(1 + bps/1e4), down to ÷(1 + bps/1e4)).
        uint16 maxChangePerUpdateBps;
        /// @dev Largest move within one hour, from the value at the hour's first update.
        uint16 maxChangePerHourBps;
        /// @dev Largest drop-off one message may ask for, in destination wei. 0: no drop-off.
        uint96 dropOffCap;
    }

    // ------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------

    /// @notice A transfer left this chain. Guardians attest exactly `message`. `fee` is what the
    ///         sender paid (`msg.value`); `quote` is what `quoteFee` asked at that moment.
    ///         `fee >= quote` means relayers are paid for it; `fee == 0 < quote` means the sender
    ///         relays it (or escapes it) themselves.
    event MessageSent(bytes32 indexed msgId, Message message, uint256 fee, uint256 quote);
    /// @notice A delivered message waits until `executableAt` (large or rate-limited transfer).
    event MessageQueued(bytes32 indexed msgId, uint64 indexed sourceChainId, uint64 nonce, uint64 executableAt);
    /// @notice A message paid out. A fast message is delivered and executed in one call and emits
    ///         only this event; a queued one emitted `MessageQueued` first.
    event MessageExecuted(bytes32 indexed msgId);
    /// @notice A message's drop-off reached its recipient (`credited` false), or the recipient
    ///         refused native tokens and the amount waits for it in `claimDropOff` (`credited` true).
    event DropOffDelivered(bytes32 indexed msgId, address indexed recipient, uint256 amount, bool credited);
    /// @notice A held drop-off went to the fee pot: its message was vetoed or cancelled.
    event DropOffForfeited(bytes32 indexed msgId, uint256 amount);
    /// @notice A recipient took its credited drop-offs.
    event DropOffClaimed(address indexed recipient, address to, uint256 amount);
    /// @notice A queued message was vetoed and will never execute.
    event MessageVetoed(bytes32 indexed msgId, address indexed by);
    /// @notice A new guardian set became current; the previous one stays valid until `previousExpiresAt`.
    event GuardianSetChanged(uint32 indexed index, address[] guardians, uint8 threshold, uint64 previousExpiresAt);
    /// @notice Sends to `chainId` now go to `gateway` (when enabled), and deliveries from it are
    ///         accepted (or no longer, when disabled).
    event RouteSet(uint64 indexed chainId, address gateway, bool enabled);
    /// @notice Deliveries from `gateway` on `chainId` are accepted (or no longer) — a route's
    ///         previous gateway, kept while its messages are still in flight.
    event InboundSourceSet(uint64 indexed chainId, address gateway, bool enabled);
    /// @notice A token was registered (or re-registered) on this gateway.
    event TokenRegistered(
        uint64 indexed homeChainId,
        address indexed homeToken,
        address indexed local,
        bool isHome,
        uint8 decimals
    );
    /// @notice A token's largest fast (undelayed) amount changed (base units, as stored).
    event FastLimitSet(uint64 indexed homeChainId, address indexed homeToken, uint256 fastLimit);
    /// @notice A token's rate-limit bucket changed (base units, as stored); it starts full.
    ///         `capacity` is `type(uint256).max` for an unlimited bucket.
    event RateLimitSet(
        uint64 indexed homeChainId,
        address indexed homeToken,
        Direction indexed direction,
        uint256 capacity,
        uint256 refillPerSecond
    );
    /// @notice The delay of large or rate-limited transfers changed.
    event LargeDelaySet(uint32 largeDelay);
    /// @notice The default time a sent message stays deliverable changed.
    event DeadlineWindowsSet(uint32 minWindow, uint32 defaultWindow, uint32 maxWindow);
    /// @notice Governance set the pricing of messages to `destChainId` and its bounds.
    event FeeConfigSet(uint64 indexed destChainId, FeeConfig config);
    /// @notice The fee updater moved the market inputs of `destChainId`'s price.
    event FeeInputsUpdated(uint64 indexed destChainId, uint64 gasPrice, uint96 exchangeRate, address indexed by);
    /// @notice Governance named who may claim the fees.
    event FeeBeneficiarySet(address beneficiary);
    /// @notice The beneficiary took the accrued fees.
    event FeesClaimed(address indexed beneficiary, uint256 amount);
    /// @notice Governance moved tokens the gateway held beyond what is locked.
    event SurplusSwept(address indexed token, address indexed to, uint256 amount);
    /// @notice The gateway was paused (no send, deliver or execute).
    event Paused(address indexed by);
    /// @notice The gateway was unpaused (governance only).
    event Unpaused(address indexed by);
    /// @notice The escape hatch was connected (once, see `initializeEscape`).
    event EscapeInitialized(address messenger, address escapeHatch, address tokenBridge);
    /// @notice A message addressed here was cancelled (expired undelivered, vetoed, or queued and
    ///         never executed, by its sender); its refund is on its way to the source through L1.
    event MessageCancelled(bytes32 indexed msgId, uint64 indexed sourceChainId, uint64 nonce, bool refundOnL1);
    /// @notice A message sent from here was refunded to `to` (on this chain, or on L1 when
    ///         `onL1`: the canonical withdrawal was started).
    event MessageRefunded(bytes32 indexed msgId, address indexed to, uint256 amount, bool onL1);

    // ------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------

    /// @notice The gateway is paused.
    error BridgePaused();
    /// @notice The gateway is not paused.
    error BridgeNotPaused();
    /// @notice The message format version is not supported.
    error BridgeUnsupportedVersion(uint8 version);
    /// @notice The message is addressed to another chain or gateway.
    error BridgeWrongDestination(uint64 destChainId, address destGateway);
    /// @notice No enabled route to `chainId`, or deliveries from `gateway` on it are not accepted.
    error BridgeUnknownRoute(uint64 chainId, address gateway);
    /// @notice The token is not registered here (includes address(0) and addresses without code).
    error BridgeUnknownToken(address token);
    /// @notice No token is registered here for the identity (home chain, home address).
    error BridgeUnknownTokenIdentity(uint64 homeChainId, address homeToken);
    /// @notice The token's registration is inconsistent (see `registerToken`).
    error BridgeInvalidTokenRegistration(uint64 homeChainId, address homeToken, address local);
    /// @notice The token reports no decimals, or more than 36: its limits cannot be expressed.
    error BridgeUnsupportedDecimals(address token);
    /// @notice The message's deadline has passed.
    error BridgeMessageExpired(bytes32 msgId, uint64 deadline);
    /// @notice A requested deadline is outside the allowed window.
    error BridgeInvalidDeadline(uint64 deadline);
    /// @notice This (source, nonce) was already delivered, cancelled or vetoed.
    error BridgeMessageAlreadyProcessed(bytes32 msgId);
    /// @notice The message is not in the state the call needs.
    error BridgeInvalidMessageStatus(bytes32 msgId, MessageStatus status);
    /// @notice The queued message's delay has not passed.
    error BridgeMessageNotReady(bytes32 msgId, uint64 executableAt);
    /// @notice Zero amount or zero recipient.
    error BridgeInvalidTransfer();
    /// @notice The token moved a different amount than asked (a fee on transfer, on either side
    ///         of it): it would break the backing of bridged tokens, so it is refused.
    error BridgeFeeOnTransfer(address token, uint256 expected, uint256 moved);
    /// @notice The outbound bucket has no room for this amount now.
    error BridgeRateLimited(address token, uint256 amount, uint256 available);
    /// @notice `msg.value` is neither 0 (the sender relays it) nor at least the quote.
    error BridgeFeeTooLow(uint256 quote, uint256 paid);
    /// @notice The drop-off asked for exceeds what governance allows to this destination.
    error BridgeDropOffTooLarge(uint256 dropOff, uint256 cap);
    /// @notice `msg.value` of a delivery differs from the drop-offs of its messages.
    error BridgeDropOffNotSupplied(uint256 required, uint256 supplied);
    /// @notice Only the fee beneficiary may claim the fees.
    error BridgeNotBeneficiary(address caller);
    /// @notice Nothing to claim, or nothing above what is locked to sweep.
    error BridgeNothingToClaim();
    /// @notice Sending native tokens to `to` failed.
    error BridgeNativeTransferFailed(address to, uint256 amount);
    /// @notice The fee update is outside governance's bounds.
    error BridgeFeeOutOfBounds(uint64 destChainId);
    /// @notice A sweep would have taken the gateway below what it has locked.
    error BridgeSweepBelowLocked(address token, uint256 balance, uint256 locked);
    /// @notice Malformed packed messages, or proofs that do not match them.
    error BridgeInvalidBatch();
    /// @notice A message's Merkle proof leads to a different root than the rest of the batch.
    error BridgeInvalidProof(bytes32 msgId);
    /// @notice The attestation names a guardian set index that does not exist.
    error BridgeUnknownGuardianSet(uint32 index);
    /// @notice The attestation's guardian set expired after a rotation.
    error BridgeGuardianSetExpired(uint32 index, uint64 expiresAt);
    /// @notice A new guardian set is empty, unsorted, contains zero, or its threshold is out of range.
    error BridgeInvalidGuardianSet();
    /// @notice A parameter is out of range.
    error BridgeInvalidParameter();
    /// @notice The escape hatch is not configured on this gateway yet.
    error BridgeEscapeNotConfigured();
    /// @notice The escape hatch is already configured.
    error BridgeEscapeAlreadyConfigured();
    /// @notice `cancelExpired` before the message's deadline.
    error BridgeMessageNotExpired(bytes32 msgId, uint64 deadline);
    /// @notice Only the message's sender may ask for the refund on L1 or cancel a queued message.
    error BridgeOnlySender(address sender);
    /// @notice A queued message can be cancelled by its sender only from `opensAt`.
    error BridgeQueuedExitNotOpen(bytes32 msgId, uint64 opensAt);
    /// @notice `refund` did not come from the L1 escape hatch through the `L2CrossDomainMessenger`.
    error BridgeNotEscapeHatch(address caller);
    /// @notice `refund` names a message this gateway never sent.
    error BridgeUnknownMessage(bytes32 msgId);
    /// @notice The message was refunded already.
    error BridgeAlreadyRefunded(bytes32 msgId);
    /// @notice The admin module's `initialize` runs only inside the gateway's constructor.
    error BridgeAlreadyInitialized();
    /// @notice Accepting one more source gateway would exceed the most a gateway accepts at once
    ///         (disable one first).
    error BridgeTooManySources(uint256 max);
}
