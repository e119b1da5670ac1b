/**
 * Runs the real `bridge` CLI (node_modules/.bin/bridge, the package's bin) against a devnet, as
 * a user would from a shell: a child process with its own environment, output captured, killed
 * if it outlives the timeout. Shared by every integration test that drives the CLI.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";

export const BRIDGE_BIN = resolve("node_modules/.bin/bridge");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `bridge <args>` with `MANIFEST` and `env` set on top of this process' environment. */
export function runBridge(
  args: string[],
  options: { manifestPath: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(BRIDGE_BIN, args, {
      env: { ...process.env, MANIFEST: options.manifestPath, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 180_000);
    child.once("error", fail);
    child.once("exit", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
