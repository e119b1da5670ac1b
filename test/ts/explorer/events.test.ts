/**
 * Gateway logs → indexed rows (explorer/events.ts). The explorer decodes a log against the one
 * ABI item its signature topic names (looked up, not re-hashed per log) and a MessageSent once;
 * what comes out must be what decoding against the whole gateway ABI gives.
 */
import { describe, expect, it } from "vitest";
import {
  decodeEventLog,
  encodeAbiParameters,
  encodeEventTopics,
  getAddress,
  keccak256,
  toHex,
  type Address,
  type Hex,
  type Log,
} from "viem";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { messageAbiParameter, messageId, messageToJson, type Message } from "../../../core/message.js";
import { decodeGatewayLog, jsonSafe } from "../../../explorer/events.js";

// Checksummed, as decoding gives them back.
const GATEWAY = getAddress("0x00000000000000000000000000000000000000a1");
const OTHER = getAddress("0x00000000000000000000000000000000000000b2");
const TOKEN = "0x3333333333333333333333333333333333333333" as Address;

const message: Message = {
  version: 2,
  nonce: 7n,
  sourceChainId: 901n,
  destChainId: 902n,
  sourceGateway: GATEWAY,
  destGateway: OTHER,
  sender: "0x1111111111111111111111111111111111111111",
  recipient: "0x2222222222222222222222222222222222222222",
  tokenChainId: 901n,
  token: TOKEN,
  amount: 1_000_123n,
  deadline: 2_000_000_000n,
  dropOff: 0n,
};

function log(topics: readonly unknown[], data: Hex): Log {
  return {
    address: GATEWAY,
    topics: topics as [Hex, ...Hex[]],
    data,
    blockNumber: 12n,
    logIndex: 3,
    transactionHash: keccak256(toHex("tx")),
    blockHash: keccak256(toHex("block 12")),
    transactionIndex: 0,
    removed: false,
  };
}

const base = {
  chainId: 901,
  blockNumber: 12,
  logIndex: 3,
  txHash: keccak256(toHex("tx")),
  blockHash: keccak256(toHex("block 12")),
  time: 1_700_000_012,
};

/** What decoding against the whole ABI gives (the explorer's output before the lookup). */
function wholeAbi(l: Log) {
  const d = decodeEventLog({ abi: bridgeGatewayAbi, data: l.data, topics: l.topics });
  return { name: d.eventName, args: jsonSafe(d.args) };
}

describe("decodeGatewayLog", () => {
  it("decodes a MessageSent into the event and the message, as the whole gateway ABI does", () => {
    const msgId = messageId(message);
    const l = log(
      encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageSent", args: { msgId } }),
      encodeAbiParameters([messageAbiParameter, { type: "uint256" }, { type: "uint256" }], [message, 0n, 0n]),
    );
    const decoded = decodeGatewayLog(901, l, base.time);
    expect(decoded.problem).toBeUndefined();
    expect(decoded.event).toEqual({ ...base, ...wholeAbi(l), msgId: msgId.toLowerCase() });
    expect(decoded.sent).toEqual({ ...base, msgId: msgId.toLowerCase(), message: messageToJson(message) });
  });

  it("decodes other events (indexed and data arguments) as the whole gateway ABI does", () => {
    const executed = log(
      encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageExecuted", args: { msgId: messageId(message) } }),
      "0x",
    );
    expect(decodeGatewayLog(901, executed, base.time)).toEqual({
      event: { ...base, ...wholeAbi(executed), msgId: messageId(message).toLowerCase() },
    });
    const rateLimit = log(
      encodeEventTopics({
        abi: bridgeGatewayAbi,
        eventName: "RateLimitSet",
        args: { homeChainId: 901n, homeToken: TOKEN, direction: 1 },
      }),
      encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [5_000_000n, 100n]),
    );
    const decoded = decodeGatewayLog(901, rateLimit, base.time);
    expect(decoded).toEqual({ event: { ...base, ...wholeAbi(rateLimit), msgId: null } });
    expect(decoded.event.args).toEqual({
      homeChainId: "901",
      homeToken: TOKEN,
      direction: 1,
      capacity: "5000000",
      refillPerSecond: "100",
    });
  });

  it("keeps a log no gateway event matches raw, as Unknown, with a reason", () => {
    const l = log([keccak256(toHex("NotAGatewayEvent(uint256)"))], "0x01");
    const decoded = decodeGatewayLog(901, l, base.time);
    expect(decoded.event).toEqual({ ...base, name: "Unknown", msgId: null, args: { topics: l.topics, data: "0x01" } });
    expect(decoded.problem).toMatch(/no gateway event has the signature topic 0x/);
  });

  it("keeps a known event whose data does not decode raw, as Unknown, with a reason", () => {
    const l = log(
      encodeEventTopics({
        abi: bridgeGatewayAbi,
        eventName: "MessageSent",
        args: { msgId: message.token.padEnd(66, "0") as Hex },
      }),
      "0x1234",
    );
    const decoded = decodeGatewayLog(901, l, base.time);
    expect(decoded.event.name).toBe("Unknown");
    expect(decoded.sent).toBeUndefined();
    expect(decoded.problem).toBeTruthy();
  });

  it("keeps a MessageSent whose id does not match its message as an event, never as a message", () => {
    const wrongId = keccak256(toHex("not this message"));
    const l = log(
      encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageSent", args: { msgId: wrongId } }),
      encodeAbiParameters([messageAbiParameter, { type: "uint256" }, { type: "uint256" }], [message, 0n, 0n]),
    );
    const decoded = decodeGatewayLog(901, l, base.time);
    expect(decoded.event).toEqual({ ...base, ...wholeAbi(l), msgId: wrongId.toLowerCase() });
    expect(decoded.sent).toBeUndefined();
    expect(decoded.problem).toMatch(/does not match its message/);
  });
});
