/**
 * The explorer's storage contract, run against both implementations: the embedded SQLite file
 * and a real PostgreSQL server started for this file (devnet/postgres.ts). Pages are built by
 * hand here (the indexer's own behaviour is covered by explorer.test.ts against real chains), so
 * every rule of the interface is checked on exact data: atomic pages with their cursor, status
 * from events arriving in any order on two chains, rollback of orphaned blocks, filters, keyset
 * pagination, checkpoints, and a restart that keeps everything.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256, toHex, type Address, type Hex } from "viem";
import { MESSAGE_VERSION, messageId, messageToJson, type Message } from "../../core/message.js";
import { startPostgres, type PostgresServer } from "../../devnet/postgres.js";
import type { IndexedEvent, IndexedPage, SentMessage } from "../../explorer/model.js";
import { SCHEMA_VERSION } from "../../explorer/storage/migrations.js";
import { openStorage } from "../../explorer/storage/open.js";
import { CHECKPOINTS_KEPT, type ExplorerStorage } from "../../explorer/storage/storage.js";

const A = 901;
const B = 902;
const GATEWAY_A = "0x00000000000000000000000000000000000000a1" as Address;
const GATEWAY_B = "0x00000000000000000000000000000000000000b2" as Address;
const ALICE = "0x1111111111111111111111111111111111111111" as Address;
const BOB = "0x2222222222222222222222222222222222222222" as Address;
const CAROL = "0x3333333333333333333333333333333333333333" as Address;
const TOKEN = "0x4444444444444444444444444444444444444444" as Address;

let tmp: string;
let pg: PostgresServer | undefined;
let databases = 0;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "portcullis-explorer-storage-"));
  pg = await startPostgres();
});

afterAll(async () => {
  await pg?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Where a fresh database of each kind lives (reopenable: same location, same data). */
const kinds = {
  sqlite: () => ({ sqlitePath: join(tmp, `db-${++databases}.sqlite`) }),
  postgres: () => ({ sqlitePath: "", databaseUrl: pg!.createDatabase(`explorer_${++databases}`) }),
};

const hash = (s: string): Hex => keccak256(toHex(s));

function message(nonce: number, from: number, to: number, sender: Address, recipient: Address): Message {
  return {
    version: 2,
    nonce: BigInt(nonce),
    sourceChainId: BigInt(from),
    destChainId: BigInt(to),
    sourceGateway: from === A ? GATEWAY_A : GATEWAY_B,
    destGateway: to === A ? GATEWAY_A : GATEWAY_B,
    sender,
    recipient,
    tokenChainId: BigInt(from),
    token: TOKEN,
    amount: 10n ** 30n + BigInt(nonce),
    deadline: 2_000_000_000n,
    dropOff: 0n,
  };
}

/** Builds pages of one chain block by block, like the indexer commits them. */
class ChainPages {
  block: number;
  private logIndex = 0;
  private events: IndexedEvent[] = [];
  private sent: SentMessage[] = [];
  private from: number;

  constructor(
    readonly chainId: number,
    readonly gateway: Address,
    start: number,
  ) {
    this.block = start;
    this.from = start;
  }

  time(block = this.block) {
    return 1_700_000_000 + block;
  }

  private at(name: string, msgId: Hex | null, args: Record<string, unknown>, tx?: Hex): IndexedEvent {
    const e: IndexedEvent = {
      chainId: this.chainId,
      blockNumber: this.block,
      logIndex: this.logIndex++,
      txHash: tx ?? hash(`tx-${this.chainId}-${this.block}-${this.logIndex}`),
      blockHash: hash(`block-${this.chainId}-${this.block}`),
      time: this.time(),
      name,
      msgId,
      args,
    };
    this.events.push(e);
    return e;
  }

  send(m: Message, tx?: Hex): Hex {
    const id = messageId(m);
    const e = this.at("MessageSent", id, { msgId: id, message: messageToJson(m) }, tx);
    this.sent.push({
      msgId: id,
      message: messageToJson(m),
      chainId: this.chainId,
      blockNumber: e.blockNumber,
      logIndex: e.logIndex,
      txHash: e.txHash,
      time: e.time,
    });
    return id;
  }

  emit(name: string, msgId: Hex | null, args: Record<string, unknown> = {}, tx?: Hex) {
    return this.at(name, msgId, msgId ? { msgId, ...args } : args, tx);
  }

  nextBlock() {
    this.block++;
    this.logIndex = 0;
  }

  /** The page of every block since the last one taken, ending at the current block. */
  take(): IndexedPage {
    const page: IndexedPage = {
      chainId: this.chainId,
      gateway: this.gateway,
      fromBlock: this.from,
      to: { block: this.block, hash: hash(`block-${this.chainId}-${this.block}`) },
      events: this.events,
      sent: this.sent,
    };
    this.events = [];
    this.sent = [];
    this.block++;
    this.from = this.block;
    this.logIndex = 0;
    return page;
  }
}

describe.each(Object.entries(kinds))("explorer storage on %s", (kind, location) => {
  let storage: ExplorerStorage;
  let where: ReturnType<(typeof kinds)["sqlite"]>;

  beforeAll(async () => {
    where = location();
    storage = await openStorage(where);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it("migrates to the current schema, idempotently", async () => {
    expect(storage.kind).toBe(kind);
    expect(await storage.migrate()).toBe(SCHEMA_VERSION);
    expect(await storage.migrate()).toBe(SCHEMA_VERSION);
    expect(await storage.counts()).toEqual({ messages: 0, events: 0 });
  });

  it("stores pages with their cursor, derives statuses from events on both chains, and rolls back orphaned blocks", async () => {
    const a = new ChainPages(A, GATEWAY_A, 10);
    const b = new ChainPages(B, GATEWAY_B, 20);
    a.emit("Paused", null, { by: ALICE });
    const fast = a.send(message(0, A, B, ALICE, BOB));
    a.nextBlock();
    const large = a.send(message(1, A, B, ALICE, CAROL));
    const pageA1 = a.take(); // blocks 10..11
    expect(await storage.commitPage(pageA1)).toEqual(expect.arrayContaining([fast, large]));
    expect(await storage.cursor(A)).toEqual({ gateway: GATEWAY_A, ...pageA1.to });

    // The destination's events may be indexed before or after the source's: statuses follow.
    b.emit("MessageExecuted", fast);
    b.emit("MessageQueued", large, { sourceChainId: String(A), nonce: "1", executableAt: "1700000100" });
    const pageB1 = b.take();
    expect(new Set(await storage.commitPage(pageB1))).toEqual(new Set([fast, large]));
    expect((await storage.message(fast))?.status).toBe("executed");
    const queued = await storage.message(large);
    expect(queued?.status).toBe("queued");
    expect(queued?.sent?.message.recipient).toBe(CAROL);
    expect(queued?.events.map((e) => e.name)).toEqual(["MessageSent", "MessageQueued"]);
    expect(queued?.sent?.message.amount).toBe((10n ** 30n + 1n).toString());

    // An orphan: events about a message whose MessageSent is not (yet) indexed.
    const orphanId = hash("never-sent");
    const b2 = new ChainPages(B, GATEWAY_B, pageB1.to.block + 1);
    b2.emit("MessageVetoed", orphanId, { by: BOB });
    expect(await storage.commitPage(b2.take())).toEqual([orphanId]);
    const orphan = await storage.message(orphanId);
    expect(orphan).toMatchObject({ msgId: orphanId, status: "vetoed", sent: undefined });

    // A later page on A carries a third message; then a reorg orphans it.
    const a2 = new ChainPages(A, GATEWAY_A, pageA1.to.block + 1);
    const doomed = a2.send(message(2, A, B, CAROL, ALICE));
    const pageA2 = a2.take();
    await storage.commitPage(pageA2);
    expect((await storage.checkpoints(A)).map((c) => c.block)).toEqual([pageA2.to.block, pageA1.to.block]);
    expect(await storage.rollback(A, pageA1.to)).toEqual([doomed]);
    expect(await storage.message(doomed)).toBeUndefined();
    expect(await storage.cursor(A)).toEqual({ gateway: GATEWAY_A, ...pageA1.to });
    expect((await storage.checkpoints(A)).map((c) => c.block)).toEqual([pageA1.to.block]);

    // A destination rollback returns the queued message to "sent".
    expect(new Set(await storage.rollback(B, undefined))).toEqual(new Set([fast, large, orphanId]));
    expect((await storage.message(large))?.status).toBe("sent");
    expect((await storage.message(fast))?.status).toBe("sent");
    expect(await storage.message(orphanId)).toBeUndefined();
    expect(await storage.cursor(B)).toBeUndefined();
  });

  it("refuses a page that does not continue the cursor, or that comes from another gateway", async () => {
    const cursor = (await storage.cursor(A))!;
    const gap = new ChainPages(A, GATEWAY_A, cursor.block + 5);
    await expect(storage.commitPage(gap.take())).rejects.toThrow(/cursor is at block/);
    const other = new ChainPages(A, "0x00000000000000000000000000000000000000ff", cursor.block + 1);
    await expect(storage.commitPage(other.take())).rejects.toThrow(/use a new database/);
    expect(await storage.cursor(A)).toEqual(cursor);
  });

  it("lists messages newest first with filters and a keyset cursor", async () => {
    const fresh = await openStorage(location());
    try {
      const a = new ChainPages(A, GATEWAY_A, 100);
      const b = new ChainPages(B, GATEWAY_B, 100);
      const senders = [ALICE, BOB, CAROL];
      const ids: Hex[] = [];
      for (let i = 0; i < 30; i++) {
        // Two messages per block on A, one on B: equal times are ordered by chain, then nonce.
        const chain = i % 3 === 2 ? b : a;
        const to = chain === a ? B : A;
        ids.push(chain.send(message(i, chain.chainId, to, senders[i % 3]!, senders[(i + 1) % 3]!)));
        if (i % 3 === 2) {
          a.nextBlock();
          b.nextBlock();
        }
      }
      await fresh.commitPage(a.take());
      await fresh.commitPage(b.take());
      const all = await fresh.messages({}, undefined, 100);
      expect(all).toHaveLength(30);
      const keys = all.map((r) => [r.sent!.time, r.sent!.chainId, Number(r.sent!.message.nonce)] as const);
      const sorted = [...keys].sort((x, y) => y[0] - x[0] || y[1] - x[1] || y[2] - x[2]);
      expect(keys).toEqual(sorted);

      // Pages of 7 cover everything exactly once.
      const seen: Hex[] = [];
      let after;
      for (;;) {
        const page = await fresh.messages({}, after, 7);
        seen.push(...page.map((r) => r.msgId));
        if (page.length < 7) break;
        const last = page[page.length - 1]!;
        after = { time: last.sent!.time, sourceChainId: last.sent!.chainId, nonce: Number(last.sent!.message.nonce) };
      }
      expect(seen).toEqual(all.map((r) => r.msgId));

      const bySender = await fresh.messages({ sender: ALICE.toUpperCase().replace("0X", "0x") as Hex }, undefined, 100);
      expect(bySender.length).toBe(10);
      expect(bySender.every((r) => r.sent!.message.sender === ALICE)).toBe(true);
      const byRecipient = await fresh.messages({ recipient: BOB }, undefined, 100);
      expect(byRecipient.every((r) => r.sent!.message.recipient === BOB)).toBe(true);
      const byAddress = await fresh.messages({ address: BOB }, undefined, 100);
      expect(byAddress.length).toBe(20);
      const route = await fresh.messages({ sourceChainId: B, destChainId: A }, undefined, 100);
      expect(route.length).toBe(10);

      const c = new ChainPages(B, GATEWAY_B, b.block);
      c.emit("MessageExecuted", ids[0]!);
      c.emit("MessageQueued", ids[1]!, { sourceChainId: String(A), nonce: "1", executableAt: "1" });
      await fresh.commitPage(c.take());
      expect((await fresh.messages({ statuses: ["executed"] }, undefined, 100)).map((r) => r.msgId)).toEqual([ids[0]]);
      expect((await fresh.messages({ statuses: ["executed", "queued"] }, undefined, 100)).length).toBe(2);
      expect((await fresh.messages({ statuses: ["sent"], sender: ALICE }, undefined, 100)).length).toBe(9);
      expect(await fresh.counts()).toEqual({ messages: 30, events: 32 });
    } finally {
      await fresh.close();
    }
  });

  it("finds messages by transaction, lists events, and answers the latest event of a kind", async () => {
    const fresh = await openStorage(location());
    try {
      const a = new ChainPages(A, GATEWAY_A, 1);
      const tx = hash("batch");
      const one = a.send(message(0, A, B, ALICE, BOB), tx);
      const two = a.send(message(1, A, B, ALICE, BOB), tx);
      a.emit("Paused", null, { by: ALICE });
      a.nextBlock();
      a.emit("Unpaused", null, { by: BOB });
      a.emit("FastLimitSet", null, { homeToken: TOKEN, fastLimit: "5" });
      await fresh.commitPage(a.take());
      expect(await fresh.messageIdsOfTransaction(tx)).toEqual([one, two]);
      expect(await fresh.messageIdsOfTransaction(hash("nothing"))).toEqual([]);
      expect((await fresh.latestEvent(A, ["Paused", "Unpaused"]))?.name).toBe("Unpaused");
      expect(await fresh.latestEvent(B, ["Paused"])).toBeUndefined();

      const events = await fresh.events({ chainId: A }, undefined, 100);
      expect(events.map((e) => e.name)).toEqual(["FastLimitSet", "Unpaused", "Paused", "MessageSent", "MessageSent"]);
      expect(events[0]!.args).toEqual({ homeToken: TOKEN, fastLimit: "5" });
      const paused = await fresh.events({ names: ["Paused", "Unpaused"] }, undefined, 1);
      expect(paused.map((e) => e.name)).toEqual(["Unpaused"]);
      const next = await fresh.events(
        { names: ["Paused", "Unpaused"] },
        { time: paused[0]!.time, chainId: A, blockNumber: paused[0]!.blockNumber, logIndex: paused[0]!.logIndex },
        10,
      );
      expect(next.map((e) => e.name)).toEqual(["Paused"]);
    } finally {
      await fresh.close();
    }
  });

  it("stores a page of 1,000 messages with events of several kinds whole, or nothing of it", async () => {
    const at = location();
    const fresh = await openStorage(at);
    const reader = await openStorage(at);
    try {
      const a = new ChainPages(A, GATEWAY_A, 1);
      const b = new ChainPages(B, GATEWAY_B, 1);
      const messages = Array.from({ length: 1000 }, (_, i) => message(i, A, B, [ALICE, BOB, CAROL][i % 3]!, BOB));
      const ids = messages.map((m) => messageId(m));
      // The destination indexed first: stored messages get their status when their MessageSent lands.
      for (let i = 0; i < 100; i++) b.emit("MessageExecuted", ids[i]!);
      for (let i = 100; i < 200; i++) b.emit("MessageQueued", ids[i]!, { executableAt: "1" });
      await fresh.commitPage(b.take());

      for (const [i, m] of messages.entries()) {
        a.send(m);
        if (i % 100 === 99) a.nextBlock();
      }
      a.emit("Paused", null, { by: ALICE });
      a.emit("FastLimitSet", null, { homeToken: TOKEN, fastLimit: "5" });
      for (let i = 200; i < 250; i++) a.emit("MessageCancelled", ids[i]!);
      for (let i = 200; i < 220; i++) a.emit("MessageRefunded", ids[i]!);
      const page = a.take();
      const before = await fresh.counts();

      // The same page with one duplicate key at its very end fails as a whole.
      const broken = { ...page, events: [...page.events, { ...page.events[0]! }] };
      await expect(fresh.commitPage(broken)).rejects.toThrow();
      expect(await fresh.counts()).toEqual(before);
      expect(await fresh.cursor(A)).toBeUndefined();

      // A reader on another connection sees the page's rows all or none, never a part.
      const seen = { messages: new Set<number>(), events: new Set<number>() };
      let done = false;
      const watching = (async () => {
        while (!done) {
          const c = await reader.counts();
          seen.messages.add(c.messages);
          seen.events.add(c.events);
          await new Promise((r) => setTimeout(r, 1));
        }
      })();
      const touched = await fresh.commitPage(page);
      done = true;
      await watching;
      const after = await fresh.counts();
      expect(after).toEqual({ messages: before.messages + 1000, events: before.events + page.events.length });
      expect([...seen.messages].every((n) => n === before.messages || n === after.messages)).toBe(true);
      expect([...seen.events].every((n) => n === before.events || n === after.events)).toBe(true);
      expect(new Set(touched)).toEqual(new Set(ids));
      expect(await fresh.cursor(A)).toEqual({ gateway: GATEWAY_A, ...page.to });

      // A later destination page updates stored messages.
      for (let i = 300; i < 400; i++) b.emit("MessageExecuted", ids[i]!);
      await fresh.commitPage(b.take());
      const count = async (status: "sent" | "queued" | "executed" | "cancelled" | "refunded") =>
        (await fresh.messages({ statuses: [status] }, undefined, 2000)).length;
      expect(await count("executed")).toBe(200);
      expect(await count("queued")).toBe(100);
      expect(await count("cancelled")).toBe(30);
      expect(await count("refunded")).toBe(20);
      expect(await count("sent")).toBe(650);
      expect((await fresh.message(ids[210]!))?.events.map((e) => e.name)).toEqual([
        "MessageSent",
        "MessageCancelled",
        "MessageRefunded",
      ]);
      expect((await fresh.latestEvent(A, ["Paused"]))?.blockNumber).toBe(page.to.block);
    } finally {
      await reader.close();
      await fresh.close();
    }
  });

  it(`keeps the newest ${CHECKPOINTS_KEPT} checkpoints per chain`, async () => {
    const fresh = await openStorage(location());
    try {
      const a = new ChainPages(A, GATEWAY_A, 0);
      for (let i = 0; i < CHECKPOINTS_KEPT + 10; i++) await fresh.commitPage(a.take());
      const checkpoints = await fresh.checkpoints(A);
      expect(checkpoints).toHaveLength(CHECKPOINTS_KEPT);
      expect(checkpoints[0]!.block).toBe(CHECKPOINTS_KEPT + 9);
      expect(checkpoints[checkpoints.length - 1]!.block).toBe(10);
    } finally {
      await fresh.close();
    }
  });

  it("keeps everything across a restart (close, reopen the same database)", async () => {
    const before = { cursor: await storage.cursor(A), counts: await storage.counts() };
    await storage.close();
    storage = await openStorage(where);
    expect(await storage.cursor(A)).toEqual(before.cursor);
    expect(await storage.counts()).toEqual(before.counts);
  });
});
