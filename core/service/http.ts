/**
 * A small HTTP server for services: `/healthz`, `/metrics` and a few JSON routes. node:http is
 * enough for a handful of routes; a framework would add a dependency and a plugin system that
 * these services do not need.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import type { Registry } from "prom-client";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export type Handler = (req: Request) => Promise<unknown> | unknown;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

const MAX_BODY_BYTES = 1 << 20;

/**
 * Who is answering: every /healthz carries it, so whoever started a service (the devnet, an
 * orchestrator) can tell that the process on a port is the one it started and not another that
 * got the port. `service` is the name given to `runService`; `instance` is SERVICE_INSTANCE from
 * the environment (the devnet passes a fresh one to every start), else host:pid.
 */
export interface ServiceIdentity {
  service: string;
  instance: string;
}

let processServiceName = "service";

/** Names this process' service (called once by `runService`). */
export function nameService(name: string): void {
  processServiceName = name;
}

export function serviceIdentity(env: Record<string, string | undefined> = process.env): ServiceIdentity {
  return { service: processServiceName, instance: env.SERVICE_INSTANCE || `${hostname()}:${process.pid}` };
}

export class HttpService {
  private readonly routes: Route[] = [];
  private server?: Server;

  constructor(
    private readonly registry: Registry,
    private readonly health: () => Promise<{ ok: boolean } & Record<string, unknown>>,
    readonly identity: ServiceIdentity = serviceIdentity(),
  ) {
    this.route("GET", "/healthz", async () => {
      const h = { ...(await this.health()), ...this.identity };
      if (!h.ok) throw new HttpError(503, "unhealthy", h);
      return h;
    });
  }

  /** Registers a route; `:name` segments become `params.name`. */
  route(method: string, path: string, handler: Handler): this {
    this.routes.push({ method, parts: path.split("/").filter(Boolean), handler });
    return this;
  }

  async listen(port: number, host = "127.0.0.1"): Promise<number> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (req.method === "GET" && url.pathname === "/metrics") {
        res.writeHead(200, { "content-type": this.registry.contentType });
        res.end(await this.registry.metrics());
        return;
      }
      const match = this.match(req.method ?? "GET", url.pathname);
      if (!match) throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
      const body = req.method === "GET" ? undefined : await readJson(req);
      const result = await match.route.handler({
        method: req.method ?? "GET",
        path: url.pathname,
        params: match.params,
        query: url.searchParams,
        headers: req.headers,
        body,
      });
      send(res, 200, result ?? { ok: true });
    } catch (e) {
      if (e instanceof HttpError) send(res, e.status, { error: e.message, ...e.body });
      else send(res, 500, { error: (e as Error).message });
    }
  }

  private match(method: string, path: string) {
    const parts = path.split("/").filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== method || route.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = route.parts.every((p, i) => {
        if (p.startsWith(":")) {
          params[p.slice(1)] = decodeURIComponent(parts[i]!);
          return true;
        }
        return p === parts[i];
      });
      if (ok) return { route, params };
    }
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "request body is not JSON");
  }
}
