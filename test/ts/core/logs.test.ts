/**
 * core/logs.ts decodes `MessageSent` by hand (every field static, sliced from the data). These
 * tests hold it to viem's generic decoder on fuzzed messages, and to refusing what a strict ABI
 * decoder refuses: a word with dirty high bits, data of the wrong length, an id that is not the
 * message's.
 */
import { describe, expect, it } from "vitest";
import { decodeEventLog, encodeAbiParameters, encodeEventTopics, getAbiItem, type Hex } from "viem";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import {
  decodeDeliveryOutcomes,
  decodeMessageSent,
  decodeMessagesSent,
  MESSAGE_SENT_TOPIC,
} from "../../../core/logs.js";
import { messageFromWords, messageId, MESSAGE_WORDS, type Message } from "../../../core/message.js";
import { FUZZ_SEED, Random } from "../helpers/random.js";

const EVENT = getAbiItem({ abi: bridgeGatewayAbi, name: "MessageSent" });

/** The log a gateway emits for `message` (as the contract encodes it: viem's encoder). */
function sentLog(message: Message, fee: bigint, quote: bigint, id: Hex = messageId(message)) {
  const topics = encodeEventTopics({ abi: [EVENT], eventName: "MessageSent", args: { msgId: id } }) as Hex[];
  const data = encodeAbiParameters(EVENT.inputs.slice(1), [message, fee, quote]);
  return { topics: topics as [Hex, ...Hex[]], data };
}

/** Replaces 32-byte word `i` of `data`. */
function withWord(data: Hex, i: number, word: string): Hex {
  return `0x${data.slice(2, 2 + 64 * i)}${word}${data.slice(2 + 64 * (i + 1))}`;
}

describe("decodeMessageSent", () => {
  it("agrees with viem's decoder on fuzzed messages, fees and quotes", () => {
    const rng = new Random(FUZZ_SEED + 21n);
    for (let i = 0; i < 300; i++) {
      const message = rng.message();
      const fee = rng.uint(256);
      const quote = rng.uint(256);
      const log = sentLog(message, fee, quote);
      const viem = decodeEventLog({ abi: [EVENT], ...log });
      const ours = decodeMessageSent(log);
      expect(ours).toEqual({ msgId: viem.args.msgId, message: { ...viem.args.message }, fee, quote });
      expect(ours.msgId).toBe(messageId(message));
    }
  });

  it("reads upper-case hex as the same message", () => {
    const message = new Random(FUZZ_SEED + 22n).message();
    const log = sentLog(message, 1n, 2n);
    const upper = { topics: log.topics.map((t) => `0x${t.slice(2).toUpperCase()}`) as [Hex, ...Hex[]], data: log.data };
    upper.topics[0] = MESSAGE_SENT_TOPIC!;
    expect(decodeMessageSent({ ...upper, data: `0x${log.data.slice(2).toUpperCase()}` }).message).toEqual(message);
  });

  it("refuses a log whose id is not its message's", () => {
    const rng = new Random(FUZZ_SEED + 23n);
    const message = rng.message();
    const log = sentLog(message, 0n, 0n, messageId({ ...message, nonce: message.nonce + 1n }));
    expect(() => decodeMessageSent(log)).toThrow(/does not match its message/);
  });

  it("refuses dirty high bits in an address or a narrow integer, as a strict decoder does", () => {
    const message = new Random(FUZZ_SEED + 24n).message();
    const log = sentLog(message, 0n, 0n);
    const fields: string[] = EVENT.inputs[1]!.components.map((c) => c.name);
    const dirty = (name: string, width: number) => {
      const i = fields.indexOf(name);
      const word = log.data.slice(2 + 64 * i, 2 + 64 * (i + 1));
      const changed = `${"0".repeat(63 - width / 4)}1${word.slice(64 - width / 4)}`;
      return withWord(log.data, i, changed);
    };
    expect(() => decodeMessageSent({ ...log, data: dirty("sender", 160) })).toThrow(/not a canonical address/);
    expect(() => decodeMessageSent({ ...log, data: dirty("version", 8) })).toThrow(/not a canonical uint8/);
    expect(() => decodeMessageSent({ ...log, data: dirty("nonce", 64) })).toThrow(/not a canonical uint64/);
    expect(() => decodeMessageSent({ ...log, data: dirty("dropOff", 128) })).toThrow(/not a canonical uint128/);
  });

  it("refuses data of the wrong length and logs of another event", () => {
    const message = new Random(FUZZ_SEED + 25n).message();
    const log = sentLog(message, 0n, 0n);
    expect(() => decodeMessageSent({ ...log, data: `${log.data}00` })).toThrow(/bytes, not/);
    expect(() => decodeMessageSent({ ...log, data: log.data.slice(0, -64) as Hex })).toThrow(/bytes, not/);
    const other = encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageExecuted" })[0]!;
    expect(() => decodeMessageSent({ ...log, topics: [other, log.topics[1]!] })).toThrow(/not a MessageSent log/);
  });

  it("decodeMessagesSent keeps only the gateway's MessageSent logs, in order", () => {
    const rng = new Random(FUZZ_SEED + 26n);
    const gateway = rng.address();
    const messages = [rng.message(), rng.message()];
    const logs = [
      { ...sentLog(messages[0]!, 0n, 0n), address: gateway },
      { ...sentLog(rng.message(), 0n, 0n), address: rng.address() },
      { ...sentLog(messages[1]!, 0n, 0n), address: gateway },
    ];
    expect(decodeMessagesSent(logs, gateway).map((s) => s.message)).toEqual(messages);
  });
});

describe("messageFromWords", () => {
  it("refuses anything but MESSAGE_WORDS words of lower-case hex", () => {
    expect(() => messageFromWords("00".repeat(32 * MESSAGE_WORDS - 1))).toThrow(/words of lower-case hex/);
    expect(() => messageFromWords("0x" + "00".repeat(32 * MESSAGE_WORDS - 1))).toThrow(/words of lower-case hex/);
  });
});

describe("decodeDeliveryOutcomes", () => {
  const GATEWAY = "0x00000000000000000000000000000000000000aa" as const;
  const OTHER = "0x00000000000000000000000000000000000000bb" as const;
  const EXECUTED = getAbiItem({ abi: bridgeGatewayAbi, name: "MessageExecuted" });
  const QUEUED = getAbiItem({ abi: bridgeGatewayAbi, name: "MessageQueued" });

  function executedLog(msgId: Hex, address: Hex = GATEWAY) {
    const topics = encodeEventTopics({ abi: [EXECUTED], eventName: "MessageExecuted", args: { msgId } }) as Hex[];
    return { address, topics: topics as [Hex, ...Hex[]], data: "0x" as Hex };
  }
  function queuedLog(msgId: Hex, sourceChainId: bigint, nonce: bigint, executableAt: bigint) {
    const topics = encodeEventTopics({
      abi: [QUEUED],
      eventName: "MessageQueued",
      args: { msgId, sourceChainId },
    }) as Hex[];
    const data = encodeAbiParameters(QUEUED.inputs.slice(2), [nonce, executableAt]);
    return { address: GATEWAY as Hex, topics: topics as [Hex, ...Hex[]], data };
  }

  it("agrees with viem's decoder on a delivery's receipt, and reads only the gateway's logs", () => {
    const rng = new Random(FUZZ_SEED + 22n);
    const logs = [];
    const expected = { executed: new Set<string>(), queued: new Map<string, bigint>() };
    for (let i = 0; i < 100; i++) {
      const id = messageId(rng.message());
      if (i % 3 === 0) {
        const log = queuedLog(id, rng.uint(64), rng.uint(64), rng.uint(64));
        const viem = decodeEventLog({ abi: [QUEUED], ...log });
        expected.queued.set(viem.args.msgId.toLowerCase(), viem.args.executableAt);
        logs.push(log);
      } else {
        const log = executedLog(id);
        expected.executed.add(decodeEventLog({ abi: [EXECUTED], ...log }).args.msgId.toLowerCase());
        logs.push(log);
      }
      // Look-alikes from another contract, and an unrelated event of the gateway.
      logs.push(executedLog(messageId(rng.message()), OTHER));
      logs.push({ ...sentLog(rng.message(), 1n, 1n), address: GATEWAY as Hex });
    }
    expect(decodeDeliveryOutcomes(logs, GATEWAY)).toEqual(expected);
  });

  it("refuses a log of the right signature and the wrong shape", () => {
    const id = messageId(new Random(FUZZ_SEED + 23n).message());
    const queued = queuedLog(id, 1n, 2n, 3n);
    expect(() => decodeDeliveryOutcomes([{ ...queued, data: `${queued.data}00` }], GATEWAY)).toThrow(/malformed/);
    expect(() => decodeDeliveryOutcomes([withTopBit(queued)], GATEWAY)).toThrow(/uint64/);
    expect(() => decodeDeliveryOutcomes([{ ...executedLog(id), data: "0x00" }], GATEWAY)).toThrow(/malformed/);
  });

  /** executableAt with a bit above the uint64 range set. */
  function withTopBit(log: ReturnType<typeof queuedLog>) {
    return { ...log, data: withWord(log.data, 1, `01${log.data.slice(2 + 64 + 2)}`) };
  }
});
