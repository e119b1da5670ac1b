// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title The simulated rollup's adapter interfaces (transitional: deleted with contracts/rollup/)
/// @notice The escape hatch rides on each rollup's own L2↔L1 messaging, never on Portcullis'
///         guardians or relayers. These two adapter interfaces are all the gateway and the
///         `EscapeHatch` know of it, so production adapters (OP Stack's `CrossDomainMessenger`,
///         Arbitrum's `ArbSys` / `Outbox` / `Inbox`) slot in without touching either contract.
///         The devnet implements them with a simulated rollup (`contracts/rollup/`).
///
///         Authentication follows OP Stack: a contract receiving a canonical message checks that
///         `msg.sender` is its messenger and that the messenger's reported cross-domain sender is
///         the contract it trusts on the other layer.

/// @notice The L2 side of one rollup's canonical messaging.
interface IL2CanonicalMessenger {
    /// @notice Sends `data` to `target` on L1. The call is executed on L1 only after the
    ///         rollup's finalization window, once proven against a finalized output root.
    function sendToL1(address target, bytes calldata data) external;

    /// @notice While an L1→L2 message is being relayed: the L1 address that sent it. Reverts
    ///         at any other time, so a direct call can never impersonate an L1 sender.
    function l1Sender() external view returns (address);
}

/// @notice The L1 side of one rollup's canonical messaging (one per L2).
interface IL1CanonicalPortal {
    /// @notice Chain id of the L2 this portal serves.
    function l2ChainId() external view returns (uint64);

    /// @notice Sends `data` to `target` on the L2 (a deposit, relayed by the rollup itself).
    function sendToL2(address target, bytes calldata data) external;

    /// @notice While a proven L2→L1 message is being relayed: the L2 address that sent it.
    ///         Reverts at any other time.
    function l2Sender() external view returns (address);
}

/// @notice The L2 side of a rollup's canonical token bridge, as the gateway uses it to send an
///         escaped refund to the sender's L1 address.
interface IL2CanonicalTokenBridge {
    /// @notice Burns `amount` of `l2Token` held by the caller and starts its withdrawal to `to`
    ///         on L1 (the L1 tokens are released after the finalization window).
    function withdrawTo(address l2Token, address to, uint256 amount) external;

    /// @notice True when `l2Token` is this bridge's representation of an L1 token (so it can
    ///         be withdrawn to L1 through `withdrawTo`).
    function isCanonicalToken(address l2Token) external view returns (bool);
}
