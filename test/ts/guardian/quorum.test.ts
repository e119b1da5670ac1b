/**
 * The quorum reader's decisions against in-memory chains: agreeing endpoints answer; a
 * contradiction is never outvoted (whatever the quorum); a missing or lagging endpoint counts as
 * no answer; the head is the quorum-th highest; and the start-up rules for a guardian's endpoints.
 */
import { describe, expect, it } from "vitest";
import { messageId } from "../../../core/message.js";
import { ConfigError } from "../../../core/service/config.js";
import type { GatewayReader } from "../../../guardian/chain.js";
import { endpointPlan, QuorumGatewayReader, RpcDisagreementError, RpcQuorumError } from "../../../guardian/quorum.js";
import { createTestGuardian, FakeChain, testManifest, transfer } from "./fixture.js";

function reader(endpoints: Record<string, GatewayReader>, quorum = Object.keys(endpoints).length) {
  const events: string[] = [];
  const q = new QuorumGatewayReader(
    "l2a",
    Object.entries(endpoints).map(([label, r]) => ({ label, reader: r })),
    quorum,
    {
      disagreement: (what) => events.push(`disagree ${what}`),
      quorumMissed: (what) => events.push(`missed ${what}`),
      endpointError: (label) => events.push(`error ${label}`),
    },
  );
  return { q, events };
}

/** Two chains with the same blocks (same hashes: the fake derives them from number and fork). */
function twins(blocks = 5) {
  return [new FakeChain(blocks), new FakeChain(blocks)] as const;
}

describe("QuorumGatewayReader", () => {
  it("test_read_agreeingEndpoints_succeeds: logs, ids and blocks as every endpoint says", async () => {
    const [a, b] = twins();
    const message = transfer();
    a.mine(message);
    b.mine(message);
    const { q } = reader({ "a:1": a, "b:2": b });
    expect((await q.latestBlock()).number).toBe(5n);
    expect(await q.messagesSent(1n, 5n)).toHaveLength(1);
    expect(await q.sentMessageIds([0n], 5n)).toEqual([messageId(message)]);
    expect((await q.blockAt(5n))?.hash).toBe(a.blocks[5]!.ref.hash);
  });

  it("test_read_forgedLog_reverts: one extra MessageSent is a disagreement naming both endpoints", async () => {
    const [honest, poisoned] = twins();
    honest.mine();
    poisoned.mine(transfer({ amount: 10n ** 24n }));
    for (const quorum of [1, 2]) {
      const { q, events } = reader({ "honest:1": honest, "poisoned:2": poisoned }, quorum);
      await q.latestBlock();
      const error = await q.messagesSent(1n, 5n).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcDisagreementError);
      expect((error as Error).message).toMatch(
        /l2a disagree about MessageSent logs in blocks 1..5: honest:1 says \[\]; poisoned:2 says/,
      );
      expect(events).toContain("disagree MessageSent logs in blocks 1..5");
    }
  });

  it("test_read_forgedSentIds_reverts: one id of a page that differs is a disagreement about the page", async () => {
    const [honest, poisoned] = twins();
    const messages = [transfer({ nonce: 0n }), transfer({ nonce: 1n }), transfer({ nonce: 2n })];
    honest.mine(...messages);
    poisoned.mine(...messages);
    const forged = messageId(transfer({ nonce: 1n, amount: 10n ** 24n }));
    const read = poisoned.sentMessageIds.bind(poisoned);
    poisoned.sentMessageIds = async (nonces, block) =>
      (await read(nonces, block)).map((id, i) => (nonces[i] === 1n ? forged : id));
    const { q, events } = reader({ "honest:1": honest, "poisoned:2": poisoned }, 1);
    await q.latestBlock();
    await expect(q.sentMessageIds([0n, 2n], 5n)).resolves.toEqual([messageId(messages[0]!), messageId(messages[2]!)]);
    await expect(q.sentMessageIds([0n, 1n, 2n], 5n)).rejects.toThrow(
      /l2a disagree about sentMessageId\(3 nonces from 0\) at block 5: honest:1 says .*; poisoned:2 says .*/,
    );
    expect(events).toEqual(["disagree sentMessageId(3 nonces from 0) at block 5"]);
  });

  it("test_read_forgedBlockHash_reverts: a different hash at the same height is a disagreement", async () => {
    const [honest, poisoned] = twins();
    poisoned.reorg(3n);
    poisoned.mineEmpty(2);
    const { q } = reader({ "honest:1": honest, "poisoned:2": poisoned });
    await q.latestBlock();
    await expect(q.blockAt(2n)).resolves.toMatchObject({ number: 2n });
    await expect(q.blockAt(4n)).rejects.toThrow(/disagree about block 4/);
  });

  it("test_read_missingAnswer_reverts: a failed endpoint is no answer, never a fallback", async () => {
    const [a, b] = twins();
    b.failNext = new Error("connection refused");
    const { q, events } = reader({ "a:1": a, "b:2": b });
    const error = await q.latestBlock().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcQuorumError);
    expect((error as Error).message).toBe(
      "only 1 of the 2 RPC endpoints l2a needs answered the latest block: b:2: connection refused",
    );
    expect(events).toEqual(["error b:2", "missed the latest block"]);
    // With a quorum of 2 out of 3, one failure is tolerated.
    const c = new FakeChain(5);
    b.failNext = new Error("timeout");
    const { q: q3 } = reader({ "a:1": a, "b:2": b, "c:3": c }, 2);
    await expect(q3.latestBlock()).resolves.toMatchObject({ number: 4n });
  });

  it("test_latestBlock_laggingEndpoint_succeeds: the head all have reached; reads above it wait", async () => {
    const [ahead, behind] = twins();
    const message = transfer();
    ahead.mine(message);
    ahead.mineEmpty(2);
    const { q } = reader({ "ahead:1": ahead, "behind:2": behind });
    expect((await q.latestBlock()).number).toBe(4n);
    // The lagging endpoint is not asked about blocks it has not reached: too few answers.
    await expect(q.messagesSent(5n, 7n)).rejects.toThrow(/only 1 of the 2 .* behind:2: lagging \(head 4\)/);
    behind.mine(message);
    behind.mineEmpty(2);
    expect((await q.latestBlock()).number).toBe(7n);
    expect(await q.messagesSent(5n, 7n)).toHaveLength(1);
  });

  it("test_follower_poisonedEndpoint_nothingSignable: a guardian over honest + poisoned views", async () => {
    const [honestA, poisonedA] = twins(3);
    const real = transfer();
    honestA.mine(real);
    poisonedA.mine(real, transfer({ nonce: 1n, amount: 10n ** 24n }));
    for (const c of [honestA, poisonedA]) c.mineEmpty(3);
    const l2a = new QuorumGatewayReader(
      "l2a",
      [
        { label: "honest:1", reader: honestA },
        { label: "poisoned:2", reader: poisonedA },
      ],
      2,
    );
    const { guardian } = createTestGuardian({ l2a: l2a as unknown as FakeChain });
    await guardian.pollOnce().catch(() => undefined);
    for (let i = 0; i < 5; i++) await guardian.pollOnce().catch(() => undefined);
    await expect(guardian.message(messageId(real))).rejects.toThrow(/has not been seen/);
  });
});

describe("endpointPlan", () => {
  const chains = () => testManifest().chains.filter((c) => c.gateway !== undefined);

  it("test_plan_twoEndpointsEach_succeeds: quorum all by default, or the number given", () => {
    const withTwo = chains().map((c) => ({ ...c, rpcUrls: [`http://a.example/${c.name}`, "http://b.example:8545"] }));
    expect([...endpointPlan(withTwo, "all", false).values()].map((p) => p.quorum)).toEqual([2, 2]);
    const withThree = withTwo.map((c) => ({ ...c, rpcUrls: [...c.rpcUrls, "http://c.example"] }));
    expect([...endpointPlan(withThree, 2, false).values()].map((p) => p.quorum)).toEqual([2, 2]);
  });

  it("test_plan_oneEndpointOrTooFew_reverts: refused unless DEVNET; fewer URLs than the quorum always", () => {
    expect(() => endpointPlan(chains(), "all", false)).toThrow(ConfigError);
    expect(() => endpointPlan(chains(), "all", false)).toThrow(/l2a: one RPC URL — a guardian needs at least two/);
    expect(endpointPlan(chains(), "all", true).get(901)).toEqual({ urls: ["http://127.0.0.1:1"], quorum: 1 });
    expect(() => endpointPlan(chains(), 2, true)).toThrow(/l2a: 1 RPC URL\(s\), fewer than RPC_QUORUM=2 needs/);
    const sameHost = chains().map((c) => ({ ...c, rpcUrls: ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"] }));
    expect(() => endpointPlan(sameHost, "all", false)).toThrow(/share a host and port/);
    const quorumOne = chains().map((c) => ({ ...c, rpcUrls: ["http://a.example", "http://b.example"] }));
    expect(() => endpointPlan(quorumOne, 1, false)).toThrow(/a quorum of one/);
  });
});
