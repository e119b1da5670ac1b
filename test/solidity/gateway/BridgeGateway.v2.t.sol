// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {BridgeFixture, MessageHeader, Transfer} from "../utils/BridgeFixture.sol";
import {LoopbackMessenger} from "../utils/LoopbackMessenger.sol";
import {Vm} from "../utils/Vm.sol";
import {BridgedToken} from "../../../contracts/token/BridgedToken.sol";
import {IBridgeGateway} from "../../../contracts/interfaces/IBridgeGateway.sol";
import {IBridgeGatewayTypes} from "../../../contracts/interfaces/IBridgeGatewayTypes.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";

/// @dev A token that charges its fee to the sender on top of the amount: `transfer(to, x)` moves
///      x to `to` and burns 1% more from the sender. Passes `_lock`'s arrival check; drains the
///      gateway on every unlock unless payouts are balance-checked.
contract FeeOnTopToken is ERC20 {
    constructor() ERC20("Fee On Top", "FOT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && to != address(0)) super._update(from, address(0), value / 100);
    }
}

/// @dev A token whose owner can block addresses from receiving (USDC-style).
contract BlocklistToken is ERC20 {
    mapping(address => bool) public blocked;

    constructor() ERC20("Blocklist", "BLK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool value) external {
        blocked[account] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!blocked[to], "blocked");
        super._update(from, to, value);
    }
}

/// @dev Any number of decimals, including none or too many.
contract DecimalsToken is ERC20 {
    uint8 private immutable _decimals;

    constructor(uint8 decimals_) ERC20("Decimals", "DEC") {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @dev A contract that refuses native tokens but can claim its credited drop-offs elsewhere.
contract EthRejecter {
    function claim(IBridgeGateway gateway, address to) external {
        gateway.claimDropOff(to);
    }
}

/// @dev A beneficiary that cannot take native tokens.
contract Bottomless {
    receive() external payable {
        revert("no");
    }
}

/// @title Gateway v2: fees, drop-off, and the audit findings (issue 14)
abstract contract V2Fixture is BridgeFixture {
    address internal updater;
    address internal beneficiary;
    uint256 internal constant GAS_PRICE = 1 gwei;
    uint256 internal constant GAS_PER_MESSAGE = 150_000;
    uint256 internal constant FLAT_FEE = 1e12;
    uint256 internal constant DROP_OFF_CAP = 0.01 ether;

    function setUp() public virtual override {
        super.setUp();
        updater = makeAddr("updater");
        beneficiary = makeAddr("beneficiary");
        vm.startPrank(governor);
        gateway.grantRole(gateway.FEE_UPDATER_ROLE(), updater);
        gateway.setFeeBeneficiary(beneficiary);
        gateway.setFeeConfig(REMOTE_CHAIN, _config());
        vm.stopPrank();
    }

    function _config() internal pure returns (IBridgeGatewayTypes.FeeConfig memory c) {
        c.gasPrice = uint64(GAS_PRICE);
        c.exchangeRate = 1e18;
        c.gasPerMessage = uint32(GAS_PER_MESSAGE);
        c.flatFee = uint64(FLAT_FEE);
        c.minGasPrice = 0.1 gwei;
        c.maxGasPrice = 100 gwei;
        c.minExchangeRate = 1e16;
        c.maxExchangeRate = 1e20;
        c.maxChangePerUpdateBps = 1_000; // 10% per update
        c.maxChangePerHourBps = 2_100; // 21% per hour: two full steps
        c.dropOffCap = uint96(DROP_OFF_CAP);
    }

    function _quote(uint128 dropOff) internal view returns (uint256) {
        return gateway.quoteFee(REMOTE_CHAIN, dropOff);
    }

    /// @dev Alice sends `amount` of the home token, paying `fee`.
    function _sendHome(uint256 amount, uint128 dropOff, uint256 fee) internal returns (bytes32 id) {
        homeToken.mint(alice, amount);
        vm.deal(alice, fee);
        vm.startPrank(alice);
        homeToken.approve(address(gateway), amount);
        id = gateway.send{value: fee}(address(homeToken), REMOTE_CHAIN, bob, amount, 0, dropOff);
        vm.stopPrank();
    }

    /// @dev A transfer to `to` of the bridged token with `dropOff`.
    function _withDropOff(address to, uint256 amount, uint128 dropOff) internal returns (Transfer memory t) {
        t = _transfer(remoteHomeToken, amount);
        t.recipient = to;
        t.dropOff = dropOff;
    }

    /// @dev Delivers as a relayer that holds the drop-offs.
    function _deliverFunded(Transfer[] memory ts) internal returns (bytes32[] memory ids) {
        vm.deal(address(this), address(this).balance + _dropOffs(ts));
        ids = _deliverBatch(ts);
    }
}

contract BridgeGateway_fees_Test is V2Fixture {
    function test_quoteFee_formula_succeeds() public view {
        uint256 base = GAS_PER_MESSAGE * GAS_PRICE + FLAT_FEE;
        assertEq(_quote(0), base, "gas x price x rate + flat");
        uint256 dropOffGas = uint256(gateway.DROP_OFF_GAS_COST()) * GAS_PRICE;
        assertEq(_quote(0.005 ether), base + 0.005 ether + dropOffGas, "plus the drop-off and its gas");
    }

    function test_quoteFee_exchangeRate_roundsUp_succeeds() public {
        IBridgeGatewayTypes.FeeConfig memory c = _config();
        c.exchangeRate = 3e17 + 1; // destination native token worth 0.3 source tokens
        vm.prank(governor);
        gateway.setFeeConfig(REMOTE_CHAIN, c);
        uint256 destWei = GAS_PER_MESSAGE * GAS_PRICE;
        uint256 exact = destWei * c.exchangeRate;
        uint256 expected = exact / 1e18 + (exact % 1e18 == 0 ? 0 : 1) + FLAT_FEE;
        assertEq(_quote(0), expected, "converted, rounded up");
    }

    function test_quoteFee_dropOffAboveCap_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeDropOffTooLarge.selector, DROP_OFF_CAP + 1, DROP_OFF_CAP)
        );
        gateway.quoteFee(REMOTE_CHAIN, uint128(DROP_OFF_CAP + 1));
    }

    function test_quoteFee_unknownRoute_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownRoute.selector, 77, address(0)));
        gateway.quoteFee(77, 0);
    }

    function test_send_underpaid_reverts() public {
        uint256 quote = _quote(0);
        homeToken.mint(alice, 1e18);
        vm.deal(alice, quote);
        vm.startPrank(alice);
        homeToken.approve(address(gateway), 1e18);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeFeeTooLow.selector, quote, quote - 1));
        gateway.send{value: quote - 1}(address(homeToken), REMOTE_CHAIN, bob, 1e18, 0, 0);
        vm.stopPrank();
    }

    function test_send_unpaidDropOff_reverts() public {
        uint256 quote = _quote(0.001 ether);
        homeToken.mint(alice, 1e18);
        vm.startPrank(alice);
        homeToken.approve(address(gateway), 1e18);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeFeeTooLow.selector, quote, 0));
        gateway.send(address(homeToken), REMOTE_CHAIN, bob, 1e18, 0, 0.001 ether);
        vm.stopPrank();
    }

    function test_send_unpaidSelfRelay_succeeds() public {
        vm.recordLogs();
        _sendHome(1e18, 0, 0);
        assertEq(gateway.accruedFees(), 0, "nothing accrued");
        assertEq(gateway.lockedBalance(address(homeToken)), 1e18, "locked");
    }

    function test_send_excessKeptAsTip_succeeds() public {
        uint256 quote = _quote(0);
        bytes32 id = _sendHome(1e18, 0, quote + 123);
        assertEq(gateway.accruedFees(), quote + 123, "the whole value accrues");
        assertEq(address(gateway).balance, quote + 123, "held as native tokens");
        assertTrue(id != bytes32(0));
    }

    function test_send_emitsFeeAndQuote_succeeds() public {
        uint256 quote = _quote(0.002 ether);
        vm.recordLogs();
        _sendHome(1e18, 0.002 ether, quote + 5);
        (bytes32 id, Message memory m, uint256 fee, uint256 quoted) = _lastSent();
        assertEq(fee, quote + 5, "fee paid");
        assertEq(quoted, quote, "quote at send");
        assertEq(m.dropOff, 0.002 ether, "drop-off carried");
        assertEq(m.tokenChainId, localChain, "identity: home chain");
        assertEq(gateway.messageId(m), id, "id");
    }

    function _lastSent() internal returns (bytes32 id, Message memory m, uint256 fee, uint256 quote) {
        bytes32 topic = IBridgeGatewayTypes.MessageSent.selector;
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; --i) {
            if (logs[i - 1].topics.length > 0 && logs[i - 1].topics[0] == topic) {
                (m, fee, quote) = abi.decode(logs[i - 1].data, (Message, uint256, uint256));
                return (logs[i - 1].topics[1], m, fee, quote);
            }
        }
        revert("no MessageSent");
    }

    function test_claimFees_onlyBeneficiary_succeeds() public {
        uint256 quote = _quote(0);
        _sendHome(5e18, 0, quote);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeNotBeneficiary.selector, governor));
        vm.prank(governor);
        gateway.claimFees();

        uint256 locked = gateway.lockedBalance(address(homeToken));
        uint256 held = homeToken.balanceOf(address(gateway));
        vm.prank(beneficiary);
        gateway.claimFees();
        assertEq(beneficiary.balance, quote, "beneficiary paid");
        assertEq(gateway.accruedFees(), 0, "pot empty");
        assertEq(gateway.lockedBalance(address(homeToken)), locked, "fees never touch what is locked");
        assertEq(homeToken.balanceOf(address(gateway)), held, "nor the tokens held");

        vm.expectRevert(IBridgeGatewayTypes.BridgeNothingToClaim.selector);
        vm.prank(beneficiary);
        gateway.claimFees();
    }

    function test_claimFees_beneficiaryRefusing_reverts() public {
        Bottomless sink = new Bottomless();
        vm.prank(governor);
        gateway.setFeeBeneficiary(address(sink));
        _sendHome(1e18, 0, _quote(0));
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeNativeTransferFailed.selector, address(sink), _quote(0))
        );
        vm.prank(address(sink));
        gateway.claimFees();
        assertEq(gateway.accruedFees(), _quote(0), "kept for a later claim");
    }

    function test_setFeeBeneficiary_nonGovernor_reverts() public {
        vm.expectRevert();
        vm.prank(updater);
        gateway.setFeeBeneficiary(updater);
    }

    // ------------------------------------------------------------------------------------------
    // The fee updater's bounds
    // ------------------------------------------------------------------------------------------

    function _update(uint256 gasPrice, uint256 rate) internal {
        vm.prank(updater);
        gateway.updateFeeInputs(REMOTE_CHAIN, uint64(gasPrice), uint96(rate));
    }

    function _expectOutOfBounds() internal {
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeFeeOutOfBounds.selector, REMOTE_CHAIN));
    }

    function test_updateFeeInputs_withinStep_succeeds() public {
        _update(1.1 gwei, 1.1e18);
        (IBridgeGatewayTypes.FeeConfig memory c, , , ) = gateway.feeConfig(REMOTE_CHAIN);
        assertEq(c.gasPrice, 1.1 gwei, "gas price moved");
        assertEq(c.exchangeRate, 1.1e18, "rate moved");
        assertEq(_quote(0), (GAS_PER_MESSAGE * 1.1 gwei * 11) / 10 + FLAT_FEE, "quote repriced");
    }

    function test_updateFeeInputs_stepTooLarge_reverts() public {
        _expectOutOfBounds();
        _update(1.11 gwei, 1e18);
        _expectOutOfBounds();
        _update(0.9 gwei, 1e18); // more than ÷1.1
    }

    function test_updateFeeInputs_hourlyBound_reverts() public {
        _update(1.1 gwei, 1e18);
        _update(1.21 gwei, 1e18); // 21% within the hour
        _expectOutOfBounds();
        _update(1.3 gwei, 1e18); // a third step in the same hour
        vm.warp(_now() + 1 hours);
        _update(1.3 gwei, 1e18); // a new hour starts from 1.21
        assertEq(_quote(0), GAS_PER_MESSAGE * 1.3 gwei + FLAT_FEE, "moved in the next hour");
    }

    function test_updateFeeInputs_outsideGovernanceRange_reverts() public {
        IBridgeGatewayTypes.FeeConfig memory c = _config();
        c.gasPrice = uint64(c.maxGasPrice);
        vm.prank(governor);
        gateway.setFeeConfig(REMOTE_CHAIN, c);
        _expectOutOfBounds();
        _update(c.maxGasPrice + 1, 1e18);
    }

    function test_updateFeeInputs_notUpdater_reverts() public {
        vm.expectRevert();
        vm.prank(governor);
        gateway.updateFeeInputs(REMOTE_CHAIN, 1 gwei, 1e18);
    }

    /// @notice However the updater moves, the quote stays within governance's range.
    function testFuzz_updateFeeInputs_staysWithinRange(uint64[6] memory prices, uint32[6] memory gaps) public {
        IBridgeGatewayTypes.FeeConfig memory c = _config();
        for (uint256 i = 0; i < prices.length; ++i) {
            vm.warp(_now() + bound(gaps[i], 0, 2 hours));
            vm.prank(updater);
            try gateway.updateFeeInputs(REMOTE_CHAIN, prices[i], 1e18) {} catch {}
            (IBridgeGatewayTypes.FeeConfig memory now_, , , ) = gateway.feeConfig(REMOTE_CHAIN);
            assertGe(now_.gasPrice, c.minGasPrice, "above the floor");
            assertLe(now_.gasPrice, c.maxGasPrice, "below the ceiling");
        }
    }
}

contract BridgeGateway_dropOff_Test is V2Fixture {
    receive() external payable {}

    function test_deliver_forwardsDropOff_succeeds() public {
        address carol = makeAddr("carol");
        Transfer[] memory ts = _one(_withDropOff(carol, 1e18, 0.003 ether));
        _deliverFunded(ts);
        assertEq(carol.balance, 0.003 ether, "native gas arrived");
        assertEq(bridgedToken.balanceOf(carol), 1e18, "with the tokens");
        assertEq(address(gateway).balance, 0, "nothing kept");
    }

    function test_deliver_dropOffNotSupplied_reverts() public {
        Transfer memory t = _withDropOff(bob, 1e18, 0.003 ether);
        MessageHeader memory h = _header();
        bytes memory sigs = _attestation(_id(h, t)).signatures;
        vm.deal(address(this), 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeDropOffNotSupplied.selector, 0.003 ether, 0.002 ether)
        );
        gateway.deliver{value: 0.002 ether}(_pack(h, _one(t)), _noProofs(), 0, sigs);
    }

    function test_deliver_recipientRejectsEth_creditedAndBatchGoesOn_succeeds() public {
        EthRejecter rejecter = new EthRejecter();
        address carol = makeAddr("carol");
        Transfer[] memory ts = new Transfer[](2);
        ts[0] = _withDropOff(address(rejecter), 2e18, 0.004 ether);
        ts[1] = _withDropOff(carol, 3e18, 0.001 ether);
        _deliverFunded(ts);
        assertEq(bridgedToken.balanceOf(address(rejecter)), 2e18, "the token transfer went through");
        assertEq(carol.balance, 0.001 ether, "the batch went on");
        assertEq(gateway.dropOffCredit(address(rejecter)), 0.004 ether, "credited");

        address to = makeAddr("rejecter's wallet");
        rejecter.claim(gateway, to);
        assertEq(to.balance, 0.004 ether, "claimed elsewhere");
        assertEq(gateway.dropOffCredit(address(rejecter)), 0, "paid once");
        vm.expectRevert(IBridgeGatewayTypes.BridgeNothingToClaim.selector);
        rejecter.claim(gateway, to);
    }

    function test_deliver_queuedDropOff_heldThenPaidOnce_succeeds() public {
        address carol = makeAddr("carol");
        Transfer[] memory ts = _one(_withDropOff(carol, FAST_LIMIT + 1, 0.002 ether));
        bytes32 id = _deliverFunded(ts)[0];
        assertEq(carol.balance, 0, "held while queued");
        assertEq(gateway.heldDropOff(id), 0.002 ether, "held");
        vm.warp(_now() + LARGE_DELAY);
        gateway.execute(id);
        assertEq(carol.balance, 0.002 ether, "paid with the execution");
        assertEq(gateway.heldDropOff(id), 0, "released");
        vm.expectRevert();
        gateway.execute(id);
        assertEq(carol.balance, 0.002 ether, "paid once");
    }

    function test_veto_forfeitsHeldDropOff_succeeds() public {
        Transfer[] memory ts = _one(_withDropOff(makeAddr("carol"), FAST_LIMIT + 1, 0.002 ether));
        bytes32 id = _deliverFunded(ts)[0];
        uint256 before = gateway.accruedFees();
        vm.prank(vetoer);
        gateway.veto(id);
        assertEq(gateway.heldDropOff(id), 0, "no longer held");
        assertEq(gateway.accruedFees(), before + 0.002 ether, "to the fee pot");
    }

    /// @notice Whatever mix of drop-offs a batch carries, the value supplied leaves exactly once:
    ///         to recipients, to credits or held for queued messages.
    function testFuzz_deliver_dropOffsConserved(uint96[4] memory amounts, uint128[4] memory dropOffs) public {
        Transfer[] memory ts = new Transfer[](4);
        uint256 supplied = 0;
        EthRejecter rejecter = new EthRejecter();
        for (uint256 i = 0; i < 4; ++i) {
            uint128 d = uint128(bound(dropOffs[i], 0, DROP_OFF_CAP));
            address to = i == 2 ? address(rejecter) : makeAddr(string.concat("r", vm.toString(i)));
            ts[i] = _withDropOff(to, bound(amounts[i], 1, 2 * uint256(FAST_LIMIT)), d);
            supplied += d;
        }
        bytes32[] memory ids = _deliverFunded(ts);
        uint256 accounted = gateway.dropOffCredit(address(rejecter));
        for (uint256 i = 0; i < 4; ++i) {
            if (i != 2) accounted += ts[i].recipient.balance;
            accounted += gateway.heldDropOff(ids[i]);
        }
        assertEq(accounted, supplied, "every wei once");
        assertEq(
            address(gateway).balance,
            gateway.dropOffCredit(address(rejecter)) + _held(ids),
            "gateway holds the rest"
        );
    }

    function _held(bytes32[] memory ids) internal view returns (uint256 total) {
        for (uint256 i = 0; i < ids.length; ++i) total += gateway.heldDropOff(ids[i]);
    }
}

contract BridgeGateway_findings_Test is V2Fixture {
    LoopbackMessenger internal messenger;

    function setUp() public virtual override {
        super.setUp();
        messenger = new LoopbackMessenger();
        vm.prank(governor);
        gateway.initializeEscape(address(messenger), makeAddr("escapeHatch"), address(0));
    }

    function _registerHome(address token) internal {
        vm.startPrank(governor);
        gateway.registerToken(localChain, token, token);
        gateway.setFastLimit(localChain, token, FAST_LIMIT);
        gateway.setRateLimit(localChain, token, IBridgeGatewayTypes.Direction.Inbound, type(uint256).max, 0);
        gateway.setRateLimit(localChain, token, IBridgeGatewayTypes.Direction.Outbound, type(uint256).max, 0);
        vm.stopPrank();
    }

    /// @dev A transfer of the home token `token` arriving from the remote chain.
    function _homeTransfer(address token, address to, uint256 amount) internal returns (Transfer memory t) {
        t = _transfer(token, amount);
        t.tokenChainId = localChain;
        t.recipient = to;
    }

    // Finding 1: payouts are balance-checked (a fee-on-top token cannot drain the backing).
    function test_feeOnTopToken_unlockRefused_backingIntact() public {
        FeeOnTopToken fot = new FeeOnTopToken();
        _registerHome(address(fot));
        // Two users lock 100 each; the token charges each sender 1 on top, so 200 arrive.
        fot.mint(alice, 202e18);
        vm.startPrank(alice);
        fot.approve(address(gateway), type(uint256).max);
        gateway.send(address(fot), REMOTE_CHAIN, bob, 100e18, 0, 0);
        gateway.send(address(fot), REMOTE_CHAIN, bob, 100e18, 0, 0);
        vm.stopPrank();
        assertEq(gateway.lockedBalance(address(fot)), 200e18, "locked: exactly what arrived");

        Transfer memory t = _homeTransfer(address(fot), bob, 100e18);
        MessageHeader memory h = _header();
        bytes memory sigs = _attestation(_id(h, t)).signatures;
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeFeeOnTransfer.selector, address(fot), 100e18, 101e18)
        );
        // Unchecked, this unlock would leave 99 behind for the 100 still locked: the last user
        // could never get out. The payout is balance-checked and refused instead.
        gateway.deliver(_pack(h, _one(t)), _noProofs(), 0, sigs);
        assertEq(fot.balanceOf(address(gateway)), 200e18, "backing intact");
        assertEq(gateway.lockedBalance(address(fot)), 200e18, "books intact");
    }

    // Finding 2: a queued message that can never execute has a sender-only exit, never paid twice.
    function test_blocklistedRecipient_senderCancelsAfterGrace() public {
        BlocklistToken blk = new BlocklistToken();
        _registerHome(address(blk));
        blk.mint(address(gateway), 0); // touch
        blk.mint(alice, 5_000e18);
        vm.startPrank(alice);
        blk.approve(address(gateway), type(uint256).max);
        gateway.send(address(blk), REMOTE_CHAIN, bob, 5_000e18, 0, 0);
        vm.stopPrank();

        Transfer memory t = _homeTransfer(address(blk), bob, 2_000e18); // above the fast limit
        t.sender = remoteSender;
        bytes32 id = _deliver(t);
        assertEq(uint256(gateway.queuedMessage(id).status), uint256(IBridgeGatewayTypes.MessageStatus.Queued));
        blk.setBlocked(bob, true);
        vm.warp(_now() + LARGE_DELAY);
        vm.expectRevert();
        gateway.execute(id);

        Message memory m = _message(_header(), t);
        uint256 opensAt = uint256(t.deadline) + gateway.QUEUED_EXIT_GRACE();
        vm.warp(uint256(t.deadline) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeQueuedExitNotOpen.selector, id, uint64(opensAt))
        );
        vm.prank(remoteSender);
        gateway.cancelExpired(m, false);

        vm.warp(opensAt);
        vm.expectRevert(abi.encodeWithSelector(IBridgeGatewayTypes.BridgeOnlySender.selector, remoteSender));
        vm.prank(bob);
        gateway.cancelExpired(m, false);

        vm.prank(remoteSender);
        assertEq(gateway.cancelExpired(m, false), id, "the sender's exit");
        assertEq(uint256(gateway.queuedMessage(id).status), uint256(IBridgeGatewayTypes.MessageStatus.Cancelled));
        assertEq(messenger.sent(), 1, "refund on its way");
        blk.setBlocked(bob, false);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBridgeGatewayTypes.BridgeInvalidMessageStatus.selector,
                id,
                IBridgeGatewayTypes.MessageStatus.Cancelled
            )
        );
        gateway.execute(id);
        assertEq(gateway.lockedBalance(address(blk)), 5_000e18, "nothing paid here");
    }

    // Finding 3: re-pointing a route to a new source gateway is safe.
    function test_replacedSourceGateway_bothDeliver_thenOldStopped() public {
        Transfer memory old0 = _transfer(remoteHomeToken, 1e18); // nonce 0 of the old gateway
        _deliver(old0);
        address newGateway = makeAddr("newRemoteGateway");
        vm.prank(governor);
        gateway.setRoute(REMOTE_CHAIN, newGateway, true);

        // The new gateway starts again at nonce 0: not "already processed".
        Transfer memory new0 = _transfer(remoteHomeToken, 2e18);
        new0.nonce = 0;
        MessageHeader memory h = _header();
        h.sourceGateway = newGateway;
        bytes32 id = gateway.messageId(_message(h, new0));
        _deliverVia(gateway, h, _one(new0), _noProofs(), _attestation(id));
        assertTrue(gateway.isProcessed(REMOTE_CHAIN, newGateway, 0), "new nonce 0");
        assertTrue(gateway.isProcessed(REMOTE_CHAIN, remoteGateway, 0), "old nonce 0, separately");

        // The old gateway's messages in flight still deliver...
        Transfer memory old1 = _transfer(remoteHomeToken, 3e18);
        _deliver(old1);
        assertEq(bridgedToken.balanceOf(bob), 6e18, "all three arrived");
        // ...until governance stops accepting it.
        vm.prank(governor);
        gateway.setInboundSource(REMOTE_CHAIN, remoteGateway, false);
        Transfer memory old2 = _transfer(remoteHomeToken, 1e18);
        h = _header();
        bytes memory sigs = _attestation(_id(h, old2)).signatures;
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnknownRoute.selector, REMOTE_CHAIN, remoteGateway)
        );
        gateway.deliver(_pack(h, _one(old2)), _noProofs(), 0, sigs);
    }

    // Finding 4: token identity is (home chain, home address).
    function test_twoTokensAtOneAddressOnTwoChains_areTwoTokens() public {
        uint64 otherChain = 903;
        BridgedToken twin = _deployBridgedToken("Twin", "TWN", 18, address(gateway), remoteHomeToken, otherChain);
        vm.startPrank(governor);
        gateway.setRoute(otherChain, remoteGateway, true);
        gateway.registerToken(otherChain, remoteHomeToken, address(twin));
        gateway.setFastLimit(otherChain, remoteHomeToken, FAST_LIMIT);
        gateway.setRateLimit(otherChain, remoteHomeToken, IBridgeGatewayTypes.Direction.Inbound, type(uint256).max, 0);
        vm.stopPrank();
        assertEq(gateway.inboundToken(REMOTE_CHAIN, remoteHomeToken).local, address(bridgedToken), "901's token");
        assertEq(gateway.inboundToken(otherChain, remoteHomeToken).local, address(twin), "903's token");

        Transfer memory t = _transfer(remoteHomeToken, 4e18);
        t.tokenChainId = otherChain;
        _deliver(t);
        assertEq(twin.balanceOf(bob), 4e18, "minted as the 903 token");
        assertEq(bridgedToken.balanceOf(bob), 0, "not as the 901 token");

        // A copy naming the wrong home chain is refused at registration.
        BridgedToken wrong = _deployBridgedToken("Wrong", "WRG", 18, address(gateway), remoteHomeToken, 904);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBridgeGatewayTypes.BridgeInvalidTokenRegistration.selector,
                uint64(905),
                remoteHomeToken,
                address(wrong)
            )
        );
        vm.prank(governor);
        gateway.registerToken(905, remoteHomeToken, address(wrong));
    }

    // Finding 5: limits for 36 and 0 decimals; more than 36 refused at registration.
    function test_36decimals_limitsInWholeTokens_succeeds() public {
        DecimalsToken big = new DecimalsToken(36);
        _registerHome(address(big));
        vm.startPrank(governor);
        gateway.setFastLimit(localChain, address(big), 1_000e36);
        gateway.setRateLimit(localChain, address(big), IBridgeGatewayTypes.Direction.Inbound, 10_000e36, 1e36);
        vm.stopPrank();
        assertEq(gateway.fastLimit(localChain, address(big)), 1_000e36, "a thousand tokens fast");
        big.mint(alice, 5_000e36);
        vm.startPrank(alice);
        big.approve(address(gateway), type(uint256).max);
        gateway.send(address(big), REMOTE_CHAIN, bob, 5_000e36, 0, 0);
        vm.stopPrank();
        bytes32 fast = _deliver(_homeTransfer(address(big), bob, 999e36 + 1));
        assertEq(big.balanceOf(bob), 999e36 + 1, "a whole-token transfer executes at once");
        bytes32 slow = _deliver(_homeTransfer(address(big), bob, 1_001e36));
        assertEq(uint256(gateway.queuedMessage(slow).status), uint256(IBridgeGatewayTypes.MessageStatus.Queued));
        assertTrue(fast != slow);
        // The fast transfer took 999e36 + 1 base units (rounded up to limit units and the bucket's
        // 1/65536 s clock): the bucket shows at most what is left, and within a token of it.
        uint256 left = gateway.availableRateLimit(localChain, address(big), IBridgeGatewayTypes.Direction.Inbound);
        assertLe(left, 10_000e36 - (999e36 + 1), "never more than is left");
        assertGe(left, 10_000e36 - 1_000e36, "within a token");
    }

    function test_0decimals_succeeds() public {
        DecimalsToken whole = new DecimalsToken(0);
        _registerHome(address(whole));
        vm.prank(governor);
        gateway.setFastLimit(localChain, address(whole), 10);
        assertEq(gateway.fastLimit(localChain, address(whole)), 10, "ten units");
        whole.mint(alice, 20);
        vm.startPrank(alice);
        whole.approve(address(gateway), 20);
        gateway.send(address(whole), REMOTE_CHAIN, bob, 20, 0, 0);
        vm.stopPrank();
        _deliver(_homeTransfer(address(whole), bob, 10));
        assertEq(whole.balanceOf(bob), 10, "paid");
    }

    function test_37decimals_refusedAtRegistration_reverts() public {
        DecimalsToken tooBig = new DecimalsToken(37);
        vm.expectRevert(
            abi.encodeWithSelector(IBridgeGatewayTypes.BridgeUnsupportedDecimals.selector, address(tooBig))
        );
        vm.prank(governor);
        gateway.registerToken(localChain, address(tooBig), address(tooBig));
    }

    // Finding 6: governance may sweep only the surplus above what is locked.
    function test_sweepSurplus_onlyAboveLocked_succeeds() public {
        _lockHome(100e18);
        homeToken.mint(address(gateway), 7e18); // sent to the gateway by mistake
        assertEq(gateway.surplus(address(homeToken)), 7e18, "surplus");
        address treasury = makeAddr("treasury");
        vm.prank(governor);
        gateway.sweepSurplus(address(homeToken), treasury);
        assertEq(homeToken.balanceOf(treasury), 7e18, "swept");
        assertEq(homeToken.balanceOf(address(gateway)), 100e18, "locked stays");
        assertEq(gateway.lockedBalance(address(homeToken)), 100e18, "books intact");
        vm.expectRevert(IBridgeGatewayTypes.BridgeNothingToClaim.selector);
        vm.prank(governor);
        gateway.sweepSurplus(address(homeToken), treasury);
    }

    function test_sweepSurplus_nonGovernor_reverts() public {
        homeToken.mint(address(gateway), 1e18);
        vm.expectRevert();
        vm.prank(vetoer);
        gateway.sweepSurplus(address(homeToken), vetoer);
    }

    /// @notice Whatever is locked and whatever extra arrives, a sweep leaves exactly what is locked.
    function testFuzz_sweepSurplus_neverBelowLocked(uint96 locked, uint96 extra) public {
        locked = uint96(bound(locked, 1, type(uint96).max));
        extra = uint96(bound(extra, 1, type(uint96).max));
        _lockHome(locked);
        homeToken.mint(address(gateway), extra);
        vm.prank(governor);
        gateway.sweepSurplus(address(homeToken), makeAddr("treasury"));
        assertEq(homeToken.balanceOf(address(gateway)), locked, "exactly what is locked");
    }
}
