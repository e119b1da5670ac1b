/** core/service/http.ts: every /healthz names the service and this instance, healthy or not. */
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { HttpService, nameService, serviceIdentity } from "../../../core/service/http.js";

let http: HttpService | undefined;

afterEach(async () => {
  await http?.close();
  http = undefined;
});

async function healthz(health: () => Promise<{ ok: boolean }>, identity?: { service: string; instance: string }) {
  http = new HttpService(new Registry(), health, identity);
  const port = await http.listen(0);
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("HttpService /healthz identity", () => {
  it("test_healthz_namesServiceAndInstance: 200 with the health fields and the identity", async () => {
    const r = await healthz(async () => ({ ok: true, lag: 1 }), { service: "relayer", instance: "relayer-0-abc" });
    expect(r).toEqual({ status: 200, body: { ok: true, lag: 1, service: "relayer", instance: "relayer-0-abc" } });
  });

  it("test_healthz_unhealthyStillNamesItself: 503 carries the identity too", async () => {
    const r = await healthz(async () => ({ ok: false }), { service: "guardian", instance: "g-1" });
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ ok: false, service: "guardian", instance: "g-1" });
  });

  it("test_serviceIdentity_fromRunServiceAndEnv: the name runService gave, SERVICE_INSTANCE or host:pid", () => {
    nameService("monitor");
    expect(serviceIdentity({ SERVICE_INSTANCE: "monitor-7" })).toEqual({ service: "monitor", instance: "monitor-7" });
    expect(serviceIdentity({}).instance).toMatch(new RegExp(`:${process.pid}$`));
  });
});
