/**
 * The guardian HTTP API: the one contract between guardian services and their clients (relayers,
 * the monitor, the SDK and the `guardian` operator CLI), and `GuardianClient`, the one client of
 * it. Request and response bodies are validated with zod on both sides; versioned under /v1.
 *
 *   POST /v1/attest            AttestRequest  -> 200 AttestResponse | 409 AttestRefusal
 *   GET  /v1/messages/:msgId                  -> 200 MessageView (404 when never seen)
 *   GET  /v1/signable?after=&waitMs=&limit=   -> 200 SignableBatch (long poll; see below)
 *   GET  /v1/pending           (operator)     -> 200 { pending: MessageView[] }
 *   POST /v1/approve/:msgId    (operator)     -> 200 MessageView
 *   GET  /healthz                             -> 200 GuardianHealth (503 when a chain view is stale)
 *   GET  /metrics                             -> Prometheus text
 *
 * Operator routes require `authorization: Bearer <OPERATOR_TOKEN>` (the guardian's own secret).
 *
 * The signable feed: every message this guardian would sign now, in the order it became
 * signable (confirmed at depth, or approved by the operator), each once. `after` is the cursor a
 * previous answer returned (absent: from the oldest entry the guardian still holds); the answer
 * waits up to `waitMs` for something new, so a relayer learns that a message can be attested the
 * moment the guardian knows it. Cursors are opaque; one from another guardian process (a restart)
 * or older than what the guardian keeps restarts the feed from its oldest entry (`reset: true`).
 * A message a guardian listed may still be refused later (a reorg, a rotation): the attestation
 * is the authority, the feed only says when asking is worth it.
 *
 * The feed also carries the guardian's own attestations of what it listed (`attestations`): as it
 * lists a source block's messages to a destination, it signs that group, in the order a relayer
 * delivers it (core/batch-order.ts), with every check of POST /v1/attest. A relayer whose batch is
 * exactly such a group (a source block's messages to one destination, all listed) finds a quorum
 * of signatures there and asks nobody; any other batch asks as before.
 */
import { getAddress, isAddress, isHex, type Hex } from "viem";
import { z } from "zod";
import { messageFromJson, messageId, messageToJson, type Message, type MessageJson } from "./message.js";

const hex32 = z.string().refine((v) => isHex(v) && v.length === 66, "expected a 32-byte hex value");
/** A guardian's `r‖s‖v` signature: an attest answer's and a listing's alike. */
const signature65 = z.string().refine((v) => isHex(v) && v.length === 132, "expected a 65-byte signature");
const address = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), "expected an address")
  .transform((v) => getAddress(v));
const uintString = z.string().regex(/^[0-9]+$/, "expected a decimal string");
/** A message in its JSON form, validated field by field (`messageFromJson`) and normalised. */
const messageJson = z.unknown().transform((v, ctx): MessageJson => {
  try {
    return messageToJson(messageFromJson(v));
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

/** Most message ids one attestation covers (bounds the guardian's work per request). */
export const MAX_ATTEST_BATCH = 1024;

export const attestRequestSchema = z.object({
  /** The destination gateway's chain and address: the EIP-712 domain signed in. */
  destChainId: z.number().int().positive(),
  destGateway: address,
  /** Message ids in batch order; the guardian signs the Merkle root over exactly this list. */
  msgIds: z.array(hex32).min(1).max(MAX_ATTEST_BATCH),
});
export type AttestRequest = z.infer<typeof attestRequestSchema>;

export const attestResponseSchema = z.object({
  guardian: address,
  guardianSetIndex: z.number().int().nonnegative(),
  root: hex32,
  signature: signature65,
});
export type AttestResponse = z.infer<typeof attestResponseSchema>;

/** Why a guardian will not sign (yet): clients retry the first three, never the last. */
export const attestRefusalSchema = z.object({
  error: z.string(),
  /** Not seen on the source chain at the confirmation depth yet. */
  unknown: z.array(hex32).default([]),
  /** Seen but waiting for this guardian's operator approval. */
  awaitingApproval: z.array(hex32).default([]),
  /** Seen but not yet confirmed. */
  unconfirmed: z.array(hex32).default([]),
  /** Refused for good (wrong destination, conflicting nonce, invalid route or token, unbacked: the
   *  guardian's accountant finds the token's books cannot pay it — docs/guardian.md). */
  rejected: z.array(z.object({ msgId: hex32, reason: z.string() })).default([]),
});
export type AttestRefusal = z.infer<typeof attestRefusalSchema>;

export const MESSAGE_STATES = ["unconfirmed", "awaiting-approval", "signable", "rejected"] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

export const messageViewSchema = z.object({
  msgId: hex32.transform((v) => v as Hex),
  state: z.enum(MESSAGE_STATES),
  message: messageJson,
  /** Source block the MessageSent log is in. */
  blockNumber: uintString,
  reason: z.string().optional(),
});
export type MessageView = z.infer<typeof messageViewSchema>;

export const pendingResponseSchema = z.object({ pending: z.array(messageViewSchema) });

export const guardianHealthSchema = z.object({
  ok: z.boolean(),
  guardian: address,
  /** Per source chain id: the newest block scanned and the chain head seen. */
  chains: z.record(z.string(), z.object({ scannedBlock: z.string(), headBlock: z.string(), lagSeconds: z.number() })),
  /** Unix seconds of the last signature, or null. */
  lastSignedAt: z.number().nullable(),
});
export type GuardianHealth = z.infer<typeof guardianHealthSchema>;

/** Longest a signable-feed request may wait for news. */
export const MAX_SIGNABLE_WAIT_MS = 30_000;
/** Most entries one signable-feed answer carries (a client catching up pages through). */
export const MAX_SIGNABLE_LIMIT = 5_000;

export const signableQuerySchema = z.object({
  after: z.string().max(100).optional(),
  waitMs: z.coerce.number().int().min(0).max(MAX_SIGNABLE_WAIT_MS).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_SIGNABLE_LIMIT).default(1_000),
});
export type SignableQuery = z.input<typeof signableQuerySchema>;

/** A feed entry's fields; `signableEntrySchema` also checks that `msgId` is its message's id. */
const signableEntryFields = z.object({
  msgId: hex32.transform((v) => v.toLowerCase() as Hex),
  message: messageJson,
  blockNumber: uintString,
  /**
   * What the message paid, as this guardian read it from its `MessageSent` log (decimal wei:
   * `fee` sent, `quote` asked). A relayer's fee policy needs it; taken from the feed, it spares
   * the relayer a read of the source chain on the delivery's critical path. Not covered by the
   * msgId: a relayer uses it only when every guardian whose listing made the quorum stated the
   * same (relayer/signable.ts), else it reads the log itself. Absent from older guardians.
   */
  payment: z.object({ fee: uintString, quote: uintString }).optional(),
});

/** A feed entry as the guardian serves it (its message in the normalised JSON form). */
export type SignableEntry = z.infer<typeof signableEntryFields>;
/** An entry with its message unread: what a client that holds the message already checks. */
const signableEntryHead = signableEntryFields.extend({ message: z.unknown() });

const ID_MISMATCH = "msgId is not the id of the message";
/**
 * An entry whose message is decoded once, validated field by field and checked against `msgId`,
 * and handed on decoded (`decoded`): a relayer reads every message of every guardian's feed, and
 * decoding each three times (validate, re-derive the id, record) was a good part of its CPU.
 */
export const signableEntrySchema = signableEntryHead.transform((e, ctx) => {
  let decoded: Message;
  try {
    decoded = messageFromJson(e.message);
  } catch (err) {
    ctx.addIssue({ code: "custom", path: ["message"], message: (err as Error).message });
    return z.NEVER;
  }
  if (messageId(decoded) !== e.msgId) {
    ctx.addIssue({ code: "custom", message: ID_MISMATCH });
    return z.NEVER;
  }
  return { ...e, message: messageToJson(decoded), decoded };
});
/** An entry as a client returns it: `decoded` is its checked message, absent if not read. */
export type FeedEntry = SignableEntry & { decoded?: Message };

/**
 * The guardian's attestation of one group it listed: the messages of source block `blockNumber`
 * of `sourceChainId` to the destination gateway that it listed together, `messages` of them, in
 * batch order (core/batch-order.ts); `root` is their Merkle root, signed as POST /v1/attest signs
 * (the signer is the guardian whose feed this is). The ids are not repeated: they are the feed's
 * entries of that block and destination. Absent from older guardians.
 */
export const listedAttestationSchema = z.object({
  destChainId: z.number().int().positive(),
  destGateway: address,
  sourceChainId: z.number().int().positive(),
  blockNumber: uintString,
  messages: z.number().int().positive(),
  guardianSetIndex: z.number().int().nonnegative(),
  root: hex32.transform((v) => v.toLowerCase() as Hex),
  signature: signature65,
});
export type ListedAttestation = z.infer<typeof listedAttestationSchema>;

const signableBatchFields = z.object({
  /** Pass as `after` next time. */
  cursor: z.string().min(1).max(100),
  /** The cursor given was not this feed's (another guardian process) or too old: from the start. */
  reset: z.boolean().default(false),
  messages: z.array(signableEntryFields),
  /** Its signatures of groups it listed, in the order signed (see `listedAttestationSchema`). */
  attestations: z.array(listedAttestationSchema).default([]),
});

export const signableBatchSchema = signableBatchFields.extend({ messages: z.array(signableEntrySchema) });
/** A feed answer as the guardian serves it. */
export type SignableBatch = z.infer<typeof signableBatchFields>;
/** A feed answer as a client returns it (see `FeedEntry`). */
export type FeedBatch = Omit<SignableBatch, "messages"> & { messages: FeedEntry[] };
const signableBatchHeads = signableBatchFields.extend({ messages: z.array(signableEntryHead) });

/**
 * Every failure of a guardian API call: `kind` says which, `status` the HTTP status if any,
 * `detail` the bare reason (the connection error, the guardian's own `error`, or what was invalid).
 */
export class GuardianApiError extends Error {
  override name = "GuardianApiError";
  readonly status?: number;
  readonly detail: string;

  constructor(
    readonly guardianUrl: string,
    readonly kind: "unreachable" | "http" | "invalid-response",
    message: string,
    o: { status?: number; detail?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: o.cause });
    this.status = o.status;
    this.detail = o.detail ?? "";
  }
}

/** A 409 on POST /v1/attest: the guardian will not sign (some of) the batch, and says why. */
export class GuardianRefusedError extends GuardianApiError {
  override name = "GuardianRefusedError";
  constructor(
    guardianUrl: string,
    readonly refusal: AttestRefusal,
  ) {
    super(guardianUrl, "http", `guardian ${guardianUrl} refused: ${refusal.error}`, {
      status: 409,
      detail: refusal.error,
    });
  }
}

export interface GuardianClientOptions {
  /** Per-request timeout (default 5 s); a signable long poll adds its `waitMs` to it. */
  timeoutMs?: number;
  /** Bearer token of the operator routes. */
  operatorToken?: string;
  /** HTTP implementation (default the global fetch); tests inject one. */
  fetch?: typeof fetch;
}

/** One guardian's API, validated both ways. Methods throw `GuardianApiError` (or a subclass). */
export class GuardianClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(
    url: string,
    private readonly o: GuardianClientOptions = {},
  ) {
    this.url = url.replace(/\/+$/, "");
    this.timeoutMs = o.timeoutMs ?? 5_000;
    this.fetchImpl = o.fetch ?? fetch;
  }

  /** POST /v1/attest. Throws GuardianRefusedError on 409. */
  async attest(request: AttestRequest, timeoutMs = this.timeoutMs): Promise<AttestResponse> {
    const body = attestRequestSchema.parse(request);
    const res = await this.call("POST", "/v1/attest", { body, timeoutMs });
    if (res.status === 409) {
      throw new GuardianRefusedError(this.url, this.parse(attestRefusalSchema, res.body, "attest refusal"));
    }
    return this.parse(attestResponseSchema, this.ok(res), "attest response");
  }

  /** GET /v1/messages/:msgId; undefined when the guardian has never seen it (404). */
  async message(msgId: Hex): Promise<MessageView | undefined> {
    const res = await this.call("GET", `/v1/messages/${hex32.parse(msgId)}`);
    if (res.status === 404) return undefined;
    return this.parse(messageViewSchema, this.ok(res), "message view");
  }

  /**
   * GET /v1/signable: what became signable after `after`, waiting up to `waitMs` for news.
   * `signal` ends the wait early (shutdown).
   */
  async signable(
    query: SignableQuery,
    signal?: AbortSignal,
    o: {
      /**
       * Ids whose message the caller has already checked against its id (another guardian listed
       * it): their entries' messages are neither validated nor hashed, only the other fields
       * (a relayer reads every message from every guardian's feed, and validating and hashing
       * each was most of its CPU per message). Their `message` is returned as received and must
       * not be used: the caller keeps the one it checked.
       */
      checked?: (msgId: Hex) => boolean;
    } = {},
  ): Promise<FeedBatch> {
    const q = signableQuerySchema.parse(query);
    const params = new URLSearchParams({ waitMs: String(q.waitMs), limit: String(q.limit) });
    if (q.after !== undefined) params.set("after", q.after);
    const res = await this.call("GET", `/v1/signable?${params}`, { timeoutMs: this.timeoutMs + q.waitMs, signal });
    if (!o.checked) return this.parse(signableBatchSchema, this.ok(res), "signable batch");
    const batch = this.parse(signableBatchHeads, this.ok(res), "signable batch");
    const messages = batch.messages.map((head, i): FeedEntry => {
      // As received (unvalidated): the caller said it holds this message already.
      if (o.checked!(head.msgId)) return head as SignableEntry;
      return this.parse(signableEntrySchema, head, `signable batch (messages.${i})`);
    });
    return { ...batch, messages };
  }

  /** GET /v1/pending (operator): messages waiting for this guardian's operator. */
  async pending(): Promise<MessageView[]> {
    const res = await this.call("GET", "/v1/pending", { operator: true });
    return this.parse(pendingResponseSchema, this.ok(res), "pending list").pending;
  }

  /** POST /v1/approve/:msgId (operator). */
  async approve(msgId: Hex): Promise<MessageView> {
    const res = await this.call("POST", `/v1/approve/${hex32.parse(msgId)}`, { operator: true });
    return this.parse(messageViewSchema, this.ok(res), "message view");
  }

  /**
   * GET /healthz. A guardian answers 503 with its health body when a chain view is stale, so the
   * body is returned whatever the status; `ok` is true only for a 2xx with `ok: true`.
   */
  async health(): Promise<{ ok: boolean; status: number; health: GuardianHealth }> {
    const res = await this.call("GET", "/healthz");
    const health = this.parse(guardianHealthSchema, res.body, "health body", res.status);
    return { ok: res.status >= 200 && res.status < 300 && health.ok, status: res.status, health };
  }

  private async call(
    method: "GET" | "POST",
    path: string,
    o: { body?: unknown; timeoutMs?: number; operator?: boolean; signal?: AbortSignal } = {},
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {};
    if (o.body !== undefined) headers["content-type"] = "application/json";
    if (o.operator) {
      if (!this.o.operatorToken) {
        throw new GuardianApiError(this.url, "http", "no operator token given", { status: 401, detail: "no token" });
      }
      headers.authorization = `Bearer ${this.o.operatorToken}`;
    }
    const timeout = AbortSignal.timeout(o.timeoutMs ?? this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.url}${path}`, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: o.signal ? AbortSignal.any([timeout, o.signal]) : timeout,
      });
    } catch (e) {
      const { cause } = e as { cause?: { code?: string; message?: string } };
      const detail = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new GuardianApiError(this.url, "unreachable", `guardian ${this.url} unreachable: ${detail}`, {
        detail,
        cause: e,
      });
    }
    const text = await res.text().catch(() => "");
    let body: unknown = undefined;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  }

  /** The body of a 2xx answer; a GuardianApiError with the guardian's own `error` otherwise. */
  private ok(res: { status: number; body: unknown }): unknown {
    if (res.status >= 200 && res.status < 300) return res.body;
    const error = (res.body as { error?: unknown } | undefined)?.error;
    const detail = typeof error === "string" ? error : "";
    const message = `guardian ${this.url}: HTTP ${res.status}${detail ? `: ${detail}` : ""}`;
    throw new GuardianApiError(this.url, "http", message, { status: res.status, detail });
  }

  private parse<S extends z.ZodType>(schema: S, body: unknown, what: string, status?: number): z.output<S> {
    const result = schema.safeParse(body);
    if (result.success) return result.data as z.output<S>;
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
    const message = `guardian ${this.url} sent an invalid ${what}: ${issues}`;
    throw new GuardianApiError(this.url, "invalid-response", message, { status, detail: `invalid ${what}: ${issues}` });
  }
}
