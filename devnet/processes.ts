/**
 * Child processes of the devnet and the integration tests: started with their output in log
 * files, stopped as a group (SIGTERM, then SIGKILL after a grace period) so nothing is left
 * behind, and restartable (tests kill and restart relayers, Redis, guardians).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export class ManagedProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(
    readonly spec: ProcessSpec,
    private readonly logDir: string,
  ) {}

  get pid() {
    return this.child?.pid;
  }

  get running() {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get logFile() {
    return join(this.logDir, `${this.spec.name}.log`);
  }

  start(): this {
    if (this.running) return this;
    mkdirSync(this.logDir, { recursive: true });
    const log = createWriteStream(this.logFile, { flags: "a" });
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    return this;
  }

  /** SIGTERM, then SIGKILL if still alive after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Immediate SIGKILL: simulates a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill("SIGKILL");
    await this.exited;
  }

  /** Resolves with the exit code once the process exits. */
  waitForExit(): Promise<number | null> {
    return this.exited ?? Promise.resolve(null);
  }
}

export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];

  constructor(readonly logDir: string) {}

  start(spec: ProcessSpec): ManagedProcess {
    const p = new ManagedProcess(spec, this.logDir).start();
    this.processes.push(p);
    return p;
  }

  get all(): readonly ManagedProcess[] {
    return this.processes;
  }

  /** Stops every process, services first and infrastructure (started first) last. */
  async stopAll(): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.stop();
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks; released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return res.ok;
}
