/**
 * A throwaway PostgreSQL server for tests, benchmarks and the devnet: `initdb` in a temp dir, then
 * the `postgres` server itself as a foreground child in a ProcessGroup (processes.ts: a port from
 * the allocator, tied to this Node process so it dies with it, even on SIGKILL), on 127.0.0.1
 * (socket in the same dir), trust authentication; `stop()` asks for a fast shutdown (SIGINT) and
 * deletes the data dir. It never daemonizes (`pg_ctl start` did, so a killed test worker left a
 * server running). Debian's `postgresql` package provides the binaries
 * (/usr/lib/postgresql/<version>/bin). `initdb` and the server refuse to run as root, so as root
 * they run as the `postgres` user (`runuser` for initdb/createdb; for the server `setpriv`, which
 * execs it under the same pid and sets its parent-death signal after changing user) and the data
 * dir is owned by it.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { PrerequisiteError } from "./infra.js";
import { ProcessGroup, type Probe, type ProbeTarget } from "./processes.js";

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

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "portcullis-pg-"));
  if (isRoot()) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const group = new ProcessGroup(join(dir, "logs"));
  let server;
  try {
    pgRun(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
    // The probe recognises this server by its data directory, so the one answering is ours; a
    // port someone outside the allocator took makes it exit ("address already in use") and the
    // group starts it again on another port.
    server = await group.start({
      name: "postgres",
      launch: (port) => postgresCommand(bin, data, dir, port),
      probe: (t) => probePostgres(t, data),
      startTimeoutMs: 60_000,
    });
  } catch (e) {
    await group.stopAll().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
  const port = server.port!;
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
        // SIGINT is PostgreSQL's fast shutdown (clients disconnected, no waiting for them);
        // the group's SIGTERM (a smart shutdown) would wait for every client to leave.
        if (server.running && server.pid !== undefined) {
          process.kill(server.pid, "SIGINT");
          await Promise.race([server.waitForExit(), new Promise((r) => setTimeout(r, 10_000).unref())]);
        }
        await group.stopAll();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The server on `port`, in the foreground (logging to stderr, into the group's log file). */
function postgresCommand(bin: string, data: string, dir: string, port: number) {
  const args = [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    // Throwaway data: no fsync (tests and benchmarks measure the explorer, not the disk).
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
  ];
  const server = join(bin, "postgres");
  return isRoot()
    ? {
        command: "setpriv",
        args: ["--reuid=postgres", "--regid=postgres", "--init-groups", "--pdeathsig=KILL", "--", server, ...args],
      }
    : { command: server, args };
}

/** Ready when a query answers and the server's data directory is `data` (ours); else foreign. */
async function probePostgres({ port }: ProbeTarget, data: string): Promise<Probe> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port,
    user: "postgres",
    database: "postgres",
    connectionTimeoutMillis: 2_000,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (e) {
    return { state: "starting", detail: (e as Error).message };
  }
  try {
    const { rows } = await client.query<{ setting: string }>(
      "SELECT setting FROM pg_settings WHERE name = 'data_directory'",
    );
    const theirs = rows[0]?.setting;
    return theirs === data
      ? { state: "ready" }
      : { state: "foreign", detail: `a PostgreSQL serving ${theirs ?? "an unknown data directory"} answers` };
  } catch (e) {
    // "the database system is starting up" and the like.
    return { state: "starting", detail: (e as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function postgresUser(): { uid: number; gid: number } {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new PrerequisiteError("there is no `postgres` user: install Debian's `postgresql` package.");
  }
}
