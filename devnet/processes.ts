/**
 * Child processes of the devnet and the integration tests: started with their output in log
 * files, stopped as a group (SIGTERM, then SIGKILL after a grace period) so nothing is left
 * behind, and restartable (tests kill and restart relayers, Redis, guardians).
 *
 * A process that listens on a port (a chain, Redis, Prometheus, a service) is started through a
 * `Listening` description: its port comes from the allocator (`ports.ts`), and it counts as
 * started only when it is alive and what answers on its port proves to be *this* process (the
 * `probe`: a chain's id and the listening socket's owner, Redis' `process_id`, a service's
 * `/healthz` instance id, Prometheus' own config file). If the port turns out to be taken
 * (the process died with EADDRINUSE, or someone else answers there), it is started again on a
 * fresh port, a bounded number of times, then fails with the reason. A restart (`start()` after
 * `stop()` or `kill()`) keeps the same port while it can, under the same checks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  createWriteStream,
  openSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
} from "node:fs";
import { join } from "node:path";
import { portAllocator, type PortLease } from "./ports.js";

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** What the probe of a listening process found on its port. */
export type Probe =
  | { state: "ready" }
  /** Nothing answers yet, or this process answers but is not ready. */
  | { state: "starting"; detail?: string }
  /** Another process answers on the port: ours cannot have it. */
  | { state: "foreign"; detail: string };

export interface ProbeTarget {
  port: number;
  pid: number;
  /** Unique to this start of the process; passed to it by `launch`. */
  instance: string;
}

/** A process that listens on a TCP port on 127.0.0.1. */
export interface Listening {
  name: string;
  /** The command line for `port`; `instance` identifies this start (give it to the process). */
  launch(port: number, instance: string): Omit<ProcessSpec, "name">;
  /** Whether what answers on the port is this process, and ready. Exceptions count as "starting". */
  probe(target: ProbeTarget): Promise<Probe>;
  /** How long one start may take (default 60 s). */
  startTimeoutMs?: number;
  /** A port reserved in advance (e.g. a guardian's, written into the manifest before it starts). */
  lease?: PortLease;
  /** Called (and awaited) when the process had to move to another port than its previous one. */
  onPortChange?(port: number, previous: number): void | Promise<void>;
}

/** Starts on a taken port before giving up. */
const MAX_PORT_ATTEMPTS = 5;
/** How an exit because of a taken port reads in anvil's, Redis', Node's and Prometheus' output. */
const PORT_TAKEN = /EADDRINUSE|address already in use/i;
/** Output kept in memory per start, for the reason a start failed. */
const TAIL_BYTES = 4_096;

export class PortTakenError extends Error {
  override name = "PortTakenError";
}

export class ManagedProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  private tail = "";
  private starting?: Promise<this>;
  private stopRequested = false;
  private lease?: PortLease;
  private currentInstance?: string;
  /** Set when the command could not be spawned at all (no exit code follows). */
  private spawnError?: Error;

  constructor(
    private readonly definition: ProcessSpec | Listening,
    private readonly logDir: string,
  ) {
    if ("launch" in definition) this.lease = definition.lease;
  }

  get name(): string {
    return this.definition.name;
  }

  get pid() {
    return this.child?.pid;
  }

  get running() {
    const c = this.child;
    return c !== undefined && !this.spawnError && c.exitCode === null && c.signalCode === null;
  }

  /** The port a listening process has (or last had); undefined for others. */
  get port(): number | undefined {
    return this.lease?.port;
  }

  /** http://127.0.0.1:<port> of a listening process. */
  get url(): string {
    if (this.port === undefined) throw new Error(`${this.name} does not listen on a port`);
    return `http://127.0.0.1:${this.port}`;
  }

  /** The instance id of the current (or last) start of a listening process. */
  get instance(): string | undefined {
    return this.currentInstance;
  }

  get logFile() {
    return join(this.logDir, `${this.name}.log`);
  }

  /**
   * Starts the process (no-op while it runs). A listening process resolves once its probe says
   * it is up; a stop() meanwhile resolves it early, not running.
   */
  start(): Promise<this> {
    if (this.running && !this.starting) return Promise.resolve(this);
    if (this.starting) return this.starting;
    this.stopRequested = false;
    const definition = this.definition;
    const started = "launch" in definition ? this.startListening(definition) : this.startPlain(definition);
    this.starting = started.finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** SIGTERM, then SIGKILL if still alive after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopRequested = true;
    await this.terminate("SIGTERM", graceMs);
    await this.starting?.catch(() => {});
  }

  /** Immediate SIGKILL: simulates a crash. */
  async kill(): Promise<void> {
    this.stopRequested = true;
    await this.terminate("SIGKILL");
    await this.starting?.catch(() => {});
  }

  private async terminate(signal: "SIGTERM" | "SIGKILL", graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    const timer = signal === "SIGTERM" ? setTimeout(() => child.kill("SIGKILL"), graceMs) : undefined;
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL without waiting (for exit handlers, which cannot wait). */
  killNow(): void {
    if (this.running) this.child!.kill("SIGKILL");
  }

  /** Resolves with the exit code once the process exits. */
  waitForExit(): Promise<number | null> {
    return this.exited ?? Promise.resolve(null);
  }

  /** Stops the process and gives its port back. */
  async dispose(): Promise<void> {
    await this.stop();
    this.lease?.release();
  }

  private async startPlain(spec: ProcessSpec): Promise<this> {
    this.spawn(spec);
    return this;
  }

  private async startListening(l: Listening): Promise<this> {
    const allocator = portAllocator();
    const first = this.lease?.port;
    for (let attempt = 1; ; attempt++) {
      if (!this.lease?.active) this.lease = await allocator.reserve();
      const port = this.lease.port;
      const instance = `${l.name}-${randomBytes(6).toString("hex")}`;
      this.spawn({ name: l.name, ...l.launch(port, instance) });
      const outcome = await this.untilUp(l, port, instance);
      if (outcome === "stopped") return this;
      if (outcome === "up") {
        this.currentInstance = instance;
        if (first !== undefined && port !== first) await l.onPortChange?.(port, first);
        return this;
      }
      // The port is taken by someone else: never share it, move.
      await this.terminate("SIGKILL");
      allocator.markBusy(port);
      this.lease.release();
      this.note(
        `port ${port} is taken (${outcome.taken}); ${attempt < MAX_PORT_ATTEMPTS ? "starting again on another port" : "giving up"}`,
      );
      if (attempt >= MAX_PORT_ATTEMPTS) {
        throw new PortTakenError(
          `${l.name}: ${attempt} ports in a row were taken by other processes (last: ${port}, ${outcome.taken}); log: ${this.logFile}`,
        );
      }
    }
  }

  /** Waits until the probe recognises this process on `port`, it exits, or the start times out. */
  private async untilUp(l: Listening, port: number, instance: string): Promise<"up" | "stopped" | { taken: string }> {
    const child = this.child!;
    const timeoutMs = l.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let last = "nothing answered";
    for (;;) {
      if (this.stopRequested) return "stopped";
      if (!this.running) {
        await this.exited;
        if (this.stopRequested) return "stopped";
        if (PORT_TAKEN.test(this.tail)) return { taken: "the process exited: address in use" };
        throw new Error(
          `${l.name} exited (code ${child.exitCode ?? child.signalCode}) before it was up; log: ${this.logFile}\n${this.tail.trim()}`,
        );
      }
      let probe: Probe;
      try {
        probe = await l.probe({ port, pid: child.pid!, instance });
      } catch (e) {
        probe = { state: "starting", detail: (e as Error).message };
      }
      if (probe.state === "ready" && this.running) return "up";
      if (probe.state === "foreign") return { taken: probe.detail };
      if (probe.state === "starting" && probe.detail) last = probe.detail;
      if (Date.now() > deadline) {
        await this.terminate("SIGKILL");
        throw new Error(
          `${l.name} was not up on port ${port} after ${timeoutMs} ms (${last}); log: ${this.logFile}\n${this.tail.trim()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private spawn(spec: ProcessSpec) {
    mkdirSync(this.logDir, { recursive: true });
    // Opened here, synchronously: `createWriteStream(path)` opens later, and a test that removed
    // its temp directory right after a process failed to start got ENOENT from that late open as
    // an uncaught exception (fresh-clone CI run 21). The log is a courtesy, as in `note` below: a
    // write error is dropped, never thrown.
    const log = createWriteStream(this.logFile, { fd: openSync(this.logFile, "a") });
    log.on("error", () => undefined);
    const [command, args] = tiedToThisProcess(spec.command, spec.args);
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.tail = "";
    this.spawnError = undefined;
    const keep = (d: Buffer) => {
      this.tail = (this.tail + d.toString()).slice(-TAIL_BYTES);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    // Two sources into one file: neither may end it while the other still writes; "close" does.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once("close", () => log.end());
    this.child = child;
    // "close": exited and its output fully read, so the tail holds its last words.
    this.exited = new Promise((resolve) => child.once("close", (code) => resolve(code)));
    child.once("error", (e) => {
      this.spawnError = e;
      this.tail += `\n${e.message}`;
    });
  }

  private note(line: string) {
    try {
      appendFileSync(this.logFile, `[devnet] ${new Date().toISOString()} ${line}\n`);
    } catch {
      // the log is a courtesy
    }
  }
}

/**
 * On Linux every child is started through util-linux's `setpriv --pdeathsig KILL`, which execs
 * the command (same pid) with the kernel's parent-death signal set: when this Node process dies
 * for any reason, SIGKILL and SIGTERM included, the kernel kills the child too. The `exit` hook
 * below cannot cover those deaths, and one of them left chains running: a devnet start that
 * outlived a test's `beforeAll` timeout kept starting processes that no `afterAll` knew of,
 * until the test runner killed its worker with a signal. Elsewhere (no `setpriv`) the command
 * runs as is and only the `exit` hook and `stopAll` stop it.
 */
const SETPRIV = "/usr/bin/setpriv";
const haveSetpriv = process.platform === "linux" && existsSync(SETPRIV);

function tiedToThisProcess(command: string, args: string[]): [string, string[]] {
  return haveSetpriv ? [SETPRIV, ["--pdeathsig", "KILL", "--", command, ...args]] : [command, args];
}

/** Every group of this process, so a process that exits without stopping them leaves no child behind. */
const groups = new Set<ProcessGroup>();
let exitHook = false;

export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];

  constructor(readonly logDir: string) {
    groups.add(this);
    if (!exitHook) {
      exitHook = true;
      // Last resort (process.exit, an uncaught error): `exit` handlers must be synchronous, so SIGKILL.
      process.once("exit", () => {
        for (const g of groups) for (const p of g.processes) p.killNow();
      });
    }
  }

  /** Creates and starts a process (a listening one resolves once it is up). */
  async start(definition: ProcessSpec | Listening): Promise<ManagedProcess> {
    const p = this.add(definition);
    await p.start();
    return p;
  }

  /** Creates a process in the group without starting it. */
  add(definition: ProcessSpec | Listening): ManagedProcess {
    const p = new ManagedProcess(definition, this.logDir);
    this.processes.push(p);
    return p;
  }

  get all(): readonly ManagedProcess[] {
    return this.processes;
  }

  /** Stops every process, services first and infrastructure (started first) last; frees their ports. */
  async stopAll(): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.dispose();
  }
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

/**
 * Whether process `pid` owns the socket listening on TCP `port` (Linux: /proc/net/tcp{,6} and
 * /proc/<pid>/fd). `undefined` where /proc cannot tell (another OS) or nothing listens yet.
 */
export function ownsListeningSocket(pid: number, port: number): boolean | undefined {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let readable = false;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
      readable = true;
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT" in hex; state 0A is LISTEN; field 9 is the inode.
      if (f.length > 9 && f[1]!.endsWith(`:${hexPort}`) && f[3] === "0A") inodes.add(f[9]!);
    }
  }
  if (!readable || inodes.size === 0) return undefined;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      // fd closed meanwhile
    }
  }
  return false;
}

/** A probe for an HTTP service built on `core/service/http.ts`: its /healthz names this instance. */
export async function probeServiceHealth({ port, instance }: ProbeTarget): Promise<Probe> {
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
  } catch (e) {
    return { state: "starting", detail: (e as Error).message };
  }
  const text = await res.text();
  let body: { service?: unknown; instance?: unknown } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (body?.instance === instance) {
    return res.ok ? { state: "ready" } : { state: "starting", detail: `/healthz ${res.status}: ${text.slice(0, 200)}` };
  }
  const who = body?.instance !== undefined ? `${String(body.service)} ${String(body.instance)}` : `HTTP ${res.status}`;
  return { state: "foreign", detail: `/healthz answered for ${who}, not ${instance}` };
}
