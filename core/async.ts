/**
 * Small async helpers shared by the services (bounded concurrency, counted slots, wake-ups, work
 * left running in the background).
 */

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * `size` slots; `acquire` waits for a free one (first come, first served) and resolves with a
 * function that frees it (calling it twice frees it once). An aborted wait rejects with the
 * signal's reason and takes no slot.
 */
export class Semaphore {
  private used = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`a semaphore needs at least one slot, not ${size}`);
  }

  /** Slots taken now. */
  get inUse(): number {
    return this.used;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.used < this.size && this.queue.length === 0) {
      this.used++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", abort);
        resolve();
      };
      const abort = () => {
        const i = this.queue.indexOf(grant);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal!.reason);
      };
      this.queue.push(grant);
      signal?.addEventListener("abort", abort, { once: true });
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The slot passes straight to the next waiter, so `used` stays as it is.
      if (next) next();
      else this.used--;
    };
  }
}

/**
 * Waits for the next wake-up: resolves when the owner of `waiters` calls what this adds to it
 * (each of its waiters, when something changed), after `ms`, or when `signal` aborts, whichever
 * comes first, and removes itself from `waiters` either way.
 */
export function nextWake(waiters: Set<() => void>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    waiters.add(done);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Work a loop starts and goes on without waiting for (a delivery in flight, a hand-over to the
 * queue, a signing after a listing), kept until it ends so that whoever stops the loop can wait
 * for all of it: a service stopping must not leave such work half done behind its back.
 * The work handles its own failures: a rejection is not caught here.
 */
export class PendingWork {
  private readonly running = new Set<Promise<void>>();

  /** How many are still running. */
  get size(): number {
    return this.running.size;
  }

  /** Keeps `work` until it ends. */
  track(work: Promise<void>): void {
    const kept: Promise<void> = work.finally(() => this.running.delete(kept));
    this.running.add(kept);
  }

  /** Resolves once everything tracked so far, and everything it tracked meanwhile, has ended. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
