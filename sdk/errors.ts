/**
 * The SDK's errors: one base, `PortcullisError`, shaped like viem's `BaseError` — a one-sentence
 * `shortMessage` a front end can show as is, optional `details`, the `cause` it wraps, and
 * `walk()` down the cause chain — and one subclass per thing a caller may want to handle, so
 * callers test an error's class (`e instanceof WrongChainError`, or `e.walk(...)`), never its
 * text. Sentences are plain words: no command-line flags, no UI wording.
 */
import type { Address, Hex } from "viem";

export interface PortcullisErrorOptions {
  cause?: unknown;
  /** More about what happened, for logs and "show details" (not shown as the headline). */
  details?: string;
}

export class PortcullisError extends Error {
  override name = "PortcullisError";
  /** One sentence, ending with a full stop. */
  readonly shortMessage: string;
  readonly details?: string;

  constructor(shortMessage: string, options: PortcullisErrorOptions = {}) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
      cause: options.cause,
    });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }

  /**
   * Walks this error and its causes: the first one `match` accepts (or null), or without
   * `match` the innermost cause.
   */
  walk(match?: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    for (;;) {
      if (match?.(current)) return current;
      const next = (current as { cause?: unknown } | null)?.cause;
      if (next === undefined || next === null || next === current) return match ? null : current;
      current = next;
    }
  }
}

/** Fields of a transfer a problem can be about. */
export type TransferField = "from" | "to" | "token" | "amount" | "sender" | "recipient" | "deadline" | "dropOff";
/** Problems keyed by field, each one sentence; empty when the transfer can be sent. */
export type TransferProblems = Partial<Record<TransferField, string>>;
/** The order problems are reported in when only one is shown. */
export const TRANSFER_FIELDS: readonly TransferField[] = [
  "from",
  "to",
  "token",
  "amount",
  "recipient",
  "sender",
  "deadline",
  "dropOff",
];

/** The first problem in field order. */
export function firstProblem(problems: TransferProblems): string | undefined {
  for (const field of TRANSFER_FIELDS) if (problems[field]) return problems[field];
  return undefined;
}

/** A transfer that would fail or get stuck; nothing was sent. */
export class InvalidTransferError extends PortcullisError {
  override name = "InvalidTransferError";
  constructor(readonly problems: TransferProblems) {
    const all = TRANSFER_FIELDS.flatMap((f) => (problems[f] ? [`${f}: ${problems[f]}`] : []));
    super(firstProblem(problems) ?? "the transfer is invalid.", {
      details: all.length > 1 ? all.join("; ") : undefined,
    });
  }
}

/** Input that is not what the call takes (a malformed id, a threshold out of range, …). */
export class InvalidInputError extends PortcullisError {
  override name = "InvalidInputError";
}

/** A chain's RPC endpoint did not answer. */
export class ChainUnreachableError extends PortcullisError {
  override name = "ChainUnreachableError";
  constructor(
    readonly chain: string,
    readonly rpcUrl: string,
    options: PortcullisErrorOptions = {},
  ) {
    super(`cannot reach ${chain} at ${rpcUrl}.`, options);
  }
}

/** The chains do not match the manifest (a restarted devnet, a wrong RPC URL). */
export class StaleManifestError extends PortcullisError {
  override name = "StaleManifestError";
}

/** A wallet is connected to another chain than the one the transaction goes to. */
export class WrongChainError extends PortcullisError {
  override name = "WrongChainError";
  constructor(
    readonly expectedChainId: number,
    readonly actualChainId: number,
    readonly expectedChain: string,
  ) {
    super(
      `the wallet is on chain ${actualChainId}, but this transaction goes to ${expectedChain} (chain ${expectedChainId}).`,
    );
  }
}

/** A gateway refused a transaction; `errorName` is its custom error (e.g. `BridgePaused`). */
export class GatewayRefusedError extends PortcullisError {
  override name = "GatewayRefusedError";
  constructor(
    shortMessage: string,
    readonly errorName: string | undefined,
    options: PortcullisErrorOptions = {},
  ) {
    super(shortMessage, options);
  }
}

/** A transaction was mined but reverted. */
export class TransactionRevertedError extends PortcullisError {
  override name = "TransactionRevertedError";
  constructor(
    readonly what: string,
    readonly hash: Hex,
  ) {
    super(`the ${what} transaction ${hash} reverted.`);
  }
}

/**
 * `sendTransfer` was stopped by its caller's signal. Before a transaction was submitted nothing
 * of it was sent (`hash` undefined); after, it was submitted and may still be mined: follow
 * `hash`, or find its message with `findMessage(hash)`.
 */
export class SendStoppedError extends PortcullisError {
  override name = "SendStoppedError";
  constructor(
    readonly what: string,
    readonly hash?: Hex,
    options: PortcullisErrorOptions = {},
  ) {
    super(
      hash
        ? `stopped waiting for the ${what} transaction ${hash}; it was submitted and may still be mined.`
        : `stopped before the ${what} transaction was signed; it was not sent.`,
      options,
    );
  }
}

/** No message has this id, and no transaction with this hash sent one. */
export class MessageNotFoundError extends PortcullisError {
  override name = "MessageNotFoundError";
  constructor(
    readonly ref: Hex,
    chains: readonly string[],
  ) {
    super(`no message or transaction ${ref} was found on ${chains.join(", ")}.`);
  }
}

/** A transaction sent several messages: name one by its id. */
export class AmbiguousMessageError extends PortcullisError {
  override name = "AmbiguousMessageError";
  constructor(
    readonly txHash: Hex,
    readonly msgIds: readonly Hex[],
  ) {
    super(`transaction ${txHash} sent ${msgIds.length} messages; name one by its id: ${msgIds.join(", ")}.`);
  }
}

/** Self-relay found the message delivered already (by a relayer, or an earlier attempt). */
export class AlreadyDeliveredError extends PortcullisError {
  override name = "AlreadyDeliveredError";
  constructor(readonly msgId: Hex) {
    super(`message ${msgId} was already delivered (or cancelled); there is nothing to relay.`);
  }
}

/** The message's deadline passed undelivered: it can only be escaped now. */
export class MessageExpiredError extends PortcullisError {
  override name = "MessageExpiredError";
  constructor(
    readonly msgId: Hex,
    readonly deadline: number,
  ) {
    super(
      `message ${msgId} passed its deadline (${new Date(deadline * 1000).toISOString()}) undelivered; it can no longer be delivered, only escaped through L1.`,
    );
  }
}

/** A gateway the operation needs is paused. */
export class GatewayPausedError extends PortcullisError {
  override name = "GatewayPausedError";
  constructor(readonly chain: string) {
    super(`the ${chain} gateway is paused; it accepts deliveries again once governance unpauses it.`);
  }
}

/** Fewer than `threshold` guardians of the destination's set signed. */
export class AttestationsUnavailableError extends PortcullisError {
  override name = "AttestationsUnavailableError";
  constructor(
    readonly signed: number,
    readonly threshold: number,
    readonly guardians: number,
    details: string,
  ) {
    super(
      `only ${signed} of the ${threshold} guardian signatures needed are available now (${guardians} guardians asked).`,
      {
        details,
      },
    );
  }
}

/** A council signer is not an owner of the Safe. */
export class NotAnOwnerError extends PortcullisError {
  override name = "NotAnOwnerError";
  constructor(
    readonly signer: Address,
    readonly chain: string,
    readonly owners: readonly Address[],
  ) {
    super(
      `${signer} is not an owner of the council Safe on ${chain} (owners: ${owners.join(", ")}); nothing was signed.`,
    );
  }
}
