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
import { reservePort } from "./ports.js";
import { waitFor, type ManagedProcess, type ProcessGroup } from "./processes.js";

const run = promisify(execFile);

export interface RedisCluster {
  /** Comma-separated seed URLs: the value of REDIS_URL with REDIS_CLUSTER=true. */
  url: string;
  ports: number[];
  /** Each node's cluster bus port (`--cluster-port`), reserved from the allocator like `ports`. */
  busPorts: number[];
  nodes: ManagedProcess[];
  /** Stops the nodes and gives their bus ports back (their client ports go with the processes). */
  stop(): Promise<void>;
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
  // A cluster node also listens on a bus port, by default its port + 10,000: outside the
  // allocator's reach, where a concurrent devnet's ports may be (a fresh-clone CI run lost a
  // node to "address in use" on five ports in a row). The bus port is reserved from the allocator.
  const busLeases = await Promise.all(Array.from({ length: masters }, () => reservePort()));
  const release = () => busLeases.forEach((l) => l.release());
  let nodes: Awaited<ReturnType<typeof startRedis>>[];
  try {
    nodes = await Promise.all(
      busLeases.map((bus, i) => {
        const nodeDir = join(dir, `redis-cluster-${i}`);
        mkdirSync(nodeDir, { recursive: true });
        return startRedis(group, {
          name: `redis-cluster-${i}`,
          args: [
            ...["--dir", nodeDir, "--cluster-enabled", "yes", "--cluster-port", String(bus.port)],
            ...["--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"],
          ],
        });
      }),
    );
  } catch (e) {
    release();
    throw e;
  }
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
  const processes = nodes.map((n) => n.process);
  return {
    url: ports.map((p) => `redis://127.0.0.1:${p}`).join(","),
    ports,
    busPorts: busLeases.map((l) => l.port),
    nodes: processes,
    stop: async () => {
      await Promise.all(processes.map((p) => p.dispose()));
      release();
    },
  };
}
