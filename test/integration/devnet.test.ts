/**
 * The devnet's start-up guarantees with the real programs (devnet/ports.ts, devnet/processes.ts):
 * a chain, Redis or a service counts as started only when what answers on its port is the very
 * process that was started; a port that turns out to be taken by another process is never shared
 * — the process moves to a fresh port — and a guardian that moves is moved in the manifest too.
 * The "other process" here is real: a foreign anvil, redis-server or HTTP server on the port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { anvilBinary, probeChain, probeRedis, redisBinary, rpc, startAnvil, startRedis } from "../../devnet/infra.js";
import { reservePort, type PortLease } from "../../devnet/ports.js";
import { ownsListeningSocket, ProcessGroup, waitFor } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";

let dir: string;
let group: ProcessGroup;
const strangers: ChildProcess[] = [];
const servers: Server[] = [];
const leases: PortLease[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-devnet-"));
  group = new ProcessGroup(join(dir, "logs"));
});

afterAll(async () => {
  await group?.stopAll();
  for (const s of strangers) s.kill("SIGKILL");
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  for (const l of leases) l.release();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A port nobody else will be handed, on which the test puts a process the devnet did not start. */
async function squattedLease(): Promise<PortLease> {
  const lease = await reservePort();
  leases.push(lease);
  return lease;
}

/** A process the devnet did not start, listening on `port`; resolves once it answers. */
async function stranger(command: string, args: string[], up: () => Promise<boolean>): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: "ignore" });
  strangers.push(child);
  await waitFor(`${command} on its port`, up, 30_000, 100);
  return child;
}

describe("chains", () => {
  it("an anvil counts as ours only with our chain id on a socket our process owns", async () => {
    const chain = await startAnvil(group, { name: "mine", chainId: 900, accounts: 1 });
    const port = Number(new URL(chain.rpcUrl).port);
    const pid = chain.process.pid!;
    expect(ownsListeningSocket(pid, port)).toBe(true);
    expect(await probeChain({ port, pid, instance: "" }, 900)).toEqual({ state: "ready" });
    // Same chain id, another process: another devnet's chain, not ours.
    expect((await probeChain({ port, pid: process.pid, instance: "" }, 900)).state).toBe("foreign");
    expect((await probeChain({ port, pid, instance: "" }, 901)).state).toBe("foreign");
  });

  it("an anvil whose reserved port another anvil holds moves to a fresh port; the other keeps its own", async () => {
    const lease = await squattedLease();
    await stranger(anvilBinary(), ["--host", "127.0.0.1", "--port", String(lease.port), "--chain-id", "900"], () =>
      rpc(`http://127.0.0.1:${lease.port}`, "eth_chainId").then(
        () => true,
        () => false,
      ),
    );
    // Mark the stranger's chain so it can be told apart from ours.
    await rpc(`http://127.0.0.1:${lease.port}`, "anvil_mine", ["0x7"]);
    const chain = await startAnvil(group, { name: "moved", chainId: 900, accounts: 1, lease });
    expect(new URL(chain.rpcUrl).port).not.toBe(String(lease.port));
    expect(Number(await rpc(chain.rpcUrl, "eth_blockNumber"))).toBe(0);
    expect(Number(await rpc(`http://127.0.0.1:${lease.port}`, "eth_blockNumber"))).toBe(7);
    expect(readFileSync(chain.process.logFile, "utf8")).toMatch(/port \d+ is taken .*starting again on another port/);
  });
});

describe("redis", () => {
  it("a redis counts as ours only when INFO names our child's pid, and moves off a taken port", async () => {
    const lease = await squattedLease();
    await stranger(redisBinary(), ["--port", String(lease.port), "--bind", "127.0.0.1", "--save", ""], async () => {
      return (await probeRedis({ port: lease.port, pid: -1, instance: "" })).state === "foreign";
    });
    const redis = await startRedis(group, { name: "redis-moved", lease });
    expect(redis.port).not.toBe(lease.port);
    expect(await probeRedis({ port: redis.port, pid: redis.process.pid!, instance: "" })).toEqual({ state: "ready" });
    // Restarted: the same port again, checked again.
    await redis.process.kill();
    await redis.process.start();
    expect(await probeRedis({ port: redis.port, pid: redis.process.pid!, instance: "" })).toEqual({ state: "ready" });
  });
});

describe("services", () => {
  let devnet: Devnet;

  beforeAll(async () => {
    devnet = await startDevnet({ dir: join(dir, "devnet"), services: false });
  });

  afterAll(async () => {
    await devnet?.stop();
  });

  it("a guardian whose manifest port was taken moves, and the manifest on disk says where", async () => {
    const reserved = devnet.ports.guardians[0]!;
    // Something that is not the guardian answers /healthz on its port.
    const squatter = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, service: "guardian", instance: "someone-else" }));
    });
    await new Promise<void>((r) => squatter.listen(reserved, "127.0.0.1", r));
    servers.push(squatter);

    const guardian = await devnet.startService(devnet.guardianService(0));
    devnet.guardians[0] = guardian;
    expect(guardian.port).not.toBe(reserved);
    const health = (await (await fetch(`${guardian.url}/healthz`)).json()) as { service: string; instance: string };
    expect(health).toMatchObject({ service: "guardian", instance: guardian.instance });

    const address = privateKeyToAccount(devnet.guardianKeys[0] as Hex).address;
    const onDisk = JSON.parse(readFileSync(devnet.manifestPath, "utf8")) as {
      guardianSet: { guardians: { address: string; url: string }[] };
      guardianDirectory?: { address: string; url: string }[];
    };
    const entries = [...onDisk.guardianSet.guardians, ...(onDisk.guardianDirectory ?? [])].filter(
      (g) => g.address.toLowerCase() === address.toLowerCase(),
    );
    expect(entries.length).toBeGreaterThan(0);
    for (const g of entries) expect(g.url).toBe(guardian.url);
    expect(devnet.guardianUrl(0)).toBe(guardian.url);
  });
});
