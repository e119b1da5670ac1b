/**
 * GET /v1/routes: per route and token, what a sender needs before sending — read live from the
 * gateways (every value is the chain's own answer at `readAt`), cached for ROUTES_CACHE_MS so a
 * busy page does not turn into an RPC storm. Concurrent reads share one JSON-RPC batch.
 */
import type { Address, PublicClient } from "viem";
import type { ExplorerBucket, ExplorerRoute, ExplorerRoutes, ExplorerRouteToken } from "@portcullis/sdk";
import { Gateway, UNLIMITED_CAPACITY, type RateLimitBucket } from "../core/gateway.js";
import type { Manifest } from "../core/manifest.js";

export interface RouteChain {
  chainId: number;
  name: string;
  gateway: Address;
  client: PublicClient;
}

export type BucketView = ExplorerBucket;
export type RouteTokenView = ExplorerRouteToken;
export type RouteView = ExplorerRoute;
export type RoutesView = ExplorerRoutes;

interface ChainState {
  paused: boolean;
  largeDelay: number;
  deadlineWindow: { min: number; default: number; max: number };
  routes: Map<number, { gateway: string; enabled: boolean }>;
  inboundFastLimit: Map<string, bigint>;
  buckets: Map<string, BucketView>;
}

export class RouteReader {
  private cached?: { at: number; view: Promise<RoutesView> };

  constructor(
    private readonly manifest: Manifest,
    private readonly chains: readonly RouteChain[],
    private readonly cacheMs: number,
  ) {}

  routes(): Promise<RoutesView> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.cacheMs) {
      const view = this.read();
      view.catch(() => {
        if (this.cached?.view === view) this.cached = undefined;
      });
      this.cached = { at: now, view };
    }
    return this.cached.view;
  }

  /** The destination's inbound room for a token now (through the cache). */
  async inboundAvailable(destChainId: number, homeToken: string): Promise<bigint | undefined> {
    const view = await this.routes();
    for (const r of view.routes) {
      if (r.destination.chainId !== destChainId) continue;
      const t = r.tokens.find((x) => x.homeToken.toLowerCase() === homeToken.toLowerCase());
      if (t) return t.inbound.available === null ? UNLIMITED_CAPACITY : BigInt(t.inbound.available);
    }
    return undefined;
  }

  private async read(): Promise<RoutesView> {
    const readAt = Math.floor(Date.now() / 1000);
    const states = new Map<number, ChainState>();
    await Promise.all(this.chains.map(async (c) => states.set(c.chainId, await this.readChain(c))));
    const routes: RouteView[] = [];
    for (const src of this.chains) {
      for (const dst of this.chains) {
        if (src.chainId === dst.chainId) continue;
        const s = states.get(src.chainId)!;
        const d = states.get(dst.chainId)!;
        const tokens = this.manifest.tokens.flatMap((t): RouteTokenView[] => {
          const sourceToken = t.addresses[String(src.chainId)];
          const destinationToken = t.addresses[String(dst.chainId)];
          if (!sourceToken || !destinationToken) return [];
          const home = t.homeToken.toLowerCase();
          return [
            {
              symbol: t.symbol,
              decimals: t.decimals,
              homeToken: t.homeToken,
              sourceToken,
              destinationToken,
              fastLimit: String(d.inboundFastLimit.get(home) ?? 0n),
              inbound: d.buckets.get(`${home}:in`)!,
              outbound: s.buckets.get(`${home}:out`)!,
            },
          ];
        });
        routes.push({
          route: `${src.name}-${dst.name}`,
          source: { chainId: src.chainId, name: src.name, paused: s.paused, enabled: isRoute(s, dst) },
          destination: { chainId: dst.chainId, name: dst.name, paused: d.paused, enabled: isRoute(d, src) },
          largeDelay: d.largeDelay,
          deadlineWindow: s.deadlineWindow,
          tokens,
        });
      }
    }
    return { source: "live", readAt, routes };
  }

  private async readChain(c: RouteChain): Promise<ChainState> {
    const gw = new Gateway(c.gateway, c.client);
    const others = this.chains.filter((o) => o.chainId !== c.chainId);
    const tokens = this.manifest.tokens.filter((t) => t.addresses[String(c.chainId)]);
    const [paused, largeDelay, windows, routes, perToken] = await Promise.all([
      gw.paused(),
      gw.largeDelay(),
      gw.deadlineWindows(),
      Promise.all(others.map((o) => gw.route(o.chainId))),
      Promise.all(
        tokens.map((t) =>
          Promise.all([
            gw.inboundToken(BigInt(t.homeChainId), t.homeToken),
            gw.rateLimit(BigInt(t.homeChainId), t.homeToken, "inbound"),
            gw.availableRateLimit(BigInt(t.homeChainId), t.homeToken, "inbound"),
            gw.rateLimit(BigInt(t.homeChainId), t.homeToken, "outbound"),
            gw.availableRateLimit(BigInt(t.homeChainId), t.homeToken, "outbound"),
          ]),
        ),
      ),
    ]);
    const state: ChainState = {
      paused,
      largeDelay,
      deadlineWindow: { min: windows.minSeconds, default: windows.defaultSeconds, max: windows.maxSeconds },
      routes: new Map(others.map((o, i) => [o.chainId, routes[i]!])),
      inboundFastLimit: new Map(),
      buckets: new Map(),
    };
    tokens.forEach((t, i) => {
      const [inbound, inBucket, inAvailable, outBucket, outAvailable] = perToken[i]!;
      const home = t.homeToken.toLowerCase();
      state.inboundFastLimit.set(home, inbound.fastLimit);
      state.buckets.set(`${home}:in`, bucket(inBucket, inAvailable));
      state.buckets.set(`${home}:out`, bucket(outBucket, outAvailable));
    });
    return state;
  }
}

function isRoute(on: ChainState, remote: RouteChain): boolean {
  const r = on.routes.get(remote.chainId);
  return r !== undefined && r.enabled && r.gateway.toLowerCase() === remote.gateway.toLowerCase();
}

function bucket(b: RateLimitBucket, available: bigint): BucketView {
  const unlimited = b.capacity === UNLIMITED_CAPACITY;
  return {
    capacity: unlimited ? null : String(b.capacity),
    refillPerSecond: String(b.refillPerSecond),
    available: unlimited ? null : String(available),
  };
}
