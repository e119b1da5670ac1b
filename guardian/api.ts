/**
 * The guardian's HTTP surface: exactly the routes of `core/guardian-api.ts`, on the shared
 * `HttpService` (which adds /healthz and /metrics). Bodies are validated with the contract's
 * zod schemas; guardian errors map to the statuses the contract names.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { BaseError, type Hex } from "viem";
import { attestRequestSchema, signableQuerySchema } from "../core/guardian-api.js";
import { HttpError, HttpService, type Handler, type Request } from "../core/service/http.js";
import {
  ApprovalRefusedError,
  AttestRefusedError,
  InvalidRequestError,
  MessageNotFoundError,
  type Guardian,
} from "./guardian.js";
import { RpcDisagreementError, RpcQuorumError } from "./quorum.js";

const MSG_ID = /^0x[0-9a-fA-F]{64}$/;

export function guardianHttp(
  registry: Registry,
  guardian: Guardian,
  operatorToken: string,
  logger: Logger,
): HttpService {
  const operator = operatorOnly(operatorToken);
  const mapped = mappedErrors(logger);
  const http = new HttpService(registry, async () => ({ ...guardian.health() }));
  // The public routes answer browsers too: a web page self-relays a user's message with them
  // (web/, sdk relay). The operator routes never do.
  const publicRoute = { cors: true };
  return http
    .route(
      "POST",
      "/v1/attest",
      mapped(async (req) => {
        const parsed = attestRequestSchema.safeParse(req.body);
        if (!parsed.success) {
          const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
          throw new HttpError(400, `invalid attest request: ${issues.join("; ")}`);
        }
        const started = performance.now();
        let outcome = "error";
        try {
          const response = await guardian.attest(parsed.data);
          outcome = "signed";
          return response;
        } catch (e) {
          if (e instanceof AttestRefusedError) outcome = "refused";
          throw e;
        } finally {
          guardian.metrics.attestDuration.observe({ outcome }, (performance.now() - started) / 1000);
        }
      }),
      publicRoute,
    )
    .route(
      "GET",
      "/v1/signable",
      mapped((req) => {
        const query = signableQuerySchema.safeParse(Object.fromEntries(req.query));
        if (!query.success) {
          const issues = query.error.issues.map((i) => `${i.path.join(".") || "(query)"}: ${i.message}`);
          throw new HttpError(400, `invalid signable query: ${issues.join("; ")}`);
        }
        return guardian.signable.read(query.data);
      }),
    )
    .route(
      "GET",
      "/v1/messages/:msgId",
      mapped((req) => guardian.message(msgIdParam(req))),
      publicRoute,
    )
    .route("GET", "/v1/pending", operator(mapped(async () => ({ pending: await guardian.pending() }))))
    .route("POST", "/v1/approve/:msgId", operator(mapped((req) => guardian.approve(msgIdParam(req)))));
}

function msgIdParam(req: Request): Hex {
  const id = req.params.msgId ?? "";
  if (!MSG_ID.test(id)) throw new HttpError(400, `"${id.slice(0, 80)}" is not a message id (0x and 64 hex digits)`);
  return id.toLowerCase() as Hex;
}

/**
 * Guardian errors as the HTTP statuses of the API contract. A chain that cannot be read right
 * now is a 503 (clients retry), anything else a logged 500.
 */
function mappedErrors(logger: Logger): (handler: Handler) => Handler {
  return (handler) => async (req) => {
    try {
      return await handler(req);
    } catch (e) {
      if (e instanceof HttpError) throw e;
      if (e instanceof AttestRefusedError) throw new HttpError(409, e.refusal.error, { ...e.refusal });
      if (e instanceof MessageNotFoundError) throw new HttpError(404, e.message);
      if (e instanceof ApprovalRefusedError) throw new HttpError(409, e.message);
      if (e instanceof InvalidRequestError) throw new HttpError(400, e.message);
      // The chain's RPC endpoints disagree or too few answer: nothing is signed, clients retry.
      if (e instanceof RpcDisagreementError || e instanceof RpcQuorumError) {
        logger.warn({ err: e.message, method: req.method, path: req.path }, "cannot sign: the chain views fail");
        throw new HttpError(503, `not signing now: ${e.message}`);
      }
      logger.error({ err: e, method: req.method, path: req.path }, "request failed");
      if (e instanceof BaseError) throw new HttpError(503, `cannot read the chains right now: ${e.shortMessage}`);
      throw new HttpError(500, "internal error (see the guardian's log)");
    }
  };
}

/**
 * Requires `authorization: Bearer <token>`. Both sides are hashed before a constant-time
 * compare, so neither the token's content nor its length leaks through timing.
 */
export function operatorOnly(token: string): (handler: Handler) => Handler {
  const expected = digest(token);
  return (handler) => (req) => {
    const header = req.headers.authorization;
    const match = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const given = digest(match?.[1] ?? "");
    if (!match || !timingSafeEqual(given, expected)) {
      throw new HttpError(401, "operator route: send `authorization: Bearer <OPERATOR_TOKEN>`");
    }
    return handler(req);
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
