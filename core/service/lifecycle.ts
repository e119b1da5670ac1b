/**
 * Process entry helper: runs a service's `main` with an AbortSignal that fires on SIGINT/SIGTERM,
 * reports configuration errors in one readable block and exits non-zero on failure. A service
 * that has not stopped `SHUTDOWN_DEADLINE_MS` after the signal exits anyway (status 1, saying
 * so): an orderly stop that needs a dependency which is gone never ends. A relayer stopped with
 * its Redis (Ctrl-C on the devnet reaches every process of the terminal at once) waited forever
 * for its queues to close; the devnet then stopped it with SIGKILL only if it got that far.
 */
import { setTimeout as delay } from "node:timers/promises";
import { ConfigError } from "./config.js";
import { nameService } from "./http.js";
import { ManifestError } from "../manifest.js";

/**
 * Longest a service may take to stop after SIGINT/SIGTERM: more than an orderly stop takes (a
 * relayer settling the batches it has in flight: seconds), less than the grace a supervisor
 * gives before SIGKILL (Kubernetes: 30 s).
 */
export const SHUTDOWN_DEADLINE_MS = 20_000;

export function runService(
  name: string,
  main: (signal: AbortSignal) => Promise<void>,
  o: { shutdownDeadlineMs?: number } = {},
): void {
  nameService(name);
  const controller = new AbortController();
  const deadlineMs = o.shutdownDeadlineMs ?? SHUTDOWN_DEADLINE_MS;
  const stop = () => {
    if (controller.signal.aborted) return;
    controller.abort();
    setTimeout(() => {
      process.stderr.write(`${name}: did not stop within ${deadlineMs} ms of the signal; exiting anyway\n`);
      process.exit(1);
    }, deadlineMs);
  };
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

/**
 * Sleeps `ms`, waking early (without error) when `signal` aborts. Built on `node:timers/promises`,
 * which removes its abort listener when the timer fires: service loops call this thousands of
 * times with one long-lived signal, and a listener left behind per call would pile up on it.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (e) {
    if ((e as Error).name !== "AbortError") throw e;
  }
}
