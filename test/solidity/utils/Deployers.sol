// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "./Test.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {BridgedToken} from "../../../contracts/token/BridgedToken.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {FeeOnTransferToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";

/// @title Deployers
/// @notice Deploys the project's contracts from their compiled artifacts (see `Test.deployCode`
///         for why not `new`). The contract types are imported for their ABI only.
abstract contract Deployers is Test {
    string internal constant GATEWAY_ARTIFACT = "contracts/gateway/BridgeGateway.sol:BridgeGateway";
    string internal constant GATEWAY_ADMIN_ARTIFACT = "contracts/gateway/BridgeGatewayAdmin.sol:BridgeGatewayAdmin";

    /// @dev One admin module per test contract (stateless code, shared by its gateways).
    address private _adminModule;
    string internal constant BRIDGED_TOKEN_ARTIFACT = "contracts/token/BridgedToken.sol:BridgedToken";
    string internal constant TEST_TOKEN_ARTIFACT = "contracts/mocks/TestToken.sol:TestToken";
    string internal constant FEE_TOKEN_ARTIFACT = "contracts/mocks/FeeOnTransferToken.sol:FeeOnTransferToken";

    function _gatewayArgs(
        address governor,
        address[] memory guardians,
        uint8 threshold,
        uint32 delay
    ) internal returns (bytes memory) {
        return abi.encode(governor, guardians, threshold, delay, _gatewayAdmin());
    }

    /// @dev The `BridgeGatewayAdmin` every gateway of this test runs its cold functions in.
    function _gatewayAdmin() internal returns (address) {
        if (_adminModule == address(0)) _adminModule = deployCode(GATEWAY_ADMIN_ARTIFACT, "");
        return _adminModule;
    }

    function _deployGateway(
        address governor,
        address[] memory guardians,
        uint8 threshold,
        uint32 delay
    ) internal returns (IBridgeGateway) {
        return IBridgeGateway(deployCode(GATEWAY_ARTIFACT, _gatewayArgs(governor, guardians, threshold, delay)));
    }

    function _deployBridgedToken(
        string memory name,
        string memory symbol,
        uint8 decimals,
        address gateway,
        address homeToken,
        uint64 homeChainId
    ) internal returns (BridgedToken) {
        bytes memory args = abi.encode(name, symbol, decimals, gateway, homeToken, homeChainId);
        return BridgedToken(deployCode(BRIDGED_TOKEN_ARTIFACT, args));
    }

    function _deployTestToken(string memory name, string memory symbol, uint8 decimals) internal returns (TestToken) {
        return TestToken(deployCode(TEST_TOKEN_ARTIFACT, abi.encode(name, symbol, decimals)));
    }

    function _deployFeeToken() internal returns (FeeOnTransferToken) {
        return FeeOnTransferToken(deployCode(FEE_TOKEN_ARTIFACT, ""));
    }
}
