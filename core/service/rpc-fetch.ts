/**
 * The `fetch` a Node service's viem clients send JSON-RPC with (`ClientOptions.fetchFn`,
 * core/chains.ts): one POST over `node:http`/`node:https` on keep-alive connections, the body
 * read as one string.
 *
 * Why not the global `fetch`: the services poll their chains every 250 ms on the devnet (every
 * second elsewhere) and the relayer and the guardians send hundreds of requests a second in a
 * burst. Node's `fetch` (undici) builds a `Request`, web streams for both bodies and a `Response`
 * per call: measured on an idle three-L2 devnet with four relayers, its machinery was about a
 * third of every service's CPU, and the services together used 0.80 of a core with it against
 * 0.41 with this (docs/relayer.md, Performance). Node only: the browser (the web app, the SDK)
 * keeps viem's default.
 *
 * What it returns is not a `Response` but the part of one viem's HTTP transport reads (`ok`,
 * `status`, `statusText`, `headers.get`, `body` null, `text()`, `json()`);
 * test/ts/core/rpc-fetch.test.ts runs it under viem's transport against a real HTTP server, so a
 * viem that needs more fails there. Anything but a POST with a string body (viem sends nothing
 * else) is handed to the global `fetch`.
 */
import http from "node:http";
import https from "node:https";

/** Idle keep-alive sockets are reused; a burst may open more (viem batches reads anyway). */
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

interface RpcResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  body: null;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export const nodeRpcFetch: typeof fetch = (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (init?.method !== "POST" || typeof init.body !== "string" || !/^https?:/.test(url)) return fetch(input, init);
  return post(url, init.body, headersOf(init.headers), init.signal ?? undefined) as unknown as Promise<Response>;
};

function headersOf(headers: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers).forEach((value, key) => (out[key] = value));
  return out;
}

function post(url: string, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<RpcResponse> {
  const secure = url.startsWith("https:");
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const request = (secure ? https : http).request(
      url,
      {
        method: "POST",
        agent: secure ? httpsAgent : httpAgent,
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        });
        response.on("end", () => {
          signal?.removeEventListener("abort", onAbort);
          const text = Buffer.concat(chunks).toString("utf8");
          const status = response.statusCode ?? 0;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            statusText: response.statusMessage ?? "",
            headers: { get: (name) => headerValue(response.headers[name.toLowerCase()]) },
            body: null,
            text: async () => text,
            json: async () => JSON.parse(text) as unknown,
          });
        });
      },
    );
    // viem aborts on its timeout or the caller's signal; the socket goes, not back to the pool.
    const onAbort = () => request.destroy(signal!.reason instanceof Error ? signal!.reason : new Error("aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("error", (e) => {
      signal?.removeEventListener("abort", onAbort);
      reject(e);
    });
    request.end(body);
  });
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}
