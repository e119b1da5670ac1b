/**
 * Turns at filling a route's batches. The relayers of a route take its jobs one at a time: the
 * relayer whose turn it is waits for the first job and takes what else is waiting (up to what
 * one delivery carries), then passes the turn on. Without turns, K relayers draining a route at
 * once split each source block's messages into K or more batches of any size (1 to 306 were
 * seen at K = 4), and each batch costs the guardians an attestation: at K = 4 those requests
 * made attestations take 0.3–2 s. With turns a block's messages go out in as few deliveries as
 * their gas allows, whichever relayer takes them.
 *
 * The turn is a lease in the relayer store (`<prefix>:relayer:lock:take:<queue>`, e.g.
 * `take:deliver.901-902`; one key, so it works on Redis Cluster), renewed while its holder
 * waits for jobs. It only shapes batches: exactly-once delivery rests on the job locks and the
 * gateway, as before. So a holder that dies costs at most the lease's lifetime before another
 * relayer takes over, and a lease that lapses while its holder is busy (two takers for a moment)
 * only splits a batch. A renewal still in flight at the release cannot outlive it (keepLease).
 *
 * A relayer waiting for the turn does not poll for it: the holder announces each release
 * (`announceRelease`, Redis pub/sub) and the waiters ask again when they hear it, or after
 * `pollMs` in case they missed it or the holder died. Asking every 50 ms instead (each route's
 * K − 1 waiters, 20 asks a second each) was about a sixth of an idle relayer's CPU at K = 4,
 * L = 3, on cores the chains and the guardians share (docs/relayer.md, Performance).
 */
import { sleep } from "../core/service/lifecycle.js";
import { keepLease, type RelayerStore } from "./store.js";

export interface TakeTurnTimings {
  /** The lease's lifetime: how long a dead holder can hold up its route's takes. */
  ttlMs: number;
  /** How often the holder renews it while waiting for jobs. */
  renewMs: number;
  /**
   * How long a relayer waiting for the turn waits for an announced release before asking again
   * (a missed announcement, a holder that died: its lease lapses after `ttlMs`).
   */
  pollMs: number;
  /**
   * How long a relayer that just took a batch stays out of the race, so a waiting peer gets the
   * next turn (the batches of a route spread over its relayers instead of one taking them all).
   */
  yieldMs: number;
}

/** The holder blocks in BullMQ's wait for a job (drainDelay, 2 s) while renewing every 0.5 s. */
export const TAKE_TURN_TIMINGS: TakeTurnTimings = { ttlMs: 2_000, renewMs: 500, pollMs: 500, yieldMs: 100 };

/** The turn while held: end it with `release`, saying whether a batch was taken. */
export interface HeldTurn {
  release(tookBatch: boolean): Promise<void>;
}

export class TakeTurn {
  private readonly name: string;
  private yieldUntil = 0;

  constructor(
    private readonly store: Pick<RelayerStore, "acquireLease" | "releaseLease" | "announceRelease" | "awaitRelease">,
    route: string,
    private readonly holder: string,
    private readonly t: TakeTurnTimings = TAKE_TURN_TIMINGS,
  ) {
    this.name = `take:${route}`;
  }

  /** Waits until this relayer holds the route's turn (throws if `signal` aborts first). */
  async acquire(signal: AbortSignal): Promise<HeldTurn> {
    const yieldMs = this.yieldUntil - Date.now();
    if (yieldMs > 0) await sleep(yieldMs, signal);
    while (!(await this.ask(signal)));
    // A lost lease changes nothing here (see the module comment): no `onLost`.
    const stopRenewing = keepLease(this.store, {
      name: this.name,
      holder: this.holder,
      ttlMs: this.t.ttlMs,
      everyMs: this.t.renewMs,
    });
    let released = false;
    return {
      release: async (tookBatch: boolean) => {
        if (released) return;
        released = true;
        stopRenewing();
        if (tookBatch) this.yieldUntil = Date.now() + this.t.yieldMs;
        await this.store.releaseLease(this.name, this.holder).catch(() => undefined);
        // Not awaited: the batch just taken does not wait for the peers' wake-up.
        this.store.announceRelease(this.name).catch(() => undefined);
      },
    };
  }

  /**
   * Asks for the turn once; refused, waits for an announced release (or `pollMs`) and returns
   * false. Listens before asking, so a release between the refusal and the wait still wakes it.
   */
  private async ask(signal: AbortSignal): Promise<boolean> {
    signal.throwIfAborted();
    const listening = new AbortController();
    const stopListening = () => listening.abort();
    signal.addEventListener("abort", stopListening, { once: true });
    try {
      const released = this.store.awaitRelease(this.name, this.t.pollMs, listening.signal);
      if (await this.store.acquireLease(this.name, this.holder, this.t.ttlMs)) return true;
      await released;
      return false;
    } finally {
      stopListening();
      signal.removeEventListener("abort", stopListening);
    }
  }
}
