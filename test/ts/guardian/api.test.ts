/**
 * The guardian's HTTP surface over a guardian on in-memory chains, on 127.0.0.1 with an
 * OS-chosen port: statuses and bodies of core/guardian-api.ts, operator authentication, input
 * validation, /healthz and /metrics.
 */
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpRequestError, parseUnits, type Hex } from "viem";
import {
  attestRefusalSchema,
  attestResponseSchema,
  GuardianClient,
  type MessageView,
} from "../../../core/guardian-api.js";
import { messageId } from "../../../core/message.js";
import type { HttpService } from "../../../core/service/http.js";
import { guardianHttp } from "../../../guardian/api.js";
import { createTestGuardian, L2B, transfer, type TestGuardian } from "./fixture.js";

const TOKEN = "unit-operator-token-0123456789";
const small = transfer({ nonce: 0n });
const large = transfer({ nonce: 1n, amount: parseUnits("5000", 18) });

let t: TestGuardian;
let http: HttpService;
let base: string;

beforeEach(async () => {
  t = createTestGuardian({ approvalAbove: "1000" });
  http = guardianHttp(t.registry, t.guardian, TOKEN, pino({ level: "silent" }));
  base = `http://127.0.0.1:${await http.listen(0)}`;
});
afterEach(() => http.close());

async function confirmed(...messages: ReturnType<typeof transfer>[]) {
  t.l2a.mine(...messages);
  t.l2a.mineEmpty(2);
  await t.sync();
}

function request(path: string, init: { method?: string; token?: string; body?: unknown; raw?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  return fetch(`${base}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
}

const attestBody = (msgIds: Hex[]) => ({ destChainId: L2B.chainId, destGateway: L2B.gateway, msgIds });

describe("POST /v1/attest", () => {
  it("test_attest_signable_succeeds: 200 with the contract's response body", async () => {
    await confirmed(small);
    const res = await request("/v1/attest", { method: "POST", body: attestBody([messageId(small)]) });
    expect(res.status).toBe(200);
    const body = attestResponseSchema.parse(await res.json());
    expect(body.root).toBe(messageId(small));
  });

  it("test_attest_notSignable_reverts: 409 with an AttestRefusal body", async () => {
    await confirmed(large);
    const unseen = messageId(transfer({ nonce: 9n }));
    const res = await request("/v1/attest", { method: "POST", body: attestBody([messageId(large), unseen]) });
    expect(res.status).toBe(409);
    const refusal = attestRefusalSchema.parse(await res.json());
    expect(refusal).toMatchObject({
      awaitingApproval: [messageId(large)],
      unknown: [unseen],
      unconfirmed: [],
      rejected: [],
    });
  });

  it("test_attest_chainUnreadable_reverts: 503 when a chain cannot be read, so clients retry", async () => {
    await confirmed(small);
    // The source block's re-read fails (the destination's set was read, and is cached, since the
    // guardian signed the message as it listed it).
    t.l2a.failNext = new HttpRequestError({ url: "http://l2a.invalid", details: "connection refused" });
    const res = await request("/v1/attest", { method: "POST", body: attestBody([messageId(small)]) });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^cannot read the chains right now: HTTP request failed/,
    );
    expect((await request("/v1/attest", { method: "POST", body: attestBody([messageId(small)]) })).status).toBe(200);
  });

  it("test_attest_malformedBody_reverts: 400 for bad JSON, bad fields, empty or duplicate ids", async () => {
    const id = messageId(small);
    const bad = [
      { raw: "{not json" },
      { body: { destChainId: L2B.chainId, destGateway: "0x1234", msgIds: [id] } },
      { body: { ...attestBody([]), msgIds: [] } },
      { body: attestBody(["0x12" as Hex]) },
      { body: attestBody([id, id]) },
    ];
    for (const init of bad) {
      const res = await request("/v1/attest", { method: "POST", ...init });
      expect(res.status, JSON.stringify(init)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBeTruthy();
    }
  });
});

describe("GET /v1/messages/:msgId", () => {
  it("test_message_states_succeeds: 200 with a MessageView, 404 when unseen, 400 when malformed", async () => {
    await confirmed(small);
    const res = await request(`/v1/messages/${messageId(small)}`);
    expect(res.status).toBe(200);
    const view = (await res.json()) as MessageView;
    expect(view).toMatchObject({ msgId: messageId(small), state: "signable", message: { nonce: "0" } });
    expect((await request(`/v1/messages/${messageId(large)}`)).status).toBe(404);
    expect((await request("/v1/messages/0xnope")).status).toBe(400);
  });
});

describe("GET /v1/signable", () => {
  it("test_signable_longPollThroughClient_succeeds: what became signable, then a wait woken by news", async () => {
    const client = new GuardianClient(base);
    await confirmed(small, large);
    const first = await client.signable({ waitMs: 0 });
    expect(first.messages.map((m) => m.msgId)).toEqual([messageId(small)]);
    const waiting = client.signable({ after: first.cursor, waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 50));
    await client.approve(messageId(large)).catch(() => undefined); // no token: refused, changes nothing
    await new GuardianClient(base, { operatorToken: TOKEN }).approve(messageId(large));
    const second = await waiting;
    expect(second.messages.map((m) => m.msgId)).toEqual([messageId(large)]);
    expect(second.messages[0]!.message).toMatchObject({ nonce: "1" });
  });

  it("test_signable_badQuery_reverts: 400 for a wait beyond the limit or a bad limit", async () => {
    expect((await request("/v1/signable?waitMs=999999")).status).toBe(400);
    expect((await request("/v1/signable?limit=0")).status).toBe(400);
    expect((await request("/v1/signable?waitMs=abc")).status).toBe(400);
  });
});

describe("operator routes", () => {
  it("test_operatorRoutes_withoutValidToken_reverts: 401 without, with a wrong, or with a malformed token", async () => {
    await confirmed(large);
    const id = messageId(large);
    for (const token of [undefined, "wrong-token-0123456789", `${TOKEN}x`, TOKEN.slice(0, -1), ""]) {
      expect((await request("/v1/pending", { token })).status).toBe(401);
      expect((await request(`/v1/approve/${id}`, { method: "POST", token })).status).toBe(401);
    }
    const basic = await fetch(`${base}/v1/pending`, { headers: { authorization: `Basic ${TOKEN}` } });
    expect(basic.status).toBe(401);
    expect((await request(`/v1/messages/${id}`)).status).toBe(200);
    expect((await t.guardian.message(id)).state).toBe("awaiting-approval");
  });

  it("test_approve_withToken_succeeds: pending lists the transfer until approved", async () => {
    await confirmed(small, large);
    const id = messageId(large);
    const pending = await request("/v1/pending", { token: TOKEN });
    expect(pending.status).toBe(200);
    expect(((await pending.json()) as { pending: MessageView[] }).pending.map((v) => v.msgId)).toEqual([id]);

    const approved = await request(`/v1/approve/${id}`, { method: "POST", token: TOKEN });
    expect(approved.status).toBe(200);
    expect(((await approved.json()) as MessageView).state).toBe("signable");
    expect(((await (await request("/v1/pending", { token: TOKEN })).json()) as { pending: [] }).pending).toEqual([]);
    expect((await request("/v1/attest", { method: "POST", body: attestBody([id]) })).status).toBe(200);
  });

  it("test_approve_unknownOrMalformed_reverts: 404 and 400", async () => {
    expect((await request(`/v1/approve/${messageId(large)}`, { method: "POST", token: TOKEN })).status).toBe(404);
    expect((await request("/v1/approve/123", { method: "POST", token: TOKEN })).status).toBe(400);
  });
});

describe("health and metrics", () => {
  it("test_healthz_untilScanned_reverts: 503 before the first poll, 200 GuardianHealth after", async () => {
    const before = await request("/healthz");
    expect(before.status).toBe(503);
    expect(((await before.json()) as { ok: boolean }).ok).toBe(false);
    await t.sync();
    const after = await request("/healthz");
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ ok: true, guardian: t.guardian.address, lastSignedAt: null });
  });

  it("test_metrics_prometheusText_succeeds", async () => {
    await confirmed(small);
    await request("/v1/attest", { method: "POST", body: attestBody([messageId(small)]) });
    const text = await (await request("/metrics")).text();
    // One signature as the message was listed (its block's group); the request for that group
    // is answered with it (outcome "signed": a signature was served).
    expect(text).toContain(`bridge_guardian_signatures_total{dest_chain_id="${L2B.chainId}"} 1`);
    expect(text).toContain(`bridge_guardian_listed_answers_total{dest_chain_id="${L2B.chainId}"} 1`);
    expect(text).toMatch(/bridge_guardian_attest_duration_seconds_count\{outcome="signed"\} 1/);
  });
});
