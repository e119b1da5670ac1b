/**
 * The SDK's transfer flow against real gateways on in-process chains: `validateTransfer`
 * (problems keyed by field), `quote` (fast or delayed and why, limits, deadline, approval),
 * `buildTransfer` (unsigned transactions any wallet can sign) and `sendTransfer` (a viem
 * WalletClient), then `status`/`track` following it to executed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFunctionData, erc20Abi, type Address, type PublicClient, type WalletClient } from "viem";
import { publicClientFor } from "../../../core/chains.js";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import type { ChainInfo } from "../../../core/manifest.js";
import { BridgeClient } from "../../../sdk/client.js";
import { InvalidTransferError, SendStoppedError, WrongChainError } from "../../../sdk/errors.js";
import type { TransferRequest } from "../../../sdk/input.js";
import { createBridge, DEFAULT_SYMBOL, tokens, type TestBridge } from "../helpers/bridge.js";
import { clientOf, fakeGuardians, manifestOf } from "./onchain.js";

let bridge: TestBridge;
let client: BridgeClient;
let alice: Address;

beforeAll(async () => {
  bridge = await createBridge({ guardians: 3, threshold: 2, largeDelaySeconds: 600 });
  client = clientOf(bridge, fakeGuardians(bridge).fetch);
  alice = bridge.users.alice;
  await bridge.fund(alice, tokens(10_000));
});

afterAll(async () => {
  await bridge?.close();
});

const request = (over: Partial<TransferRequest> = {}): TransferRequest => ({
  from: "l2a",
  to: "l2b",
  token: DEFAULT_SYMBOL,
  amount: "5",
  sender: alice,
  ...over,
});

async function nonce(chain: "l2a" | "l2b", who: Address) {
  return bridge.chains[chain].publicClient.getTransactionCount({ address: who });
}

describe("validateTransfer", () => {
  it("finds nothing wrong with a transfer that can go", async () => {
    expect(await client.validateTransfer(request())).toEqual({});
  });

  it("keys what the chains refuse by field: balance, gas money, deadline window", async () => {
    expect(await client.validateTransfer(request({ amount: "20000" }))).toEqual({
      amount: `amount 20000 ${DEFAULT_SYMBOL} exceeds the balance of ${alice} on l2a (10000 ${DEFAULT_SYMBOL}).`,
    });
    const pauper = "0x000000000000000000000000000000000000dEaD" as Address;
    const problems = await client.validateTransfer(request({ sender: pauper }));
    expect(problems.sender).toBe(`${pauper} has no ETH on l2a to pay for gas.`);
    expect(problems.amount).toMatch(/exceeds the balance/);
    expect((await client.validateTransfer(request({ deadlineSeconds: 5 }))).deadline).toMatch(
      /^the l2a gateway accepts a deadline between \d+ and \d+ seconds from now, not 5\.$/,
    );
    expect((await client.validateTransfer(request({ sender: undefined }))).sender).toMatch(/address is needed/);
  });

  it("reports a paused gateway and a disabled route on the field they block", async () => {
    const l2b = bridge.chains.l2b;
    await l2b.mined(l2b.gatewayAs(l2b.accounts.council).write.pause());
    try {
      expect(await client.validateTransfer(request())).toEqual({
        to: "the l2b gateway is paused, so a transfer to it could not be delivered now.",
      });
      // And from it: bridged tokens cannot leave a paused gateway either.
      expect((await client.validateTransfer(request({ from: "l2b", to: "l2a" }))).from).toMatch(
        /l2b gateway is paused/,
      );
    } finally {
      await l2b.mined(l2b.gatewayAs().write.unpause());
    }
    const l2a = bridge.chains.l2a;
    await l2a.mined(l2a.gatewayAs().write.setRoute([l2b.chainId, l2b.gateway, false]));
    try {
      expect(await client.validateTransfer(request())).toEqual({ to: "the route l2a → l2b is disabled on l2a." });
    } finally {
      await l2a.mined(l2a.gatewayAs().write.setRoute([l2b.chainId, l2b.gateway, true]));
    }
  });

  it("says when the outbound bucket lacks room now, and until when", async () => {
    const l2a = bridge.chains.l2a;
    const home = l2a.homeToken();
    await l2a.mined(l2a.gatewayAs().write.setRateLimit([901n, home, 1, tokens(10), tokens(1)]));
    try {
      // Carol takes 8 of the 10 (alice's allowance stays untouched for the tests below).
      await bridge.fund(bridge.users.carol, tokens(8));
      await bridge.send("l2a", "l2b", { amount: tokens(8), sender: l2a.accounts.carol });
      const problems = await client.validateTransfer(request());
      expect(problems.amount).toMatch(
        new RegExp(
          `^the l2a outbound rate limit has room for 2 ${DEFAULT_SYMBOL} now; send less or wait until \\d{4}-`,
        ),
      );
      expect((await client.validateTransfer(request({ amount: "11" }))).amount).toBe(
        `amount 11 ${DEFAULT_SYMBOL} is more than the l2a outbound rate limit ever lets out at once (10 ${DEFAULT_SYMBOL}).`,
      );
    } finally {
      await l2a.mined(l2a.gatewayAs().write.setRateLimit([901n, home, 1, tokens(100_000), tokens(10)]));
    }
  });

  it("reports an unreachable chain, or one the manifest does not describe, on the field that names it", async () => {
    const withL2b = (l2b: (chain: ChainInfo) => PublicClient) =>
      new BridgeClient(manifestOf(bridge), {
        publicClient: (chain) => (chain.name === "l2b" ? l2b(chain) : bridge.chains[chain.name as "l2a"].publicClient),
      });
    // Nothing listens on 127.0.0.1:9: the RPC request fails at once.
    const down = withL2b((chain) => publicClientFor({ ...chain, rpcUrl: "http://127.0.0.1:9" }));
    expect(await down.validateTransfer(request())).toEqual({ to: "cannot reach l2b at http://127.0.0.1:1/l2b." });
    // l2b's URL answers as l2a: the manifest is stale.
    const stale = withL2b(() => bridge.chains.l2a.publicClient);
    expect((await stale.validateTransfer(request())).to).toMatch(
      /reports chain id 901 but the manifest says l2b is 902; the manifest is stale\.$/,
    );
  });
});

describe("quote", () => {
  it("a small transfer takes the fast path; the quote carries limits, deadline and approval", async () => {
    const q = await client.quote(request());
    expect(q.path).toEqual({ kind: "fast" });
    // This test bridge prices no route (no FeeConfig): the fee is 0, and no drop-off is allowed.
    expect(q.fee).toEqual({
      amount: 0n,
      quote: 0n,
      delivery: 0n,
      dropOffCost: 0n,
      dropOff: 0n,
      dropOffCap: 0n,
      paid: true,
    });
    expect(q.limits).toEqual({
      fastLimit: tokens(1_000),
      outboundAvailable: tokens(100_000),
      inboundAvailable: tokens(100_000),
      largeDelaySeconds: 600,
    });
    const now = Number((await bridge.chains.l2a.publicClient.getBlock()).timestamp);
    expect(q.deadline.seconds).toBe(86_400);
    expect(q.deadline.at).toBe(now + 86_400);
    expect(q.approval).toEqual({ needed: true, allowance: 0n });
    expect(q.estimatedSeconds).toBeGreaterThan(0);
    expect(q.estimatedSeconds).toBeLessThan(600);
  });

  it("above the fast limit it is delayed, and says why", async () => {
    const q = await client.quote(request({ amount: "1500" }));
    expect(q.path).toEqual({ kind: "delayed", reason: "above-fast-limit", delaySeconds: 600 });
    expect(q.estimatedSeconds).toBeGreaterThanOrEqual(600);
  });

  it("within the fast limit but beyond the inbound bucket, it is delayed by the rate limit", async () => {
    const l2b = bridge.chains.l2b;
    const home = l2b.homeToken();
    await l2b.mined(l2b.gatewayAs().write.setRateLimit([901n, home, 0, tokens(2), tokens(1)]));
    try {
      expect((await client.quote(request())).path).toEqual({
        kind: "delayed",
        reason: "inbound-rate-limit",
        delaySeconds: 600,
      });
    } finally {
      await l2b.mined(l2b.gatewayAs().write.setRateLimit([901n, home, 0, tokens(100_000), tokens(10)]));
    }
  });

  it("throws InvalidTransferError with the problems, and quotes without a sender", async () => {
    const error = await client.quote(request({ to: "l2a" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTransferError);
    expect((error as InvalidTransferError).problems).toEqual({
      to: "the source and destination are both l2a; a transfer must go to another chain.",
    });
    const q = await client.quote(request({ sender: undefined }));
    expect(q.approval).toBeUndefined();
    expect(q.path.kind).toBe("fast");
  });
});

describe("buildTransfer and sendTransfer", () => {
  it("builds approve + send for a home token, which any wallet can sign", async () => {
    const bob = bridge.users.bob;
    const { transactions, quote } = await client.buildTransfer(request({ recipient: bob, deadlineSeconds: 3_600 }));
    expect(transactions.map((t) => t.kind)).toEqual(["approve", "send"]);
    const [approve, send] = transactions;
    expect(approve!.to).toBe(bridge.chains.l2a.token());
    expect(decodeFunctionData({ abi: erc20Abi, data: approve!.data }).args).toEqual([
      bridge.chains.l2a.gateway,
      tokens(5),
    ]);
    expect(send!.to).toBe(bridge.chains.l2a.gateway);
    expect(send!.chainId).toBe(901);
    expect(decodeFunctionData({ abi: bridgeGatewayAbi, data: send!.data })).toEqual({
      functionName: "send",
      args: [bridge.chains.l2a.token(), 902n, bob, tokens(5), BigInt(quote.deadline.at), 0n],
    });
    // Signed by a plain wallet, outside the SDK: the gateway accepts them as they are.
    const wallet = bridge.chains.l2a.accounts.alice;
    const receipts = [];
    for (const tx of transactions) {
      receipts.push(
        await bridge.chains.l2a.mined(wallet.sendTransaction({ to: tx.to, data: tx.data, value: tx.value })),
      );
    }
    expect(bridge.sentIn(receipts.at(-1)!)[0]!.message).toMatchObject({ recipient: bob, amount: tokens(5) });
    await bridge.relay(receipts.at(-1)!);
    // The allowance is used up: a bridged token (burned, never approved) needs no approval either.
    expect(
      (await client.buildTransfer(request({ from: "l2b", to: "l2a", sender: bob, amount: "1" }))).transactions.map(
        (t) => t.kind,
      ),
    ).toEqual(["send"]);
  });

  it("sends with a WalletClient, reporting progress, and returns the message; track follows it to executed", async () => {
    const progress: string[] = [];
    const wallet = bridge.chains.l2a.accounts.alice as WalletClient;
    const sent = await client.sendTransfer(request({ amount: "7" }), wallet, {
      onProgress: (p) => progress.push(`${p.step}:${p.status}`),
    });
    expect(progress).toEqual([
      "approve:signing",
      "approve:submitted",
      "approve:mined",
      "send:signing",
      "send:submitted",
      "send:mined",
    ]);
    expect(sent.message).toMatchObject({ sender: alice, recipient: alice, amount: tokens(7), destChainId: 902n });
    expect(sent.source.name).toBe("l2a");
    expect((await client.findMessage(sent.txHash)).msgId).toBe(sent.msgId);

    const before = await client.status(sent);
    expect(before.status.stage).toBe("attested"); // the fake guardians all call it signable
    expect(before.status.reason).toEqual({ kind: "relayer" });
    await bridge.deliver([sent.message]);
    const updates = [];
    for await (const u of client.track(sent.msgId, { intervalMs: 10 })) updates.push(u);
    expect(updates.at(-1)!.status).toMatchObject({ stage: "executed", final: true });
    expect(updates.at(-1)!.facts.executed?.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(updates.map((u) => u.status.stage)).toEqual(["executed"]);
  });

  it("refuses, before signing anything, a wallet on another chain or signing as someone else", async () => {
    const before = await nonce("l2a", alice);
    const onL2b = bridge.chains.l2b.accounts.alice as WalletClient;
    await expect(client.sendTransfer(request(), onL2b)).rejects.toThrow(WrongChainError);
    const asBob = bridge.chains.l2a.accounts.bob as WalletClient;
    const error = await client.sendTransfer(request(), asBob).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTransferError);
    expect((error as InvalidTransferError).problems.sender).toMatch(/the wallet signs as 0x/);
    expect(await nonce("l2a", alice)).toBe(before);
  });

  it("stops on its signal: before signing nothing is sent; while mining the wait ends, naming the hash", async () => {
    const wallet = bridge.chains.l2a.accounts.alice as WalletClient;
    const before = await nonce("l2a", alice);
    const early = await client
      .sendTransfer(request(), wallet, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(early).toBeInstanceOf(SendStoppedError);
    expect(early).toMatchObject({ what: "approve", hash: undefined });
    expect((early as SendStoppedError).shortMessage).toMatch(/was not sent\.$/);
    expect(await nonce("l2a", alice)).toBe(before);

    // A chain that does not mine: the approval is submitted and never mined until this test
    // mines it, so only the signal can end the wait.
    const provider = bridge.chains.l2a.connection.provider;
    await provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      const stop = new AbortController();
      const late = await client
        .sendTransfer(request(), wallet, {
          signal: stop.signal,
          onProgress: (p) => {
            if (p.status === "submitted") stop.abort();
          },
        })
        .catch((e: unknown) => e);
      expect(late).toBeInstanceOf(SendStoppedError);
      const { what, hash } = late as SendStoppedError;
      expect(what).toBe("approve");
      expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
      expect((late as SendStoppedError).shortMessage).toBe(
        `stopped waiting for the approve transaction ${hash}; it was submitted and may still be mined.`,
      );
      await provider.request({ method: "evm_mine", params: [] });
      const receipt = await bridge.chains.l2a.publicClient.getTransactionReceipt({ hash: hash! });
      expect(receipt.status).toBe("success");
    } finally {
      await provider.request({ method: "evm_setAutomine", params: [true] });
    }
  });
});
