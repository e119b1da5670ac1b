/**
 * A real Redis Cluster on 127.0.0.1: `masters` × `redis-server --cluster-enabled yes` in their
 * own directories, joined with `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`,
 * and ready once every node reports `cluster_state:ok`. Persistence is off, as for the devnet's
 * single Redis. The relayer's Redis Cluster test starts one; anyone can point relayers at it with
 * `REDIS_CLUSTER=true REDIS_URL=<url> QUEUE_PREFIX={portcullis}`.
 */
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { redisBinary, startRedis } from "./infra.js";
import { waitFor, type ManagedProcess, type ProcessGroup } from "./processes.js";

const run = promisify(execFile);

export interface RedisCluster {
  /** Comma-separated seed URLs: the value of REDIS_URL with REDIS_CLUSTER=true. */
  url: string;
  ports: number[];
  nodes: ManagedProcess[];
}

/** `redis-cli`, installed with redis-server (Debian's `redis-tools`). */
function redisCli(): string {
  return join(redisBinary(), "..", "redis-cli");
}

/** Starts the nodes, creates the cluster (all 16,384 slots over the masters) and waits for it. */
export async function startRedisCluster(group: ProcessGroup, dir: string, masters = 3): Promise<RedisCluster> {
  if (masters < 3) throw new Error("a Redis Cluster needs at least three masters");
  // Each node is a redis-server started like the devnet's (a port from the allocator, up once
  // the Redis answering there is this process), with cluster mode on and its own directory.
  const nodes = await Promise.all(
    Array.from({ length: masters }, async (_, i) => {
      const nodeDir = join(dir, `redis-cluster-${i}`);
      mkdirSync(nodeDir, { recursive: true });
      return startRedis(group, {
        name: `redis-cluster-${i}`,
        args: [
          ...["--dir", nodeDir, "--cluster-enabled", "yes"],
          ...["--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"],
        ],
      });
    }),
  );
  const ports = nodes.map((n) => n.port);
  await run(
    redisCli(),
    ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"],
    { timeout: 60_000 },
  );
  await waitFor(
    "the redis cluster to be ok on every node",
    async () => {
      const infos = await Promise.all(
        ports.map((p) => run(redisCli(), ["-p", String(p), "cluster", "info"], { timeout: 5_000 })),
      );
      return infos.every((i) => i.stdout.includes("cluster_state:ok"));
    },
    60_000,
    200,
  );
  return { url: ports.map((p) => `redis://127.0.0.1:${p}`).join(","), ports, nodes: nodes.map((n) => n.process) };
}
