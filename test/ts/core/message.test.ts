/**
 * `core/message.ts` and `core/attestation.ts` against `BridgeGateway` on an in-process chain:
 * fuzzed messages (every field over its full range) must get the same id from TypeScript and
 * from the contract, both from the `messageId` view (MessageLib.hash) and from what `deliver`
 * computes for a batch (MessageLib.hashBatch, hand-written assembly); fuzzed roots and set
 * indices must give the same attestation digest. Plus the codec round trips and input checks.
 */
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress, type Address, type PublicClient } from "viem";
import { attestationDigest, attestWith } from "../../../core/attestation.js";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { merkleRoot } from "../../../core/merkle.js";
import {
  decodeMessage,
  encodeMessage,
  MESSAGE_VERSION,
  messageFromJson,
  messageId,
  messageToJson,
  toDeliveryBatch,
  type Message,
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
   * `deliver` hashes a batch from its header and transfers in assembly. If any id differed from
   * core's, the attested root would differ and the signature would recover a stranger
   * (BridgeUnknownGuardian). With the attestation accepted, the first message fails on its own
   * fields: an expired deadline names the on-chain id, a future one the unregistered token.
   */
  it(`testFuzz_deliverIds: ${BATCHES} random batches hash to core's ids inside deliver`, async () => {
    const rng = new Random(FUZZ_SEED + 2n);
    const now = (await publicClient.getBlock()).timestamp;
    for (let i = 0; i < BATCHES; i++) {
      let sourceChainId = rng.uint(64);
      if (sourceChainId === 0n || sourceChainId === chainId) sourceChainId = 1n;
      let sourceGateway = rng.address();
      if (BigInt(sourceGateway) === 0n) sourceGateway = getAddress(`0x${"11".repeat(20)}`);
      await setRoute(governor, publicClient, gateway, sourceChainId, sourceGateway);

      const route = {
        version: MESSAGE_VERSION,
        sourceChainId,
        destChainId: chainId,
        sourceGateway,
        destGateway: gateway,
      };
      const messages = Array.from({ length: 1 + rng.int(5) }, () => rng.message(route));
      const expired = rng.int(2) === 0;
      messages[0]!.deadline = expired ? rng.uint(64) % (now - 1000n) : now + 1000n + (rng.uint(64) % 2n ** 63n);
      // Token zero slips past the registration check (see the skipped test in transfers.test.ts).
      if (BigInt(messages[0]!.token) === 0n) messages[0]!.token = getAddress(`0x${"22".repeat(20)}`);

      const ids = messages.map(messageId);
      const attestation = await attestWith(
        [guardian!],
        [guardian!.address],
        { destChainId: chainId, destGateway: gateway },
        merkleRoot(ids),
        0,
      );
      const { header, transfers } = toDeliveryBatch(messages);
      const revert = await revertOf(
        publicClient.simulateContract({
          account: governor.account,
          address: gateway,
          abi: bridgeGatewayAbi,
          functionName: "deliver",
          args: [header, transfers, [], attestation],
        }),
      );
      const first = messages[0]!;
      const expected = expired
        ? { errorName: "BridgeMessageExpired", args: [ids[0], first.deadline] }
        : { errorName: "BridgeUnknownToken", args: [first.token] };
      expect(revert, `batch ${i} of ${messages.length}`).toEqual(expected);
    }
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
    ["version 2", { ...valid, version: 2 }, /^message\.version: expected 1$/],
    ["version as a string", { ...valid, version: "1" }, /^message\.version: expected 1$/],
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

describe("toDeliveryBatch", () => {
  const rng = new Random(FUZZ_SEED + 6n);
  const route = {
    version: MESSAGE_VERSION,
    sourceChainId: 901n,
    destChainId: 902n,
    sourceGateway: rng.address(),
    destGateway: rng.address(),
  };
  const batch = Array.from({ length: 4 }, () => rng.message(route));

  it("test_toDeliveryBatch_oneRoute_succeeds: one header, and transfers that rebuild every message", () => {
    const { header, transfers } = toDeliveryBatch(batch);
    expect(header).toEqual(route);
    expect(transfers.map((t) => ({ ...header, ...t }))).toEqual(batch);
  });

  it("test_toDeliveryBatch_routeCaseOnly_succeeds: addresses differing only in case are one route", () => {
    const lower = { ...batch[1]!, destGateway: batch[1]!.destGateway.toLowerCase() as Address };
    expect(toDeliveryBatch([batch[0]!, lower]).transfers).toHaveLength(2);
  });

  it.each([
    ["sourceChainId", { sourceChainId: 903n }],
    ["destChainId", { destChainId: 903n }],
    ["sourceGateway", { sourceGateway: rng.address() }],
    ["destGateway", { destGateway: rng.address() }],
    ["version", { version: 2 }],
  ] as const)("test_toDeliveryBatch_mixed_%s_throws", (_, change) => {
    const mixed = [...batch.slice(0, 2), { ...batch[2]!, ...change }, batch[3]!];
    expect(() => toDeliveryBatch(mixed)).toThrow(/^a delivery batch must share one route/);
  });

  it("test_toDeliveryBatch_empty_throws", () => {
    expect(() => toDeliveryBatch([])).toThrow(/at least one message/);
  });
});
