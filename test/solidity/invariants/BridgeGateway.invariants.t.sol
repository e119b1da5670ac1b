// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";
import {Guardians} from "../utils/BridgeFixture.sol";
import {InvariantTest} from "../utils/Test.sol";
import {MerkleTree} from "../utils/MerkleTree.sol";
import {Vm} from "../utils/Vm.sol";
import {BridgedToken} from "../../../contracts/token/BridgedToken.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {LoopbackMessenger} from "../utils/LoopbackMessenger.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";
import {MessageHeader, Transfer, Attestation} from "../utils/BridgeFixture.sol";

// The handler lives in this file on purpose: the invariant runner needs an artifact for every
// target contract, and only the selected test files get one, so a handler in a separate file
// breaks `hardhat test solidity <this file>` on a clean build.

/// @title Bridge invariants
/// @notice Random sequences of sends, attested deliveries (single, full batch, Merkle proofs,
///         replays), executions, vetoes, forgeries, escapes, pauses, governance changes and time warps
///         across a home gateway and a remote gateway (see `BridgeHandler` for how two chains
///         share one EVM). After every call the properties below must hold. They are listed in
///         prose in PROPERTIES.md.
/// forge-config: default.invariant.runs = 32
/// forge-config: default.invariant.depth = 60
contract BridgeGateway_Invariants is InvariantTest {
    BridgeHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new BridgeHandler();
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = BridgeHandler.sendHome.selector;
        selectors[1] = BridgeHandler.sendRemote.selector;
        selectors[2] = BridgeHandler.deliver.selector;
        selectors[3] = BridgeHandler.execute.selector;
        selectors[4] = BridgeHandler.veto.selector;
        selectors[5] = BridgeHandler.forgeAndVeto.selector;
        selectors[6] = BridgeHandler.forgeUnattested.selector;
        selectors[7] = BridgeHandler.pause.selector;
        selectors[8] = BridgeHandler.unpause.selector;
        selectors[9] = BridgeHandler.govern.selector;
        selectors[10] = BridgeHandler.warp.selector;
        selectors[11] = BridgeHandler.escape.selector;
        selectors[12] = BridgeHandler.claimFees.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
    }

    /// @notice (a) Backing. The bridged token's supply on the remote chain never exceeds what
    ///         the home gateway holds locked: every bridged token in circulation was minted
    ///         for a lock at home, and every unlock at home was paid for by a burn on remote.
    function invariant_bridgedSupplyNeverExceedsLocked() public view {
        assertLe(
            handler.bridged().totalSupply(),
            handler.home().lockedBalance(address(handler.token())),
            "bridged supply > locked at home"
        );
    }

    /// @notice (a') Conservation, exactly. Locked at home = bridged supply on remote + value in
    ///         flight in either direction (sent, not yet executed at its destination: undelivered,
    ///         queued, or vetoed and so stuck). Nothing is created or lost between the books.
    function invariant_lockedEqualsSupplyPlusInFlight() public view {
        assertEq(
            handler.home().lockedBalance(address(handler.token())),
            handler.bridged().totalSupply() + handler.pendingToRemote() + handler.pendingToHome(),
            "locked != supply + in flight"
        );
    }

    /// @notice (a'') The home gateway's `lockedBalance` is backed one to one by tokens it holds.
    function invariant_lockedBalanceHeldByGateway() public view {
        assertEq(
            handler.token().balanceOf(address(handler.home())),
            handler.home().lockedBalance(address(handler.token())),
            "held != locked"
        );
    }

    /// @notice (b) No message executes twice: every `MessageExecuted` id is seen at most once per
    ///         gateway, across fast delivery, queued execution and replay attempts, and a vetoed
    ///         message never executes afterwards.
    function invariant_noMessageExecutesTwice() public view {
        assertEq(handler.doubleExecutions(), 0, "a message executed twice");
        assertEq(handler.vetoedExecutions(), 0, "a vetoed message executed");
    }

    /// @notice (c) Nothing executes while paused: no call made while a gateway was paused emitted
    ///         `MessageExecuted` there, and no send went through a paused gateway.
    function invariant_nothingExecutesWhilePaused() public view {
        assertEq(handler.executedWhilePaused(), 0, "executed while paused");
        assertEq(handler.sentWhilePaused(), 0, "sent while paused");
    }

    /// @notice (d) Only attested messages move locked funds. The home gateway's token balance
    ///         only ever falls by exactly the amounts of genuine, guardian-attested messages
    ///         executed in that call: pausing, vetoing, governance changes, forged or unattested
    ///         deliveries never lower it, and no forged message ever executes.
    function invariant_onlyAttestedMessagesMoveLockedFunds() public view {
        assertEq(handler.unexplainedOutflows(), 0, "home balance fell without an attested execution");
        assertEq(handler.forgedExecutions(), 0, "a forged message executed");
    }

    /// @notice (e) A vetoed forgery never blocks the genuine message: a sent message that was
    ///         never delivered is never refused as "already processed", even when a forgery that
    ///         took its nonce was queued and vetoed first.
    function invariant_genuineMessageNeverBlockedByVetoedForgery() public view {
        assertEq(handler.blockedGenuine(), 0, "genuine message blocked");
    }

    /// @notice (g) Escape and delivery never both pay out the same message, whatever the order
    ///         and timing of deliveries, executions, vetoes, cancellations and refunds: a
    ///         delivered (not vetoed) message is never cancelled, a refunded message never
    ///         executes, and no message is refunded twice or without having been sent.
    function invariant_escapeAndDeliveryNeverBothPay() public view {
        assertEq(handler.cancelledAfterDelivery(), 0, "a delivered message was cancelled");
        assertEq(handler.doublePayouts(), 0, "a message was both executed and refunded");
        assertEq(handler.badRefunds(), 0, "refunded twice or never sent");
    }

    /// @notice (h) Fees never touch locked balances, and native value is fully booked: each
    ///         gateway's native balance is exactly its accrued fees plus the drop-offs it holds
    ///         for queued messages plus those credited to recipients that refused them. (Token
    ///         balances are checked by (a'') and by `unexplainedOutflows`, which also covers every
    ///         `claimFees`.)
    function invariant_nativeValueBooked() public view {
        assertEq(handler.nativeUnbooked(handler.home()), 0, "home: native balance != fees + held + credited");
        assertEq(handler.nativeUnbooked(handler.remote()), 0, "remote: native balance != fees + held + credited");
    }

    /// @notice (i) A drop-off is paid once: no message's drop-off is handed over (or credited)
    ///         twice, none is both handed over and forfeited, and every wei a relayer supplied is
    ///         accounted for.
    function invariant_dropOffPaidOnce() public view {
        assertEq(handler.doubleDropOffs(), 0, "a drop-off was paid twice");
        assertEq(handler.dropOffImbalance(), 0, "supplied != paid + credited + held + forfeited");
    }

    /// @notice (f) Sent ids are the EIP-712 hash of exactly the message the handler expects.
    function invariant_sentIdsMatchMessages() public view {
        assertEq(handler.idMismatches(), 0, "sent id mismatch");
    }
}

/// @title BridgeHandler
/// @notice Drives a two-chain bridge on one EVM for the invariant runner and keeps the ghost
///         books the invariants are checked against.
/// @dev How two chains fit on one EVM. `block.chainid` is global, and a gateway both stamps it
///      into what it sends (`sourceChainId`) and requires it on what it receives
///      (`destChainId == block.chainid`, plus the EIP-712 domain of every attestation). So the
///      handler deploys two gateways, `home` (chain HOME_CHAIN, where `token` lives and is
///      locked) and `remote` (chain REMOTE_CHAIN, where `bridged` is minted), and switches
///      `vm.chainId` to the acting gateway's chain before every call to it, and before computing
///      the digest guardians sign for it. Each gateway therefore only ever runs under its own
///      chain id, exactly as on two real chains; the only shared things are the token
///      contracts' addresses, which is harmless: `remote` never touches `token` (its inbound
///      registration maps the identity `token` to `bridged`) and `home` never touches `bridged`.
///      Guardians are honest: they attest exactly the messages a gateway emitted, except in
///      `forgeAndVeto`, which models a bad attestation that the monitor vetoes at once.
contract BridgeHandler is Guardians {
    uint64 public constant HOME_CHAIN = 900;
    uint64 public constant REMOTE_CHAIN = 901;
    uint96 public constant FAST_LIMIT = 100e18;
    uint32 public constant LARGE_DELAY = 1 hours;
    uint8 internal constant THRESHOLD = 2;

    IBridgeGateway public immutable home;
    IBridgeGateway public immutable remote;
    TestToken public immutable token;
    BridgedToken public immutable bridged;
    address public immutable governor;
    address public immutable pauser;
    address public immutable vetoer;

    uint256[] internal guardianKeys;
    address[] internal guardianSet;
    address[] internal actors;

    /// @dev A message a gateway really sent, with what became of it at its destination.
    struct Sent {
        bool toRemote;
        MessageHeader header;
        Transfer transfer;
        bool delivered;
        bool executed;
        bool vetoed;
        bool cancelled;
        bool refunded;
    }

    Sent[] internal sent;
    mapping(bytes32 id => uint256 indexPlusOne) internal sentIndex;
    /// @dev Ids that were queued at a gateway (genuine or forged), for execute and veto.
    bytes32[] internal queuedIds;
    mapping(bytes32 id => IBridgeGateway) internal queuedAt;
    mapping(bytes32 id => bool) internal forged;

    // ------------------------------------------------------------------------------------------
    // Ghost books: what the invariants read
    // ------------------------------------------------------------------------------------------

    /// @notice Sent home -> remote and not executed on remote (queued, vetoed or undelivered).
    uint256 public pendingToRemote;
    /// @notice Burned on remote for home and not executed on home.
    uint256 public pendingToHome;
    /// @notice `MessageExecuted` count per (gateway, id).
    mapping(address gateway => mapping(bytes32 id => uint256)) public executions;
    uint256 public doubleExecutions;
    uint256 public vetoedExecutions;
    uint256 public forgedExecutions;
    uint256 public executedWhilePaused;
    uint256 public sentWhilePaused;
    /// @notice Calls after which home's token balance fell by other than the executed attested amounts.
    uint256 public unexplainedOutflows;
    /// @notice Genuine, never-delivered messages refused as "already processed".
    uint256 public blockedGenuine;
    /// @notice Sent message ids that differ from the handler's own reconstruction.
    uint256 public idMismatches;
    /// @notice Escape hatch: genuine delivered (not vetoed) messages that were cancelled anyway.
    uint256 public cancelledAfterDelivery;
    /// @notice Escape hatch: messages both executed at their destination and refunded at their source.
    uint256 public doublePayouts;
    /// @notice Escape hatch: refunds of an unknown message, or a second refund of one.
    uint256 public badRefunds;

    /// @dev Each gateway's canonical messenger, looped back through this handler, which plays
    ///      the L1 escape hatch (it forwards exactly what `EscapeHatch` would, minus the proofs).
    LoopbackMessenger public immutable homeMessenger;
    LoopbackMessenger public immutable remoteMessenger;

    /// @notice Drop-off events (paid, credited or forfeited) per (gateway, id).
    mapping(address gateway => mapping(bytes32 id => uint256)) public dropOffEvents;
    uint256 public doubleDropOffs;
    /// @notice Native value relayers supplied with successful deliveries, and where it went.
    uint256 public dropOffSupplied;
    uint256 public dropOffPaidOrCredited;
    uint256 public dropOffForfeited;
    address public immutable beneficiary;

    /// @notice How often each action got through (to see the campaign is not all reverts).
    mapping(bytes32 action => uint256) public successes;

    constructor() {
        governor = makeAddr("governor");
        beneficiary = makeAddr("beneficiary");
        pauser = makeAddr("pauser");
        vetoer = makeAddr("vetoer");
        for (uint256 i = 0; i < 4; ++i) actors.push(makeAddr(string.concat("actor", vm.toString(i))));
        (guardianKeys, guardianSet) = _makeGuardians("guardian", 3);

        token = _deployTestToken("Home", "HOME", 18);
        vm.chainId(HOME_CHAIN);
        home = _deployGateway(address(this), guardianSet, THRESHOLD, LARGE_DELAY);
        vm.chainId(REMOTE_CHAIN);
        remote = _deployGateway(address(this), guardianSet, THRESHOLD, LARGE_DELAY);
        bridged = _deployBridgedToken("Bridged Home", "bHOME", 18, address(remote), address(token), HOME_CHAIN);

        vm.chainId(HOME_CHAIN);
        _configure(home, REMOTE_CHAIN, address(remote), address(token));
        vm.chainId(REMOTE_CHAIN);
        _configure(remote, HOME_CHAIN, address(home), address(bridged));
        // Outbound limit on home only, so sends are sometimes refused.
        vm.chainId(HOME_CHAIN);
        home.setRateLimit(HOME_CHAIN, address(token), IBridgeGatewayTypes.Direction.Outbound, 1_000e18, 1e18);

        homeMessenger = new LoopbackMessenger();
        remoteMessenger = new LoopbackMessenger();
        home.initializeEscape(address(homeMessenger), address(this), address(0));
        home.setFeeConfig(REMOTE_CHAIN, _feeConfig());
        home.setFeeBeneficiary(beneficiary);
        vm.chainId(REMOTE_CHAIN);
        remote.initializeEscape(address(remoteMessenger), address(this), address(0));
        remote.setFeeConfig(HOME_CHAIN, _feeConfig());
        remote.setFeeBeneficiary(beneficiary);
    }

    function _feeConfig() internal pure returns (IBridgeGatewayTypes.FeeConfig memory c) {
        c.gasPrice = 1 gwei;
        c.exchangeRate = 1e18;
        c.gasPerMessage = 150_000;
        c.flatFee = 1e12;
        c.minGasPrice = 0.1 gwei;
        c.maxGasPrice = 100 gwei;
        c.minExchangeRate = 1e16;
        c.maxExchangeRate = 1e20;
        c.maxChangePerUpdateBps = 1_000;
        c.maxChangePerHourBps = 2_000;
        c.dropOffCap = 0.01 ether;
    }

    function _configure(IBridgeGateway gw, uint64 peerChain, address peer, address local) internal {
        gw.grantRole(gw.PAUSER_ROLE(), pauser);
        gw.grantRole(gw.VETO_ROLE(), vetoer);
        gw.grantRole(gw.GOVERNOR_ROLE(), governor);
        gw.setRoute(peerChain, peer, true);
        gw.registerToken(HOME_CHAIN, address(token), local);
        gw.setFastLimit(HOME_CHAIN, address(token), FAST_LIMIT);
        gw.setRateLimit(HOME_CHAIN, address(token), IBridgeGatewayTypes.Direction.Inbound, 3 * FAST_LIMIT, 0.05e18);
        gw.setRateLimit(HOME_CHAIN, address(token), IBridgeGatewayTypes.Direction.Outbound, type(uint96).max, 0);
    }

    // ------------------------------------------------------------------------------------------
    // Actions
    // ------------------------------------------------------------------------------------------

    /// @notice A user locks home tokens for the remote chain.
    function sendHome(uint256 actorSeed, uint256 recipientSeed, uint256 amount) external {
        address actor = actors[actorSeed % actors.length];
        // Half the sends are large (queued on arrival whatever the current fast limit is).
        amount =
            (actorSeed >> 8) & 1 == 1 ? _aboveFastLimit(remote, amount, FAST_LIMIT / 2) : bound(amount, 1, FAST_LIMIT);
        token.mint(actor, amount);
        vm.prank(actor);
        token.approve(address(home), amount);
        _send(home, address(token), actor, actors[recipientSeed % actors.length], amount);
    }

    /// @notice A user burns bridged tokens to get home tokens back.
    function sendRemote(uint256 actorSeed, uint256 recipientSeed, uint256 amount) external {
        address actor = actors[actorSeed % actors.length];
        uint256 balance = bridged.balanceOf(actor);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        _send(remote, address(bridged), actor, actors[recipientSeed % actors.length], amount);
    }

    function _send(IBridgeGateway gw, address local, address actor, address recipient, uint256 amount) internal {
        bool toRemote = gw == home;
        uint64 source = toRemote ? HOME_CHAIN : REMOTE_CHAIN;
        vm.chainId(source);
        bool paused = gw.paused();
        uint64 nonce = gw.nextNonce();
        uint256 homeBefore = token.balanceOf(address(home));
        // One send in three asks for a drop-off; every one pays the quote (a few pay nothing:
        // those the sender would relay itself).
        uint128 dropOff = amount % 3 == 0 ? uint128(amount % 0.01 ether) : 0;
        uint64 dest = toRemote ? REMOTE_CHAIN : HOME_CHAIN;
        uint256 fee = amount % 7 == 0 && dropOff == 0 ? 0 : gw.quoteFee(dest, dropOff);
        vm.deal(actor, actor.balance + fee);
        vm.prank(actor);
        try gw.send{value: fee}(local, dest, recipient, amount, 0, dropOff) returns (bytes32 id) {
            if (paused) ++sentWhilePaused;
            MessageHeader memory h = MessageHeader(
                2,
                source,
                toRemote ? REMOTE_CHAIN : HOME_CHAIN,
                address(gw),
                address(toRemote ? remote : home)
            );
            Transfer memory t = Transfer(
                nonce,
                actor,
                recipient,
                HOME_CHAIN,
                address(token),
                amount,
                uint64(_now() + 1 days),
                dropOff
            );
            if (id != gw.messageId(_message(h, t)) || id != gw.sentMessageId(nonce)) ++idMismatches;
            _record(id, toRemote, h, t);
            if (toRemote) pendingToRemote += amount;
            else pendingToHome += amount;
            ++successes["send"];
        } catch {}
        // Sending can only add to home's balance.
        if (token.balanceOf(address(home)) < homeBefore) ++unexplainedOutflows;
    }

    function _record(bytes32 id, bool toRemote, MessageHeader memory h, Transfer memory t) internal {
        Sent storage s = sent.push();
        s.toRemote = toRemote;
        s.header = h;
        s.transfer = t;
        sentIndex[id] = sent.length;
    }

    /// @notice A relayer delivers up to three sent messages of one direction as one attested
    ///         batch (full-batch or Merkle-proof mode); sometimes it replays a delivered one.
    function deliver(uint256 seed, uint256 count) external {
        bool toRemote = seed & 1 == 1;
        uint256[] memory picked = _pick(toRemote, bound(count, 1, 3), seed);
        if (picked.length == 0) return;
        IBridgeGateway gw = toRemote ? remote : home;
        MessageHeader memory h = sent[picked[0]].header;
        Transfer[] memory ts = new Transfer[](picked.length);
        bytes32[] memory ids = new bytes32[](picked.length);
        for (uint256 i = 0; i < picked.length; ++i) {
            ts[i] = sent[picked[i]].transfer;
            ids[i] = gw.messageId(_message(h, ts[i]));
        }
        bool withProofs = (seed >> 1) & 1 == 1 && picked.length > 1;
        bytes32[][] memory proofs = withProofs ? MerkleTree.proofs(ids) : new bytes32[][](0);
        vm.chainId(h.destChainId);
        Attestation memory att = _attest(gw, MerkleTree.root(ids), 0, guardianSet, _prefix(guardianKeys, THRESHOLD));
        // The relayer supplies the drop-offs; one delivery in eight supplies one wei too few.
        uint256 value = _dropOffs(ts);
        if (value != 0 && (seed >> 5) % 8 == 7) --value;
        vm.deal(address(this), address(this).balance + value);
        _observeValue(
            gw,
            abi.encodeCall(gw.deliver, (_pack(h, ts), proofs, att.guardianSetIndex, att.signatures)),
            value
        );
    }

    /// @dev Up to `count` sent messages of one direction, starting at a random one. Mostly
    ///      undelivered ones; with probability 1/8 also a delivered one (a replay attempt).
    function _pick(bool toRemote, uint256 count, uint256 seed) internal view returns (uint256[] memory picked) {
        uint256 n = sent.length;
        uint256[] memory buf = new uint256[](count);
        uint256 found = 0;
        bool replay = (seed >> 2) % 8 == 0;
        for (uint256 k = 0; k < n && found < count; ++k) {
            uint256 i = (uint256(keccak256(abi.encode(seed))) + k) % n;
            Sent storage s = sent[i];
            if (s.toRemote != toRemote) continue;
            if (!s.delivered || replay) buf[found++] = i;
        }
        picked = new uint256[](found);
        for (uint256 i = 0; i < found; ++i) picked[i] = buf[i];
    }

    /// @notice Anyone executes a queued message, optionally after waiting for its delay.
    function execute(uint256 seed, bool wait) external {
        if (queuedIds.length == 0) return;
        bytes32 id = _pickQueued(seed);
        IBridgeGateway gw = queuedAt[id];
        vm.chainId(gw == home ? HOME_CHAIN : REMOTE_CHAIN);
        uint64 executableAt = gw.queuedMessage(id).executableAt;
        if (wait && executableAt > _now()) vm.warp(executableAt);
        _observe(gw, abi.encodeCall(gw.execute, (id)), address(0));
    }

    /// @dev A queued id: three times in four one still waiting (if any), otherwise any id ever
    ///      queued, to also retry executed and vetoed messages.
    function _pickQueued(uint256 seed) internal view returns (bytes32 id) {
        uint256 n = queuedIds.length;
        id = queuedIds[seed % n];
        if (seed % 4 == 0) return id;
        for (uint256 k = 0; k < n; ++k) {
            bytes32 candidate = queuedIds[(seed + k) % n];
            if (queuedAt[candidate].queuedMessage(candidate).status == IBridgeGatewayTypes.MessageStatus.Queued) {
                return candidate;
            }
        }
    }

    /// @notice The monitor vetoes a queued message (a false positive, for genuine ones).
    function veto(uint256 seed) external {
        if (queuedIds.length == 0) return;
        bytes32 id = _pickQueued(seed);
        IBridgeGateway gw = queuedAt[id];
        vm.chainId(gw == home ? HOME_CHAIN : REMOTE_CHAIN);
        _observe(gw, abi.encodeCall(gw.veto, (id)), vetoer);
    }

    /// @notice A bad attestation slips through: the guardians sign a forged large message that
    ///         takes the nonce of a pending genuine message (or the next one). It is queued
    ///         (above the fast limit) and the monitor vetoes it at once, which must free the
    ///         nonce for the genuine message.
    function forgeAndVeto(uint256 seed, uint256 amount) external {
        bool toRemote = seed & 1 == 1;
        IBridgeGateway gw = toRemote ? remote : home;
        IBridgeGateway source = toRemote ? home : remote;
        uint64 nonce = source.nextNonce();
        uint256[] memory pending = _pick(toRemote, 1, seed >> 3);
        if (pending.length != 0 && !sent[pending[0]].delivered) nonce = sent[pending[0]].transfer.nonce;

        MessageHeader memory h = MessageHeader(
            2,
            toRemote ? HOME_CHAIN : REMOTE_CHAIN,
            toRemote ? REMOTE_CHAIN : HOME_CHAIN,
            address(source),
            address(gw)
        );
        Transfer memory t = Transfer(
            nonce,
            makeAddr("forger"),
            makeAddr("forger"),
            HOME_CHAIN,
            address(token),
            _aboveFastLimit(gw, amount, 10 * uint256(FAST_LIMIT)),
            uint64(_now() + 1 days),
            0
        );
        bytes32 id = gw.messageId(_message(h, t));
        forged[id] = true;
        vm.chainId(h.destChainId);
        Attestation memory att = _attest(gw, id, 0, guardianSet, _prefix(guardianKeys, THRESHOLD));
        _observe(
            gw,
            abi.encodeCall(gw.deliver, (_pack(h, _one(t)), new bytes32[][](0), att.guardianSetIndex, att.signatures)),
            address(0)
        );
        if (queuedAt[id] == gw) _observe(gw, abi.encodeCall(gw.veto, (id)), vetoer);
    }

    /// @dev An amount the gateway will queue whatever governance set its fast limit to.
    function _aboveFastLimit(IBridgeGateway gw, uint256 amount, uint256 span) internal view returns (uint256) {
        uint256 limit = gw.inboundToken(HOME_CHAIN, address(token)).fastLimit;
        return bound(amount, limit + 1, limit + span);
    }

    /// @notice A stranger tries to deliver a message signed by keys that are not guardians.
    function forgeUnattested(uint256 seed, uint256 amount) external {
        bool toRemote = seed & 1 == 1;
        IBridgeGateway gw = toRemote ? remote : home;
        MessageHeader memory h = MessageHeader(
            2,
            toRemote ? HOME_CHAIN : REMOTE_CHAIN,
            toRemote ? REMOTE_CHAIN : HOME_CHAIN,
            address(toRemote ? home : remote),
            address(gw)
        );
        Transfer memory t = Transfer(
            uint64(seed >> 8) % 64,
            makeAddr("forger"),
            makeAddr("forger"),
            HOME_CHAIN,
            address(token),
            bound(amount, 1, uint256(FAST_LIMIT)),
            uint64(_now() + 1 days),
            0
        );
        bytes32 id = gw.messageId(_message(h, t));
        forged[id] = true;
        (uint256[] memory keys, address[] memory fakeSet) = _makeGuardians("fake", 3);
        vm.chainId(h.destChainId);
        // Real set list with fake signatures, and the fake set itself: both must fail.
        Attestation memory att = _attest(gw, id, 0, guardianSet, _prefix(keys, THRESHOLD));
        _observe(
            gw,
            abi.encodeCall(gw.deliver, (_pack(h, _one(t)), new bytes32[][](0), att.guardianSetIndex, att.signatures)),
            address(0)
        );
        att = _attest(gw, id, 0, fakeSet, _prefix(keys, THRESHOLD));
        _observe(
            gw,
            abi.encodeCall(gw.deliver, (_pack(h, _one(t)), new bytes32[][](0), att.guardianSetIndex, att.signatures)),
            address(0)
        );
    }

    /// @notice The security council or monitor pauses one gateway.
    function pause(bool atHome) external {
        IBridgeGateway gw = atHome ? home : remote;
        vm.chainId(atHome ? HOME_CHAIN : REMOTE_CHAIN);
        _observe(gw, abi.encodeCall(gw.pause, ()), pauser);
    }

    /// @notice Governance unpauses one gateway.
    function unpause(bool atHome) external {
        IBridgeGateway gw = atHome ? home : remote;
        vm.chainId(atHome ? HOME_CHAIN : REMOTE_CHAIN);
        _observe(gw, abi.encodeCall(gw.unpause, ()), governor);
    }

    /// @notice Governance retunes limits and delays: it must never move locked funds.
    function govern(uint256 seed, uint96 value) external {
        bool atHome = seed & 1 == 1;
        IBridgeGateway gw = atHome ? home : remote;
        vm.chainId(atHome ? HOME_CHAIN : REMOTE_CHAIN);
        uint256 action = (seed >> 1) % 3;
        bytes memory call;
        if (action == 0) {
            call = abi.encodeCall(gw.setFastLimit, (HOME_CHAIN, address(token), bound(value, 0, 2 * FAST_LIMIT)));
        } else if (action == 1) {
            uint256 capacity = bound(value, FAST_LIMIT, 5 * FAST_LIMIT);
            call = abi.encodeCall(
                gw.setRateLimit,
                (HOME_CHAIN, address(token), IBridgeGatewayTypes.Direction.Inbound, capacity, 0.05e18)
            );
        } else {
            call = abi.encodeCall(gw.setLargeDelay, (uint32(bound(value, 0, 2 * LARGE_DELAY))));
        }
        _observe(gw, call, governor);
    }

    /// @notice A user escapes a sent message through L1: optionally waits for its deadline, asks
    ///         its destination to cancel it, and (if that worked) the L1 escape hatch relays the
    ///         refund to its source. Picks undelivered messages mostly, any sent one (delivered,
    ///         queued, executed, vetoed, already escaped) one time in four.
    function escape(uint256 seed, bool wait) external {
        uint256 n = sent.length;
        if (n == 0) return;
        uint256 index = seed % n;
        if (seed % 4 != 0) {
            for (uint256 k = 0; k < n; ++k) {
                uint256 i = (seed + k) % n;
                if (!sent[i].delivered && !sent[i].cancelled) {
                    index = i;
                    break;
                }
            }
        }
        Sent storage s = sent[index];
        Message memory m = _message(s.header, s.transfer);
        if (wait && _now() <= m.deadline) vm.warp(uint256(m.deadline) + 1);
        IBridgeGateway dest = s.toRemote ? remote : home;
        LoopbackMessenger destMessenger = s.toRemote ? remoteMessenger : homeMessenger;
        vm.chainId(m.destChainId);
        uint256 sentBefore = destMessenger.sent();
        _observe(dest, abi.encodeCall(dest.cancelExpired, (m, false)), address(0));
        if (destMessenger.sent() == sentBefore) return;

        // What L1 receives, forwarded as the escape hatch does, to the source's messenger.
        bytes memory toL1 = destMessenger.lastData();
        (Message memory cancelledMessage, bool refundOnL1) = abi.decode(_args(toL1), (Message, bool));
        IBridgeGateway source = s.toRemote ? home : remote;
        vm.chainId(m.sourceChainId);
        bytes memory refundCall = abi.encodeCall(IBridgeGateway.refund, (cancelledMessage, refundOnL1));
        _observeRelay(source, s.toRemote ? homeMessenger : remoteMessenger, refundCall);
    }

    /// @dev `data` without its 4-byte selector.
    function _args(bytes memory data) internal pure returns (bytes memory out) {
        out = new bytes(data.length - 4);
        for (uint256 i = 0; i < out.length; ++i) out[i] = data[i + 4];
    }

    /// @dev A refund relayed by `messenger` from the escape hatch (this handler), observed like
    ///      any other gateway call.
    function _observeRelay(IBridgeGateway gw, LoopbackMessenger messenger, bytes memory refundCall) internal {
        _observe(
            gw,
            abi.encodeCall(LoopbackMessenger.relay, (address(this), address(gw), refundCall)),
            address(0),
            address(messenger)
        );
    }

    /// @notice The beneficiary claims the fees of one gateway (its tokens must not move).
    function claimFees(bool atHome) external {
        IBridgeGateway gw = atHome ? home : remote;
        vm.chainId(atHome ? HOME_CHAIN : REMOTE_CHAIN);
        _observe(gw, abi.encodeCall(gw.claimFees, ()), beneficiary);
    }

    /// @notice Time passes.
    function warp(uint256 seconds_) external {
        vm.warp(_now() + bound(seconds_, 1, 2 * LARGE_DELAY));
    }

    // ------------------------------------------------------------------------------------------
    // Observation: every call to a gateway goes through here
    // ------------------------------------------------------------------------------------------

    /// @dev Calls `gw` with `data` (as `caller`, or the handler), then books every
    ///      `MessageExecuted` / `MessageQueued` / `MessageVetoed` it emitted and checks that
    ///      home's token balance fell by exactly the executed attested unlocks.
    function _observe(IBridgeGateway gw, bytes memory data, address caller) internal {
        _observe(gw, data, caller, address(gw));
    }

    /// @dev `_observe` of a delivery by the handler carrying `value` (its drop-offs).
    function _observeValue(IBridgeGateway gw, bytes memory data, uint256 value) internal {
        _call(gw, data, address(0), address(gw), value);
    }

    /// @dev `_observe` of a call made to `target` (the gateway, or a messenger relaying to it).
    function _observe(IBridgeGateway gw, bytes memory data, address caller, address target) internal {
        _call(gw, data, caller, target, 0);
    }

    function _call(IBridgeGateway gw, bytes memory data, address caller, address target, uint256 value) internal {
        bool paused = gw.paused();
        uint256 homeBefore = token.balanceOf(address(home));
        vm.recordLogs();
        if (caller != address(0)) vm.prank(caller);
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        if (!ok) {
            _checkRefusal(ret);
            return;
        }
        ++successes[bytes32(bytes4(data))];
        dropOffSupplied += value;
        uint256 unlocked = 0;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(gw)) continue;
            bytes32 topic = logs[i].topics[0];
            bytes32 id = logs[i].topics.length > 1 ? logs[i].topics[1] : bytes32(0);
            if (topic == IBridgeGatewayTypes.MessageExecuted.selector) {
                unlocked += _bookExecution(gw, id, paused);
            } else if (topic == IBridgeGatewayTypes.MessageQueued.selector) {
                _markDelivered(id);
                queuedIds.push(id);
                queuedAt[id] = gw;
            } else if (topic == IBridgeGatewayTypes.MessageVetoed.selector) {
                uint256 k = sentIndex[id];
                if (k != 0) sent[k - 1].vetoed = true;
            } else if (topic == IBridgeGatewayTypes.MessageCancelled.selector) {
                uint256 k = sentIndex[id];
                if (k != 0) {
                    Sent storage c = sent[k - 1];
                    if (c.delivered && !c.vetoed) ++cancelledAfterDelivery;
                    c.cancelled = true;
                }
            } else if (topic == IBridgeGatewayTypes.MessageRefunded.selector) {
                unlocked += _bookRefund(gw, id);
            } else if (topic == IBridgeGatewayTypes.DropOffDelivered.selector) {
                if (++dropOffEvents[address(gw)][id] > 1) ++doubleDropOffs;
                (uint256 amount, ) = abi.decode(logs[i].data, (uint256, bool));
                dropOffPaidOrCredited += amount;
            } else if (topic == IBridgeGatewayTypes.DropOffForfeited.selector) {
                if (++dropOffEvents[address(gw)][id] > 1) ++doubleDropOffs;
                dropOffForfeited += abi.decode(logs[i].data, (uint256));
            }
        }
        // Only executed, attested unlocks may lower home's balance, by exactly their amounts.
        uint256 homeAfter = token.balanceOf(address(home));
        if (homeAfter + unlocked != homeBefore && !(unlocked == 0 && homeAfter >= homeBefore)) {
            ++unexplainedOutflows;
        }
    }

    /// @dev Books one execution; returns the home tokens it unlocked.
    function _bookExecution(IBridgeGateway gw, bytes32 id, bool paused) internal returns (uint256 unlocked) {
        if (++executions[address(gw)][id] > 1) ++doubleExecutions;
        if (paused) ++executedWhilePaused;
        uint256 k = sentIndex[id];
        if (k == 0) {
            // Forged (or otherwise never sent): it must never execute.
            ++forgedExecutions;
            return 0;
        }
        Sent storage s = sent[k - 1];
        if (s.vetoed) ++vetoedExecutions;
        if (s.refunded) ++doublePayouts;
        s.delivered = true;
        if (s.executed) return 0; // already counted as a double execution
        s.executed = true;
        uint256 amount = s.transfer.amount;
        if (s.toRemote) {
            pendingToRemote -= amount;
        } else {
            pendingToHome -= amount;
            unlocked = amount;
        }
    }

    /// @dev Books one refund at a source gateway; returns the home tokens it unlocked.
    function _bookRefund(IBridgeGateway gw, bytes32 id) internal returns (uint256 unlocked) {
        uint256 k = sentIndex[id];
        if (k == 0) {
            ++badRefunds;
            return 0;
        }
        Sent storage s = sent[k - 1];
        if (s.refunded) {
            ++badRefunds;
            return 0;
        }
        s.refunded = true;
        if (s.executed) ++doublePayouts;
        uint256 amount = s.transfer.amount;
        if (s.toRemote) {
            pendingToRemote -= amount;
            if (gw == home) unlocked = amount; // unlocked back to the sender at home
        } else {
            pendingToHome -= amount; // re-minted to the sender on remote
        }
    }

    function _markDelivered(bytes32 id) internal {
        uint256 k = sentIndex[id];
        if (k != 0) sent[k - 1].delivered = true;
    }

    /// @dev A genuine message that was never delivered must never be refused as already
    ///      processed: a vetoed forgery on its nonce must not block it.
    function _checkRefusal(bytes memory ret) internal {
        if (ret.length != 36 || bytes4(ret) != IBridgeGatewayTypes.BridgeMessageAlreadyProcessed.selector) return;
        bytes32 id;
        assembly {
            id := mload(add(ret, 36))
        }
        uint256 k = sentIndex[id];
        // A cancelled message is refused for good, by design: that is not a blocked one.
        if (k != 0 && !sent[k - 1].delivered && !sent[k - 1].cancelled) ++blockedGenuine;
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @notice Native value at `gw` not explained by its books (0 when they balance).
    function nativeUnbooked(IBridgeGateway gw) external view returns (uint256) {
        uint256 booked = gw.accruedFees() + _held(gw);
        for (uint256 i = 0; i < actors.length; ++i) booked += gw.dropOffCredit(actors[i]);
        uint256 balance = address(gw).balance;
        return balance > booked ? balance - booked : booked - balance;
    }

    function _held(IBridgeGateway gw) internal view returns (uint256 total) {
        for (uint256 i = 0; i < queuedIds.length; ++i) {
            if (queuedAt[queuedIds[i]] == gw) total += gw.heldDropOff(queuedIds[i]);
        }
    }

    /// @notice Drop-off value supplied minus what was paid, credited, forfeited or is still held.
    function dropOffImbalance() external view returns (uint256) {
        uint256 out = dropOffPaidOrCredited + dropOffForfeited + _held(home) + _held(remote);
        return dropOffSupplied > out ? dropOffSupplied - out : out - dropOffSupplied;
    }

    /// @notice Ids ever queued (genuine and forged).
    function queuedCount() external view returns (uint256) {
        return queuedIds.length;
    }

    /// @notice Messages sent so far (both directions).
    function sentCount() external view returns (uint256) {
        return sent.length;
    }
}
