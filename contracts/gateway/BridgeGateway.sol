// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";
import {IBridgedToken} from "../interfaces/IBridgedToken.sol";
import {Message, MessageHeader, Transfer, Attestation} from "../interfaces/IBridgeMessage.sol";
import {MessageLib} from "../libraries/MessageLib.sol";
import {MerkleLib} from "../libraries/MerkleLib.sol";
import {GuardianSignatures} from "../libraries/GuardianSignatures.sol";
import {RateLimitLib} from "../libraries/RateLimitLib.sol";
import {ICrossDomainMessenger, IL2StandardBridge, IOptimismMintableERC20} from "../interfaces/ICanonicalMessaging.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IEscapeHatch} from "../interfaces/IEscapeHatch.sol";

/// @title BridgeGateway
/// @notice The Portcullis gateway of one L2. Non-upgradeable: parameters change only through
///         GOVERNOR_ROLE (a timelock), pausing and vetoing through PAUSER_ROLE and VETO_ROLE
///         (security council, monitor). No role can move locked funds: only a guardian-attested
///         message pays out, and unlocks can never exceed what was locked here.
/// @dev Storage is laid out for the delivery hot path: one slot for pause + current guardian set
///      + delay, one for the route, one for the token, one for its bucket, one bitmap word for
///      replay protection. See docs/gas.md for the measured figures.
contract BridgeGateway is IBridgeGateway, AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using RateLimitLib for RateLimitLib.Bucket;

    /// @notice Changes parameters, rotates guardians, unpauses. Held by the governance timelock.
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @notice Pauses instantly. Held by the security council Safe and the monitor.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Vetoes queued messages. Held by the security council Safe and the monitor.
    bytes32 public constant VETO_ROLE = keccak256("VETO_ROLE");

    /// @notice Gas the `EscapeHatch` gets at least on L1 for a cancellation. It forwards the
    ///         refund as a deposit, and the `OptimismPortal` meters deposits by burning L1 gas in
    ///         proportion to their L2 gas (~0.7M for the hatch's refund), so this is generous.
    ///         Whoever finalizes the withdrawal on L1 pays it; a relay that still fails is recorded
    ///         by the `L1CrossDomainMessenger` and anyone can replay it with more gas.
    uint32 public constant ESCAPE_L1_GAS_LIMIT = 1_500_000;
    /// @notice Gas the `L1StandardBridge` gets at least on L1 to release a refund paid on L1.
    uint32 public constant L1_WITHDRAWAL_GAS_LIMIT = 200_000;

    /// @dev Everything `deliver` needs besides the route and token, in one slot.
    struct Config {
        bytes20 guardianSetHash;
        uint8 threshold;
        uint32 guardianSetIndex;
        bool paused;
        uint32 largeDelay;
    }

    /// @dev A remote gateway on another L2.
    struct Route {
        address gateway;
        bool enabled;
    }

    /// @dev How long a sent message stays deliverable, in seconds.
    struct DeadlineWindows {
        uint32 minWindow;
        uint32 defaultWindow;
        uint32 maxWindow;
    }

    /// @dev Where escapes go through: this rollup's `L2CrossDomainMessenger`, the L1 escape hatch
    ///      and the `L2StandardBridge` (refunds on L1).
    struct EscapeWiring {
        ICrossDomainMessenger messenger;
        address escapeHatch;
        IL2StandardBridge tokenBridge;
    }

    /// @dev "No bitmap word loaded yet" in a batch cache.
    uint256 private constant NO_WORD = type(uint256).max;

    Config private _config;
    DeadlineWindows private _deadlineWindows;
    uint64 private _nextNonce;

    mapping(uint32 index => GuardianSetInfo) private _guardianSets;
    mapping(uint32 index => address[]) private _guardianLists;
    mapping(uint64 chainId => Route) private _routes;
    mapping(address local => LocalToken) private _localTokens;
    mapping(address homeToken => InboundToken) private _inboundTokens;
    mapping(address homeToken => RateLimitLib.Bucket) private _inboundBuckets;
    mapping(address homeToken => RateLimitLib.Bucket) private _outboundBuckets;
    mapping(address homeToken => uint256) private _locked;
    mapping(uint64 nonce => bytes32 msgId) private _sent;
    /// @dev Replay protection: bit `nonce % 256` of word `nonce / 256` per source chain. Source
    ///      nonces are sequential, so 256 deliveries share one slot and most pay a warm-ish
    ///      non-zero to non-zero write instead of a fresh 20,000-gas slot.
    mapping(uint64 sourceChainId => mapping(uint256 word => uint256 bits)) private _processed;
    /// @dev Set when the message holding a (source chain, nonce) was vetoed: one different,
    ///      never-seen message may then take that nonce (the genuine one a forgery tried to block).
    mapping(uint64 sourceChainId => mapping(uint64 nonce => bool)) private _nonceReleased;
    mapping(bytes32 msgId => QueuedMessage) private _queued;

    /// @dev Escape hatch wiring, set once by `initializeEscape` and never changed afterwards.
    EscapeWiring private _escape;
    /// @dev Refunded sent messages, bit `nonce % 256` of word `nonce / 256` (like `_processed`).
    mapping(uint256 word => uint256 bits) private _refunded;

    /// @param governor Receives GOVERNOR_ROLE (the deployer during set-up, then the timelock).
    /// @param guardians Initial guardian set (index 0), strictly ascending.
    /// @param threshold Signatures required from that set.
    /// @param delay Delay of large or rate-limited transfers, in seconds.
    constructor(address governor, address[] memory guardians, uint8 threshold, uint32 delay) EIP712("Portcullis", "1") {
        // GOVERNOR administers every role; DEFAULT_ADMIN_ROLE is never granted to anyone.
        _setRoleAdmin(GOVERNOR_ROLE, GOVERNOR_ROLE);
        _setRoleAdmin(PAUSER_ROLE, GOVERNOR_ROLE);
        _setRoleAdmin(VETO_ROLE, GOVERNOR_ROLE);
        _grantRole(GOVERNOR_ROLE, governor);

        _config.largeDelay = delay;
        emit LargeDelaySet(delay);
        _setDeadlineWindows(60, 1 days, 30 days);
        _installGuardianSet(0, guardians, threshold);
    }

    // ------------------------------------------------------------------------------------------
    // Sending
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IBridgeGateway
    function send(
        address token,
        uint64 destChainId,
        address recipient,
        uint256 amount,
        uint64 deadline
    ) external nonReentrant returns (bytes32 msgId) {
        require(!_config.paused, BridgePaused());
        require(recipient != address(0) && amount != 0, BridgeInvalidTransfer());
        Route memory destRoute = _routes[destChainId];
        require(destRoute.enabled, BridgeUnknownRoute(destChainId, destRoute.gateway));
        LocalToken memory local = _localTokens[token];
        require(local.homeToken != address(0), BridgeUnknownToken(token));
        deadline = _checkedDeadline(deadline);

        RateLimitLib.Bucket storage bucket = _outboundBuckets[local.homeToken];
        // Explicit branch: the bucket's remaining room is only read to explain a refusal.
        if (!bucket.tryConsume(amount)) revert BridgeRateLimited(local.homeToken, amount, bucket.available());

        if (local.isHome) {
            _lock(token, amount);
        } else {
            IBridgedToken(token).burn(msg.sender, amount);
        }

        uint64 nonce = _nextNonce++;
        Message memory message = Message({
            version: MessageLib.MESSAGE_VERSION,
            nonce: nonce,
            sourceChainId: uint64(block.chainid),
            destChainId: destChainId,
            sourceGateway: address(this),
            destGateway: destRoute.gateway,
            sender: msg.sender,
            recipient: recipient,
            token: local.homeToken,
            amount: amount,
            deadline: deadline
        });
        msgId = MessageLib.hash(message);
        _sent[nonce] = msgId;
        emit MessageSent(msgId, message);
    }

    /// @dev Pulls `amount` and checks that exactly `amount` arrived: fee-on-transfer tokens
    ///      (and anything else that moves a different amount) are rejected, so `_locked` is
    ///      always backed one to one.
    function _lock(address token, uint256 amount) private {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        require(received == amount, BridgeFeeOnTransfer(token, amount, received));
        _locked[token] += amount;
    }

    function _checkedDeadline(uint64 deadline) private view returns (uint64) {
        DeadlineWindows memory w = _deadlineWindows;
        if (deadline == 0) return uint64(block.timestamp + w.defaultWindow);
        require(
            deadline >= block.timestamp + w.minWindow && deadline <= block.timestamp + w.maxWindow,
            BridgeInvalidDeadline(deadline)
        );
        return deadline;
    }

    // ------------------------------------------------------------------------------------------
    // Delivery and execution
    // ------------------------------------------------------------------------------------------

    /// @dev Fast payouts collected while a batch's effects are applied, paid once they all are.
    struct Payouts {
        address[] locals;
        bool[] isHome;
        address[] recipients;
        uint256[] amounts;
        uint256 count;
    }

    /// @dev State a batch reads and writes per message, kept in memory between messages of the
    ///      same token or the same bitmap word and written back once. Flat on purpose: a nested
    ///      memory struct costs an allocation of its own.
    struct BatchCache {
        address homeToken;
        address local;
        uint88 fastLimit;
        bool isHome;
        uint256 bitmapWord;
        uint256 bits;
    }

    /// @inheritdoc IBridgeGateway
    function deliver(
        MessageHeader calldata header,
        Transfer[] calldata transfers,
        bytes32[][] calldata proofs,
        Attestation calldata attestation
    ) external nonReentrant {
        uint256 n = transfers.length;
        require(n != 0 && (proofs.length == 0 || proofs.length == n), BridgeInvalidBatch());
        Config memory config = _config;
        require(!config.paused, BridgePaused());
        _checkHeader(header);

        bytes32[] memory ids = MessageLib.hashBatch(header, transfers);
        _verifyAttestation(config, _attestedRoot(ids, proofs), attestation);

        // Effects first (every check, nonce, bucket and queue entry), interactions after: a
        // token called during payout can never observe a half-applied batch.
        BatchCache memory cache = BatchCache(address(0), address(0), 0, false, NO_WORD, 0);
        RateLimitLib.Bucket memory bucket;
        uint64 sourceChainId = header.sourceChainId;
        if (n == 1) {
            // A lone message skips the payout lists: same checks, direct payout.
            Transfer calldata t = transfers[0];
            bucket = _accept(sourceChainId, t, ids[0], cache, bucket);
            bool fast = _decide(sourceChainId, t, ids[0], config.largeDelay, cache, bucket);
            _flush(sourceChainId, cache, bucket);
            if (fast) _payOut(cache.local, cache.isHome, t.recipient, t.amount);
            return;
        }
        Payouts memory payouts = Payouts(new address[](n), new bool[](n), new address[](n), new uint256[](n), 0);
        for (uint256 i = 0; i < n; ++i) {
            Transfer calldata t = transfers[i];
            bucket = _accept(sourceChainId, t, ids[i], cache, bucket);
            if (_decide(sourceChainId, t, ids[i], config.largeDelay, cache, bucket)) {
                uint256 k = payouts.count++;
                payouts.locals[k] = cache.local;
                payouts.isHome[k] = cache.isHome;
                payouts.recipients[k] = t.recipient;
                payouts.amounts[k] = t.amount;
            }
        }
        _flush(sourceChainId, cache, bucket);
        _payOutAll(payouts);
    }

    function _checkHeader(MessageHeader calldata header) private view {
        require(header.version == MessageLib.MESSAGE_VERSION, BridgeUnsupportedVersion(header.version));
        require(
            header.destChainId == block.chainid && header.destGateway == address(this),
            BridgeWrongDestination(header.destChainId, header.destGateway)
        );
        Route memory sourceRoute = _routes[header.sourceChainId];
        require(
            sourceRoute.enabled && sourceRoute.gateway == header.sourceGateway,
            BridgeUnknownRoute(header.sourceChainId, header.sourceGateway)
        );
    }

    /// @dev The root the batch claims: computed over all ids, or the common root of every proof.
    function _attestedRoot(bytes32[] memory ids, bytes32[][] calldata proofs) private pure returns (bytes32 root) {
        if (proofs.length == 0) return MerkleLib.root(ids);
        root = MerkleLib.processProof(proofs[0], ids[0]);
        for (uint256 i = 1; i < ids.length; ++i) {
            require(MerkleLib.processProof(proofs[i], ids[i]) == root, BridgeInvalidProof(ids[i]));
        }
    }

    function _verifyAttestation(Config memory config, bytes32 root, Attestation calldata attestation) private view {
        uint32 index = attestation.guardianSetIndex;
        bytes20 setHash = config.guardianSetHash;
        uint8 threshold = config.threshold;
        if (index != config.guardianSetIndex) {
            GuardianSetInfo memory set = _guardianSets[index];
            require(set.hash != bytes20(0), BridgeUnknownGuardianSet(index));
            require(block.timestamp < set.expiresAt, BridgeGuardianSetExpired(index, set.expiresAt));
            setHash = set.hash;
            threshold = set.threshold;
        }
        require(GuardianSignatures.hashGuardians(attestation.guardians) == setHash, BridgeGuardianSetMismatch(index));
        bytes32 digest = _hashTypedDataV4(MessageLib.attestationHash(root, index));
        GuardianSignatures.verify(digest, attestation.guardians, attestation.signatures, threshold);
    }

    /// @dev Checks one attested transfer and takes its nonce. Loads its token (and returns its
    ///      bucket) only when it differs from the previous message's.
    function _accept(
        uint64 sourceChainId,
        Transfer calldata t,
        bytes32 id,
        BatchCache memory cache,
        RateLimitLib.Bucket memory bucket
    ) private returns (RateLimitLib.Bucket memory) {
        require(block.timestamp <= t.deadline, BridgeMessageExpired(id, t.deadline));
        address homeToken = t.token;
        // `cache.local` is zero until a token is loaded, so the first message always looks its
        // token up — including one naming address(0), which must fail as unknown.
        if (homeToken != cache.homeToken || cache.local == address(0)) {
            _flushBucket(cache, bucket);
            InboundToken memory token = _inboundTokens[homeToken];
            require(token.local != address(0), BridgeUnknownToken(homeToken));
            cache.homeToken = homeToken;
            cache.local = token.local;
            cache.fastLimit = token.fastLimit;
            cache.isHome = token.isHome;
            bucket = _inboundBuckets[homeToken];
        }
        _consumeNonce(sourceChainId, t.nonce, id, cache);
        return bucket;
    }

    /// @dev Executes (returns true: the caller pays out) or queues an accepted transfer.
    function _decide(
        uint64 sourceChainId,
        Transfer calldata t,
        bytes32 id,
        uint32 delay,
        BatchCache memory cache,
        RateLimitLib.Bucket memory bucket
    ) private returns (bool fast) {
        uint256 amount = t.amount;
        if (amount <= cache.fastLimit && RateLimitLib.consume(bucket, amount)) {
            if (cache.isHome) _locked[cache.homeToken] -= amount;
            emit MessageExecuted(id);
            return true;
        }
        uint64 executableAt = uint64(block.timestamp) + delay;
        _queued[id] = QueuedMessage({
            recipient: t.recipient,
            executableAt: executableAt,
            status: MessageStatus.Queued,
            localToken: cache.local,
            sourceChainId: sourceChainId,
            nonce: t.nonce,
            amount: amount
        });
        emit MessageQueued(id, sourceChainId, t.nonce, executableAt);
        return false;
    }

    /// @dev Marks (sourceChainId, nonce) processed in the cached bitmap word, or reverts if it
    ///      already is, unless the holder was vetoed and `id` was never seen (then `id` takes
    ///      the nonce, once).
    function _consumeNonce(uint64 sourceChainId, uint64 nonce, bytes32 id, BatchCache memory cache) private {
        uint256 word = nonce >> 8;
        if (word != cache.bitmapWord) {
            _flushBitmap(sourceChainId, cache);
            cache.bitmapWord = word;
            cache.bits = _processed[sourceChainId][word];
        }
        uint256 bit = 1 << (nonce & 0xff);
        if (cache.bits & bit == 0) {
            cache.bits |= bit;
            return;
        }
        _reuseReleasedNonce(sourceChainId, nonce, id);
    }

    function _reuseReleasedNonce(uint64 sourceChainId, uint64 nonce, bytes32 id) private {
        require(
            _nonceReleased[sourceChainId][nonce] && _queued[id].status == MessageStatus.None,
            BridgeMessageAlreadyProcessed(id)
        );
        _nonceReleased[sourceChainId][nonce] = false;
    }

    function _flush(uint64 sourceChainId, BatchCache memory cache, RateLimitLib.Bucket memory bucket) private {
        _flushBucket(cache, bucket);
        _flushBitmap(sourceChainId, cache);
    }

    function _flushBucket(BatchCache memory cache, RateLimitLib.Bucket memory bucket) private {
        if (cache.homeToken != address(0) && bucket.capacity != RateLimitLib.UNLIMITED) {
            _inboundBuckets[cache.homeToken].fullAt = bucket.fullAt;
        }
    }

    function _flushBitmap(uint64 sourceChainId, BatchCache memory cache) private {
        if (cache.bitmapWord != NO_WORD) _processed[sourceChainId][cache.bitmapWord] = cache.bits;
    }

    /// @dev Unlocks a home token or mints its bridged copy to one recipient.
    function _payOut(address local, bool isHome, address recipient, uint256 amount) private {
        if (isHome) IERC20(local).safeTransfer(recipient, amount);
        else IBridgedToken(local).mint(recipient, amount);
    }

    /// @dev Pays every fast transfer of a batch: one `mintBatch` per run of the same bridged
    ///      token (relayers order batches by token), one transfer each for home tokens.
    function _payOutAll(Payouts memory payouts) private {
        uint256 count = payouts.count;
        uint256 start = 0;
        while (start < count) {
            address local = payouts.locals[start];
            uint256 end = start + 1;
            while (end < count && payouts.locals[end] == local) ++end;
            if (payouts.isHome[start]) {
                for (uint256 i = start; i < end; ++i) {
                    IERC20(local).safeTransfer(payouts.recipients[i], payouts.amounts[i]);
                }
            } else {
                IBridgedToken(local).mintBatch(
                    _slice(payouts.recipients, start, end, count),
                    _slice(payouts.amounts, start, end, count)
                );
            }
            start = end;
        }
    }

    /// @dev `array[start:end]` of an array whose first `count` entries are used. The whole used
    ///      range (the usual single-token batch) is returned in place with its length cut to
    ///      `count`; any other range is copied, so later runs still read the full array.
    function _slice(
        address[] memory array,
        uint256 start,
        uint256 end,
        uint256 count
    ) private pure returns (address[] memory out) {
        if (start == 0 && end == count) {
            // Shrinking a memory array's length in place is safe: the tail is simply unused.
            assembly ("memory-safe") {
                mstore(array, end)
            }
            return array;
        }
        out = new address[](end - start);
        for (uint256 i = start; i < end; ++i) out[i - start] = array[i];
    }

    function _slice(
        uint256[] memory array,
        uint256 start,
        uint256 end,
        uint256 count
    ) private pure returns (uint256[] memory out) {
        if (start == 0 && end == count) {
            assembly ("memory-safe") {
                mstore(array, end)
            }
            return array;
        }
        out = new uint256[](end - start);
        for (uint256 i = start; i < end; ++i) out[i - start] = array[i];
    }

    /// @inheritdoc IBridgeGateway
    function execute(bytes32 msgId) external nonReentrant {
        require(!_config.paused, BridgePaused());
        QueuedMessage storage queued = _queued[msgId];
        require(queued.status == MessageStatus.Queued, BridgeInvalidMessageStatus(msgId, queued.status));
        require(block.timestamp >= queued.executableAt, BridgeMessageNotReady(msgId, queued.executableAt));
        queued.status = MessageStatus.Executed;
        address local = queued.localToken;
        uint256 amount = queued.amount;
        bool isHome = _localTokens[local].isHome;
        if (isHome) _locked[local] -= amount;
        emit MessageExecuted(msgId);
        _payOut(local, isHome, queued.recipient, amount);
    }

    // ------------------------------------------------------------------------------------------
    // Security council and monitor
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IBridgeGateway
    function veto(bytes32 msgId) external onlyRole(VETO_ROLE) {
        QueuedMessage storage queued = _queued[msgId];
        require(queued.status == MessageStatus.Queued, BridgeInvalidMessageStatus(msgId, queued.status));
        queued.status = MessageStatus.Vetoed;
        _nonceReleased[queued.sourceChainId][queued.nonce] = true;
        emit MessageVetoed(msgId, msg.sender);
    }

    /// @inheritdoc IBridgeGateway
    function pause() external onlyRole(PAUSER_ROLE) {
        require(!_config.paused, BridgePaused());
        _config.paused = true;
        emit Paused(msg.sender);
    }

    // ------------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IBridgeGateway
    function unpause() external onlyRole(GOVERNOR_ROLE) {
        require(_config.paused, BridgeNotPaused());
        _config.paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IBridgeGateway
    function setGuardianSet(
        address[] calldata guardians,
        uint8 threshold,
        uint64 previousSetGrace
    ) external onlyRole(GOVERNOR_ROLE) {
        uint32 previous = _config.guardianSetIndex;
        uint64 expiresAt = uint64(block.timestamp) + previousSetGrace;
        _guardianSets[previous].expiresAt = expiresAt;
        _installGuardianSet(previous + 1, guardians, threshold);
        emit GuardianSetChanged(previous + 1, guardians, threshold, expiresAt);
    }

    function _installGuardianSet(uint32 index, address[] memory guardians, uint8 threshold) private {
        uint256 n = guardians.length;
        require(n != 0 && n <= type(uint8).max && threshold != 0 && threshold <= n, BridgeInvalidGuardianSet());
        address previous = address(0);
        for (uint256 i = 0; i < n; ++i) {
            // Strictly ascending from zero: no zero address, no duplicates.
            require(guardians[i] > previous, BridgeInvalidGuardianSet());
            previous = guardians[i];
        }
        bytes20 setHash = bytes20(keccak256(abi.encodePacked(guardians)));
        // Must equal GuardianSignatures.hashGuardians over the same list in calldata.
        _guardianSets[index] = GuardianSetInfo({hash: setHash, threshold: threshold, expiresAt: 0});
        _guardianLists[index] = guardians;
        _config.guardianSetHash = setHash;
        _config.threshold = threshold;
        _config.guardianSetIndex = index;
        if (index == 0) emit GuardianSetChanged(0, guardians, threshold, 0);
    }

    /// @inheritdoc IBridgeGateway
    function setRoute(uint64 chainId, address gateway, bool enabled) external onlyRole(GOVERNOR_ROLE) {
        require(chainId != block.chainid && chainId != 0 && gateway != address(0), BridgeInvalidParameter());
        _routes[chainId] = Route({gateway: gateway, enabled: enabled});
        emit RouteSet(chainId, gateway, enabled);
    }

    /// @inheritdoc IBridgeGateway
    function registerToken(address homeToken, address local) external onlyRole(GOVERNOR_ROLE) {
        require(homeToken != address(0) && local.code.length != 0, BridgeInvalidTokenRegistration(homeToken, local));
        bool isHome = !_isOwnBridgedToken(local, homeToken);
        // Not our bridged copy: then it must be the home token itself.
        require(!isHome || local == homeToken, BridgeInvalidTokenRegistration(homeToken, local));
        InboundToken memory existing = _inboundTokens[homeToken];
        require(
            existing.local == address(0) || (existing.local == local && existing.isHome == isHome),
            BridgeInvalidTokenRegistration(homeToken, local)
        );
        LocalToken memory known = _localTokens[local];
        require(
            known.homeToken == address(0) || known.homeToken == homeToken,
            BridgeInvalidTokenRegistration(homeToken, local)
        );
        _localTokens[local] = LocalToken({homeToken: homeToken, isHome: isHome});
        _inboundTokens[homeToken] = InboundToken({local: local, fastLimit: existing.fastLimit, isHome: isHome});
        emit TokenRegistered(homeToken, local, isHome);
    }

    /// @dev True when `local` is a BridgedToken minted by this gateway for `homeToken`. Any
    ///      revert or malformed return (a plain ERC-20 has no GATEWAY()) means no.
    function _isOwnBridgedToken(address local, address homeToken) private view returns (bool) {
        (bool ok, bytes memory data) = local.staticcall(abi.encodeCall(IBridgedToken.GATEWAY, ()));
        if (!ok || data.length != 32 || abi.decode(data, (address)) != address(this)) return false;
        (ok, data) = local.staticcall(abi.encodeCall(IBridgedToken.HOME_TOKEN, ()));
        return ok && data.length == 32 && abi.decode(data, (address)) == homeToken;
    }

    /// @inheritdoc IBridgeGateway
    function setFastLimit(address homeToken, uint96 fastLimit) external onlyRole(GOVERNOR_ROLE) {
        require(_inboundTokens[homeToken].local != address(0), BridgeUnknownToken(homeToken));
        uint88 stored = fastLimit >= type(uint88).max ? type(uint88).max : uint88(fastLimit);
        _inboundTokens[homeToken].fastLimit = stored;
        emit FastLimitSet(homeToken, stored);
    }

    /// @inheritdoc IBridgeGateway
    function setRateLimit(
        address homeToken,
        Direction direction,
        uint96 capacity,
        uint96 refillPerSecond
    ) external onlyRole(GOVERNOR_ROLE) {
        require(_inboundTokens[homeToken].local != address(0), BridgeUnknownToken(homeToken));
        require(RateLimitLib.isValid(capacity, refillPerSecond), BridgeInvalidParameter());
        RateLimitLib.Bucket memory bucket = RateLimitLib.Bucket({
            capacity: capacity,
            refillPerSecond: refillPerSecond,
            fullAt: 0
        });
        if (direction == Direction.Inbound) _inboundBuckets[homeToken] = bucket;
        else _outboundBuckets[homeToken] = bucket;
        emit RateLimitSet(homeToken, direction, capacity, refillPerSecond);
    }

    /// @inheritdoc IBridgeGateway
    function setLargeDelay(uint32 delay) external onlyRole(GOVERNOR_ROLE) {
        _config.largeDelay = delay;
        emit LargeDelaySet(delay);
    }

    /// @inheritdoc IBridgeGateway
    function setDeadlineWindows(
        uint32 minWindow,
        uint32 defaultWindow,
        uint32 maxWindow
    ) external onlyRole(GOVERNOR_ROLE) {
        _setDeadlineWindows(minWindow, defaultWindow, maxWindow);
    }

    function _setDeadlineWindows(uint32 minWindow, uint32 defaultWindow, uint32 maxWindow) private {
        require(minWindow <= defaultWindow && defaultWindow <= maxWindow && minWindow != 0, BridgeInvalidParameter());
        _deadlineWindows = DeadlineWindows(minWindow, defaultWindow, maxWindow);
        emit DeadlineWindowsSet(minWindow, defaultWindow, maxWindow);
    }

    /// @inheritdoc IBridgeGateway
    function initializeEscape(
        address messenger,
        address escapeHatch,
        address tokenBridge
    ) external onlyRole(GOVERNOR_ROLE) {
        require(address(_escape.messenger) == address(0), BridgeEscapeAlreadyConfigured());
        require(messenger.code.length != 0 && escapeHatch != address(0), BridgeInvalidParameter());
        require(tokenBridge == address(0) || tokenBridge.code.length != 0, BridgeInvalidParameter());
        _escape = EscapeWiring({
            messenger: ICrossDomainMessenger(messenger),
            escapeHatch: escapeHatch,
            tokenBridge: IL2StandardBridge(tokenBridge)
        });
        emit EscapeInitialized(messenger, escapeHatch, tokenBridge);
    }

    // ------------------------------------------------------------------------------------------
    // Escape hatch
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IBridgeGateway
    /// @dev Mutual exclusion with delivery: `deliver` accepts a message only up to its deadline
    ///      and this only after it, and both go through the (source chain, nonce) bit. A message
    ///      whose bit is set and not released was delivered (perhaps paid out on the fast path,
    ///      which records nothing else), so it cannot be cancelled; a queued one cannot either (it
    ///      pays out or is vetoed). A vetoed one can: a veto must not strand a genuine sender's
    ///      funds, and a forgery's refund is refused by the source, which never sent it.
    ///      Cancelling takes the bit but leaves the nonce *released* (as a veto does): anyone can
    ///      cancel a made-up expired message naming any nonce, and that must not block the
    ///      genuine message with the same nonce. The cancelled id itself can never be delivered:
    ///      taking a released nonce requires the id's status to be None.
    ///      Deliberately not gated on `paused`: see the interface.
    function cancelExpired(Message calldata message, bool refundOnL1) external nonReentrant returns (bytes32 msgId) {
        ICrossDomainMessenger messenger = _escape.messenger;
        require(address(messenger) != address(0), BridgeEscapeNotConfigured());
        require(
            message.destChainId == block.chainid && message.destGateway == address(this),
            BridgeWrongDestination(message.destChainId, message.destGateway)
        );
        msgId = MessageLib.hash(message);
        require(block.timestamp > message.deadline, BridgeMessageNotExpired(msgId, message.deadline));
        require(!refundOnL1 || msg.sender == message.sender, BridgeOnlySenderChoosesL1(message.sender));

        QueuedMessage storage entry = _queued[msgId];
        MessageStatus status = entry.status;
        if (status == MessageStatus.None) {
            uint64 sourceChainId = message.sourceChainId;
            uint64 nonce = message.nonce;
            uint256 bit = 1 << (nonce & 0xff);
            uint256 bits = _processed[sourceChainId][nonce >> 8];
            if (bits & bit == 0) _processed[sourceChainId][nonce >> 8] = bits | bit;
            else require(_nonceReleased[sourceChainId][nonce], BridgeMessageAlreadyProcessed(msgId));
            _nonceReleased[sourceChainId][nonce] = true;
        } else {
            require(status == MessageStatus.Vetoed, BridgeInvalidMessageStatus(msgId, status));
        }
        entry.status = MessageStatus.Cancelled;
        emit MessageCancelled(msgId, message.sourceChainId, message.nonce, refundOnL1);
        messenger.sendMessage(
            _escape.escapeHatch,
            abi.encodeCall(IEscapeHatch.onMessageCancelled, (message, refundOnL1)),
            ESCAPE_L1_GAS_LIMIT
        );
    }

    /// @inheritdoc IBridgeGateway
    /// @dev The source's own record (`_sent`) is what makes a refund safe: the escape hatch only
    ///      proves that the destination cancelled *some* message naming this gateway, and a
    ///      cancelled forgery must not pay out here. Not gated on `paused` (see the interface).
    function refund(Message calldata message, bool refundOnL1) external nonReentrant {
        ICrossDomainMessenger messenger = _escape.messenger;
        // `xDomainMessageSender()` reverts outside a relay: read only when the messenger calls.
        require(
            address(messenger) != address(0) &&
                msg.sender == address(messenger) &&
                messenger.xDomainMessageSender() == _escape.escapeHatch,
            BridgeNotEscapeHatch(msg.sender)
        );
        bytes32 msgId = MessageLib.hash(message);
        uint64 nonce = message.nonce;
        require(
            message.sourceChainId == block.chainid && message.sourceGateway == address(this) && _sent[nonce] == msgId,
            BridgeUnknownMessage(msgId)
        );
        uint256 bit = 1 << (nonce & 0xff);
        uint256 bits = _refunded[nonce >> 8];
        require(bits & bit == 0, BridgeAlreadyRefunded(msgId));
        _refunded[nonce >> 8] = bits | bit;

        InboundToken memory token = _inboundTokens[message.token];
        address local = token.local;
        uint256 amount = message.amount;
        address to = message.sender;
        // The outbound bucket is left as it is: it bounds how fast value leaves, and giving its
        // room back on a refund would let cancelled messages be replayed as fresh capacity.
        if (token.isHome) _locked[local] -= amount;
        IL2StandardBridge tokenBridge = _escape.tokenBridge;
        // L1 is possible only for a home token that is this rollup's canonical copy of an L1
        // token; anything else (a bridged copy, a native L2 token) is refunded here instead, and
        // the event says which happened.
        bool onL1 = refundOnL1 && token.isHome && _isStandardBridgeToken(local, address(tokenBridge));
        emit MessageRefunded(msgId, to, amount, onL1);
        if (onL1) {
            // The standard bridge burns the gateway's tokens and withdraws them to `to` on L1.
            tokenBridge.withdrawTo(local, to, amount, L1_WITHDRAWAL_GAS_LIMIT, "");
        } else {
            _payOut(local, token.isHome, to, amount);
        }
    }

    /// @dev True when `token` is an `OptimismMintableERC20` that `bridge` mints and burns, so
    ///      `bridge.withdrawTo` can take it to L1. Low-level static calls: any other token (no
    ///      ERC-165, a reverting or odd getter) answers false, so a refund never reverts on it.
    function _isStandardBridgeToken(address token, address bridge) private view returns (bool) {
        if (bridge == address(0)) return false;
        (bool ok, bytes memory ret) = token.staticcall(
            abi.encodeCall(IERC165.supportsInterface, (type(IOptimismMintableERC20).interfaceId))
        );
        if (!ok || ret.length < 32 || abi.decode(ret, (uint256)) != 1) return false;
        (ok, ret) = token.staticcall(abi.encodeCall(IOptimismMintableERC20.bridge, ()));
        return ok && ret.length >= 32 && abi.decode(ret, (uint256)) == uint256(uint160(bridge));
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @notice True when the message this gateway sent with `nonce` was refunded by an escape.
    function isRefunded(uint64 nonce) external view returns (bool) {
        return _refunded[nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @notice The escape hatch wiring (all zero until `initializeEscape`).
    function escapeConfig() external view returns (address messenger, address escapeHatch, address tokenBridge) {
        EscapeWiring memory w = _escape;
        return (address(w.messenger), w.escapeHatch, address(w.tokenBridge));
    }

    /// @inheritdoc IBridgeGateway
    function messageId(Message calldata message) external pure returns (bytes32) {
        return MessageLib.hash(message);
    }

    /// @inheritdoc IBridgeGateway
    function attestationDigest(bytes32 root, uint32 setIndex) external view returns (bytes32) {
        return _hashTypedDataV4(MessageLib.attestationHash(root, setIndex));
    }

    /// @inheritdoc IBridgeGateway
    function isProcessed(uint64 sourceChainId, uint64 nonce) external view returns (bool) {
        return _processed[sourceChainId][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @inheritdoc IBridgeGateway
    function sentMessageId(uint64 nonce) external view returns (bytes32) {
        return _sent[nonce];
    }

    /// @inheritdoc IBridgeGateway
    function lockedBalance(address homeToken) external view returns (uint256) {
        return _locked[homeToken];
    }

    /// @inheritdoc IBridgeGateway
    function availableRateLimit(address homeToken, Direction direction) external view returns (uint256) {
        return (direction == Direction.Inbound ? _inboundBuckets[homeToken] : _outboundBuckets[homeToken]).available();
    }

    /// @notice A rate-limit bucket's parameters and state (`fullAt` in seconds << 16).
    function rateLimit(address homeToken, Direction direction) external view returns (RateLimitLib.Bucket memory) {
        return direction == Direction.Inbound ? _inboundBuckets[homeToken] : _outboundBuckets[homeToken];
    }

    /// @notice True while send, deliver and execute are stopped.
    function paused() external view returns (bool) {
        return _config.paused;
    }

    /// @notice Delay of large or rate-limited transfers, in seconds.
    function largeDelay() external view returns (uint32) {
        return _config.largeDelay;
    }

    /// @notice Index of the current guardian set.
    function guardianSetIndex() external view returns (uint32) {
        return _config.guardianSetIndex;
    }

    /// @notice A guardian set's members, threshold and expiry (0 while current).
    function guardianSet(
        uint32 index
    ) external view returns (address[] memory guardians, uint8 threshold, uint64 expiresAt) {
        GuardianSetInfo memory set = _guardianSets[index];
        return (_guardianLists[index], set.threshold, set.expiresAt);
    }

    /// @notice The remote gateway on `chainId` and whether the route is enabled.
    function route(uint64 chainId) external view returns (address gateway, bool enabled) {
        Route memory r = _routes[chainId];
        return (r.gateway, r.enabled);
    }

    /// @notice How a local token is bridged (zero identity: not registered).
    function localToken(address local) external view returns (LocalToken memory) {
        return _localTokens[local];
    }

    /// @notice The local token paid out for `homeToken` and its fast limit.
    function inboundToken(address homeToken) external view returns (InboundToken memory) {
        return _inboundTokens[homeToken];
    }

    /// @notice A queued (or executed, vetoed) message.
    function queuedMessage(bytes32 msgId) external view returns (QueuedMessage memory) {
        return _queued[msgId];
    }

    /// @notice The nonce the next `send` will use.
    function nextNonce() external view returns (uint64) {
        return _nextNonce;
    }

    /// @notice Bounds and default of a sent message's deliverable window, in seconds.
    function deadlineWindows() external view returns (DeadlineWindows memory) {
        return _deadlineWindows;
    }
}
