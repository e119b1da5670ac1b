// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {BridgeGatewayStorage} from "./BridgeGatewayStorage.sol";
import {BridgeGatewayViews} from "./BridgeGatewayViews.sol";
import {IBridgedToken} from "../interfaces/IBridgedToken.sol";
import {Message} from "../interfaces/IBridgeMessage.sol";
import {MessageLib} from "../libraries/MessageLib.sol";
import {GuardianSignatures} from "../libraries/GuardianSignatures.sol";
import {NonceBitmap} from "../libraries/NonceBitmap.sol";
import {RateLimitLib} from "../libraries/RateLimitLib.sol";
import {FeeLib} from "../libraries/FeeLib.sol";
import {ICrossDomainMessenger, IL2StandardBridge, IOptimismMintableERC20} from "../interfaces/ICanonicalMessaging.sol";
import {IEscapeHatch} from "../interfaces/IEscapeHatch.sol";

/// @title BridgeGatewayAdmin
/// @notice Everything of the gateway that changes state but its three hot paths: governance, the
///         security council and monitor, the fee updater, fee and drop-off claims, the escape
///         hatch. The views run one module further (`VIEWS_MODULE`).
///         Deployed by (and only ever run through `delegatecall` from) one `BridgeGateway`, on
///         that gateway's storage; calling this contract directly touches only its own, unused,
///         storage. See `IBridgeGateway` for what each function does.
/// @dev State: `EIP712` first (its two fallback-string slots, shared with the gateway, which
///      inherits it first too), then `AccessControl` (roles live only here), and the gateway's
///      own namespace (`BridgeGatewayStorage`). `EIP712`'s immutables are this module's: its
///      domain separator is rebuilt for the gateway's address (`address(this)` differs from the
///      cached one), with the same name and version, so both contracts sign the same digests.
contract BridgeGatewayAdmin is BridgeGatewayStorage, EIP712, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using NonceBitmap for NonceBitmap.Bitmap;

    /// @notice The module the views of `IBridgeGateway` run in (reached through this module's
    ///         `fallback`, still on the gateway's storage).
    address public immutable VIEWS_MODULE;

    /// @dev Decimals above which limits are kept in units of 10^(decimals - 18) base units.
    uint8 private constant LIMIT_DECIMALS = 18;
    /// @dev Largest decimals a token may have: limits of a 36-decimal token are kept at 1e18
    ///      base units (one quintillionth of a token... times 1e0: 1e-18 token).
    uint8 private constant MAX_DECIMALS = 36;

    constructor() EIP712("Portcullis", "2") {
        VIEWS_MODULE = address(new BridgeGatewayViews());
    }

    /// @dev The views of `IBridgeGateway` (and any unknown selector, which reverts there).
    // solhint-disable-next-line no-complex-fallback
    fallback() external {
        address views = VIEWS_MODULE;
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, 0, calldatasize())
            let ok := delegatecall(gas(), views, p, calldatasize(), 0, 0)
            returndatacopy(p, 0, returndatasize())
            if iszero(ok) {
                revert(p, returndatasize())
            }
            return(p, returndatasize())
        }
    }

    /// @notice Sets the gateway up. Runs once, inside `BridgeGateway`'s constructor (by
    ///         `delegatecall`): `address(this)` has no code yet only there.
    function initialize(address governor, address[] calldata guardians, uint8 threshold, uint32 delay) external {
        Layout storage $ = _layout();
        require(address(this).code.length == 0 && $.config.guardianMembers == address(0), BridgeAlreadyInitialized());
        // GOVERNOR administers every role; DEFAULT_ADMIN_ROLE is never granted to anyone.
        _setRoleAdmin(GOVERNOR, GOVERNOR);
        _setRoleAdmin(PAUSER, GOVERNOR);
        _setRoleAdmin(VETOER, GOVERNOR);
        _setRoleAdmin(FEE_UPDATER, GOVERNOR);
        _grantRole(GOVERNOR, governor);

        $.config.largeDelay = delay; // No source yet: nothing to copy it to.
        emit LargeDelaySet(delay);
        _setDeadlineWindows(60, 1 days, 30 days);
        _installGuardianSet(0, guardians, threshold);
        emit GuardianSetChanged(0, guardians, threshold, 0);
    }

    // ------------------------------------------------------------------------------------------
    // Claims
    // ------------------------------------------------------------------------------------------

    function claimDropOff(address to) external nonReentrant {
        Layout storage $ = _layout();
        uint256 amount = $.dropOffCredits[msg.sender];
        require(amount != 0, BridgeNothingToClaim());
        require(to != address(0), BridgeInvalidParameter());
        $.dropOffCredits[msg.sender] = 0;
        emit DropOffClaimed(msg.sender, to, amount);
        _sendNative(to, amount);
    }

    function claimFees() external nonReentrant {
        Layout storage $ = _layout();
        address beneficiary = $.feeBeneficiary;
        require(msg.sender == beneficiary, BridgeNotBeneficiary(msg.sender));
        uint256 amount = $.sendState.accruedFees;
        require(amount != 0, BridgeNothingToClaim());
        $.sendState.accruedFees = 0;
        emit FeesClaimed(beneficiary, amount);
        _sendNative(beneficiary, amount);
    }

    function _sendNative(address to, uint256 amount) private {
        (bool ok, ) = to.call{value: amount}("");
        require(ok, BridgeNativeTransferFailed(to, amount));
    }

    // ------------------------------------------------------------------------------------------
    // Security council, monitor, fee updater
    // ------------------------------------------------------------------------------------------

    function veto(bytes32 msgId) external onlyRole(VETOER) {
        Layout storage $ = _layout();
        QueuedMessage storage queued = $.queued[msgId];
        MessageStatus status = queued.status;
        require(status == MessageStatus.Queued, BridgeInvalidMessageStatus(msgId, status));
        queued.status = MessageStatus.Vetoed;
        $.released[_sourceKey(queued.sourceChainId, queued.sourceGateway)].set(queued.nonce);
        emit MessageVetoed(msgId, msg.sender);
        _forfeitDropOff(msgId);
    }

    /// @dev A vetoed or cancelled message's held drop-off goes to the fee pot: the relayer that
    ///      supplied it is paid back through the beneficiary, and it is never paid twice.
    function _forfeitDropOff(bytes32 msgId) private {
        Layout storage $ = _layout();
        uint256 held = $.heldDropOffs[msgId];
        if (held == 0) return;
        delete $.heldDropOffs[msgId];
        $.sendState.accruedFees += SafeCast.toUint88(held);
        emit DropOffForfeited(msgId, held);
    }

    function pause() external onlyRole(PAUSER) {
        Layout storage $ = _layout();
        Config memory config = $.config;
        require(!config.paused, BridgePaused());
        config.paused = true;
        _storeConfig(config);
        $.sendState.paused = true;
        emit Paused(msg.sender);
    }

    function updateFeeInputs(uint64 destChainId, uint64 gasPrice, uint96 exchangeRate) external onlyRole(FEE_UPDATER) {
        Layout storage $ = _layout();
        DestinationFees storage fees = $.fees[destChainId];
        FeeInputs memory inputs = fees.inputs;
        FeeBounds memory bounds = fees.bounds;
        FeeWindow memory window = fees.window;
        if (block.timestamp >= uint256(window.start) + 1 hours) {
            window = FeeWindow(uint64(block.timestamp), inputs.gasPrice, inputs.exchangeRate);
            fees.window = window;
        }
        require(
            gasPrice >= bounds.minGasPrice &&
                gasPrice <= bounds.maxGasPrice &&
                exchangeRate >= bounds.minExchangeRate &&
                exchangeRate <= fees.limits.maxExchangeRate &&
                FeeLib.withinStep(inputs.gasPrice, gasPrice, bounds.maxChangePerUpdateBps) &&
                FeeLib.withinStep(inputs.exchangeRate, exchangeRate, bounds.maxChangePerUpdateBps) &&
                FeeLib.withinStep(window.gasPrice, gasPrice, bounds.maxChangePerHourBps) &&
                FeeLib.withinStep(window.exchangeRate, exchangeRate, bounds.maxChangePerHourBps),
            BridgeFeeOutOfBounds(destChainId)
        );
        inputs.gasPrice = gasPrice;
        inputs.exchangeRate = exchangeRate;
        fees.inputs = inputs;
        _repriceRoute(destChainId, inputs);
        emit FeeInputsUpdated(destChainId, gasPrice, exchangeRate, msg.sender);
    }

    /// @dev Recomputes the route's cached price of a message without drop-off.
    function _repriceRoute(uint64 destChainId, FeeInputs memory inputs) private {
        _layout().routes[destChainId].deliveryFee = SafeCast.toUint88(
            FeeLib.deliveryFee(inputs.gasPerMessage, inputs.gasPrice, inputs.exchangeRate, inputs.flatFee)
        );
    }

    // ------------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------------

    function unpause() external onlyRole(GOVERNOR) {
        Layout storage $ = _layout();
        Config memory config = $.config;
        require(config.paused, BridgeNotPaused());
        config.paused = false;
        _storeConfig(config);
        $.sendState.paused = false;
        emit Unpaused(msg.sender);
    }

    function setGuardianSet(
        address[] calldata guardians,
        uint8 threshold,
        uint64 previousSetGrace
    ) external onlyRole(GOVERNOR) {
        Layout storage $ = _layout();
        uint32 previous = $.config.guardianSetIndex;
        uint64 expiresAt = uint64(block.timestamp) + previousSetGrace;
        $.guardianSets[previous].expiresAt = expiresAt;
        _installGuardianSet(previous + 1, guardians, threshold);
        emit GuardianSetChanged(previous + 1, guardians, threshold, expiresAt);
    }

    function _installGuardianSet(uint32 index, address[] calldata guardians, uint8 threshold) private {
        uint256 n = guardians.length;
        require(n != 0 && n <= type(uint8).max && threshold != 0 && threshold <= n, BridgeInvalidGuardianSet());
        address previous = address(0);
        for (uint256 i = 0; i < n; ++i) {
            // Strictly ascending from zero: no zero address, no duplicates.
            require(guardians[i] > previous, BridgeInvalidGuardianSet());
            previous = guardians[i];
        }
        address members = GuardianSignatures.store(guardians);
        Layout storage $ = _layout();
        $.guardianSets[index] = GuardianSetInfo({members: members, threshold: threshold, size: uint8(n), expiresAt: 0});
        Config memory config = $.config;
        config.guardianMembers = members;
        config.threshold = threshold;
        config.guardianCount = uint8(n);
        config.guardianSetIndex = index;
        _storeConfig(config);
    }

    /// @dev Writes the configuration and every accepted source's copy of it (see `Config`).
    function _storeConfig(Config memory config) private {
        Layout storage $ = _layout();
        $.config = config;
        uint256[] storage keys = $.sourceKeys;
        uint256 n = keys.length;
        for (uint256 i = 0; i < n; ++i) $.sources[keys[i]] = config;
    }

    /// @dev Accepts deliveries from a source gateway (it gets a copy of the configuration), or
    ///      stops accepting them (its copy is deleted and its place in `sourceKeys` freed).
    function _setSource(uint64 chainId, address gateway, bool enabled) private {
        Layout storage $ = _layout();
        uint256 key = _sourceKey(chainId, gateway);
        bool accepted = $.sources[key].guardianMembers != address(0);
        if (enabled == accepted) return;
        uint256[] storage keys = $.sourceKeys;
        if (enabled) {
            require(keys.length < MAX_SOURCES_, BridgeTooManySources(MAX_SOURCES_));
            keys.push(key);
            $.sources[key] = $.config;
            return;
        }
        delete $.sources[key];
        uint256 last = keys.length - 1;
        for (uint256 i = 0; i < last; ++i) {
            if (keys[i] == key) {
                keys[i] = keys[last];
                break;
            }
        }
        keys.pop();
    }

    function setRoute(uint64 chainId, address gateway, bool enabled) external onlyRole(GOVERNOR) {
        require(chainId != block.chainid && chainId != 0 && gateway != address(0), BridgeInvalidParameter());
        Layout storage $ = _layout();
        Route storage r = $.routes[chainId];
        // The price stays: it belongs to the destination chain, not to the gateway there.
        r.gateway = gateway;
        r.enabled = enabled;
        _setSource(chainId, gateway, enabled);
        emit RouteSet(chainId, gateway, enabled);
    }

    function setInboundSource(uint64 chainId, address gateway, bool enabled) external onlyRole(GOVERNOR) {
        require(chainId != block.chainid && chainId != 0 && gateway != address(0), BridgeInvalidParameter());
        _setSource(chainId, gateway, enabled);
        emit InboundSourceSet(chainId, gateway, enabled);
    }

    function registerToken(uint64 homeChainId, address homeToken, address local) external onlyRole(GOVERNOR) {
        require(
            homeChainId != 0 && homeToken != address(0) && local.code.length != 0,
            BridgeInvalidTokenRegistration(homeChainId, homeToken, local)
        );
        bool isHome = homeChainId == block.chainid;
        // On the home chain the local token is the home token itself; elsewhere it must be this
        // gateway's bridged copy of exactly this identity.
        require(
            isHome ? local == homeToken : _isOwnBridgedToken(local, homeChainId, homeToken),
            BridgeInvalidTokenRegistration(homeChainId, homeToken, local)
        );
        uint8 decimals = _decimals(local);
        uint8 limitScale = decimals > LIMIT_DECIMALS ? decimals - LIMIT_DECIMALS : 0;
        Layout storage $ = _layout();
        uint256 key = _tokenKey(homeChainId, homeToken);
        InboundToken memory existing = $.inbound[key].token;
        require(
            existing.local == address(0) || existing.local == local,
            BridgeInvalidTokenRegistration(homeChainId, homeToken, local)
        );
        LocalToken memory known = $.locals[local].info;
        require(
            known.homeToken == address(0) || (known.homeToken == homeToken && known.homeChainId == homeChainId),
            BridgeInvalidTokenRegistration(homeChainId, homeToken, local)
        );
        $.locals[local].info = LocalToken({
            homeChainId: homeChainId,
            homeToken: homeToken,
            isHome: isHome,
            limitScale: limitScale
        });
        $.inbound[key].token = InboundToken({
            local: local,
            fastLimit: existing.fastLimit,
            isHome: isHome,
            limitScale: limitScale
        });
        emit TokenRegistered(homeChainId, homeToken, local, isHome, decimals);
    }

    /// @dev The token's `decimals()`; refuses a token without one (or with a malformed answer)
    ///      and one above `MAX_DECIMALS`, whose limits could not be expressed.
    function _decimals(address token) private view returns (uint8) {
        (bool ok, bytes memory data) = token.staticcall(abi.encodeWithSignature("decimals()"));
        require(ok && data.length == 32, BridgeUnsupportedDecimals(token));
        uint256 decimals = abi.decode(data, (uint256));
        require(decimals <= MAX_DECIMALS, BridgeUnsupportedDecimals(token));
        return uint8(decimals);
    }

    /// @dev True when `local` is a BridgedToken minted by this gateway for the identity. Any
    ///      revert or malformed return (a plain ERC-20 has no GATEWAY()) means no.
    function _isOwnBridgedToken(address local, uint64 homeChainId, address homeToken) private view returns (bool) {
        return
            _reads(local, IBridgedToken.GATEWAY.selector, uint160(address(this))) &&
            _reads(local, IBridgedToken.HOME_TOKEN.selector, uint160(homeToken)) &&
            _reads(local, IBridgedToken.HOME_CHAIN_ID.selector, homeChainId);
    }

    function _reads(address target, bytes4 selector, uint256 expected) private view returns (bool) {
        (bool ok, bytes memory data) = target.staticcall(abi.encodeWithSelector(selector));
        return ok && data.length == 32 && abi.decode(data, (uint256)) == expected;
    }

    /// @dev The registration of a token identity; reverts when it has none.
    function _registered(uint64 homeChainId, address homeToken) private view returns (InboundToken memory token) {
        token = _layout().inbound[_tokenKey(homeChainId, homeToken)].token;
        require(token.local != address(0), BridgeUnknownTokenIdentity(homeChainId, homeToken));
    }

    function setFastLimit(uint64 homeChainId, address homeToken, uint256 fastLimit_) external onlyRole(GOVERNOR) {
        InboundToken memory token = _registered(homeChainId, homeToken);
        uint256 unit = _unit(token.limitScale);
        uint256 units = fastLimit_ / unit;
        uint80 stored = units >= type(uint80).max ? type(uint80).max : uint80(units);
        _layout().inbound[_tokenKey(homeChainId, homeToken)].token.fastLimit = stored;
        emit FastLimitSet(homeChainId, homeToken, uint256(stored) * unit);
    }

    function setRateLimit(
        uint64 homeChainId,
        address homeToken,
        Direction direction,
        uint256 capacity,
        uint256 refillPerSecond
    ) external onlyRole(GOVERNOR) {
        InboundToken memory token = _registered(homeChainId, homeToken);
        uint256 unit = _unit(token.limitScale);
        uint256 capUnits = capacity / unit;
        uint96 storedCapacity = capUnits >= RateLimitLib.UNLIMITED ? RateLimitLib.UNLIMITED : uint96(capUnits);
        uint256 refillUnits = refillPerSecond / unit;
        uint96 storedRefill = refillUnits >= type(uint96).max ? type(uint96).max : uint96(refillUnits);
        require(RateLimitLib.isValid(storedCapacity, storedRefill), BridgeInvalidParameter());
        RateLimitLib.Bucket memory bucket = RateLimitLib.Bucket({
            capacity: storedCapacity,
            refillPerSecond: storedRefill,
            fullAt: 0
        });
        Layout storage $ = _layout();
        if (direction == Direction.Inbound) $.inbound[_tokenKey(homeChainId, homeToken)].bucket = bucket;
        else $.locals[token.local].outbound = bucket;
        emit RateLimitSet(
            homeChainId,
            homeToken,
            direction,
            storedCapacity == RateLimitLib.UNLIMITED ? type(uint256).max : uint256(storedCapacity) * unit,
            uint256(storedRefill) * unit
        );
    }

    function setLargeDelay(uint32 delay) external onlyRole(GOVERNOR) {
        Config memory config = _layout().config;
        config.largeDelay = delay;
        _storeConfig(config);
        emit LargeDelaySet(delay);
    }

    function setDeadlineWindows(uint32 minWindow, uint32 defaultWindow, uint32 maxWindow) external onlyRole(GOVERNOR) {
        _setDeadlineWindows(minWindow, defaultWindow, maxWindow);
    }

    function _setDeadlineWindows(uint32 minWindow, uint32 defaultWindow, uint32 maxWindow) private {
        require(minWindow <= defaultWindow && defaultWindow <= maxWindow && minWindow != 0, BridgeInvalidParameter());
        SendState storage state = _layout().sendState;
        state.minWindow = minWindow;
        state.defaultWindow = defaultWindow;
        state.maxWindow = maxWindow;
        emit DeadlineWindowsSet(minWindow, defaultWindow, maxWindow);
    }

    function setFeeConfig(uint64 destChainId, FeeConfig calldata c) external onlyRole(GOVERNOR) {
        require(
            destChainId != 0 &&
                destChainId != block.chainid &&
                c.minGasPrice <= c.gasPrice &&
                c.gasPrice <= c.maxGasPrice &&
                c.minExchangeRate <= c.exchangeRate &&
                c.exchangeRate <= c.maxExchangeRate,
            BridgeInvalidParameter()
        );
        // The most expensive price the updater could reach must still be representable.
        require(
            FeeLib.deliveryFee(c.gasPerMessage, c.maxGasPrice, c.maxExchangeRate, c.flatFee) +
                FeeLib.dropOffFee(uint128(c.dropOffCap), DROP_OFF_GAS_COST_, c.maxGasPrice, c.maxExchangeRate) <=
                type(uint88).max,
            BridgeInvalidParameter()
        );
        DestinationFees storage fees = _layout().fees[destChainId];
        FeeInputs memory inputs = FeeInputs(c.gasPrice, c.exchangeRate, c.gasPerMessage, c.flatFee);
        fees.inputs = inputs;
        fees.bounds = FeeBounds(
            c.minGasPrice,
            c.maxGasPrice,
            c.minExchangeRate,
            c.maxChangePerUpdateBps,
            c.maxChangePerHourBps
        );
        fees.limits = FeeLimits(c.maxExchangeRate, c.dropOffCap);
        // A new hour window starts from governance's values.
        fees.window = FeeWindow(uint64(block.timestamp), c.gasPrice, c.exchangeRate);
        _repriceRoute(destChainId, inputs);
        emit FeeConfigSet(destChainId, c);
    }

    function setFeeBeneficiary(address beneficiary) external onlyRole(GOVERNOR) {
        _layout().feeBeneficiary = beneficiary;
        emit FeeBeneficiarySet(beneficiary);
    }

    /// @dev Only what the gateway holds beyond `lockedBalance` moves, and the balance is checked
    ///      after the transfer too (a token charging its fee to the gateway must not take it
    ///      below what is locked). Fees are native tokens and never part of this.
    function sweepSurplus(address token, address to) external onlyRole(GOVERNOR) nonReentrant {
        require(to != address(0) && token.code.length != 0, BridgeInvalidParameter());
        uint256 locked = _layout().locals[token].locked;
        uint256 balance = IERC20(token).balanceOf(address(this));
        require(balance > locked, BridgeNothingToClaim());
        uint256 amount = balance - locked;
        IERC20(token).safeTransfer(to, amount);
        uint256 left = IERC20(token).balanceOf(address(this));
        require(left >= locked, BridgeSweepBelowLocked(token, left, locked));
        emit SurplusSwept(token, to, amount);
    }

    function initializeEscape(address messenger, address escapeHatch, address tokenBridge) external onlyRole(GOVERNOR) {
        Layout storage $ = _layout();
        require($.escape.messenger == address(0), BridgeEscapeAlreadyConfigured());
        require(messenger.code.length != 0 && escapeHatch != address(0), BridgeInvalidParameter());
        require(tokenBridge == address(0) || tokenBridge.code.length != 0, BridgeInvalidParameter());
        $.escape = EscapeWiring({messenger: messenger, escapeHatch: escapeHatch, tokenBridge: tokenBridge});
        emit EscapeInitialized(messenger, escapeHatch, tokenBridge);
    }

    // ------------------------------------------------------------------------------------------
    // Escape hatch
    // ------------------------------------------------------------------------------------------

    /// @dev Mutual exclusion with delivery: `deliver` accepts a message only up to its deadline
    ///      and this only after it, and both go through the (source gateway, nonce) bit. A message
    ///      whose bit is set and not released was delivered (perhaps paid out on the fast path,
    ///      which records nothing else), so it cannot be cancelled unless it is queued (then only
    ///      by its sender, after `QUEUED_EXIT_GRACE`: `execute` and this both require `Queued`
    ///      and leave another status, so at most one of them ever pays). A vetoed one can be
    ///      cancelled: a veto must not strand a genuine sender's funds, and a forgery's refund is
    ///      refused by the source, which never sent it.
    ///      Cancelling an unseen message takes the bit but leaves the nonce *released* (as a veto
    ///      does): anyone can cancel a made-up expired message naming any nonce, and that must
    ///      not block the genuine message with the same nonce. The cancelled id itself can never
    ///      be delivered: taking a released nonce requires the id's status to be None.
    ///      Deliberately not gated on `paused`: see the interface.
    function cancelExpired(Message calldata message, bool refundOnL1) external nonReentrant returns (bytes32 msgId) {
        Layout storage $ = _layout();
        address messenger = $.escape.messenger;
        require(messenger != address(0), BridgeEscapeNotConfigured());
        require(
            message.destChainId == block.chainid && message.destGateway == address(this),
            BridgeWrongDestination(message.destChainId, message.destGateway)
        );
        msgId = MessageLib.hashCalldata(message);
        require(block.timestamp > message.deadline, BridgeMessageNotExpired(msgId, message.deadline));
        require(!refundOnL1 || msg.sender == message.sender, BridgeOnlySender(message.sender));

        QueuedMessage storage entry = $.queued[msgId];
        MessageStatus status = entry.status;
        if (status == MessageStatus.None) {
            uint256 sourceKey = _sourceKey(message.sourceChainId, message.sourceGateway);
            if (!$.processed[sourceKey].trySet(message.nonce)) {
                require($.released[sourceKey].get(message.nonce), BridgeMessageAlreadyProcessed(msgId));
            }
            $.released[sourceKey].set(message.nonce);
        } else if (status == MessageStatus.Queued) {
            require(msg.sender == message.sender, BridgeOnlySender(message.sender));
            uint256 deadline = message.deadline;
            uint256 executableAt = entry.executableAt;
            uint256 opensAt = (deadline > executableAt ? deadline : executableAt) + QUEUED_EXIT_GRACE_;
            require(block.timestamp >= opensAt, BridgeQueuedExitNotOpen(msgId, uint64(opensAt)));
            _forfeitDropOff(msgId);
        } else {
            require(status == MessageStatus.Vetoed, BridgeInvalidMessageStatus(msgId, status));
        }
        entry.status = MessageStatus.Cancelled;
        emit MessageCancelled(msgId, message.sourceChainId, message.nonce, refundOnL1);
        ICrossDomainMessenger(messenger).sendMessage(
            $.escape.escapeHatch,
            abi.encodeCall(IEscapeHatch.onMessageCancelled, (message, refundOnL1)),
            ESCAPE_L1_GAS_LIMIT_
        );
    }

    /// @dev The source's own record (`sent`) is what makes a refund safe: the escape hatch only
    ///      proves that the destination cancelled *some* message naming this gateway, and a
    ///      cancelled forgery must not pay out here. Not gated on `paused` (see the interface).
    function refund(Message calldata message, bool refundOnL1) external nonReentrant {
        Layout storage $ = _layout();
        EscapeWiring memory wiring = $.escape;
        // `xDomainMessageSender()` reverts outside a relay: read only when the messenger calls.
        require(
            wiring.messenger != address(0) &&
                msg.sender == wiring.messenger &&
                ICrossDomainMessenger(wiring.messenger).xDomainMessageSender() == wiring.escapeHatch,
            BridgeNotEscapeHatch(msg.sender)
        );
        bytes32 msgId = MessageLib.hashCalldata(message);
        uint64 nonce = message.nonce;
        require(
            message.sourceChainId == block.chainid && message.sourceGateway == address(this) && $.sent[nonce] == msgId,
            BridgeUnknownMessage(msgId)
        );
        require($.refunded.trySet(nonce), BridgeAlreadyRefunded(msgId));

        InboundToken memory token = $.inbound[_tokenKey(message.tokenChainId, message.token)].token;
        address local = token.local;
        uint256 amount = message.amount;
        address to = message.sender;
        // The outbound bucket is left as it is: it bounds how fast value leaves, and giving its
        // room back on a refund would let cancelled messages be replayed as fresh capacity.
        if (token.isHome) $.locals[local].locked -= amount;
        // L1 is possible only for a home token that is this rollup's canonical copy of an L1
        // token; anything else (a bridged copy, a native L2 token) is refunded here instead, and
        // the event says which happened.
        bool onL1 = refundOnL1 && token.isHome && _isStandardBridgeToken(local, wiring.tokenBridge);
        emit MessageRefunded(msgId, to, amount, onL1);
        if (onL1) {
            // The standard bridge burns the gateway's tokens and withdraws them to `to` on L1.
            uint256 before = IERC20(local).balanceOf(address(this));
            IL2StandardBridge(wiring.tokenBridge).withdrawTo(local, to, amount, L1_WITHDRAWAL_GAS_LIMIT_, "");
            _checkMoved(local, before, amount);
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
}
