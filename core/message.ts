/**
 * The bridge message: the one TypeScript definition every service uses. It mirrors
 * `contracts/interfaces/IBridgeMessage.sol`; `test/ts/core/message.test.ts` proves the ids and
 * digests computed here equal the contract's for fuzzed messages.
 */
import { decodeAbiParameters, encodeAbiParameters, hashStruct, isAddress, type Address, type Hex } from "viem";

export const MESSAGE_VERSION = 1;

export interface Message {
  version: number;
  nonce: bigint;
  sourceChainId: bigint;
  destChainId: bigint;
  sourceGateway: Address;
  destGateway: Address;
  sender: Address;
  recipient: Address;
  /** Token identity: the token's address on its home chain. */
  token: Address;
  amount: bigint;
  /** Unix seconds after which the message can no longer be delivered. */
  deadline: bigint;
}

/** EIP-712 types of the message; field order is the struct's and must never change. */
export const messageTypes = {
  Message: [
    { name: "version", type: "uint8" },
    { name: "nonce", type: "uint64" },
    { name: "sourceChainId", type: "uint64" },
    { name: "destChainId", type: "uint64" },
    { name: "sourceGateway", type: "address" },
    { name: "destGateway", type: "address" },
    { name: "sender", type: "address" },
    { name: "recipient", type: "address" },
    { name: "token", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

/** The ABI tuple of `Message`, for encoding it as a function argument or event field. */
export const messageAbiParameter = {
  type: "tuple",
  components: messageTypes.Message,
} as const;

/** The message id: EIP-712 `hashStruct(message)`, equal to `BridgeGateway.messageId`. */
export function messageId(message: Message): Hex {
  return hashStruct({ data: message, primaryType: "Message", types: messageTypes });
}

/** ABI encoding of the message (what goes into storage keys, queues and HTTP bodies as hex). */
export function encodeMessage(message: Message): Hex {
  return encodeAbiParameters([messageAbiParameter], [message]);
}

export function decodeMessage(data: Hex): Message {
  const [decoded] = decodeAbiParameters([messageAbiParameter], data);
  return { ...decoded };
}

/**
 * JSON-safe form (bigints as decimal strings) for Redis, HTTP and manifests. `messageFromJson`
 * validates every field, so a corrupted job or a hostile HTTP body is refused, not guessed at.
 */
export type MessageJson = { [K in keyof Message]: Message[K] extends bigint ? string : Message[K] };

export function messageToJson(message: Message): MessageJson {
  return {
    ...message,
    nonce: message.nonce.toString(),
    sourceChainId: message.sourceChainId.toString(),
    destChainId: message.destChainId.toString(),
    amount: message.amount.toString(),
    deadline: message.deadline.toString(),
  };
}

const UINT = /^[0-9]+$/;

export function messageFromJson(json: unknown): Message {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error("message: expected an object");
  }
  const j = json as Record<string, unknown>;
  const address = (key: string): Address => {
    const v = j[key];
    // Strict: mixed case must be a valid EIP-55 checksum, so a mistyped address is refused.
    if (typeof v !== "string" || !isAddress(v)) throw new Error(`message.${key}: expected an address`);
    return v;
  };
  // Range-checked here, not at encoding time, so an out-of-range field is refused where it enters.
  const uint = (key: string, bits: 64 | 256): bigint => {
    const v = j[key];
    if (typeof v !== "string" || !UINT.test(v)) throw new Error(`message.${key}: expected a decimal string`);
    const value = BigInt(v);
    if (value >> BigInt(bits) !== 0n) throw new Error(`message.${key}: ${v} does not fit in uint${bits}`);
    return value;
  };
  if (j.version !== MESSAGE_VERSION) throw new Error(`message.version: expected ${MESSAGE_VERSION}`);
  return {
    version: MESSAGE_VERSION,
    nonce: uint("nonce", 64),
    sourceChainId: uint("sourceChainId", 64),
    destChainId: uint("destChainId", 64),
    sourceGateway: address("sourceGateway"),
    destGateway: address("destGateway"),
    sender: address("sender"),
    recipient: address("recipient"),
    token: address("token"),
    amount: uint("amount", 256),
    deadline: uint("deadline", 64),
  };
}

/** The route part of a message, shared by every message of a delivered batch. */
export interface MessageHeader {
  version: number;
  sourceChainId: bigint;
  destChainId: bigint;
  sourceGateway: Address;
  destGateway: Address;
}

/** The per-message part of a delivered message. */
export interface Transfer {
  nonce: bigint;
  sender: Address;
  recipient: Address;
  token: Address;
  amount: bigint;
  deadline: bigint;
}

export function routeKey(m: Pick<Message, "sourceChainId" | "destChainId" | "sourceGateway" | "destGateway">) {
  return `${m.sourceChainId}:${m.sourceGateway.toLowerCase()}->${m.destChainId}:${m.destGateway.toLowerCase()}`;
}

/**
 * Splits a batch into the calldata form `deliver` takes: one header plus transfers. Every
 * message must share the route (a relayer batches per route); anything else is a caller bug.
 */
export function toDeliveryBatch(messages: readonly Message[]): { header: MessageHeader; transfers: Transfer[] } {
  const first = messages[0];
  if (!first) throw new Error("a delivery batch needs at least one message");
  const route = routeKey(first);
  for (const m of messages) {
    if (routeKey(m) !== route || m.version !== first.version) {
      throw new Error(`a delivery batch must share one route: ${routeKey(m)} differs from ${route}`);
    }
  }
  return {
    header: {
      version: first.version,
      sourceChainId: first.sourceChainId,
      destChainId: first.destChainId,
      sourceGateway: first.sourceGateway,
      destGateway: first.destGateway,
    },
    transfers: messages.map((m) => ({
      nonce: m.nonce,
      sender: m.sender,
      recipient: m.recipient,
      token: m.token,
      amount: m.amount,
      deadline: m.deadline,
    })),
  };
}

/** The inverse of `toDeliveryBatch`: the full messages of a delivered batch (`Message` = header ∪ transfer). */
export function fromDeliveryBatch(header: MessageHeader, transfers: readonly Transfer[]): Message[] {
  return transfers.map((t) => ({
    version: header.version,
    nonce: t.nonce,
    sourceChainId: header.sourceChainId,
    destChainId: header.destChainId,
    sourceGateway: header.sourceGateway,
    destGateway: header.destGateway,
    sender: t.sender,
    recipient: t.recipient,
    token: t.token,
    amount: t.amount,
    deadline: t.deadline,
  }));
}
