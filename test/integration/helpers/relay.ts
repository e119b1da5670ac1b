/**
 * Guardian and relayer processes on a devnet started without services, and the exactly-once
 * check of the relayer tests: every message executed, none twice (MessageExecuted counted per
 * msgId on the destination gateway). Shared by the relayer and Redis Cluster integration tests.
 */
import { join } from "node:path";
import { expect } from "vitest";
import { getAbiItem, type Address, type Hex, type PublicClient } from "viem";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { waitFor, type ManagedProcess } from "../../../devnet/processes.js";
import type { Devnet } from "../../../devnet/start.js";
import { connectRedis } from "../../../relayer/redis.js";
import { RedisStore } from "../../../relayer/store.js";

const MESSAGE_EXECUTED = getAbiItem({ abi: bridgeGatewayAbi, name: "MessageExecuted" });

/**
 * Generous: five `node --import tsx` services starting at once on two shared cores can take
 * over a minute to load.
 */
const START_TIMEOUT_MS = 240_000;

/**
 * Guardian `i` as the devnet runs it (its key, its reserved port), data under `dir`, with `env`
 * on top. Resolves once its own /healthz answers (a port taken meanwhile is replaced).
 */
export function startGuardian(
  devnet: Devnet,
  dir: string,
  i: number,
  env: Record<string, string>,
): Promise<ManagedProcess> {
  const service = devnet.guardianService(i);
  return devnet.startService({
    ...service,
    env: { ...service.env, DATA_DIR: join(dir, `guardian-${i}`), ...env },
    startTimeoutMs: START_TIMEOUT_MS,
  });
}

/** Relayer `i` with the manifest's dev relayer key `i`, with `env` on top (e.g. another REDIS_URL). */
export function startRelayer(devnet: Devnet, i: number, env: Record<string, string>): Promise<ManagedProcess> {
  const service = devnet.relayerService(i);
  return devnet.startService({ ...service, env: { ...service.env, ...env }, startTimeoutMs: START_TIMEOUT_MS });
}

/** MessageExecuted events per msgId (lower case) on a gateway, from block 0. */
export async function executions(client: PublicClient, gateway: Address): Promise<Map<string, number>> {
  const logs = await client.getLogs({ address: gateway, event: MESSAGE_EXECUTED, fromBlock: 0n });
  const counts = new Map<string, number>();
  for (const l of logs) counts.set(l.args.msgId!.toLowerCase(), (counts.get(l.args.msgId!.toLowerCase()) ?? 0) + 1);
  return counts;
}

/** Waits until each of `msgIds` has a MessageExecuted on the gateway, then asserts exactly one each. */
export async function waitForExecutedOnce(
  client: PublicClient,
  gateway: Address,
  msgIds: readonly Hex[],
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  await waitFor(
    `${msgIds.length} messages executed on ${what}`,
    async () => {
      const counts = await executions(client, gateway);
      return msgIds.every((id) => counts.has(id.toLowerCase()));
    },
    timeoutMs,
    250,
  );
  // One more block, so a duplicate execution racing in would be visible.
  await new Promise((r) => setTimeout(r, 1_200));
  const counts = await executions(client, gateway);
  for (const id of msgIds) expect(counts.get(id.toLowerCase()), `MessageExecuted(${id}) on ${what}`).toBe(1);
}

/** Sum of one metric series (exact name and labels as exposed) over the running processes. */
export async function metricSum(processes: readonly ManagedProcess[], series: string): Promise<number> {
  let total = 0;
  for (const p of processes.filter((x) => x.running)) {
    const text = await fetch(`${p.url}/metrics`).then(
      (res) => res.text(),
      () => "",
    );
    for (const line of text.split("\n")) {
      if (line.startsWith(`${series} `)) total += Number(line.slice(series.length + 1));
    }
  }
  return total;
}

/**
 * Two relayers' stores on the Redis at `url` (a cluster with `cluster`): a release one of them
 * announces wakes the other's wait at once, long before the wait would run out; an
 * announcement of another lease does not.
 */
export async function expectReleaseAnnounced(url: string, cluster: boolean, prefix: string): Promise<void> {
  const connections = [0, 1].map(() => connectRedis({ url, cluster }));
  const [a, b] = connections.map((c) => new RedisStore(c, prefix)) as [RedisStore, RedisStore];
  const outcome = (p: Promise<void>, ms: number) =>
    Promise.race([p.then(() => "woken"), new Promise((r) => setTimeout(() => r("still waiting"), ms))]);
  try {
    const signal = new AbortController().signal;
    await b.listen();
    const other = b.awaitRelease("take:deliver.1-2", 60_000, signal);
    await a.announceRelease("take:deliver.2-1");
    expect(await outcome(other, 500)).toBe("still waiting");
    await a.announceRelease("take:deliver.1-2");
    expect(await outcome(other, 10_000)).toBe("woken");
  } finally {
    await Promise.all([a.close(), b.close()]);
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

/**
 * A listed group's signatures written by one relayer's store are read whole by another's, each
 * field the latest written for its guardian, and expire after their time to live.
 */
export async function expectListingSignaturesShared(url: string, cluster: boolean, prefix: string): Promise<void> {
  const connections = [0, 1].map(() => connectRedis({ url, cluster }));
  const [a, b] = connections.map((c) => new RedisStore(c, prefix)) as [RedisStore, RedisStore];
  try {
    const group = `0x${"ab".repeat(32)}:902:0x${"cd".repeat(20)}`;
    await a.addListingSignature(group, "0x01", "3:0xaa", 60_000);
    await a.addListingSignature(group, "0x02", "3:0xbb", 60_000);
    await b.addListingSignature(group, "0x01", "4:0xcc", 60_000);
    expect(await b.getListingSignatures(group)).toEqual({ "0x01": "4:0xcc", "0x02": "3:0xbb" });
    expect(await a.getListingSignatures(`${group}0`)).toEqual({});
    await a.addListingSignature(group, "0x03", "3:0xdd", 50);
    await new Promise((r) => setTimeout(r, 200));
    expect(await b.getListingSignatures(group)).toEqual({});
  } finally {
    await Promise.all([a.close(), b.close()]);
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
