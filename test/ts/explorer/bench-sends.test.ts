/**
 * bench:explorer's sends (bench/explorer-sends.ts). The PostgreSQL half of the bench used to stall
 * at 9,920 of 10,000 streamed messages: every sender was funded with 2 × ⌈N/S⌉ + 1 whole tokens,
 * but send i costs one token plus i base units, and with BETA's 6 decimals the extra units of a
 * sender's 500 sends (two phases) come to more than one token, so its last two sends of the
 * second phase reverted (40 senders × 2 = 80 messages never sent), unnoticed by the bench.
 */
import { describe, expect, it } from "vitest";
import { encodeAbiParameters, encodeEventTopics, keccak256, type Address, type Hex } from "viem";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { messageAbiParameter, messageId, type Message } from "../../../core/message.js";
import {
  describeFailedSends,
  fundingPerSender,
  sendAmount,
  senderOf,
  sendOutcome,
  type SendReceipt,
} from "../../../bench/explorer-sends.js";

const GATEWAY = "0x00000000000000000000000000000000000000a1" as Address;
const OTHER = "0x00000000000000000000000000000000000000b2" as Address;

/** How many of `phases` × `n` sends revert for want of funds when sender s holds `funding[s]`. */
function unaffordable(n: number, senders: number, oneToken: bigint, phases: number, funding: readonly bigint[]) {
  const left = [...funding];
  let failed = 0;
  for (let phase = 0; phase < phases; phase++) {
    for (let i = 0; i < n; i++) {
      const s = senderOf(i, senders);
      const amount = sendAmount(i, oneToken);
      if (amount <= left[s]!) left[s]! -= amount;
      else failed++;
    }
  }
  return { failed, left };
}

describe("bench:explorer funding", () => {
  it("covers every send of both phases for the bench's defaults (10,000 sends, 40 senders, BETA's 6 decimals)", () => {
    const oneToken = 10n ** 6n;
    const funding = fundingPerSender(10_000, 40, oneToken, 2);
    expect(funding).toHaveLength(40);
    const { failed, left } = unaffordable(10_000, 40, oneToken, 2, funding);
    expect(failed).toBe(0);
    // Exact: nothing left over either, so the sum is the sends' and not a guess.
    expect(left.every((l) => l === 0n)).toBe(true);
  });

  it("is exact for uneven splits and 18 decimals too", () => {
    for (const [n, senders, oneToken] of [
      [7, 3, 10n ** 18n],
      [1, 1, 1n],
      [1001, 40, 10n ** 6n],
    ] as const) {
      const funding = fundingPerSender(n, senders, oneToken, 3);
      expect(unaffordable(n, senders, oneToken, 3, funding)).toEqual({
        failed: 0,
        left: Array.from({ length: senders }, () => 0n),
      });
    }
  });

  it("the rule it replaced (2 × ⌈N/S⌉ + 1 tokens each) leaves exactly the 80 sends the stream missed", () => {
    const oneToken = 10n ** 6n;
    const old = Array.from({ length: 40 }, () => BigInt(2 * Math.ceil(10_000 / 40) + 1) * oneToken);
    expect(unaffordable(10_000, 40, oneToken, 2, old).failed).toBe(80);
  });
});

function sentLog(nonce: number): { log: SendReceipt["logs"][number]; msgId: Hex } {
  const message: Message = {
    version: 2,
    nonce: BigInt(nonce),
    sourceChainId: 902n,
    destChainId: 901n,
    sourceGateway: GATEWAY,
    destGateway: OTHER,
    sender: "0x1111111111111111111111111111111111111111",
    recipient: "0x2222222222222222222222222222222222222222",
    tokenChainId: 902n,
    token: "0x3333333333333333333333333333333333333333",
    amount: 1_000_000n,
    deadline: 2_000_000_000n,
    dropOff: 0n,
  };
  const msgId = messageId(message);
  return {
    msgId,
    log: {
      address: GATEWAY,
      topics: encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageSent", args: { msgId } }) as [
        Hex,
        ...Hex[],
      ],
      data: encodeAbiParameters([messageAbiParameter, { type: "uint256" }, { type: "uint256" }], [message, 0n, 0n]),
    },
  };
}

const hash = (i: number) => keccak256(`0x${i.toString(16).padStart(2, "0")}`);
const receipt = (i: number, status: Hex, logs: SendReceipt["logs"]): SendReceipt => ({
  transactionHash: hash(i),
  status,
  blockNumber: "0x10",
  logs,
});

describe("bench:explorer send outcomes", () => {
  it("collects one message id per successful send and nothing to complain about", () => {
    const a = sentLog(1);
    const b = sentLog(2);
    const outcome = sendOutcome([hash(1), hash(2)], [receipt(1, "0x1", [a.log]), receipt(2, "0x1", [b.log])], GATEWAY);
    expect(outcome).toEqual({ msgIds: [a.msgId, b.msgId], reverted: [], unmined: [], odd: [] });
    expect(describeFailedSends(outcome, 2)).toBeUndefined();
  });

  it("names reverted, unmined and message-less sends in one sentence", () => {
    const a = sentLog(1);
    const elsewhere = { ...sentLog(4).log, address: OTHER };
    const outcome = sendOutcome(
      [hash(1), hash(2), hash(3), hash(4)],
      [receipt(1, "0x1", [a.log]), receipt(2, "0x0", []), null, receipt(4, "0x1", [elsewhere])],
      GATEWAY,
    );
    expect(outcome).toEqual({ msgIds: [a.msgId], reverted: [hash(2)], unmined: [hash(3)], odd: [hash(4)] });
    const sentence = describeFailedSends(outcome, 4, "ERC20InsufficientAllowance");
    expect(sentence).toBe(
      `of 4 sends, 1 sent a message and 1 reverted (first ${hash(2)}: ERC20InsufficientAllowance), ` +
        `1 not mined (first ${hash(3)}), 1 emitted no single MessageSent (first ${hash(4)}): ` +
        "the bench's sends are at fault, not the explorer",
    );
  });
});
