/**
 * A held lease (see store.ts), renewed in the background every third of its TTL. `held` turns
 * false as soon as a renewal finds another holder, or when Redis has been unreachable for a
 * whole TTL (the key has expired by then, so someone else may hold it).
 */
import type { Logger } from "../core/service/logger.js";
import type { RelayerStore } from "./store.js";

export class Lease {
  private lastRenewed = Date.now();
  private timer?: NodeJS.Timeout;
  private lost = false;

  private constructor(
    private readonly store: RelayerStore,
    readonly name: string,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** Takes the lease if free (or already ours) and starts renewing it; undefined if taken. */
  static async acquire(
    store: RelayerStore,
    name: string,
    holder: string,
    ttlMs: number,
    logger: Logger,
  ): Promise<Lease | undefined> {
    if (!(await store.acquireLease(name, holder, ttlMs))) return undefined;
    return new Lease(store, name, holder, ttlMs, logger).start();
  }

  get held(): boolean {
    return !this.lost && Date.now() - this.lastRenewed < this.ttlMs;
  }

  private start(): this {
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
    return this;
  }

  /** Renews now; the fencing check before sending a transaction. */
  async renew(): Promise<boolean> {
    if (this.lost) return false;
    try {
      if (await this.store.acquireLease(this.name, this.holder, this.ttlMs)) this.lastRenewed = Date.now();
      else {
        this.lost = true;
        this.logger.warn({ lease: this.name }, "lease taken over by another relayer");
      }
    } catch (e) {
      this.logger.warn({ lease: this.name, err: (e as Error).message }, "could not renew lease");
    }
    return this.held;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (!this.lost) await this.store.releaseLease(this.name, this.holder).catch(() => undefined);
    this.lost = true;
  }
}
