// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title OP Stack contracts, as the escape tests drive them
/// @notice The functions of OP's `contracts-bedrock` 0.17.3 these tests call, declared
///         by hand with the published signatures (the selectors are what counts). The contracts
///         themselves are deployed from the package's `forge-artifacts` bytecode, never rebuilt.

/// @dev `Types.WithdrawalTransaction`.
struct WithdrawalTransaction {
    uint256 nonce;
    address sender;
    address target;
    uint256 value;
    uint256 gasLimit;
    bytes data;
}

/// @dev `Types.OutputRootProof`: the preimage of an output root (version 0).
struct OutputRootProof {
    bytes32 version;
    bytes32 stateRoot;
    bytes32 messagePasserStorageRoot;
    bytes32 latestBlockhash;
}

/// @dev `Types.OutputProposal`.
struct OutputProposal {
    bytes32 outputRoot;
    uint128 timestamp;
    uint128 l2BlockNumber;
}

/// @dev `ResourceMetering.ResourceConfig`.
struct ResourceConfig {
    uint32 maxResourceLimit;
    uint8 elasticityMultiplier;
    uint8 baseFeeMaxChangeDenominator;
    uint32 minimumBaseFee;
    uint32 systemTxMaxGas;
    uint128 maximumBaseFee;
}

/// @dev `SystemConfig.Addresses`.
struct SystemConfigAddresses {
    address l1CrossDomainMessenger;
    address l1ERC721Bridge;
    address l1StandardBridge;
    address disputeGameFactory;
    address optimismPortal;
    address optimismMintableERC20Factory;
    address gasPayingToken;
}

interface IOpProxyAdmin {
    function upgradeAndCall(address proxy, address implementation, bytes calldata data) external payable;
}

interface IOpSuperchainConfig {
    function initialize(address guardian, bool paused) external;
}

interface IOpSystemConfig {
    function initialize(
        address owner,
        uint32 basefeeScalar,
        uint32 blobbasefeeScalar,
        bytes32 batcherHash,
        uint64 gasLimit,
        address unsafeBlockSigner,
        ResourceConfig calldata config,
        address batchInbox,
        SystemConfigAddresses calldata addresses
    ) external;
}

interface IOpL2OutputOracle {
    function initialize(
        uint256 submissionInterval,
        uint256 l2BlockTime,
        uint256 startingBlockNumber,
        uint256 startingTimestamp,
        address proposer,
        address challenger,
        uint256 finalizationPeriodSeconds
    ) external;
    function proposeL2Output(
        bytes32 outputRoot,
        uint256 l2BlockNumber,
        bytes32 l1BlockHash,
        uint256 l1BlockNumber
    ) external payable;
    function nextBlockNumber() external view returns (uint256);
    function nextOutputIndex() external view returns (uint256);
    function getL2Output(uint256 index) external view returns (OutputProposal memory);
}

interface IOpOptimismPortal {
    event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData);

    function initialize(address l2Oracle, address systemConfig, address superchainConfig) external;
    function proveWithdrawalTransaction(
        WithdrawalTransaction calldata withdrawal,
        uint256 l2OutputIndex,
        OutputRootProof calldata outputRootProof,
        bytes[] calldata withdrawalProof
    ) external;
    function finalizeWithdrawalTransaction(WithdrawalTransaction calldata withdrawal) external;
    function finalizedWithdrawals(bytes32 withdrawalHash) external view returns (bool);
}

interface IOpL1CrossDomainMessenger {
    function initialize(address superchainConfig, address portal, address systemConfig) external;
    function failedMessages(bytes32 versionedHash) external view returns (bool);
    function successfulMessages(bytes32 versionedHash) external view returns (bool);
}

interface IOpL1StandardBridge {
    function initialize(address messenger, address superchainConfig, address systemConfig) external;
    function depositERC20To(
        address l1Token,
        address l2Token,
        address to,
        uint256 amount,
        uint32 minGasLimit,
        bytes calldata extraData
    ) external;
    function deposits(address l1Token, address l2Token) external view returns (uint256);
}

interface IOpL2ToL1MessagePasser {
    event MessagePassed(
        uint256 indexed nonce,
        address indexed sender,
        address indexed target,
        uint256 value,
        uint256 gasLimit,
        bytes data,
        bytes32 withdrawalHash
    );

    function sentMessages(bytes32 withdrawalHash) external view returns (bool);
}

interface IOpL2CrossDomainMessenger {
    function initialize(address l1CrossDomainMessenger) external;
    function successfulMessages(bytes32 versionedHash) external view returns (bool);
    function failedMessages(bytes32 versionedHash) external view returns (bool);
}

interface IOpL2StandardBridge {
    function initialize(address otherBridge) external;
}

interface IOpMintableERC20Factory {
    function initialize(address bridge) external;
    function createOptimismMintableERC20(
        address remoteToken,
        string calldata name,
        string calldata symbol
    ) external returns (address);
}

/// @dev The canonical L2 addresses of the predeploys the escape uses (OP Stack `Predeploys`).
library OpPredeploys {
    address internal constant L2_CROSS_DOMAIN_MESSENGER = 0x4200000000000000000000000000000000000007;
    address internal constant L2_STANDARD_BRIDGE = 0x4200000000000000000000000000000000000010;
    address internal constant OPTIMISM_MINTABLE_ERC20_FACTORY = 0x4200000000000000000000000000000000000012;
    address internal constant L1_BLOCK = 0x4200000000000000000000000000000000000015;
    address internal constant L2_TO_L1_MESSAGE_PASSER = 0x4200000000000000000000000000000000000016;
}
