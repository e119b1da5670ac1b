// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IL2CanonicalMessenger} from "../../../contracts/interfaces/ICanonicalMessaging.sol";

/// @title LoopbackMessenger
/// @notice A rollup's L2 messenger collapsed onto one EVM for gateway tests: records what a
///         gateway sends to L1, and relays an L1 call to a gateway with a chosen L1 sender (what
///         the real messenger does for a deposit). The simulated rollup (`contracts/rollup/`) is
///         the real thing; this stand-in keeps gateway tests free of proofs and windows.
contract LoopbackMessenger is IL2CanonicalMessenger {
    address public lastTarget;
    bytes public lastData;
    uint256 public sent;
    address private _relaying;

    function sendToL1(address target, bytes calldata data) external {
        lastTarget = target;
        lastData = data;
        ++sent;
    }

    function l1Sender() external view returns (address) {
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
