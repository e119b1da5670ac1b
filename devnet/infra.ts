/**
 * The devnet's infrastructure: local chains (anvil from the npm registry) and Redis, all bound
 * to 127.0.0.1, nothing persisted.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { Socket } from "node:net";
import { dirname, join } from "node:path";
import type { PortLease } from "./ports.js";
import {
  httpOk,
  ownsListeningSocket,
  type ManagedProcess,
  type Probe,
  type ProbeTarget,
  type ProcessGroup,
} from "./processes.js";

const require = createRequire(import.meta.url);

/** Thrown when a prerequisite is missing; its message is the one sentence a newcomer needs. */
export class PrerequisiteError extends Error {
  override name = "PrerequisiteError";
}

/** The anvil binary shipped by `@foundry-rs/anvil` for this platform (no wrapper process). */
export function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
  } catch {
    throw new PrerequisiteError(`anvil is missing: run \`npm ci\` (it installs ${pkg}) on a supported platform.`);
  }
}

export function redisBinary(): string {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
  } catch {
    throw new PrerequisiteError(
      "redis-server is not installed: install it (Debian/Ubuntu: `sudo apt-get install redis-server`) or set REDIS_URL.",
    );
  }
}

export interface ChainProcess {
  name: string;
  chainId: number;
  rpcUrl: string;
  process: ManagedProcess;
}

export interface AnvilOptions {
  name: string;
  chainId: number;
  accounts?: number;
  /** A port reserved in advance (default: one from the allocator). */
  lease?: PortLease;
}

/**
 * Starts anvil on a port from the allocator. Up means: the process is alive, `eth_chainId` on
 * its URL is `chainId`, and the socket listening there is this process' own (parallel devnets
 * run the same chain ids, so the id alone does not say whose chain answers).
 */
export async function startAnvil(group: ProcessGroup, o: AnvilOptions): Promise<ChainProcess> {
  const binary = anvilBinary();
  const process = await group.start({
    name: `chain-${o.name}`,
    // Starts in automine (a block per transaction) so deployment is fast; `setBlockTime` then
    // switches to interval mining like a real L2.
    launch: (port) => ({
      command: binary,
      args: [
        ...["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(o.chainId)],
        ...["--accounts", String(o.accounts ?? 20), "--silent"],
      ],
    }),
    probe: (t) => probeChain(t, o.chainId),
    lease: o.lease,
  });
  return { name: o.name, chainId: o.chainId, rpcUrl: process.url, process };
}

/** Is the JSON-RPC server on `port` the chain `chainId` served by process `pid`? */
export async function probeChain({ port, pid }: ProbeTarget, chainId: number): Promise<Probe> {
  let answered: unknown;
  try {
    answered = await rpc(`http://127.0.0.1:${port}`, "eth_chainId", [], 1_000);
  } catch (e) {
    return { state: "starting", detail: (e as Error).message };
  }
  const owned = ownsListeningSocket(pid, port);
  if (owned === false)
    return { state: "foreign", detail: `another process (chain id ${Number(answered)}) listens on ${port}` };
  if (Number(answered) !== chainId)
    return { state: "foreign", detail: `chain id ${Number(answered)} answered, not ${chainId}` };
  return { state: "ready" };
}

export async function rpc(url: string, method: string, params: unknown[] = [], timeoutMs = 5_000): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Switches an anvil chain to one block every `seconds` (0: back to a block per transaction). */
export async function setBlockTime(rpcUrl: string, seconds: number): Promise<void> {
  if (seconds > 0) await rpc(rpcUrl, "evm_setIntervalMining", [seconds]);
  else await rpc(rpcUrl, "evm_setAutomine", [true]);
}

export interface RedisProcess {
  url: string;
  port: number;
  process: ManagedProcess;
}

export interface RedisOptions {
  /** Process (and log file) name; several Redis in one group need distinct names. */
  name?: string;
  /** Keep data (append-only file) in this directory across restarts. */
  persistDir?: string;
  /** More `redis-server` arguments (e.g. `--cluster-enabled yes`). */
  args?: string[];
  /** A port reserved in advance (default: one from the allocator). */
  lease?: PortLease;
}

/**
 * Starts `redis-server` on a port from the allocator, persistence off (unless `persistDir` is
 * given). Up means: alive, and `INFO server` on its port reports this child's `process_id`.
 * A restart keeps the port while it is free; `url` and `port` follow the process if it moves.
 */
export async function startRedis(group: ProcessGroup, options: RedisOptions = {}): Promise<RedisProcess> {
  const binary = redisBinary();
  const { persistDir } = options;
  const process = await group.start({
    name: options.name ?? "redis",
    launch: (port) => {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--protected-mode", "no"];
      if (persistDir) args.push("--dir", persistDir, "--appendonly", "yes", "--save", "");
      else args.push("--save", "", "--appendonly", "no");
      return { command: binary, args: [...args, ...(options.args ?? [])] };
    },
    probe: probeRedis,
    lease: options.lease,
  });
  return {
    get url() {
      return `redis://127.0.0.1:${process.port}`;
    },
    get port() {
      return process.port!;
    },
    process,
  };
}

/** Is the Redis on `port` the process `pid`? */
export async function probeRedis({ port, pid }: ProbeTarget): Promise<Probe> {
  const info = await redisCommand(port, ["INFO", "server"]);
  if (info === undefined) return { state: "starting", detail: `no Redis answer on ${port}` };
  const answered = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
  if (answered !== pid) return { state: "foreign", detail: `Redis process ${answered} answers on ${port}, not ${pid}` };
  if (/^loading:1/m.test(info)) return { state: "starting", detail: "Redis is loading its data" };
  return { state: "ready" };
}

/** True when a Redis server answers PING on 127.0.0.1:`port`. */
export async function redisPing(port: number): Promise<boolean> {
  return (await redisCommand(port, ["PING"])) === "PONG";
}

/**
 * Sends one command (RESP) and returns a simple or bulk string reply, or undefined when nothing
 * (or something else than Redis) answers within a second.
 */
export function redisCommand(port: number, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let buffer = Buffer.alloc(0);
    const done = (value: string | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(1_000);
    socket.once("error", () => done(undefined));
    socket.once("timeout", () => done(undefined));
    socket.connect(port, "127.0.0.1", () =>
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`),
    );
    socket.on("data", (d: Buffer) => {
      buffer = Buffer.concat([buffer, d]);
      const text = buffer.toString("utf8");
      const eol = text.indexOf("\r\n");
      if (eol < 0) return;
      if (text[0] === "+") return done(text.slice(1, eol));
      if (text[0] !== "$") return done(undefined);
      const length = Number(text.slice(1, eol));
      const body = buffer.subarray(Buffer.byteLength(text.slice(0, eol + 2)));
      if (length < 0) return done(undefined);
      if (body.length >= length) done(body.subarray(0, length).toString("utf8"));
    });
  });
}

export { httpOk };
