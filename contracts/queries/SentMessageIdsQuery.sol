// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";

/// @title Many `sentMessageId` reads in one `eth_call`
/// @notice Never deployed. Its creation code runs as an `eth_call` without a `to` (a "deployless"
///         call): the constructor reads the gateway's record for every nonce asked and returns the
///         ids as ABI-encoded `bytes32[]` in place of runtime code. A guardian checking a block of
///         several hundred `MessageSent` logs against the gateway then makes one call per block
///         instead of one per log, at the same block and through the same endpoint.
/// @dev What a constructor returns is subject to the runtime-code rules of the executing node:
///      at most 24,576 bytes (EIP-170; 766 ids with the 64-byte head) and no leading 0xEF byte
///      (EIP-3541; the encoding starts with the offset word 0x20, so it never has one). Callers
///      ask for at most `core/gateway.ts` `SENT_IDS_PER_QUERY` nonces at a time.
contract SentMessageIdsQuery {
    constructor(IBridgeGateway gateway, uint64[] memory nonces) {
        bytes32[] memory ids = new bytes32[](nonces.length);
        for (uint256 i = 0; i < nonces.length; ++i) {
            ids[i] = gateway.sentMessageId(nonces[i]);
        }
        bytes memory encoded = abi.encode(ids);
        assembly ("memory-safe") {
            return(add(encoded, 32), mload(encoded))
        }
    }
}
