/**
 * What the index says about each gateway's configuration right now: paused or not, the
 * large-transfer delay, fast limits, rate-limit buckets, routes, tokens and the current guardian
 * set — folded from its indexed admin events (the constructor and every setter emit one). Cached
 * per chain and dropped whenever a page or rollback of that chain touches an admin event.
 */
import type { Address } from "viem";
import { tokenKey } from "../core/message.js";
import type { ExplorerStorage } from "./storage/storage.js";

/** Gateway events that change its configuration (as opposed to a message's lifecycle). */
export const ADMIN_EVENTS = [
  "Paused",
  "Unpaused",
  "LargeDelaySet",
  "FastLimitSet",
  "RateLimitSet",
  "DeadlineWindowsSet",
  "GuardianSetChanged",
  "RouteSet",
  "TokenRegistered",
  "EscapeInitialized",
] as const;

/** Most admin events folded per chain (a gateway has a handful per token and route). */
const MAX_ADMIN_EVENTS = 10_000;

export interface GatewayFacts {
  paused: boolean;
  /** Block and time of the last Paused/Unpaused, if any. */
  pausedChangedAt?: { blockNumber: number; time: number };
  largeDelay?: number;
  deadlineWindows?: { min: number; default: number; max: number };
  /** Token identity `<home chain id>:<home address lowercase>` (core/message.ts `tokenKey`) → largest fast amount. */
  fastLimits: Map<string, bigint>;
  /** "<token identity>:<Inbound|Outbound>" → bucket parameters. */
  rateLimits: Map<string, { capacity: bigint; refillPerSecond: bigint }>;
  /** Remote chain id → gateway and whether enabled. */
  routes: Map<number, { gateway: string; enabled: boolean }>;
  guardianSet?: { index: number; guardians: string[]; threshold: number };
}

/** The `tokenKey` of an indexed limit event's (homeChainId, homeToken). */
function identityKey(a: Record<string, unknown>): string {
  return tokenKey({ tokenChainId: BigInt(String(a.homeChainId)), token: String(a.homeToken) as Address });
}

export class FactsCache {
  private readonly cache = new Map<number, Promise<GatewayFacts>>();

  constructor(private readonly storage: ExplorerStorage) {}

  get(chainId: number): Promise<GatewayFacts> {
    let facts = this.cache.get(chainId);
    if (!facts) {
      facts = this.load(chainId);
      this.cache.set(chainId, facts);
      facts.catch(() => this.cache.delete(chainId));
    }
    return facts;
  }

  invalidate(chainId: number): void {
    this.cache.delete(chainId);
  }

  private async load(chainId: number): Promise<GatewayFacts> {
    const newestFirst = await this.storage.events({ chainId, names: [...ADMIN_EVENTS] }, undefined, MAX_ADMIN_EVENTS);
    const facts: GatewayFacts = { paused: false, fastLimits: new Map(), rateLimits: new Map(), routes: new Map() };
    for (const e of newestFirst.reverse()) {
      const a = e.args;
      switch (e.name) {
        case "Paused":
        case "Unpaused":
          facts.paused = e.name === "Paused";
          facts.pausedChangedAt = { blockNumber: e.blockNumber, time: e.time };
          break;
        case "LargeDelaySet":
          facts.largeDelay = Number(a.largeDelay);
          break;
        case "DeadlineWindowsSet":
          facts.deadlineWindows = {
            min: Number(a.minWindow),
            default: Number(a.defaultWindow),
            max: Number(a.maxWindow),
          };
          break;
        case "FastLimitSet":
          facts.fastLimits.set(identityKey(a), BigInt(String(a.fastLimit)));
          break;
        case "RateLimitSet":
          facts.rateLimits.set(`${identityKey(a)}:${Number(a.direction) === 0 ? "Inbound" : "Outbound"}`, {
            capacity: BigInt(String(a.capacity)),
            refillPerSecond: BigInt(String(a.refillPerSecond)),
          });
          break;
        case "RouteSet":
          facts.routes.set(Number(a.chainId), { gateway: String(a.gateway), enabled: Boolean(a.enabled) });
          break;
        case "GuardianSetChanged":
          facts.guardianSet = {
            index: Number(a.index),
            guardians: (a.guardians as string[]).map(String),
            threshold: Number(a.threshold),
          };
          break;
        default:
          break;
      }
    }
    return facts;
  }
}
