// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDeploymentFactory} from "../interfaces/IDeploymentFactory.sol";

/// @title DeploymentFactory
/// @notice Deployer-bound deterministic deployments (see `IDeploymentFactory`), so that the
///         Portcullis gateways, bridged tokens and timelocks sit at one address on every chain
///         even where their constructor arguments differ, and keep it when the deployment's
///         configuration changes later (a guardian rotation, a new delay).
/// @dev Two steps. CREATE2 puts a 9-byte stub at an address fixed by (this factory,
///      keccak256(deployer, salt), the stub's code); the stub then CREATEs the real contract
///      from the calldata it is given. A fresh contract's first CREATE uses nonce 1, so the
///      result's address is keccak256(rlp([stub, 1])): independent of the created code.
///
///      Stub runtime (9 bytes), `create(callvalue, calldata)` and stop:
///        36 CALLDATASIZE, 3d RETURNDATASIZE (0), 3d RETURNDATASIZE (0), 37 CALLDATACOPY,
///        36 CALLDATASIZE, 3d RETURNDATASIZE (0), 34 CALLVALUE, f0 CREATE, 00 STOP
///      Stub creation code (18 bytes): PUSH9 <runtime>, PUSH1 0, MSTORE, PUSH1 9, PUSH1 23,
///      RETURN — the runtime is the low 9 bytes of the stored word, at offset 23.
///      The stub stays callable after use, but whatever it creates later lands at nonces 2, 3…,
///      addresses nobody uses; the address of nonce 1 is taken once and for all.
contract DeploymentFactory is IDeploymentFactory {
    bytes private constant _STUB_CODE = hex"68363d3d37363d34f00060005260096017f3";
    bytes32 private constant _STUB_CODE_HASH = keccak256(_STUB_CODE);

    /// @inheritdoc IDeploymentFactory
    function deploy(bytes32 salt, bytes calldata initCode) external payable returns (address deployed) {
        bytes32 bound = _bound(msg.sender, salt);
        bytes memory stubCode = _STUB_CODE;
        address stub;
        // Plain CREATE2 of the constant stub code held in memory; a zero result means the
        // stub's address is already taken, i.e. this (deployer, salt) was used before.
        assembly ("memory-safe") {
            stub := create2(0, add(stubCode, 0x20), mload(stubCode), bound)
        }
        require(stub != address(0), DeploymentFactorySaltUsed(msg.sender, salt));
        deployed = _firstCreation(stub);
        (bool ok, ) = stub.call{value: msg.value}(initCode);
        require(ok && deployed.code.length != 0, DeploymentFactoryCreationFailed(msg.sender, salt));
        emit ContractDeployed(msg.sender, salt, deployed);
    }

    /// @inheritdoc IDeploymentFactory
    function addressOf(address deployer, bytes32 salt) external view returns (address) {
        bytes32 create2Hash = keccak256(
            abi.encodePacked(bytes1(0xff), address(this), _bound(deployer, salt), _STUB_CODE_HASH)
        );
        return _firstCreation(address(uint160(uint256(create2Hash))));
    }

    function _bound(address deployer, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(deployer, salt));
    }

    /// @dev The address of `creator`'s CREATE with nonce 1: keccak256(rlp([creator, 1])), where
    ///      the RLP list is 0xd6 (list of 22 bytes), 0x94 (20-byte string), the address, 0x01.
    function _firstCreation(address creator) private pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes2(0xd694), creator, bytes1(0x01))))));
    }
}
