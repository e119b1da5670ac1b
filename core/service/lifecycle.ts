/**
 * Process entry helper: runs a service's `main` with an AbortSignal that fires on SIGINT/SIGTERM,
 * reports configuration errors in one readable block and exits non-zero on failure.
 */
import { ConfigError } from "./config.js";
import { nameService } from "./http.js";
import { ManifestError } from "../manifest.js";

export function runService(name: string, main: (signal: AbortSignal) => Promise<void>): void {
  nameService(name);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  main(controller.signal).then(
    () => process.exit(0),
    (e: unknown) => {
      if (e instanceof ConfigError || e instanceof ManifestError) {
        process.stderr.write(`${e.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`${name}: fatal: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}

/** Resolves when `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Sleeps `ms`, waking early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
