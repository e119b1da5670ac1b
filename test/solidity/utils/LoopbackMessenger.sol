// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICrossDomainMessenger} from "../../../contracts/interfaces/ICanonicalMessaging.sol";

/// @title LoopbackMessenger
/// @notice An `L2CrossDomainMessenger` collapsed onto one EVM for gateway unit tests: records what
///         a gateway sends to L1, and relays an L1 call to a gateway with a chosen L1 sender
///         (what the real messenger does for a deposit). The escape tests
///         (`test/solidity/escape/`) run the real OP Stack contracts; this stand-in keeps the
///         gateway's own tests free of proofs and windows.
contract LoopbackMessenger is ICrossDomainMessenger {
    address public lastTarget;
    bytes public lastData;
    uint32 public lastGasLimit;
    uint256 public sent;
    address private _relaying;

    function sendMessage(address target, bytes calldata message, uint32 minGasLimit) external payable {
        lastTarget = target;
        lastData = message;
        lastGasLimit = minGasLimit;
        ++sent;
    }

    function xDomainMessageSender() external view returns (address) {
        require(_relaying != address(0), "not relaying");
        return _relaying;
    }

    /// @notice Calls `target` with `data` as if relaying an L1 message from `from`; bubbles up
    ///         the target's revert.
    function relay(address from, address target, bytes calldata data) external {
        _relaying = from;
        (bool ok, bytes memory ret) = target.call(data);
        _relaying = address(0);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
