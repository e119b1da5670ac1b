/**
 * The services' JSON-RPC fetch under viem's own HTTP transport, against a real HTTP server on
 * 127.0.0.1: answers, batches, JSON-RPC and HTTP errors, timeouts and kept-alive connections come
 * out exactly as with the global fetch.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, HttpRequestError, RpcRequestError, TimeoutError, type PublicClient } from "viem";
import { nodeRpcFetch } from "../../../core/service/rpc-fetch.js";

interface RpcCall {
  id: number;
  method: string;
}

/** What the server does with a request: its calls, and whether they came as a batch. */
let behaviour: (req: IncomingMessage, res: ServerResponse, calls: RpcCall[], batch: boolean) => void;
const answer = (calls: RpcCall[]) =>
  calls.map((c) => ({ jsonrpc: "2.0", id: c.id, result: c.method === "eth_chainId" ? "0x385" : "0x2a" }));

let server: Server;
let url: string;
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const parsed = JSON.parse(body) as RpcCall | RpcCall[];
      behaviour(req, res, Array.isArray(parsed) ? parsed : [parsed], Array.isArray(parsed));
    });
  });
  server.on("connection", () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(o: { batch?: boolean; timeout?: number; fetchFn?: typeof fetch } = {}): PublicClient {
  return createPublicClient({
    transport: http(url, {
      fetchFn: o.fetchFn ?? nodeRpcFetch,
      retryCount: 0,
      timeout: o.timeout ?? 5_000,
      ...(o.batch ? { batch: { batchSize: 256, wait: 0 } } : {}),
    }),
  });
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

describe("nodeRpcFetch", () => {
  it("test_nodeRpcFetch_answersAndBatchesUnderViem_succeeds", async () => {
    behaviour = (_req, res, calls, batch) => json(res, 200, batch ? answer(calls) : answer(calls)[0]);
    expect(await client().getChainId()).toBe(901);
    const batched = client({ batch: true });
    const [chainId, block] = await Promise.all([batched.getChainId(), batched.getBlockNumber({ cacheTime: 0 })]);
    expect(chainId).toBe(901);
    expect(block).toBe(42n);
  });

  it("test_nodeRpcFetch_reusesOneConnection_succeeds", async () => {
    behaviour = (_req, res, calls) => json(res, 200, answer(calls)[0]);
    const c = client();
    await c.getChainId();
    const before = connections;
    for (let i = 0; i < 5; i++) await c.getBlockNumber({ cacheTime: 0 });
    expect(connections).toBe(before);
  });

  it("test_nodeRpcFetch_jsonRpcErrorWithHttp500_throwsRpcRequestError", async () => {
    behaviour = (_req, res, calls) =>
      json(res, 500, { jsonrpc: "2.0", id: calls[0]!.id, error: { code: -32000, message: "node is syncing" } });
    const error = await client()
      .getBlockNumber({ cacheTime: 0 })
      .catch((e: Error) => e);
    expect(
      (error as Error & { walk: (f: (e: unknown) => boolean) => unknown }).walk((e) => e instanceof RpcRequestError),
    ).toBeTruthy();
    expect((error as Error).message).toContain("node is syncing");
  });

  it("test_nodeRpcFetch_plainTextHttpError_throwsHttpRequestErrorWithStatus", async () => {
    behaviour = (_req, res) => {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("upstream down");
    };
    const error = (await client()
      .getBlockNumber({ cacheTime: 0 })
      .catch((e: Error) => e)) as Error & { walk: (f: (e: unknown) => boolean) => unknown };
    const http = error.walk((e) => e instanceof HttpRequestError) as HttpRequestError;
    expect(http.status).toBe(503);
    expect(http.details).toContain("upstream down");
  });

  it("test_nodeRpcFetch_serverNeverAnswers_throwsTimeoutError", async () => {
    behaviour = () => undefined; // holds the request open
    const error = (await client({ timeout: 200 })
      .getBlockNumber({ cacheTime: 0 })
      .catch((e: Error) => e)) as Error & { walk: (f: (e: unknown) => boolean) => unknown };
    expect(error.walk((e) => e instanceof TimeoutError)).toBeTruthy();
  });

  it("test_nodeRpcFetch_connectionRefused_throwsHttpRequestError", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = createPublicClient({
      transport: http(`http://127.0.0.1:${port}`, { fetchFn: nodeRpcFetch, retryCount: 0 }),
    });
    const error = (await refused.getChainId().catch((e: Error) => e)) as Error & {
      walk: (f: (e: unknown) => boolean) => unknown;
    };
    expect(error.walk((e) => e instanceof HttpRequestError)).toBeTruthy();
    expect(error.walk((e) => (e as { code?: string }).code === "ECONNREFUSED")).toBeTruthy();
  });

  it("test_nodeRpcFetch_notAJsonRpcPost_goesToTheGlobalFetch_succeeds", async () => {
    behaviour = (req, res) => json(res, 200, { method: req.method });
    server.removeAllListeners("request");
    server.on("request", (req: IncomingMessage, res: ServerResponse) => behaviour(req, res, [], false));
    const res = await nodeRpcFetch(`${url}/healthz`);
    expect(res).toBeInstanceOf(Response);
    expect(await res.json()).toEqual({ method: "GET" });
  });
});
