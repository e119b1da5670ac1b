/**
 * `GuardianClient` against a scripted fetch: each failure becomes a `GuardianApiError` of the
 * right kind (unreachable, HTTP status with the guardian's own reason, invalid body), a 409 on
 * attest a `GuardianRefusedError` with the parsed refusal, and bad requests never leave.
 */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { GuardianApiError, GuardianClient, GuardianRefusedError } from "../../../core/guardian-api.js";
import { messageId, messageToJson } from "../../../core/message.js";
import { testMessage } from "../relayer/fixtures.js";

const URL = "http://127.0.0.1:1";
const ID = `0x${"ab".repeat(32)}` as Hex;

function scripted(status: number, body: unknown): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    calls.push(String(input));
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { fetch: fetchImpl, calls };
}

async function failure(p: Promise<unknown>): Promise<GuardianApiError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GuardianApiError);
  return e as GuardianApiError;
}

const attest = {
  destChainId: 902,
  destGateway: "0x2000000000000000000000000000000000000002" as Hex,
  msgIds: [ID] as string[],
};

describe("GuardianClient", () => {
  it("test_attest_409_throwsRefusal_reverts", async () => {
    const { fetch } = scripted(409, { error: "1 of 1 messages not signable: 1 unknown", unknown: [ID] });
    const e = await failure(new GuardianClient(URL, { fetch }).attest(attest));
    expect(e).toBeInstanceOf(GuardianRefusedError);
    expect((e as GuardianRefusedError).refusal).toMatchObject({ unknown: [ID], awaitingApproval: [], rejected: [] });
  });

  it("test_attest_invalidSignature_reverts: a response that breaks the contract is refused", async () => {
    const { fetch } = scripted(200, { guardian: "0x2000000000000000000000000000000000000002", root: ID });
    const e = await failure(new GuardianClient(URL, { fetch }).attest(attest));
    expect(e.kind).toBe("invalid-response");
    expect(e.detail).toMatch(/guardianSetIndex/);
  });

  it("test_call_httpError_carriesGuardiansReason_reverts", async () => {
    const { fetch } = scripted(503, { error: "cannot read the chains right now" });
    const e = await failure(new GuardianClient(URL, { fetch }).message(ID));
    expect(e).toMatchObject({ kind: "http", status: 503, detail: "cannot read the chains right now" });
  });

  it("test_call_unreachable_reverts", async () => {
    const e = await failure(new GuardianClient("http://127.0.0.1:9", { timeoutMs: 2_000 }).message(ID));
    expect(e.kind).toBe("unreachable");
  });

  it("test_message_404_isUndefined_succeeds", async () => {
    const { fetch } = scripted(404, { error: "not seen" });
    expect(await new GuardianClient(URL, { fetch }).message(ID)).toBeUndefined();
  });

  it("test_badRequest_neverSent_reverts: a malformed id or an operator call without a token", async () => {
    const { fetch, calls } = scripted(200, {});
    const client = new GuardianClient(URL, { fetch });
    await expect(client.message("0x12" as Hex)).rejects.toThrow();
    await expect(client.attest({ ...attest, msgIds: [] })).rejects.toThrow();
    expect((await failure(client.pending())).status).toBe(401);
    expect(calls).toEqual([]);
  });

  it("test_signable_entryWhoseIdLies_reverts: each entry's msgId must be its message's id", async () => {
    const { message, msgId } = testMessage();
    const good = { msgId, message: messageToJson(message), blockNumber: "3" };
    const lying = { ...good, msgId: messageId({ ...message, amount: 1n }) };
    const ok = scripted(200, { cursor: "a.1", messages: [good] });
    expect((await new GuardianClient(URL, { fetch: ok.fetch }).signable({ waitMs: 0 })).messages).toHaveLength(1);
    const bad = scripted(200, { cursor: "a.1", messages: [lying] });
    expect((await failure(new GuardianClient(URL, { fetch: bad.fetch }).signable({ waitMs: 0 }))).kind).toBe(
      "invalid-response",
    );
    expect(ok.calls[0]).toBe(`${URL}/v1/signable?waitMs=0&limit=1000`);
  });

  it("test_signable_entriesDecodedOnce_carryTheirMessage_succeeds: the caller gets the checked message", async () => {
    const { message, msgId } = testMessage();
    const entry = { msgId, message: messageToJson(message), blockNumber: "3" };
    for (const checked of [undefined, () => false]) {
      const { fetch } = scripted(200, { cursor: "a.1", messages: [entry] });
      const batch = await new GuardianClient(URL, { fetch }).signable({ waitMs: 0 }, undefined, { checked });
      expect(batch.messages[0]!.decoded).toEqual(message);
      expect(batch.messages[0]!.message).toEqual(messageToJson(message));
    }
    // An entry the caller holds is not read: nothing decoded.
    const { fetch } = scripted(200, { cursor: "a.1", messages: [entry] });
    const held = await new GuardianClient(URL, { fetch }).signable({ waitMs: 0 }, undefined, { checked: () => true });
    expect(held.messages[0]!.decoded).toBeUndefined();
  });

  it("test_signable_checkedIds_notReDerived_succeeds: only ids the caller has not checked are", async () => {
    const { message, msgId } = testMessage();
    const lying = { msgId: messageId({ ...message, amount: 1n }), message: messageToJson(message), blockNumber: "3" };
    const lyingId = lying.msgId.toLowerCase() as Hex;
    const { fetch } = scripted(200, { cursor: "a.1", messages: [lying] });
    const client = new GuardianClient(URL, { fetch });
    // An id the caller checked before (it keeps its own message for it) is not re-derived...
    expect(
      (await client.signable({ waitMs: 0 }, undefined, { checked: (id) => id === lyingId })).messages,
    ).toHaveLength(1);
    // ...any other still is, and a lie is an invalid answer.
    const e = await failure(client.signable({ waitMs: 0 }, undefined, { checked: () => false }));
    expect(e.kind).toBe("invalid-response");
    expect(e.message).toContain("msgId is not the id of the message");
  });

  it("test_signable_checkedIds_messageNotRead_otherFieldsStillAre: a checked entry's message is neither validated nor used", async () => {
    const { message, msgId } = testMessage();
    const id = msgId.toLowerCase() as Hex;
    const entry = { msgId, message: { garbage: true }, blockNumber: "3", payment: { fee: "5", quote: "4" } };
    const { fetch } = scripted(200, { cursor: "a.1", messages: [entry] });
    const client = new GuardianClient(URL, { fetch });
    const [listed] = (await client.signable({ waitMs: 0 }, undefined, { checked: (x) => x === id })).messages;
    expect(listed).toMatchObject({ msgId: id, blockNumber: "3", payment: { fee: "5", quote: "4" } });
    // Unchecked, the same entry is refused for its message; a checked one for its other fields.
    expect((await failure(client.signable({ waitMs: 0 }, undefined, { checked: () => false }))).message).toContain(
      "messages.0",
    );
    const badPayment = { msgId, message: messageToJson(message), blockNumber: "3", payment: { fee: "-1", quote: "4" } };
    const { fetch: f2 } = scripted(200, { cursor: "a.1", messages: [badPayment] });
    const e = await failure(
      new GuardianClient(URL, { fetch: f2 }).signable({ waitMs: 0 }, undefined, { checked: () => true }),
    );
    expect(e.kind).toBe("invalid-response");
    expect(e.message).toContain("payment.fee");
  });

  it("test_signable_attestations_parsedBothWays_succeeds: absent from older guardians, checked when present", async () => {
    const { message, msgId } = testMessage();
    const entry = { msgId, message: messageToJson(message), blockNumber: "3" };
    const signed = {
      destChainId: 902,
      destGateway: "0x2000000000000000000000000000000000000002",
      sourceChainId: 901,
      blockNumber: "3",
      messages: 1,
      guardianSetIndex: 0,
      root: msgId.toUpperCase().replace("0X", "0x"),
      signature: `0x${"11".repeat(65)}`,
    };
    for (const checked of [undefined, () => true]) {
      const older = scripted(200, { cursor: "a.1", messages: [entry] });
      const without = await new GuardianClient(URL, { fetch: older.fetch }).signable({ waitMs: 0 }, undefined, {
        checked,
      });
      expect(without.attestations).toEqual([]);
      const newer = scripted(200, { cursor: "a.2", messages: [entry], attestations: [signed] });
      const withThem = await new GuardianClient(URL, { fetch: newer.fetch }).signable({ waitMs: 0 }, undefined, {
        checked,
      });
      // The root is normalised to lower case (relayers key groups by it).
      expect(withThem.attestations).toEqual([{ ...signed, root: msgId.toLowerCase() }]);
    }
    const short = scripted(200, { cursor: "a.3", messages: [], attestations: [{ ...signed, signature: "0x12" }] });
    const e = await failure(new GuardianClient(URL, { fetch: short.fetch }).signable({ waitMs: 0 }));
    expect(e.kind).toBe("invalid-response");
    expect(e.message).toContain("attestations.0.signature");
  });

  it("test_health_503WithBody_succeeds: the body is read whatever the status", async () => {
    const body = { ok: false, guardian: "0x2000000000000000000000000000000000000002", chains: {}, lastSignedAt: null };
    const { fetch } = scripted(503, body);
    expect(await new GuardianClient(URL, { fetch }).health()).toMatchObject({ ok: false, status: 503 });
  });
});
