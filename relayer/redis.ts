/**
 * The relayer's Redis connection: a single node (redis:// or rediss:// for TLS) or a Redis
 * Cluster (REDIS_CLUSTER=true, REDIS_URL = one or more comma-separated seed node URLs).
 *
 * BullMQ requires `maxRetriesPerRequest: null` on connections its workers use: a command issued
 * while Redis is away waits for the reconnect instead of failing the job. ioredis reconnects
 * forever with the backoff below, so a Redis restart is ridden out, not fatal.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";

export type RedisConnection = Redis | Cluster;

/** Reconnect after 100 ms, 200 ms, ... up to 2 s between tries, forever. */
const retryStrategy = (times: number) => Math.min(times * 100, 2_000);

export interface RedisConnectOptions {
  url: string;
  cluster: boolean;
  /** Shown in CLIENT LIST, so an operator can tell relayers apart. */
  connectionName?: string;
}

export function connectRedis(o: RedisConnectOptions): RedisConnection {
  const base: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy,
    connectionName: o.connectionName,
  };
  if (!o.cluster) return new Redis(o.url, base);

  const seeds = o.url.split(",").map((u) => new URL(u.trim()));
  const first = seeds[0]!;
  const tls = first.protocol === "rediss:";
  const options: ClusterOptions = {
    clusterRetryStrategy: retryStrategy,
    // Managed clusters (ElastiCache, Memorystore, Azure) announce node IPs whose TLS
    // certificates name the configuration endpoint: keep the hostname for the handshake.
    dnsLookup: (address, callback) => callback(null, address),
    redisOptions: {
      ...base,
      username: first.username ? decodeURIComponent(first.username) : undefined,
      password: first.password ? decodeURIComponent(first.password) : undefined,
      ...(tls ? { tls: { servername: first.hostname } } : {}),
    },
  };
  return new Cluster(
    seeds.map((u) => ({ host: u.hostname, port: Number(u.port || 6379) })),
    options,
  );
}

/** A URL with its password masked, for logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/(rediss?:\/\/[^:@/]*:)[^@]*@/g, "$1***@");
}
