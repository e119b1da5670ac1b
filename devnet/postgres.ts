/**
 * A throwaway PostgreSQL server for tests, benchmarks and the devnet: `initdb` in a temp dir,
 * started on 127.0.0.1 with `pg_ctl` (socket in the same dir), trust authentication, stopped and
 * deleted with `stop()`. Debian's `postgresql` package provides the binaries
 * (/usr/lib/postgresql/<version>/bin); `initdb` refuses to run as root, so as root every command
 * runs as the `postgres` user through `runuser` and the data dir is owned by it.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { PrerequisiteError } from "./infra.js";
import { canBind, reservePort, type PortLease } from "./ports.js";

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  dir: string;
  /** A new, empty database on this server; returns its URL. */
  createDatabase(name: string): string;
  /** Stops the server (fast shutdown) and deletes its data dir. */
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin dir. */
export function postgresBinDir(): string {
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, "bin", "pg_ctl")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new PrerequisiteError(
      "PostgreSQL is not installed: install it (Debian/Ubuntu: `sudo apt-get install postgresql`) or give the explorer a DATABASE_URL.",
    );
  }
  return join(base, versions[0]!, "bin");
}

const isRoot = () => userInfo().uid === 0;

/** Runs a PostgreSQL binary as the `postgres` user when we are root, else as ourselves. */
function pgRun(bin: string, args: string[]): string {
  const [command, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  return execFileSync(command, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
}

export async function startPostgres(options: { port?: number } = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "portcullis-pg-"));
  if (isRoot()) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  // A port from the devnet's allocator (held until stop). `pg_ctl -w` waits for the server it
  // started (its own postmaster.pid), so the one answering is ours; a port someone outside the
  // allocator took meanwhile fails the start, and it is retried on another port.
  let lease: PortLease | undefined;
  let port = options.port ?? 0;
  try {
    pgRun(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
    for (let attempt = 1; ; attempt++) {
      if (options.port === undefined) {
        lease = await reservePort();
        port = lease.port;
      }
      try {
        pgStart(bin, data, dir, port);
        break;
      } catch (e) {
        lease?.release();
        const taken = !(await canBind(port));
        if (!taken || options.port !== undefined || attempt >= 3) throw e;
      }
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    createDatabase(name: string): string {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a simple database name: ${name}`);
      pgRun(join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        pgRun(join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
      } finally {
        lease?.release();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** `pg_ctl start` on `port`, waiting (-w) until the server it started accepts connections. */
function pgStart(bin: string, data: string, dir: string, port: number): void {
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    // Throwaway data: no fsync (tests and benchmarks measure the explorer, not the disk).
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
  ].join(" ");
  pgRun(join(bin, "pg_ctl"), ["-D", data, "-o", settings, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
}

function postgresUser(): { uid: number; gid: number } {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new PrerequisiteError("there is no `postgres` user: install Debian's `postgresql` package.");
  }
}
