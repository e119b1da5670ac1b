// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title The Portcullis bridge message
/// @notice One struct describes every transfer, on every chain, in every component. Its EIP-712
///         struct hash is the message id (`msgId`). Messages carry token transfers only: there is
///         no call payload, so no message can ever reach an admin function.
/// @dev    All fields are static so a `Message[]` in calldata is a flat array without offsets,
///         which keeps batch calldata (the dominant cost per transfer) small.
struct Message {
    /// @dev Format version; this code accepts only `MESSAGE_VERSION` (1).
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
    /// @dev Token identity: the token's address on its home chain.
    address token;
    uint256 amount;
    /// @dev Unix time after which the message can no longer be delivered (and can be escaped).
    uint64 deadline;
}

/// @notice A guardian attestation over one message or a batch of messages.
/// @dev Guardians sign the EIP-712 digest of `Attestation(bytes32 root,uint32 guardianSetIndex)`
///      in the destination gateway's domain. `root` is the message id itself for a batch of one,
///      otherwise the Merkle root over the batch's message ids (see `MerkleLib`).
struct Attestation {
    /// @dev Index of the guardian set the signatures were made under.
    uint32 guardianSetIndex;
    /// @dev The full guardian set at that index, ascending. Its hash must equal the stored one;
    ///      passing it in calldata is cheaper than reading one storage slot per guardian.
    address[] guardians;
    /// @dev Concatenated 65-byte `r ‖ s ‖ v` signatures, strictly ascending by signer.
    bytes signatures;
}

/// @notice The route part of a message: identical for every message of a delivered batch.
/// @dev `deliver` takes a batch as one `MessageHeader` plus one `Transfer` per message instead
///      of full `Message`s: the five shared fields would otherwise cost ~1,150 gas of calldata
///      per message. `Message` = header ∪ transfer; ids are computed over the full `Message`.
struct MessageHeader {
    uint8 version;
    uint64 sourceChainId;
    uint64 destChainId;
    address sourceGateway;
    address destGateway;
}

/// @notice The per-message part of a delivered message (see `MessageHeader`).
struct Transfer {
    uint64 nonce;
    address sender;
    address recipient;
    address token;
    uint256 amount;
    uint64 deadline;
}
