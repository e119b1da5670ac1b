/**
 * The bridge message (format version 2): the one TypeScript definition every service uses. It
 * mirrors `contracts/interfaces/IBridgeMessage.sol` and `contracts/libraries/MessageLib.sol`
 * (ids and the packed batch `deliver` takes); `test/ts/core/message.test.ts` proves the ids,
 * packed batches and digests computed here equal the contract's for fuzzed messages.
 *
 * Version 2 added `tokenChainId` (a token is identified by its home chain and its address there)
 * and `dropOff` (native wei of the destination chain handed to the recipient with the transfer,
 * supplied by the delivering relayer as the `deliver` call's value).
 */
import {
  concat,
  decodeAbiParameters,
  encodeAbiParameters,
  getAddress,
  isAddress,
  keccak256,
  numberToHex,
  size,
  sliceHex,
  stringToHex,
  hexToBigInt,
  type Address,
  type Hex,
} from "viem";
import { keccak256Fast } from "./keccak.js";

export const MESSAGE_VERSION = 2;

export interface Message {
  version: number;
  nonce: bigint;
  sourceChainId: bigint;
  destChainId: bigint;
  sourceGateway: Address;
  destGateway: Address;
  sender: Address;
  recipient: Address;
  /** Token identity, part 1: the chain id of the token's home chain. */
  tokenChainId: bigint;
  /** Token identity, part 2: the token's address on its home chain. */
  token: Address;
  amount: bigint;
  /** Unix seconds after which the message can no longer be delivered. */
  deadline: bigint;
  /**
   * Native wei (of the destination chain) the destination gateway forwards to `recipient` with
   * the transfer; the delivering relayer supplies it as the `deliver` call's value. 0 for none.
   */
  dropOff: bigint;
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
    { name: "tokenChainId", type: "uint64" },
    { name: "token", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "deadline", type: "uint64" },
    { name: "dropOff", type: "uint128" },
  ],
} as const;

/** The ABI tuple of `Message`, for encoding it as a function argument or event field. */
export const messageAbiParameter = {
  type: "tuple",
  components: messageTypes.Message,
} as const;

/**
 * EIP-712 `encodeType` of `Message`, from `messageTypes` (it has no nested structs, so the type
 * string is just its fields in order), and its hash.
 */
const MESSAGE_TYPEHASH = keccak256(
  stringToHex(`Message(${messageTypes.Message.map((f) => `${f.type} ${f.name}`).join(",")})`),
).slice(2);

/**
 * The message id: EIP-712 `hashStruct(message)`, equal to `BridgeGateway.messageId`. Written out
 * (type hash, then one 32-byte word per field, all static) rather than through viem's
 * `hashStruct`, which re-derives the type and re-validates on every call: guardians, relayers and
 * the explorer hash every message of every block, and under a burst that was a visible share of
 * their CPU. `test/ts/core/message.test.ts` proves it equals `hashStruct` and the contract. A
 * value out of its field's range throws, as `hashStruct` does.
 */
export function messageId(message: Message): Hex {
  let words = "";
  for (const { name, type } of messageTypes.Message) words += messageWord(name, type, message[name]);
  return messageIdOfWords(words);
}

/**
 * The id of a message given as its fields' 32-byte words (lower-case hex, no 0x: what
 * `messageWord` builds, and exactly a `MessageSent` log's first 13 data words, since every field
 * is static). The caller has checked the words are canonical (`messageFromWords`).
 */
export function messageIdOfWords(words: string): Hex {
  const known = recentIds.get(words);
  if (known) return known;
  const id = keccak256Fast(`0x${MESSAGE_TYPEHASH}${words}`);
  if (recentIds.size >= RECENT_IDS) recentIds.clear();
  recentIds.set(words, id);
  return id;
}

/**
 * The ids of the last few thousand messages hashed in this process, keyed by their exact words.
 * A service meets each message several times (a relayer: in the source's log, in every
 * guardian's feed, in its delivery job; a guardian: in the log, then in each attestation
 * request), and the keccak is most of `messageId`'s cost; a lookup of the words just built is a
 * fraction of it. The key is the whole hashed input, so a hit is the same hash, never a guess.
 * Bounded: cleared when full (a burst's worth fits).
 */
const RECENT_IDS = 8_192;
const recentIds = new Map<string, Hex>();

/** Number of 32-byte words a message takes, in its ABI encoding and in its EIP-712 struct. */
export const MESSAGE_WORDS = messageTypes.Message.length;

/**
 * Reads a message from its fields' words (lower-case hex, no 0x, `MESSAGE_WORDS` × 64 digits),
 * refusing any word that is not a canonical value of its field's type (dirty high bits), as a
 * strict ABI decoder would. Addresses come back checksummed, as viem decodes them.
 */
export function messageFromWords(words: string): Message {
  if (words.length !== MESSAGE_WORDS * 64 || !/^[0-9a-f]*$/.test(words)) {
    throw new Error(`a message is ${MESSAGE_WORDS} words of lower-case hex`);
  }
  const message: Record<string, unknown> = {};
  messageTypes.Message.forEach(({ name, type }, i) => {
    const word = words.slice(i * 64, (i + 1) * 64);
    const valueBits = type === "address" ? 160 : Number(type.slice(4));
    if (!/^0*$/.test(word.slice(0, 64 - valueBits / 4))) {
      throw new Error(`message.${name} is not a canonical ${type} word: ${word}`);
    }
    if (type === "address") message[name] = getAddress(`0x${word.slice(24)}`);
    else if (type === "uint8") message[name] = parseInt(word.slice(62), 16);
    else message[name] = BigInt(`0x${word}`);
  });
  return message as unknown as Message;
}

/** One field as the 64 hex digits of its EIP-712 word. */
function messageWord(name: string, type: string, value: unknown): string {
  if (type === "address") {
    // What viem's isAddress accepts without its checksum check, tested directly: viem's also
    // builds a cache key and looks it up per call (with the bounds below, ~3 of the ~19 µs
    // `messageId` took per message).
    if (typeof value !== "string" || !ADDRESS.test(value)) {
      throw new Error(`message.${name} is not an address: ${String(value)}`);
    }
    return value.slice(2).toLowerCase().padStart(64, "0");
  }
  // uintN: every other field.
  const v = typeof value === "bigint" ? value : typeof value === "number" ? BigInt(value) : undefined;
  if (v === undefined || v < 0n || v > UINT_MAX[type]!) {
    throw new Error(`message.${name} is not a ${type}: ${String(value)}`);
  }
  return v.toString(16).padStart(64, "0");
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** The largest value of each uintN field type of `Message`. */
const UINT_MAX: Record<string, bigint> = Object.fromEntries(
  messageTypes.Message.filter((f) => f.type !== "address").map((f) => [f.type, (1n << BigInt(f.type.slice(4))) - 1n]),
);

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
    tokenChainId: message.tokenChainId.toString(),
    amount: message.amount.toString(),
    deadline: message.deadline.toString(),
    dropOff: message.dropOff.toString(),
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
  const uint = (key: string, bits: 64 | 128 | 256): bigint => {
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
    tokenChainId: uint("tokenChainId", 64),
    token: address("token"),
    amount: uint("amount", 256),
    deadline: uint("deadline", 64),
    dropOff: uint("dropOff", 128),
  };
}

export function routeKey(m: Pick<Message, "sourceChainId" | "destChainId" | "sourceGateway" | "destGateway">) {
  return `${m.sourceChainId}:${m.sourceGateway.toLowerCase()}->${m.destChainId}:${m.destGateway.toLowerCase()}`;
}

/** The token identity of a message as one key: `<home chain id>:<home address, lower case>`. */
export function tokenKey(m: Pick<Message, "tokenChainId" | "token">): string {
  return `${m.tokenChainId}:${m.token.toLowerCase()}`;
}

/**
 * The packed batch `deliver` takes (`MessageLib`): a 29-byte header
 * `version (1) ‖ sourceChainId (8) ‖ sourceGateway (20)`, then per message 132 bytes
 * `nonce (8) ‖ sender (20) ‖ recipient (20) ‖ tokenChainId (8) ‖ token (20) ‖ amount (32) ‖
 * deadline (8) ‖ dropOff (16)`, big-endian, no padding. The destination fields are not carried:
 * they are the delivering gateway's own chain id and address.
 */
export const BATCH_HEADER_BYTES = 29;
export const BATCH_MESSAGE_BYTES = 132;

const fixed = (value: bigint, bytes: number): Hex => numberToHex(value, { size: bytes });

/**
 * Packs a batch for `deliver`. Every message must share the route (a relayer batches per
 * route); anything else is a caller bug and throws.
 */
export function encodeDeliveryBatch(messages: readonly Message[]): Hex {
  const first = messages[0];
  if (!first) throw new Error("a delivery batch needs at least one message");
  const route = routeKey(first);
  for (const m of messages) {
    if (routeKey(m) !== route || m.version !== first.version) {
      throw new Error(`a delivery batch must share one route: ${routeKey(m)} differs from ${route}`);
    }
  }
  const parts: Hex[] = [fixed(BigInt(first.version), 1), fixed(first.sourceChainId, 8), first.sourceGateway];
  for (const m of messages) {
    parts.push(
      fixed(m.nonce, 8),
      m.sender,
      m.recipient,
      fixed(m.tokenChainId, 8),
      m.token,
      fixed(m.amount, 32),
      fixed(m.deadline, 8),
      fixed(m.dropOff, 16),
    );
  }
  return concat(parts);
}

/**
 * The messages of a packed batch delivered to `destGateway` on `destChainId` (the inverse of
 * `encodeDeliveryBatch`). Throws on a length that is not a header plus whole messages.
 */
export function decodeDeliveryBatch(packed: Hex, destChainId: bigint, destGateway: Address): Message[] {
  const length = size(packed);
  if (length <= BATCH_HEADER_BYTES || (length - BATCH_HEADER_BYTES) % BATCH_MESSAGE_BYTES !== 0) {
    throw new Error(`a packed batch of ${length} bytes is not a header plus whole messages`);
  }
  const uintAt = (start: number, bytes: number) => hexToBigInt(sliceHex(packed, start, start + bytes));
  const addressAt = (start: number) => getAddress(sliceHex(packed, start, start + 20));
  const version = Number(uintAt(0, 1));
  const sourceChainId = uintAt(1, 8);
  const sourceGateway = addressAt(9);
  const messages: Message[] = [];
  for (let p = BATCH_HEADER_BYTES; p < length; p += BATCH_MESSAGE_BYTES) {
    messages.push({
      version,
      nonce: uintAt(p, 8),
      sourceChainId,
      destChainId,
      sourceGateway,
      destGateway: getAddress(destGateway),
      sender: addressAt(p + 8),
      recipient: addressAt(p + 28),
      tokenChainId: uintAt(p + 48, 8),
      token: addressAt(p + 56),
      amount: uintAt(p + 76, 32),
      deadline: uintAt(p + 108, 8),
      dropOff: uintAt(p + 116, 16),
    });
  }
  return messages;
}

/** What a `deliver` of `messages` must carry as its value: the sum of their drop-offs. */
export function deliveryValue(messages: readonly Pick<Message, "dropOff">[]): bigint {
  return messages.reduce((sum, m) => sum + m.dropOff, 0n);
}

/** The attestation part of a delivery (`core/attestation.ts`'s `AttestationArg` fits it). */
export interface DeliveryAttestation {
  guardianSetIndex: number;
  /** 64-byte EIP-2098 compact signatures, ascending by signer (`packSignatures`). */
  signatures: Hex;
}

/**
 * The arguments of `deliver(messages, proofs, guardianSetIndex, signatures)` for a batch. Send
 * them with `value: deliveryValue(messages)`.
 */
export function deliverArgs(
  messages: readonly Message[],
  attestation: DeliveryAttestation,
  proofs: readonly (readonly Hex[])[] = [],
): readonly [Hex, readonly (readonly Hex[])[], number, Hex] {
  return [encodeDeliveryBatch(messages), proofs, attestation.guardianSetIndex, attestation.signatures] as const;
}
