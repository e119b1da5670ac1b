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

export interface CliOptions {
  manifestPath: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** A running `bridge` process: its output so far, and its result once it exits. */
export interface RunningCli {
  stdout(): string;
  /** Resolves once `text` appears on stdout (rejects if the process exits first). */
  printed(text: string): Promise<void>;
  finished: Promise<CliRun>;
}

/** Starts `bridge <args>` with `MANIFEST` and `env` set on top of this process' environment. */
export function spawnBridge(args: string[], options: CliOptions): RunningCli {
  const child = spawn(BRIDGE_BIN, args, {
    env: { ...process.env, MANIFEST: options.manifestPath, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const watchers: { text: string; resolve: () => void }[] = [];
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    for (const w of watchers.filter((x) => stdout.includes(x.text))) {
      watchers.splice(watchers.indexOf(w), 1);
      w.resolve();
    }
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 180_000);
  const finished = new Promise<CliRun>((done, fail) => {
    child.once("error", fail);
    child.once("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
  return {
    stdout: () => stdout,
    printed: (text) =>
      stdout.includes(text)
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            watchers.push({ text, resolve });
            void finished.then((run) =>
              reject(
                new Error(
                  `bridge ${args.join(" ")} exited (${run.code}) before printing "${text}":\n${run.stdout}${run.stderr}`,
                ),
              ),
            );
          }),
    finished,
  };
}

/** `bridge <args>` with `MANIFEST` and `env` set on top of this process' environment, to its exit. */
export function runBridge(args: string[], options: CliOptions): Promise<CliRun> {
  return spawnBridge(args, options).finished;
}
