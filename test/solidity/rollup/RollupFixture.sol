// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Deployers} from "../utils/Deployers.sol";
import {MerkleTree} from "../utils/MerkleTree.sol";
import {SimL2Messenger} from "../../../contracts/rollup/SimL2Messenger.sol";
import {SimRollupPortal} from "../../../contracts/rollup/SimRollupPortal.sol";
import {L1TokenBridge} from "../../../contracts/rollup/L1TokenBridge.sol";
import {L2TokenBridge} from "../../../contracts/rollup/L2TokenBridge.sol";
import {CanonicalL2Token} from "../../../contracts/rollup/CanonicalL2Token.sol";
import {Withdrawal} from "../../../contracts/rollup/ISimRollup.sol";
import {IL1CanonicalPortal, IL2CanonicalMessenger} from "../../../contracts/rollup/ISimCanonical.sol";

/// @notice A call target for relays: records what it received and who the messaging reported
///         as the cross-domain sender, and reverts on demand.
contract RecordingTarget {
    error TargetRefused(uint256 value);

    address public immutable MESSAGING;
    bool public isL1;
    bool public refuse;
    uint256 public calls;
    uint256 public lastValue;
    address public lastCrossDomainSender;

    constructor(address messaging, bool onL1) {
        MESSAGING = messaging;
        isL1 = onL1;
    }

    function setRefuse(bool value) external {
        refuse = value;
    }

    function receiveValue(uint256 value) external {
        require(!refuse, TargetRefused(value));
        calls += 1;
        lastValue = value;
        lastCrossDomainSender =
            isL1 ? IL1CanonicalPortal(MESSAGING).l2Sender() : IL2CanonicalMessenger(MESSAGING).l1Sender();
    }
}

/// @notice Deploys the simulated rollup from its artifacts and builds output roots and proofs
///         with the test-side `MerkleTree` (independent of `MerkleLib`).
abstract contract RollupFixture is Deployers {
    string internal constant MESSENGER_ARTIFACT = "contracts/rollup/SimL2Messenger.sol:SimL2Messenger";
    string internal constant PORTAL_ARTIFACT = "contracts/rollup/SimRollupPortal.sol:SimRollupPortal";
    string internal constant L1_BRIDGE_ARTIFACT = "contracts/rollup/L1TokenBridge.sol:L1TokenBridge";
    string internal constant L2_BRIDGE_ARTIFACT = "contracts/rollup/L2TokenBridge.sol:L2TokenBridge";
    string internal constant L2_TOKEN_ARTIFACT = "contracts/rollup/CanonicalL2Token.sol:CanonicalL2Token";

    uint64 internal constant L2_CHAIN_ID = 901;
    uint256 internal constant WINDOW = 1 hours;

    function _deployMessenger(address sequencer) internal returns (SimL2Messenger) {
        return SimL2Messenger(deployCode(MESSENGER_ARTIFACT, abi.encode(sequencer)));
    }

    function _deployPortal(uint64 chainId, address proposer, uint256 window) internal returns (SimRollupPortal) {
        return SimRollupPortal(deployCode(PORTAL_ARTIFACT, abi.encode(chainId, proposer, window)));
    }

    function _deployL1Bridge(address portal) internal returns (L1TokenBridge) {
        return L1TokenBridge(deployCode(L1_BRIDGE_ARTIFACT, abi.encode(portal)));
    }

    function _deployL2Bridge(address messenger) internal returns (L2TokenBridge) {
        return L2TokenBridge(deployCode(L2_BRIDGE_ARTIFACT, abi.encode(messenger)));
    }

    function _deployL2Token(address bridge, address remoteToken) internal returns (CanonicalL2Token) {
        return CanonicalL2Token(deployCode(L2_TOKEN_ARTIFACT, abi.encode("L2 USD", "USD.l2", 6, bridge, remoteToken)));
    }

    /// @dev Every withdrawal hash `messenger` committed so far, in nonce order.
    function _withdrawalHashes(SimL2Messenger messenger) internal view returns (bytes32[] memory hashes) {
        hashes = new bytes32[](messenger.withdrawalCount());
        for (uint256 i = 0; i < hashes.length; ++i) hashes[i] = messenger.withdrawalHash(i);
    }

    /// @dev Proposes the root over all of `messenger`'s withdrawals; returns the output index.
    function _proposeAll(SimL2Messenger messenger, SimRollupPortal portal) internal returns (uint256) {
        bytes32[] memory hashes = _withdrawalHashes(messenger);
        vm.prank(portal.PROPOSER());
        portal.proposeOutputRoot(hashes.length, MerkleTree.root(hashes));
        return portal.outputCount() - 1;
    }

    function _proof(SimL2Messenger messenger, uint256 nonce) internal view returns (bytes32[] memory) {
        return MerkleTree.proof(_withdrawalHashes(messenger), nonce);
    }

    function _withdrawal(
        uint256 nonce,
        address sender,
        address target,
        bytes memory data
    ) internal pure returns (Withdrawal memory) {
        return Withdrawal({nonce: nonce, sender: sender, target: target, data: data});
    }

    /// @dev The withdrawal hash, computed independently of the contracts.
    function _hash(Withdrawal memory w) internal pure returns (bytes32) {
        return keccak256(abi.encode(w.nonce, w.sender, w.target, w.data));
    }
}
