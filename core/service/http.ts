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

/**
 * A handler result written by the handler itself instead of as JSON: a Server-Sent Events
 * stream, a static file. `write` owns the response from then on (and must end it); `headers`
 * are the ones the route adds to every answer (CORS), to include in its `writeHead`.
 */
export class RawResponse {
  constructor(
    readonly write: (
      req: IncomingMessage,
      res: ServerResponse,
      headers: Record<string, string>,
    ) => void | Promise<void>,
  ) {}
}

export interface RouteOptions {
  /**
   * Let web pages of any origin call this route (CORS: `access-control-allow-origin: *`, and an
   * OPTIONS preflight allowing GET/POST with a JSON body). Only for public routes that need no
   * credentials (a guardian's message and attest routes, so a browser can self-relay); never for
   * a route behind a token.
   */
  cors?: boolean;
}

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
  cors: boolean;
}

const CORS_ALLOW_ORIGIN = { "access-control-allow-origin": "*" } as const;

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
  private fallbackHandler?: Handler;
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
  route(method: string, path: string, handler: Handler, options: RouteOptions = {}): this {
    this.routes.push({ method, parts: path.split("/").filter(Boolean), handler, cors: options.cors ?? false });
    return this;
  }

  /** Answers GET requests no route matches (e.g. a web app's files), instead of a 404. */
  fallback(handler: Handler): this {
    this.fallbackHandler = handler;
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
    let headers: Record<string, string> = {};
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (req.method === "OPTIONS") return this.preflight(url.pathname, res);
      if (req.method === "GET" && url.pathname === "/metrics") {
        res.writeHead(200, { "content-type": this.registry.contentType });
        res.end(await this.registry.metrics());
        return;
      }
      const match = this.match(req.method ?? "GET", url.pathname);
      const handler = match?.route.handler ?? (req.method === "GET" ? this.fallbackHandler : undefined);
      if (!handler) throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
      if (match?.route.cors) headers = CORS_ALLOW_ORIGIN;
      const body = req.method === "GET" ? undefined : await readJson(req);
      const result = await handler({
        method: req.method ?? "GET",
        path: url.pathname,
        params: match?.params ?? {},
        query: url.searchParams,
        headers: req.headers,
        body,
      });
      if (result instanceof RawResponse) await result.write(req, res, headers);
      else send(res, 200, result ?? { ok: true }, headers);
    } catch (e) {
      if (res.headersSent) res.destroy();
      else if (e instanceof HttpError) send(res, e.status, { error: e.message, ...e.body }, headers);
      else send(res, 500, { error: (e as Error).message }, headers);
    }
  }

  /** A browser's CORS preflight: allowed for the methods of the CORS routes at `path`, else 404. */
  private preflight(path: string, res: ServerResponse) {
    const methods = [...new Set(["GET", "POST"].filter((m) => this.match(m, path)?.route.cors))];
    if (methods.length === 0) return send(res, 404, { error: `no route OPTIONS ${path}` });
    res.writeHead(204, {
      ...CORS_ALLOW_ORIGIN,
      "access-control-allow-methods": methods.join(", "),
      "access-control-allow-headers": "content-type",
      "access-control-max-age": "600",
    });
    res.end();
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

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { ...headers, "content-type": "application/json" });
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
