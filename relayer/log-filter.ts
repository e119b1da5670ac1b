/**
 * Keeps an outage readable: the same error from the same source is logged once per interval
 * (a down RPC or Redis would otherwise log every poll, per chain and per route).
 */
export class RepeatFilter {
  private readonly last = new Map<string, number>();

  constructor(private readonly intervalMs = 30_000) {}

  /** True when `source` + `message` was not logged within the interval (and records it now). */
  shouldLog(source: string, message: string, now = Date.now()): boolean {
    const key = `${source}|${message}`;
    if (now - (this.last.get(key) ?? -Infinity) < this.intervalMs) return false;
    this.last.set(key, now);
    if (this.last.size > 1_000) this.last.clear();
    return true;
  }
}
