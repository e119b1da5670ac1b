/**
 * The devnet's infrastructure: local chains (anvil from the npm registry) and Redis, all bound
 * to 127.0.0.1, nothing persisted.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort, httpOk, waitFor, type ManagedProcess, type ProcessGroup } from "./processes.js";

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
}

export async function startAnvil(group: ProcessGroup, o: AnvilOptions): Promise<ChainProcess> {
  const port = await freePort();
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(o.chainId)];
  // Starts in automine (a block per transaction) so deployment is fast; `setBlockTime` then
  // switches to interval mining like a real L2.
  args.push("--accounts", String(o.accounts ?? 20), "--silent");
  const process = group.start({ name: `chain-${o.name}`, command: anvilBinary(), args });
  const rpcUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${o.name} JSON-RPC at ${rpcUrl}`, async () => {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    return res.ok;
  });
  return { name: o.name, chainId: o.chainId, rpcUrl, process };
}

export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(5_000),
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

/** Starts `redis-server` on a free port with persistence off (unless `persistDir` is given). */
export async function startRedis(group: ProcessGroup, port?: number, persistDir?: string): Promise<RedisProcess> {
  const binary = redisBinary();
  const p = port ?? (await freePort());
  const args = ["--port", String(p), "--bind", "127.0.0.1", "--protected-mode", "no"];
  if (persistDir) args.push("--dir", persistDir, "--appendonly", "yes", "--save", "");
  else args.push("--save", "", "--appendonly", "no");
  const process = group.start({ name: `redis-${p}`, command: binary, args });
  const url = `redis://127.0.0.1:${p}`;
  await waitFor(`redis at ${url}`, () => redisPing(p));
  return { url, port: p, process };
}

/** True when a Redis server answers PING on 127.0.0.1:`port`. */
export async function redisPing(port: number): Promise<boolean> {
  const { Socket } = await import("node:net");
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1_000);
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (d) => {
      socket.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
  });
}

export { httpOk };
