/**
 * Decoding `deliver` calldata back into full messages (monitor/checks/deliveries.ts): a fast
 * message is known to the monitor only through this, so the rebuilt message and its id must be
 * exactly what the gateway hashed.
 */
import { describe, expect, it } from "vitest";
import { encodeFunctionData, getAddress, keccak256, numberToHex, toHex, type Address, type Hex } from "viem";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { deliverArgs, MESSAGE_VERSION, messageId, type Message } from "../../../core/message.js";
import { deliverCallsInTrace, messagesFromDeliverCalldata } from "../../../monitor/checks/deliveries.js";

const addr = (n: number): Address => getAddress(numberToHex(n, { size: 20 }));
const GATEWAY = addr(0xaaaa);

function message(nonce: bigint, overrides: Partial<Message> = {}): Message {
  return {
    version: MESSAGE_VERSION,
    nonce,
    sourceChainId: 901n,
    destChainId: 902n,
    sourceGateway: addr(0x901),
    destGateway: GATEWAY,
    sender: addr(0x51),
    recipient: addr(0x52),
    tokenChainId: 901n,
    token: addr(0x70),
    amount: 10n ** 18n * (nonce + 1n),
    deadline: 1_900_000_000n,
    dropOff: nonce * 3n,
    ...overrides,
  };
}

function deliverCalldata(messages: Message[], proofs: Hex[][] = []): Hex {
  return encodeFunctionData({
    abi: bridgeGatewayAbi,
    functionName: "deliver",
    args: deliverArgs(messages, { guardianSetIndex: 0, signatures: "0x" }, proofs),
  });
}

/** The delivering gateway's chain: the packed batch does not carry the destination. */
const DEST = 902n;

describe("messagesFromDeliverCalldata", () => {
  it("test_messagesFromDeliverCalldata_batch_rebuildsEveryMessageAndId", () => {
    const messages = [message(0n), message(7n, { recipient: addr(0x99), amount: 2n ** 255n }), message(2n ** 64n - 1n)];
    const decoded = messagesFromDeliverCalldata(deliverCalldata(messages), DEST, GATEWAY);
    expect(decoded).toEqual(messages.map((m) => ({ msgId: messageId(m), message: m })));
  });

  it("test_messagesFromDeliverCalldata_withProofs_succeeds", () => {
    const messages = [message(1n), message(2n)];
    const proofs = [[keccak256(toHex("a"))], [keccak256(toHex("b"))]];
    expect(messagesFromDeliverCalldata(deliverCalldata(messages, proofs), DEST, GATEWAY)?.map((d) => d.msgId)).toEqual(
      messages.map(messageId),
    );
  });

  it("test_messagesFromDeliverCalldata_otherFunction_returnsUndefined", () => {
    const execute = encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "execute", args: [keccak256("0x01")] });
    expect(messagesFromDeliverCalldata(execute, DEST, GATEWAY)).toBeUndefined();
    expect(messagesFromDeliverCalldata("0x", DEST, GATEWAY)).toBeUndefined();
  });

  it("test_messagesFromDeliverCalldata_truncated_returnsUndefined", () => {
    const data = deliverCalldata([message(3n)]);
    expect(messagesFromDeliverCalldata(data.slice(0, 200) as Hex, DEST, GATEWAY)).toBeUndefined();
  });
});

describe("deliverCallsInTrace", () => {
  it("test_deliverCallsInTrace_nestedCalls_findsOnlySuccessfulCallsToGateway", () => {
    const ok = deliverCalldata([message(4n)]);
    const reverted = deliverCalldata([message(5n)]);
    const trace = {
      to: addr(0xc0ffee),
      input: "0x12345678" as Hex,
      calls: [
        { to: GATEWAY, input: ok },
        { to: addr(0xbad), input: reverted },
        { to: addr(0xc1), input: "0x" as Hex, calls: [{ to: GATEWAY, input: reverted, error: "execution reverted" }] },
        { to: addr(0xc2), input: "0x" as Hex, error: "out of gas", calls: [{ to: GATEWAY, input: reverted }] },
      ],
    };
    expect(deliverCallsInTrace(trace, GATEWAY)).toEqual([ok]);
  });
});
