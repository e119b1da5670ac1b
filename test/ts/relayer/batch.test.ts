/** Batch shaping: token-then-nonce order (core/batch-order.ts), de-duplication, bisection, expiry. */
import { describe, expect, it } from "vitest";
import { getAddress, type Hex } from "viem";
import { orderBatch } from "../../../core/batch-order.js";
import { byRoute, halves, isExpired, uniqueById } from "../../../relayer/batch.js";
import { TOKEN_A, TOKEN_B, testMessage } from "./fixtures.js";

describe("orderBatch", () => {
  it("test_orderBatch_groupsByTokenThenNonce_succeeds: one run per token, nonces ascending within it", () => {
    const items = [
      testMessage({ token: TOKEN_B, nonce: 3n }),
      testMessage({ token: TOKEN_A, nonce: 7n }),
      testMessage({ token: TOKEN_B, nonce: 1n }),
      testMessage({ token: TOKEN_A, nonce: 2n }),
      testMessage({ token: TOKEN_A, nonce: 10n }),
    ];
    const ordered = orderBatch(items).map((i) => [i.message.token, i.message.nonce]);
    expect(ordered).toEqual([
      [TOKEN_A, 2n],
      [TOKEN_A, 7n],
      [TOKEN_A, 10n],
      [TOKEN_B, 1n],
      [TOKEN_B, 3n],
    ]);
  });

  it("test_orderBatch_comparesTokensNumerically_succeeds: checksum casing does not change the order", () => {
    // Checksummed addresses mix cases, so a string sort would order them by letter case.
    const tokens = [
      "0x00000000000000000000000000000000000000cc",
      "0x00000000000000000000000000000000000000bb",
      "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359",
    ].map((t) => getAddress(t));
    const items = tokens.map((token, i) => testMessage({ token, nonce: BigInt(i) }));
    const numeric = [...tokens].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(orderBatch(items).map((i) => i.message.token)).toEqual(numeric);
  });

  it("test_orderBatch_doesNotMutateInput_succeeds", () => {
    const items = [testMessage({ nonce: 2n }), testMessage({ nonce: 1n })];
    const copy = [...items];
    orderBatch(items);
    expect(items).toEqual(copy);
  });
});

describe("uniqueById / halves / isExpired", () => {
  it("test_uniqueById_dropsRepeatedMessages_succeeds", () => {
    const a = testMessage({ nonce: 1n });
    const b = testMessage({ nonce: 2n });
    expect(uniqueById([a, b, { ...a, msgId: a.msgId.toUpperCase().replace("0X", "0x") as Hex }])).toEqual([a, b]);
  });

  it("test_byRoute_groupsBySourceAndDestinationInOrder_succeeds", () => {
    const a = testMessage({ nonce: 1n });
    const b = testMessage({ nonce: 2n, destChainId: 903n });
    const c = testMessage({ nonce: 3n });
    const d = testMessage({ nonce: 1n, sourceChainId: 903n });
    expect([...byRoute([a, b, c, d])]).toEqual([
      ["901-902", [a, c]],
      ["901-903", [b]],
      ["903-902", [d]],
    ]);
  });

  it("test_halves_splitsOddBatchesLargerFirst_succeeds", () => {
    expect(halves([1, 2, 3, 4, 5])).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(halves([1])).toEqual([[1], []]);
  });

  it("test_isExpired_atDeadlineStillDeliverable_succeeds: the gateway accepts block.timestamp == deadline", () => {
    const { message } = testMessage({ deadline: 100n });
    expect(isExpired(message, 100n)).toBe(false);
    expect(isExpired(message, 101n)).toBe(true);
  });
});
