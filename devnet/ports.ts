/**
 * TCP ports for everything the devnet, the integration tests and the benchmarks start (chains,
 * Redis, Prometheus, services), chosen so that no two processes on the machine are ever handed
 * the same port, even when several devnets start at once (vitest workers, several engineers'
 * test runs, a benchmark beside them).
 *
 * Why not "bind port 0, read it, close it" (the old `freePort()`)? Port 0 draws from the
 * kernel's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range, 32768–60999 by
 * default), the same range every outgoing connection and every other `listen(0)` on the machine
 * draws from. Between the moment the port is closed and the moment the child binds it (seconds
 * later for a service started after deployment), the kernel is free to hand it to anyone else;
 * two concurrent devnets then end up with two processes on one port, the second dies with
 * EADDRINUSE and the first answers for both. See docs/testing.md for the measurement.
 *
 * So ports come from a range *outside* the ephemeral range (by default 20000 up to the start of
 * the ephemeral range: the kernel never picks those on its own), and each one is reserved across
 * processes with a lock file `<tmpdir>/portcullis-ports/<port>` holding the owner's pid (and the
 * pid's start time, so a recycled pid does not keep a port forever). A lock whose owner is dead
 * is reclaimed. A port is handed out only if it can be bound right now (something that does not
 * use this allocator may hold it), and its lock is removed when the lease is released (when the
 * process using it is stopped for good) or when the owning process exits.
 *
 * Reclaiming is race-free: to take over the lock of dead owner X, a process must first create
 * `<port>.reclaim-<X>` exclusively; only that process then removes the lock, after checking it
 * still names X. A process that dies inside that window (microseconds) leaves the token behind,
 * and the port is skipped from then on: a leak of one port, never a shared one.
 *
 * Environment: PORTCULLIS_PORT_RANGE=low-high overrides the range; PORTCULLIS_PORT_LOCKS the lock
 * directory (every process that must not collide has to share it).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Inclusive bounds. */
export interface PortRange {
  low: number;
  high: number;
}

/** Lowest port the allocator uses by default: below it live well-known services (Redis 6379, PostgreSQL 5432, Prometheus 9090, 8545, 3000, …). */
const DEFAULT_LOW = 20_000;
/** The allocator refuses a range smaller than this. */
const MIN_RANGE = 1_000;

/** Linux's default ephemeral range, used when /proc does not say. */
const LINUX_EPHEMERAL: PortRange = { low: 32_768, high: 60_999 };

/** The kernel's ephemeral port range (Linux: read from /proc; elsewhere the IANA range). */
export function ephemeralRange(procFile = "/proc/sys/net/ipv4/ip_local_port_range"): PortRange {
  try {
    const [low, high] = readFileSync(procFile, "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! > 0 && high! >= low!) return { low: low!, high: high! };
  } catch {
    // not Linux, or /proc not mounted
  }
  return process.platform === "linux" ? LINUX_EPHEMERAL : { low: 49_152, high: 65_535 };
}

/**
 * The range the allocator draws from: PORTCULLIS_PORT_RANGE if set, else from 20000 up to just
 * below the ephemeral range, else (an ephemeral range starting too low) the ports above it.
 */
export function allocatorRange(
  env: Record<string, string | undefined> = process.env,
  ephemeral = ephemeralRange(),
): PortRange {
  const override = env.PORTCULLIS_PORT_RANGE?.trim();
  if (override) {
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(override);
    const low = Number(m?.[1]);
    const high = Number(m?.[2]);
    if (!m || low < 1024 || high > 65_535 || high < low) {
      throw new Error(`PORTCULLIS_PORT_RANGE must look like 20000-30000 (1024..65535), got "${override}".`);
    }
    return { low, high };
  }
  const below = { low: DEFAULT_LOW, high: ephemeral.low - 1 };
  if (below.high - below.low + 1 >= MIN_RANGE) return below;
  const above = { low: Math.max(ephemeral.high + 1, DEFAULT_LOW), high: 65_535 };
  if (above.high - above.low + 1 >= MIN_RANGE) return above;
  throw new Error(
    `the kernel's ephemeral port range ${ephemeral.low}-${ephemeral.high} leaves no room for the devnet's ports: ` +
      "set PORTCULLIS_PORT_RANGE=low-high to a free range outside it.",
  );
}

/** Identity of a live process: its pid and, on Linux, its start time (pids are recycled). */
interface Owner {
  pid: number;
  start: string;
}

function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime); the command name (field 2) is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

function alive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    // EPERM: it exists, owned by another user.
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // Same pid, different start time: the owner died and the pid was reused.
  const start = processStart(owner.pid);
  return owner.start === "" || start === "" || start === owner.start;
}

function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (typeof o.pid === "number" && typeof o.start === "string") return { pid: o.pid, start: o.start };
  } catch {
    // a lock file is written whole (link of a complete file), so garbage is not ours
  }
  return undefined;
}

/** True when a TCP listener can bind 127.0.0.1:`port` right now. */
export function canBind(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A reserved port: nobody else using the allocator gets it until `release()`. */
export class PortLease {
  private released = false;

  constructor(
    readonly port: number,
    private readonly allocator: PortAllocator,
  ) {}

  get active(): boolean {
    return !this.released;
  }

  /** Frees the port for others. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.allocator.free(this.port);
  }
}

export interface PortAllocatorOptions {
  range?: PortRange;
  lockDir?: string;
  /** Checked before a port is handed out (tests replace it). */
  bindable?: (port: number) => Promise<boolean>;
}

export class PortAllocator {
  readonly range: PortRange;
  readonly lockDir: string;
  private readonly bindable: (port: number) => Promise<boolean>;
  private readonly self: Owner = { pid: process.pid, start: processStart(process.pid) };
  private readonly held = new Set<number>();
  /** Ports found unbindable by this process: tried again only after the others. */
  private readonly busy = new Set<number>();
  private cursor: number;

  constructor(options: PortAllocatorOptions = {}) {
    this.range = options.range ?? allocatorRange();
    this.lockDir = options.lockDir ?? process.env.PORTCULLIS_PORT_LOCKS ?? join(tmpdir(), "portcullis-ports");
    this.bindable = options.bindable ?? ((port) => canBind(port));
    const size = this.range.high - this.range.low + 1;
    // Start somewhere random so concurrent processes do not all contend for the same first ports.
    this.cursor = this.range.low + (randomBytes(4).readUInt32BE() % size);
    freeOnExit(this);
  }

  /** Reserves a port that is free now and that no other allocator user holds. */
  async reserve(): Promise<PortLease> {
    this.ensureDir();
    const size = this.range.high - this.range.low + 1;
    for (let tried = 0; tried < size; tried++) {
      const port = this.next();
      if (this.held.has(port) || this.busy.has(port)) continue;
      if (!this.lock(port)) continue;
      if (await this.bindable(port)) return new PortLease(port, this);
      this.busy.add(port);
      this.free(port);
    }
    // Everything lockable was busy at some point: give those a second chance.
    for (const port of [...this.busy]) {
      this.busy.delete(port);
      if (this.held.has(port) || !this.lock(port)) continue;
      if (await this.bindable(port)) return new PortLease(port, this);
      this.free(port);
    }
    throw new Error(
      `no free port in ${this.range.low}-${this.range.high} (locks in ${this.lockDir}); stop stray devnets or set PORTCULLIS_PORT_RANGE.`,
    );
  }

  /** Marks `port` as taken by something outside the allocator, so it is tried last. */
  markBusy(port: number): void {
    this.busy.add(port);
  }

  /** Removes this process' lock of `port` (called by `PortLease.release`). */
  free(port: number): void {
    if (!this.held.delete(port)) return;
    const path = this.lockPath(port);
    try {
      if (parseOwner(readFileSync(path, "utf8"))?.pid === this.self.pid) unlinkSync(path);
    } catch {
      // already gone
    }
  }

  /** Releases every port this process holds (on exit). */
  freeAll(): void {
    for (const port of [...this.held]) this.free(port);
  }

  /** Ports this process holds right now. */
  get holding(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  private next(): number {
    const port = this.cursor;
    this.cursor = port >= this.range.high ? this.range.low : port + 1;
    return port;
  }

  private lockPath(port: number): string {
    return join(this.lockDir, String(port));
  }

  private ensureDir() {
    try {
      mkdirSync(this.lockDir, { recursive: true });
      // Shared by every user of the machine, like /tmp itself.
      chmodSync(this.lockDir, 0o1777);
    } catch {
      // created by another user: fine as long as we can write into it
    }
  }

  /** Takes the lock of `port` (reclaiming a dead owner's); false if someone alive holds it. */
  private lock(port: number): boolean {
    const path = this.lockPath(port);
    if (this.create(path)) {
      this.held.add(port);
      return true;
    }
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      // released meanwhile: one more try
      if (!this.create(path)) return false;
      this.held.add(port);
      return true;
    }
    const owner = parseOwner(text);
    if (!owner || alive(owner)) return false;
    // Dead owner: only the process that creates the reclaim token for this owner may remove it.
    const token = `${path}.reclaim-${owner.pid}-${owner.start}`;
    try {
      writeFileSync(token, JSON.stringify(this.self), { flag: "wx" });
    } catch {
      return false;
    }
    try {
      if (readFileSync(path, "utf8") !== text) return false;
      unlinkSync(path);
    } catch {
      return false;
    } finally {
      // Safe to drop now: the lock no longer names the dead owner, and anyone who still tries to
      // reclaim it re-reads the lock after taking the token.
      try {
        unlinkSync(token);
      } catch {
        // ignore
      }
    }
    if (!this.create(path)) return false;
    this.held.add(port);
    return true;
  }

  /** Creates the lock file whole and atomically (link fails if it exists). */
  private create(path: string): boolean {
    const temp = `${path}.${this.self.pid}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(temp, JSON.stringify(this.self));
    try {
      linkSync(temp, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    } finally {
      unlinkSync(temp);
    }
  }
}

let shared: PortAllocator | undefined;

/** The process' allocator. */
export function portAllocator(): PortAllocator {
  shared ??= new PortAllocator();
  return shared;
}

/** Every allocator of this process, so their locks go when the process exits. */
const live = new Set<PortAllocator>();
let exitHook = false;

function freeOnExit(allocator: PortAllocator) {
  live.add(allocator);
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const a of live) a.freeAll();
  });
}

/** Reserves a port from the process' allocator. */
export function reservePort(): Promise<PortLease> {
  return portAllocator().reserve();
}
