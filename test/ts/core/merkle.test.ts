/**
 * `core/merkle.ts`: every proof of random batches leads to the root, and deliveries built with
 * it are accepted by `BridgeGateway` both ways a relayer can submit them (whole batch with no
 * proofs: the contract recomputes the root; any subset with per-message proofs). Together these
 * prove the TypeScript and Solidity trees are the same tree.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concat, keccak256, type Hex, type TransactionReceipt } from "viem";
import { hashPair, merkleProof, merkleRoot, processProof } from "../../../core/merkle.js";
import { messageId, type Message } from "../../../core/message.js";
import { createBridge, tokens, type TestBridge } from "../helpers/bridge.js";
import { FUZZ_SEED, Random } from "../helpers/random.js";
import { expectRevert } from "../helpers/revert.js";

/** Distinct leaves, as message ids are. */
const leavesOf = (rng: Random, n: number): Hex[] => Array.from({ length: n }, () => rng.bytes32(false));

describe(`core/merkle (FUZZ_SEED=${FUZZ_SEED})`, () => {
  it("testFuzz_proofs: every proof of a random batch of each size 1..33 leads to the root", () => {
    const rng = new Random(FUZZ_SEED + 10n);
    for (let n = 1; n <= 33; n++) {
      const leaves = leavesOf(rng, n);
      const root = merkleRoot(leaves);
      leaves.forEach((leaf, i) => {
        const proof = merkleProof(leaves, i);
        expect(proof.length, `n=${n} i=${i}`).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
        expect(processProof(leaf, proof), `n=${n} i=${i}`).toBe(root);
        // The proof is specific to its leaf: another leaf, or a damaged sibling, misses the root.
        if (n > 1) expect(processProof(leaves[(i + 1) % n]!, proof)).not.toBe(root);
        if (proof.length > 0) expect(processProof(leaf, [rng.bytes32(false), ...proof.slice(1)])).not.toBe(root);
      });
    }
  });

  it("test_merkleRoot_smallTrees: sorted-pair keccak, odd node moves up, one leaf is its own root", () => {
    const [a, b, c] = leavesOf(new Random(FUZZ_SEED + 11n), 3) as [Hex, Hex, Hex];
    const sortedPair = (x: Hex, y: Hex) => keccak256(BigInt(x) < BigInt(y) ? concat([x, y]) : concat([y, x]));
    expect(merkleRoot([a])).toBe(a);
    expect(merkleProof([a], 0)).toEqual([]);
    expect(merkleRoot([a, b])).toBe(sortedPair(a, b));
    expect(merkleRoot([b, a])).toBe(merkleRoot([a, b]));
    expect(merkleRoot([a, b, c])).toBe(sortedPair(sortedPair(a, b), c));
    expect(merkleProof([a, b, c], 2)).toEqual([hashPair(a, b)]);
  });

  it("test_merkle_badInput_throws: no empty trees, no proofs for leaves that do not exist", () => {
    expect(() => merkleRoot([])).toThrow(/at least one message/);
    expect(() => merkleProof([keccak256("0x01")], 1)).toThrow(/no leaf 1/);
    expect(() => merkleProof([keccak256("0x01")], -1)).toThrow(/no leaf -1/);
  });
});

describe("core/merkle trees delivered to BridgeGateway", () => {
  let bridge: TestBridge;
  const rng = new Random(FUZZ_SEED + 12n);

  beforeAll(async () => {
    bridge = await createBridge();
    await bridge.fund(bridge.users.alice, tokens(10_000));
  });
  afterAll(() => bridge.close());

  /** Sends `n` transfers l2a → l2b of random amounts (below the fast limit) to distinct recipients. */
  async function sendBatch(n: number): Promise<Message[]> {
    const receipts: TransactionReceipt[] = [];
    for (let i = 0; i < n; i++) {
      const amount = 1n + rng.uint(64);
      receipts.push(await bridge.send("l2a", "l2b", { amount, recipient: rng.address(false) }));
    }
    return receipts.flatMap((r) => bridge.sentIn(r)).map((s) => s.message);
  }

  it.each([1, 2, 3, 4, 7, 16, 33])(
    "test_deliver_wholeBatchOf%iNoProofs_succeeds: the contract's root equals core's",
    async (n) => {
      const batch = await sendBatch(n);
      const delivery = await bridge.deliver(batch);
      expect(delivery.executed).toEqual(batch.map(messageId));
      for (const m of batch) expect(await bridge.chains.l2b.balanceOf(m.recipient)).toBe(m.amount);
    },
  );

  it.each([1, 2, 5, 9, 33])(
    "test_deliver_subsetsOf%iWithProofs_succeeds: any subset, each message with its own proof, under one attestation",
    async (n) => {
      const batch = await sendBatch(n);
      const ids = batch.map(messageId);
      const root = merkleRoot(ids);
      const attestation = await bridge.attest(
        { destChainId: batch[0]!.destChainId, destGateway: batch[0]!.destGateway },
        root,
      );

      // A random subset first (in shuffled order), then the rest, with the same attestation.
      const order = batch.map((_, i) => i).sort(() => rng.int(3) - 1);
      const cut = 1 + rng.int(n);
      for (const part of [order.slice(0, cut), order.slice(cut)].filter((p) => p.length > 0)) {
        const delivery = await bridge.deliver(
          part.map((i) => batch[i]!),
          { root, attestation, proofs: part.map((i) => merkleProof(ids, i)) },
        );
        expect(delivery.executed).toEqual(part.map((i) => ids[i]));
      }
    },
  );

  it("test_deliver_proofForAnotherLeaf_reverts: BridgeInvalidProof names the message", async () => {
    const batch = await sendBatch(4);
    const ids = batch.map(messageId);
    const root = merkleRoot(ids);
    const attestation = await bridge.attest(
      { destChainId: batch[0]!.destChainId, destGateway: batch[0]!.destGateway },
      root,
    );
    const proofs = [merkleProof(ids, 0), merkleProof(ids, 2)];
    await expectRevert(bridge.deliver([batch[0]!, batch[1]!], { root, attestation, proofs }), "BridgeInvalidProof", [
      ids[1],
    ]);
  });

  it("test_deliver_proofsCountMismatch_reverts: BridgeInvalidBatch", async () => {
    const batch = await sendBatch(2);
    const ids = batch.map(messageId);
    await expectRevert(
      bridge.deliver(batch, { root: merkleRoot(ids), proofs: [merkleProof(ids, 0)] }),
      "BridgeInvalidBatch",
      [],
    );
  });
});
