/**
 * A typed client of the explorer's HTTP API (explorer/openapi.json) for browsers and Node: plain
 * `fetch`, and Server-Sent Events through `EventSource` where the platform has one (browsers)
 * or a streamed `fetch` otherwise (Node). The response types below are the API's contract: the
 * explorer builds its answers with them, so a change shows up in both at `tsc` time.
 *
 *   const explorer = new ExplorerClient("http://127.0.0.1:9500");
 *   const view = await explorer.message(msgIdOrTxHash);       // stages, reason, ETA
 *   const sub = explorer.subscribe({ msgId }, { onMessage: (v) => render(v) });
 *   ...
 *   sub.close();
 */
import type { Hex } from "viem";
import type { MessageJson } from "../core/message.js";

// ---------------------------------------------------------------------------------------------
// The API's types
// ---------------------------------------------------------------------------------------------

/** A message's lifecycle on chain, from its indexed events. */
export const EXPLORER_MESSAGE_STATUSES = ["sent", "queued", "executed", "vetoed", "cancelled", "refunded"] as const;
export type ExplorerMessageStatus = (typeof EXPLORER_MESSAGE_STATUSES)[number];

/** Why a message is where it is. */
export type ExplorerWaitKind =
  | "delivery"
  | "self-relay"
  | "large-transfer"
  | "rate-limit"
  | "execution"
  | "paused"
  | "expired"
  | "executed"
  | "vetoed"
  | "cancelled"
  | "refunded"
  | "unknown-source";

export interface ExplorerChainRef {
  chainId: number;
  name: string | null;
}

export interface ExplorerTokenRef {
  symbol: string;
  decimals: number;
  homeToken: string;
}

export interface ExplorerStage {
  stage: ExplorerMessageStatus;
  chainId: number;
  blockNumber: number;
  txHash: Hex;
  logIndex: number;
  /** Block time, unix seconds. */
  time: number;
  /** queued: executableAt, nonce; vetoed: by; cancelled: refundOnL1, nonce; refunded: to, amount, onL1. */
  details: Record<string, unknown>;
}

export interface ExplorerMessageSummary {
  msgId: Hex;
  status: ExplorerMessageStatus;
  /** Null when the message's MessageSent is not indexed (only its destination events are). */
  message: MessageJson | null;
  source: ExplorerChainRef | null;
  destination: ExplorerChainRef | null;
  token: ExplorerTokenRef | null;
  sent: { blockNumber: number; txHash: Hex; time: number } | null;
}

export interface ExplorerMessage extends ExplorerMessageSummary {
  stages: ExplorerStage[];
  /**
   * The delivery fee (source-chain native wei, decimal strings) from its `MessageSent`: what was
   * paid and quoted. `underpaid`: relayers may leave it alone; the sender can self-relay it.
   * Null when its `MessageSent` is not indexed.
   */
  fee: { paid: string; quote: string; underpaid: boolean } | null;
  reason: { kind: ExplorerWaitKind; text: string };
  /** Unix seconds when the next step can happen, when known (a queued message's executableAt). */
  eta: number | null;
}

export interface ExplorerPage<T> {
  nextCursor: string | null;
  items: T[];
}

export interface ExplorerBucket {
  /** Decimal base units; null when unlimited. */
  capacity: string | null;
  refillPerSecond: string;
  /** What could pass now; null when unlimited. */
  available: string | null;
}

export interface ExplorerRouteToken {
  symbol: string;
  decimals: number;
  homeToken: string;
  sourceToken: string;
  destinationToken: string;
  /** Largest amount executed at once on arrival, base units. */
  fastLimit: string;
  /** The destination's inbound bucket. */
  inbound: ExplorerBucket;
  /** The source's outbound bucket. */
  outbound: ExplorerBucket;
}

export interface ExplorerRouteEnd {
  chainId: number;
  name: string;
  paused: boolean;
  /** This gateway has the route to the other end enabled. */
  enabled: boolean;
}

export interface ExplorerRoute {
  /** "<source name>-<destination name>". */
  route: string;
  source: ExplorerRouteEnd;
  destination: ExplorerRouteEnd;
  /** The destination's delay for large or rate-limited transfers, seconds. */
  largeDelay: number;
  /** The source's deadline window for new messages, seconds. */
  deadlineWindow: { min: number; default: number; max: number };
  tokens: ExplorerRouteToken[];
}

export interface ExplorerRoutes {
  /** Always "live": read from the gateways at `readAt`. */
  source: "live";
  readAt: number;
  routes: ExplorerRoute[];
}

export interface ExplorerChain {
  chainId: number;
  name: string;
  gateway: string;
  confirmations: number;
  headBlock: number | null;
  indexedBlock: number | null;
  paused: boolean;
  largeDelay: number | null;
  deadlineWindows: { min: number; default: number; max: number } | null;
  guardianSet: { index: number; guardians: string[]; threshold: number } | null;
  /** Home token (lowercase) → fast limit, base units. */
  fastLimits: Record<string, string>;
}

export interface ExplorerEvent {
  chainId: number;
  blockNumber: number;
  logIndex: number;
  txHash: Hex;
  blockHash: Hex;
  time: number;
  /** The gateway ABI's event name, or "Unknown". */
  name: string;
  msgId: Hex | null;
  /** Decoded arguments, bigints as decimal strings. */
  args: Record<string, unknown>;
}

export interface ExplorerMessageQuery {
  sender?: string;
  recipient?: string;
  /** Sender or recipient. */
  address?: string;
  /** "<source>-<destination>", chain names or ids. */
  route?: string;
  status?: ExplorerMessageStatus | ExplorerMessageStatus[];
  cursor?: string;
  /** 1 to 100 (default 20). */
  limit?: number;
}

export interface ExplorerEventQuery {
  chain?: string | number;
  name?: string | string[];
  cursor?: string;
  limit?: number;
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/** The explorer answered with an error; `message` is its one sentence. */
export class ExplorerApiError extends Error {
  override name = "ExplorerApiError";
  constructor(
    readonly status: number,
    message: string,
    /** The full error body (e.g. `msgIds` of a transaction carrying several messages). */
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface ExplorerSubscription {
  close(): void;
}

export interface StreamHandlers {
  /** The message's current view: on subscribing (when known) and after every indexed change. */
  onMessage(view: ExplorerMessage): void;
  /** A reorg orphaned the message's MessageSent. */
  onRemoved?(msgId: Hex): void;
  /** The subscription is in place (again, after a reconnection). */
  onReady?(): void;
  /** The stream failed; EventSource reconnects by itself, the fetch stream does not. */
  onError?(error: Error): void;
}

export interface ExplorerClientOptions {
  fetch?: typeof fetch;
  /** Use a streamed fetch even where EventSource exists. */
  noEventSource?: boolean;
}

export class ExplorerClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(
    baseUrl: string,
    private readonly options: ExplorerClientOptions = {},
  ) {
    this.base = baseUrl.replace(/\/+$/, "");
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** A message by id, or by a transaction that sent or touched exactly one message. */
  message(msgIdOrTxHash: string): Promise<ExplorerMessage> {
    return this.get(`/v1/messages/${encodeURIComponent(msgIdOrTxHash)}`);
  }

  /** Messages newest first; pass `nextCursor` back as `cursor` for the next page. */
  async messages(query: ExplorerMessageQuery = {}): Promise<ExplorerPage<ExplorerMessageSummary>> {
    const page = await this.get<{ messages: ExplorerMessageSummary[]; nextCursor: string | null }>(
      `/v1/messages${queryString({ ...query, status: list(query.status) })}`,
    );
    return { items: page.messages, nextCursor: page.nextCursor };
  }

  routes(): Promise<ExplorerRoutes> {
    return this.get("/v1/routes");
  }

  async chains(): Promise<ExplorerChain[]> {
    return (await this.get<{ chains: ExplorerChain[] }>("/v1/chains")).chains;
  }

  async events(query: ExplorerEventQuery = {}): Promise<ExplorerPage<ExplorerEvent>> {
    const page = await this.get<{ events: ExplorerEvent[]; nextCursor: string | null }>(
      `/v1/events${queryString({ ...query, chain: query.chain?.toString(), name: list(query.name) })}`,
    );
    return { items: page.events, nextCursor: page.nextCursor };
  }

  /** Follows one message, or every message an address sends or receives, as it changes. */
  subscribe(target: { msgId: string } | { address: string }, handlers: StreamHandlers): ExplorerSubscription {
    const url = `${this.base}/v1/stream${queryString(target)}`;
    const onEvent = (event: string, data: string) => {
      if (event === "ready") handlers.onReady?.();
      else if (event === "message") handlers.onMessage(JSON.parse(data) as ExplorerMessage);
      else if (event === "removed") handlers.onRemoved?.((JSON.parse(data) as { msgId: Hex }).msgId);
    };
    const EventSourceImpl = (globalThis as { EventSource?: typeof EventSource }).EventSource;
    if (EventSourceImpl && !this.options.noEventSource && !this.options.fetch) {
      const source = new EventSourceImpl(url);
      for (const name of ["ready", "message", "removed"]) {
        source.addEventListener(name, (e) => onEvent(name, (e as MessageEvent<string>).data));
      }
      source.onerror = () => handlers.onError?.(new Error(`event stream ${url} interrupted; reconnecting`));
      return { close: () => source.close() };
    }
    const controller = new AbortController();
    void this.readStream(url, controller.signal, onEvent).catch((e: unknown) => {
      if (!controller.signal.aborted) handlers.onError?.(e as Error);
    });
    return { close: () => controller.abort() };
  }

  private async readStream(url: string, signal: AbortSignal, onEvent: (event: string, data: string) => void) {
    const res = await this.fetch(url, { signal, headers: { accept: "text/event-stream" } });
    if (!res.ok || !res.body) throw await apiError(res);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length > 0) onEvent(event, data.join("\n"));
      }
    }
  }

  private async get<T>(path: string): Promise<T> {
    const res = await this.fetch(`${this.base}${path}`, { headers: { accept: "application/json" } });
    if (!res.ok) throw await apiError(res);
    return (await res.json()) as T;
  }
}

async function apiError(res: Response): Promise<ExplorerApiError> {
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  const message = typeof body.error === "string" ? body.error : `the explorer answered HTTP ${res.status}`;
  return new ExplorerApiError(res.status, message, body);
}

function list(v: string | readonly string[] | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === "string" ? v : v.join(",");
}

function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
