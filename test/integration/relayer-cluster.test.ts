/**
 * Relayers on a real Redis Cluster: three masters on 127.0.0.1 (`redis-server --cluster-enabled
 * yes` ×3 joined by `redis-cli --cluster create`, devnet/redis-cluster.ts), three anvil L2s with
 * the bridge, the real guardian services (three, threshold two) and two relayer processes with
 * REDIS_CLUSTER=true and a {hash-tag} queue prefix. Transfers flow on every route while one
 * relayer is killed and restarted; each is executed exactly once (MessageExecuted counted per
 * msgId on the destination gateways).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { messageId } from "../../core/message.js";
import { redisCommand } from "../../devnet/infra.js";
import { ProcessGroup, type ManagedProcess } from "../../devnet/processes.js";
import { startRedisCluster, type RedisCluster } from "../../devnet/redis-cluster.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { chainOf, sendTransfer, type Chain } from "./helpers/actors.js";
import {
  expectListingSignaturesShared,
  expectReleaseAnnounced,
  startGuardian,
  startRelayer,
  waitForExecutedOnce,
} from "./helpers/relay.js";

let dir: string;
let clusterDir: string;
let clusterGroup: ProcessGroup;
let cluster: RedisCluster;
let devnet: Devnet;
const relayers: ManagedProcess[] = [];
const chains = new Map<string, Chain>();

const RELAYER_ENV = {
  REDIS_CLUSTER: "true",
  QUEUE_PREFIX: "{portcullis}",
  POLL_INTERVAL_MS: "250",
  LOCK_TTL_MS: "3000",
  RETRY_BASE_MS: "500",
  RETRY_MAX_MS: "3000",
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-relayer-cluster-"));
  clusterDir = mkdtempSync(join(tmpdir(), "portcullis-redis-cluster-"));
  clusterGroup = new ProcessGroup(join(clusterDir, "logs"));
  cluster = await startRedisCluster(clusterGroup, clusterDir);
  devnet = await startDevnet({ services: false, dir, l2Count: 3, redisUrl: cluster.url });
  for (const name of ["l2a", "l2b", "l2c"]) chains.set(name, chainOf(devnet.manifest, name));
  // Each resolves once the service's own /healthz answers (a port taken meanwhile is replaced).
  const started = await Promise.all([
    ...devnet.manifest.devKeys!.guardians.map((_, i) =>
      startGuardian(devnet, dir, i, { APPROVAL_ABOVE: "1000000", POLL_INTERVAL_MS: "250" }),
    ),
    ...[0, 1].map((i) => startRelayer(devnet, i, { ...RELAYER_ENV, REDIS_URL: cluster.url })),
  ]);
  relayers.push(...started.slice(-2));
});

afterAll(async () => {
  await devnet?.stop();
  await cluster?.stop();
  await clusterGroup?.stopAll();
  if (!process.env.PORTCULLIS_KEEP_LOGS) {
    for (const d of [dir, clusterDir]) if (d) rmSync(d, { recursive: true, force: true });
  }
});

/** User `u` sends `amount` of `symbol` from → to (to itself); resolves with the message id. */
async function send(u: number, from: string, to: string, symbol: string, amount: string): Promise<Hex> {
  const key = devnet.manifest.devKeys!.users[u]! as Hex;
  const { message } = await sendTransfer(devnet.manifest, chains.get(from)!, chains.get(to)!, symbol, amount, key);
  return messageId(message);
}

/** Sends one after another: a gas estimate made beside another pending send can come out short. */
async function sendAll(transfers: Parameters<typeof send>[]): Promise<Hex[]> {
  const ids: Hex[] = [];
  for (const t of transfers) ids.push(await send(...t));
  return ids;
}

function executedOnce(dest: string, ids: Hex[]) {
  const c = chains.get(dest)!;
  return waitForExecutedOnce(c.client, c.info.gateway, ids, dest);
}

describe("relayers on a Redis Cluster", () => {
  it("deliver on every route exactly once while a relayer is killed and restarted", async () => {
    expect(cluster.ports).toHaveLength(3);
    // Every node's cluster bus listens on the port reserved for it, not on its port + 10,000
    // (outside the allocator: another devnet's ports there once stopped a node from starting).
    for (const [i, port] of cluster.ports.entries()) {
      const nodes = await redisCommand(port, ["CLUSTER", "NODES"]);
      const myself = nodes?.split("\n").find((line) => line.includes("myself"));
      expect(myself).toContain(`127.0.0.1:${port}@${cluster.busPorts[i]}`);
    }
    // Routes out of l2a and l2b (their home tokens); users 4 and 5 also fund themselves on l2c.
    const first = await sendAll([
      [0, "l2a", "l2b", "ALPHA", "3"],
      [1, "l2b", "l2a", "BETA", "4"],
      [2, "l2b", "l2c", "BETA", "5"],
      [4, "l2a", "l2c", "ALPHA", "50"],
      [5, "l2b", "l2c", "BETA", "50"],
    ]);
    // Mid-run: a relayer dies with whatever it held and comes back while the others go on.
    await relayers[0]!.kill();
    const restarted = relayers[0]!.start();
    const second = await sendAll([
      [3, "l2a", "l2b", "ALPHA", "6"],
      [0, "l2a", "l2c", "ALPHA", "7"],
    ]);
    await Promise.all([
      executedOnce("l2b", [first[0]!, second[0]!]),
      executedOnce("l2a", [first[1]!]),
      executedOnce("l2c", [first[2]!, first[3]!, first[4]!, second[1]!]),
    ]);
    await restarted;

    // The routes out of l2c, with the tokens bridged there above (bridged → home, bridged → bridged).
    const third = await sendAll([
      [4, "l2c", "l2a", "ALPHA", "20"],
      [5, "l2c", "l2b", "BETA", "20"],
    ]);
    const fourth = await sendAll([
      [4, "l2c", "l2b", "ALPHA", "10"],
      [5, "l2c", "l2a", "BETA", "10"],
    ]);
    await Promise.all([executedOnce("l2a", [third[0]!, fourth[1]!]), executedOnce("l2b", [third[1]!, fourth[0]!])]);
  });

  it("wakes relayers waiting for a route's turn when its holder announces the release", async () => {
    await expectReleaseAnnounced(cluster.url, true, "{release-test}");
  });

  it("shares listed groups' signatures between relayers through Redis", async () => {
    await expectListingSignaturesShared(cluster.url, true, "{release-test}");
  });
});
