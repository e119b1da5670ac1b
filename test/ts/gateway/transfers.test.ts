/**
 * End-to-end transfers between three in-process L2s: lock/mint, burn/unlock, burn/mint, the
 * delayed path for large and rate-limited transfers, veto, and pause. Every test gets a fresh
 * bridge (three new chains), so no test depends on another's state.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { zeroAddress, type Address, type Hex } from "viem";
import { messageId, type Message } from "../../../core/message.js";
import { createBridge, deliveryOf, only, tokens, type TestBridge, type TestChain } from "../helpers/bridge.js";
import { expectRevert } from "../helpers/revert.js";

const INBOUND = 0;
const OUTBOUND = 1;
/** `IBridgeGateway.MessageStatus`. */
const Status = { None: 0, Queued: 1, Executed: 2, Vetoed: 3 } as const;

let bridge: TestBridge;
let alice: Address;
let bob: Address;
let carol: Address;

beforeEach(async () => {
  bridge = await createBridge();
  ({ alice, bob, carol } = bridge.users);
  await bridge.fund(alice, tokens(10_000));
});
afterEach(() => bridge.close());

async function blockTime(chain: TestChain, blockNumber: bigint): Promise<bigint> {
  return (await chain.publicClient.getBlock({ blockNumber })).timestamp;
}

describe("fast transfers", () => {
  it("test_transfer_lockMintBurnUnlockBurnMint_succeeds: balances, supply and locked backing agree at every step", async () => {
    const { l2a, l2b, l2c } = bridge.chains;

    // l2a → l2b: alice's home tokens are locked on l2a, bob receives bridged tokens on l2b.
    const toB = await bridge.send("l2a", "l2b", { amount: tokens(600), recipient: bob });
    const [sent] = bridge.sentIn(toB);
    expect(sent!.message).toMatchObject({ sourceChainId: 901n, destChainId: 902n, sender: alice, recipient: bob });
    expect(await l2a.gatewayAs().read.sentMessageId([sent!.message.nonce])).toBe(sent!.msgId);
    expect(await l2a.balanceOf(alice)).toBe(tokens(9_400));
    expect(await l2a.lockedBalance()).toBe(tokens(600));
    expect(await l2a.balanceOf(l2a.gateway)).toBe(tokens(600));
    expect(await l2b.totalSupply()).toBe(0n);

    const minted = await bridge.relay(toB);
    expect(minted.executed).toEqual([sent!.msgId]);
    expect(minted.queued).toEqual([]);
    expect(await l2b.balanceOf(bob)).toBe(tokens(600));
    expect(await l2b.totalSupply()).toBe(tokens(600));
    expect(await l2b.gatewayAs().read.isProcessed([901n, l2a.gateway, sent!.message.nonce])).toBe(true);

    // l2b → l2a: bob's bridged tokens are burned on l2b and alice's home tokens unlocked on l2a.
    const toA = await bridge.send("l2b", "l2a", { amount: tokens(200), sender: l2b.accounts.bob, recipient: alice });
    expect(await l2b.balanceOf(bob)).toBe(tokens(400));
    expect(await l2b.totalSupply()).toBe(tokens(400));
    expect(await l2a.lockedBalance()).toBe(tokens(600));
    await bridge.relay(toA);
    expect(await l2a.balanceOf(alice)).toBe(tokens(9_600));
    expect(await l2a.lockedBalance()).toBe(tokens(400));
    expect(await l2a.balanceOf(l2a.gateway)).toBe(tokens(400));

    // l2b → l2c: burned on l2b, minted on l2c; the home chain is not involved.
    const toC = await bridge.send("l2b", "l2c", { amount: tokens(150), sender: l2b.accounts.bob, recipient: carol });
    expect(await l2b.totalSupply()).toBe(tokens(250));
    await bridge.relay(toC);
    expect(await l2c.balanceOf(carol)).toBe(tokens(150));
    expect(await l2c.totalSupply()).toBe(tokens(150));

    // Every bridged token in circulation is backed by one locked on the home chain.
    expect(await l2a.lockedBalance()).toBe((await l2b.totalSupply()) + (await l2c.totalSupply()));
  });

  it("test_deliver_replay_reverts: a delivered message cannot be delivered again", async () => {
    const sent = await bridge.send("l2a", "l2b", { amount: tokens(10) });
    await bridge.relay(sent);
    const { msgId } = only(bridge.sentIn(sent));
    await expectRevert(bridge.relay(sent), "BridgeMessageAlreadyProcessed", [msgId]);
    expect(await bridge.chains.l2b.balanceOf(alice)).toBe(tokens(10));
  });

  it("test_send_outboundBucketEmpty_reverts: a send the outbound bucket cannot cover is refused", async () => {
    const { l2a } = bridge.chains;
    await l2a.mined(l2a.gatewayAs().write.setRateLimit([901n, l2a.homeToken(), OUTBOUND, tokens(500), tokens(1)]));
    await bridge.send("l2a", "l2b", { amount: tokens(400) });
    const [homeToken, amount, available] = await expectRevert(
      bridge.send("l2a", "l2b", { amount: tokens(400) }),
      "BridgeRateLimited",
    );
    expect([homeToken, amount]).toEqual([l2a.homeToken(), tokens(400)]);
    expect(available as bigint).toBeLessThan(tokens(400));
    expect(await l2a.lockedBalance()).toBe(tokens(400));
  });
});

describe("large transfers", () => {
  it("test_execute_largeTransfer_succeeds: queued above the fast limit, executable only after the delay", async () => {
    const { l2b } = bridge.chains;
    const sent = await bridge.send("l2a", "l2b", { amount: tokens(1_500), recipient: bob });
    const delivery = await bridge.relay(sent);
    const { msgId } = only(bridge.sentIn(sent));

    expect(delivery.executed).toEqual([]);
    const deliveredAt = await blockTime(l2b, delivery.receipt.blockNumber);
    const executableAt = deliveredAt + BigInt(bridge.largeDelaySeconds);
    expect(delivery.queued).toEqual([{ msgId, executableAt }]);
    expect(await l2b.gatewayAs().read.queuedMessage([msgId])).toMatchObject({
      recipient: bob,
      status: Status.Queued,
      amount: tokens(1_500),
      localToken: l2b.token(),
    });
    expect(await l2b.totalSupply()).toBe(0n);

    const anyone = l2b.gatewayAs(l2b.accounts.carol);
    await expectRevert(anyone.write.execute([msgId]), "BridgeMessageNotReady", [msgId, executableAt]);

    await l2b.increaseTime(bridge.largeDelaySeconds);
    const executed = deliveryOf(l2b, await l2b.mined(anyone.write.execute([msgId])));
    expect(executed.executed).toEqual([msgId]);
    expect(await l2b.balanceOf(bob)).toBe(tokens(1_500));
    expect(await l2b.totalSupply()).toBe(tokens(1_500));
    expect((await l2b.gatewayAs().read.queuedMessage([msgId])).status).toBe(Status.Executed);
    await expectRevert(anyone.write.execute([msgId]), "BridgeInvalidMessageStatus", [msgId, Status.Executed]);
  });

  it("test_execute_queuedUnlock_succeeds: a queued unlock releases the locked backing only when executed", async () => {
    const { l2a, l2b } = bridge.chains;
    await bridge.relay(await bridge.send("l2a", "l2b", { amount: tokens(900) }));
    await bridge.relay(await bridge.send("l2a", "l2b", { amount: tokens(900) }));
    expect(await l2a.lockedBalance()).toBe(tokens(1_800));

    const back = await bridge.relay(await bridge.send("l2b", "l2a", { amount: tokens(1_500), recipient: carol }));
    const { msgId } = only(back.queued);
    expect(await l2a.lockedBalance()).toBe(tokens(1_800));
    expect(await l2a.balanceOf(carol)).toBe(0n);

    await l2a.increaseTime(bridge.largeDelaySeconds);
    await l2a.mined(l2a.gatewayAs(l2a.accounts.relayer).write.execute([msgId]));
    expect(await l2a.lockedBalance()).toBe(tokens(300));
    expect(await l2a.balanceOf(carol)).toBe(tokens(1_500));
    expect(await l2a.lockedBalance()).toBe(await l2b.totalSupply());
  });

  it("test_veto_queuedTransfer_succeeds: a vetoed transfer never executes", async () => {
    const { l2b } = bridge.chains;
    const delivery = await bridge.relay(await bridge.send("l2a", "l2b", { amount: tokens(5_000), recipient: bob }));
    const { msgId } = only(delivery.queued);

    await expectRevert(l2b.gatewayAs(l2b.accounts.bob).write.veto([msgId]), "AccessControlUnauthorizedAccount");
    const vetoed = await l2b.mined(l2b.gatewayAs(l2b.accounts.council).write.veto([msgId]));
    expect(vetoed.logs).toHaveLength(1);
    expect((await l2b.gatewayAs().read.queuedMessage([msgId])).status).toBe(Status.Vetoed);

    await l2b.increaseTime(bridge.largeDelaySeconds);
    const anyone = l2b.gatewayAs(l2b.accounts.carol);
    await expectRevert(anyone.write.execute([msgId]), "BridgeInvalidMessageStatus", [msgId, Status.Vetoed]);
    await expectRevert(l2b.gatewayAs(l2b.accounts.council).write.veto([msgId]), "BridgeInvalidMessageStatus", [
      msgId,
      Status.Vetoed,
    ]);
    expect(await l2b.balanceOf(bob)).toBe(0n);
    expect(await l2b.totalSupply()).toBe(0n);
  });
});

describe("forged messages", () => {
  it("test_veto_forgedMessage_releasesNonce: once a forgery is vetoed, the genuine message with its nonce is delivered", async () => {
    const { l2b } = bridge.chains;
    const genuine = await bridge.send("l2a", "l2b", { amount: tokens(10), recipient: bob });
    const { message } = only(bridge.sentIn(genuine));
    // Compromised guardians attest a large payout to carol under the genuine message's nonce.
    const forged = { ...message, recipient: carol, amount: tokens(50_000) };
    const { msgId: forgedId } = only((await bridge.deliver([forged])).queued);
    await expectRevert(bridge.relay(genuine), "BridgeMessageAlreadyProcessed", [messageId(message)]);

    await l2b.mined(l2b.gatewayAs(l2b.accounts.council).write.veto([forgedId]));
    expect((await bridge.relay(genuine)).executed).toEqual([messageId(message)]);
    expect(await l2b.balanceOf(bob)).toBe(tokens(10));

    // The released nonce is taken once: neither the forgery nor a third message can reuse it.
    await expectRevert(bridge.deliver([forged]), "BridgeMessageAlreadyProcessed", [forgedId]);
    const third = { ...message, amount: tokens(1) };
    await expectRevert(bridge.deliver([third]), "BridgeMessageAlreadyProcessed", [messageId(third)]);
    expect(await l2b.balanceOf(carol)).toBe(0n);
  });
});

describe("rate limits", () => {
  it("test_deliver_inboundBucketExhausted_queues: a transfer within the fast limit queues when the bucket is empty", async () => {
    const { l2b } = bridge.chains;
    // 1,500 tokens of room refilling at 1 token/s: the second 1,000 cannot fit for ~500 s.
    await l2b.mined(l2b.gatewayAs().write.setRateLimit([901n, l2b.homeToken(), INBOUND, tokens(1_500), tokens(1)]));
    const first = await bridge.send("l2a", "l2b", { amount: tokens(1_000), recipient: bob });
    const second = await bridge.send("l2a", "l2b", { amount: tokens(1_000), recipient: carol });
    const [a, b] = [...bridge.sentIn(first), ...bridge.sentIn(second)].map((s) => s.msgId);

    const delivery = await bridge.relay([first, second]);
    expect(delivery.executed).toEqual([a]);
    expect(delivery.queued.map((q) => q.msgId)).toEqual([b]);
    expect(await l2b.balanceOf(bob)).toBe(tokens(1_000));
    expect(await l2b.balanceOf(carol)).toBe(0n);
    expect(await l2b.gatewayAs().read.availableRateLimit([901n, l2b.homeToken(), INBOUND])).toBeLessThan(tokens(1_000));

    // A queued transfer does not wait for the bucket: once the delay passes it executes.
    await l2b.increaseTime(bridge.largeDelaySeconds);
    await l2b.mined(l2b.gatewayAs(l2b.accounts.relayer).write.execute([b!]));
    expect(await l2b.balanceOf(carol)).toBe(tokens(1_000));
  });
});

describe("pause", () => {
  it("test_pause_stopsDeliverAndExecute_succeeds: paused gateways refuse deliver, execute and send until unpaused", async () => {
    const { l2b } = bridge.chains;
    const queued = await bridge.relay(await bridge.send("l2a", "l2b", { amount: tokens(2_000), recipient: bob }));
    const { msgId: large } = only(queued.queued);
    const small = await bridge.send("l2a", "l2b", { amount: tokens(10), recipient: carol });

    await expectRevert(l2b.gatewayAs(l2b.accounts.bob).write.pause(), "AccessControlUnauthorizedAccount");
    await l2b.mined(l2b.gatewayAs(l2b.accounts.council).write.pause());
    expect(await l2b.gatewayAs().read.paused()).toBe(true);
    await l2b.increaseTime(bridge.largeDelaySeconds);

    await expectRevert(bridge.relay(small), "BridgePaused");
    await expectRevert(l2b.gatewayAs(l2b.accounts.relayer).write.execute([large]), "BridgePaused");
    await expectRevert(bridge.send("l2b", "l2a", { amount: 1n, sender: l2b.accounts.bob }), "BridgePaused");
    // Only governance unpauses: a compromised pauser key cannot resume a halted bridge.
    await expectRevert(l2b.gatewayAs(l2b.accounts.council).write.unpause(), "AccessControlUnauthorizedAccount");

    await l2b.mined(l2b.gatewayAs().write.unpause());
    expect((await bridge.relay(small)).executed).toEqual(bridge.sentIn(small).map((s) => s.msgId));
    await l2b.mined(l2b.gatewayAs(l2b.accounts.relayer).write.execute([large]));
    expect(await l2b.balanceOf(carol)).toBe(tokens(10));
    expect(await l2b.balanceOf(bob)).toBe(tokens(2_000));
  });
});

describe("batches", () => {
  it("test_deliver_mixedFastAndQueued_succeeds: one batch pays the fast transfers and queues the large one", async () => {
    const { l2b } = bridge.chains;
    const receipts = [
      await bridge.send("l2a", "l2b", { amount: tokens(100), recipient: bob }),
      await bridge.send("l2a", "l2b", { amount: tokens(1_001), recipient: carol }),
      await bridge.send("l2a", "l2b", { amount: tokens(200), recipient: bob }),
    ];
    const ids = receipts.flatMap((r) => bridge.sentIn(r)).map((s) => s.msgId);
    const delivery = await bridge.relay(receipts);
    expect(delivery.executed).toEqual([ids[0], ids[2]]);
    expect(delivery.queued.map((q) => q.msgId)).toEqual([ids[1]]);
    expect(await l2b.balanceOf(bob)).toBe(tokens(300));
  });

  // Regression: _payOutAll once shrank the payout arrays in place for the first run of a batch,
  // so a second token's run read past the new length and reverted with Panic(0x32).
  it("test_deliver_twoBridgedTokensInOneBatch_succeeds", async () => {
    await bridge.close();
    bridge = await createBridge({ symbols: ["PCT", "USD"] });
    const { l2b } = bridge.chains;
    await bridge.fund(alice, tokens(100), "PCT");
    await bridge.fund(alice, tokens(100), "USD");
    const receipts = [
      await bridge.send("l2a", "l2b", { amount: tokens(5), recipient: bob, symbol: "PCT" }),
      await bridge.send("l2a", "l2b", { amount: tokens(7), recipient: carol, symbol: "USD" }),
    ];
    const delivery = await bridge.relay(receipts);
    expect(delivery.executed).toHaveLength(2);
    expect(await l2b.balanceOf(bob, "PCT")).toBe(tokens(5));
    expect(await l2b.balanceOf(carol, "USD")).toBe(tokens(7));
  });

  it("test_deliver_wrongIdForMessage_reverts: ids are recomputed on-chain, so a message edited after signing is refused", async () => {
    const sent = await bridge.send("l2a", "l2b", { amount: tokens(10), recipient: bob });
    const { message } = only(bridge.sentIn(sent));
    const signed = await bridge.attest(
      { destChainId: message.destChainId, destGateway: message.destGateway },
      messageId(message),
    );
    const edited = { ...message, amount: tokens(10_000) };
    // v2: the signature check is GuardianSignatures' and raises its own error (v1: BridgeUnknownGuardian).
    await expectRevert(bridge.deliver([edited], { attestation: signed }), "GuardianSignerUnknown");
  });
});

describe("delivery checks", () => {
  it("test_deliver_afterDeadline_reverts: BridgeMessageExpired once the deadline has passed", async () => {
    const { l2a, l2b } = bridge.chains;
    const deadline = (await l2a.timestamp()) + 120n;
    const sent = await bridge.send("l2a", "l2b", { amount: tokens(10), deadline });
    const { msgId } = only(bridge.sentIn(sent));
    await l2b.increaseTime(Number(deadline - (await l2b.timestamp())) + 1);
    await expectRevert(bridge.relay(sent), "BridgeMessageExpired", [msgId, deadline]);
  });

  it("test_deliver_unregisteredToken_reverts: an attested message for a token not registered here", async () => {
    const { message } = only(bridge.sentIn(await bridge.send("l2a", "l2b", { amount: tokens(10) })));
    const stranger = bridge.chains.l2b.gateway;
    // v2 identifies a token by (home chain id, home address): BridgeUnknownTokenIdentity (v1: BridgeUnknownToken).
    await expectRevert(bridge.deliver([{ ...message, token: stranger }]), "BridgeUnknownTokenIdentity", [
      message.tokenChainId,
      stranger,
    ]);
  });

  // Regression: the batch cache once started at homeToken = address(0), so a message naming
  // token address(0) skipped the registration lookup and was queued instead of refused.
  it("test_deliver_zeroToken_reverts", async () => {
    const { message } = only(bridge.sentIn(await bridge.send("l2a", "l2b", { amount: tokens(10) })));
    await expectRevert(bridge.deliver([{ ...message, token: zeroAddress }]), "BridgeUnknownTokenIdentity", [
      message.tokenChainId,
      zeroAddress,
    ]);
  });
});
