/**
 * The devnet's OP Stack operator, offline: its configuration (every bad variable reported by
 * name), the deposit cursor file, and the decoding of `TransactionDeposited` logs into the
 * deposit transactions the executor sends. The operator against real chains runs in
 * test/integration/escape.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeAbiParameters,
  encodeEventTopics,
  encodePacked,
  getAddress,
  type Hex,
  type Log,
  type PublicClient,
} from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { optimismPortalAbi } from "../../../core/generated/abis.js";
import { ConfigError } from "../../../core/service/config.js";
import { loadOpStackOperatorConfig } from "../../../devnet/op-stack/config.js";
import { fetchDeposits, FileDepositCursor } from "../../../devnet/op-stack/deposits.js";

const KEY = `0x${"11".repeat(32)}`;
const VALID = {
  L1_RPC_URL: "http://127.0.0.1:8545",
  L2_RPC_URL: "http://127.0.0.1:8546",
  L2_CHAIN_ID: "901",
  PORTAL: "0x00000000000000000000000000000000000000aa",
  L2_OUTPUT_ORACLE: "0x00000000000000000000000000000000000000bb",
  PROPOSER_KEY: KEY,
  DEPOSIT_CURSOR_FILE: "/tmp/deposits.json",
};

const dir = mkdtempSync(join(tmpdir(), "portcullis-opstack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadOpStackOperatorConfig", () => {
  it("fills defaults and checksums addresses", () => {
    const config = loadOpStackOperatorConfig(VALID);
    expect(config).toMatchObject({
      l2ChainId: 901,
      portal: getAddress(VALID.PORTAL),
      oracle: getAddress(VALID.L2_OUTPUT_ORACLE),
      l1DeployBlock: 0n,
      proposeIntervalMs: 2_000,
      pollIntervalMs: 1_000,
      port: 9400,
      instance: "op-stack-901",
    });
  });

  it("names every bad variable, never a key's value", () => {
    let message = "";
    try {
      loadOpStackOperatorConfig({ ...VALID, PORTAL: "0x12", PROPOSER_KEY: "secret", DEPOSIT_CURSOR_FILE: undefined });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/PORTAL/);
    expect(message).toMatch(/PROPOSER_KEY/);
    expect(message).toMatch(/DEPOSIT_CURSOR_FILE/);
    expect(message).not.toContain("secret");
  });
});

describe("FileDepositCursor", () => {
  it("starts empty and round-trips what it saved", () => {
    const store = new FileDepositCursor(join(dir, "sub", "l2a.deposits.json"));
    expect(store.load()).toEqual({ executed: 0 });
    const cursor = { last: { blockNumber: "12", logIndex: 3 }, executed: 2 };
    store.save(cursor);
    expect(store.load()).toEqual(cursor);
    expect(new FileDepositCursor(join(dir, "sub", "l2a.deposits.json")).load()).toEqual(cursor);
  });
});

describe("fetchDeposits", () => {
  const portal = getAddress("0x00000000000000000000000000000000000000aa");
  const from = getAddress("0x2222000000000000000000000000000000003333");
  const to = getAddress("0x4200000000000000000000000000000000000007");

  function depositLog(opaque: Hex, blockNumber: bigint, logIndex: number): Log {
    const topics = encodeEventTopics({
      abi: optimismPortalAbi,
      eventName: "TransactionDeposited",
      args: { from, to, version: 0n },
    });
    return {
      address: portal,
      topics: topics as [Hex, ...Hex[]],
      data: encodeAbiParameters([{ type: "bytes" }], [opaque]),
      blockNumber,
      logIndex,
      transactionHash: `0x${"ee".repeat(32)}`,
      blockHash: `0x${"dd".repeat(32)}`,
      transactionIndex: 0,
      removed: false,
    };
  }

  it("decodes the version-0 opaque data into the deposit transaction, in log order", async () => {
    const opaque = encodePacked(
      ["uint256", "uint256", "uint64", "bool", "bytes"],
      [5n, 2n, 300_000n, false, "0xdeadbeef"],
    );
    const client = {
      getLogs: async () => [depositLog(opaque, 7n, 1), depositLog(opaque, 9n, 0)],
    } as unknown as PublicClient;
    const deposits = await fetchDeposits(client, portal, 0n, 10n);
    expect(deposits).toHaveLength(2);
    expect(deposits[0]).toMatchObject({
      blockNumber: 7n,
      logIndex: 1,
      from,
      to,
      mint: 5n,
      value: 2n,
      gas: 300_000n,
      isCreation: false,
      data: "0xdeadbeef",
    });
    expect(deposits[1]!.blockNumber).toBe(9n);
  });

  it("reads nothing from an empty range", async () => {
    const client = {
      getLogs: async () => {
        throw new Error("must not be called");
      },
    } as unknown as PublicClient;
    expect(await fetchDeposits(client, portal, 5n, 4n)).toEqual([]);
  });
});
