/**
 * Self-relay (`BridgeClient.relay`, `buildRelay`): the sender collects the destination
 * guardians' signatures through the guardian API and delivers the message itself — on real
 * gateways (in-process chains), with the guardians' HTTP API faked in front of their keys.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFunctionData, type Hex, type WalletClient } from "viem";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import {
  AlreadyDeliveredError,
  AttestationsUnavailableError,
  GatewayPausedError,
  MessageExpiredError,
  SendStoppedError,
  WrongChainError,
} from "../../../sdk/errors.js";
import type { SentRecord } from "../../../sdk/tracker.js";
import { createBridge, DEFAULT_SYMBOL, tokens, type TestBridge } from "../helpers/bridge.js";
import { clientOf, fakeGuardians } from "./onchain.js";

let bridge: TestBridge;

beforeAll(async () => {
  // 3 of 5 guardians, a 600 s large-transfer delay.
  bridge = await createBridge({ guardians: 5, threshold: 3, largeDelaySeconds: 600 });
  await bridge.fund(bridge.users.alice, tokens(100_000));
});

afterAll(async () => {
  await bridge?.close();
});

/** Alice sends `amount` l2a → l2b through the SDK; nobody relays it. */
async function send(amount: string, deadlineSeconds?: number): Promise<SentRecord> {
  const client = clientOf(bridge, fakeGuardians(bridge).fetch);
  const request = {
    from: "l2a",
    to: "l2b",
    token: DEFAULT_SYMBOL,
    amount,
    sender: bridge.users.alice,
    deadlineSeconds,
  };
  return client.sendTransfer(request, bridge.chains.l2a.accounts.alice as WalletClient);
}

/** Bob's wallet on the destination: anyone may deliver. */
const bobOnL2b = () => bridge.chains.l2b.accounts.bob as WalletClient;

describe("self-relay", () => {
  it("delivers your own message with the guardians' signatures; the recipient is paid at once", async () => {
    const sent = await send("5");
    const guardians = fakeGuardians(bridge, { up: [0, 2, 4] });
    const client = clientOf(bridge, guardians.fetch);
    const before = await bridge.chains.l2b.balanceOf(bridge.users.alice);

    const { transaction } = await client.buildRelay(sent.msgId);
    expect(transaction).toMatchObject({ kind: "deliver", chainId: 902, to: bridge.chains.l2b.gateway, value: 0n });
    const { args } = decodeFunctionData({ abi: bridgeGatewayAbi, data: transaction.data });
    // deliver(packed messages, proofs, guardianSetIndex, signatures): a batch of one, no proofs.
    expect(args![1]).toEqual([]);
    expect(args![2]).toBe(0);
    expect(guardians.requests.filter((r) => r.startsWith("POST")).length).toBeGreaterThanOrEqual(3);

    const result = await client.relay(sent.txHash, bobOnL2b());
    expect(result).toMatchObject({ outcome: "executed" });
    expect(await bridge.chains.l2b.balanceOf(bridge.users.alice)).toBe(before + tokens(5));
    expect((await client.status(sent)).status.stage).toBe("executed");
    // Once delivered there is nothing left to relay, and no guardian is asked again.
    const asked = guardians.requests.length;
    await expect(client.relay(sent.msgId, bobOnL2b())).rejects.toThrow(AlreadyDeliveredError);
    expect(guardians.requests.length).toBe(asked);
  });

  it("a large transfer is queued behind the delay, and the result says until when", async () => {
    const sent = await send("1500");
    const result = await clientOf(bridge, fakeGuardians(bridge).fetch).relay(sent, bobOnL2b());
    expect(result.outcome).toBe("queued");
    const now = Number((await bridge.chains.l2b.publicClient.getBlock()).timestamp);
    expect(result.executableAt).toBeGreaterThanOrEqual(now + 600 - 1);
  });

  it("stopped by its signal before signing, sends nothing", async () => {
    const sent = await send("4");
    const client = clientOf(bridge, fakeGuardians(bridge).fetch);
    const bob = bridge.chains.l2b.accounts.bob;
    const before = await bridge.chains.l2b.publicClient.getTransactionCount({ address: bob.account!.address });
    const error = await client.relay(sent, bobOnL2b(), { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendStoppedError);
    expect(error).toMatchObject({ what: "deliver", hash: undefined });
    expect(await bridge.chains.l2b.publicClient.getTransactionCount({ address: bob.account!.address })).toBe(before);
    expect(
      await bridge.chains.l2b.gatewayAs().read.isProcessed([901n, sent.message.sourceGateway, sent.message.nonce]),
    ).toBe(false);
  });

  it("with fewer than the threshold signing, says how many and why, and sends nothing", async () => {
    const sent = await send("3");
    const awaiting = (id: Hex) => (id === sent.msgId ? ("awaiting-approval" as const) : ("signable" as const));
    const client = clientOf(bridge, fakeGuardians(bridge, { up: [0, 1, 2], state: awaiting }).fetch);
    const error = await client.relay(sent, bobOnL2b()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttestationsUnavailableError);
    expect(error).toMatchObject({ signed: 0, threshold: 3, guardians: 5 });
    expect((error as AttestationsUnavailableError).details).toMatch(/awaiting its operator's approval/);
    expect((error as AttestationsUnavailableError).details).toMatch(/ECONNREFUSED|fetch failed/);
    const twoUp = clientOf(bridge, fakeGuardians(bridge, { up: [3, 4] }).fetch);
    await expect(twoUp.relay(sent, bobOnL2b())).rejects.toMatchObject({ signed: 2, threshold: 3 });
    expect(
      await bridge.chains.l2b.gatewayAs().read.isProcessed([901n, sent.message.sourceGateway, sent.message.nonce]),
    ).toBe(false);
  });

  it("refuses a wallet on the wrong chain, a paused destination and an expired message", async () => {
    const sent = await send("2", 120);
    const client = clientOf(bridge, fakeGuardians(bridge).fetch);
    await expect(client.relay(sent, bridge.chains.l2a.accounts.bob as WalletClient)).rejects.toThrow(WrongChainError);

    const l2b = bridge.chains.l2b;
    await l2b.mined(l2b.gatewayAs(l2b.accounts.council).write.pause());
    try {
      await expect(client.relay(sent, bobOnL2b())).rejects.toThrow(GatewayPausedError);
    } finally {
      await l2b.mined(l2b.gatewayAs().write.unpause());
    }

    // Past the deadline by l2b's own clock (each in-process chain keeps its own time).
    await l2b.increaseTime(Number(sent.message.deadline - (await l2b.timestamp())) + 1);
    const error = await client.relay(sent, bobOnL2b()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageExpiredError);
    expect((error as MessageExpiredError).shortMessage).toMatch(/only escaped through L1/);
    expect((await client.status(sent)).status).toMatchObject({ reason: { kind: "expired" }, escapable: true });
  });
});
