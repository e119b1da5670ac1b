// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Deployers} from "../utils/Deployers.sol";
import {Vm} from "../utils/Vm.sol";
import {
    IOpL1CrossDomainMessenger,
    IOpL1StandardBridge,
    IOpL2CrossDomainMessenger,
    IOpL2OutputOracle,
    IOpL2StandardBridge,
    IOpL2ToL1MessagePasser,
    IOpMintableERC20Factory,
    IOpOptimismPortal,
    IOpProxyAdmin,
    IOpSuperchainConfig,
    IOpSystemConfig,
    OpPredeploys,
    OutputRootProof,
    ResourceConfig,
    SystemConfigAddresses,
    WithdrawalTransaction
} from "../utils/OpStack.sol";

/// @title OpStackFixture
/// @notice The real OP Stack bridge contracts on one test chain, deployed from the published
///         bytecode of OP's `contracts-bedrock` 0.17.3 (`forge-artifacts/`), and the two
///         jobs OP's own off-chain software does, played by the test:
///         - **L1**, per rollup: `OptimismPortal`, `L2OutputOracle` (permissioned proposer),
///           `SystemConfig`, `L1CrossDomainMessenger`, `L1StandardBridge`, each behind a `Proxy`
///           administered by one `ProxyAdmin`, and one `SuperchainConfig`, initialised as OP's
///           deploy scripts do.
///         - **L2**: the predeploys at their canonical addresses (`L2ToL1MessagePasser`,
///           `L2CrossDomainMessenger`, `L2StandardBridge`, `OptimismMintableERC20Factory`,
///           `L1Block`), their code installed with `vm.etch`.
///         - **Deposits** are executed as the deposit transaction would be: a call from the
///           (aliased) `from` of `TransactionDeposited` to its `to`, with its gas limit.
///         - **Output roots** are proposed by the permissioned proposer over an output whose
///           message-passer storage root holds the withdrawal being proven (a one-leaf storage
///           trie, built here). The L1 contracts check exactly what they check on mainnet —
///           output root preimage, Merkle-Patricia inclusion of the withdrawal hash, windows —
///           but the test only proposes after checking that the message passer really holds the
///           hash (an honest proposer). The devnet proposes real roots from `eth_getProof`.
///
///         One EVM holds everything, so there is one set of L2 predeploys, shared by both "L2s":
///         `_onL2` switches to one (its chain id with `vm.chainId`, as the gateways check
///         `block.chainid`, and its L1 counterparts in the predeploys' storage: the
///         `L2CrossDomainMessenger`'s other messenger, the `L2StandardBridge`'s other bridge), so
///         each L2's messages go to, and are accepted only from, its own rollup's L1 contracts.
abstract contract OpStackFixture is Deployers {
    string internal constant OP_ARTIFACTS = "node_modules/@eth-optimism/contracts-bedrock/forge-artifacts/";
    /// @dev The finalization window of both rollups.
    uint256 internal constant WINDOW = 1 hours;
    /// @dev OP's `AddressAliasHelper` offset: an L1 contract's address on L2 in a deposit.
    uint160 internal constant ALIAS_OFFSET = uint160(0x1111000000000000000000000000000000001111);

    struct Rollup {
        address portal;
        address oracle;
        address systemConfig;
        address l1Messenger;
        address l1Bridge;
    }

    /// @dev An L1→L2 deposit as `TransactionDeposited` describes it.
    struct Deposit {
        address from;
        address to;
        uint256 mint;
        uint256 value;
        uint64 gasLimit;
        bool isCreation;
        bytes data;
    }

    address internal proxyAdmin;
    address internal superchainConfig;
    address internal proposer;
    address internal guardian;
    mapping(string name => address) private _implementations;

    /// @dev Creation bytecode of an OP Stack contract, as published.
    function _opCode(string memory name) internal view returns (bytes memory) {
        string memory json = vm.readFile(string.concat(OP_ARTIFACTS, name, ".sol/", name, ".json"));
        return vm.parseJsonBytes(json, ".bytecode.object");
    }

    function _opDeploy(string memory name, bytes memory args) internal returns (address deployed) {
        bytes memory initCode = bytes.concat(_opCode(name), args);
        assembly ("memory-safe") {
            deployed := create(0, add(initCode, 0x20), mload(initCode))
        }
        require(deployed != address(0), string.concat("cannot deploy ", name));
    }

    /// @dev One implementation per contract, shared by every proxy (as on a real superchain).
    function _implementation(string memory name) internal returns (address impl) {
        impl = _implementations[name];
        if (impl == address(0)) {
            impl = _opDeploy(name, "");
            _implementations[name] = impl;
        }
    }

    /// @dev A `Proxy` administered by the `ProxyAdmin`, upgraded to `name` and initialised.
    function _proxied(string memory name, bytes memory initData) internal returns (address proxy) {
        proxy = _opDeploy("Proxy", abi.encode(proxyAdmin));
        IOpProxyAdmin(proxyAdmin).upgradeAndCall(proxy, _implementation(name), initData);
    }

    /// @dev The `ProxyAdmin` (owned by the test) and the `SuperchainConfig`: once per superchain.
    function _deploySuperchain() internal {
        proposer = makeAddr("proposer");
        guardian = makeAddr("opGuardian");
        proxyAdmin = _opDeploy("ProxyAdmin", abi.encode(address(this)));
        superchainConfig = _proxied(
            "SuperchainConfig",
            abi.encodeCall(IOpSuperchainConfig.initialize, (guardian, false))
        );
    }

    /// @dev One rollup's L1 contracts. Proxies first (they reference each other), then each is
    ///      upgraded and initialised in the order of OP's `Deploy.s.sol`.
    function _deployRollup() internal returns (Rollup memory r) {
        address admin = proxyAdmin;
        r.portal = _opDeploy("Proxy", abi.encode(admin));
        r.oracle = _opDeploy("Proxy", abi.encode(admin));
        r.systemConfig = _opDeploy("Proxy", abi.encode(admin));
        r.l1Messenger = _opDeploy("Proxy", abi.encode(admin));
        r.l1Bridge = _opDeploy("Proxy", abi.encode(admin));

        ResourceConfig memory resources = ResourceConfig({
            maxResourceLimit: 20_000_000,
            elasticityMultiplier: 10,
            baseFeeMaxChangeDenominator: 8,
            minimumBaseFee: 1 gwei,
            systemTxMaxGas: 1_000_000,
            maximumBaseFee: type(uint128).max
        });
        SystemConfigAddresses memory addresses = SystemConfigAddresses({
            l1CrossDomainMessenger: r.l1Messenger,
            l1ERC721Bridge: address(0),
            l1StandardBridge: r.l1Bridge,
            disputeGameFactory: address(0),
            optimismPortal: r.portal,
            optimismMintableERC20Factory: address(0),
            gasPayingToken: address(0)
        });
        IOpProxyAdmin(admin).upgradeAndCall(
            r.systemConfig,
            _implementation("SystemConfig"),
            abi.encodeCall(
                IOpSystemConfig.initialize,
                (address(this), 0, 0, bytes32(0), 30_000_000, address(0), resources, address(0xff), addresses)
            )
        );
        // Submission interval 1 block; L2 block time 1 s from a starting timestamp far in the
        // past, so every proposal the test makes is "not in the future".
        IOpProxyAdmin(admin).upgradeAndCall(
            r.oracle,
            _implementation("L2OutputOracle"),
            abi.encodeCall(IOpL2OutputOracle.initialize, (1, 1, 0, 1, proposer, guardian, WINDOW))
        );
        IOpProxyAdmin(admin).upgradeAndCall(
            r.portal,
            _implementation("OptimismPortal"),
            abi.encodeCall(IOpOptimismPortal.initialize, (r.oracle, r.systemConfig, superchainConfig))
        );
        IOpProxyAdmin(admin).upgradeAndCall(
            r.l1Messenger,
            _implementation("L1CrossDomainMessenger"),
            abi.encodeCall(IOpL1CrossDomainMessenger.initialize, (superchainConfig, r.portal, r.systemConfig))
        );
        IOpProxyAdmin(admin).upgradeAndCall(
            r.l1Bridge,
            _implementation("L1StandardBridge"),
            abi.encodeCall(IOpL1StandardBridge.initialize, (r.l1Messenger, superchainConfig, r.systemConfig))
        );
    }

    /// @dev The L2 predeploys at their canonical addresses, wired to `r`'s L1 messenger and bridge.
    function _installPredeploys(Rollup memory r) internal {
        _etch("L2ToL1MessagePasser", OpPredeploys.L2_TO_L1_MESSAGE_PASSER);
        _etch("L2CrossDomainMessenger", OpPredeploys.L2_CROSS_DOMAIN_MESSENGER);
        _etch("L2StandardBridge", OpPredeploys.L2_STANDARD_BRIDGE);
        _etch("OptimismMintableERC20Factory", OpPredeploys.OPTIMISM_MINTABLE_ERC20_FACTORY);
        _etch("L1Block", OpPredeploys.L1_BLOCK);
        IOpL2CrossDomainMessenger(OpPredeploys.L2_CROSS_DOMAIN_MESSENGER).initialize(r.l1Messenger);
        IOpL2StandardBridge(OpPredeploys.L2_STANDARD_BRIDGE).initialize(r.l1Bridge);
        IOpMintableERC20Factory(OpPredeploys.OPTIMISM_MINTABLE_ERC20_FACTORY).initialize(
            OpPredeploys.L2_STANDARD_BRIDGE
        );
    }

    /// @dev Storage slots of the predeploys' L1 counterparts (from the artifacts' storage layouts).
    uint256 private constant MESSENGER_OTHER_MESSENGER_SLOT = 207;
    uint256 private constant BRIDGE_OTHER_BRIDGE_SLOT = 4;

    /// @dev Acts as L2 `chainId`, whose L1 contracts are `r`'s.
    function _onL2(uint64 chainId, Rollup memory r) internal {
        vm.chainId(chainId);
        vm.store(
            OpPredeploys.L2_CROSS_DOMAIN_MESSENGER,
            bytes32(MESSENGER_OTHER_MESSENGER_SLOT),
            bytes32(uint256(uint160(r.l1Messenger)))
        );
        vm.store(
            OpPredeploys.L2_STANDARD_BRIDGE,
            bytes32(BRIDGE_OTHER_BRIDGE_SLOT),
            bytes32(uint256(uint160(r.l1Bridge)))
        );
    }

    function _etch(string memory name, address at) private {
        vm.etch(at, _implementation(name).code);
    }

    // ------------------------------------------------------------------------------------------
    // L2 → L1: withdrawals, output roots, proofs
    // ------------------------------------------------------------------------------------------

    /// @dev The `index`-th (from the end when `fromEnd`) `MessagePassed` of the message passer in
    ///      `logs`, as the withdrawal the portal proves.
    function _withdrawal(Vm.Log[] memory logs) internal pure returns (WithdrawalTransaction memory w) {
        bytes32 topic = IOpL2ToL1MessagePasser.MessagePassed.selector;
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != OpPredeploys.L2_TO_L1_MESSAGE_PASSER || log.topics[0] != topic) continue;
            (uint256 value, uint256 gasLimit, bytes memory data, ) = abi.decode(
                log.data,
                (uint256, uint256, bytes, bytes32)
            );
            return
                WithdrawalTransaction({
                    nonce: uint256(log.topics[1]),
                    sender: address(uint160(uint256(log.topics[2]))),
                    target: address(uint160(uint256(log.topics[3]))),
                    value: value,
                    gasLimit: gasLimit,
                    data: data
                });
        }
        revert("no MessagePassed");
    }

    /// @dev `Hashing.hashWithdrawal`.
    function _withdrawalHash(WithdrawalTransaction memory w) internal pure returns (bytes32) {
        return keccak256(abi.encode(w.nonce, w.sender, w.target, w.value, w.gasLimit, w.data));
    }

    /// @dev The message passer's storage trie holding only `withdrawalHash` (slot
    ///      `keccak256(abi.encode(hash, 0))` = 1) as its one leaf: `rlp([hp(path), rlp(1)])`
    ///      with the 64-nibble path of `keccak256(slot)` (secure trie). Its hash is the root and
    ///      the leaf alone is the inclusion proof.
    function _oneLeafTrie(bytes32 withdrawalHash) internal pure returns (bytes memory leaf) {
        bytes32 slot = keccak256(abi.encode(withdrawalHash, uint256(0)));
        // 0xe3: a list of 35 bytes; 0xa1: a 33-byte string; 0x20: even-length leaf path prefix.
        leaf = abi.encodePacked(bytes3(0xe3a120), keccak256(abi.encode(slot)), bytes1(0x01));
    }

    /// @dev Proposes (as the permissioned proposer) the next output of `r`, whose message-passer
    ///      storage root commits to `w`; returns its index and the proofs `w` is proven with.
    function _propose(
        Rollup memory r,
        WithdrawalTransaction memory w
    ) internal returns (uint256 index, OutputRootProof memory output, bytes[] memory proof) {
        bytes32 hash = _withdrawalHash(w);
        assertTrue(
            IOpL2ToL1MessagePasser(OpPredeploys.L2_TO_L1_MESSAGE_PASSER).sentMessages(hash),
            "the message passer holds the withdrawal"
        );
        bytes memory leaf = _oneLeafTrie(hash);
        IOpL2OutputOracle oracle = IOpL2OutputOracle(r.oracle);
        index = oracle.nextOutputIndex();
        output = OutputRootProof({
            version: bytes32(0),
            stateRoot: keccak256(abi.encode("state", index)),
            messagePasserStorageRoot: keccak256(leaf),
            latestBlockhash: keccak256(abi.encode("block", index))
        });
        uint256 l2Block = oracle.nextBlockNumber();
        vm.prank(proposer);
        oracle.proposeL2Output(keccak256(abi.encode(output)), l2Block, bytes32(0), 0);
        proof = new bytes[](1);
        proof[0] = leaf;
    }

    /// @dev Proposes an output covering `w`, proves `w` on `r`'s portal, waits out the window.
    function _proposeProveAndWait(Rollup memory r, WithdrawalTransaction memory w) internal {
        (uint256 index, OutputRootProof memory output, bytes[] memory proof) = _propose(r, w);
        IOpOptimismPortal(r.portal).proveWithdrawalTransaction(w, index, output, proof);
        vm.warp(_now() + WINDOW + 1);
    }

    // ------------------------------------------------------------------------------------------
    // L1 → L2: deposits
    // ------------------------------------------------------------------------------------------

    /// @dev Every `TransactionDeposited` of `portal` in `logs`, in order.
    function _deposits(Vm.Log[] memory logs, address portal) internal pure returns (Deposit[] memory out) {
        bytes32 topic = IOpOptimismPortal.TransactionDeposited.selector;
        uint256 n;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == portal && logs[i].topics[0] == topic) ++n;
        }
        out = new Deposit[](n);
        n = 0;
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != portal || log.topics[0] != topic) continue;
            require(uint256(log.topics[3]) == 0, "deposit version 0");
            bytes memory opaque = abi.decode(log.data, (bytes));
            out[n++] = _decodeDeposit(
                address(uint160(uint256(log.topics[1]))),
                address(uint160(uint256(log.topics[2]))),
                opaque
            );
        }
    }

    /// @dev Version 0 opaque data: `abi.encodePacked(mint, value, gasLimit, isCreation, data)`.
    function _decodeDeposit(address from, address to, bytes memory opaque) internal pure returns (Deposit memory d) {
        require(opaque.length >= 73, "short deposit");
        uint256 mint;
        uint256 value;
        uint256 word;
        assembly ("memory-safe") {
            mint := mload(add(opaque, 0x20))
            value := mload(add(opaque, 0x40))
            word := mload(add(opaque, 0x60))
        }
        bytes memory data = new bytes(opaque.length - 73);
        for (uint256 i = 0; i < data.length; ++i) data[i] = opaque[73 + i];
        d = Deposit({
            from: from,
            to: to,
            mint: mint,
            value: value,
            gasLimit: uint64(word >> 192),
            isCreation: uint8(word >> 184) != 0,
            data: data
        });
    }

    /// @dev Executes `d` on "the L2" as its deposit transaction would: from `d.from`, with its
    ///      gas limit. Returns whether the call succeeded (a failed deposit is still included).
    function _execute(Deposit memory d) internal returns (bool ok) {
        require(!d.isCreation && d.mint == 0 && d.value == 0, "the escape deposits no value");
        vm.prank(d.from);
        (ok, ) = d.to.call{gas: d.gasLimit}(d.data);
    }

    /// @dev `AddressAliasHelper.applyL1ToL2Alias`.
    function _alias(address l1) internal pure returns (address) {
        unchecked {
            return address(uint160(l1) + ALIAS_OFFSET);
        }
    }
}
