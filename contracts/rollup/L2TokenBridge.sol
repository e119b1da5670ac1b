// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IL2CanonicalMessenger, IL2CanonicalTokenBridge} from "./ISimCanonical.sol";
import {ICanonicalL2Token, IL1TokenBridge, IL2TokenBridge, ITokenBridgeCommon} from "./ISimRollup.sol";

/// @title L2TokenBridge (simulated rollup, L2 side; devnet and tests only)
/// @notice The rollup's canonical token bridge on L2 (OP Stack's `L2StandardBridge`, reduced):
///         mints `CanonicalL2Token`s for proven L1 deposits and burns them to start withdrawals.
///         A deposit naming an L2 token that is not this bridge's representation of the L1 token
///         is sent back to its L1 sender instead of being lost.
/// @dev See `L1TokenBridge` for why the bridges are linked by a set-once `initialize`.
contract L2TokenBridge is IL2TokenBridge {
    /// @inheritdoc IL2TokenBridge
    address public immutable MESSENGER;
    /// @inheritdoc ITokenBridgeCommon
    address public immutable INITIALIZER;

    /// @inheritdoc ITokenBridgeCommon
    address public remoteBridge;

    constructor(address messenger) {
        MESSENGER = messenger;
        INITIALIZER = msg.sender;
    }

    /// @inheritdoc ITokenBridgeCommon
    function initialize(address remoteBridge_) external {
        require(
            msg.sender == INITIALIZER && remoteBridge == address(0) && remoteBridge_ != address(0),
            TokenBridgeInitializeRefused(msg.sender)
        );
        remoteBridge = remoteBridge_;
        emit RemoteBridgeInitialized(remoteBridge_);
    }

    /// @inheritdoc IL2TokenBridge
    function finalizeDeposit(address l1Token, address l2Token, address from, address to, uint256 amount) external {
        // `l1Sender()` reverts outside a relay, so it is read only when the messenger calls.
        require(
            msg.sender == MESSENGER && IL2CanonicalMessenger(MESSENGER).l1Sender() == remoteBridge,
            TokenBridgeUnauthorized(msg.sender)
        );
        if (_remoteTokenOf(l2Token) == l1Token && l1Token != address(0)) {
            emit DepositFinalized(l1Token, l2Token, from, to, amount);
            ICanonicalL2Token(l2Token).mint(to, amount);
        } else {
            emit DepositBounced(l1Token, l2Token, from, to, amount);
            _sendToL1(l1Token, l2Token, to, from, amount);
        }
    }

    /// @inheritdoc IL2CanonicalTokenBridge
    function withdrawTo(address l2Token, address to, uint256 amount) external {
        require(remoteBridge != address(0), TokenBridgeNotInitialized());
        address l1Token = _remoteTokenOf(l2Token);
        require(l1Token != address(0), TokenBridgeNotCanonical(l2Token));
        require(amount != 0 && to != address(0), TokenBridgeInvalidTransfer());
        ICanonicalL2Token(l2Token).burn(msg.sender, amount);
        emit WithdrawalInitiated(l1Token, l2Token, msg.sender, to, amount);
        _sendToL1(l1Token, l2Token, msg.sender, to, amount);
    }

    /// @inheritdoc IL2CanonicalTokenBridge
    function isCanonicalToken(address l2Token) external view returns (bool) {
        return _remoteTokenOf(l2Token) != address(0);
    }

    function _sendToL1(address l1Token, address l2Token, address from, address to, uint256 amount) private {
        IL2CanonicalMessenger(MESSENGER).sendToL1(
            remoteBridge,
            abi.encodeCall(IL1TokenBridge.finalizeWithdrawal, (l1Token, l2Token, from, to, amount))
        );
    }

    /// @dev The L1 token `l2Token` represents when it is a `CanonicalL2Token` minted by this
    ///      bridge; zero for anything else (an EOA, another contract, another bridge's token).
    ///      A look-alike contract could claim this bridge, but it can only ever withdraw L1
    ///      tokens deposited for itself: the L1 bridge accounts per token pair.
    function _remoteTokenOf(address l2Token) private view returns (address) {
        if (l2Token.code.length == 0) return address(0);
        try ICanonicalL2Token(l2Token).BRIDGE() returns (address bridge) {
            if (bridge != address(this)) return address(0);
        } catch {
            return address(0);
        }
        try ICanonicalL2Token(l2Token).REMOTE_TOKEN() returns (address remote) {
            return remote;
        } catch {
            return address(0);
        }
    }
}
