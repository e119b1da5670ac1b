// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Canonical rollup messaging, as the bridge sees it (OP Stack)
/// @notice The escape hatch rides on each rollup's own L2↔L1 messaging, never on Portcullis'
///         guardians or relayers. These are the OP Stack contracts the gateway and the
///         `EscapeHatch` call, declared with the signatures of OP's `contracts-bedrock`
///         (the selectors are what counts; nothing of OP's source is copied): the
///         `L1CrossDomainMessenger` / `L2CrossDomainMessenger` pair, the `L2StandardBridge` and
///         the tokens of its `OptimismMintableERC20Factory`. Another rollup family (Arbitrum:
///         `ArbSys.sendTxToL1`, `Outbox.l2ToL1Sender`, retryable tickets) is added by an adapter
///         contract presenting this messenger shape (docs/escape-hatch.md).
///
///         Authentication follows OP Stack: a contract receiving a canonical message checks that
///         `msg.sender` is its messenger and that `xDomainMessageSender()` is the contract it
///         trusts on the other layer.

/// @notice OP Stack's `CrossDomainMessenger` (`L1CrossDomainMessenger` on L1, the
///         `L2CrossDomainMessenger` predeploy `0x4200000000000000000000000000000000000007` on L2).
interface ICrossDomainMessenger {
    /// @notice Sends `message` to `target` on the other layer. L2→L1: executed on L1 once the
    ///         withdrawal is proven against an output root and its finalization window passed.
    ///         L1→L2: a deposit, executed on the L2 by the rollup itself. `minGasLimit` is the
    ///         least gas the target gets there; a message that fails can be replayed by anyone.
    function sendMessage(address target, bytes calldata message, uint32 minGasLimit) external payable;

    /// @notice While a message from the other layer is being relayed: the address that sent it
    ///         there. Reverts at any other time, so a direct call can never impersonate a sender.
    function xDomainMessageSender() external view returns (address);
}

/// @notice OP Stack's `L2StandardBridge` predeploy (`0x4200000000000000000000000000000000000010`),
///         as the gateway uses it to pay an escaped refund on L1.
interface IL2StandardBridge {
    /// @notice Burns `amount` of `l2Token` held by the caller and starts its withdrawal to `to`
    ///         on L1: the `L1StandardBridge` releases the L1 tokens once the withdrawal is proven
    ///         and final. `minGasLimit` is the gas the L1 bridge's finalization gets at least.
    function withdrawTo(
        address l2Token,
        address to,
        uint256 amount,
        uint32 minGasLimit,
        bytes calldata extraData
    ) external payable;
}

/// @notice OP Stack's `IOptimismMintableERC20`: the L2 representation of an L1 token, minted and
///         burnt only by its bridge. Declared in full because its ERC-165 interface id (the XOR of
///         these four selectors) is how the gateway recognises one.
interface IOptimismMintableERC20 {
    /// @notice The L1 token this one represents.
    function remoteToken() external view returns (address);

    /// @notice The bridge that may mint and burn it (the `L2StandardBridge` for factory tokens).
    function bridge() external returns (address);

    function mint(address to, uint256 amount) external;

    function burn(address from, uint256 amount) external;
}
