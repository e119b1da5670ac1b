/**
 * CORS on the guardian's HTTP surface (`core/service/http.ts` route option `cors`): a web page
 * may call the public routes (read a message, ask for an attestation — what a browser's
 * self-relay does), never the operator routes.
 */
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HttpService } from "../../../core/service/http.js";
import { guardianHttp } from "../../../guardian/api.js";
import { createTestGuardian } from "./fixture.js";

const ORIGIN = "http://127.0.0.1:5173";
const UNKNOWN = `0x${"ab".repeat(32)}`;

let http: HttpService;
let base: string;

beforeEach(async () => {
  const t = createTestGuardian({ approvalAbove: "1000" });
  http = guardianHttp(t.registry, t.guardian, "unit-operator-token-0123456789", pino({ level: "silent" }));
  base = `http://127.0.0.1:${await http.listen(0)}`;
});
afterEach(() => http.close());

function preflight(path: string, method: string) {
  return fetch(`${base}${path}`, {
    method: "OPTIONS",
    headers: {
      origin: ORIGIN,
      "access-control-request-method": method,
      "access-control-request-headers": "content-type",
    },
  });
}

describe("guardian CORS", () => {
  it("allows a browser's preflight for POST /v1/attest and GET /v1/messages/:msgId", async () => {
    const attest = await preflight("/v1/attest", "POST");
    expect(attest.status).toBe(204);
    expect(attest.headers.get("access-control-allow-origin")).toBe("*");
    expect(attest.headers.get("access-control-allow-methods")).toBe("POST");
    expect(attest.headers.get("access-control-allow-headers")).toBe("content-type");

    const message = await preflight(`/v1/messages/${UNKNOWN}`, "GET");
    expect(message.status).toBe(204);
    expect(message.headers.get("access-control-allow-methods")).toBe("GET");
  });

  it("answers the public routes with allow-origin, errors included (the page reads the sentence)", async () => {
    const res = await fetch(`${base}/v1/messages/${UNKNOWN}`, { headers: { origin: ORIGIN } });
    expect(res.status).toBe(404);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const bad = await fetch(`${base}/v1/attest`, {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "application/json" },
      body: "{}",
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("never opens the operator routes, /healthz or /metrics to other origins", async () => {
    for (const [path, method] of [
      ["/v1/pending", "GET"],
      [`/v1/approve/${UNKNOWN}`, "POST"],
    ] as const) {
      const res = await preflight(path, method);
      expect(res.status).toBe(404);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    }
    for (const path of ["/v1/pending", "/healthz", "/metrics"]) {
      const res = await fetch(`${base}${path}`, { headers: { origin: ORIGIN } });
      expect(res.headers.get("access-control-allow-origin"), path).toBeNull();
    }
  });
});
