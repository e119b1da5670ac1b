// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RollupFixture} from "../rollup/RollupFixture.sol";
import {SimL2Messenger} from "../../../contracts/rollup/SimL2Messenger.sol";
import {SimRollupPortal} from "../../../contracts/rollup/SimRollupPortal.sol";
import {EscapeHatch} from "../../../contracts/escape/EscapeHatch.sol";
import {Message} from "../../../contracts/interfaces/IBridgeMessage.sol";
import {IEscapeHatch} from "../../../contracts/interfaces/IEscapeHatch.sol";
import {IL2CanonicalMessenger, IL2CanonicalTokenBridge} from "../../../contracts/interfaces/ICanonicalMessaging.sol";
import {MessageLib} from "../../../contracts/libraries/MessageLib.sol";
import {Withdrawal} from "../../../contracts/rollup/ISimRollup.sol";

/// @notice Stands in for `BridgeGateway`'s escape side: `cancel` sends the cancellation to L1
///         like `cancelExpired`, `refund` authenticates like the real one (messenger + L1 sender)
///         and, for a refund on L1, starts the canonical withdrawal of tokens it holds.
contract MockEscapeGateway {
    error MockNotEscapeHatch(address caller);

    IL2CanonicalMessenger public immutable MESSENGER;
    address public escapeHatch;
    address public tokenBridge;
    address public l1RefundToken;
    mapping(bytes32 msgId => uint256) public refunds;
    bool public lastRefundOnL1;

    constructor(IL2CanonicalMessenger messenger) {
        MESSENGER = messenger;
    }

    function configure(address escapeHatch_, address tokenBridge_, address l2Token) external {
        escapeHatch = escapeHatch_;
        tokenBridge = tokenBridge_;
        l1RefundToken = l2Token;
    }

    function cancel(Message calldata message, bool refundOnL1) external {
        MESSENGER.sendToL1(escapeHatch, abi.encodeCall(IEscapeHatch.onMessageCancelled, (message, refundOnL1)));
    }

    function refund(Message calldata message, bool refundOnL1) external {
        require(
            msg.sender == address(MESSENGER) && MESSENGER.l1Sender() == escapeHatch,
            MockNotEscapeHatch(msg.sender)
        );
        refunds[MessageLib.hash(message)] += 1;
        lastRefundOnL1 = refundOnL1;
        if (refundOnL1) IL2CanonicalTokenBridge(tokenBridge).withdrawTo(l1RefundToken, message.sender, message.amount);
    }
}

/// @dev Two "L2s" (901 = A, 902 = B) and L1 on one test chain; the test plays both sequencers
///      and proposers.
abstract contract EscapeFixture is RollupFixture {
    string internal constant ESCAPE_ARTIFACT = "contracts/escape/EscapeHatch.sol:EscapeHatch";
    uint64 internal constant CHAIN_A = 901;
    uint64 internal constant CHAIN_B = 902;

    SimL2Messenger internal messengerA;
    SimL2Messenger internal messengerB;
    SimRollupPortal internal portalA;
    SimRollupPortal internal portalB;
    MockEscapeGateway internal gatewayA;
    MockEscapeGateway internal gatewayB;
    EscapeHatch internal hatch;
    address internal sequencer;
    address internal alice;
    address internal bob;

    function setUp() public virtual {
        sequencer = makeAddr("sequencer");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        messengerA = _deployMessenger(sequencer);
        messengerB = _deployMessenger(sequencer);
        portalA = _deployPortal(CHAIN_A, makeAddr("proposer"), WINDOW);
        portalB = _deployPortal(CHAIN_B, makeAddr("proposer"), WINDOW);
        gatewayA = new MockEscapeGateway(messengerA);
        gatewayB = new MockEscapeGateway(messengerB);
        hatch = _deployHatch(_pair(CHAIN_A, CHAIN_B), _pair(address(portalA), address(portalB)), _gateways());
        gatewayA.configure(address(hatch), address(0), address(0));
        gatewayB.configure(address(hatch), address(0), address(0));
        vm.warp(1_000_000);
    }

    function _deployHatch(
        uint64[] memory chainIds,
        address[] memory portals,
        address[] memory gateways
    ) internal returns (EscapeHatch) {
        return EscapeHatch(deployCode(ESCAPE_ARTIFACT, abi.encode(chainIds, portals, gateways)));
    }

    function _pair(uint64 a, uint64 b) internal pure returns (uint64[] memory out) {
        out = new uint64[](2);
        out[0] = a;
        out[1] = b;
    }

    function _pair(address a, address b) internal pure returns (address[] memory out) {
        out = new address[](2);
        out[0] = a;
        out[1] = b;
    }

    function _gateways() internal view returns (address[] memory) {
        return _pair(address(gatewayA), address(gatewayB));
    }

    /// @dev A message from A to B that B will cancel.
    function _message() internal view returns (Message memory) {
        return
            Message({
                version: 1,
                nonce: 7,
                sourceChainId: CHAIN_A,
                destChainId: CHAIN_B,
                sourceGateway: address(gatewayA),
                destGateway: address(gatewayB),
                sender: alice,
                recipient: bob,
                token: makeAddrView("token"),
                amount: 25e6,
                deadline: 999_000
            });
    }

    function makeAddrView(string memory name) internal pure returns (address) {
        return vm.addr(makeKey(name));
    }

    function _cancelData(Message memory message, bool refundOnL1) internal pure returns (bytes memory) {
        return abi.encodeCall(IEscapeHatch.onMessageCancelled, (message, refundOnL1));
    }

    /// @dev Has `sender` on chain B (or A) send `data` to the hatch, proposes, waits out the window
    ///      and relays it on that chain's portal. Returns the withdrawal and output for reuse.
    function _sendAndProve(
        SimL2Messenger messenger,
        SimRollupPortal portal,
        address sender,
        bytes memory data
    ) internal returns (Withdrawal memory w, uint256 index) {
        uint256 nonce = messenger.withdrawalCount();
        vm.prank(sender);
        messenger.sendToL1(address(hatch), data);
        index = _proposeAll(messenger, portal);
        vm.warp(_now() + WINDOW);
        w = _withdrawal(nonce, sender, address(hatch), data);
    }
}
