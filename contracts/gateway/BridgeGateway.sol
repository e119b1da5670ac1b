// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
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

    /// @dev What a delivery keeps on hand while it applies its messages: the current token (its
    ///      bucket as the storage word, written back once per run of messages of that token),
    ///      the current replay bitmap word (written back once per 256 nonces), and the fast
    ///      payouts collected for after the attestation.
    struct Batch {
        uint256 sourceKey;
        /// @dev Storage slot of the source gateway's `processed` bitmap.
        uint256 processedSlot;
        uint32 largeDelay;
        uint256 tokenKey;
        /// @dev The current token's local address; zero until a token is loaded.
        address local;
        bool isHome;
        uint256 fastLimit;
        uint256 unit;
        /// @dev The current token's inbound bucket: its storage slot and word.
        uint256 bucketSlot;
        uint256 bucket;
        uint256 bitmapWord;
        uint256 bits;
        /// @dev Fast payouts in batch order: recipient and amount of payout k at word k of
        ///      `recipients` and `amounts` (n words each, `count` used).
        uint256[] recipients;
        uint256[] amounts;
        uint256 count;
        /// @dev Runs of payouts of one local token: word r is `local | isHome << 160 |
        ///      firstPayout << 168`; run r ends where run r + 1 starts (the last at `count`).
        uint256[] runs;
        uint256 runCount;
        address runLocal;
        /// @dev Drop-offs: their sum over every message, and the batch indices of fast ones
        ///      (list allocated on first use).
        uint256 dropOffTotal;
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
        uint256 n = MessageLib.count(messages);
        require(proofs.length == 0 || proofs.length == n, BridgeInvalidBatch());
        (uint8 version, uint64 sourceChainId, address sourceGateway) = MessageLib.header(messages);
        require(version == MessageLib.MESSAGE_VERSION, BridgeUnsupportedVersion(version));
        uint256 sourceKey = _sourceKey(sourceChainId, sourceGateway);
        Config memory config = _sourceConfig($, sourceKey);

        // Effects first (every check, nonce, bucket and queue entry), then the attestation,
        // then interactions: a token or recipient called during payout can never observe a
        // half-applied batch, and nothing is paid unless the whole batch was attested.
        Message memory m = MessageLib.buffer(version, sourceChainId, sourceGateway);
        if (n == 1) {
            _deliverOne($, config, m, sourceKey, messages, proofs, guardianSetIndex, signatures);
        } else {
            _deliverMany($, config, m, sourceKey, n, messages, proofs, guardianSetIndex, signatures);
        }
    }

    /// @dev The source's copy of the configuration: one cold read answers both "is this source
    ///      accepted" (a guardian set is installed in its copy) and everything else `deliver`
    ///      needs. Reverts for a source that is not accepted, or while the gateway is paused.
    function _sourceConfig(Layout storage $, uint256 sourceKey) private view returns (Config memory config) {
        config = $.sources[sourceKey];
        require(
            config.guardianMembers != address(0),
            BridgeUnknownRoute(uint64(sourceKey >> 160), address(uint160(sourceKey)))
        );
        require(!config.paused, BridgePaused());
    }

    function _newBatch(
        Layout storage $,
        uint256 sourceKey,
        uint32 largeDelay,
        uint256 n
    ) private view returns (Batch memory b) {
        NonceBitmap.Bitmap storage processed = $.processed[sourceKey];
        uint256 processedSlot;
        assembly ("memory-safe") {
            processedSlot := processed.slot
        }
        b.sourceKey = sourceKey;
        b.processedSlot = processedSlot;
        b.largeDelay = largeDelay;
        b.unit = 1;
        b.bitmapWord = NO_WORD;
        b.recipients = new uint256[](n);
        b.amounts = new uint256[](n);
        b.runs = new uint256[](n);
    }

    /// @dev A lone message (the common case when traffic is light): the same checks and effects,
    ///      in the same order, as `_apply` in a batch, kept on the stack instead of in a `Batch`
    ///      (no payout lists, no cached words), and paid directly (`mint`, not `mintBatch`).
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
        bytes32 id = MessageLib.load(m, messages, 0);
        require(block.timestamp <= m.deadline, BridgeMessageExpired(id, m.deadline));
        InboundEntry storage entry = $.inbound[_tokenKey(m.tokenChainId, m.token)];
        InboundToken memory token = entry.token;
        require(token.local != address(0), BridgeUnknownTokenIdentity(m.tokenChainId, m.token));
        if (!NonceBitmap.trySet($.processed[sourceKey], m.nonce)) _reuseReleasedNonce(sourceKey, m.nonce, id);
        bool fast = _consumeInbound(entry, token, m.amount);
        if (fast) {
            if (token.isHome) $.locals[token.local].locked -= m.amount;
            emit MessageExecuted(id);
        } else {
            _queue($, m, id, token.local, token.isHome, config.largeDelay);
        }
        _verifyAttestation($, config, proofs.length == 0 ? id : _proven(proofs[0], id), guardianSetIndex, signatures);
        require(msg.value == m.dropOff, BridgeDropOffNotSupplied(m.dropOff, msg.value));
        if (fast) {
            _payOut(token.local, token.isHome, m.recipient, m.amount);
            if (m.dropOff != 0) _forwardDropOff(id, m.recipient, m.dropOff);
        }
    }

    /// @dev Takes `amount` from the token's inbound bucket if it is at most the fast limit and the
    ///      bucket has room (returns true: the message executes now); otherwise changes nothing.
    function _consumeInbound(
        InboundEntry storage entry,
        InboundToken memory token,
        uint256 amount
    ) private returns (bool ok) {
        uint256 unit = _unit(token.limitScale);
        if (amount > uint256(token.fastLimit) * unit) return false;
        (uint256 slot, uint256 word) = _inboundBucketWord(entry);
        uint256 next;
        (ok, next) = RateLimitLib.consumeWord(word, _units(amount, unit));
        // `next` differs only when a limited bucket was drawn on (see `consumeWord`).
        if (next != word) {
            assembly ("memory-safe") {
                sstore(slot, next)
            }
        }
    }

    /// @dev A batch: every message checked and applied, the root attested, then every fast
    ///      payout and drop-off.
    function _deliverMany(
        Layout storage $,
        Config memory config,
        Message memory m,
        uint256 sourceKey,
        uint256 n,
        bytes calldata messages,
        bytes32[][] calldata proofs,
        uint32 guardianSetIndex,
        bytes calldata signatures
    ) private {
        Batch memory b = _newBatch($, sourceKey, config.largeDelay, n);
        bytes32[] memory ids = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 id = MessageLib.load(m, messages, i);
            // ids[i] = id without the bounds check: i < n = ids.length.
            assembly ("memory-safe") {
                mstore(add(add(ids, 0x20), shl(5, i)), id)
            }
            if (_apply($, m, id, b)) _notePayout(b, m.recipient, m.amount, i, m.dropOff);
        }
        _flush(b);
        _verifyAttestation($, config, _attestedRoot(ids, proofs), guardianSetIndex, signatures);
        require(msg.value == b.dropOffTotal, BridgeDropOffNotSupplied(b.dropOffTotal, msg.value));
        _payOutRuns(b);
        _forwardDropOffs(b, messages, ids);
    }

    /// @dev Checks the message in `m` (id `id`), takes its nonce, and executes it (returns true:
    ///      the caller pays it out) or queues it. Loads its token only when it differs from the
    ///      previous message's.
    function _apply(Layout storage $, Message memory m, bytes32 id, Batch memory b) private returns (bool fast) {
        require(block.timestamp <= m.deadline, BridgeMessageExpired(id, m.deadline));
        uint256 key = _tokenKey(m.tokenChainId, m.token);
        // `b.local` is zero until a token is loaded, so the first message always looks its
        // token up — including one naming the zero identity, which must fail as unknown.
        if (key != b.tokenKey || b.local == address(0)) _loadToken($, m, key, b);
        _takeNonce(m.nonce, id, b);
        uint256 amount = m.amount;
        unchecked {
            // Each drop-off is below 2^128 and a batch far below 2^128 messages.
            b.dropOffTotal += m.dropOff;
        }
        if (amount <= b.fastLimit) {
            uint256 unit = b.unit;
            uint256 next;
            (fast, next) = RateLimitLib.consumeWord(b.bucket, unit == 1 ? amount : _units(amount, unit));
            b.bucket = next;
        }
        if (fast) {
            if (b.isHome) $.locals[b.local].locked -= amount;
            emit MessageExecuted(id);
        } else {
            _queue($, m, id, b.local, b.isHome, b.largeDelay);
        }
    }

    /// @dev Makes the token of `key` the batch's current one (writing the previous one's
    ///      bucket back first).
    function _loadToken(Layout storage $, Message memory m, uint256 key, Batch memory b) private {
        _flushBucket(b);
        InboundEntry storage entry = $.inbound[key];
        InboundToken memory token = entry.token;
        require(token.local != address(0), BridgeUnknownTokenIdentity(m.tokenChainId, m.token));
        uint256 unit = _unit(token.limitScale);
        b.tokenKey = key;
        b.local = token.local;
        b.isHome = token.isHome;
        b.unit = unit;
        b.fastLimit = uint256(token.fastLimit) * unit;
        (b.bucketSlot, b.bucket) = _inboundBucketWord(entry);
    }

    /// @dev A token's inbound bucket as its storage slot and raw word (see
    ///      `RateLimitLib.consumeWord` for the packing), for the delivery steps that keep it on
    ///      the stack and write it back themselves.
    function _inboundBucketWord(InboundEntry storage entry) private view returns (uint256 slot, uint256 word) {
        RateLimitLib.Bucket storage bucket = entry.bucket;
        assembly ("memory-safe") {
            slot := bucket.slot
            word := sload(slot)
        }
    }

    /// @dev Marks the nonce processed in the cached bitmap word, or reverts if it already is,
    ///      unless its holder was released and `id` was never seen (then `id` takes it, once).
    function _takeNonce(uint64 nonce, bytes32 id, Batch memory b) private {
        uint256 word = NonceBitmap.wordOf(nonce);
        if (word != b.bitmapWord) {
            _flushBitmap(b);
            b.bitmapWord = word;
            b.bits = _processed(b).loadWord(word);
        }
        uint256 mask = NonceBitmap.maskOf(nonce);
        uint256 bits = b.bits;
        if (bits & mask == 0) {
            b.bits = bits | mask;
            return;
        }
        _reuseReleasedNonce(b.sourceKey, nonce, id);
    }

    /// @dev Records fast message `i`'s payout (and its drop-off, if any).
    function _notePayout(Batch memory b, address recipient, uint256 amount, uint256 i, uint256 dropOff) private pure {
        uint256 k = b.count;
        address local = b.local;
        if (k == 0 || local != b.runLocal) {
            uint256 run = uint256(uint160(local)) | (b.isHome ? 1 << 160 : 0) | (k << 168);
            uint256 r = b.runCount++;
            uint256[] memory runs = b.runs;
            // runs[r] = run; r < k + 1 <= n = runs.length.
            assembly ("memory-safe") {
                mstore(add(add(runs, 0x20), shl(5, r)), run)
            }
            b.runLocal = local;
        }
        uint256[] memory recipients = b.recipients;
        uint256[] memory amounts = b.amounts;
        // recipients[k] = recipient; amounts[k] = amount; k < n = the lists' length (one
        // payout per message at most).
        assembly ("memory-safe") {
            let offset := add(0x20, shl(5, k))
            mstore(add(recipients, offset), recipient)
            mstore(add(amounts, offset), amount)
        }
        b.count = k + 1;
        if (dropOff != 0) {
            if (b.dropOffs.length == 0) b.dropOffs = new uint256[](b.recipients.length);
            b.dropOffs[b.dropOffCount++] = i;
        }
    }

    /// @dev Queues an accepted message that is not fast (too large, or its bucket is short).
    function _queue(
        Layout storage $,
        Message memory m,
        bytes32 id,
        address local,
        bool isHome,
        uint32 largeDelay
    ) private {
        uint64 executableAt = uint64(block.timestamp) + largeDelay;
        $.queued[id] = QueuedMessage({
            recipient: m.recipient,
            executableAt: executableAt,
            status: MessageStatus.Queued,
            localToken: local,
            nonce: m.nonce,
            isHome: isHome,
            amount: m.amount,
            sourceGateway: m.sourceGateway,
            sourceChainId: m.sourceChainId
        });
        if (m.dropOff != 0) $.heldDropOffs[id] = m.dropOff;
        emit MessageQueued(id, m.sourceChainId, m.nonce, executableAt);
    }

    function _processed(Batch memory b) private pure returns (NonceBitmap.Bitmap storage processed) {
        uint256 slot = b.processedSlot;
        assembly ("memory-safe") {
            processed.slot := slot
        }
    }

    function _flush(Batch memory b) private {
        _flushBucket(b);
        _flushBitmap(b);
    }

    /// @dev Writes the current token's bucket back (only its `fullAt` can have changed).
    function _flushBucket(Batch memory b) private {
        if (b.local != address(0) && uint96(b.bucket) != RateLimitLib.UNLIMITED) {
            uint256 slot = b.bucketSlot;
            uint256 word = b.bucket;
            assembly ("memory-safe") {
                sstore(slot, word)
            }
        }
    }

    function _flushBitmap(Batch memory b) private {
        if (b.bitmapWord != NO_WORD) _processed(b).storeWord(b.bitmapWord, b.bits);
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

    /// @dev Pays every fast transfer of a batch, run by run: one `mintBatch` per run of a bridged
    ///      token (relayers order batches by token), and per run of a home token one transfer
    ///      each, the run's total balance-checked.
    function _payOutRuns(Batch memory b) private {
        uint256 runCount = b.runCount;
        uint256[] memory runs = b.runs;
        uint256[] memory recipients = b.recipients;
        uint256[] memory amounts = b.amounts;
        for (uint256 r = 0; r < runCount; ++r) {
            uint256 run = runs[r];
            address local = address(uint160(run));
            uint256 start = run >> 168;
            uint256 end = r + 1 < runCount ? runs[r + 1] >> 168 : b.count;
            if ((run >> 160) & 1 == 1) {
                uint256 before = IERC20(local).balanceOf(address(this));
                uint256 total = 0;
                for (uint256 k = start; k < end; ++k) {
                    uint256 amount = amounts[k];
                    IERC20(local).safeTransfer(address(uint160(recipients[k])), amount);
                    total += amount;
                }
                _checkMoved(local, before, total);
            } else {
                _mintBatch(local, recipients, amounts, start, end);
            }
        }
    }

    /// @dev `IBridgedToken(local).mintBatch(recipients[start:end], amounts[start:end])`, its
    ///      calldata written in free memory with two `mcopy`s instead of Solidity's slice and
    ///      element-by-element ABI encoding. What it does: writes the selector, the two array
    ///      offsets, then each array (length, words) — the standard ABI encoding of
    ///      (address[], uint256[]); recipients are stored as clean 160-bit words by
    ///      `_notePayout`. It calls only a contract (as a Solidity call would check) and
    ///      bubbles a revert up. Safe: `start < end <= count <= n` bound every copy to the
    ///      lists; the memory past the free pointer is only used for the call and not kept.
    function _mintBatch(
        address local,
        uint256[] memory recipients,
        uint256[] memory amounts,
        uint256 start,
        uint256 end
    ) private {
        bytes4 selector = IBridgedToken.mintBatch.selector;
        assembly ("memory-safe") {
            let len := sub(end, start)
            let bytesLen := shl(5, len)
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 0x04), 0x40)
            mstore(add(p, 0x24), add(0x60, bytesLen))
            mstore(add(p, 0x44), len)
            mcopy(add(p, 0x64), add(add(recipients, 0x20), shl(5, start)), bytesLen)
            let q := add(add(p, 0x64), bytesLen)
            mstore(q, len)
            mcopy(add(q, 0x20), add(add(amounts, 0x20), shl(5, start)), bytesLen)
            if iszero(extcodesize(local)) {
                revert(0, 0)
            }
            if iszero(call(gas(), local, 0, p, add(0x84, shl(1, bytesLen)), 0, 0)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
        }
    }

    /// @dev Forwards the drop-offs of the batch's fast messages, after every token payout.
    function _forwardDropOffs(Batch memory b, bytes calldata messages, bytes32[] memory ids) private {
        uint256 count = b.dropOffCount;
        if (count == 0) return;
        Message memory m = MessageLib.buffer(0, 0, address(0));
        for (uint256 k = 0; k < count; ++k) {
            uint256 i = b.dropOffs[k];
            MessageLib.load(m, messages, i);
            _forwardDropOff(ids[i], m.recipient, m.dropOff);
        }
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
