/**
 * The devnet's OP Stack install and its two stand-ins, on real anvil chains (no bridge services):
 *
 *   1. the predeploys sit at their canonical addresses behind OP's Proxy, wired to their L2's L1
 *      contracts;
 *   2. the output proposer's roots are the OP spec's (recomputed here from the L2 block and
 *      `eth_getProof`), and the real `OptimismPortal` accepts a withdrawal proven against one with
 *      viem's `buildProveWithdrawal` (the proof anvil serves is a real Merkle-Patricia proof);
 *   3. the deposit executor executes each deposit once, in order, across a restart (a new cursor
 *      store reading the same file): standard-bridge deposits credit the user exactly once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, erc20Abi, getAddress, http, parseUnits, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { buildProveWithdrawal, getL2Output, getWithdrawals, proveWithdrawal } from "viem/op-stack";
import { viemChain } from "../../core/chains.js";
import {
  l2CrossDomainMessengerAbi,
  l2OutputOracleAbi,
  l2StandardBridgeAbi,
  optimismMintableERC20FactoryAbi,
  optimismPortalAbi,
  testTokenAbi,
} from "../../core/generated/abis.js";
import { findToken, type ChainInfo, type Manifest, type RollupInfo } from "../../core/manifest.js";
import { OP_PREDEPLOYS, opStackL2Chain } from "../../core/op-stack.js";
import { depositToL2 } from "../../devnet/tokens.js";
import { executePendingDeposits, FileDepositCursor } from "../../devnet/op-stack/deposits.js";
import { depositCursorFile } from "../../devnet/op-stack/devnet.js";
import { outputAt, proposeDueOutputs } from "../../devnet/op-stack/proposer.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { chainOf, mined, walletOn, type Chain } from "./helpers/actors.js";

const TIMEOUT_MS = 180_000;
const ADMIN_SLOT = "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103";

let dir: string;
let devnet: Devnet;
let manifest: Manifest;
let l1: Chain;
let l2a: Chain;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-opstack-"));
  devnet = await startDevnet({ dir, services: false });
  manifest = devnet.manifest;
  l1 = chainOf(manifest, "l1");
  l2a = chainOf(manifest, "l2a");
}, TIMEOUT_MS);

afterAll(async () => {
  await devnet?.stop();
  if (dir && !process.env.PORTCULLIS_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
});

const rollupOf = (c: Chain): RollupInfo => c.info.rollup!;

describe("the devnet's OP Stack", () => {
  it("has the predeploys at their canonical addresses, wired to their own L1 contracts", async () => {
    for (const name of ["l2a", "l2b"]) {
      const c = chainOf(manifest, name);
      const read = <T>(address: Address, abi: readonly unknown[], functionName: string) =>
        c.client.readContract({ address, abi, functionName } as never) as Promise<T>;
      expect(await read(OP_PREDEPLOYS.l2CrossDomainMessenger, l2CrossDomainMessengerAbi, "OTHER_MESSENGER")).toBe(
        rollupOf(c).l1CrossDomainMessenger,
      );
      expect(await read(OP_PREDEPLOYS.l2StandardBridge, l2StandardBridgeAbi, "OTHER_BRIDGE")).toBe(
        rollupOf(c).l1StandardBridge,
      );
      expect(await read(OP_PREDEPLOYS.optimismMintableERC20Factory, optimismMintableERC20FactoryAbi, "BRIDGE")).toBe(
        getAddress(OP_PREDEPLOYS.l2StandardBridge),
      );
      const admin = await c.client.getStorageAt({ address: OP_PREDEPLOYS.l2ToL1MessagePasser, slot: ADMIN_SLOT });
      expect(getAddress(`0x${admin!.slice(-40)}`)).toBe(getAddress(OP_PREDEPLOYS.proxyAdmin));
    }
  });

  it(
    "proposes output roots as the spec defines them, and the portal accepts a real proof against one",
    async () => {
      const userKey = manifest.devKeys!.users[0]! as Hex;
      const receipt = await mined(
        l2a,
        walletOn(l2a, userKey).writeContract({
          address: OP_PREDEPLOYS.l2CrossDomainMessenger,
          abi: l2CrossDomainMessengerAbi,
          functionName: "sendMessage",
          args: ["0x000000000000000000000000000000000000dEaD", "0x1234", 100_000],
        }),
      );
      const proposerWallet = walletOn(l1, manifest.devKeys!.rollups.l2a!.proposer as Hex);
      const ctx = {
        l1Client: l1.client,
        l2Client: l2a.client,
        proposerWallet,
        oracle: rollupOf(l2a).l2OutputOracle,
      };
      const deadline = Date.now() + 120_000;
      while (
        (await l1.client.readContract({
          address: ctx.oracle,
          abi: l2OutputOracleAbi,
          functionName: "latestBlockNumber",
        })) < receipt.blockNumber
      ) {
        if (Date.now() > deadline) throw new Error("no output covering the withdrawal within 120 s");
        await proposeDueOutputs(ctx);
        await new Promise((r) => setTimeout(r, 500));
      }

      const l2Chain = opStackL2Chain(l2a.info as ChainInfo & { rollup: RollupInfo }, l1.info.chainId);
      const l1Client = createPublicClient({ chain: viemChain(l1.info), transport: http(l1.info.rpcUrl) });
      const l2Client = createPublicClient({ chain: l2Chain, transport: http(l2a.info.rpcUrl) });
      const output = await getL2Output(l1Client, { l2BlockNumber: receipt.blockNumber, targetChain: l2Chain });
      expect((await outputAt(l2a.client, output.l2BlockNumber)).outputRoot).toBe(output.outputRoot);

      const [withdrawal] = getWithdrawals(receipt);
      const args = await buildProveWithdrawal(l2Client, { withdrawal: withdrawal!, output });
      const l1Wallet = walletOn(l1, userKey);
      await mined(l1, proveWithdrawal(l1Wallet, { ...args, account: l1Wallet.account, targetChain: l2Chain } as never));
      const [, provenAt] = await l1.client.readContract({
        address: rollupOf(l2a).portal,
        abi: optimismPortalAbi,
        functionName: "provenWithdrawals",
        args: [withdrawal!.withdrawalHash],
      });
      expect(provenAt).toBeGreaterThan(0n);
    },
    TIMEOUT_MS,
  );

  it(
    "executes each deposit once, in order, across a restart",
    async () => {
      const deployer = manifest.devKeys!.deployer as Hex;
      const alpha = findToken(manifest, "ALPHA");
      const user = privateKeyToAccount(manifest.devKeys!.users[5]! as Hex).address;
      const target = { name: "l1", chainId: l1.info.chainId, wallet: walletOn(l1, deployer), publicClient: l1.client };
      const amount = parseUnits("7", 18);
      await mined(
        l1,
        target.wallet.writeContract({
          address: alpha.l1Token!,
          abi: testTokenAbi,
          functionName: "mint",
          args: [target.wallet.account.address, 2n * amount],
        }),
      );
      const balance = () =>
        l2a.client.readContract({ address: alpha.homeToken, abi: erc20Abi, functionName: "balanceOf", args: [user] });
      const before = await balance();
      await depositToL2(target, rollupOf(l2a), alpha.l1Token!, alpha.homeToken, user, amount);
      await depositToL2(target, rollupOf(l2a), alpha.l1Token!, alpha.homeToken, user, amount);

      const ctx = {
        l1Client: l1.client,
        l2Client: l2a.client,
        portal: rollupOf(l2a).portal,
        fromBlock: BigInt(rollupOf(l2a).l1DeployBlock),
      };
      const file = depositCursorFile(dir, "l2a");
      const executedBefore = new FileDepositCursor(file).load().executed;
      const first = await executePendingDeposits(ctx, new FileDepositCursor(file));
      expect(first.map((e) => e.status)).toEqual(["success", "success"]);
      expect(first[0]!.deposit.blockNumber).toBeLessThan(first[1]!.deposit.blockNumber);
      // A restarted executor (a new store on the same file) finds nothing left to do.
      expect(await executePendingDeposits(ctx, new FileDepositCursor(file))).toEqual([]);
      expect(new FileDepositCursor(file).load().executed).toBe(executedBefore + 2);
      expect(await balance()).toBe(before + 2n * amount);
    },
    TIMEOUT_MS,
  );
});
