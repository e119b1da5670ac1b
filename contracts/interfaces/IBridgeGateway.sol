// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Message} from "./IBridgeMessage.sol";
import {IBridgeGatewayTypes} from "./IBridgeGatewayTypes.sol";
import {RateLimitLib} from "../libraries/RateLimitLib.sol";

/// @title Portcullis bridge gateway
/// @notice One gateway runs on every L2. It locks home tokens or burns bridged tokens on `send`
///         (charging a delivery fee in the native token), and on `deliver` accepts
///         guardian-attested messages from other gateways, executing small transfers at once and
///         queueing large or rate-limited ones behind a vetoable delay.
/// @dev The whole gateway, as one address: `BridgeGateway` serves `send`, `deliver` and `execute`
///      and delegates every other function to `BridgeGatewayAdmin` (fixed at construction). Use
///      this interface (never `BridgeGateway` alone) to talk to a gateway.
interface IBridgeGateway is IBridgeGatewayTypes, IAccessControl {
    // ------------------------------------------------------------------------------------------
    // Constants
    // ------------------------------------------------------------------------------------------

    /// @notice Changes parameters, rotates guardians, unpauses, sets fee bounds and beneficiary.
    ///         Held by the governance timelock.
    function GOVERNOR_ROLE() external view returns (bytes32);

    /// @notice Pauses instantly. Held by the security council Safe and the monitor.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice Vetoes queued messages. Held by the security council Safe and the monitor.
    function VETO_ROLE() external view returns (bytes32);

    /// @notice Moves the gas price and exchange rate of fees within governance's bounds.
    function FEE_UPDATER_ROLE() external view returns (bytes32);

    /// @notice Gas the `EscapeHatch` gets at least on L1 for a cancellation.
    function ESCAPE_L1_GAS_LIMIT() external view returns (uint32);

    /// @notice Gas the `L1StandardBridge` gets at least on L1 to release a refund paid on L1.
    function L1_WITHDRAWAL_GAS_LIMIT() external view returns (uint32);

    /// @notice How long a queued message must have been executable (and past its deadline)
    ///         before its sender alone may cancel it.
    function QUEUED_EXIT_GRACE() external view returns (uint32);

    /// @notice Gas a drop-off's recipient gets to accept it (beyond the call stipend).
    function DROP_OFF_GAS() external view returns (uint32);

    /// @notice Destination gas a drop-off adds to a quote (a value call, possibly to a new account).
    function DROP_OFF_GAS_COST() external view returns (uint32);

    /// @notice The module this gateway delegates all but `send`, `deliver` and `execute` to.
    function ADMIN_MODULE() external view returns (address);

    // ------------------------------------------------------------------------------------------
    // Users and relayers
    // ------------------------------------------------------------------------------------------

    /// @notice Sends `amount` of `token` (its local address) to `recipient` on `destChainId`, and
    ///         `dropOff` native wei of the destination chain to the same recipient.
    /// @dev Locks a home token (refusing fee-on-transfer tokens by balance delta) or burns a
    ///      bridged token, consumes the outbound bucket, assigns the next nonce and stores the
    ///      message id. `deadline` 0 means now + the default window. `msg.value` is the delivery
    ///      fee: at least `quoteFee(destChainId, dropOff)` (anything above is kept as a tip, never
    ///      refunded), or 0 for a message without drop-off that the sender will relay itself
    ///      (relayers do not deliver messages that paid less than the quote by default; such a
    ///      transfer can still be self-relayed or escaped). Anything else reverts
    ///      `BridgeFeeTooLow`. Fees accrue on the gateway until the beneficiary claims them.
    /// @return msgId The id of the emitted message.
    function send(
        address token,
        uint64 destChainId,
        address recipient,
        uint256 amount,
        uint64 deadline,
        uint128 dropOff
    ) external payable returns (bytes32 msgId);

    /// @notice Delivers guardian-attested messages of one source gateway addressed to this one.
    /// @dev `messages` is the packed batch of `MessageLib` (one header, then each message's own
    ///      fields). With `proofs` empty the attested root is the Merkle root over all message
    ///      ids (a batch of one: the id itself); otherwise `proofs[i]` proves message i under one
    ///      common root. `signatures` are `threshold` or more 64-byte EIP-2098 compact signatures
    ///      (`r ‖ yParity << 255 | s`, low `s`) of guardian set `guardianSetIndex` over
    ///      `attestationDigest(root, guardianSetIndex)`, ascending by signer. Each message
    ///      executes at once when its amount is within the fast limit and the inbound bucket has
    ///      room, else it is queued for `largeDelay`. `msg.value` must equal the sum of the
    ///      messages' drop-offs: fast ones are forwarded to their recipients, queued ones held
    ///      until `execute`. Reverts as a whole on any invalid message so a
    ///      relayer learns exactly what was wrong (including "already processed").
    function deliver(
        bytes calldata messages,
        bytes32[][] calldata proofs,
        uint32 guardianSetIndex,
        bytes calldata signatures
    ) external payable;

    /// @notice Pays out a queued message (and its held drop-off) once its delay has passed.
    ///         Anyone may call it.
    function execute(bytes32 msgId) external;

    /// @notice Sends the caller's credited drop-offs (those its recipient contract refused) to `to`.
    function claimDropOff(address to) external;

    /// @notice Sends the accrued fees to the beneficiary. Beneficiary only.
    function claimFees() external;

    // ------------------------------------------------------------------------------------------
    // Security council, monitor, fee updater
    // ------------------------------------------------------------------------------------------

    /// @notice Vetoes a queued message forever (VETO_ROLE). Its (source, nonce) may then be taken
    ///         by one different, never-seen message, so a forged message cannot block the real
    ///         one with the same nonce. A held drop-off goes to the fee pot.
    function veto(bytes32 msgId) external;

    /// @notice Stops send, deliver and execute at once (PAUSER_ROLE).
    function pause() external;

    /// @notice Moves the gas price and exchange rate of messages to `destChainId`
    ///         (FEE_UPDATER_ROLE), within the bounds governance set for them.
    function updateFeeInputs(uint64 destChainId, uint64 gasPrice, uint96 exchangeRate) external;

    // ------------------------------------------------------------------------------------------
    // Governance (GOVERNOR_ROLE, held by a timelock)
    // ------------------------------------------------------------------------------------------

    /// @notice Resumes the gateway.
    function unpause() external;

    /// @notice Makes `guardians` (strictly ascending, no zero) with `threshold` the current set.
    ///         The previous set keeps verifying for `previousSetGrace` seconds.
    function setGuardianSet(address[] calldata guardians, uint8 threshold, uint64 previousSetGrace) external;

    /// @notice Sends to `chainId` go to `gateway` while `enabled`, and deliveries from `gateway`
    ///         are accepted while `enabled`. Re-pointing a route to a new gateway leaves the
    ///         previous gateway accepted as a source, so its messages in flight still deliver;
    ///         `setInboundSource(chainId, previous, false)` stops that.
    function setRoute(uint64 chainId, address gateway, bool enabled) external;

    /// @notice Accepts (or stops accepting) deliveries from `gateway` on `chainId` without
    ///         changing where sends go. Replay protection is kept per source gateway, so a
    ///         replaced gateway starting again at nonce 0 never collides with its predecessor.
    function setInboundSource(uint64 chainId, address gateway, bool enabled) external;

    /// @notice Registers the token identified by (`homeChainId`, `homeToken`). On its home chain
    ///         `local` is the token itself (lock/unlock); elsewhere `local` is a `BridgedToken`
    ///         whose GATEWAY is this gateway and whose HOME_CHAIN_ID and HOME_TOKEN are the
    ///         identity (mint/burn). Refuses tokens without `decimals()` or with more than 36.
    function registerToken(uint64 homeChainId, address homeToken, address local) external;

    /// @notice Sets the largest amount of the token (`homeChainId`, `homeToken`), in base units,
    ///         that may execute here without delay. Stored at a resolution of 10^limitScale base
    ///         units (rounded down; limitScale = decimals - 18 above 18 decimals, else 0); amounts
    ///         too large to store (above 2^80 - 1 units) are stored as the largest one.
    function setFastLimit(uint64 homeChainId, address homeToken, uint256 fastLimit) external;

    /// @notice Sets a bucket of the token (`homeChainId`, `homeToken`), in base units (stored at
    ///         the token's limit resolution, rounded down). `type(uint256).max` capacity (or any
    ///         capacity too large to store) means unlimited. The bucket starts full.
    function setRateLimit(
        uint64 homeChainId,
        address homeToken,
        Direction direction,
        uint256 capacity,
        uint256 refillPerSecond
    ) external;

    /// @notice Sets the delay of large or rate-limited transfers.
    function setLargeDelay(uint32 delay) external;

    /// @notice Sets the bounds and the default for how long a sent message stays deliverable.
    function setDeadlineWindows(uint32 minWindow, uint32 defaultWindow, uint32 maxWindow) external;

    /// @notice Sets the pricing of messages to `destChainId`, its bounds and its drop-off cap.
    function setFeeConfig(uint64 destChainId, FeeConfig calldata config) external;

    /// @notice Names who may claim the accrued fees (the relayer operator).
    function setFeeBeneficiary(address beneficiary) external;

    /// @notice Sends `to` what the gateway holds of `token` beyond what it has locked (tokens sent
    ///         to the gateway by mistake, rebasing yield). Never takes it below `lockedBalance`.
    function sweepSurplus(address token, address to) external;

    /// @notice Connects the gateway to its rollup's canonical messaging and the L1 escape hatch.
    ///         Callable once: afterwards nobody, governance included, can re-point where refunds
    ///         come from (that would let a role mint or unlock without an L1-proven escape).
    /// @param messenger This L2's `L2CrossDomainMessenger` (OP Stack predeploy `0x4200…0007`).
    /// @param escapeHatch The `EscapeHatch` contract on L1.
    /// @param tokenBridge This L2's `L2StandardBridge` (predeploy `0x4200…0010`), used for refunds
    ///        on L1 of `OptimismMintableERC20` home tokens; zero for none (refunds stay on L2).
    function initializeEscape(address messenger, address escapeHatch, address tokenBridge) external;

    // ------------------------------------------------------------------------------------------
    // Escape hatch (no guardian, relayer or role involved)
    // ------------------------------------------------------------------------------------------

    /// @notice Cancels a message addressed to this gateway so it can never be delivered or
    ///         executed, and sends the cancellation to the L1 escape hatch over the rollup's
    ///         canonical messaging. Possible after `message.deadline` for a message that was
    ///         never delivered or was vetoed (anyone may call), and for a queued message that
    ///         stayed unexecuted for `QUEUED_EXIT_GRACE` after both its deadline and its
    ///         `executableAt` (its sender only: a recipient the token blocks, a token that
    ///         refuses to pay). Only the sender may set `refundOnL1`. Works while paused.
    /// @return msgId The cancelled message's id.
    function cancelExpired(Message calldata message, bool refundOnL1) external returns (bytes32 msgId);

    /// @notice Refunds a message this gateway sent and its destination cancelled: unlocks or
    ///         re-mints to the sender here, or (when `refundOnL1` and the token is the rollup's
    ///         canonical representation of an L1 token) starts its withdrawal to the sender on L1.
    ///         Only the L1 escape hatch can call it, through the canonical messenger. Works while
    ///         paused, at most once per message. The delivery fee is not refunded.
    function refund(Message calldata message, bool refundOnL1) external;

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @notice What `send` to `destChainId` with `dropOff` costs in this chain's native wei.
    ///         Reverts when the route is unknown or the drop-off above its cap.
    function quoteFee(uint64 destChainId, uint128 dropOff) external view returns (uint256);

    /// @notice Pricing and bounds of messages to `destChainId`, and the hour window the updater
    ///         is in (its start and the values at its start).
    function feeConfig(
        uint64 destChainId
    )
        external
        view
        returns (FeeConfig memory config, uint64 windowStart, uint64 windowGasPrice, uint96 windowExchangeRate);

    /// @notice Who may claim the fees.
    function feeBeneficiary() external view returns (address);

    /// @notice Fees paid and not yet claimed (native wei).
    function accruedFees() external view returns (uint256);

    /// @notice Drop-offs `recipient` refused and may claim.
    function dropOffCredit(address recipient) external view returns (uint256);

    /// @notice EIP-712 struct hash of `message`: its id.
    function messageId(Message calldata message) external pure returns (bytes32);

    /// @notice The ids of a packed batch addressed to this gateway, as `deliver` computes them.
    function messageIds(bytes calldata messages) external view returns (bytes32[] memory);

    /// @notice The EIP-712 digest guardians sign for `root` under guardian set `setIndex`.
    function attestationDigest(bytes32 root, uint32 setIndex) external view returns (bytes32);

    /// @notice True when `nonce` of `sourceGateway` on `sourceChainId` was delivered, cancelled
    ///         or vetoed here.
    function isProcessed(uint64 sourceChainId, address sourceGateway, uint64 nonce) external view returns (bool);

    /// @notice The id of the message this gateway sent with `nonce` (zero if none).
    function sentMessageId(uint64 nonce) external view returns (bytes32);

    /// @notice True when the message this gateway sent with `nonce` was refunded by an escape.
    function isRefunded(uint64 nonce) external view returns (bool);

    /// @notice Tokens of `local` locked here (home tokens only): the backing of every bridged copy.
    function lockedBalance(address local) external view returns (uint256);

    /// @notice What the gateway holds of `token` beyond `lockedBalance` (what `sweepSurplus` moves).
    function surplus(address token) external view returns (uint256);

    /// @notice What a bucket of the token (`homeChainId`, `homeToken`) could release now, in base
    ///         units (`type(uint256).max` when unlimited).
    function availableRateLimit(
        uint64 homeChainId,
        address homeToken,
        Direction direction
    ) external view returns (uint256);

    /// @notice A bucket of the token as stored (capacity and refill in units), and the base units
    ///         per unit (10^limitScale).
    function rateLimit(
        uint64 homeChainId,
        address homeToken,
        Direction direction
    ) external view returns (RateLimitLib.Bucket memory bucket, uint256 unit);

    /// @notice The fast limit of the token, in base units.
    function fastLimit(uint64 homeChainId, address homeToken) external view returns (uint256);

    /// @notice True while send, deliver and execute are stopped.
    function paused() external view returns (bool);

    /// @notice Delay of large or rate-limited transfers, in seconds.
    function largeDelay() external view returns (uint32);

    /// @notice Index of the current guardian set.
    function guardianSetIndex() external view returns (uint32);

    /// @notice A guardian set's members, threshold and expiry (0 while current).
    function guardianSet(
        uint32 index
    ) external view returns (address[] memory guardians, uint8 threshold, uint64 expiresAt);

    /// @notice The gateway sends to on `chainId`, and whether the route is enabled.
    function route(uint64 chainId) external view returns (address gateway, bool enabled);

    /// @notice True when deliveries from `gateway` on `chainId` are accepted.
    function isInboundSource(uint64 chainId, address gateway) external view returns (bool);

    /// @notice How a local token is bridged (zero identity: not registered).
    function localToken(address local) external view returns (LocalToken memory);

    /// @notice The local token paid out for the identity (`homeChainId`, `homeToken`).
    function inboundToken(uint64 homeChainId, address homeToken) external view returns (InboundToken memory);

    /// @notice A queued (or executed, vetoed, cancelled) message.
    function queuedMessage(bytes32 msgId) external view returns (QueuedMessage memory);

    /// @notice The drop-off a queued message holds until it executes (native wei).
    function heldDropOff(bytes32 msgId) external view returns (uint256);

    /// @notice The nonce the next `send` will use.
    function nextNonce() external view returns (uint64);

    /// @notice Bounds and default of a sent message's deliverable window, in seconds.
    function deadlineWindows() external view returns (DeadlineWindows memory);

    /// @notice The escape hatch wiring (all zero until `initializeEscape`).
    function escapeConfig() external view returns (address messenger, address escapeHatch, address tokenBridge);
}
