// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "../utils/Test.sol";
import {IDeploymentFactory} from "../../../contracts/interfaces/IDeploymentFactory.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";

abstract contract DeploymentFactoryFixture is Test {
    IDeploymentFactory internal factory;
    address internal deployer;
    address internal attacker;
    bytes internal tokenCode;

    function setUp() public virtual {
        factory = IDeploymentFactory(deployCode("contracts/deploy/DeploymentFactory.sol:DeploymentFactory", ""));
        deployer = makeAddr("deployer");
        attacker = makeAddr("attacker");
        tokenCode = _tokenCode("Alpha", 18);
    }

    function _tokenCode(string memory name, uint8 decimals) internal view returns (bytes memory) {
        return bytes.concat(vm.getCode("contracts/mocks/TestToken.sol:TestToken"), abi.encode(name, "TKN", decimals));
    }
}

contract DeploymentFactory_deploy_Test is DeploymentFactoryFixture {
    function test_deploy_landsAtAddressOf_succeeds() public {
        address predicted = factory.addressOf(deployer, "gateway");
        assertEq(predicted.code.length, 0, "nothing there yet");
        vm.expectEmit(true, true, true, true, address(factory));
        emit IDeploymentFactory.ContractDeployed(deployer, "gateway", predicted);
        vm.prank(deployer);
        address deployed = factory.deploy("gateway", tokenCode);
        assertEq(deployed, predicted, "address");
        assertEq(TestToken(deployed).decimals(), 18, "constructor ran");
    }

    /// The address depends on (deployer, salt) only: other constructor arguments, same address.
    function testFuzz_deploy_addressIndependentOfCode_succeeds(uint8 decimals) public {
        address predicted = factory.addressOf(deployer, "token");
        vm.prank(deployer);
        assertEq(factory.deploy("token", _tokenCode("Other", decimals)), predicted, "address");
        assertEq(TestToken(predicted).decimals(), decimals, "decimals");
    }

    /// Another account using the same salt gets its own address: it can never take the deployer's.
    function test_deploy_saltBoundToSender_succeeds() public {
        vm.prank(attacker);
        address theirs = factory.deploy("gateway", tokenCode);
        address ours = factory.addressOf(deployer, "gateway");
        assertTrue(theirs != ours, "different addresses");
        assertEq(ours.code.length, 0, "ours still free");
        vm.prank(deployer);
        assertEq(factory.deploy("gateway", tokenCode), ours, "deployer still gets its address");
    }

    function test_deploy_twice_reverts() public {
        vm.startPrank(deployer);
        factory.deploy("gateway", tokenCode);
        vm.expectRevert(
            abi.encodeWithSelector(IDeploymentFactory.DeploymentFactorySaltUsed.selector, deployer, bytes32("gateway"))
        );
        factory.deploy("gateway", _tokenCode("Other", 6));
        vm.stopPrank();
    }

    /// A failed creation leaves the salt unused (the stub is rolled back with it).
    function test_deploy_constructorReverts_reverts() public {
        bytes memory bad = hex"60006000fd"; // revert(0, 0)
        vm.startPrank(deployer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeploymentFactory.DeploymentFactoryCreationFailed.selector,
                deployer,
                bytes32("gateway")
            )
        );
        factory.deploy("gateway", bad);
        assertEq(factory.deploy("gateway", tokenCode), factory.addressOf(deployer, "gateway"), "salt still usable");
        vm.stopPrank();
    }

    function test_deploy_emptyRuntime_reverts() public {
        vm.prank(deployer);
        vm.expectRevert(
            abi.encodeWithSelector(IDeploymentFactory.DeploymentFactoryCreationFailed.selector, deployer, bytes32("x"))
        );
        factory.deploy("x", hex"00"); // STOP: a creation with no runtime code
    }
}
