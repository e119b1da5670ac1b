// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Message, MessageHeader, Transfer} from "../interfaces/IBridgeMessage.sol";

/// @title MessageLib
/// @notice EIP-712 hashing of the bridge message. The TypeScript twin is `core/message.ts`; the
///         two are proven equal by fuzzed test vectors.
library MessageLib {
    /// @notice The only message format version this code accepts.
    uint8 internal constant MESSAGE_VERSION = 1;

    /// @notice EIP-712 type hash of `Message`.
    bytes32 internal constant MESSAGE_TYPEHASH = keccak256(
        "Message(uint8 version,uint64 nonce,uint64 sourceChainId,uint64 destChainId,address sourceGateway,"
        "address destGateway,address sender,address recipient,address token,uint256 amount,uint64 deadline)"
    );

    /// @notice EIP-712 type hash of the attestation guardians sign.
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256("Attestation(bytes32 root,uint32 guardianSetIndex)");

    /// @notice Message ids of a batch delivered as one header and its transfers.
    /// @dev Builds `TYPEHASH ‖ encodeData(Message)` once in memory with the header's words, then
    ///      per transfer writes the nonce and copies the five trailing words straight from
    ///      calldata before hashing: every field is atomic, so `encodeData` is the 11 words in
    ///      struct order. Dirty high bits cannot smuggle a different message through: the id
    ///      would differ from the one guardians signed, and the gateway reads (and so validates)
    ///      every other field before acting on it.
    function hashBatch(
        MessageHeader calldata header,
        Transfer[] calldata transfers
    ) internal pure returns (bytes32[] memory ids) {
        uint256 n = transfers.length;
        ids = new bytes32[](n);
        bytes32 typehash = MESSAGE_TYPEHASH;
        uint256 version = header.version;
        uint256 sourceChainId = header.sourceChainId;
        uint256 destChainId = header.destChainId;
        address sourceGateway = header.sourceGateway;
        address destGateway = header.destGateway;
        // Layout: [typehash, version, nonce, src, dst, srcGw, dstGw, sender, recipient, token,
        // amount, deadline]; a Transfer in calldata is [nonce, sender, ..., deadline].
        assembly ("memory-safe") {
            let buf := mload(0x40)
            mstore(0x40, add(buf, 0x180))
            mstore(buf, typehash)
            mstore(add(buf, 0x20), version)
            mstore(add(buf, 0x60), sourceChainId)
            mstore(add(buf, 0x80), destChainId)
            mstore(add(buf, 0xa0), sourceGateway)
            mstore(add(buf, 0xc0), destGateway)
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                let t := add(transfers.offset, mul(i, 0xc0))
                mstore(add(buf, 0x40), calldataload(t))
                calldatacopy(add(buf, 0xe0), add(t, 0x20), 0xa0)
                mstore(add(add(ids, 0x20), mul(i, 0x20)), keccak256(buf, 0x180))
            }
        }
    }

    /// @notice The message id: EIP-712 `hashStruct(message)`.
    function hash(Message memory message) internal pure returns (bytes32) {
        return keccak256(abi.encode(MESSAGE_TYPEHASH, message));
    }

    /// @notice EIP-712 `hashStruct(Attestation(root, guardianSetIndex))`.
    function attestationHash(bytes32 root, uint32 guardianSetIndex) internal pure returns (bytes32) {
        return keccak256(abi.encode(ATTESTATION_TYPEHASH, root, guardianSetIndex));
    }
}
