/**
 * Delivery jobs are groups: one job per source block and route, its messages in batch order, its
 * id the Merkle root of their ids (so the feed and the observer adding the same block make the
 * same job, and a group of one is its msgId).
 */
import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import type { Hex } from "viem";
import { MAX_ATTEST_BATCH } from "../../../core/guardian-api.js";
import { merkleRoot } from "../../../core/merkle.js";
import { messageFromJson } from "../../../core/message.js";
import { deliveryGroups, groupId, JobScheduler, type ObservedMessage } from "../../../relayer/jobs.js";
import { RelayerMetrics } from "../../../relayer/metrics.js";
import { jobMessages, type DeliverJobData, type RelayerQueues } from "../../../relayer/queues.js";
import { silentLogger, testMessage, TOKEN_B } from "./fixtures.js";

const observed = (
  nonce: bigint,
  sourceBlock: bigint,
  over: Parameters<typeof testMessage>[0] = {},
): ObservedMessage => ({
  ...testMessage({ nonce, ...over }),
  sourceBlock,
});

describe("delivery groups", () => {
  it("test_groupId_ofOneMessage_isItsMsgId_ofSeveral_theirRoot_succeeds", () => {
    const [a, b] = [observed(1n, 5n), observed(2n, 5n)];
    expect(groupId([a!.msgId])).toBe(a!.msgId.toLowerCase());
    expect(groupId([a!.msgId, b!.msgId])).toBe(merkleRoot([a!.msgId, b!.msgId]).toLowerCase());
    // Other members, another job: a block's group and a part of it are not confused.
    expect(groupId([a!.msgId, b!.msgId])).not.toBe(groupId([a!.msgId]));
  });

  it("test_deliveryGroups_perSourceBlock_inBatchOrder_succeeds", () => {
    const items = [observed(3n, 7n, { token: TOKEN_B }), observed(9n, 8n), observed(2n, 7n), observed(1n, 7n)];
    const groups = deliveryGroups(items);
    expect(groups.map((g) => g.members.map((i) => [i.sourceBlock, i.message.nonce]))).toEqual([
      [
        [7n, 1n],
        [7n, 2n],
        [7n, 3n],
      ],
      [[8n, 9n]],
    ]);
  });

  it("test_deliveryGroups_blockLargerThanAnAttestation_split_succeeds", () => {
    const items = Array.from({ length: MAX_ATTEST_BATCH + 3 }, (_, i) => observed(BigInt(i), 7n));
    expect(deliveryGroups(items).map((g) => g.members.length)).toEqual([MAX_ATTEST_BATCH, 3]);
  });
});

describe("JobScheduler.addDeliveries", () => {
  it("test_addDeliveries_oneJobPerBlockAndRoute_idIsTheGroupsRoot_succeeds", async () => {
    const bulks = new Map<string, { name: string; data: DeliverJobData; opts: { jobId?: string } }[]>();
    const queueOf = (route: string) => ({
      addBulk: async (jobs: { name: string; data: DeliverJobData; opts: { jobId?: string } }[]) =>
        void bulks.set(route, [...(bulks.get(route) ?? []), ...jobs]),
    });
    const queues = {
      deliverQueue: (src: bigint, dst: bigint) => queueOf(`${src}-${dst}`),
    } as unknown as RelayerQueues;
    const scheduler = new JobScheduler(queues, new RelayerMetrics(new Registry()), silentLogger(), "test");
    const paid = { ...observed(2n, 7n), payment: { fee: 5n, quote: 4n } };
    const items = [observed(1n, 7n), paid, observed(3n, 8n), observed(4n, 7n, { destChainId: 903n })];
    await scheduler.addDeliveries(deliveryGroups(items));

    expect([...bulks.keys()].sort()).toEqual(["901-902", "901-903"]);
    const jobs = bulks.get("901-902")!;
    expect(jobs).toHaveLength(2);
    const [block7, block8] = jobs;
    const ids7 = jobMessages(block7!.data).map((m) => m.msgId);
    expect(ids7).toEqual([items[0]!.msgId, paid.msgId]);
    expect(block7!.opts.jobId).toBe(groupId(ids7 as Hex[]));
    expect(block7!.data.sourceBlock).toBe("7");
    expect(block7!.data.messages![1]!.payment).toEqual({ fee: "5", quote: "4" });
    expect(block7!.data.messages![0]!.payment).toBeUndefined();
    expect(messageFromJson(block7!.data.messages![0]!.message)).toEqual(items[0]!.message);
    // A group of one is keyed by its msgId, as a job of one message always was.
    expect(block8!.opts.jobId).toBe(items[2]!.msgId.toLowerCase());
  });
});
