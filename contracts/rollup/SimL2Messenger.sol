// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IL2CanonicalMessenger} from "./ISimCanonical.sol";
import {ISimL2Messenger} from "./ISimRollup.sol";

/// @title SimL2Messenger (simulated rollup, L2 side; devnet and tests only)
/// @notice L2→L1: an append-only list of withdrawal hashes, the leaves the proposer commits to
///         L1 in output roots (OP Stack's `L2ToL1MessagePasser`). L1→L2: executes the deposits
///         queued on the L1 portal, strictly in order, as relayed by the sequencer (OP Stack's
///         deposit transactions); a deposit whose target reverts is kept for a retry, so a
///         failing target can neither lose a deposit nor stall the ones behind it.
/// @dev The trust assumption of the simulation: the sequencer relays exactly the deposits the
///      L1 portal queued (a real rollup derives them from L1; nothing here can check that).
contract SimL2Messenger is ISimL2Messenger {
    /// @inheritdoc ISimL2Messenger
    address public immutable SEQUENCER;

    /// @inheritdoc ISimL2Messenger
    /// @dev Deposits carry no gas limit (the adapter interface has none), so the sequencer could
    ///      starve a target into failing. A failure that used up the forwarded gas while less than
    ///      this was available reverts the relay instead (gas estimation then finds the right
    ///      amount); with at least this much, a gas-burning target is recorded as failed, so it
    ///      cannot stall the deposits behind it either.
    uint256 public constant DEPOSIT_GAS = 5_000_000;

    bytes32[] private _withdrawals;

    /// @inheritdoc ISimL2Messenger
    uint256 public nextDepositNonce;

    /// @inheritdoc ISimL2Messenger
    mapping(bytes32 depositHash => bool) public failedDeposits;

    /// @dev The L1 sender of the deposit being relayed; zero outside a relay.
    address private transient _l1Sender;

    constructor(address sequencer) {
        SEQUENCER = sequencer;
    }

    // ------------------------------------------------------------------------------------------
    // L2 → L1
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IL2CanonicalMessenger
    function sendToL1(address target, bytes calldata data) external {
        uint256 nonce = _withdrawals.length;
        bytes32 hash = keccak256(abi.encode(nonce, msg.sender, target, data));
        _withdrawals.push(hash);
        emit MessagePassed(nonce, msg.sender, target, data, hash);
    }

    /// @inheritdoc ISimL2Messenger
    function withdrawalCount() external view returns (uint256) {
        return _withdrawals.length;
    }

    /// @inheritdoc ISimL2Messenger
    function withdrawalHash(uint256 index) external view returns (bytes32) {
        return _withdrawals[index];
    }

    // ------------------------------------------------------------------------------------------
    // L1 → L2
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc ISimL2Messenger
    function relayFromL1(uint256 depositNonce, address l1Sender_, address target, bytes calldata data) external {
        require(msg.sender == SEQUENCER, MessengerNotSequencer(msg.sender));
        require(depositNonce == nextDepositNonce, MessengerDepositOutOfOrder(nextDepositNonce, depositNonce));
        nextDepositNonce = depositNonce + 1;
        bytes32 hash = depositHash(depositNonce, l1Sender_, target, data);
        uint256 available = gasleft();
        if (_relay(l1Sender_, target, data)) {
            emit DepositRelayed(depositNonce, hash);
        } else {
            // Out of gas leaves the caller ~1/64 of what was available (EIP-150).
            bool exhausted = gasleft() <= available / 63;
            require(!exhausted || available >= DEPOSIT_GAS, MessengerInsufficientGas(available, DEPOSIT_GAS));
            failedDeposits[hash] = true;
            emit DepositFailed(depositNonce, hash);
        }
    }

    /// @inheritdoc ISimL2Messenger
    function retryDeposit(uint256 depositNonce, address l1Sender_, address target, bytes calldata data) external {
        bytes32 hash = depositHash(depositNonce, l1Sender_, target, data);
        require(failedDeposits[hash], MessengerDepositNotFailed(hash));
        // Cleared before the call so a re-entrant retry of the same deposit is refused; a
        // failure reverts the whole retry, which restores the flag.
        failedDeposits[hash] = false;
        if (!_relay(l1Sender_, target, data)) revert MessengerRetryFailed(hash, _returnData());
        emit DepositRelayed(depositNonce, hash);
    }

    /// @inheritdoc IL2CanonicalMessenger
    function l1Sender() external view returns (address sender) {
        sender = _l1Sender;
        require(sender != address(0), MessengerNotRelaying());
    }

    /// @notice The identity of a deposit: its nonce and content.
    function depositHash(
        uint256 depositNonce,
        address l1Sender_,
        address target,
        bytes calldata data
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(depositNonce, l1Sender_, target, data));
    }

    /// @dev Calls `target` with `data` while `l1Sender()` reports `sender`. The return data is
    ///      not copied (a target returning megabytes cannot make the sequencer's relay run out of
    ///      gas); `retryDeposit` reads it with `_returnData` when it needs it.
    function _relay(address sender, address target, bytes calldata data) private returns (bool ok) {
        require(_l1Sender == address(0), MessengerReentrantRelay());
        _l1Sender = sender;
        bytes memory payload = data;
        // A plain CALL forwarding all gas but 1/64 (EIP-150): the remainder is enough to record
        // a failure. Output size 0: nothing is copied into memory.
        assembly ("memory-safe") {
            ok := call(gas(), target, 0, add(payload, 0x20), mload(payload), 0, 0)
        }
        _l1Sender = address(0);
    }

    /// @dev The return data of the last call, copied into memory.
    function _returnData() private pure returns (bytes memory data) {
        assembly ("memory-safe") {
            data := mload(0x40)
            mstore(data, returndatasize())
            returndatacopy(add(data, 0x20), 0, returndatasize())
            mstore(0x40, add(add(data, 0x20), and(add(returndatasize(), 31), not(31))))
        }
    }
}
