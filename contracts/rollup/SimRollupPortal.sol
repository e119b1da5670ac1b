// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleLib} from "../libraries/MerkleLib.sol";
import {IL1CanonicalPortal} from "./ISimCanonical.sol";
import {ISimRollupPortal, Withdrawal} from "./ISimRollup.sol";

/// @title SimRollupPortal (simulated rollup, L1 side; devnet and tests only)
/// @notice One per L2. The proposer commits output roots: the Merkle root (`MerkleLib`: sorted
///         pairs, odd node promoted) over the L2 messenger's first `withdrawalCount` withdrawal
///         hashes, in nonce order. Once an output is older than the finalization window, anyone
///         can prove a withdrawal against it and have it executed here, once. L1→L2 messages are
///         queued as `DepositQueued` events for the sequencer to relay on L2.
/// @dev The trust assumption of the simulation: the proposer posts only true roots (a real
///      rollup lets anyone challenge an output during the window; here the window only models
///      the delay). Withdrawal hashes are computed here from the proven fields, never taken as
///      input, and an inner tree node is the hash of 64 bytes while a withdrawal hash is the hash
///      of at least 160, so no inner node can be proven as a withdrawal.
contract SimRollupPortal is ISimRollupPortal {
    /// @notice Chain id of the L2 this portal serves (immutable; see `l2ChainId`).
    uint64 public immutable L2_CHAIN_ID;
    /// @inheritdoc ISimRollupPortal
    address public immutable PROPOSER;
    /// @inheritdoc ISimRollupPortal
    uint256 public immutable FINALIZATION_SECONDS;

    OutputProposal[] private _outputs;

    /// @inheritdoc ISimRollupPortal
    uint256 public depositCount;

    /// @inheritdoc ISimRollupPortal
    mapping(bytes32 withdrawalHash => bool) public relayed;

    /// @dev The L2 sender of the withdrawal being relayed; zero outside a relay.
    address private transient _l2Sender;

    constructor(uint64 l2ChainId_, address proposer, uint256 finalizationSeconds) {
        require(l2ChainId_ != 0 && proposer != address(0) && finalizationSeconds <= 365 days, PortalInvalidConfig());
        L2_CHAIN_ID = l2ChainId_;
        PROPOSER = proposer;
        FINALIZATION_SECONDS = finalizationSeconds;
    }

    /// @inheritdoc ISimRollupPortal
    function proposeOutputRoot(uint256 withdrawalCount, bytes32 root) external {
        require(msg.sender == PROPOSER, PortalNotProposer(msg.sender));
        uint256 previous = _outputs.length == 0 ? 0 : _outputs[_outputs.length - 1].withdrawalCount;
        require(
            withdrawalCount != 0 && withdrawalCount >= previous && withdrawalCount <= type(uint128).max,
            PortalInvalidOutput(withdrawalCount, previous)
        );
        uint64 timestamp = uint64(block.timestamp);
        _outputs.push(OutputProposal({root: root, withdrawalCount: uint128(withdrawalCount), timestamp: timestamp}));
        emit OutputProposed(_outputs.length - 1, root, withdrawalCount, timestamp);
    }

    /// @inheritdoc ISimRollupPortal
    function relayMessage(Withdrawal calldata withdrawal, uint256 outputIndex, bytes32[] calldata proof) external {
        require(outputIndex < _outputs.length, PortalUnknownOutput(outputIndex));
        OutputProposal memory out = _outputs[outputIndex];
        uint256 finalAt = uint256(out.timestamp) + FINALIZATION_SECONDS;
        require(block.timestamp >= finalAt, PortalOutputNotFinalized(outputIndex, finalAt));
        require(
            withdrawal.nonce < out.withdrawalCount,
            PortalWithdrawalNotInOutput(withdrawal.nonce, out.withdrawalCount)
        );
        bytes32 hash = hashWithdrawal(withdrawal);
        require(MerkleLib.processProof(proof, hash) == out.root, PortalInvalidProof(hash, outputIndex));
        require(!relayed[hash], PortalAlreadyRelayed(hash));
        require(withdrawal.target != address(this), PortalInvalidTarget(withdrawal.target));
        require(_l2Sender == address(0), PortalReentrantRelay());

        relayed[hash] = true;
        _l2Sender = withdrawal.sender;
        // A call to an arbitrary L1 target is what a withdrawal is; its revert data is kept.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = withdrawal.target.call(withdrawal.data);
        _l2Sender = address(0);
        // Reverting undoes `relayed`, so the withdrawal can be relayed again once its target
        // accepts it: an L2→L1 message is never lost to a transient failure on L1.
        require(ok, PortalRelayFailed(hash, reason));
        emit WithdrawalRelayed(hash, withdrawal.nonce, outputIndex);
    }

    /// @inheritdoc IL1CanonicalPortal
    function sendToL2(address target, bytes calldata data) external {
        uint256 nonce = depositCount++;
        emit DepositQueued(nonce, msg.sender, target, data);
    }

    /// @inheritdoc IL1CanonicalPortal
    function l2Sender() external view returns (address sender) {
        sender = _l2Sender;
        require(sender != address(0), PortalNotRelaying());
    }

    /// @notice Chain id of the L2 this portal serves.
    function l2ChainId() external view returns (uint64) {
        return L2_CHAIN_ID;
    }

    /// @inheritdoc ISimRollupPortal
    function outputCount() external view returns (uint256) {
        return _outputs.length;
    }

    /// @inheritdoc ISimRollupPortal
    function output(uint256 outputIndex) external view returns (OutputProposal memory) {
        require(outputIndex < _outputs.length, PortalUnknownOutput(outputIndex));
        return _outputs[outputIndex];
    }

    /// @inheritdoc ISimRollupPortal
    function hashWithdrawal(Withdrawal calldata withdrawal) public pure returns (bytes32) {
        return keccak256(abi.encode(withdrawal.nonce, withdrawal.sender, withdrawal.target, withdrawal.data));
    }
}
