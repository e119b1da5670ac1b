/**
 * `core/message.ts` and `core/attestation.ts` against `BridgeGateway` on an in-process chain:
 * fuzzed messages (every field over its full range) must get the same id from TypeScript and
 * from the contract, both from the `messageId` view (MessageLib.hash) and from packed batches
 * (`messageIds`, which runs `deliver`'s own MessageLib.load, hand-written assembly); fuzzed roots
 * and set indices must give the same attestation digest. Plus the codec round trips (ABI, JSON,
 * packed batch) and input checks.
 */
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress, hashStruct, size, sliceHex, type Address, type PublicClient } from "viem";
import { attestationDigest, attestWith } from "../../../core/attestation.js";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { merkleRoot } from "../../../core/merkle.js";
import {
  BATCH_HEADER_BYTES,
  BATCH_MESSAGE_BYTES,
  decodeDeliveryBatch,
  decodeMessage,
  deliverArgs,
  deliveryValue,
  encodeDeliveryBatch,
  encodeMessage,
  MESSAGE_VERSION,
  messageFromJson,
  messageId,
  messageToJson,
  messageTypes,
} from "../../../core/message.js";
import { deployGateway, setRoute, type Wallet } from "../../../deploy/contracts.js";
import { testKeys } from "../helpers/bridge.js";
import { FUZZ_SEED, Random } from "../helpers/random.js";
import { revertOf } from "../helpers/revert.js";

const MESSAGES = 256;
const DIGESTS = 128;
const BATCHES = 48;

let connection: NetworkConnection;
let publicClient: PublicClient;
let governor: Wallet;
let gateway: Address;
let chainId: bigint;
const [guardian] = testKeys("message test guardian", 1);

beforeAll(async () => {
  connection = await network.create({ network: "l2a" });
  publicClient = (await connection.viem.getPublicClient()) as PublicClient;
  governor = ((await connection.viem.getWalletClients()) as Wallet[])[0]!;
  chainId = BigInt(await publicClient.getChainId());
  gateway = await deployGateway(governor, publicClient, {
    governor: governor.account.address,
    guardians: [guardian!.address],
    threshold: 1,
    largeDelaySeconds: 3600,
  });
});
afterAll(() => connection.close());

describe(`message ids and digests, core vs BridgeGateway (FUZZ_SEED=${FUZZ_SEED})`, () => {
  it(`testFuzz_messageId: ${MESSAGES} random messages get the contract's id`, async () => {
    const rng = new Random(FUZZ_SEED);
    for (let i = 0; i < MESSAGES; i++) {
      const message = rng.message();
      const onChain = await publicClient.readContract({
        address: gateway,
        abi: bridgeGatewayAbi,
        functionName: "messageId",
        args: [message],
      });
      expect(messageId(message), `message ${i}: ${JSON.stringify(messageToJson(message))}`).toBe(onChain);
    }
  });

  it(`testFuzz_messageId_equalsHashStruct: ${MESSAGES * 4} random messages, viem's EIP-712 hashStruct`, () => {
    // messageId writes the EIP-712 encoding out by hand (speed); it must be hashStruct exactly.
    const rng = new Random(FUZZ_SEED + 7n);
    for (let i = 0; i < MESSAGES * 4; i++) {
      const message = rng.message();
      expect(messageId(message), `message ${i}`).toBe(
        hashStruct({ data: message, primaryType: "Message", types: messageTypes }),
      );
    }
  });

  it("test_messageId_outOfRange_reverts: a value its field cannot hold throws, naming the field", () => {
    const message = new Random(FUZZ_SEED + 8n).message();
    expect(() => messageId({ ...message, version: 256 })).toThrow("message.version is not a uint8");
    expect(() => messageId({ ...message, nonce: 1n << 64n })).toThrow("message.nonce is not a uint64");
    expect(() => messageId({ ...message, amount: -1n })).toThrow("message.amount is not a uint256");
    expect(() => messageId({ ...message, dropOff: 1n << 128n })).toThrow("message.dropOff is not a uint128");
    expect(() => messageId({ ...message, recipient: "0x1234" as Address })).toThrow(
      "message.recipient is not an address",
    );
    expect(() => messageId({ ...message, token: `0x${"g".repeat(40)}` as Address })).toThrow(
      "message.token is not an address",
    );
    // Each type's largest value is in range, and lower- and mixed-case addresses are both read.
    expect(() => messageId({ ...message, nonce: (1n << 64n) - 1n, dropOff: (1n << 128n) - 1n })).not.toThrow();
    expect(messageId({ ...message, sender: message.sender.toLowerCase() as Address })).toBe(messageId(message));
  });

  it(`testFuzz_attestationDigest: ${DIGESTS} random roots and set indices get the contract's digest`, async () => {
    const rng = new Random(FUZZ_SEED + 1n);
    const domain = { destChainId: chainId, destGateway: gateway };
    for (let i = 0; i < DIGESTS; i++) {
      const root = rng.bytes32();
      const index = Number(rng.uint(32));
      const onChain = await publicClient.readContract({
        address: gateway,
        abi: bridgeGatewayAbi,
        functionName: "attestationDigest",
        args: [root, index],
      });
      expect(attestationDigest(domain, root, index), `root ${root}, index ${index}`).toBe(onChain);
    }
  });

  /**
   * `deliver` reads each message of its packed batch with `MessageLib.load` (hand-written
   * assembly) and hashes it in place; `messageIds` runs exactly that code. Random batches packed
   * by core must give core's ids there, so every field lands where core put it.
   */
  it(`testFuzz_packedBatchIds: ${BATCHES} random packed batches give core's ids in MessageLib`, async () => {
    const rng = new Random(FUZZ_SEED + 2n);
    for (let i = 0; i < BATCHES; i++) {
      const route = {
        version: MESSAGE_VERSION,
        sourceChainId: rng.uint(64),
        destChainId: chainId,
        sourceGateway: rng.address(),
        destGateway: gateway,
      };
      const messages = Array.from({ length: 1 + rng.int(5) }, () => rng.message(route));
      const packed = encodeDeliveryBatch(messages);
      const onChain = await publicClient.readContract({
        address: gateway,
        abi: bridgeGatewayAbi,
        functionName: "messageIds",
        args: [packed],
      });
      expect(onChain, `batch ${i} of ${messages.length}`).toEqual(messages.map(messageId));
      expect(decodeDeliveryBatch(packed, chainId, gateway)).toEqual(messages);
    }
  });

  it("test_deliver_packedBatch_idsMatchInsideDeliver: an expired message reverts naming core's id", async () => {
    const rng = new Random(FUZZ_SEED + 7n);
    const sourceGateway = getAddress(`0x${"11".repeat(20)}`);
    await setRoute(governor, publicClient, gateway, 1n, sourceGateway);
    const route = {
      version: MESSAGE_VERSION,
      sourceChainId: 1n,
      destChainId: chainId,
      sourceGateway,
      destGateway: gateway,
    };
    const messages = Array.from({ length: 3 }, () => rng.message({ ...route, deadline: 5n, dropOff: 0n }));
    const attestation = await attestWith(
      [guardian!],
      [guardian!.address],
      { destChainId: chainId, destGateway: gateway },
      merkleRoot(messages.map(messageId)),
      0,
    );
    const revert = await revertOf(
      publicClient.simulateContract({
        account: governor.account,
        address: gateway,
        abi: bridgeGatewayAbi,
        functionName: "deliver",
        args: deliverArgs(messages, attestation),
      }),
    );
    expect(revert).toEqual({ errorName: "BridgeMessageExpired", args: [messageId(messages[0]!), 5n] });
  });
});

describe("codec round trips", () => {
  it(`testFuzz_encodeDecode: decodeMessage(encodeMessage(m)) = m for ${MESSAGES} random messages`, () => {
    const rng = new Random(FUZZ_SEED + 3n);
    for (let i = 0; i < MESSAGES; i++) {
      const message = rng.message();
      expect(decodeMessage(encodeMessage(message))).toEqual(message);
    }
  });

  it(`testFuzz_json: messageFromJson(messageToJson(m)) = m, through JSON text, for ${MESSAGES} random messages`, () => {
    const rng = new Random(FUZZ_SEED + 4n);
    for (let i = 0; i < MESSAGES; i++) {
      const message = rng.message({ version: MESSAGE_VERSION });
      const text = JSON.stringify(messageToJson(message));
      expect(messageFromJson(JSON.parse(text))).toEqual(message);
    }
  });
});

describe("messageFromJson rejects malformed input", () => {
  const valid = messageToJson(new Random(FUZZ_SEED + 5n).message({ version: MESSAGE_VERSION }));
  const cases: [string, unknown, RegExp][] = [
    ["null", null, /^message: expected an object$/],
    ["a string", "0x1234", /^message: expected an object$/],
    ["an array", [valid], /^message: expected an object$/],
    ["version 1", { ...valid, version: 1 }, /^message\.version: expected 2$/],
    ["version as a string", { ...valid, version: "2" }, /^message\.version: expected 2$/],
    ["a missing tokenChainId", { ...valid, tokenChainId: undefined }, /^message\.tokenChainId: expected a decimal/],
    [
      "a dropOff of 2^128",
      { ...valid, dropOff: String(2n ** 128n) },
      /^message\.dropOff: \d+ does not fit in uint128$/,
    ],
    ["a missing nonce", { ...valid, nonce: undefined }, /^message\.nonce: expected a decimal string$/],
    ["a numeric amount (loses precision)", { ...valid, amount: 1e30 }, /^message\.amount: expected a decimal string$/],
    ["a negative amount", { ...valid, amount: "-1" }, /^message\.amount: expected a decimal string$/],
    ["a hex nonce", { ...valid, nonce: "0x10" }, /^message\.nonce: expected a decimal string$/],
    ["a fractional deadline", { ...valid, deadline: "1.5" }, /^message\.deadline: expected a decimal string$/],
    ["a nonce of 2^64", { ...valid, nonce: String(2n ** 64n) }, /^message\.nonce: \d+ does not fit in uint64$/],
    ["a chain id of 2^64", { ...valid, destChainId: String(2n ** 64n) }, /^message\.destChainId: .* uint64$/],
    ["an amount of 2^256", { ...valid, amount: String(2n ** 256n) }, /^message\.amount: \d+ does not fit in uint256$/],
    ["a short address", { ...valid, recipient: "0x1234" }, /^message\.recipient: expected an address$/],
    ["an address without 0x", { ...valid, sender: "ab".repeat(20) }, /^message\.sender: expected an address$/],
    [
      "an address with a bad checksum",
      { ...valid, token: badChecksum(valid.token) },
      /^message\.token: expected an address$/,
    ],
    ["a missing gateway", { ...valid, destGateway: undefined }, /^message\.destGateway: expected an address$/],
  ];

  it.each(cases)("test_messageFromJson_%s_throws", (_, input, error) => {
    expect(() => messageFromJson(input)).toThrow(error);
  });

  it("test_messageFromJson_lowercaseAndExtremes_succeeds: lowercase addresses and range maxima are accepted", () => {
    const lower = {
      ...valid,
      token: valid.token.toLowerCase(),
      nonce: String(2n ** 64n - 1n),
      amount: String(2n ** 256n - 1n),
    };
    const message = messageFromJson(lower);
    expect(message.nonce).toBe(2n ** 64n - 1n);
    expect(message.amount).toBe(2n ** 256n - 1n);
    expect(messageId(message)).toBe(messageId({ ...message, token: getAddress(valid.token) }));
  });
});

/** Flips the case of the first letter in an address, breaking its EIP-55 checksum. */
function badChecksum(address: string): string {
  const checksummed = getAddress(address);
  const i = [...checksummed].findIndex((c, k) => k > 1 && /[a-fA-F]/.test(c));
  const c = checksummed[i]!;
  return (
    checksummed.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + checksummed.slice(i + 1)
  );
}

describe("encodeDeliveryBatch", () => {
  const rng = new Random(FUZZ_SEED + 6n);
  const route = {
    version: MESSAGE_VERSION,
    sourceChainId: 901n,
    destChainId: 902n,
    sourceGateway: rng.address(),
    destGateway: rng.address(),
  };
  const batch = Array.from({ length: 4 }, () => rng.message(route));

  it("test_encodeDeliveryBatch_oneRoute_succeeds: a 29-byte header and 132 bytes per message, decoded back", () => {
    const packed = encodeDeliveryBatch(batch);
    expect(size(packed)).toBe(BATCH_HEADER_BYTES + 4 * BATCH_MESSAGE_BYTES);
    expect(decodeDeliveryBatch(packed, route.destChainId, route.destGateway)).toEqual(batch);
    expect(deliveryValue(batch)).toBe(batch.reduce((sum, m) => sum + m.dropOff, 0n));
  });

  it("test_encodeDeliveryBatch_routeCaseOnly_succeeds: addresses differing only in case are one route", () => {
    const lower = { ...batch[1]!, destGateway: batch[1]!.destGateway.toLowerCase() as Address };
    expect(size(encodeDeliveryBatch([batch[0]!, lower]))).toBe(BATCH_HEADER_BYTES + 2 * BATCH_MESSAGE_BYTES);
  });

  it.each([
    ["sourceChainId", { sourceChainId: 903n }],
    ["destChainId", { destChainId: 903n }],
    ["sourceGateway", { sourceGateway: rng.address() }],
    ["destGateway", { destGateway: rng.address() }],
    ["version", { version: 3 }],
  ] as const)("test_encodeDeliveryBatch_mixed_%s_throws", (_, change) => {
    const mixed = [...batch.slice(0, 2), { ...batch[2]!, ...change }, batch[3]!];
    expect(() => encodeDeliveryBatch(mixed)).toThrow(/^a delivery batch must share one route/);
  });

  it("test_encodeDeliveryBatch_empty_throws", () => {
    expect(() => encodeDeliveryBatch([])).toThrow(/at least one message/);
  });

  it("test_decodeDeliveryBatch_badLength_throws", () => {
    const packed = encodeDeliveryBatch(batch.slice(0, 1));
    expect(() => decodeDeliveryBatch(sliceHex(packed, 0, 100), 902n, route.destGateway)).toThrow(/not a header plus/);
    expect(() => decodeDeliveryBatch(sliceHex(packed, 0, BATCH_HEADER_BYTES), 902n, route.destGateway)).toThrow(
      /not a header plus/,
    );
  });
});
