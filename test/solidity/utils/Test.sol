// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm, VM} from "./Vm.sol";

/// @title Test
/// @notice Minimal forge-std replacement: the cheatcode handle, assertions and a few helpers.
///         A test fails by reverting, so every assertion reverts with a message that names the
///         check and both values.
abstract contract Test {
    Vm internal constant vm = VM;

    /// @dev secp256k1 group order; private keys are in [1, SECP256K1_N).
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// @notice Foundry-style marker: the runner only treats contracts with `IS_TEST` as tests.
    function IS_TEST() external pure returns (bool) {
        return true;
    }

    // ------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------

    /// @dev A deterministic, labelled address (also a usable private key via `makeKey`).
    function makeAddr(string memory name) internal returns (address account) {
        account = vm.addr(makeKey(name));
        vm.label(account, name);
    }

    function makeKey(string memory name) internal pure returns (uint256) {
        return (uint256(keccak256(bytes(name))) % (SECP256K1_N - 1)) + 1;
    }

    /// @dev Deploys the compiled artifact `path` with ABI-encoded constructor `args`, bubbling
    ///      up a constructor revert. Tests use this instead of `new` for the bridge contracts:
    ///      under viaIR every test contract that says `new X` embeds and re-optimizes all of X's
    ///      IR, which multiplies compile time by the number of test contracts. (Hardhat's EDR
    ///      serves `getCode` but not the `deployCode` cheatcode.)
    function deployCode(string memory path, bytes memory args) internal returns (address deployed) {
        bytes memory revertData;
        (deployed, revertData) = tryDeployCode(path, args);
        if (deployed == address(0)) {
            assembly ("memory-safe") {
                revert(add(revertData, 0x20), mload(revertData))
            }
        }
    }

    /// @dev `deployCode` that returns the constructor's revert data instead of reverting.
    function tryDeployCode(
        string memory path,
        bytes memory args
    ) internal returns (address deployed, bytes memory revertData) {
        bytes memory initCode = bytes.concat(vm.getCode(path), args);
        assembly ("memory-safe") {
            deployed := create(0, add(initCode, 0x20), mload(initCode))
        }
        if (deployed == address(0)) {
            // After a failed CREATE the return data buffer holds the constructor's revert data.
            revertData = new bytes(_returnDataSize());
            assembly ("memory-safe") {
                returndatacopy(add(revertData, 0x20), 0, mload(revertData))
            }
        }
    }

    function _returnDataSize() private pure returns (uint256 size) {
        assembly ("memory-safe") {
            size := returndatasize()
        }
    }

    /// @dev `block.timestamp`, safe to use after `vm.warp` (see `Vm.getBlockTimestamp`).
    function _now() internal view returns (uint256) {
        return vm.getBlockTimestamp();
    }

    /// @dev Maps `x` into [min, max] (inclusive), keeping values already inside unchanged.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        if (min == 0 && max == type(uint256).max) return x;
        return min + (x % (max - min + 1));
    }

    // ------------------------------------------------------------------------------------------
    // Assertions
    // ------------------------------------------------------------------------------------------

    function fail(string memory message) internal pure {
        revert(message);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) fail(string.concat("assertTrue failed: ", message));
    }

    function assertTrue(bool condition) internal pure {
        assertTrue(condition, "");
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) fail(string.concat("assertFalse failed: ", message));
    }

    function assertFalse(bool condition) internal pure {
        assertFalse(condition, "");
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a != b)
            fail(string.concat("assertEq(uint256) failed: ", vm.toString(a), " != ", vm.toString(b), "; ", message));
    }

    function assertEq(uint256 a, uint256 b) internal pure {
        assertEq(a, b, "");
    }

    function assertEq(address a, address b, string memory message) internal pure {
        if (a != b)
            fail(string.concat("assertEq(address) failed: ", vm.toString(a), " != ", vm.toString(b), "; ", message));
    }

    function assertEq(address a, address b) internal pure {
        assertEq(a, b, "");
    }

    function assertEq(bytes32 a, bytes32 b, string memory message) internal pure {
        if (a != b)
            fail(string.concat("assertEq(bytes32) failed: ", vm.toString(a), " != ", vm.toString(b), "; ", message));
    }

    function assertEq(bytes32 a, bytes32 b) internal pure {
        assertEq(a, b, "");
    }

    function assertEq(bool a, bool b, string memory message) internal pure {
        if (a != b)
            fail(string.concat("assertEq(bool) failed: ", vm.toString(a), " != ", vm.toString(b), "; ", message));
    }

    function assertEq(bool a, bool b) internal pure {
        assertEq(a, b, "");
    }

    function assertEq(bytes memory a, bytes memory b, string memory message) internal pure {
        if (keccak256(a) != keccak256(b)) {
            fail(string.concat("assertEq(bytes) failed: ", vm.toString(a), " != ", vm.toString(b), "; ", message));
        }
    }

    function assertEq(bytes memory a, bytes memory b) internal pure {
        assertEq(a, b, "");
    }

    function assertNotEq(bytes32 a, bytes32 b, string memory message) internal pure {
        if (a == b) fail(string.concat("assertNotEq(bytes32) failed: both ", vm.toString(a), "; ", message));
    }

    function assertNotEq(bytes32 a, bytes32 b) internal pure {
        assertNotEq(a, b, "");
    }

    function assertLe(uint256 a, uint256 b, string memory message) internal pure {
        if (a > b) fail(string.concat("assertLe failed: ", vm.toString(a), " > ", vm.toString(b), "; ", message));
    }

    function assertLe(uint256 a, uint256 b) internal pure {
        assertLe(a, b, "");
    }

    function assertLt(uint256 a, uint256 b, string memory message) internal pure {
        if (a >= b) fail(string.concat("assertLt failed: ", vm.toString(a), " >= ", vm.toString(b), "; ", message));
    }

    function assertLt(uint256 a, uint256 b) internal pure {
        assertLt(a, b, "");
    }

    function assertGe(uint256 a, uint256 b, string memory message) internal pure {
        if (a < b) fail(string.concat("assertGe failed: ", vm.toString(a), " < ", vm.toString(b), "; ", message));
    }

    function assertGe(uint256 a, uint256 b) internal pure {
        assertGe(a, b, "");
    }

    function assertGt(uint256 a, uint256 b, string memory message) internal pure {
        if (a <= b) fail(string.concat("assertGt failed: ", vm.toString(a), " <= ", vm.toString(b), "; ", message));
    }

    function assertGt(uint256 a, uint256 b) internal pure {
        assertGt(a, b, "");
    }
}

/// @title InvariantTest
/// @notice The hooks the invariant runner reads (Foundry's `StdInvariant`, reduced): which
///         contracts it may call, and which of their functions.
abstract contract InvariantTest is Test {
    /// @dev Same ABI as forge-std's `StdInvariant.FuzzSelector`.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetedContracts;
    FuzzSelector[] private _targetedSelectors;

    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetedSelectors.push(selector);
    }

    /// @notice Read by the runner: the only contracts it calls.
    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    /// @notice Read by the runner: the only functions it calls on those contracts.
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }
}
