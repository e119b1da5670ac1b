// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Message} from "../interfaces/IBridgeMessage.sol";

/// @title MessageLib
/// @notice The message's EIP-712 hashing and the packed form `deliver` takes. The TypeScript twin
///         is `core/message.ts`; the two are proven equal by fuzzed test vectors (ids of random
///         messages, and ids of random packed batches decoded here).
///
///         Packed batch (all integers big-endian, no padding):
///           header (29 bytes):   version (1) ‖ sourceChainId (8) ‖ sourceGateway (20)
///           message (132 bytes): nonce (8) ‖ sender (20) ‖ recipient (20) ‖ tokenChainId (8) ‖
///                                token (20) ‖ amount (32) ‖ deadline (8) ‖ dropOff (16)
///         repeated once per message after the header. The destination fields are not carried:
///         they are the delivering gateway's own chain id and address, and go into every id.
/// @dev Why packed: ABI encoding pads each field to 32 bytes and adds offsets; calldata is the
///      largest cost per delivered message (4 gas per zero byte), and every padding byte and
///      offset word of the ABI form is paid on every delivery. See docs/gas.md.
library MessageLib {
    /// @notice The only message format version this code accepts.
    uint8 internal constant MESSAGE_VERSION = 2;

    /// @notice EIP-712 type hash of `Message`.
    bytes32 internal constant MESSAGE_TYPEHASH = keccak256(
        "Message(uint8 version,uint64 nonce,uint64 sourceChainId,uint64 destChainId,address sourceGateway,"
        "address destGateway,address sender,address recipient,uint64 tokenChainId,address token,uint256 amount,"
        "uint64 deadline,uint128 dropOff)"
    );

    /// @notice EIP-712 type hash of the attestation guardians sign.
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256("Attestation(bytes32 root,uint32 guardianSetIndex)");

    uint256 internal constant HEADER_LENGTH = 29;
    uint256 internal constant MESSAGE_LENGTH = 132;

    error MessageLibMalformedBatch(uint256 length);

    /// @notice The message id: EIP-712 `hashStruct(message)`.
    function hash(Message memory message) internal pure returns (bytes32) {
        return keccak256(abi.encode(MESSAGE_TYPEHASH, message));
    }

    /// @notice `hash` of a message in calldata.
    function hashCalldata(Message calldata message) internal pure returns (bytes32) {
        return keccak256(abi.encode(MESSAGE_TYPEHASH, message));
    }

    /// @notice EIP-712 `hashStruct(Attestation(root, guardianSetIndex))`.
    function attestationHash(bytes32 root, uint32 guardianSetIndex) internal pure returns (bytes32 digest) {
        bytes32 typehash = ATTESTATION_TYPEHASH;
        // Three words in free memory (not allocated: nothing else runs before the hash).
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, typehash)
            mstore(add(p, 0x20), root)
            mstore(add(p, 0x40), guardianSetIndex)
            digest := keccak256(p, 0x60)
        }
    }

    /// @notice The number of messages of a packed batch; reverts on an empty batch or a length
    ///         that is not a header plus whole messages.
    function count(bytes calldata batch) internal pure returns (uint256 n) {
        uint256 length = batch.length;
        unchecked {
            // length >= HEADER_LENGTH is checked first, so the subtraction cannot wrap.
            require(
                length > HEADER_LENGTH && (length - HEADER_LENGTH) % MESSAGE_LENGTH == 0,
                MessageLibMalformedBatch(length)
            );
            n = (length - HEADER_LENGTH) / MESSAGE_LENGTH;
        }
    }

    /// @notice The header fields of a packed batch (its length must have been checked by `count`).
    function header(
        bytes calldata batch
    ) internal pure returns (uint8 version, uint64 sourceChainId, address sourceGateway) {
        // Each value is shifted down from the word that starts at its first byte, so it is clean.
        assembly ("memory-safe") {
            let p := batch.offset
            version := shr(248, calldataload(p))
            sourceChainId := shr(192, calldataload(add(p, 1)))
            sourceGateway := shr(96, calldataload(add(p, 9)))
        }
    }

    /// @notice A hashing buffer for messages to this gateway: `MESSAGE_TYPEHASH` immediately
    ///         followed by a `Message` whose route fields are set. `load` fills in the rest.
    /// @return message The `Message` in the buffer (the type hash is the word before it).
    function buffer(
        uint8 version,
        uint64 sourceChainId,
        address sourceGateway
    ) internal view returns (Message memory message) {
        bytes32 typehash = MESSAGE_TYPEHASH;
        // 14 words: type hash + the 13 fields of `Message` (all static, one word each, in order).
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(0x40, add(p, 0x1c0))
            mstore(p, typehash)
            message := add(p, 0x20)
        }
        message.version = version;
        message.sourceChainId = sourceChainId;
        message.destChainId = uint64(block.chainid);
        message.sourceGateway = sourceGateway;
        message.destGateway = address(this);
    }

    /// @notice Reads message `i` of a packed batch into `message` (a `buffer`) and returns its id.
    function load(Message memory message, bytes calldata batch, uint256 i) internal pure returns (bytes32 id) {
        // Field offsets in `Message` memory: nonce 0x20, sender 0xc0, recipient 0xe0,
        // tokenChainId 0x100, token 0x120, amount 0x140, deadline 0x160, dropOff 0x180. Every
        // value is shifted down from the word starting at its first byte, so it is clean; `i`
        // is below `count(batch)`, so every byte read lies inside the batch.
        assembly ("memory-safe") {
            let p := add(add(batch.offset, HEADER_LENGTH), mul(i, MESSAGE_LENGTH))
            mstore(add(message, 0x20), shr(192, calldataload(p)))
            mstore(add(message, 0xc0), shr(96, calldataload(add(p, 8))))
            mstore(add(message, 0xe0), shr(96, calldataload(add(p, 28))))
            mstore(add(message, 0x100), shr(192, calldataload(add(p, 48))))
            mstore(add(message, 0x120), shr(96, calldataload(add(p, 56))))
            mstore(add(message, 0x140), calldataload(add(p, 76)))
            mstore(add(message, 0x160), shr(192, calldataload(add(p, 108))))
            mstore(add(message, 0x180), shr(128, calldataload(add(p, 116))))
            id := keccak256(sub(message, 0x20), 0x1c0)
        }
    }
}
