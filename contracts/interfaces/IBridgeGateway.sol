// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Message, MessageHeader, Transfer, Attestation} from "./IBridgeMessage.sol";

/// @title Portcullis bridge gateway
/// @notice One gateway runs on every L2. It locks home tokens or burns bridged tokens on `send`,
///         and on `deliver` accepts guardian-attested messages from other gateways, executing
///         small transfers at once and queueing large or rate-limited ones behind a vetoable delay.
interface IBridgeGateway {
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
        /// @dev The token identity carried in messages: its address on its home chain.
        address homeToken;
        /// @dev True when this chain is the token's home chain (lock/unlock), false for a
        ///      `BridgedToken` (mint/burn).
        bool isHome;
    }

    /// @notice A registered token, keyed by its home identity. One slot: read once per delivery.
    struct InboundToken {
        /// @dev The local token paid out: the home token itself, or its `BridgedToken` here.
        address local;
        /// @dev Largest amount that may execute without delay (still subject to the bucket).
        ///      88 bits (3.09e26 base units) so the flag below shares the slot.
        uint88 fastLimit;
        /// @dev True on the token's home chain (unlock), false for a bridged copy (mint). Stored,
        ///      not inferred from addresses: a bridged copy can sit at the same address as the
        ///      home token on another chain (same deployer, same nonce).
        bool isHome;
    }

    /// @notice A queued message: what `execute` pays out after the delay.
    struct QueuedMessage {
        address recipient;
        uint64 executableAt;
        MessageStatus status;
        address localToken;
        uint64 sourceChainId;
        uint64 nonce;
        uint256 amount;
    }

    /// @notice A guardian set, by index. Only its hash is read on the hot path.
    struct GuardianSetInfo {
        /// @dev keccak256 of the ABI-packed ascending guardian list, truncated to 20 bytes.
        bytes20 hash;
        uint8 threshold;
        /// @dev 0 while the set is current; set to the end of its grace period when replaced.
        uint64 expiresAt;
    }

    // ------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------

    /// @notice A transfer left this chain. Guardians attest exactly this message.
    event MessageSent(bytes32 indexed msgId, Message message);
    /// @notice A delivered message waits until `executableAt` (large or rate-limited transfer).
    event MessageQueued(bytes32 indexed msgId, uint64 indexed sourceChainId, uint64 nonce, uint64 executableAt);
    /// @notice A message paid out. A fast message is delivered and executed in one call and emits
    ///         only this event; a queued one emitted `MessageQueued` first.
    event MessageExecuted(bytes32 indexed msgId);
    /// @notice A queued message was vetoed and will never execute.
    event MessageVetoed(bytes32 indexed msgId, address indexed by);
    /// @notice A new guardian set became current; the previous one stays valid until `previousExpiresAt`.
    event GuardianSetChanged(uint32 indexed index, address[] guardians, uint8 threshold, uint64 previousExpiresAt);
    /// @notice A route to or from a remote gateway was added, changed or disabled.
    event RouteSet(uint64 indexed chainId, address gateway, bool enabled);
    /// @notice A token was registered (or re-registered) on this gateway.
    event TokenRegistered(address indexed homeToken, address indexed local, bool isHome);
    /// @notice A token's largest fast (undelayed) amount changed.
    event FastLimitSet(address indexed homeToken, uint88 fastLimit);
    /// @notice A token's rate-limit bucket changed; its level is reset to full.
    event RateLimitSet(address indexed homeToken, Direction indexed direction, uint96 capacity, uint96 refillPerSecond);
    /// @notice The delay of large or rate-limited transfers changed.
    event LargeDelaySet(uint32 largeDelay);
    /// @notice The default time a sent message stays deliverable changed.
    event DeadlineWindowsSet(uint32 minWindow, uint32 defaultWindow, uint32 maxWindow);
    /// @notice The gateway was paused (no send, deliver or execute).
    event Paused(address indexed by);
    /// @notice The gateway was unpaused (governance only).
    event Unpaused(address indexed by);
    /// @notice The escape hatch was connected (once, see `initializeEscape`).
    event EscapeInitialized(address messenger, address escapeHatch, address tokenBridge);
    /// @notice A message addressed here expired undelivered (or was vetoed) and was cancelled;
    ///         its refund is on its way to the source through L1.
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
    /// @notice No enabled route to or from `chainId` via `gateway`.
    error BridgeUnknownRoute(uint64 chainId, address gateway);
    /// @notice The token is not registered here (includes address(0) and addresses without code).
    error BridgeUnknownToken(address token);
    /// @notice The token's registration is inconsistent (see `registerToken`).
    error BridgeInvalidTokenRegistration(address homeToken, address local);
    /// @notice The message's deadline has passed.
    error BridgeMessageExpired(bytes32 msgId, uint64 deadline);
    /// @notice A requested deadline is outside the allowed window.
    error BridgeInvalidDeadline(uint64 deadline);
    /// @notice This (source chain, nonce) was already delivered, cancelled or vetoed.
    error BridgeMessageAlreadyProcessed(bytes32 msgId);
    /// @notice The message is not in the state the call needs.
    error BridgeInvalidMessageStatus(bytes32 msgId, MessageStatus status);
    /// @notice The queued message's delay has not passed.
    error BridgeMessageNotReady(bytes32 msgId, uint64 executableAt);
    /// @notice Zero amount, zero recipient, or an amount that does not fit the limits' width.
    error BridgeInvalidTransfer();
    /// @notice The token took a fee or otherwise moved a different amount than asked.
    error BridgeFeeOnTransfer(address token, uint256 expected, uint256 received);
    /// @notice The outbound bucket has no room for this amount now.
    error BridgeRateLimited(address homeToken, uint256 amount, uint256 available);
    /// @notice No messages, or proofs that do not match the messages.
    error BridgeInvalidBatch();
    /// @notice A message's Merkle proof leads to a different root than the rest of the batch.
    error BridgeInvalidProof(bytes32 msgId);
    /// @notice The attestation names a guardian set index that does not exist.
    error BridgeUnknownGuardianSet(uint32 index);
    /// @notice The attestation's guardian set expired after a rotation.
    error BridgeGuardianSetExpired(uint32 index, uint64 expiresAt);
    /// @notice The guardian list passed in the attestation is not the stored set.
    error BridgeGuardianSetMismatch(uint32 index);
    /// @notice Signature bytes are not a whole number of 65-byte signatures.
    error BridgeMalformedSignatures(uint256 length);
    /// @notice Fewer valid signatures than the set's threshold.
    error BridgeThresholdNotMet(uint256 signatures, uint8 threshold);
    /// @notice `ecrecover` returned the zero address.
    error BridgeInvalidSignature(uint256 index);
    /// @notice The signature's `s` is in the upper half of the curve order, or `v` is not 27/28.
    error BridgeMalleableSignature(uint256 index);
    /// @notice Signers are not strictly ascending (covers duplicates).
    error BridgeSignersNotAscending(uint256 index, address signer);
    /// @notice The signer is not in the guardian set.
    error BridgeUnknownGuardian(uint256 index, address signer);
    /// @notice A new guardian set is empty, unsorted, contains zero, or its threshold is out of range.
    error BridgeInvalidGuardianSet();
    /// @notice A rate limit or delay parameter is out of range.
    error BridgeInvalidParameter();
    /// @notice The escape hatch is not configured on this gateway yet, or is already.
    error BridgeEscapeNotConfigured();
    error BridgeEscapeAlreadyConfigured();
    /// @notice `cancelExpired` before the message's deadline.
    error BridgeMessageNotExpired(bytes32 msgId, uint64 deadline);
    /// @notice Only the message's sender may ask for the refund on L1.
    error BridgeOnlySenderChoosesL1(address sender);
    /// @notice `refund` did not come from the L1 escape hatch through the `L2CrossDomainMessenger`.
    error BridgeNotEscapeHatch(address caller);
    /// @notice `refund` names a message this gateway never sent.
    error BridgeUnknownMessage(bytes32 msgId);
    /// @notice The message was refunded already.
    error BridgeAlreadyRefunded(bytes32 msgId);

    // ------------------------------------------------------------------------------------------
    // User and relayer functions
    // ------------------------------------------------------------------------------------------

    /// @notice Sends `amount` of `token` (its local address) to `recipient` on `destChainId`.
    /// @dev Locks a home token (rejecting fee-on-transfer tokens by balance delta) or burns a
    ///      bridged token, consumes the outbound bucket, assigns the next nonce and stores the
    ///      message id. `deadline` 0 means now + the default window.
    /// @return msgId The id of the emitted message.
    function send(
        address token,
        uint64 destChainId,
        address recipient,
        uint256 amount,
        uint64 deadline
    ) external returns (bytes32 msgId);

    /// @notice Delivers guardian-attested messages of one route addressed to this gateway.
    /// @dev The batch is `header` (the route, shared) plus one `Transfer` per message; message
    ///      ids are computed over the full `Message`. With `proofs` empty the attested root is
    ///      the Merkle root over all message ids (a batch of one: the id itself); otherwise
    ///      `proofs[i]` proves message i under one common root. Each message executes at once
    ///      when its amount is within the fast limit and the inbound bucket has room, else it is
    ///      queued for `largeDelay`. Reverts as a whole on any invalid message so a relayer
    ///      learns exactly what was wrong (including "already processed").
    function deliver(
        MessageHeader calldata header,
        Transfer[] calldata transfers,
        bytes32[][] calldata proofs,
        Attestation calldata attestation
    ) external;

    /// @notice Pays out a queued message once its delay has passed. Anyone may call it.
    function execute(bytes32 msgId) external;

    // ------------------------------------------------------------------------------------------
    // Security council and monitor
    // ------------------------------------------------------------------------------------------

    /// @notice Vetoes a queued message forever (VETO_ROLE). Its (source chain, nonce) may then be
    ///         taken by one different, never-seen message, so a forged message cannot block the
    ///         real one with the same nonce.
    function veto(bytes32 msgId) external;

    /// @notice Stops send, deliver and execute at once (PAUSER_ROLE).
    function pause() external;

    // ------------------------------------------------------------------------------------------
    // Governance (GOVERNOR_ROLE, held by a timelock)
    // ------------------------------------------------------------------------------------------

    /// @notice Resumes the gateway.
    function unpause() external;

    /// @notice Makes `guardians` (strictly ascending, no zero) with `threshold` the current set.
    ///         The previous set keeps verifying for `previousSetGrace` seconds.
    function setGuardianSet(address[] calldata guardians, uint8 threshold, uint64 previousSetGrace) external;

    /// @notice Adds, changes or disables the route to and from the gateway on `chainId`.
    function setRoute(uint64 chainId, address gateway, bool enabled) external;

    /// @notice Registers a token. `local` is either a `BridgedToken` whose GATEWAY is this gateway
    ///         and HOME_TOKEN is `homeToken` (mint/burn here), or else the home token itself
    ///         (`local == homeToken`, lock/unlock here).
    function registerToken(address homeToken, address local) external;

    /// @notice Sets the largest amount of `homeToken` that may execute without delay. Values above
    ///         2^88 - 1 are stored as 2^88 - 1 (3.09e26 base units); larger transfers always wait.
    function setFastLimit(address homeToken, uint96 fastLimit) external;

    /// @notice Sets a token bucket. Capacity `type(uint96).max` means unlimited. The bucket starts full.
    function setRateLimit(address homeToken, Direction direction, uint96 capacity, uint96 refillPerSecond) external;

    /// @notice Sets the delay of large or rate-limited transfers.
    function setLargeDelay(uint32 delay) external;

    /// @notice Sets the bounds and the default for how long a sent message stays deliverable.
    function setDeadlineWindows(uint32 minWindow, uint32 defaultWindow, uint32 maxWindow) external;

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

    /// @notice After `message.deadline`, cancels an undelivered message addressed to this
    ///         gateway — or one the council vetoed — so it can never be delivered, and sends the
    ///         cancellation to the L1 escape hatch over the rollup's canonical messaging. Anyone
    ///         may call it; only the message's sender may set `refundOnL1`. Works while paused:
    ///         a user's exit does not depend on whoever paused the bridge.
    /// @return msgId The cancelled message's id.
    function cancelExpired(Message calldata message, bool refundOnL1) external returns (bytes32 msgId);

    /// @notice Refunds a message this gateway sent and its destination cancelled: unlocks or
    ///         re-mints to the sender here, or (when `refundOnL1` and the token is the rollup's
    ///         canonical representation of an L1 token) starts its withdrawal to the sender on L1.
    ///         Only the L1 escape hatch can call it, through the canonical messenger. Works while
    ///         paused, at most once per message.
    function refund(Message calldata message, bool refundOnL1) external;

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @notice EIP-712 struct hash of `message`: its id.
    function messageId(Message calldata message) external pure returns (bytes32);

    /// @notice The EIP-712 digest guardians sign for `root` under guardian set `setIndex`.
    function attestationDigest(bytes32 root, uint32 setIndex) external view returns (bytes32);

    /// @notice True when (sourceChainId, nonce) was delivered, cancelled or vetoed here.
    function isProcessed(uint64 sourceChainId, uint64 nonce) external view returns (bool);

    /// @notice The id of the message this gateway sent with `nonce` (zero if none).
    function sentMessageId(uint64 nonce) external view returns (bytes32);

    /// @notice Tokens of `homeToken` locked here (home chain only): the backing of every bridged copy.
    function lockedBalance(address homeToken) external view returns (uint256);

    /// @notice What the bucket could release now.
    function availableRateLimit(address homeToken, Direction direction) external view returns (uint256);
}
