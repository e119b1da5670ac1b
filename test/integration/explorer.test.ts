/**
 * The explorer against real chains: a devnet's anvil L2s with the bridge deployed (no services:
 * this test plays user, relayer, monitor and council itself, so every stage happens exactly when
 * it says), and the explorer wired exactly as explorer/index.ts wires it, once over SQLite and
 * once over a real PostgreSQL server. Every answer is also checked against explorer/openapi.json.
 *
 * Covered: indexing of sends, deliveries, queues, vetoes and pauses; lookup by id and by
 * transaction; history with filters and cursors; live routes; the event stream (by message and
 * by address); a reorg below the confirmation depth (anvil evm_snapshot/evm_revert); a restart
 * from the stored cursor; bad parameters; static files of the web app.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import { getAbiItem, type Hex } from "viem";
import { bridgeGatewayAbi } from "../../core/generated/abis.js";
import { ExplorerApiError, ExplorerClient } from "@portcullis/sdk";
import { messageId, type Message } from "../../core/message.js";
import { HttpService } from "../../core/service/http.js";
import { createLogger } from "../../core/service/logger.js";
import { rpc } from "../../devnet/infra.js";
import { startPostgres, type PostgresServer } from "../../devnet/postgres.js";
import { waitFor } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { loadExplorerConfig } from "../../explorer/config.js";
import { createExplorer, storageFor } from "../../explorer/wiring.js";
import type { MessageView } from "../../explorer/views.js";
import { conforms, openapi, responseSchema } from "../ts/explorer/openapi.js";
import { chainOf, deliverSigned, mined, sendTransfer, walletOn, type Chain } from "./helpers/actors.js";
import { govern } from "./helpers/governance.js";

const LARGE_DELAY_SECONDS = 30;
const MESSAGE_QUEUED = getAbiItem({ abi: bridgeGatewayAbi, name: "MessageQueued" });

let dir: string;
let devnet: Devnet;
let pg: PostgresServer;
let l2a: Chain;
let l2b: Chain;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-explorer-"));
  [devnet, pg] = await Promise.all([
    startDevnet({ services: false, dir: join(dir, "devnet"), l2Count: 2, largeDelaySeconds: LARGE_DELAY_SECONDS }),
    startPostgres(),
  ]);
  l2a = chainOf(devnet.manifest, "l2a");
  l2b = chainOf(devnet.manifest, "l2b");
});

afterAll(async () => {
  await Promise.allSettled([devnet?.stop(), pg?.stop()]);
  if (dir && !process.env.PORTCULLIS_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
});

/** An explorer in this process, wired as explorer/index.ts does; `stop` is its graceful shutdown. */
async function startExplorer(env: Record<string, string>) {
  const config = loadExplorerConfig({
    MANIFEST: devnet.manifestPath,
    PORT: "0",
    POLL_INTERVAL_MS: "100",
    ROUTES_CACHE_MS: "0",
    STREAM_HEARTBEAT_MS: "500",
    LOG_LEVEL: process.env.EXPLORER_TEST_LOG ?? "silent",
    ...env,
  });
  const logger = createLogger("explorer", config.logLevel);
  const storage = await storageFor(config, logger);
  const explorer = createExplorer(config, devnet.manifest, storage, logger);
  const http = new HttpService(explorer.registry, () => explorer.health());
  explorer.api.register(http);
  const port = await http.listen(0);
  const controller = new AbortController();
  const running = explorer.run(controller.signal);
  return {
    url: `http://127.0.0.1:${port}`,
    explorer,
    async stop() {
      controller.abort();
      try {
        await running;
      } finally {
        await http.close();
        await storage.close();
      }
    },
  };
}

/** Every event of one stream, through the SDK's explorer client (its fetch-stream path in Node). */
function subscribe(base: string, target: { msgId: string } | { address: string }) {
  const events: { event: string; data: unknown }[] = [];
  const errors: Error[] = [];
  const subscription = new ExplorerClient(base).subscribe(target, {
    onReady: () => events.push({ event: "ready", data: target }),
    onMessage: (view) => events.push({ event: "message", data: view }),
    onRemoved: (msgId) => events.push({ event: "removed", data: { msgId } }),
    onError: (e) => errors.push(e),
  });
  return {
    events,
    async next(what: string, match: (e: { event: string; data: unknown }) => boolean, timeoutMs = 60_000) {
      await waitFor(
        what,
        async () => {
          if (errors.length > 0) throw errors[0];
          return events.some(match);
        },
        timeoutMs,
        50,
      );
      expect(errors).toEqual([]);
      return events.find(match)!;
    },
    close() {
      subscription.close();
    },
  };
}

const isMessage = (msgId: Hex, status?: string) => (e: { event: string; data: unknown }) =>
  e.event === "message" &&
  (e.data as MessageView).msgId === msgId &&
  (status === undefined || (e.data as MessageView).status === status);

describe.each(["sqlite", "postgres"] as const)("explorer on %s", (kind) => {
  // Each storage gets its own senders, so its assertions see only its own transfers.
  const userIndex = kind === "sqlite" ? 0 : 4;
  let storageEnv: Record<string, string>;
  let x: Awaited<ReturnType<typeof startExplorer>>;
  let webDir: string;

  /** GET a path, expect `status`, and check the body against the documented schema. */
  async function get<T = Record<string, unknown>>(path: string, status = 200, documented?: string): Promise<T> {
    const res = await fetch(`${x.url}${path}`);
    const body = (await res.json()) as T;
    expect({ path, status: res.status, body }).toMatchObject({ path, status });
    const template = documented ?? documentedPath(path);
    expect(conforms(body, responseSchema(template, status)), `${path} vs openapi.json`).toEqual([]);
    return body;
  }

  const messageAt = (ref: string, status: string) =>
    waitFor(
      `${ref} ${status}`,
      async () => {
        const res = await fetch(`${x.url}/v1/messages/${ref}`);
        return res.ok && ((await res.json()) as MessageView).status === status;
      },
      60_000,
      100,
    ).then(() => get<MessageView>(`/v1/messages/${ref}`));

  const user = (i: number) => devnet.manifest.devKeys!.users[userIndex + i] as Hex;
  const relayerKey = () => devnet.manifest.devKeys!.relayers[0] as Hex;
  const monitorKey = () => devnet.manifest.devKeys!.monitor as Hex;
  /** The monitor's key (PAUSER and VETO) calls the gateway, as the monitor service would. */
  const asMonitor = (chain: Chain, functionName: "pause" | "veto", args: readonly [] | readonly [Hex]) =>
    mined(
      chain,
      walletOn(chain, monitorKey()).writeContract({
        address: chain.info.gateway,
        abi: bridgeGatewayAbi,
        functionName,
        args,
      } as never),
    );

  beforeAll(async () => {
    webDir = join(dir, `web-${kind}`);
    mkdirSync(join(webDir, "assets"), { recursive: true });
    writeFileSync(join(webDir, "index.html"), "<!doctype html><title>Portcullis</title>");
    writeFileSync(join(webDir, "assets", "app-1234.js"), "console.log('app');");
    storageEnv =
      kind === "sqlite"
        ? { SQLITE_PATH: join(dir, "explorer.sqlite") }
        : { DATABASE_URL: pg.createDatabase("explorer") };
    x = await startExplorer({ ...storageEnv, WEB_DIR: webDir });
  });

  afterAll(async () => {
    await x?.stop();
  });

  it("indexes a transfer, finds it by id and by transaction, and streams its delivery", async () => {
    const sender = privateKeyToAccount(user(0)).address;
    const byAddress = subscribe(x.url, { address: sender });
    await byAddress.next("address stream ready", (e) => e.event === "ready");

    const { message, receipt } = await sendTransfer(devnet.manifest, l2a, l2b, "ALPHA", "5", user(0));
    const msgId = messageId(message);
    const sent = await messageAt(msgId, "sent");
    expect(sent.message).toMatchObject({ sender, amount: message.amount.toString(), nonce: message.nonce.toString() });
    expect(sent.source).toEqual({ chainId: l2a.info.chainId, name: "l2a" });
    expect(sent.destination).toEqual({ chainId: l2b.info.chainId, name: "l2b" });
    expect(sent.token?.symbol).toBe("ALPHA");
    const block = await l2a.client.getBlock({ blockNumber: receipt.blockNumber });
    expect(sent.stages).toEqual([
      expect.objectContaining({
        stage: "sent",
        chainId: l2a.info.chainId,
        blockNumber: Number(receipt.blockNumber),
        txHash: receipt.transactionHash,
        time: Number(block.timestamp),
      }),
    ]);
    expect(sent.reason.kind).toBe("delivery");
    expect(sent.eta).toBeNull();
    expect((await get<MessageView>(`/v1/messages/${receipt.transactionHash}`)).msgId).toBe(msgId);
    expect((await get<MessageView>(`/v1/messages/${msgId.toUpperCase().replace("0X", "0x")}`)).msgId).toBe(msgId);
    await byAddress.next("address stream: sent", isMessage(msgId, "sent"));

    const byId = subscribe(x.url, { msgId });
    await byId.next("initial view", isMessage(msgId, "sent"));
    const delivery = await deliverSigned(devnet.manifest, l2b, [message], relayerKey());
    const executed = (await byId.next("stream: executed", isMessage(msgId, "executed"))).data as MessageView;
    expect(executed.stages.map((s) => [s.stage, s.txHash])).toEqual([
      ["sent", receipt.transactionHash],
      ["executed", delivery.transactionHash],
    ]);
    expect(executed.reason.kind).toBe("executed");
    expect(conforms(executed, responseSchema("/v1/messages/{ref}", 200))).toEqual([]);
    await byAddress.next("address stream: executed", isMessage(msgId, "executed"));
    // The delivery transaction finds the message too.
    expect((await get<MessageView>(`/v1/messages/${delivery.transactionHash}`)).msgId).toBe(msgId);
    byId.close();
    byAddress.close();
  });

  it("shows a large transfer queued with its ETA, then vetoed", async () => {
    const { message } = await sendTransfer(devnet.manifest, l2a, l2b, "ALPHA", "20000", user(1));
    const msgId = messageId(message);
    const waiting = await messageAt(msgId, "sent");
    expect(waiting.reason.kind).toBe("delivery");
    expect(waiting.reason.text).toMatch(/above the fast limit/);
    const delivery = await deliverSigned(devnet.manifest, l2b, [message], relayerKey());
    const [queuedLog] = await l2b.client.getLogs({
      address: l2b.info.gateway,
      event: MESSAGE_QUEUED,
      args: { msgId },
      fromBlock: delivery.blockNumber,
      toBlock: delivery.blockNumber,
    });
    const executableAt = Number(queuedLog!.args.executableAt);
    const queued = await messageAt(msgId, "queued");
    expect(queued.reason.kind).toBe("large-transfer");
    expect(queued.eta).toBe(executableAt);
    expect(queued.stages[1]).toMatchObject({ stage: "queued", details: { executableAt: String(executableAt) } });

    await asMonitor(l2b, "veto", [msgId]);
    const vetoed = await messageAt(msgId, "vetoed");
    expect(vetoed.stages.map((s) => s.stage)).toEqual(["sent", "queued", "vetoed"]);
    expect(vetoed.stages[2]!.details).toEqual({ by: privateKeyToAccount(monitorKey()).address });
    expect(vetoed.reason.kind).toBe("vetoed");
    expect(vetoed.eta).toBeNull();
  });

  it("lists a sender's history newest first, filtered, page by page", async () => {
    const sender = privateKeyToAccount(user(2)).address;
    const sent: Hex[] = [];
    for (const [from, to, token] of [
      [l2a, l2b, "ALPHA"],
      [l2b, l2a, "BETA"],
      [l2a, l2b, "ALPHA"],
    ] as const) {
      sent.push(messageId((await sendTransfer(devnet.manifest, from, to, token, "1", user(2))).message));
    }
    await messageAt(sent[2]!, "sent");
    await messageAt(sent[1]!, "sent");
    type Page = { messages: MessageView[]; nextCursor: string | null };
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await get<Page>(`/v1/messages?sender=${sender}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.messages.length)).toEqual([2, 1]);
    // Newest first by source block time; a tie (two chains, one second) by chain id, then nonce.
    const listed = pages.flatMap((p) => p.messages);
    const key = (m: MessageView) => [m.sent!.time, m.source!.chainId, Number(m.message!.nonce)];
    const newestFirst = [...listed].sort((p, q) => {
      const [a, b] = [key(p), key(q)];
      return b[0]! - a[0]! || b[1]! - a[1]! || b[2]! - a[2]!;
    });
    expect(listed.map((m) => m.msgId)).toEqual(newestFirst.map((m) => m.msgId));
    expect(new Set(listed.map((m) => m.msgId))).toEqual(new Set(sent));

    const client = new ExplorerClient(x.url);
    const viaClient = await client.messages({ sender, limit: 2 });
    expect(viaClient.items.map((m) => m.msgId)).toEqual(pages[0]!.messages.map((m) => m.msgId));
    expect((await client.messages({ sender, cursor: viaClient.nextCursor! })).items).toHaveLength(1);
    expect((await client.message(sent[0]!)).msgId).toBe(sent[0]);
    const route = await get<Page>(`/v1/messages?sender=${sender}&route=l2b-l2a`);
    expect(route.messages.map((m) => m.msgId)).toEqual([sent[1]]);
    const byIds = await get<Page>(`/v1/messages?address=${sender}&route=${l2a.info.chainId}-${l2b.info.chainId}`);
    expect(byIds.messages.map((m) => m.msgId)).toEqual([sent[2], sent[0]]);
    expect((await get<Page>(`/v1/messages?sender=${sender}&status=executed,vetoed`)).messages).toEqual([]);
    expect((await get<Page>(`/v1/messages?recipient=${sender}&status=sent`)).messages).toHaveLength(3);
    const all = await get<Page>("/v1/messages?limit=100");
    expect(all.messages.length).toBeGreaterThanOrEqual(5);
  });

  it("reads routes live, and shows a pause in chains, routes, events and a waiting message's reason", async () => {
    type Routes = {
      source: string;
      routes: {
        route: string;
        destination: { paused: boolean };
        largeDelay: number;
        tokens: { symbol: string; fastLimit: string; inbound: { available: string | null } }[];
      }[];
    };
    let paused: Message | undefined;
    const routes = await get<Routes>("/v1/routes");
    expect(routes.source).toBe("live");
    expect(routes.routes.map((r) => r.route).sort()).toEqual(["l2a-l2b", "l2b-l2a"]);
    const ab = routes.routes.find((r) => r.route === "l2a-l2b")!;
    expect(ab.largeDelay).toBe(LARGE_DELAY_SECONDS);
    expect(ab.destination.paused).toBe(false);
    expect(ab.tokens.map((t) => t.symbol).sort()).toEqual(["ALPHA", "BETA"]);
    expect(BigInt(ab.tokens.find((t) => t.symbol === "ALPHA")!.fastLimit)).toBe(10_000n * 10n ** 18n);

    await asMonitor(l2b, "pause", []);
    type Chains = {
      chains: { name: string; paused: boolean; largeDelay: number; guardianSet: { threshold: number } }[];
    };
    await waitFor("l2b paused in /v1/chains", async () =>
      (await get<Chains>("/v1/chains")).chains.some((c) => c.name === "l2b" && c.paused),
    );
    const chains = await get<Chains>("/v1/chains");
    expect(chains.chains.find((c) => c.name === "l2b")).toMatchObject({
      largeDelay: LARGE_DELAY_SECONDS,
      guardianSet: { threshold: devnet.manifest.guardianSet.threshold },
    });
    expect((await get<Routes>("/v1/routes")).routes.find((r) => r.route === "l2a-l2b")!.destination.paused).toBe(true);
    type Events = { events: { name: string; chainId: number }[]; nextCursor: string | null };
    const pauses = await get<Events>("/v1/events?chain=l2b&name=Paused,Unpaused&limit=1");
    expect(pauses.events).toEqual([expect.objectContaining({ name: "Paused", chainId: l2b.info.chainId })]);

    try {
      const { message } = await sendTransfer(devnet.manifest, l2a, l2b, "ALPHA", "1", user(3));
      const waiting = await messageAt(messageId(message), "sent");
      expect(waiting.reason.kind).toBe("paused");
      expect(waiting.reason.text).toMatch(/l2b gateway is paused/);
      paused = message;
    } finally {
      // Governance only (the timelock): later tests need l2b open again.
      await govern(devnet.manifest, "l2b", "unpause");
    }
    await waitFor("l2b unpaused in /v1/chains", async () =>
      (await get<Chains>("/v1/chains")).chains.some((c) => c.name === "l2b" && !c.paused),
    );
    const resumed = await get<MessageView>(`/v1/messages/${messageId(paused!)}`);
    expect(resumed.reason.kind).toBe("delivery");
  });

  it("answers bad parameters with a 400 sentence and unknown messages with a 404", async () => {
    const bad = async (path: string, pattern: RegExp) => {
      const body = await get<{ error: string }>(path, 400, documentedPath(path.split("?")[0]!));
      expect(body.error).toMatch(pattern);
    };
    await bad("/v1/messages/0x1234", /not a message id or transaction hash/);
    await bad("/v1/messages?sender=alice", /sender must be an address/);
    await bad("/v1/messages?recipient=0x12", /recipient must be an address/);
    await bad("/v1/messages?route=l2a", /route must be <source>-<destination>/);
    await bad("/v1/messages?route=l2a-nowhere", /route must be/);
    await bad("/v1/messages?status=lost", /status must be one or more of/);
    await bad("/v1/messages?limit=0", /limit must be a whole number from 1 to 100/);
    await bad("/v1/messages?limit=101", /limit must be/);
    await bad("/v1/messages?limit=2.5", /limit must be/);
    await bad("/v1/messages?cursor=garbage", /cursor is not one this API returned/);
    await bad("/v1/messages?sendr=0x0000000000000000000000000000000000000001", /unknown parameter "sendr"/);
    await bad("/v1/messages?limit=1&limit=2", /given more than once/);
    await bad("/v1/events?chain=mars", /chain must be a chain name or id/);
    await bad("/v1/events?name=Paused;drop", /name must be gateway event names/);
    await bad("/v1/routes?x=1", /takes none/);
    await bad("/v1/stream", /exactly one of msgId/);
    await bad("/v1/stream?msgId=0x12", /not a message id/);
    await bad(`/v1/stream?address=0x${"1".repeat(40)}&msgId=0x${"2".repeat(64)}`, /exactly one of msgId/);
    const unknown = await get<{ error: string }>(`/v1/messages/0x${"ab".repeat(32)}`, 404);
    expect(unknown.error).toMatch(/no message or transaction 0x(ab)+ is indexed/);
    const res = await fetch(`${x.url}/v1/nothing-here`);
    expect(res.status).toBe(404);
    // The SDK's client turns them into ExplorerApiError with the same sentence.
    const client = new ExplorerClient(x.url);
    await expect(client.message(`0x${"ab".repeat(32)}`)).rejects.toMatchObject({ status: 404, message: unknown.error });
    const refused = await client.messages({ limit: 0 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ExplorerApiError);
    expect((refused as ExplorerApiError).message).toMatch(/limit must be/);
  });

  it("rolls back a reorg below the confirmation depth", async () => {
    const snapshot = (await rpc(l2a.info.rpcUrl, "evm_snapshot")) as string;
    const { message, receipt } = await sendTransfer(devnet.manifest, l2a, l2b, "ALPHA", "3", user(3));
    const msgId = messageId(message);
    const indexed = await messageAt(msgId, "sent");
    expect(indexed.stages[0]!.blockNumber).toBe(Number(receipt.blockNumber));
    const stream = subscribe(x.url, { msgId });
    await stream.next("initial view", isMessage(msgId, "sent"));

    // The send's block (and the ones after it) leave the canonical chain.
    expect(await rpc(l2a.info.rpcUrl, "evm_revert", [snapshot])).toBe(true);
    await stream.next("removed", (e) => e.event === "removed");
    await get(`/v1/messages/${msgId}`, 404);
    await get(`/v1/messages/${receipt.transactionHash}`, 404);
    stream.close();

    // Indexing goes on past the old height on the new chain, which does not carry the send.
    await waitFor(
      "l2a re-indexed past the orphaned block",
      async () => {
        const chains = await get<{ chains: { name: string; indexedBlock: number | null }[] }>("/v1/chains");
        return (chains.chains.find((c) => c.name === "l2a")!.indexedBlock ?? 0) > Number(receipt.blockNumber) + 1;
      },
      60_000,
    );
    await get(`/v1/messages/${msgId}`, 404);
    const again = await sendTransfer(devnet.manifest, l2a, l2b, "ALPHA", "4", user(3));
    await messageAt(messageId(again.message), "sent");
    const metrics = await (await fetch(`${x.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`bridge_explorer_reorgs_total\\{chain="${l2a.info.chainId}"\\} [1-9]`));
  });

  it("resumes from its stored cursor after a restart", async () => {
    const sender = privateKeyToAccount(user(2)).address;
    type Page = { messages: MessageView[] };
    const before = (await get<Page>(`/v1/messages?sender=${sender}&limit=100`)).messages;
    await x.stop();
    const { message } = await sendTransfer(devnet.manifest, l2b, l2a, "BETA", "2", user(2));
    x = await startExplorer({ ...storageEnv, WEB_DIR: webDir });
    await messageAt(messageId(message), "sent");
    const after = (await get<Page>(`/v1/messages?sender=${sender}&limit=100`)).messages;
    expect(after.map((m) => m.msgId)).toEqual([messageId(message), ...before.map((m) => m.msgId)]);
    const health = await get<{ ok: boolean; storage: { kind: string } }>("/healthz");
    expect(health).toMatchObject({ ok: true, storage: { kind } });
  });

  it("serves the web app's files with a single-page-app fallback, and its OpenAPI document", async () => {
    const page = await fetch(`${x.url}/`);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toContain("<title>Portcullis</title>");
    const deep = await fetch(`${x.url}/history/0xabc`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain("<title>Portcullis</title>");
    const asset = await fetch(`${x.url}/assets/app-1234.js`);
    expect(asset.headers.get("content-type")).toMatch(/text\/javascript/);
    expect(asset.headers.get("cache-control")).toMatch(/immutable/);
    expect((await fetch(`${x.url}/assets/missing.js`)).status).toBe(404);
    // A path climbing out of WEB_DIR stays inside it (here: the SPA fallback, not /etc/passwd).
    const climb = await fetch(`${x.url}/..%2f..%2f..%2fetc%2fpasswd`);
    expect(await climb.text()).toContain("<title>Portcullis</title>");
    expect((await fetch(`${x.url}/v1/unknown`)).status).toBe(404);

    const doc = await get<typeof openapi>("/openapi.json");
    expect(doc.paths).toEqual(openapi.paths);
    // The web app's deployment: no key ever reaches a page.
    const config = await get<{ manifest: Record<string, unknown>; explorerUrl?: string }>("/config.json");
    expect(config.manifest.chains).toEqual(JSON.parse(JSON.stringify(devnet.manifest.chains)));
    expect(config.manifest.devKeys).toBeUndefined();
    expect(config.explorerUrl).toBeUndefined();
    expect((await fetch(`${x.url}/v1/routes`)).headers.get("access-control-allow-origin")).toBe("*");
  });
});

/** The openapi.json path template a concrete path answers to. */
function documentedPath(path: string): string {
  const bare = path.split("?")[0]!;
  if (/^\/v1\/messages\/[^/]+$/.test(bare)) return "/v1/messages/{ref}";
  return bare;
}
