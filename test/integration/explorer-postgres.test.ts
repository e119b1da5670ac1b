/**
 * The throwaway PostgreSQL of tests, benchmarks and the devnet (devnet/postgres.ts) is a child of
 * the process that started it, never a daemon: when that process is killed with SIGKILL (no exit
 * hook runs: a test runner killing its worker) the server dies too, and a normal stop is a fast
 * shutdown that does not wait for connected clients.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startPostgres } from "../../devnet/postgres.js";

const scratch = mkdtempSync(join(tmpdir(), "portcullis-pg-test-"));
const leftovers: string[] = [];

afterAll(() => {
  for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

/** Alive and not a zombie (a killed process whose parent is gone may wait to be reaped). */
function alive(pid: number): boolean {
  try {
    const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return state !== undefined && state !== "Z";
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("devnet PostgreSQL", () => {
  it("dies with the process that started it, even on SIGKILL", async () => {
    const script = join(scratch, "start.mts");
    const module = pathToFileURL(resolve("devnet/postgres.ts")).href;
    writeFileSync(
      script,
      `import { startPostgres } from ${JSON.stringify(module)};
       const server = await startPostgres();
       console.log(JSON.stringify({ dir: server.dir, url: server.url }));
       setInterval(() => {}, 1_000);`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    try {
      await until("the child to start PostgreSQL", () => out.includes("\n") || child.exitCode !== null, 120_000);
      expect(child.exitCode, err).toBeNull();
      const { dir, url } = JSON.parse(out.trim()) as { dir: string; url: string };
      leftovers.push(dir);
      const postmaster = Number(readFileSync(join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
      expect(alive(postmaster)).toBe(true);
      const client = new pg.Client(url);
      await client.connect();
      expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      client.on("error", () => undefined);

      child.kill("SIGKILL");
      await until("the server to die with its parent", () => !alive(postmaster));
      await client.end().catch(() => undefined);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("stops fast with a client still connected, and deletes its data", async () => {
    const server = await startPostgres();
    leftovers.push(server.dir);
    const client = new pg.Client(server.createDatabase("left_open"));
    client.on("error", () => undefined);
    await client.connect();
    // A smart shutdown (SIGTERM) would wait for this client; stop() must not.
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
    await client.end().catch(() => undefined);
  });
});
