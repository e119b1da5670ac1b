// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Arrays} from "@openzeppelin/contracts/utils/Arrays.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {BridgeGatewayStorage} from "./BridgeGatewayStorage.sol";
import {IBridgedToken} from "../interfaces/IBridgedToken.sol";
import {Message} from "../interfaces/IBridgeMessage.sol";
import {MessageLib} from "../libraries/MessageLib.sol";
import {MerkleLib} from "../libraries/MerkleLib.sol";
import {GuardianSignatures} from "../libraries/GuardianSignatures.sol";
import {NonceBitmap} from "../libraries/NonceBitmap.sol";
import {RateLimitLib} from "../libraries/RateLimitLib.sol";
import {FeeLib} from "../libraries/FeeLib.sol";

/// @dev The admin module's set-up function, declared here so the gateway does not compile (or
///      depend on) the module itself.
interface IBridgeGatewayAdminInit {
    function initialize(address governor, address[] calldata guardians, uint8 threshold, uint32 delay) external;
}

/// @title BridgeGateway
/// @notice The Portcullis gateway of one L2. Non-upgradeable: parameters change only through
///         GOVERNOR_ROLE (a timelock), pausing and vetoing through PAUSER_ROLE and VETO_ROLE
///         (security council, monitor), fee inputs through a bounded FEE_UPDATER_ROLE. No role
///         can move locked funds: only a guardian-attested message or an L1-proven escape pays
///         out, unlocks never exceed what was locked here, and every payout is balance-checked.
/// @dev This contract holds the three hot paths — `send`, `deliver`, `execute` — and delegates
///      every other function (governance, security council, fee updater, escape hatch, claims,
///      views) to `BridgeGatewayAdmin` (given to the constructor, immutable), which runs the
///      views one module further on (`BridgeGatewayViews`). The split keeps each contract under the 24 KiB
///      code limit and the hot paths' function dispatch short. Talk to a gateway through
///      `IBridgeGateway`. Gas figures: docs/gas.md.
contract BridgeGateway is BridgeGatewayStorage, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using NonceBitmap for NonceBitmap.Bitmap;

    /// @notice The module every function but `send`, `deliver` and `execute` runs in (never changes).
    address public immutable ADMIN_MODULE;

    /// @dev "No bitmap word loaded yet" in a batch cache.
    uint256 private constant NO_WORD = type(uint256).max;

    /// @param governor Receives GOVERNOR_ROLE (the deployer during set-up, then the timelock).
    /// @param guardians Initial guardian set (index 0), strictly ascending.
    /// @param threshold Signatures required from that set.
    /// @param delay Delay of large or rate-limited transfers, in seconds.
    /// @param adminModule A `BridgeGatewayAdmin` (stateless code: one per chain can serve every
    ///        gateway there). Fixed for the gateway's life.
    constructor(
        address governor,
        address[] memory guardians,
        uint8 threshold,
        uint32 delay,
        address adminModule
    ) EIP712("Portcullis", "2") {
        require(adminModule.code.length != 0, BridgeInvalidParameter());
        ADMIN_MODULE = adminModule;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory err) = adminModule.delegatecall(
            abi.encodeCall(IBridgeGatewayAdminInit.initialize, (governor, guardians, threshold, delay))
        );
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(err, 0x20), mload(err))
            }
        }
    }

    /// @dev Every other function of `IBridgeGateway` runs in the admin module (or, for views,
    ///      one module further), on this contract's storage. Not payable: plain native-token
    ///      transfers revert (fees come with `send`, drop-offs with `deliver`).
    // solhint-disable-next-line no-complex-fallback
    fallback() external {
        address admin = ADMIN_MODULE;
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, 0, calldatasize())
            let ok := delegatecall(gas(), admin, p, calldatasize(), 0, 0)
            returndatacopy(p, 0, returndatasize())
            if iszero(ok) {
                revert(p, returndatasize())
            }
            return(p, returndatasize())
        }
    }

    // ------------------------------------------------------------------------------------------
    // Sending
    // ------------------------------------------------------------------------------------------

    /// @notice See `IBridgeGateway.send`.
    function send(
        address token,
        uint64 destChainId,
        address recipient,
        uint256 amount,
        uint64 deadline,
        uint128 dropOff
    ) external payable nonReentrant returns (bytes32 msgId) {
        Layout storage $ = _layout();
        SendState memory state = $.sendState;
        require(!state.paused, BridgePaused());
        require(recipient != address(0) && amount != 0, BridgeInvalidTransfer());
        Route memory destRoute = $.routes[destChainId];
        require(destRoute.enabled, BridgeUnknownRoute(destChainId, destRoute.gateway));
        LocalEntry storage entry = $.locals[token];
        LocalToken memory local = entry.info;
        require(local.homeToken != address(0), BridgeUnknownToken(token));

        uint256 quote = _checkedFee(destRoute, destChainId, dropOff);
        _take(entry, local, token, amount);

        uint64 nonce = state.nextNonce;
        Message memory message = Message({
            version: MessageLib.MESSAGE_VERSION,
            nonce: nonce,
            sourceChainId: uint64(block.chainid),
            destChainId: destChainId,
            sourceGateway: address(this),
            destGateway: destRoute.gateway,
            sender: msg.sender,
            recipient: recipient,
            tokenChainId: local.homeChainId,
            token: local.homeToken,
            amount: amount,
            deadline: _checkedDeadline(state, deadline),
            dropOff: dropOff
        });
        state.nextNonce = nonce + 1;
        // uint88 holds 3e26 wei, more than all ether in existence.
        state.accruedFees += SafeCast.toUint88(msg.value);
        $.sendState = state;
        msgId = MessageLib.hash(message);
        $.sent[nonce] = msgId;
        emit MessageSent(msgId, message, msg.value, quote);
    }

    /// @dev The quote of a send, which `msg.value` must pay: in full (anything above the quote is
    ///      a tip), or not at all for a message without drop-off, which the sender relays itself
    ///      (relayers skip messages that paid less than the quote by default). A drop-off is always
    ///      paid for: it is native value the delivering relayer hands over.
    function _checkedFee(Route memory destRoute, uint64 destChainId, uint128 dropOff) private view returns (uint256) {
        uint256 quote = destRoute.deliveryFee;
        if (dropOff != 0) quote += _dropOffFee(destChainId, dropOff);
        require(msg.value >= quote || (msg.value == 0 && dropOff == 0), BridgeFeeTooLow(quote, msg.value));
        return quote;
    }

    /// @dev Consumes the outbound bucket, then locks a home token or burns a bridged one.
    function _take(LocalEntry storage entry, LocalToken memory local, address token, uint256 amount) private {
        RateLimitLib.Bucket storage bucket = entry.outbound;
        // Explicit branch: the bucket's remaining room is only read to explain a refusal.
        uint256 unit = _unit(local.limitScale);
        if (!RateLimitLib.tryConsume(bucket, _units(amount, unit))) {
            revert BridgeRateLimited(token, amount, RateLimitLib.available(bucket) * unit);
        }
        if (local.isHome) {
            _lock(entry, token, amount);
        } else {
            IBridgedToken(token).burn(msg.sender, amount);
        }
    }

    /// @dev The drop-off part of a quote; reverts above the destination's cap.
    function _dropOffFee(uint64 destChainId, uint128 dropOff) private view returns (uint256) {
        DestinationFees storage fees = _layout().fees[destChainId];
        uint96 cap = fees.limits.dropOffCap;
        require(dropOff <= cap, BridgeDropOffTooLarge(dropOff, cap));
        FeeInputs memory inputs = fees.inputs;
        return FeeLib.dropOffFee(dropOff, DROP_OFF_GAS_COST_, inputs.gasPrice, inputs.exchangeRate);
    }

    /// @dev Pulls `amount` and checks that exactly `amount` arrived: fee-on-transfer tokens
    ///      (and anything else that moves a different amount) are rejected, so what is locked is
    ///      always backed one to one.
    function _lock(LocalEntry storage entry, address token, uint256 amount) private {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        require(received == amount, BridgeFeeOnTransfer(token, amount, received));
        entry.locked += amount;
    }

    function _checkedDeadline(SendState memory state, uint64 deadline) private view returns (uint64) {
        if (deadline == 0) return uint64(block.timestamp + state.defaultWindow);
        require(
            deadline >= block.timestamp + state.minWindow && deadline <= block.timestamp + state.maxWindow,
            BridgeInvalidDeadline(deadline)
        );
        return deadline;
    }

    // ------------------------------------------------------------------------------------------
    // Delivery and execution
    // ------------------------------------------------------------------------------------------

    /// @dev State a batch reads and writes per message, kept in memory between messages of the
    ///      same token or the same bitmap word and written back once.
    struct BatchCache {
        uint256 tokenKey;
        address local;
        bool isHome;
        uint256 fastLimit;
        uint256 unit;
        uint256 bitmapWord;
        uint256 bits;
    }

    /// @dev Fast payouts collected while a batch's effects are applied, paid once they all are.
    struct Payouts {
        address[] locals;
        bool[] isHome;
        address[] recipients;
        uint256[] amounts;
        uint256 count;
        /// @dev Indices (in the batch) of fast messages with a drop-off; allocated on first use.
        uint256[] dropOffs;
        uint256 dropOffCount;
    }

    /// @notice See `IBridgeGateway.deliver`.
    function deliver(
        bytes calldata messages,
        bytes32[][] calldata proofs,
        uint32 guardianSetIndex,
        bytes calldata signatures
    ) external payable nonReentrant {
        Layout storage $ = _layout();
        Config memory config = $.config;
        require(!config.paused, BridgePaused());
        uint256 n = MessageLib.count(messages);
        require(proofs.length == 0 || proofs.length == n, BridgeInvalidBatch());
        (uint8 version, uint64 sourceChainId, address sourceGateway) = MessageLib.header(messages);
        require(version == MessageLib.MESSAGE_VERSION, BridgeUnsupportedVersion(version));
        uint256 sourceKey = _sourceKey(sourceChainId, sourceGateway);
        require($.sources[sourceKey], BridgeUnknownRoute(sourceChainId, sourceGateway));

        // Effects first (every check, nonce, bucket and queue entry), then the attestation,
        // then interactions: a token or recipient called during payout can never observe a
        // half-applied batch, and nothing is paid unless the whole batch was attested.
        Message memory m = MessageLib.buffer(version, sourceChainId, sourceGateway);
        if (n == 1) _deliverOne($, config, m, sourceKey, messages, proofs, guardianSetIndex, signatures);
        else _deliverMany($, config, m, sourceKey, messages, proofs, guardianSetIndex, signatures);
    }

    /// @dev A lone message skips the id and payout lists: same checks, direct payout.
    function _deliverOne(
        Layout storage $,
        Config memory config,
        Message memory m,
        uint256 sourceKey,
        bytes calldata messages,
        bytes32[][] calldata proofs,
        uint32 guardianSetIndex,
        bytes calldata signatures
    ) private {
        BatchCache memory cache = BatchCache(0, address(0), false, 0, 1, NO_WORD, 0);
        RateLimitLib.Bucket memory bucket;
        NonceBitmap.Bitmap storage processed = $.processed[sourceKey];
        bytes32 id = MessageLib.load(m, messages, 0);
        bucket = _accept($, m, id, sourceKey, processed, cache, bucket);
        bool fast = _decide($, m, id, config.largeDelay, cache, bucket);
        _flush($, processed, cache, bucket);
        _verifyAttestation($, config, proofs.length == 0 ? id : _proven(proofs[0], id), guardianSetIndex, signatures);
        require(msg.value == m.dropOff, BridgeDropOffNotSupplied(m.dropOff, msg.value));
        if (fast) {
            _payOut(cache.local, cache.isHome, m.recipient, m.amount);
            if (m.dropOff != 0) _forwardDropOff(id, m.recipient, m.dropOff);
        }
    }

    /// @dev A batch: every message checked and applied, the root attested, then every fast
    ///      payout and drop-off.
    function _deliverMany(
        Layout storage $,
        Config memory config,
        Message memory m,
        uint256 sourceKey,
        bytes calldata messages,
        bytes32[][] calldata proofs,
        uint32 guardianSetIndex,
        bytes calldata signatures
    ) private {
        uint256 n = MessageLib.count(messages);
        BatchCache memory cache = BatchCache(0, address(0), false, 0, 1, NO_WORD, 0);
        RateLimitLib.Bucket memory bucket;
        NonceBitmap.Bitmap storage processed = $.processed[sourceKey];
        bytes32[] memory ids = new bytes32[](n);
        Payouts memory payouts = Payouts(
            new address[](n),
            new bool[](n),
            new address[](n),
            new uint256[](n),
            0,
            new uint256[](0),
            0
        );
        uint256 dropOffTotal = 0;
        for (uint256 i = 0; i < n; ++i) {
            bytes32 id = MessageLib.load(m, messages, i);
            ids[i] = id;
            bucket = _accept($, m, id, sourceKey, processed, cache, bucket);
            uint256 dropOff = m.dropOff;
            dropOffTotal += dropOff;
            if (_decide($, m, id, config.largeDelay, cache, bucket)) {
                uint256 k = payouts.count++;
                payouts.locals[k] = cache.local;
                payouts.isHome[k] = cache.isHome;
                payouts.recipients[k] = m.recipient;
                payouts.amounts[k] = m.amount;
                if (dropOff != 0) _noteDropOff(payouts, i, n);
            }
        }
        _flush($, processed, cache, bucket);
        _verifyAttestation($, config, _attestedRoot(ids, proofs), guardianSetIndex, signatures);
        require(msg.value == dropOffTotal, BridgeDropOffNotSupplied(dropOffTotal, msg.value));
        _payOutAll(payouts);
        _forwardDropOffs(payouts, messages, ids);
    }

    /// @dev Checks one attested message and takes its nonce. Loads its token (and returns its
    ///      bucket) only when it differs from the previous message's.
    function _accept(
        Layout storage $,
        Message memory m,
        bytes32 id,
        uint256 sourceKey,
        NonceBitmap.Bitmap storage processed,
        BatchCache memory cache,
        RateLimitLib.Bucket memory bucket
    ) private returns (RateLimitLib.Bucket memory) {
        require(block.timestamp <= m.deadline, BridgeMessageExpired(id, m.deadline));
        uint256 key = _tokenKey(m.tokenChainId, m.token);
        // `cache.local` is zero until a token is loaded, so the first message always looks its
        // token up — including one naming the zero identity, which must fail as unknown.
        if (key != cache.tokenKey || cache.local == address(0)) {
            _flushBucket($, cache, bucket);
            InboundEntry storage entry = $.inbound[key];
            InboundToken memory token = entry.token;
            require(token.local != address(0), BridgeUnknownTokenIdentity(m.tokenChainId, m.token));
            uint256 unit = _unit(token.limitScale);
            cache.tokenKey = key;
            cache.local = token.local;
            cache.isHome = token.isHome;
            cache.unit = unit;
            cache.fastLimit = uint256(token.fastLimit) * unit;
            bucket = entry.bucket;
        }
        _consumeNonce(processed, sourceKey, m.nonce, id, cache);
        return bucket;
    }

    /// @dev Executes (returns true: the caller pays out) or queues an accepted message.
    function _decide(
        Layout storage $,
        Message memory m,
        bytes32 id,
        uint32 delay,
        BatchCache memory cache,
        RateLimitLib.Bucket memory bucket
    ) private returns (bool fast) {
        uint256 amount = m.amount;
        if (amount <= cache.fastLimit && RateLimitLib.consume(bucket, _units(amount, cache.unit))) {
            if (cache.isHome) $.locals[cache.local].locked -= amount;
            emit MessageExecuted(id);
            return true;
        }
        uint64 executableAt = uint64(block.timestamp) + delay;
        $.queued[id] = QueuedMessage({
            recipient: m.recipient,
            executableAt: executableAt,
            status: MessageStatus.Queued,
            localToken: cache.local,
            nonce: m.nonce,
            isHome: cache.isHome,
            amount: amount,
            sourceGateway: m.sourceGateway,
            sourceChainId: m.sourceChainId
        });
        if (m.dropOff != 0) $.heldDropOffs[id] = m.dropOff;
        emit MessageQueued(id, m.sourceChainId, m.nonce, executableAt);
        return false;
    }

    /// @dev Marks the nonce processed in the cached bitmap word, or reverts if it already is,
    ///      unless its holder was released and `id` was never seen (then `id` takes it, once).
    function _consumeNonce(
        NonceBitmap.Bitmap storage processed,
        uint256 sourceKey,
        uint64 nonce,
        bytes32 id,
        BatchCache memory cache
    ) private {
        uint256 word = NonceBitmap.wordOf(nonce);
        if (word != cache.bitmapWord) {
            _flushBitmap(processed, cache);
            cache.bitmapWord = word;
            cache.bits = processed.loadWord(word);
        }
        uint256 mask = NonceBitmap.maskOf(nonce);
        if (cache.bits & mask == 0) {
            cache.bits |= mask;
            return;
        }
        _reuseReleasedNonce(sourceKey, nonce, id);
    }

    function _flush(
        Layout storage $,
        NonceBitmap.Bitmap storage processed,
        BatchCache memory cache,
        RateLimitLib.Bucket memory bucket
    ) private {
        _flushBucket($, cache, bucket);
        _flushBitmap(processed, cache);
    }

    function _flushBucket(Layout storage $, BatchCache memory cache, RateLimitLib.Bucket memory bucket) private {
        if (cache.local != address(0) && bucket.capacity != RateLimitLib.UNLIMITED) {
            $.inbound[cache.tokenKey].bucket.fullAt = bucket.fullAt;
        }
    }

    function _flushBitmap(NonceBitmap.Bitmap storage processed, BatchCache memory cache) private {
        if (cache.bitmapWord != NO_WORD) processed.storeWord(cache.bitmapWord, cache.bits);
    }

    /// @dev The root the batch claims: computed over all ids, or the common root of every proof.
    function _attestedRoot(bytes32[] memory ids, bytes32[][] calldata proofs) private pure returns (bytes32 root) {
        if (proofs.length == 0) return MerkleLib.root(ids);
        root = _proven(proofs[0], ids[0]);
        for (uint256 i = 1; i < ids.length; ++i) {
            require(_proven(proofs[i], ids[i]) == root, BridgeInvalidProof(ids[i]));
        }
    }

    function _proven(bytes32[] calldata proof, bytes32 id) private pure returns (bytes32) {
        return MerkleProof.processProofCalldata(proof, id);
    }

    function _verifyAttestation(
        Layout storage $,
        Config memory config,
        bytes32 root,
        uint32 index,
        bytes calldata signatures
    ) private view {
        address members = config.guardianMembers;
        uint256 size = config.guardianCount;
        uint8 threshold = config.threshold;
        if (index != config.guardianSetIndex) {
            GuardianSetInfo memory set = $.guardianSets[index];
            require(set.members != address(0), BridgeUnknownGuardianSet(index));
            require(block.timestamp < set.expiresAt, BridgeGuardianSetExpired(index, set.expiresAt));
            members = set.members;
            size = set.size;
            threshold = set.threshold;
        }
        bytes32 digest = _hashTypedDataV4(MessageLib.attestationHash(root, index));
        GuardianSignatures.verify(digest, GuardianSignatures.load(members, size), size, signatures, threshold);
    }

    /// @dev Records that fast message `i` of an `n`-message batch carries a drop-off.
    function _noteDropOff(Payouts memory payouts, uint256 i, uint256 n) private pure {
        if (payouts.dropOffs.length == 0) payouts.dropOffs = new uint256[](n);
        payouts.dropOffs[payouts.dropOffCount++] = i;
    }

    /// @dev Pays every fast transfer of a batch: one `mintBatch` per run of the same bridged
    ///      token (relayers order batches by token), and per run of a home token one transfer
    ///      each, the run's total balance-checked.
    function _payOutAll(Payouts memory payouts) private {
        uint256 count = payouts.count;
        uint256 start = 0;
        while (start < count) {
            address local = payouts.locals[start];
            uint256 end = start + 1;
            while (end < count && payouts.locals[end] == local) ++end;
            if (payouts.isHome[start]) {
                uint256 before = IERC20(local).balanceOf(address(this));
                uint256 total = 0;
                for (uint256 i = start; i < end; ++i) {
                    IERC20(local).safeTransfer(payouts.recipients[i], payouts.amounts[i]);
                    total += payouts.amounts[i];
                }
                _checkMoved(local, before, total);
            } else if (start == 0 && end == count) {
                // The usual single-token batch: the lists are passed in place, cut to `count`.
                IBridgedToken(local).mintBatch(
                    _truncated(payouts.recipients, count),
                    _truncated(payouts.amounts, count)
                );
            } else {
                IBridgedToken(local).mintBatch(
                    Arrays.slice(payouts.recipients, start, end),
                    Arrays.slice(payouts.amounts, start, end)
                );
            }
            start = end;
        }
    }

    /// @dev Forwards the drop-offs of the batch's fast messages, after every token payout.
    function _forwardDropOffs(Payouts memory payouts, bytes calldata messages, bytes32[] memory ids) private {
        uint256 count = payouts.dropOffCount;
        if (count == 0) return;
        Message memory m = MessageLib.buffer(0, 0, address(0));
        for (uint256 k = 0; k < count; ++k) {
            uint256 i = payouts.dropOffs[k];
            MessageLib.load(m, messages, i);
            _forwardDropOff(ids[i], m.recipient, m.dropOff);
        }
    }

    /// @dev `array` with its length cut to `length` (<= its length), in place: the tail is
    ///      simply unused. Saves copying the whole list, as `Arrays.slice` would.
    function _truncated(address[] memory array, uint256 length) private pure returns (address[] memory) {
        assembly ("memory-safe") {
            mstore(array, length)
        }
        return array;
    }

    function _truncated(uint256[] memory array, uint256 length) private pure returns (uint256[] memory) {
        assembly ("memory-safe") {
            mstore(array, length)
        }
        return array;
    }

    /// @notice See `IBridgeGateway.execute`.
    function execute(bytes32 msgId) external nonReentrant {
        Layout storage $ = _layout();
        require(!$.config.paused, BridgePaused());
        QueuedMessage storage queued = $.queued[msgId];
        MessageStatus status = queued.status;
        require(status == MessageStatus.Queued, BridgeInvalidMessageStatus(msgId, status));
        uint64 executableAt = queued.executableAt;
        require(block.timestamp >= executableAt, BridgeMessageNotReady(msgId, executableAt));
        queued.status = MessageStatus.Executed;
        // Field by field: the source fields (the last slot) are not needed here.
        address local = queued.localToken;
        bool isHome = queued.isHome;
        address recipient = queued.recipient;
        uint256 amount = queued.amount;
        if (isHome) $.locals[local].locked -= amount;
        uint256 dropOff = $.heldDropOffs[msgId];
        if (dropOff != 0) delete $.heldDropOffs[msgId];
        emit MessageExecuted(msgId);
        _payOut(local, isHome, recipient, amount);
        if (dropOff != 0) _forwardDropOff(msgId, recipient, dropOff);
    }
}
