// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Message} from "./IBridgeMessage.sol";

/// @title EscapeHatch (L1)
/// @notice Turns "this message was cancelled on its destination" (an L2→L1 message from the
///         destination gateway through its `L2CrossDomainMessenger`, proven on the rollup's
///         `OptimismPortal` after the finalization window) into "refund this message on its
///         source" (an L1→L2 message to the source gateway through the source rollup's
///         `L1CrossDomainMessenger`). No guardian, relayer or role is involved: the only inputs
///         are the two rollups' canonical messaging.
interface IEscapeHatch {
    /// @notice A cancellation was accepted and the refund was sent to the source chain.
    event EscapeForwarded(
        bytes32 indexed msgId,
        uint64 indexed sourceChainId,
        uint64 indexed destChainId,
        bool refundOnL1
    );

    /// @notice `chainId` has no registered messenger and gateway.
    error EscapeUnknownChain(uint64 chainId);
    /// @notice The call did not come from `chainId`'s gateway through its L1 cross-domain messenger
    ///         (`l2Sender` is the messenger's `xDomainMessageSender()`, zero for any other caller).
    error EscapeUnauthorized(uint64 chainId, address caller, address l2Sender);
    /// @notice The message names a gateway that is not the registered one of its chain.
    error EscapeWrongGateway(uint64 chainId, address gateway);
    /// @notice Registration arrays are malformed (lengths, zero addresses, a messenger without
    ///         code, duplicates).
    error EscapeInvalidRegistry();

    /// @notice Called by the destination rollup's `L1CrossDomainMessenger` while relaying the
    ///         destination gateway's `cancelExpired` message (finalized on its `OptimismPortal`).
    ///         Sends `refund(message, refundOnL1)` to the source gateway through the source
    ///         rollup's `L1CrossDomainMessenger`.
    function onMessageCancelled(Message calldata message, bool refundOnL1) external;

    /// @notice The `L1CrossDomainMessenger` and gateway registered for `chainId` (zero when unknown).
    function chain(uint64 chainId) external view returns (address messenger, address gateway);
}
