/**
 * A poisoned RPC endpoint for tests: a JSON-RPC proxy in front of a real node (the devnet's
 * anvil) that forwards every request and rewrites some answers, the way a compromised or
 * replaced provider would (the KelpDAO rsETH loss, April 2026). With no poison it is an honest
 * second endpoint of the same chain.
 *
 * Poisons (set or change `proxy.poison` at any time):
 *   - `logs`: extra logs — a forged `MessageSent` — shown in `eth_getLogs` answers whose range and
 *     filter cover them, and in their transaction's `eth_getTransactionReceipt`;
 *   - `calls`: `eth_call` answers replaced (e.g. `sentMessageId(nonce)` agreeing with the forgery;
 *     a forged `sentMessageId` answer is also served inside the guardian's batched
 *     `SentMessageIdsQuery` calls, as an attacker who knows the guardian would);
 *   - `forgeBlockHashesFrom`: every block from this number on, and every log and receipt in it,
 *     carries a different block hash.
 *
 * Devnet/test code only; listens on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  decodeAbiParameters,
  decodeDeployData,
  encodeAbiParameters,
  encodeEventTopics,
  encodeFunctionData,
  hexToBigInt,
  isAddressEqual,
  keccak256,
  numberToHex,
  type Address,
  type Hex,
} from "viem";
import { SENT_IDS_RESULT } from "../core/gateway.js";
import { bridgeGatewayAbi, sentMessageIdsQueryAbi, sentMessageIdsQueryBytecode } from "../core/generated/abis.js";
import { messageId, type Message } from "../core/message.js";

export interface ForgedLog {
  address: Address;
  topics: Hex[];
  data: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hex;
}

export interface ForgedCall {
  to: Address;
  data: Hex;
  result: Hex;
  /** Answered from this block on (and for "latest"). */
  fromBlock: bigint;
}

export interface Poison {
  logs?: ForgedLog[];
  calls?: ForgedCall[];
  forgeBlockHashesFrom?: bigint;
}

interface RpcRequest {
  jsonrpc: "2.0";
  id: number | string;
  method: string;
  params?: unknown[];
}

interface RpcResponse {
  id: number | string;
  result?: unknown;
  error?: unknown;
}

type JsonLog = Record<string, unknown> & { blockNumber?: Hex; blockHash?: Hex; logIndex?: Hex };

export class PoisonedRpc {
  poison: Poison = {};
  /** Requests seen, by method (tests check the guardian really asked). */
  readonly calls = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly upstream: string,
    readonly url: string,
  ) {}

  /** Starts a proxy in front of `upstream` on 127.0.0.1 (`port` 0: any free one). */
  static async start(upstream: string, port = 0): Promise<PoisonedRpc> {
    let proxy: PoisonedRpc | undefined;
    const server = createServer((req, res) => {
      void proxy!.handle(req).then(
        (body) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(body);
        },
        (e: unknown) => {
          res.writeHead(502, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: String(e) } }));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    const { port: bound } = server.address() as AddressInfo;
    proxy = new PoisonedRpc(server, upstream, `http://127.0.0.1:${bound}`);
    return proxy;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
    const requests = Array.isArray(parsed) ? parsed : [parsed];
    for (const r of requests) this.calls.set(r.method, (this.calls.get(r.method) ?? 0) + 1);
    const upstream = await fetch(this.upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const answer = (await upstream.json()) as RpcResponse | RpcResponse[];
    const responses = Array.isArray(answer) ? answer : [answer];
    for (const response of responses) {
      const request = requests.find((r) => r.id === response.id);
      if (request && response.result !== undefined && response.result !== null) {
        response.result = this.rewrite(request, response.result);
      }
    }
    return JSON.stringify(Array.isArray(answer) ? responses : responses[0]);
  }

  private rewrite(request: RpcRequest, result: unknown): unknown {
    const params = request.params ?? [];
    switch (request.method) {
      case "eth_getLogs":
        return this.forgeHashes(this.withForgedLogs(params[0] as LogFilter, result as JsonLog[]));
      case "eth_getTransactionReceipt": {
        const receipt = result as { transactionHash: Hex; logs: JsonLog[]; blockHash: Hex; blockNumber: Hex };
        const extra = (this.poison.logs ?? []).filter((l) => l.transactionHash === receipt.transactionHash);
        const logs = [...receipt.logs, ...extra.map((l, i) => toJsonLog(l, receipt.logs.length + i))];
        return { ...receipt, ...this.forgedHash(receipt), logs: this.forgeHashes(logs) };
      }
      case "eth_call": {
        const [call, tag] = params as [{ to?: Address; data?: Hex; input?: Hex }, string | undefined];
        const data = (call.data ?? call.input ?? "0x").toLowerCase();
        if (!call.to && data.startsWith(sentMessageIdsQueryBytecode.toLowerCase())) {
          return this.forgeSentIds(data as Hex, tag, result as Hex);
        }
        const forged = (this.poison.calls ?? []).find(
          (c) =>
            call.to && isAddressEqual(c.to, call.to) && c.data.toLowerCase() === data && atOrAfter(tag, c.fromBlock),
        );
        return forged ? forged.result : result;
      }
      case "eth_getBlockByNumber":
      case "eth_getBlockByHash":
        return { ...(result as object), ...this.forgedHash(result as { hash: Hex; blockNumber?: Hex; number?: Hex }) };
      default:
        return result;
    }
  }

  /** A `SentMessageIdsQuery` answer with each forged `sentMessageId(nonce)` answer put in. */
  private forgeSentIds(data: Hex, tag: string | undefined, result: Hex): Hex {
    const { args } = decodeDeployData({ abi: sentMessageIdsQueryAbi, bytecode: sentMessageIdsQueryBytecode, data });
    const [gateway, nonces] = args;
    const [ids] = decodeAbiParameters(SENT_IDS_RESULT, result);
    const forged = ids.map((id, i) => {
      const single = encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "sentMessageId", args: [nonces[i]!] });
      const lie = (this.poison.calls ?? []).find(
        (c) => isAddressEqual(c.to, gateway) && c.data.toLowerCase() === single && atOrAfter(tag, c.fromBlock),
      );
      return lie ? lie.result : id;
    });
    return encodeAbiParameters(SENT_IDS_RESULT, [forged]);
  }

  private withForgedLogs(filter: LogFilter, logs: JsonLog[]): JsonLog[] {
    const extra = (this.poison.logs ?? []).filter((l) => matches(filter, l));
    if (extra.length === 0) return logs;
    const all = [...logs];
    for (const l of extra) {
      const sameBlock = all.filter((x) => x.blockNumber === numberToHex(l.blockNumber)).length;
      all.push(toJsonLog(l, 1_000 + sameBlock));
    }
    return all.sort((a, b) => Number(hexToBigInt(a.blockNumber ?? "0x0") - hexToBigInt(b.blockNumber ?? "0x0")));
  }

  private forgeHashes(logs: JsonLog[]): JsonLog[] {
    return logs.map((l) => ({ ...l, ...this.forgedHash({ hash: l.blockHash, blockNumber: l.blockNumber }) }));
  }

  /** `{ hash }` or `{ blockHash }` replaced when the block is at or past `forgeBlockHashesFrom`. */
  private forgedHash(b: { hash?: Hex; blockHash?: Hex; number?: Hex; blockNumber?: Hex }): Record<string, Hex> {
    const from = this.poison.forgeBlockHashesFrom;
    const number = b.number ?? b.blockNumber;
    if (from === undefined || number === undefined || hexToBigInt(number) < from) return {};
    const forge = (h: Hex) => keccak256(`${h}f0f0` as Hex);
    if (b.hash && b.number) return { hash: forge(b.hash) };
    if (b.hash) return { blockHash: forge(b.hash) };
    if (b.blockHash) return { blockHash: forge(b.blockHash) };
    return {};
  }
}

interface LogFilter {
  address?: Address | Address[];
  topics?: (Hex | Hex[] | null)[];
  fromBlock?: Hex;
  toBlock?: Hex;
}

function matches(filter: LogFilter, log: ForgedLog): boolean {
  const addresses = filter.address === undefined ? [] : [filter.address].flat();
  if (addresses.length > 0 && !addresses.some((a) => isAddressEqual(a, log.address))) return false;
  const topic0 = filter.topics?.[0];
  if (topic0 && ![topic0].flat().includes(log.topics[0]!)) return false;
  const from = filter.fromBlock?.startsWith("0x") ? hexToBigInt(filter.fromBlock as Hex) : 0n;
  const to = filter.toBlock?.startsWith("0x") ? hexToBigInt(filter.toBlock as Hex) : 2n ** 64n;
  return log.blockNumber >= from && log.blockNumber <= to;
}

function atOrAfter(tag: string | undefined, block: bigint): boolean {
  if (tag === undefined || !tag.startsWith("0x")) return true; // "latest", "pending", ...
  return hexToBigInt(tag as Hex) >= block;
}

function toJsonLog(l: ForgedLog, logIndex: number): JsonLog {
  return {
    address: l.address.toLowerCase(),
    topics: l.topics,
    data: l.data,
    blockNumber: numberToHex(l.blockNumber),
    blockHash: l.blockHash,
    transactionHash: l.transactionHash,
    transactionIndex: "0x0",
    logIndex: numberToHex(logIndex),
    removed: false,
  };
}

const messageSentEvent = bridgeGatewayAbi.find((e) => e.type === "event" && e.name === "MessageSent")!;

/**
 * The poison of a forged send: a `MessageSent(msgId, message, fee, quote)` log from `gateway` in
 * a real block (riding on a real transaction of it), encoded as the v2 gateway emits it, and the
 * `sentMessageId(nonce)` answer that agrees with it from that block on — a self-consistent lie,
 * as a competent attacker would serve it. `fee` and `quote` default to 0 (a fee-free send).
 */
export function forgedSend(
  gateway: Address,
  message: Message,
  at: { blockNumber: bigint; blockHash: Hex; transactionHash: Hex },
  paid: { fee?: bigint; quote?: bigint } = {},
): { logs: ForgedLog[]; calls: ForgedCall[]; msgId: Hex } {
  const msgId = messageId(message);
  const topics = encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageSent", args: { msgId } }) as Hex[];
  const inputs = (messageSentEvent as { inputs: readonly { indexed?: boolean }[] }).inputs.filter((i) => !i.indexed);
  const data = encodeAbiParameters(inputs as never, [message, paid.fee ?? 0n, paid.quote ?? 0n] as never);
  return {
    msgId,
    logs: [{ address: gateway, topics, data, ...at }],
    calls: [
      {
        to: gateway,
        data: encodeFunctionData({ abi: bridgeGatewayAbi, functionName: "sentMessageId", args: [message.nonce] }),
        result: msgId,
        fromBlock: at.blockNumber,
      },
    ],
  };
}
