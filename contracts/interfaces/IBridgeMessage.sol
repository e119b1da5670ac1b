// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title The Portcullis bridge message (format version 2)
/// @notice One struct describes every transfer, on every chain, in every component. Its EIP-712
///         struct hash is the message id (`msgId`). Messages carry token transfers only: there is
///         no call payload, so no message can ever reach an admin function.
/// @dev    Version 2 added `tokenChainId` (a token is identified by its home chain *and* its
///         address there) and `dropOff` (native gas for the recipient on the destination).
///         `deliver` takes messages in the packed form described in `MessageLib`; events and the
///         escape hatch use this struct. `core/message.ts` is the TypeScript twin.
struct Message {
    /// @dev Format version; this code accepts only `MessageLib.MESSAGE_VERSION` (2).
    uint8 version;
    /// @dev Per-source-gateway sequence number, starting at 0.
    uint64 nonce;
    uint64 sourceChainId;
    uint64 destChainId;
    address sourceGateway;
    address destGateway;
    /// @dev Who paid on the source chain; refunds of an escaped message go here.
    address sender;
    address recipient;
    /// @dev Token identity, part 1: the chain the token is canonical on (its home chain).
    uint64 tokenChainId;
    /// @dev Token identity, part 2: the token's address on its home chain.
    address token;
    uint256 amount;
    /// @dev Unix time after which the message can no longer be delivered (and can be escaped).
    uint64 deadline;
    /// @dev Native wei the destination gateway forwards to `recipient` with the transfer (gas
    ///      drop-off); the delivering relayer supplies it as `msg.value`. 0 for none.
    uint128 dropOff;
}
