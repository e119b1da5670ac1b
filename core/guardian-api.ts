/**
 * The guardian HTTP API: the one contract between guardian services and their clients (relayers,
 * the monitor, the `guardian` operator CLI). Request and response bodies are validated with zod
 * on both sides; versioned under /v1.
 *
 *   POST /v1/attest            AttestRequest  -> 200 AttestResponse | 409 AttestRefusal
 *   GET  /v1/messages/:msgId                  -> 200 MessageView (404 when never seen)
 *   GET  /v1/pending           (operator)     -> 200 { pending: MessageView[] }
 *   POST /v1/approve/:msgId    (operator)     -> 200 MessageView
 *   GET  /healthz                             -> 200 GuardianHealth (503 when a chain view is stale)
 *   GET  /metrics                             -> Prometheus text
 *
 * Operator routes require `authorization: Bearer <OPERATOR_TOKEN>` (the guardian's own secret).
 */
import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";
import { z } from "zod";
import type { MessageJson } from "./message.js";

const hex32 = z.string().refine((v) => isHex(v) && v.length === 66, "expected a 32-byte hex value");
const address = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), "expected an address")
  .transform((v) => getAddress(v));

/** Most message ids one attestation covers (bounds the guardian's work per request). */
export const MAX_ATTEST_BATCH = 256;

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
  signature: z.string().refine((v) => isHex(v) && v.length === 132, "expected a 65-byte signature"),
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

export type MessageState = "unconfirmed" | "awaiting-approval" | "signable" | "rejected";

export interface MessageView {
  msgId: Hex;
  state: MessageState;
  message: MessageJson;
  /** Source block the MessageSent log is in. */
  blockNumber: string;
  reason?: string;
}

export interface GuardianHealth {
  ok: boolean;
  guardian: Address;
  /** Per source chain id: the newest block scanned and the chain head seen. */
  chains: Record<string, { scannedBlock: string; headBlock: string; lagSeconds: number }>;
  /** Unix seconds of the last signature, or null. */
  lastSignedAt: number | null;
}

export class GuardianRefusedError extends Error {
  override name = "GuardianRefusedError";
  constructor(
    readonly guardianUrl: string,
    readonly refusal: AttestRefusal,
  ) {
    super(`guardian ${guardianUrl} refused: ${refusal.error}`);
  }
}

/** Client side of POST /v1/attest. Throws GuardianRefusedError on 409, Error on anything else. */
export async function requestAttestation(
  guardianUrl: string,
  request: AttestRequest,
  timeoutMs = 5_000,
): Promise<AttestResponse> {
  const res = await fetch(`${guardianUrl}/v1/attest`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body: unknown = await res.json().catch(() => ({}));
  if (res.status === 409) throw new GuardianRefusedError(guardianUrl, attestRefusalSchema.parse(body));
  if (!res.ok) throw new Error(`guardian ${guardianUrl}: HTTP ${res.status}: ${JSON.stringify(body)}`);
  return attestResponseSchema.parse(body);
}
