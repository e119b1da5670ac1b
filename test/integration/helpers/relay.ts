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
