// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";
import {Deployers} from "./Deployers.sol";
import {MerkleTree} from "./MerkleTree.sol";
import {BridgedToken} from "../../../contracts/token/BridgedToken.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";

/// @dev The route part of a message, shared by a delivered batch (tests build batches from it).
struct MessageHeader {
    uint8 version;
    uint64 sourceChainId;
    uint64 destChainId;
    address sourceGateway;
    address destGateway;
}

/// @dev The per-message part of a message.
struct Transfer {
    uint64 nonce;
    address sender;
    address recipient;
    uint64 tokenChainId;
    address token;
    uint256 amount;
    uint64 deadline;
    uint128 dropOff;
}

/// @dev What guardians produce: the set index and the signatures (`guardians` is what the set is
///      believed to be; the gateway no longer takes it, tests keep it for building signatures).
struct Attestation {
    uint32 guardianSetIndex;
    address[] guardians;
    bytes signatures;
}

/// @title Messages
/// @notice Builds full messages and packed batches from their parts (header ∪ transfer), as both
///         the fixtures and the invariant handler need, and delivers them.
abstract contract Messages is Deployers {
    function _message(MessageHeader memory h, Transfer memory t) internal pure returns (Message memory m) {
        // Field by field rather than one struct literal: keeps the stack shallow under viaIR.
        m.version = h.version;
        m.nonce = t.nonce;
        m.sourceChainId = h.sourceChainId;
        m.destChainId = h.destChainId;
        m.sourceGateway = h.sourceGateway;
        m.destGateway = h.destGateway;
        m.sender = t.sender;
        m.recipient = t.recipient;
        m.tokenChainId = t.tokenChainId;
        m.token = t.token;
        m.amount = t.amount;
        m.deadline = t.deadline;
        m.dropOff = t.dropOff;
    }

    /// @dev The packed batch `deliver` takes (`MessageLib`): header, then each message's fields.
    function _pack(MessageHeader memory h, Transfer[] memory ts) internal pure returns (bytes memory packed) {
        packed = abi.encodePacked(h.version, h.sourceChainId, h.sourceGateway);
        for (uint256 i = 0; i < ts.length; ++i) {
            Transfer memory t = ts[i];
            packed = bytes.concat(
                packed,
                abi.encodePacked(t.nonce, t.sender, t.recipient, t.tokenChainId, t.token),
                abi.encodePacked(t.amount, t.deadline, t.dropOff)
            );
        }
    }

    /// @dev The sum of the batch's drop-offs: what a delivery must carry as its value.
    function _dropOffs(Transfer[] memory ts) internal pure returns (uint256 total) {
        for (uint256 i = 0; i < ts.length; ++i) total += ts[i].dropOff;
    }

    /// @dev `deliver` of a batch, with its drop-offs as value (the caller must hold them). The
    ///      packing is pure: a preceding `vm.expectRevert` applies to `deliver` itself.
    function _deliverVia(
        IBridgeGateway gw,
        MessageHeader memory h,
        Transfer[] memory ts,
        bytes32[][] memory proofs,
        Attestation memory att
    ) internal {
        gw.deliver{value: _dropOffs(ts)}(_pack(h, ts), proofs, att.guardianSetIndex, att.signatures);
    }

    function _one(Transfer memory t) internal pure returns (Transfer[] memory ts) {
        ts = new Transfer[](1);
        ts[0] = t;
    }
}

/// @title Guardians
/// @notice Guardian keys sorted by address, and the signing rules of an attestation.
abstract contract Guardians is Messages {
    /// @dev `count` deterministic keys named `<prefix><i>`, sorted ascending by address.
    function _makeGuardians(
        string memory prefix,
        uint256 count
    ) internal returns (uint256[] memory keys, address[] memory addrs) {
        keys = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) keys[i] = makeKey(string.concat(prefix, vm.toString(i)));
        keys = _sortKeys(keys);
        addrs = _addrs(keys);
        for (uint256 i = 0; i < count; ++i) vm.label(addrs[i], string.concat(prefix, vm.toString(i)));
    }

    /// @dev Keys sorted ascending by their address (insertion sort: lists are short).
    function _sortKeys(uint256[] memory keys) internal pure returns (uint256[] memory sorted) {
        sorted = new uint256[](keys.length);
        for (uint256 i = 0; i < keys.length; ++i) {
            uint256 key = keys[i];
            address a = vm.addr(key);
            uint256 j = i;
            while (j > 0 && vm.addr(sorted[j - 1]) > a) {
                sorted[j] = sorted[j - 1];
                --j;
            }
            sorted[j] = key;
        }
    }

    function _addrs(uint256[] memory keys) internal pure returns (address[] memory addrs) {
        addrs = new address[](keys.length);
        for (uint256 i = 0; i < keys.length; ++i) addrs[i] = vm.addr(keys[i]);
    }

    /// @dev `keys[0..count)` as a new array.
    function _prefix(uint256[] memory keys, uint256 count) internal pure returns (uint256[] memory out) {
        out = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) out[i] = keys[i];
    }

    /// @dev One 64-byte EIP-2098 compact signature (`r ‖ yParity << 255 | s`), as `deliver` takes.
    function _signature(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return _compact(r, s, v);
    }

    /// @dev `(r, s, v)` in compact form; `s` must be below 2^255 (any canonical `s` is).
    function _compact(bytes32 r, bytes32 s, uint8 v) internal pure returns (bytes memory) {
        return abi.encodePacked(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
    }

    /// @dev Signatures of `keys` (in the order given) over `digest`, concatenated.
    function _signatures(uint256[] memory keys, bytes32 digest) internal pure returns (bytes memory sigs) {
        for (uint256 i = 0; i < keys.length; ++i) sigs = bytes.concat(sigs, _signature(keys[i], digest));
    }

    /// @dev A complete attestation of `root` for `gw` under set `setIndex`, signed by `keys`
    ///      (which must already be ascending by address for a valid one).
    function _attest(
        IBridgeGateway gw,
        bytes32 root,
        uint32 setIndex,
        address[] memory guardianList,
        uint256[] memory keys
    ) internal view returns (Attestation memory) {
        return Attestation(setIndex, guardianList, _signatures(keys, gw.attestationDigest(root, setIndex)));
    }
}

/// @title BridgeFixture
/// @notice One gateway on this chain with its governance roles, a 2-of-3 guardian set, a route
///         to a (fake) remote gateway on chain `REMOTE_CHAIN`, and two registered tokens:
///         `homeToken` (home here: lock / unlock) and `bridgedToken` (the copy of the remote
///         chain's `remoteHomeToken`: mint / burn). Limits start permissive (unlimited buckets,
///         `FAST_LIMIT` fast limit); tests tighten what they exercise.
abstract contract BridgeFixture is Guardians {
    uint64 internal constant REMOTE_CHAIN = 901;
    uint32 internal constant LARGE_DELAY = 1 hours;
    uint96 internal constant FAST_LIMIT = 1_000e18;
    uint96 internal constant UNLIMITED = type(uint96).max;
    uint8 internal constant THRESHOLD = 2;
    uint256 internal constant GUARDIAN_COUNT = 3;
    uint256 internal constant START_TIME = 1_700_000_000;

    IBridgeGateway internal gateway;
    TestToken internal homeToken;
    BridgedToken internal bridgedToken;

    uint64 internal localChain;
    address internal remoteGateway;
    address internal remoteHomeToken;
    address internal remoteSender;

    address internal governor;
    address internal pauser;
    address internal vetoer;
    address internal alice;
    address internal bob;

    uint256[] internal guardianKeys;
    address[] internal guardians;

    /// @dev Next nonce the fake remote gateway will use in `_transfer`.
    uint64 internal remoteNonce;

    function setUp() public virtual {
        vm.warp(START_TIME);
        localChain = uint64(block.chainid);
        governor = makeAddr("governor");
        pauser = makeAddr("pauser");
        vetoer = makeAddr("vetoer");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        remoteGateway = makeAddr("remoteGateway");
        remoteHomeToken = makeAddr("remoteHomeToken");
        remoteSender = makeAddr("remoteSender");
        (guardianKeys, guardians) = _makeGuardians("guardian", GUARDIAN_COUNT);

        gateway = _deployGateway(governor, guardians, THRESHOLD, LARGE_DELAY);
        vm.label(address(gateway), "gateway");
        homeToken = _deployTestToken("Home", "HOME", 18);
        vm.label(address(homeToken), "homeToken");
        bridgedToken = _deployBridgedToken(
            "Bridged Remote",
            "bREM",
            18,
            address(gateway),
            remoteHomeToken,
            REMOTE_CHAIN
        );
        vm.label(address(bridgedToken), "bridgedToken");

        vm.startPrank(governor);
        gateway.grantRole(gateway.PAUSER_ROLE(), pauser);
        gateway.grantRole(gateway.VETO_ROLE(), vetoer);
        gateway.setRoute(REMOTE_CHAIN, remoteGateway, true);
        _configureToken(address(homeToken), address(homeToken));
        _configureToken(remoteHomeToken, address(bridgedToken));
        vm.stopPrank();
    }

    /// @dev Registers a token with the permissive defaults (caller must be the governor).
    function _configureToken(address home, address local) internal {
        uint64 chain = _homeChain(home);
        gateway.registerToken(chain, home, local);
        gateway.setFastLimit(chain, home, FAST_LIMIT);
        gateway.setRateLimit(chain, home, IBridgeGatewayTypes.Direction.Inbound, type(uint256).max, 0);
        gateway.setRateLimit(chain, home, IBridgeGatewayTypes.Direction.Outbound, type(uint256).max, 0);
    }

    /// @dev The home chain of a token identity in these tests: a token with code here is homed
    ///      here; the remote chain's tokens are plain addresses (no code on this chain).
    function _homeChain(address home) internal view returns (uint64) {
        return home.code.length != 0 ? localChain : REMOTE_CHAIN;
    }

    // ------------------------------------------------------------------------------------------
    // Messages
    // ------------------------------------------------------------------------------------------

    /// @dev The route header of a message from the remote gateway to `gateway`.
    function _header() internal view returns (MessageHeader memory) {
        return MessageHeader(2, REMOTE_CHAIN, localChain, remoteGateway, address(gateway));
    }

    /// @dev A transfer to bob with the next remote nonce and a one-day deadline.
    function _transfer(address token, uint256 amount) internal returns (Transfer memory t) {
        // Field by field rather than one struct literal: keeps the stack shallow under viaIR.
        t.nonce = remoteNonce++;
        t.sender = remoteSender;
        t.recipient = bob;
        t.tokenChainId = _homeChain(token);
        t.token = token;
        t.amount = amount;
        t.deadline = uint64(_now() + 1 days);
    }

    function _id(MessageHeader memory h, Transfer memory t) internal view returns (bytes32) {
        return gateway.messageId(_message(h, t));
    }

    function _ids(MessageHeader memory h, Transfer[] memory ts) internal view returns (bytes32[] memory ids) {
        ids = new bytes32[](ts.length);
        for (uint256 i = 0; i < ts.length; ++i) ids[i] = _id(h, ts[i]);
    }

    function _noProofs() internal pure returns (bytes32[][] memory) {
        return new bytes32[][](0);
    }

    /// @dev A valid attestation of `root` by the first THRESHOLD guardians of set 0.
    function _attestation(bytes32 root) internal view returns (Attestation memory) {
        return _attest(gateway, root, 0, guardians, _prefix(guardianKeys, THRESHOLD));
    }

    /// @dev Delivers `t` alone, validly attested. Returns its id.
    function _deliver(Transfer memory t) internal returns (bytes32 id) {
        MessageHeader memory h = _header();
        id = _id(h, t);
        _deliverVia(gateway, h, _one(t), _noProofs(), _attestation(id));
    }

    /// @dev Delivers `ts` as one full batch (empty proofs, root over all ids).
    function _deliverBatch(Transfer[] memory ts) internal returns (bytes32[] memory ids) {
        MessageHeader memory h = _header();
        ids = _ids(h, ts);
        _deliverVia(gateway, h, ts, _noProofs(), _attestation(MerkleTree.root(ids)));
    }

    // ------------------------------------------------------------------------------------------
    // Balances
    // ------------------------------------------------------------------------------------------

    /// @dev Alice locks `amount` of the home token (so deliveries can unlock it). Returns the id.
    function _lockHome(uint256 amount) internal returns (bytes32 id) {
        homeToken.mint(alice, amount);
        vm.startPrank(alice);
        homeToken.approve(address(gateway), amount);
        id = gateway.send(address(homeToken), REMOTE_CHAIN, bob, amount, 0, 0);
        vm.stopPrank();
    }

    /// @dev Mints `amount` bridged tokens to `to` through a fast delivery.
    function _mintBridged(address to, uint256 amount) internal {
        Transfer memory t = _transfer(remoteHomeToken, amount);
        t.recipient = to;
        _deliver(t);
    }
}
