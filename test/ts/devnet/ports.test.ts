/**
 * The port allocator (devnet/ports.ts): ports outside the ephemeral range, reserved across
 * processes with lock files, reclaimed from dead owners, never handed out while something else
 * listens on them.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allocatorRange, canBind, ephemeralRange, PortAllocator } from "../../../devnet/ports.js";

let lockDir: string;
const servers: Server[] = [];

beforeEach(() => {
  lockDir = mkdtempSync(join(tmpdir(), "portcullis-ports-test-"));
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(lockDir, { recursive: true, force: true });
});

/** A free stretch of `n` ports in the allocator's default range, for tests that need few ports. */
async function freeStretch(n: number): Promise<{ low: number; high: number }> {
  const { low, high } = allocatorRange({});
  for (let tries = 0; tries < 200; tries++) {
    const start = low + Math.floor(Math.random() * (high - low - n));
    const ok = await Promise.all(Array.from({ length: n }, (_, i) => canBind(start + i)));
    if (ok.every(Boolean)) return { low: start, high: start + n - 1 };
  }
  throw new Error("no free stretch of ports");
}

function listen(port: number): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      servers.push(server);
      done(server);
    });
  });
}

/** A pid that is certainly dead: a process that already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

describe("port ranges", () => {
  it("test_ephemeralRange_readsProc: the kernel's range, or Linux' default when unreadable", () => {
    const file = join(lockDir, "range");
    writeFileSync(file, "40000\t50000\n");
    expect(ephemeralRange(file)).toEqual({ low: 40_000, high: 50_000 });
    expect(ephemeralRange(join(lockDir, "missing"))).toEqual(
      process.platform === "linux" ? { low: 32_768, high: 60_999 } : { low: 49_152, high: 65_535 },
    );
  });

  it("test_allocatorRange_belowEphemeral: 20000 up to the ephemeral range, never inside it", () => {
    expect(allocatorRange({}, { low: 32_768, high: 60_999 })).toEqual({ low: 20_000, high: 32_767 });
    // An ephemeral range starting too low leaves only the ports above it.
    expect(allocatorRange({}, { low: 15_000, high: 50_000 })).toEqual({ low: 50_001, high: 65_535 });
    expect(() => allocatorRange({}, { low: 1_024, high: 65_000 })).toThrow(/PORTCULLIS_PORT_RANGE/);
  });

  it("test_allocatorRange_override: PORTCULLIS_PORT_RANGE wins, and bad values are refused in one sentence", () => {
    expect(allocatorRange({ PORTCULLIS_PORT_RANGE: "25000-26000" })).toEqual({ low: 25_000, high: 26_000 });
    expect(() => allocatorRange({ PORTCULLIS_PORT_RANGE: "26000-25000" })).toThrow(/must look like 20000-30000/);
    expect(() => allocatorRange({ PORTCULLIS_PORT_RANGE: "80-90" })).toThrow(/must look like/);
  });

  it("test_defaultRange_outsideThisKernelsEphemeralRange", () => {
    const eph = ephemeralRange();
    const r = allocatorRange({});
    expect(r.high < eph.low || r.low > eph.high).toBe(true);
  });
});

describe("PortAllocator", () => {
  it("test_reserve_distinctLockedReleased: distinct ports in range, a lock per port naming this pid, gone on release", async () => {
    const range = await freeStretch(8);
    const a = new PortAllocator({ range, lockDir });
    const leases = await Promise.all(Array.from({ length: 8 }, () => a.reserve()));
    const ports = leases.map((l) => l.port);
    expect(new Set(ports).size).toBe(8);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(range.low);
      expect(p).toBeLessThanOrEqual(range.high);
      expect(JSON.parse(readFileSync(join(lockDir, String(p)), "utf8")).pid).toBe(process.pid);
    }
    await expect(a.reserve()).rejects.toThrow(/no free port in/);
    leases[3]!.release();
    expect(existsSync(join(lockDir, String(ports[3])))).toBe(false);
    expect((await a.reserve()).port).toBe(ports[3]);
  });

  it("test_reserve_liveOwnerElsewhere_skipped: another allocator's ports are never handed out", async () => {
    const range = await freeStretch(4);
    const first = new PortAllocator({ range, lockDir });
    const second = new PortAllocator({ range, lockDir });
    const mine = await Promise.all([first.reserve(), first.reserve()]);
    const theirs = await Promise.all([second.reserve(), second.reserve()]);
    const all = [...mine, ...theirs].map((l) => l.port);
    expect(new Set(all).size).toBe(4);
    await expect(second.reserve()).rejects.toThrow(/no free port/);
  });

  it("test_reserve_deadOwner_reclaimed: a lock left by a dead process is taken over", async () => {
    const range = await freeStretch(1);
    const path = join(lockDir, String(range.low));
    writeFileSync(path, JSON.stringify({ pid: deadPid(), start: "1" }));
    const lease = await new PortAllocator({ range, lockDir }).reserve();
    expect(lease.port).toBe(range.low);
    expect(JSON.parse(readFileSync(path, "utf8")).pid).toBe(process.pid);
    // No reclaim token left behind.
    expect(existsSync(`${path}.reclaim-`)).toBe(false);
  });

  it("test_reserve_recycledPid_reclaimed: a live pid with another start time is not the owner", async () => {
    const range = await freeStretch(1);
    writeFileSync(join(lockDir, String(range.low)), JSON.stringify({ pid: process.pid, start: "not-my-start-time" }));
    const lease = await new PortAllocator({ range, lockDir }).reserve();
    expect(lease.port).toBe(range.low);
  });

  it("test_reserve_portInUse_skipped: a port another listener holds is never handed out", async () => {
    const range = await freeStretch(3);
    await listen(range.low);
    await listen(range.low + 2);
    const a = new PortAllocator({ range, lockDir });
    const lease = await a.reserve();
    expect(lease.port).toBe(range.low + 1);
    await expect(a.reserve()).rejects.toThrow(/no free port/);
    // The busy ports' locks were given back.
    expect(existsSync(join(lockDir, String(range.low)))).toBe(false);
  });

  it("test_reserve_concurrentProcesses_neverShared: four processes drawing from one small range get disjoint ports", async () => {
    const range = await freeStretch(40);
    const script = `
      import { PortAllocator } from ${JSON.stringify(resolve("devnet/ports.ts"))};
      const a = new PortAllocator({ range: ${JSON.stringify(range)}, lockDir: ${JSON.stringify(lockDir)} });
      const ports = [];
      for (let i = 0; i < 10; i++) ports.push((await a.reserve()).port);
      process.stdout.write(JSON.stringify(ports));
      // Hold them until the parent has seen every child's ports.
      process.stdin.once("data", () => process.exit(0));
    `;
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    const results = await Promise.all(
      children.map(
        (c) =>
          new Promise<number[]>((done, fail) => {
            let out = "";
            c.stdout.on("data", (d: Buffer) => {
              out += d.toString();
              try {
                done(JSON.parse(out) as number[]);
              } catch {
                // not complete yet
              }
            });
            c.once("exit", (code) => fail(new Error(`child exited ${code} before printing: ${out}`)));
          }),
      ),
    );
    const exits = children.map((c) => new Promise((r) => c.once("exit", r)));
    for (const c of children) c.stdin.end("done\n");
    await Promise.all(exits);
    const all = results.flat();
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
    // Each exited: its locks were removed on exit.
    for (const p of all) expect(existsSync(join(lockDir, String(p)))).toBe(false);
  });
});
