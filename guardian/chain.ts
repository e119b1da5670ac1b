/**
 * What the guardian reads from a gateway's chain, behind one small interface: the follower, the
 * accountant and the signing path depend on `GatewayReader`; production wires a
 * `QuorumGatewayReader` (quorum.ts) over one `ViemGatewayReader` per RPC endpoint, unit tests an
 * in-memory chain.
 */
import {
  BlockNotFoundError,
  erc20Abi,
  encodeEventTopics,
  hexToBigInt,
  hexToNumber,
  numberToHex,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { Gateway } from "../core/gateway.js";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import { decodeMessageSent, MESSAGE_SENT_TOPIC } from "../core/logs.js";
import type { Message } from "../core/message.js";

export interface BlockRef {
  number: bigint;
  hash: Hex;
  /** Unix seconds. */
  timestamp: bigint;
}

/** A `MessageSent` log of the gateway, decoded and with its id re-derived from its fields. */
export interface ObservedMessage {
  msgId: Hex;
  message: Message;
  blockNumber: bigint;
  blockHash: Hex;
  logIndex: number;
  /**
   * What it paid (`fee`) and was quoted (`quote`), from the same log; listed on the signable
   * feed for relayers' fee policies. Always set by ViemGatewayReader.
   */
  payment?: { fee: bigint; quote: bigint };
}

/**
 * How a message addressed to this gateway left the in-flight set: paid out (`MessageExecuted`),
 * vetoed, or cancelled through the escape hatch (refunded on its source later).
 */
export interface Settlement {
  msgId: Hex;
  kind: "executed" | "vetoed" | "cancelled";
  blockNumber: bigint;
  blockHash: Hex;
  logIndex: number;
}

export interface GatewayReader {
  latestBlock(): Promise<BlockRef>;
  /** The canonical block at `number`, or undefined when the chain is shorter. */
  blockAt(number: bigint): Promise<BlockRef | undefined>;
  /** The gateway's `MessageSent` logs in `[fromBlock, toBlock]`, in chain order. */
  messagesSent(fromBlock: bigint, toBlock: bigint): Promise<ObservedMessage[]>;
  /** The gateway's settlements (executed, vetoed, cancelled) in `[fromBlock, toBlock]`. */
  settlements(fromBlock: bigint, toBlock: bigint): Promise<Settlement[]>;
  /** `sentMessageId(nonce)` of each nonce, in order, as of `blockNumber` (lower-case hex). */
  sentMessageIds(nonces: readonly bigint[], blockNumber: bigint): Promise<Hex[]>;
  /** `lockedBalance(homeToken)` of the gateway as of `blockNumber`. */
  lockedBalance(homeToken: Address, blockNumber: bigint): Promise<bigint>;
  /** `totalSupply()` of an ERC-20 on this chain as of `blockNumber`. */
  totalSupply(token: Address, blockNumber: bigint): Promise<bigint>;
  /** The current guardian-set index (as of `blockNumber` when given). */
  guardianSetIndex(blockNumber?: bigint): Promise<number>;
  /** Members of guardian set `index` (a set never changes once installed). */
  guardianSet(index: number): Promise<readonly Address[]>;
}

/** A log whose content contradicts the chain: the RPC or the chain view cannot be trusted. */
export class ChainInconsistencyError extends Error {
  override name = "ChainInconsistencyError";
}

const SETTLEMENT_TOPICS = {
  executed: encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageExecuted" })[0],
  vetoed: encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageVetoed" })[0],
  cancelled: encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageCancelled" })[0],
} as const;

/** Decoded MessageSent logs kept for a second read (a few blocks of a burst). */
const DECODED_KEPT = 20_000;

interface RpcLog {
  address: Address;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex | null;
  blockHash: Hex | null;
  logIndex: Hex | null;
  removed?: boolean;
}

/**
 * One endpoint's view. Contract reads go through the typed gateway (core/gateway.ts); logs are
 * read raw (see `messagesSent`).
 */
export class ViemGatewayReader implements GatewayReader {
  private readonly typed: Gateway;
  /**
   * Logs decoded lately, by block hash and log index: the follower reads a message's log twice
   * (in the unconfirmed tail, then at depth), and decoding re-derives its id (an EIP-712 hash,
   * the guardian's costliest step per message). A hit must carry the same data and topics.
   */
  private readonly decoded = new Map<string, { data: Hex; topics: string; observed: ObservedMessage }>();

  constructor(
    private readonly client: PublicClient,
    readonly gateway: Address,
  ) {
    this.typed = new Gateway(gateway, client);
  }

  async latestBlock(): Promise<BlockRef> {
    return blockRef(await this.client.getBlock({ blockTag: "latest" }));
  }

  async blockAt(number: bigint): Promise<BlockRef | undefined> {
    try {
      return blockRef(await this.client.getBlock({ blockNumber: number }));
    } catch (e) {
      if (e instanceof BlockNotFoundError) return undefined;
      throw e;
    }
  }

  async messagesSent(fromBlock: bigint, toBlock: bigint): Promise<ObservedMessage[]> {
    // Raw eth_getLogs, decoded by core: viem's event decoding would silently drop a log it
    // cannot decode, and a gateway log that does not decode must stop the guardian, not vanish.
    const logs = (await this.client.request({
      method: "eth_getLogs",
      params: [
        {
          address: this.gateway,
          topics: [MESSAGE_SENT_TOPIC],
          fromBlock: numberToHex(fromBlock),
          toBlock: numberToHex(toBlock),
        },
      ],
    })) as RpcLog[];
    return logs.filter((log) => !log.removed).map((log) => this.observedOnce(log));
  }

  private observedOnce(log: RpcLog): ObservedMessage {
    const key = `${log.blockHash}:${log.logIndex}`;
    const topics = log.topics.join(",");
    const hit = this.decoded.get(key);
    if (hit && hit.data === log.data && hit.topics === topics) return { ...hit.observed };
    const result = observed(log);
    if (this.decoded.size >= DECODED_KEPT) this.decoded.delete(this.decoded.keys().next().value!);
    this.decoded.set(key, { data: log.data, topics, observed: result });
    return { ...result };
  }

  async settlements(fromBlock: bigint, toBlock: bigint): Promise<Settlement[]> {
    const kinds = Object.entries(SETTLEMENT_TOPICS) as [Settlement["kind"], Hex][];
    const logs = (await this.client.request({
      method: "eth_getLogs",
      params: [
        {
          address: this.gateway,
          topics: [kinds.map(([, topic]) => topic)],
          fromBlock: numberToHex(fromBlock),
          toBlock: numberToHex(toBlock),
        },
      ],
    })) as RpcLog[];
    return logs
      .filter((log) => !log.removed)
      .map((log) => {
        const kind = kinds.find(([, topic]) => topic === log.topics[0])?.[0];
        const msgId = log.topics[1];
        if (!kind || !msgId || log.blockNumber === null || log.blockHash === null || log.logIndex === null) {
          throw new ChainInconsistencyError("eth_getLogs returned a settlement log the filter does not match");
        }
        return {
          msgId: msgId.toLowerCase() as Hex,
          kind,
          blockNumber: hexToBigInt(log.blockNumber),
          blockHash: log.blockHash.toLowerCase() as Hex,
          logIndex: hexToNumber(log.logIndex),
        };
      });
  }

  lockedBalance(homeToken: Address, blockNumber: bigint): Promise<bigint> {
    return this.typed.lockedBalance(homeToken, { blockNumber });
  }

  totalSupply(token: Address, blockNumber: bigint): Promise<bigint> {
    return this.client.readContract({ address: token, abi: erc20Abi, functionName: "totalSupply", blockNumber });
  }

  async sentMessageIds(nonces: readonly bigint[], blockNumber: bigint): Promise<Hex[]> {
    const ids = await this.typed.sentMessageIds(nonces, { blockNumber });
    return ids.map((id) => id.toLowerCase() as Hex);
  }

  guardianSetIndex(blockNumber?: bigint): Promise<number> {
    return this.typed.guardianSetIndex({ blockNumber });
  }

  async guardianSet(index: number): Promise<readonly Address[]> {
    return (await this.typed.guardianSet(index)).guardians;
  }
}

function blockRef(block: { number: bigint | null; hash: Hex | null; timestamp: bigint }): BlockRef {
  if (block.number === null || block.hash === null)
    throw new ChainInconsistencyError("the RPC returned a pending block");
  return { number: block.number, hash: block.hash.toLowerCase() as Hex, timestamp: block.timestamp };
}

function observed(log: RpcLog): ObservedMessage {
  if (log.blockNumber === null || log.blockHash === null || log.logIndex === null) {
    throw new ChainInconsistencyError("eth_getLogs returned a pending log for a mined block range");
  }
  let decoded;
  try {
    decoded = decodeMessageSent({ data: log.data, topics: log.topics as [Hex, ...Hex[]] });
  } catch (e) {
    throw new ChainInconsistencyError(
      `undecodable MessageSent log in block ${hexToBigInt(log.blockNumber)}: ${(e as Error).message}`,
    );
  }
  return {
    msgId: decoded.msgId.toLowerCase() as Hex,
    message: decoded.message,
    blockNumber: hexToBigInt(log.blockNumber),
    blockHash: log.blockHash.toLowerCase() as Hex,
    logIndex: hexToNumber(log.logIndex),
    payment: { fee: decoded.fee, quote: decoded.quote },
  };
}
