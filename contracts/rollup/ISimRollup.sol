// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IL1CanonicalPortal, IL2CanonicalMessenger, IL2CanonicalTokenBridge} from "./ISimCanonical.sol";

/// @title The simulated rollup's interfaces (devnet and tests only)
/// @notice A minimal model of an optimistic rollup's canonical messaging, shaped after OP Stack:
///         an L2 message passer whose withdrawal hashes are committed to L1 in output roots by a
///         proposer, proven with a Merkle inclusion proof after a finalization window; and L1
///         deposits that the rollup's sequencer relays on L2 strictly in order. What a production
///         rollup proves (fault proofs, derivation from L1) is replaced here by two trusted keys:
///         the proposer and the sequencer. See `docs/escape-hatch.md`.

/// @notice An L2→L1 message as committed by the L2 messenger and proven on L1.
struct Withdrawal {
    /// @dev Index in the messenger's append-only withdrawal list.
    uint256 nonce;
    /// @dev The L2 contract that called `sendToL1`.
    address sender;
    /// @dev The L1 contract to call.
    address target;
    bytes data;
}

/// @notice The L2 messenger of the simulated rollup: message passer (L2→L1) and deposit relay
///         (L1→L2).
interface ISimL2Messenger is IL2CanonicalMessenger {
    /// @notice `sender` sent `data` to `target` on L1; `withdrawalHash` is the leaf committed in
    ///         output roots, `nonce` its index.
    event MessagePassed(
        uint256 indexed nonce,
        address indexed sender,
        address indexed target,
        bytes data,
        bytes32 withdrawalHash
    );
    /// @notice L1 deposit `depositNonce` was executed on L2.
    event DepositRelayed(uint256 indexed depositNonce, bytes32 indexed depositHash);
    /// @notice L1 deposit `depositNonce` reverted on L2; anyone can `retryDeposit` it.
    event DepositFailed(uint256 indexed depositNonce, bytes32 indexed depositHash);

    /// @notice Only the rollup's sequencer relays deposits.
    error MessengerNotSequencer(address caller);
    /// @notice Deposits are relayed strictly in L1 order.
    error MessengerDepositOutOfOrder(uint256 expected, uint256 got);
    /// @notice `l1Sender()` outside a deposit relay.
    error MessengerNotRelaying();
    /// @notice A relay was started from inside another relay.
    error MessengerReentrantRelay();
    /// @notice The deposit ran out of gas with less than `DEPOSIT_GAS` available: the sequencer
    ///         must send the relay again with more gas (it is not recorded as failed).
    error MessengerInsufficientGas(uint256 available, uint256 required);
    /// @notice `retryDeposit` of a deposit that is not waiting for a retry.
    error MessengerDepositNotFailed(bytes32 depositHash);
    /// @notice A retried deposit reverted again (its revert data attached); it stays retryable.
    error MessengerRetryFailed(bytes32 depositHash, bytes reason);

    /// @notice The only account that may call `relayFromL1` (immutable).
    function SEQUENCER() external view returns (address);

    /// @notice Gas a deposit is guaranteed before running out of gas counts as its own failure.
    function DEPOSIT_GAS() external view returns (uint256);

    /// @notice Relays L1 deposit `depositNonce` (must be the next one): calls `target` with
    ///         `data` while `l1Sender()` reports `l1Sender`. A reverting target does not revert
    ///         the relay: the deposit is recorded as failed and can be retried by anyone.
    function relayFromL1(uint256 depositNonce, address l1Sender, address target, bytes calldata data) external;

    /// @notice Executes again a deposit that failed; reverts (and keeps it retryable) if it fails again.
    function retryDeposit(uint256 depositNonce, address l1Sender, address target, bytes calldata data) external;

    /// @notice Number of L2→L1 messages sent so far (the next withdrawal's nonce).
    function withdrawalCount() external view returns (uint256);

    /// @notice The withdrawal hash with nonce `index`.
    function withdrawalHash(uint256 index) external view returns (bytes32);

    /// @notice The next deposit nonce `relayFromL1` accepts.
    function nextDepositNonce() external view returns (uint256);

    /// @notice True while deposit `depositHash` waits for a retry.
    function failedDeposits(bytes32 depositHash) external view returns (bool);
}

/// @notice The L1 portal of the simulated rollup (one per L2).
interface ISimRollupPortal is IL1CanonicalPortal {
    /// @notice An output root committing to the first `withdrawalCount` withdrawal hashes.
    struct OutputProposal {
        bytes32 root;
        uint128 withdrawalCount;
        uint64 timestamp;
    }

    /// @notice The proposer posted output `outputIndex`.
    event OutputProposed(uint256 indexed outputIndex, bytes32 indexed root, uint256 withdrawalCount, uint64 timestamp);
    /// @notice L1→L2 message `nonce` from `from`, for the sequencer to relay on L2.
    event DepositQueued(uint256 indexed nonce, address indexed from, address indexed target, bytes data);
    /// @notice A proven withdrawal was executed on L1.
    event WithdrawalRelayed(bytes32 indexed withdrawalHash, uint256 indexed nonce, uint256 indexed outputIndex);

    /// @notice Only the proposer posts output roots.
    error PortalNotProposer(address caller);
    /// @notice An output must not commit to fewer withdrawals than the previous one, nor to none.
    error PortalInvalidOutput(uint256 withdrawalCount, uint256 previousCount);
    /// @notice No output with this index.
    error PortalUnknownOutput(uint256 outputIndex);
    /// @notice The output's finalization window has not passed; it is final at `finalAt`.
    error PortalOutputNotFinalized(uint256 outputIndex, uint256 finalAt);
    /// @notice The withdrawal's nonce is not covered by the output.
    error PortalWithdrawalNotInOutput(uint256 nonce, uint256 withdrawalCount);
    /// @notice The proof does not lead from the withdrawal hash to the output root.
    error PortalInvalidProof(bytes32 withdrawalHash, uint256 outputIndex);
    /// @notice The withdrawal was relayed already.
    error PortalAlreadyRelayed(bytes32 withdrawalHash);
    /// @notice The withdrawal targets the portal itself.
    error PortalInvalidTarget(address target);
    /// @notice The target reverted (its revert data attached); the withdrawal stays relayable.
    error PortalRelayFailed(bytes32 withdrawalHash, bytes reason);
    /// @notice `l2Sender()` outside a withdrawal relay.
    error PortalNotRelaying();
    /// @notice A relay was started from inside another relay.
    error PortalReentrantRelay();
    /// @notice Constructor arguments out of range.
    error PortalInvalidConfig();

    /// @notice The only account that may propose output roots (immutable).
    function PROPOSER() external view returns (address);

    /// @notice Seconds between an output's proposal and its finality (immutable).
    function FINALIZATION_SECONDS() external view returns (uint256);

    /// @notice Posts the root over the first `withdrawalCount` withdrawal hashes of the L2.
    function proposeOutputRoot(uint256 withdrawalCount, bytes32 root) external;

    /// @notice Proves `withdrawal` against output `outputIndex` and executes it.
    function relayMessage(Withdrawal calldata withdrawal, uint256 outputIndex, bytes32[] calldata proof) external;

    /// @notice Number of outputs proposed.
    function outputCount() external view returns (uint256);

    /// @notice Output `outputIndex` (reverts when unknown).
    function output(uint256 outputIndex) external view returns (OutputProposal memory);

    /// @notice Number of deposits queued (the next deposit's nonce).
    function depositCount() external view returns (uint256);

    /// @notice True once the withdrawal with this hash was relayed.
    function relayed(bytes32 withdrawalHash) external view returns (bool);

    /// @notice The withdrawal hash the L2 messenger computes and commits.
    function hashWithdrawal(Withdrawal calldata withdrawal) external pure returns (bytes32);
}

/// @notice The L2 representation of an L1 token, minted and burned only by the L2 token bridge.
interface ICanonicalL2Token {
    /// @notice Only the bridge mints and burns.
    error CanonicalTokenOnlyBridge(address caller);

    /// @notice The L2 token bridge (immutable).
    function BRIDGE() external view returns (address);

    /// @notice The L1 token this token represents (immutable).
    function REMOTE_TOKEN() external view returns (address);

    /// @notice Mints `amount` to `to`. Bridge only.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` from `from`. Bridge only.
    function burn(address from, uint256 amount) external;
}

/// @notice Errors and events both token bridges share.
interface ITokenBridgeCommon {
    /// @notice The remote bridge was set (once).
    event RemoteBridgeInitialized(address remoteBridge);

    /// @notice Only the deployer may initialize, once, with a non-zero address.
    error TokenBridgeInitializeRefused(address caller);
    /// @notice Used before `initialize`.
    error TokenBridgeNotInitialized();
    /// @notice Not called by the canonical messaging with the remote bridge as cross-domain sender.
    error TokenBridgeUnauthorized(address caller);
    /// @notice Zero amount or zero recipient.
    error TokenBridgeInvalidTransfer();

    /// @notice Who may call `initialize` (the deployer, immutable).
    function INITIALIZER() external view returns (address);

    /// @notice The bridge on the other layer (zero before `initialize`).
    function remoteBridge() external view returns (address);

    /// @notice Sets the bridge on the other layer. Once, by `INITIALIZER`.
    function initialize(address remoteBridge) external;
}

/// @notice The L1 side of the simulated rollup's canonical token bridge.
interface IL1TokenBridge is ITokenBridgeCommon {
    /// @notice `amount` of `l1Token` was locked here and its mint on L2 sent.
    event DepositInitiated(
        address indexed l1Token,
        address indexed l2Token,
        address indexed from,
        address to,
        uint256 amount
    );
    /// @notice A proven withdrawal released `amount` of `l1Token` to `to`.
    event WithdrawalFinalized(
        address indexed l1Token,
        address indexed l2Token,
        address indexed from,
        address to,
        uint256 amount
    );

    /// @notice The token delivered less than `amount` (fee-on-transfer tokens are refused).
    error TokenBridgeFeeOnTransfer(address token, uint256 expected, uint256 received);
    /// @notice A withdrawal exceeds what was deposited for this token pair.
    error TokenBridgeInsufficientDeposits(address l1Token, address l2Token, uint256 deposited, uint256 amount);

    /// @notice The L1 portal deposits are sent through (immutable).
    function PORTAL() external view returns (address);

    /// @notice Locks `amount` of `l1Token` and mints it as `l2Token` to `to` on L2. A deposit
    ///         for a pair the L2 bridge does not recognise is bounced back to the sender on L1.
    function depositTo(address l1Token, address l2Token, address to, uint256 amount) external;

    /// @notice Releases `amount` of `l1Token` to `to`. Only through the portal, from the L2 bridge.
    function finalizeWithdrawal(address l1Token, address l2Token, address from, address to, uint256 amount) external;

    /// @notice L1 tokens held for `l2Token` holders on L2.
    function deposits(address l1Token, address l2Token) external view returns (uint256);
}

/// @notice The L2 side of the simulated rollup's canonical token bridge.
interface IL2TokenBridge is ITokenBridgeCommon, IL2CanonicalTokenBridge {
    /// @notice A deposit was minted on L2.
    event DepositFinalized(
        address indexed l1Token,
        address indexed l2Token,
        address indexed from,
        address to,
        uint256 amount
    );
    /// @notice A deposit for an unknown token pair was sent back to its L1 sender.
    event DepositBounced(
        address indexed l1Token,
        address indexed l2Token,
        address indexed from,
        address to,
        uint256 amount
    );
    /// @notice `amount` of `l2Token` was burned and its release on L1 sent.
    event WithdrawalInitiated(
        address indexed l1Token,
        address indexed l2Token,
        address indexed from,
        address to,
        uint256 amount
    );

    /// @notice `l2Token` is not a canonical token of this bridge.
    error TokenBridgeNotCanonical(address l2Token);

    /// @notice This L2's canonical messenger (immutable).
    function MESSENGER() external view returns (address);

    /// @notice Mints a deposit (or bounces it back). Only through the messenger, from the L1 bridge.
    function finalizeDeposit(address l1Token, address l2Token, address from, address to, uint256 amount) external;
}
