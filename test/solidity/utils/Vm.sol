// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Vm
/// @notice The subset of the Foundry cheatcodes (served by Hardhat 3's EDR runner) these tests
///         use. forge-std is not available here, so the interface is declared by hand; every
///         signature below matches the upstream `Vm.sol` exactly (the selector is what counts).
interface Vm {
    /// @dev A log captured by `recordLogs`.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    // Caller and environment
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function warp(uint256 newTimestamp) external;
    /// @dev The current timestamp, read through the cheatcode. Tests must use this (via
    ///      `Test._now()`) instead of `block.timestamp`: with viaIR the optimizer treats
    ///      TIMESTAMP / CHAINID as constant within a call and may move a read across a `warp`.
    function getBlockTimestamp() external view returns (uint256 timestamp);
    function getNonce(address account) external view returns (uint64 nonce);
    /// @dev Creation bytecode of a compiled artifact, e.g.
    ///      "contracts/gateway/BridgeGateway.sol:BridgeGateway" (see `Test.deployCode`).
    function getCode(string calldata artifactPath) external view returns (bytes memory creationBytecode);
    function computeCreateAddress(address deployer, uint256 nonce) external pure returns (address);
    /// @dev Installs `code` as the runtime code at `target` (OP Stack predeploys on an "L2").
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function store(address target, bytes32 slot, bytes32 value) external;
    function deal(address account, uint256 newBalance) external;
    /// @dev Reads a file the config's `fsPermissions` allow (published OP Stack artifacts).
    function readFile(string calldata path) external view returns (string memory data);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function chainId(uint256 newChainId) external;
    function label(address account, string calldata newLabel) external;

    // Keys and signatures
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    // Expectations
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);

    // Fuzzing
    function assume(bool condition) external pure;

    // Formatting
    function toString(uint256 value) external pure returns (string memory);
    function toString(address value) external pure returns (string memory);
    function toString(bytes32 value) external pure returns (string memory);
    function toString(bytes calldata value) external pure returns (string memory);
    function toString(bool value) external pure returns (string memory);
}

/// @dev The address the test runner serves cheatcodes from.
Vm constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
