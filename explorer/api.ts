/**
 * The explorer's HTTP API (documented in explorer/openapi.json, served at GET /openapi.json):
 *
 *   GET /v1/messages/{msgId|txHash}   one message: every stage, the current reason and ETA
 *   GET /v1/messages?…                 messages newest first, keyset-paginated (opaque cursor)
 *   GET /v1/routes                     per route and token: paused, limits, buckets, windows (live)
 *   GET /v1/chains                     per chain: indexing progress and the indexed gateway facts
 *   GET /v1/events?…                   every indexed gateway event, newest first
 *   GET /v1/stream?msgId=…|address=…   Server-Sent Events (see stream.ts)
 *
 * Bad parameters get a 400 with one sentence naming the parameter; an unknown message a 404.
 */
import { isAddress, type Hex } from "viem";
import type { ExplorerChain } from "@portcullis/sdk";
import type { Manifest } from "../core/manifest.js";
import { publicConfig } from "../core/public-config.js";
import { HttpError, RawResponse, type HttpService, type Request } from "../core/service/http.js";
import type { FactsCache } from "./facts.js";
import type { ChainIndexer } from "./indexer.js";
import type { ExplorerMetrics } from "./metrics.js";
import {
  MESSAGE_STATUSES,
  type EventKey,
  type MessageFilter,
  type MessageKey,
  type MessageRecord,
  type MessageStatus,
} from "./model.js";
import type { RouteReader } from "./routes.js";
// Imported, not read at run time: the bundle (dist/explorer/index.mjs) carries it.
import openapi from "./openapi.json" with { type: "json" };
import { staticFiles } from "./static.js";
import type { ExplorerStorage } from "./storage/storage.js";
import type { StreamHub } from "./stream.js";
import { Views, type MessageView } from "./views.js";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ApiDeps {
  manifest: Manifest;
  storage: ExplorerStorage;
  facts: FactsCache;
  routes: RouteReader;
  hub: StreamHub;
  indexers: readonly ChainIndexer[];
  metrics: ExplorerMetrics;
  webDir?: string;
  /** Unix seconds; tests may pin it. */
  now?: () => number;
}

export class ExplorerApi {
  readonly views: Views;
  private readonly openapi: unknown;
  private readonly now: () => number;

  constructor(private readonly d: ApiDeps) {
    this.views = new Views(d.manifest);
    this.openapi = openapi;
    this.now = d.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Registers every route (and the web app fallback) on `http`. */
  register(http: HttpService): void {
    // Public and read-only: any web page may call it (wallets, other front ends).
    const route = (path: string, handler: (req: Request) => Promise<unknown> | unknown) =>
      http.route("GET", path, this.timed(path, handler), { cors: true });
    route("/openapi.json", () => this.openapi);
    // The web app's deployment: the manifest without its dev keys (core/public-config.ts); no
    // explorerUrl, so the app calls the origin that served it, which is this explorer.
    const config = publicConfig(this.d.manifest);
    route("/config.json", () => config);
    route("/v1/messages/:ref", (req) => this.getMessage(req));
    route("/v1/messages", (req) => this.listMessages(req));
    route("/v1/routes", (req) => this.getRoutes(req));
    route("/v1/chains", (req) => this.getChains(req));
    route("/v1/events", (req) => this.listEvents(req));
    route("/v1/stream", (req) => this.stream(req));
    http.fallback(staticFiles(this.d.webDir));
  }

  /** The full view of a stored message now. */
  async view(record: MessageRecord): Promise<MessageView> {
    const m = record.sent?.message;
    const destId = m ? Number(m.destChainId) : undefined;
    const facts = destId === undefined ? undefined : await this.d.facts.get(destId).catch(() => undefined);
    // The live bucket room only matters while the message waits for delivery.
    const inbound =
      record.status === "sent" && m && destId !== undefined
        ? await this.d.routes.inboundAvailable(destId, m.token).catch(() => undefined)
        : undefined;
    return this.views.message(record, this.now(), facts, inbound);
  }

  private async getMessage(req: Request): Promise<MessageView> {
    allowOnly(req, []);
    const ref = req.params.ref ?? "";
    if (!/^0x[0-9a-fA-F]{64}$/.test(ref)) {
      throw new HttpError(400, `"${ref}" is not a message id or transaction hash (0x followed by 64 hex digits).`);
    }
    const record = await this.resolve(ref as Hex);
    return this.view(record);
  }

  /** A message by id, else the one message a transaction sent or touched. */
  private async resolve(ref: Hex): Promise<MessageRecord> {
    const byId = await this.d.storage.message(ref);
    if (byId) return byId;
    const ids = await this.d.storage.messageIdsOfTransaction(ref);
    if (ids.length === 0) throw new HttpError(404, `no message or transaction ${ref} is indexed.`);
    if (ids.length > 1) {
      throw new HttpError(300, `transaction ${ref} carries ${ids.length} messages; ask for one of them by its id.`, {
        msgIds: ids,
      });
    }
    const record = await this.d.storage.message(ids[0]!);
    if (!record) throw new HttpError(404, `no message or transaction ${ref} is indexed.`);
    return record;
  }

  private async listMessages(req: Request) {
    allowOnly(req, ["sender", "recipient", "address", "route", "status", "cursor", "limit"]);
    const q = req.query;
    const filter: MessageFilter = {
      sender: addressParam(q, "sender"),
      recipient: addressParam(q, "recipient"),
      address: addressParam(q, "address"),
      statuses: statusParam(q),
      ...this.routeParam(q),
    };
    const limit = limitParam(q);
    const after = q.has("cursor") ? decodeMessageCursor(q.get("cursor")!) : undefined;
    // One more than asked: whether a next page exists without a second query.
    const rows = await this.d.storage.messages(filter, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      messages: page.map((r) => this.views.summary(r)),
      nextCursor: rows.length > limit && last?.sent ? encodeMessageCursor(keyOf(last)) : null,
    };
  }

  private async getRoutes(req: Request) {
    allowOnly(req, []);
    try {
      return await this.d.routes.routes();
    } catch (e) {
      throw new HttpError(503, `a gateway could not be read: ${(e as Error).message.split("\n")[0]}`);
    }
  }

  private async getChains(req: Request) {
    allowOnly(req, []);
    const chains = await Promise.all(
      this.d.indexers.map(async (ix): Promise<ExplorerChain> => {
        const f = await this.d.facts.get(ix.chain.chainId);
        return {
          chainId: ix.chain.chainId,
          name: ix.chain.name,
          gateway: ix.chain.gateway,
          confirmations: ix.chain.confirmations,
          headBlock: ix.head ?? null,
          indexedBlock: ix.indexedBlock ?? null,
          paused: f.paused,
          largeDelay: f.largeDelay ?? null,
          deadlineWindows: f.deadlineWindows ?? null,
          guardianSet: f.guardianSet ?? null,
          fastLimits: Object.fromEntries([...f.fastLimits].map(([k, v]) => [k, v.toString()])),
        };
      }),
    );
    return { source: "indexed", chains };
  }

  private async listEvents(req: Request) {
    allowOnly(req, ["chain", "name", "cursor", "limit"]);
    const q = req.query;
    const chainId = q.has("chain") ? this.chainParam(q.get("chain")!, "chain") : undefined;
    const names = q.has("name") ? listParam(q.get("name")!) : undefined;
    if (names?.some((n) => !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(n))) {
      throw new HttpError(400, "name must be gateway event names separated by commas, e.g. Paused,Unpaused.");
    }
    const limit = limitParam(q);
    const after = q.has("cursor") ? decodeEventCursor(q.get("cursor")!) : undefined;
    const rows = await this.d.storage.events({ chainId, names }, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      events: page,
      nextCursor:
        rows.length > limit && last
          ? encodeEventCursor({
              time: last.time,
              chainId: last.chainId,
              blockNumber: last.blockNumber,
              logIndex: last.logIndex,
            })
          : null,
    };
  }

  private async stream(req: Request): Promise<RawResponse> {
    allowOnly(req, ["msgId", "address"]);
    const msgId = req.query.get("msgId");
    const address = req.query.get("address");
    if ((msgId === null) === (address === null)) {
      throw new HttpError(400, "give exactly one of msgId (a message id) or address (a sender or recipient).");
    }
    if (msgId !== null) {
      if (!/^0x[0-9a-fA-F]{64}$/.test(msgId)) {
        throw new HttpError(400, `msgId "${msgId}" is not a message id (0x followed by 64 hex digits).`);
      }
      const id = msgId.toLowerCase() as Hex;
      // An unknown id is fine: a sender subscribes right after sending, before it is indexed.
      const record = await this.d.storage.message(id);
      const initial = record ? await this.view(record) : undefined;
      return new RawResponse((_req, res, headers) => this.d.hub.open(res, headers, { msgId: id }, initial));
    }
    const addr = addressParam(req.query, "address")!;
    return new RawResponse((_req, res, headers) => this.d.hub.open(res, headers, { address: addr.toLowerCase() }));
  }

  private routeParam(q: URLSearchParams): Pick<MessageFilter, "sourceChainId" | "destChainId"> {
    const route = q.get("route");
    if (route === null) return {};
    const parts = route.split("-");
    const example = this.d.indexers
      .slice(0, 2)
      .map((i) => i.chain.name)
      .join("-");
    const bad = () =>
      new HttpError(
        400,
        `route must be <source>-<destination> with chain names or ids of this deployment (e.g. ${example}), not "${route}".`,
      );
    if (parts.length !== 2) throw bad();
    const [src, dst] = parts.map((p) => this.d.manifest.chains.find((c) => c.name === p || String(c.chainId) === p));
    if (!src || !dst) throw bad();
    return { sourceChainId: src.chainId, destChainId: dst.chainId };
  }

  private chainParam(value: string, name: string): number {
    const chain = this.d.manifest.chains.find((c) => c.name === value || String(c.chainId) === value);
    if (!chain) {
      const known = this.d.manifest.chains.map((c) => c.name).join(", ");
      throw new HttpError(400, `${name} must be a chain name or id of this deployment (${known}), not "${value}".`);
    }
    return chain.chainId;
  }

  /** Wraps a handler to record its latency by route pattern and status. */
  private timed(route: string, handler: (req: Request) => Promise<unknown> | unknown) {
    return async (req: Request) => {
      const started = performance.now();
      let status = 200;
      try {
        return await handler(req);
      } catch (e) {
        status = e instanceof HttpError ? e.status : 500;
        throw e;
      } finally {
        this.d.metrics.requestSeconds.observe({ route, status: String(status) }, (performance.now() - started) / 1000);
      }
    };
  }
}

/** Rejects parameters the endpoint does not know (a typo would otherwise silently match all). */
function allowOnly(req: Request, allowed: readonly string[]): void {
  for (const key of new Set(req.query.keys())) {
    if (!allowed.includes(key)) {
      throw new HttpError(
        400,
        allowed.length === 0
          ? `unknown parameter "${key}": this endpoint takes none.`
          : `unknown parameter "${key}": expected ${allowed.join(", ")}.`,
      );
    }
    if (req.query.getAll(key).length > 1) throw new HttpError(400, `parameter "${key}" is given more than once.`);
  }
}

function addressParam(q: URLSearchParams, name: string): Hex | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!isAddress(v, { strict: false })) {
    throw new HttpError(400, `${name} must be an address (0x followed by 40 hex digits), not "${v}".`);
  }
  return v.toLowerCase() as Hex;
}

function listParam(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function statusParam(q: URLSearchParams): MessageStatus[] | undefined {
  const v = q.get("status");
  if (v === null) return undefined;
  const statuses = listParam(v);
  const bad = statuses.find((s) => !(MESSAGE_STATUSES as readonly string[]).includes(s));
  if (statuses.length === 0 || bad !== undefined) {
    throw new HttpError(
      400,
      `status must be one or more of ${MESSAGE_STATUSES.join(", ")} separated by commas, not "${v}".`,
    );
  }
  return statuses as MessageStatus[];
}

function limitParam(q: URLSearchParams): number {
  const v = q.get("limit");
  if (v === null) return DEFAULT_PAGE_SIZE;
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1 || n > MAX_PAGE_SIZE) {
    throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, not "${v}".`);
  }
  return n;
}

function keyOf(r: MessageRecord): MessageKey {
  return { time: r.sent!.time, sourceChainId: r.sent!.chainId, nonce: Number(r.sent!.message.nonce) };
}

// Cursors are opaque to clients: base64url of a versioned tuple, checked when decoded.

function encodeCursor(kind: string, values: number[]): string {
  return Buffer.from(JSON.stringify([kind, ...values])).toString("base64url");
}

function decodeCursor(kind: string, cursor: string, length: number): number[] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === length + 1 &&
      parsed[0] === kind &&
      parsed.slice(1).every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
    ) {
      return parsed.slice(1) as number[];
    }
  } catch {
    // fall through
  }
  throw new HttpError(400, "cursor is not one this API returned (pass nextCursor from the previous page unchanged).");
}

export function encodeMessageCursor(k: MessageKey): string {
  return encodeCursor("m1", [k.time, k.sourceChainId, k.nonce]);
}

export function decodeMessageCursor(cursor: string): MessageKey {
  const [time, sourceChainId, nonce] = decodeCursor("m1", cursor, 3) as [number, number, number];
  return { time, sourceChainId, nonce };
}

export function encodeEventCursor(k: EventKey): string {
  return encodeCursor("e1", [k.time, k.chainId, k.blockNumber, k.logIndex]);
}

export function decodeEventCursor(cursor: string): EventKey {
  const [time, chainId, blockNumber, logIndex] = decodeCursor("e1", cursor, 4) as [number, number, number, number];
  return { time, chainId, blockNumber, logIndex };
}
