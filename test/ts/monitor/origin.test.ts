/**
 * The origin check (monitor/checks/origin.ts): a delivery is genuine only when its source
 * gateway's `sentMessageId(nonce)` is its id; an RPC failure is never a verdict.
 */
import { describe, expect, it } from "vitest";
import { getAddress, keccak256, numberToHex, toHex, zeroHash, type Address, type Hex } from "viem";
import { MESSAGE_VERSION, messageId, type Message } from "../../../core/message.js";
import { verifyOrigin, type DeliveryToVerify, type SourceGateways } from "../../../monitor/checks/origin.js";

const addr = (n: number): Address => getAddress(numberToHex(n, { size: 20 }));
const SOURCE_GW = addr(0x901);
const DEST_GW = addr(0x902);

const message: Message = {
  version: MESSAGE_VERSION,
  nonce: 3n,
  sourceChainId: 901n,
  destChainId: 902n,
  sourceGateway: SOURCE_GW,
  destGateway: DEST_GW,
  sender: addr(1),
  recipient: addr(2),
  tokenChainId: 901n,
  token: addr(3),
  amount: 5n,
  deadline: 2_000_000_000n,
  dropOff: 0n,
};
const id = messageId(message);

function sources(sent: Record<string, Hex> | Error, fresh = true): SourceGateways {
  return {
    isFresh: () => fresh,
    gatewayOf: (chainId) =>
      chainId === 901n
        ? {
            address: SOURCE_GW,
            sentMessageId: async (nonce) => {
              if (sent instanceof Error) throw sent;
              return sent[String(nonce)] ?? zeroHash;
            },
          }
        : undefined,
    gatewayAddressOf: (chainId) => ({ 901: SOURCE_GW, 902: DEST_GW })[chainId],
  };
}

const delivery = (overrides: Partial<DeliveryToVerify> = {}): DeliveryToVerify => ({
  msgId: id,
  destChainId: 902,
  sourceChainId: 901n,
  nonce: 3n,
  queued: true,
  txHash: keccak256(toHex("tx")),
  blockNumber: 10n,
  ...overrides,
});

describe("verifyOrigin", () => {
  it("test_verifyOrigin_sourceSentIt_genuine", async () => {
    expect(await verifyOrigin(delivery(), sources({ 3: id }))).toEqual({ status: "genuine" });
    expect(await verifyOrigin(delivery({ queued: false, message }), sources({ 3: id }))).toEqual({ status: "genuine" });
  });

  it("test_verifyOrigin_nonceNeverSent_forged", async () => {
    expect(await verifyOrigin(delivery(), sources({}))).toMatchObject({
      status: "forged",
      reason: /never sent nonce 3/,
    });
  });

  it("test_verifyOrigin_nonceSentOtherMessage_forged", async () => {
    const other = keccak256(toHex("other"));
    expect(await verifyOrigin(delivery(), sources({ 3: other }))).toMatchObject({
      status: "forged",
      reason: new RegExp(`sent ${other}`),
    });
  });

  it("test_verifyOrigin_unknownSourceChain_forged", async () => {
    expect(await verifyOrigin(delivery({ sourceChainId: 77n }), sources({ 3: id }))).toMatchObject({
      status: "forged",
      reason: /no gateway in the manifest/,
    });
  });

  it("test_verifyOrigin_decodedFromUnknownGateway_forged", async () => {
    const m = { ...message, sourceGateway: addr(0xbad) };
    expect(await verifyOrigin(delivery({ queued: false, message: m, msgId: messageId(m) }), sources({}))).toMatchObject(
      {
        status: "forged",
        reason: /is not the manifest's/,
      },
    );
  });

  it("test_verifyOrigin_staleSourceView_unknownNotForged", async () => {
    expect(await verifyOrigin(delivery(), sources({}, false))).toMatchObject({ status: "unknown", reason: /stale/ });
    // What a stale node does know still proves a message genuine.
    expect(await verifyOrigin(delivery(), sources({ 3: id }, false))).toEqual({ status: "genuine" });
  });

  it("test_verifyOrigin_sourceRpcDown_unknownNotForged", async () => {
    expect(await verifyOrigin(delivery(), sources(new Error("ECONNREFUSED")))).toMatchObject({ status: "unknown" });
  });
});
