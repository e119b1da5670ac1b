/**
 * `core/gateway.ts`: the typed reads against a real gateway, and the rate-limit arithmetic
 * (`bucketAvailable`, `bucketRoomAt`) against the contract's own `availableRateLimit`, second by
 * second as the bucket refills.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zeroHash } from "viem";
import {
  bucketAvailable,
  bucketRoomAt,
  Gateway,
  SENT_IDS_PER_QUERY,
  UNLIMITED_CAPACITY,
} from "../../../core/gateway.js";
import { createBridge, tokens, type TestBridge } from "../helpers/bridge.js";

let bridge: TestBridge;

beforeAll(async () => {
  bridge = await createBridge({ guardians: 3, threshold: 2, largeDelaySeconds: 600 });
  await bridge.fund(bridge.users.alice, tokens(10_000));
});

afterAll(async () => {
  await bridge?.close();
});

describe("Gateway", () => {
  it("reads a gateway with names and numbers instead of raw tuples", async () => {
    const l2a = bridge.chains.l2a;
    const l2b = bridge.chains.l2b;
    const gateway = new Gateway(l2b.gateway, l2b.publicClient);
    expect(await gateway.paused()).toBe(false);
    expect(await gateway.largeDelay()).toBe(600);
    expect(await gateway.currentGuardianSet()).toEqual({
      index: 0,
      guardians: bridge.guardians,
      threshold: 2,
      expiresAt: 0,
    });
    expect(await gateway.route(l2a.chainId)).toEqual({ gateway: l2a.gateway, enabled: true });
    expect(await gateway.inboundToken(901n, l2a.homeToken())).toEqual({
      local: l2b.token(),
      fastLimit: tokens(1_000),
      isHome: false,
      registered: true,
    });
    expect((await gateway.localToken(l2a.gateway)).registered).toBe(false);
    const windows = await gateway.deadlineWindows();
    expect(windows.minSeconds).toBeLessThan(windows.defaultSeconds);
    expect(windows.defaultSeconds).toBeLessThan(windows.maxSeconds);

    // A large transfer, delivered: queued by name, with its time as a number.
    const [sent] = bridge.sentIn(await bridge.send("l2a", "l2b", { amount: tokens(1_500) }));
    await bridge.deliver([sent!.message]);
    const queued = await gateway.queuedMessage(sent!.msgId);
    expect(queued.status).toBe("Queued");
    expect(queued.executableAt).toBeGreaterThan(Number(await l2b.timestamp()) + 500);
    expect(await gateway.isProcessed(901n, l2a.gateway, sent!.message.nonce)).toBe(true);
    expect((await gateway.messageEvent("MessageQueued", sent!.msgId, 0n))?.args.executableAt).toBe(
      BigInt(queued.executableAt),
    );
    expect(await new Gateway(l2a.gateway, l2a.publicClient).sentMessageId(sent!.message.nonce)).toBe(sent!.msgId);
  });

  it("sentMessageIds answers as sentMessageId does, one eth_call per SENT_IDS_PER_QUERY nonces", async () => {
    const l2a = bridge.chains.l2a;
    const gateway = new Gateway(l2a.gateway, l2a.publicClient);
    const before = await l2a.publicClient.getBlockNumber();
    const sent = [];
    for (const amount of [1, 2, 3])
      sent.push(...bridge.sentIn(await bridge.send("l2a", "l2c", { amount: tokens(amount) })));
    const nonces = sent.map((s) => s.message.nonce);
    expect(await gateway.sentMessageIds(nonces)).toEqual(sent.map((s) => s.msgId));
    // Not sent yet at the earlier block; an unused nonce is the zero hash.
    expect(await gateway.sentMessageIds(nonces, { blockNumber: before })).toEqual([zeroHash, zeroHash, zeroHash]);
    const unused = nonces.at(-1)! + 1n;
    expect(await gateway.sentMessageIds([unused, nonces[0]!])).toEqual([zeroHash, sent[0]!.msgId]);

    // More than one query's worth, the sent nonces in the second: answers stay in order.
    const calls: unknown[] = [];
    const counting = new Gateway(l2a.gateway, {
      ...l2a.publicClient,
      call: (args: Parameters<typeof l2a.publicClient.call>[0]) => {
        calls.push(args);
        return l2a.publicClient.call(args);
      },
    } as typeof l2a.publicClient);
    const many = [...Array.from({ length: SENT_IDS_PER_QUERY }, (_, i) => unused + BigInt(i)), ...nonces];
    const ids = await counting.sentMessageIds(many);
    expect(calls).toHaveLength(2);
    expect(ids).toHaveLength(many.length);
    expect(ids.slice(0, SENT_IDS_PER_QUERY).every((id) => id === zeroHash)).toBe(true);
    expect(ids.slice(SENT_IDS_PER_QUERY)).toEqual(await Promise.all(nonces.map((n) => gateway.sentMessageId(n))));
    expect(await counting.sentMessageIds([])).toEqual([]);
    expect(calls).toHaveLength(2);
  });

  it("bucketAvailable and bucketRoomAt agree with the contract as the bucket refills", async () => {
    const l2a = bridge.chains.l2a;
    const home = l2a.homeToken();
    const gateway = new Gateway(l2a.gateway, l2a.publicClient);
    // 10 tokens, refilling 3 per second: an odd rate, so the fixed-point rounding matters.
    await l2a.mined(l2a.gatewayAs().write.setRateLimit([901n, home, 1, tokens(10), tokens(3)]));
    await bridge.send("l2a", "l2b", { amount: tokens(9) });
    const bucket = await gateway.rateLimit(901n, home, "outbound");
    let block = await l2a.publicClient.getBlock();
    const start = Number(block.timestamp);
    const want = tokens(7);
    const roomAt = bucketRoomAt(bucket, want, start)!;
    expect(roomAt).toBeGreaterThan(start);
    // Each step reads the contract at a mined block and compares at that block's own timestamp:
    // the chain's clock follows the wall clock too, so a slow step (a loaded machine) can move it
    // two seconds, not one (seen on a fresh-clone CI run, where `+1 s` read the bucket of +2 s).
    for (let t = start; t <= roomAt + 1; t = Number(block.timestamp)) {
      const onChain = await gateway.availableRateLimit(901n, home, "outbound", { blockNumber: block.number });
      expect(bucketAvailable(bucket, t), `at +${t - start} s`).toBe(onChain);
      expect(onChain >= want, `room for 7 at +${t - start} s`).toBe(t >= roomAt);
      await l2a.increaseTime(1);
      block = await l2a.publicClient.getBlock();
    }
    expect(bucketRoomAt(bucket, tokens(11), start)).toBeUndefined();
    expect(bucketAvailable({ capacity: UNLIMITED_CAPACITY, refillPerSecond: 0n, fullAt: 0n }, start)).toBe(
      2n ** 256n - 1n,
    );
  });
});
