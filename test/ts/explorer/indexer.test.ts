/**
 * The indexer against a scripted chain (a fake `ChainReader`) and a real SQLite database in
 * memory: pages at the confirmation depth, reorgs at every depth (rolled back to the newest
 * canonical checkpoint, or re-indexed from the deploy block), a block changing while its logs are
 * read, and a gateway that is not the one the database indexed.
 */
import { describe, expect, it } from "vitest";
import { encodeAbiParameters, encodeEventTopics, keccak256, toHex, type Address, type Hex, type Log } from "viem";
import { Registry } from "prom-client";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { MESSAGE_VERSION, messageAbiParameter, messageId, type Message } from "../../../core/message.js";
import { createLogger } from "../../../core/service/logger.js";
import { ChainIndexer, type ChainReader } from "../../../explorer/indexer.js";
import { ExplorerMetrics } from "../../../explorer/metrics.js";
import { openStorage } from "../../../explorer/storage/open.js";

const GATEWAY = "0x00000000000000000000000000000000000000a1" as Address;
const OTHER = "0x00000000000000000000000000000000000000b2" as Address;
const USER = "0x1111111111111111111111111111111111111111" as Address;
const CHAIN = 901;

function message(nonce: number): Message {
  return {
    version: MESSAGE_VERSION,
    nonce: BigInt(nonce),
    sourceChainId: BigInt(CHAIN),
    destChainId: 902n,
    sourceGateway: GATEWAY,
    destGateway: OTHER,
    sender: USER,
    recipient: USER,
    tokenChainId: BigInt(CHAIN),
    token: OTHER,
    amount: 1n,
    deadline: 2_000_000_000n,
    dropOff: 0n,
  };
}

/** A chain whose blocks (and their gateway logs) a test can rewrite from any height: a reorg. */
class ScriptedChain implements ChainReader {
  private blocks: { hash: Hex; logs: Omit<Log, "blockHash" | "blockNumber">[] }[] = [];
  private fork = 0;
  /** A node's answer-size limit: a read of more logs than this fails (none by default). */
  maxLogsPerRead = Infinity;
  /** Called between the two reads of a page's last block (to reorg mid-read). */
  duringRead?: () => void;

  mine(count: number, logsAt: Record<number, Omit<Log, "blockHash" | "blockNumber">[]> = {}) {
    for (let i = 0; i < count; i++) {
      const n = this.blocks.length;
      this.blocks.push({ hash: keccak256(toHex(`block ${n} fork ${this.fork}`)), logs: logsAt[n] ?? [] });
    }
  }

  /** Drops every block from `height` on (the next `mine` builds a new branch there). */
  reorgFrom(height: number) {
    this.blocks = this.blocks.slice(0, height);
    this.fork++;
  }

  async head() {
    return this.blocks.length - 1;
  }

  async block(n: number) {
    const b = this.blocks[n];
    return b ? { hash: b.hash, time: 1_700_000_000 + n } : undefined;
  }

  async gatewayLogs(from: number, to: number): Promise<Log[]> {
    const out: Log[] = [];
    for (let n = from; n <= to; n++) {
      const b = this.blocks[n];
      if (!b) continue;
      b.logs.forEach((l, i) =>
        out.push({ ...l, blockHash: b.hash, blockNumber: BigInt(n), logIndex: i } as unknown as Log),
      );
    }
    if (out.length > this.maxLogsPerRead) throw new Error("HTTP response body exceeded the size limit.");
    this.duringRead?.();
    return out;
  }
}

function sentLog(nonce: number): Omit<Log, "blockHash" | "blockNumber"> {
  const m = message(nonce);
  return {
    address: GATEWAY,
    topics: encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageSent", args: { msgId: messageId(m) } }) as [
      Hex,
      ...Hex[],
    ],
    // MessageSent(msgId, message, fee, quote): the fee and quote are not indexed.
    data: encodeAbiParameters([messageAbiParameter, { type: "uint256" }, { type: "uint256" }], [m, 0n, 0n]),
    transactionHash: keccak256(toHex(`send ${nonce}`)),
    transactionIndex: 0,
    logIndex: 0,
    removed: false,
  };
}

async function setup(options: { deployBlock?: number; confirmations?: number; maxBlockRange?: number } = {}) {
  const chain = new ScriptedChain();
  const storage = await openStorage({ sqlitePath: ":memory:" });
  const metrics = new ExplorerMetrics(new Registry());
  const indexer = new ChainIndexer(
    {
      chainId: CHAIN,
      name: "l2a",
      gateway: GATEWAY,
      deployBlock: options.deployBlock ?? 1,
      confirmations: options.confirmations ?? 2,
    },
    chain,
    storage,
    metrics,
    createLogger("explorer", "silent"),
    options.maxBlockRange ?? 5,
  );
  /** Steps until caught up; returns every changed message id. */
  const catchUp = async () => {
    const changed = new Set<Hex>();
    for (let i = 0; i < 100; i++) {
      const r = await indexer.step();
      r.changed.forEach((id) => changed.add(id));
      if (!r.behind) return changed;
    }
    throw new Error("never caught up");
  };
  return { chain, storage, indexer, catchUp };
}

describe("ChainIndexer", () => {
  it("indexes from the deploy block to head − confirmations, a page at a time", async () => {
    const { chain, storage, indexer, catchUp } = await setup();
    chain.mine(14, { 3: [sentLog(0)], 9: [sentLog(1)] });
    const first = await indexer.step();
    expect(first).toMatchObject({ behind: true, changed: [messageId(message(0))] });
    expect((await storage.cursor(CHAIN))?.block).toBe(5); // blocks 1..5
    await catchUp();
    expect((await storage.cursor(CHAIN))?.block).toBe(11); // head 13 − 2 confirmations
    expect((await storage.counts()).messages).toBe(2);
    // Block 12 holds a send, but it is not confirmed yet.
    chain.mine(1, { 14: [sentLog(2)] });
    await catchUp();
    expect(await storage.message(messageId(message(2)))).toBeUndefined();
    chain.mine(2);
    expect(await catchUp()).toEqual(new Set([messageId(message(2))]));
  });

  it("halves its block range when a read is refused as too large, and still indexes everything", async () => {
    const { chain, storage, indexer } = await setup({ maxBlockRange: 16 });
    const logsAt: Record<number, ReturnType<typeof sentLog>[]> = {};
    for (let n = 1; n <= 16; n++) logsAt[n] = [sentLog(n)];
    chain.mine(20, logsAt);
    chain.maxLogsPerRead = 3;
    let failures = 0;
    for (let i = 0; i < 100; i++) {
      const r = await indexer.step().catch(() => (failures++, { behind: true }));
      if (!r.behind) break;
    }
    expect(failures).toBeGreaterThan(0);
    for (let n = 1; n <= 16; n++) expect(await storage.message(messageId(message(n)))).toBeDefined();
  });

  it("rolls a reorg below the confirmation depth back to the newest canonical checkpoint", async () => {
    const { chain, storage, catchUp } = await setup();
    chain.mine(20, { 12: [sentLog(0)], 16: [sentLog(1)] });
    await catchUp();
    expect((await storage.cursor(CHAIN))?.block).toBe(17);
    // Blocks 14.. are replaced; nonce 1's send is not on the new branch, nonce 2's is.
    chain.reorgFrom(14);
    chain.mine(8, { 15: [sentLog(2)] });
    const changed = await catchUp();
    // Rolled back to the checkpoint at block 10 (pages end at 5, 10, 15, 17): nonce 0's block 12
    // is indexed again from the canonical chain, so it counts as changed too.
    expect(changed).toEqual(new Set([0, 1, 2].map((n) => messageId(message(n)))));
    expect(await storage.message(messageId(message(1)))).toBeUndefined();
    expect((await storage.message(messageId(message(2))))?.sent?.blockNumber).toBe(15);
    expect((await storage.message(messageId(message(0))))?.sent?.blockNumber).toBe(12);
    expect((await storage.cursor(CHAIN))?.block).toBe(19);
  });

  it("notices a reorg of the indexed tip even when no new block is due", async () => {
    const { chain, storage, catchUp } = await setup();
    chain.mine(10, { 7: [sentLog(0)] });
    await catchUp();
    expect((await storage.cursor(CHAIN))?.block).toBe(7);
    chain.reorgFrom(6);
    chain.mine(3); // head 8 again: nothing new to index, but block 7 changed
    expect(await catchUp()).toEqual(new Set([messageId(message(0))]));
    expect(await storage.message(messageId(message(0)))).toBeUndefined();
  });

  it("re-indexes from the deploy block when no stored checkpoint is canonical any more", async () => {
    const { chain, storage, catchUp } = await setup({ deployBlock: 2 });
    chain.mine(10, { 4: [sentLog(0)] });
    await catchUp();
    chain.reorgFrom(1);
    chain.mine(12, { 5: [sentLog(1)] });
    const changed = await catchUp();
    expect(changed).toEqual(new Set([messageId(message(0)), messageId(message(1))]));
    expect((await storage.counts()).messages).toBe(1);
  });

  it("commits nothing when the page's last block changes while its logs are read", async () => {
    const { chain, storage, indexer } = await setup();
    chain.mine(8, { 3: [sentLog(0)] });
    chain.duringRead = () => {
      chain.duringRead = undefined;
      chain.reorgFrom(2);
      chain.mine(6);
    };
    expect(await indexer.step()).toMatchObject({ changed: [], behind: true });
    expect(await storage.cursor(CHAIN)).toBeUndefined();
    expect(await indexer.step()).toMatchObject({ changed: [] });
    expect((await storage.cursor(CHAIN))?.block).toBe(5);
  });

  it("refuses a database that indexed another gateway on this chain", async () => {
    const { chain, storage, indexer } = await setup();
    chain.mine(8);
    await indexer.step();
    const other = new ChainIndexer(
      { chainId: CHAIN, name: "l2a", gateway: OTHER, deployBlock: 1, confirmations: 2 },
      chain,
      storage,
      new ExplorerMetrics(new Registry()),
      createLogger("explorer", "silent"),
      5,
    );
    await expect(other.step()).rejects.toThrow(/use a new database for another deployment/);
  });
});
