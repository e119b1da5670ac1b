// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Deployer-bound deterministic deployments
/// @notice Puts a contract at an address that depends only on the factory, the account that asks
///         and a salt — never on the contract's bytecode or constructor arguments. The factory
///         itself is deployed through the well-known CREATE2 deployer
///         (`0x4e59b44847b379578588920ca78fbf26c0b4956c`), so it, and every contract one deployer
///         key puts through it under one salt, sits at the same address on every chain.
///         Nobody but that key can ever take one of its addresses: the salt is hashed with
///         `msg.sender`.
interface IDeploymentFactory {
    /// @notice `deployer` created `deployed` under `salt`.
    event ContractDeployed(address indexed deployer, bytes32 indexed salt, address indexed deployed);

    /// @notice `deployer` already used `salt` (on this chain): its address is taken for good.
    error DeploymentFactorySaltUsed(address deployer, bytes32 salt);

    /// @notice The creation code reverted or produced no code.
    error DeploymentFactoryCreationFailed(address deployer, bytes32 salt);

    /// @notice Creates `initCode` (creation bytecode with its constructor arguments) at
    ///         `addressOf(msg.sender, salt)`, forwarding `msg.value` to the constructor.
    /// @return deployed The new contract's address.
    function deploy(bytes32 salt, bytes calldata initCode) external payable returns (address deployed);

    /// @notice Where `deploy(salt, …)` called by `deployer` puts its contract, on any chain.
    function addressOf(address deployer, bytes32 salt) external view returns (address);
}
