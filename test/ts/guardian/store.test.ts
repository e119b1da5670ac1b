/**
 * The store's conflict rule (first id per (source chain, nonce) wins, forever, even under
 * concurrent claims) for both implementations, and the file store's durability: reopening,
 * torn last lines, corruption, and the DATA_DIR lock.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { keccak256, stringToHex, type Hex } from "viem";
import { FileGuardianStore, JOURNAL_FILE, LOCK_FILE, StoreError } from "../../../guardian/file-store.js";
import { InMemoryGuardianStore, type GuardianStore } from "../../../guardian/store.js";

const id = (label: string): Hex => keccak256(stringToHex(label));
const A = id("message a");
const B = id("message b");

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "guardian-store-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const implementations: [string, () => Promise<GuardianStore>][] = [
  ["InMemoryGuardianStore", async () => new InMemoryGuardianStore()],
  ["FileGuardianStore", () => FileGuardianStore.open(tempDir())],
];

describe.each(implementations)("%s", (_name, open) => {
  it("test_claim_firstIdWins_succeeds: a different id for the same nonce gets the first one back", async () => {
    const store = await open();
    expect(await store.claimOf(901n, 5n)).toBeUndefined();
    expect(await store.claim(901n, 5n, A)).toBe(A);
    expect(await store.claim(901n, 5n, A)).toBe(A);
    expect(await store.claim(901n, 5n, B)).toBe(A);
    expect(await store.claimOf(901n, 5n)).toBe(A);
    // Other nonces and other chains are independent.
    expect(await store.claim(901n, 6n, B)).toBe(B);
    expect(await store.claim(902n, 5n, B)).toBe(B);
    await store.close();
  });

  it("test_claim_concurrentConflictingClaims_succeeds: exactly one id wins a race", async () => {
    const store = await open();
    const ids = Array.from({ length: 20 }, (_, i) => id(`racer ${i}`));
    const winners = await Promise.all(ids.map((msgId) => store.claim(901n, 1n, msgId)));
    expect(new Set(winners).size).toBe(1);
    expect(winners[0]).toBe(ids[0]);
    await store.close();
  });

  it("test_claimMany_firstIdWinsWithinAndAcrossCalls_succeeds: holders in order, conflicts keep the first", async () => {
    const store = await open();
    await store.claim(901n, 1n, A);
    const holders = await store.claimMany([
      { sourceChainId: 901n, nonce: 1n, msgId: B },
      { sourceChainId: 901n, nonce: 2n, msgId: B },
      { sourceChainId: 901n, nonce: 2n, msgId: A },
      { sourceChainId: 902n, nonce: 1n, msgId: B.toUpperCase().replace("0X", "0x") as Hex },
    ]);
    expect(holders).toEqual([A, B, B, B]);
    expect(await store.claimOf(901n, 2n)).toBe(B);
    expect(await store.claimMany([])).toEqual([]);
    await store.close();
  });

  it("test_claim_mixedCaseId_succeeds: ids are compared case-insensitively", async () => {
    const store = await open();
    await store.claim(901n, 1n, A.toUpperCase().replace("0X", "0x") as Hex);
    expect(await store.claim(901n, 1n, A)).toBe(A);
    await store.close();
  });

  it("test_approve_idempotent_succeeds", async () => {
    const store = await open();
    expect(await store.isApproved(A)).toBe(false);
    await store.approve(A, 1);
    await store.approve(A, 2);
    expect(await store.isApproved(A)).toBe(true);
    expect(await store.isApproved(B)).toBe(false);
    await store.close();
  });
});

describe("FileGuardianStore durability", () => {
  it("test_open_afterRestart_succeeds: claims and approvals survive a reopen, one journal line each", async () => {
    const dir = tempDir();
    const first = await FileGuardianStore.open(dir);
    await first.claim(901n, 5n, A);
    await first.claim(901n, 5n, A);
    await first.approve(B, 123);
    await first.close();

    const second = await FileGuardianStore.open(dir);
    expect(await second.claim(901n, 5n, B)).toBe(A);
    expect(await second.isApproved(B)).toBe(true);
    expect(second.claimCount).toBe(1);
    await second.close();
    expect(readFileSync(join(dir, JOURNAL_FILE), "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("test_claimMany_oneJournalWrite_survivesReopen_succeeds: every new claim of a batch is durable", async () => {
    const dir = tempDir();
    const first = await FileGuardianStore.open(dir);
    const ids = Array.from({ length: 50 }, (_, i) => id(`batch ${i}`));
    await first.claimMany(ids.map((msgId, i) => ({ sourceChainId: 901n, nonce: BigInt(i), msgId })));
    await first.close();
    const second = await FileGuardianStore.open(dir);
    expect(second.claimCount).toBe(50);
    expect(await second.claimOf(901n, 49n)).toBe(ids[49]);
    await second.close();
    expect(readFileSync(join(dir, JOURNAL_FILE), "utf8").trim().split("\n")).toHaveLength(50);
  });

  it("test_open_tornLastLine_succeeds: an unfinished append is dropped and the journal stays appendable", async () => {
    const dir = tempDir();
    const store = await FileGuardianStore.open(dir);
    await store.claim(901n, 1n, A);
    await store.close();
    appendFileSync(join(dir, JOURNAL_FILE), '{"type":"claim","sourceChainId":"901","nonce":"2","msgI');

    const reopened = await FileGuardianStore.open(dir);
    expect(await reopened.claimOf(901n, 1n)).toBe(A);
    expect(await reopened.claimOf(901n, 2n)).toBeUndefined();
    expect(await reopened.claim(901n, 2n, B)).toBe(B);
    await reopened.close();
    const again = await FileGuardianStore.open(dir);
    expect(await again.claimOf(901n, 2n)).toBe(B);
    await again.close();
  });

  it("test_open_corruptRecord_reverts: a bad complete line stops start-up instead of forgetting a claim", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, JOURNAL_FILE),
      `not json\n${JSON.stringify({ type: "claim", sourceChainId: "901", nonce: "1", msgId: A })}\n`,
    );
    await expect(FileGuardianStore.open(dir)).rejects.toThrow(/guardian-journal.jsonl:1 is not a valid journal record/);
    // The failed open released its lock.
    writeFileSync(join(dir, JOURNAL_FILE), "");
    await (await FileGuardianStore.open(dir)).close();
  });

  it("test_open_lockedByLiveProcess_reverts: two guardians never share a journal", async () => {
    const dir = tempDir();
    const store = await FileGuardianStore.open(dir);
    await expect(FileGuardianStore.open(dir)).rejects.toThrow(/is already open in this process/);
    // Held by another live process (pid 1 always runs).
    writeFileSync(join(dir, LOCK_FILE), "1\n");
    await expect(FileGuardianStore.open(dir)).rejects.toBeInstanceOf(StoreError);
    await expect(FileGuardianStore.open(dir)).rejects.toThrow(/is in use by another guardian process \(pid 1\)/);
    writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`);
    await store.close();
  });

  it("test_open_staleLock_succeeds: a lock left by a dead process is taken over", async () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(join(dir, LOCK_FILE), `${dead}\n`);
    const store = await FileGuardianStore.open(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    await store.close();
  });

  it("test_claim_afterClose_reverts", async () => {
    const store = await FileGuardianStore.open(tempDir());
    await store.close();
    await expect(store.claim(901n, 1n, A)).rejects.toThrow(/closed/);
  });
});
