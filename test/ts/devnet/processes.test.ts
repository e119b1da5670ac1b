/**
 * Identity-checked starts (devnet/processes.ts): a listening process counts as started only when
 * what answers on its port is this very process; a port someone else holds is never shared — the
 * process moves to a fresh port, a bounded number of times — and a restart keeps the guarantee.
 * The child is a tiny HTTP server answering /healthz with its SERVICE_INSTANCE, like a service.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reservePort } from "../../../devnet/ports.js";
import {
  PortTakenError,
  probeServiceHealth,
  ProcessGroup,
  type Listening,
  type Probe,
} from "../../../devnet/processes.js";

/** Listens on PORT and answers /healthz naming SERVICE_INSTANCE; STAY=1 keeps it alive when the port is taken. */
const FAKE_SERVICE = `
  const http = require("node:http");
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === "/healthz" ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, service: "fake", instance: process.env.SERVICE_INSTANCE }));
  });
  server.on("error", (e) => {
    console.error("listen failed: " + e.code);
    if (process.env.STAY !== "1") process.exit(1);
  });
  server.listen(Number(process.env.PORT), "127.0.0.1");
  process.on("SIGTERM", () => process.exit(0));
  setInterval(() => {}, 1000);
`;

let dir: string;
let group: ProcessGroup;
const foreign: Server[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-processes-test-"));
  group = new ProcessGroup(join(dir, "logs"));
});

afterEach(async () => {
  await group.stopAll();
  await Promise.all(foreign.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

/** Another process' HTTP server on `port` whose /healthz names someone else. */
function squat(port: number): Promise<Server> {
  return new Promise((done) => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, service: "squatter", instance: "not-yours" }));
    });
    server.listen(port, "127.0.0.1", () => {
      foreign.push(server);
      done(server);
    });
  });
}

function fake(extra: Partial<Listening> = {}, env: Record<string, string> = {}): Listening {
  return {
    name: "fake",
    launch: (port, instance) => ({
      command: process.execPath,
      args: ["-e", FAKE_SERVICE],
      env: { PORT: String(port), SERVICE_INSTANCE: instance, ...env },
    }),
    probe: probeServiceHealth,
    startTimeoutMs: 20_000,
    ...extra,
  };
}

async function instanceOn(port: number): Promise<string> {
  const body = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { instance: string };
  return body.instance;
}

describe("ManagedProcess (listening)", () => {
  it("test_start_upWhenItsOwnHealthzAnswers: on an allocated port, with its own instance", async () => {
    const p = await group.start(fake());
    expect(p.running).toBe(true);
    expect(p.port).toBeDefined();
    expect(await instanceOn(p.port!)).toBe(p.instance);
  });

  it("test_start_portTakenExit_movesToFreshPort: EADDRINUSE is retried elsewhere, never shared", async () => {
    const lease = await reservePort();
    await squat(lease.port);
    const moves: [number, number][] = [];
    const p = await group.start(fake({ lease, onPortChange: (port, previous) => void moves.push([port, previous]) }));
    expect(p.port).not.toBe(lease.port);
    expect(moves).toEqual([[p.port, lease.port]]);
    expect(await instanceOn(p.port!)).toBe(p.instance);
    // The other process keeps its port to itself.
    expect(await instanceOn(lease.port)).toBe("not-yours");
  });

  it("test_start_foreignAnswersWhileAlive_movesToFreshPort: a /healthz naming another instance is not ours", async () => {
    const lease = await reservePort();
    await squat(lease.port);
    // STAY=1: the child survives its failed listen, so only the probe can tell.
    const p = await group.start(fake({ lease }, { STAY: "1" }));
    expect(p.port).not.toBe(lease.port);
    expect(await instanceOn(p.port!)).toBe(p.instance);
  });

  it("test_start_alwaysTaken_boundedThenClearError", async () => {
    const always: Probe = { state: "foreign", detail: "someone else answers" };
    const start = group.start(fake({ probe: async () => always }));
    await expect(start).rejects.toBeInstanceOf(PortTakenError);
    await expect(start).rejects.toThrow(/5 ports in a row were taken by other processes .*someone else answers/);
  });

  it("test_start_exitForAnotherReason_failsAtOnceWithItsOutput", async () => {
    const broken: Listening = {
      ...fake(),
      launch: () => ({ command: process.execPath, args: ["-e", "console.error('bad config: FOO'); process.exit(2)"] }),
    };
    await expect(group.start(broken)).rejects.toThrow(/fake exited \(code 2\) before it was up[\s\S]*bad config: FOO/);
  });

  it("test_log_holdsStdoutAndStderr", async () => {
    const noisy: Listening = {
      ...fake(),
      launch: () => ({
        command: process.execPath,
        args: ["-e", "console.log('to stdout'); console.error('to stderr'); process.exit(3)"],
      }),
    };
    await expect(group.start(noisy)).rejects.toThrow(/exited \(code 3\)/);
    // Both pipes feed one file and neither ends it; the writes land shortly after the exit.
    const log = () => readFileSync(join(dir, "logs", "fake.log"), "utf8");
    for (let i = 0; i < 100 && !(log().includes("to stdout") && log().includes("to stderr")); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(log()).toContain("to stdout");
    expect(log()).toContain("to stderr");
  });

  it("test_restart_keepsPortAndChecksIdentityAgain", async () => {
    const p = await group.start(fake());
    const port = p.port;
    const first = p.instance;
    await p.kill();
    expect(p.running).toBe(false);
    await p.start();
    expect(p.port).toBe(port);
    expect(p.instance).not.toBe(first);
    expect(await instanceOn(port!)).toBe(p.instance);
  });

  it("test_restart_portTakenMeanwhile_moves", async () => {
    const p = await group.start(fake());
    const port = p.port!;
    await p.stop();
    await squat(port);
    await p.start();
    expect(p.port).not.toBe(port);
    expect(await instanceOn(p.port!)).toBe(p.instance);
  });

  it("test_stopDuringStart_resolvesQuietly", async () => {
    const p = group.add(fake({ probe: async () => ({ state: "starting" }) }));
    const starting = p.start();
    await new Promise((r) => setTimeout(r, 300));
    await p.stop();
    await expect(starting).resolves.toBe(p);
    expect(p.running).toBe(false);
  });

  it("test_dispose_releasesThePort", async () => {
    const p = await group.start(fake());
    const port = p.port!;
    await group.stopAll();
    // Given back: a fresh lease over just that port gets it.
    const { PortAllocator } = await import("../../../devnet/ports.js");
    const again = await new PortAllocator({ range: { low: port, high: port } }).reserve();
    expect(again.port).toBe(port);
    again.release();
  });
});

/** A Node process (its own, like a test worker) that starts a long `sleep` in a group and prints its pid. */
const PARENT = `
  import { ProcessGroup } from ${JSON.stringify(join(process.cwd(), "devnet/processes.ts"))};
  const group = new ProcessGroup(process.env.LOG_DIR);
  const p = await group.start({ name: "orphan-candidate", command: "sleep", args: ["300"] });
  console.log("child " + p.pid);
  setInterval(() => {}, 1000);
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("a group's children when the Node process dies without stopping them", () => {
  it.runIf(process.platform === "linux")("dies with it, even when it is SIGKILLed", async () => {
    const { spawn } = await import("node:child_process");
    const script = join(dir, "parent.mts");
    writeFileSync(script, PARENT);
    // Node itself with tsx's loader (the tsx command would be a wrapper around another Node).
    const parent = spawn(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, LOG_DIR: join(dir, "orphan-logs") },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const childPid = await new Promise<number>((resolve, reject) => {
      let out = "";
      parent.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /child (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      parent.once("exit", (code) => reject(new Error(`the parent exited (${code}) before starting its child`)));
    });
    expect(alive(childPid)).toBe(true);

    parent.kill("SIGKILL"); // no `exit` handler runs: only the kernel can stop the child now
    const deadline = Date.now() + 15_000;
    while (alive(childPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(childPid)).toBe(false);
  });
});
