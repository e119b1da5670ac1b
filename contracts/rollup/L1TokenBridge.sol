// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IL1CanonicalPortal} from "./ISimCanonical.sol";
import {IL1TokenBridge, IL2TokenBridge, ITokenBridgeCommon} from "./ISimRollup.sol";

/// @title L1TokenBridge (simulated rollup, L1 side; devnet and tests only)
/// @notice The rollup's canonical token bridge on L1 (OP Stack's `L1StandardBridge`, reduced):
///         locks L1 tokens and has the L2 bridge mint them; releases them when a withdrawal from
///         the L2 bridge is proven through the portal. Deposits are tracked per (L1 token, L2
///         token) pair, so a withdrawal of one L2 token can never release L1 tokens deposited for
///         another.
/// @dev The two bridges point at each other through a set-once `initialize` by the deployer:
///      they live on different chains, so predicting the other's CREATE address would tie the
///      deployment to exact deployer nonces on two chains. Until initialized, deposits revert;
///      afterwards nobody can re-point the bridge.
contract L1TokenBridge is IL1TokenBridge {
    using SafeERC20 for IERC20;

    /// @inheritdoc IL1TokenBridge
    address public immutable PORTAL;
    /// @inheritdoc ITokenBridgeCommon
    address public immutable INITIALIZER;

    /// @inheritdoc ITokenBridgeCommon
    address public remoteBridge;

    /// @inheritdoc IL1TokenBridge
    mapping(address l1Token => mapping(address l2Token => uint256)) public deposits;

    constructor(address portal) {
        PORTAL = portal;
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

    /// @inheritdoc IL1TokenBridge
    function depositTo(address l1Token, address l2Token, address to, uint256 amount) external {
        address l2Bridge = remoteBridge;
        require(l2Bridge != address(0), TokenBridgeNotInitialized());
        require(amount != 0 && to != address(0), TokenBridgeInvalidTransfer());
        uint256 balance = IERC20(l1Token).balanceOf(address(this));
        IERC20(l1Token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(l1Token).balanceOf(address(this)) - balance;
        require(received == amount, TokenBridgeFeeOnTransfer(l1Token, amount, received));
        deposits[l1Token][l2Token] += amount;
        emit DepositInitiated(l1Token, l2Token, msg.sender, to, amount);
        IL1CanonicalPortal(PORTAL).sendToL2(
            l2Bridge,
            abi.encodeCall(IL2TokenBridge.finalizeDeposit, (l1Token, l2Token, msg.sender, to, amount))
        );
    }

    /// @inheritdoc IL1TokenBridge
    function finalizeWithdrawal(address l1Token, address l2Token, address from, address to, uint256 amount) external {
        // `l2Sender()` reverts outside a relay, so it is read only when the portal calls.
        require(
            msg.sender == PORTAL && IL1CanonicalPortal(PORTAL).l2Sender() == remoteBridge,
            TokenBridgeUnauthorized(msg.sender)
        );
        uint256 deposited = deposits[l1Token][l2Token];
        require(deposited >= amount, TokenBridgeInsufficientDeposits(l1Token, l2Token, deposited, amount));
        deposits[l1Token][l2Token] = deposited - amount;
        emit WithdrawalFinalized(l1Token, l2Token, from, to, amount);
        IERC20(l1Token).safeTransfer(to, amount);
    }
}
