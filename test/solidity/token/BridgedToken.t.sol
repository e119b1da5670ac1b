// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Deployers} from "../utils/Deployers.sol";
import {BridgedToken} from "../../../contracts/token/BridgedToken.sol";
import {IBridgedToken} from "../../../contracts/interfaces/IBridgedToken.sol";

abstract contract BridgedTokenFixture is Deployers {
    BridgedToken internal token;
    address internal gateway;
    address internal homeToken;
    address internal alice;
    address internal bob;

    function setUp() public virtual {
        gateway = makeAddr("gateway");
        homeToken = makeAddr("homeToken");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        token = _deployBridgedToken("Bridged USD", "bUSD", 6, gateway, homeToken, 900);
    }

    function _onlyGateway(address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IBridgedToken.BridgedTokenOnlyGateway.selector, caller);
    }
}

contract BridgedToken_constructor_Test is BridgedTokenFixture {
    function test_constructor_immutables_succeeds() public view {
        assertEq(token.GATEWAY(), gateway, "gateway");
        assertEq(token.HOME_TOKEN(), homeToken, "home token");
        assertEq(token.HOME_CHAIN_ID(), 900, "home chain");
        assertEq(keccak256(bytes(token.name())), keccak256("Bridged USD"), "name");
        assertEq(keccak256(bytes(token.symbol())), keccak256("bUSD"), "symbol");
        assertEq(token.totalSupply(), 0, "empty");
    }
}

contract BridgedToken_decimals_Test is BridgedTokenFixture {
    function test_decimals_matchesHome_succeeds() public view {
        assertEq(token.decimals(), 6, "6 decimals like the home token");
    }

    function testFuzz_decimals_anyValue_succeeds(uint8 decimals) public {
        BridgedToken other = _deployBridgedToken("X", "X", decimals, gateway, homeToken, 900);
        assertEq(other.decimals(), decimals, "decimals");
    }
}

contract BridgedToken_mint_Test is BridgedTokenFixture {
    function test_mint_byGateway_succeeds() public {
        vm.prank(gateway);
        token.mint(alice, 100);
        assertEq(token.balanceOf(alice), 100, "balance");
        assertEq(token.totalSupply(), 100, "supply");
    }

    function test_mint_byOther_reverts() public {
        vm.expectRevert(_onlyGateway(alice));
        vm.prank(alice);
        token.mint(alice, 100);
    }

    function test_mint_byHomeToken_reverts() public {
        vm.expectRevert(_onlyGateway(homeToken));
        vm.prank(homeToken);
        token.mint(alice, 100);
    }

    function test_mint_toZero_reverts() public {
        vm.expectRevert(abi.encodeWithSignature("ERC20InvalidReceiver(address)", address(0)));
        vm.prank(gateway);
        token.mint(address(0), 1);
    }
}

contract BridgedToken_mintBatch_Test is BridgedTokenFixture {
    function test_mintBatch_byGateway_succeeds() public {
        address[] memory to = new address[](3);
        uint256[] memory amounts = new uint256[](3);
        (to[0], to[1], to[2]) = (alice, bob, alice);
        (amounts[0], amounts[1], amounts[2]) = (1, 2, 3);
        vm.prank(gateway);
        token.mintBatch(to, amounts);
        assertEq(token.balanceOf(alice), 4, "alice");
        assertEq(token.balanceOf(bob), 2, "bob");
        assertEq(token.totalSupply(), 6, "supply");
    }

    function test_mintBatch_empty_succeeds() public {
        vm.prank(gateway);
        token.mintBatch(new address[](0), new uint256[](0));
        assertEq(token.totalSupply(), 0, "nothing");
    }

    function test_mintBatch_byOther_reverts() public {
        address[] memory to = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        vm.expectRevert(_onlyGateway(bob));
        vm.prank(bob);
        token.mintBatch(to, amounts);
    }

    function test_mintBatch_lengthMismatch_reverts() public {
        address[] memory to = new address[](2);
        uint256[] memory amounts = new uint256[](1);
        vm.expectRevert(IBridgedToken.BridgedTokenLengthMismatch.selector);
        vm.prank(gateway);
        token.mintBatch(to, amounts);
    }
}

contract BridgedToken_burn_Test is BridgedTokenFixture {
    function setUp() public override {
        super.setUp();
        vm.prank(gateway);
        token.mint(alice, 100);
    }

    function test_burn_byGateway_succeeds() public {
        // No allowance: the user consented by calling the gateway's send.
        vm.prank(gateway);
        token.burn(alice, 40);
        assertEq(token.balanceOf(alice), 60, "balance");
        assertEq(token.totalSupply(), 60, "supply");
    }

    function test_burn_byHolder_reverts() public {
        vm.expectRevert(_onlyGateway(alice));
        vm.prank(alice);
        token.burn(alice, 1);
    }

    function test_burn_moreThanBalance_reverts() public {
        vm.expectRevert(abi.encodeWithSignature("ERC20InsufficientBalance(address,uint256,uint256)", alice, 100, 101));
        vm.prank(gateway);
        token.burn(alice, 101);
    }
}

contract BridgedToken_permit_Test is BridgedTokenFixture {
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    function _domainSeparator() internal view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("Bridged USD"),
                    keccak256("1"),
                    block.chainid,
                    address(token)
                )
            );
    }

    /// @dev `key` signs a permit of `owner`'s tokens (a valid one when `key` is the owner's).
    function _signPermit(
        uint256 key,
        address owner,
        address spender,
        uint256 value,
        uint256 deadline
    ) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, owner, spender, value, token.nonces(owner), deadline)
        );
        return vm.sign(key, keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash)));
    }

    function test_permit_validSignature_succeeds() public {
        uint256 key = makeKey("alice");
        assertEq(token.DOMAIN_SEPARATOR(), _domainSeparator(), "domain");
        uint256 deadline = _now() + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(key, alice, bob, 50, deadline);
        token.permit(alice, bob, 50, deadline, v, r, s);
        assertEq(token.allowance(alice, bob), 50, "allowance");
        assertEq(token.nonces(alice), 1, "nonce used");

        vm.prank(gateway);
        token.mint(alice, 50);
        vm.prank(bob);
        token.transferFrom(alice, bob, 50);
        assertEq(token.balanceOf(bob), 50, "spent via permit");
    }

    function test_permit_replay_reverts() public {
        uint256 key = makeKey("alice");
        uint256 deadline = _now() + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(key, alice, bob, 50, deadline);
        token.permit(alice, bob, 50, deadline, v, r, s);
        vm.expectRevert();
        token.permit(alice, bob, 50, deadline, v, r, s);
    }

    function test_permit_expired_reverts() public {
        uint256 key = makeKey("alice");
        uint256 deadline = _now() - 1;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(key, alice, bob, 50, deadline);
        vm.expectRevert(abi.encodeWithSignature("ERC2612ExpiredSignature(uint256)", deadline));
        token.permit(alice, bob, 50, deadline, v, r, s);
    }

    function test_permit_wrongSigner_reverts() public {
        uint256 deadline = _now() + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(makeKey("bob"), alice, bob, 50, deadline);
        vm.expectRevert(abi.encodeWithSignature("ERC2612InvalidSigner(address,address)", bob, alice));
        token.permit(alice, bob, 50, deadline, v, r, s);
    }
}
