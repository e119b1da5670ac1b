/**
 * The simulated rollup end to end on real chains: an anvil L1 and an anvil L2 (1 s blocks), the
 * rollup contracts deployed with viem, and the rollup operator running as its own process
 * (`node --import tsx rollup/index.ts`), as on the devnet. The test plays a user:
 *
 *   - an L1 deposit of a token through the canonical bridge is relayed by the sequencer and
 *     minted on L2 (real balances on both chains);
 *   - an L2 withdrawal is committed by the proposer, becomes final after the window, is proven
 *     with `proveAndRelayWithdrawal` and releases the L1 tokens; a replay is refused;
 *   - the operator's /healthz and /metrics; `relayPendingDeposits` with the process stopped.
 *
 * Run: npx vitest run --project integration test/integration/rollup.test.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, erc20Abi, type Abi, type Address, type Hex, type PublicClient } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { publicClientFor, walletClientFor, type ChainWallet } from "../../core/chains.js";
import {
  canonicalL2TokenAbi,
  canonicalL2TokenBytecode,
  l1TokenBridgeAbi,
  l1TokenBridgeBytecode,
  l2TokenBridgeAbi,
  l2TokenBridgeBytecode,
  simL2MessengerAbi,
  simL2MessengerBytecode,
  simRollupPortalAbi,
  simRollupPortalBytecode,
  testTokenAbi,
  testTokenBytecode,
} from "../../core/generated/abis.js";
import type { ChainInfo } from "../../core/manifest.js";
import {
  decodeMessagesPassed,
  proveAndRelayWithdrawal,
  withdrawalStatus,
  type Withdrawal,
  type WithdrawalStatus,
} from "../../core/rollup.js";
import { setBlockTime, startAnvil } from "../../devnet/infra.js";
import { ProcessGroup, waitFor, type ManagedProcess } from "../../devnet/processes.js";
import { startService } from "../../devnet/services.js";
import { relayPendingDeposits } from "../../rollup/sequencer.js";

/** anvil's public development mnemonic. */
const MNEMONIC = "test test test test test test test test test test test junk";
const FINALIZATION_SECONDS = 3;
const L2_CHAIN_ID = 901;

function devKey(index: number): Hex {
  return bytesToHex(mnemonicToAccount(MNEMONIC, { addressIndex: index }).getHdKey().privateKey!);
}

interface Layer {
  info: ChainInfo;
  client: PublicClient;
  wallet: (key: Hex) => ChainWallet;
}

function layer(info: ChainInfo): Layer {
  return {
    info,
    client: publicClientFor(info, 200),
    wallet: (key) => walletClientFor(info, privateKeyToAccount(key), 200),
  };
}

async function mined(l: Layer, hash: Promise<Hex>) {
  const receipt = await l.client.waitForTransactionReceipt({ hash: await hash });
  if (receipt.status !== "success") throw new Error(`transaction ${receipt.transactionHash} reverted`);
  return receipt;
}

async function deploy(l: Layer, key: Hex, abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> {
  const receipt = await mined(l, l.wallet(key).deployContract({ abi, bytecode, args } as never));
  return receipt.contractAddress!;
}

const keys = { deployer: devKey(0), proposer: devKey(1), sequencer: devKey(2), user: devKey(3) };
const user = privateKeyToAccount(keys.user).address;

let dir: string;
let group: ProcessGroup;
let l1: Layer;
let l2: Layer;
let operator: ManagedProcess;
let operatorUrl: string;
const c = {} as {
  messenger: Address;
  portal: Address;
  l1Bridge: Address;
  l2Bridge: Address;
  l1Token: Address;
  l2Token: Address;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-rollup-"));
  group = new ProcessGroup(join(dir, "logs"));
  const [a, b] = await Promise.all([
    startAnvil(group, { name: "l1", chainId: 900, accounts: 5 }),
    startAnvil(group, { name: "l2a", chainId: L2_CHAIN_ID, accounts: 5 }),
  ]);
  l1 = layer({ name: "l1", chainId: 900, rpcUrl: a.rpcUrl, kind: "l1", confirmations: 0 });
  l2 = layer({ name: "l2a", chainId: L2_CHAIN_ID, rpcUrl: b.rpcUrl, kind: "l2", confirmations: 0 });

  // Deploy in automine, then switch to 1 s blocks so L1's clock moves like a real chain's.
  const proposer = privateKeyToAccount(keys.proposer).address;
  const sequencer = privateKeyToAccount(keys.sequencer).address;
  c.messenger = await deploy(l2, keys.deployer, simL2MessengerAbi, simL2MessengerBytecode, [sequencer]);
  c.l2Bridge = await deploy(l2, keys.deployer, l2TokenBridgeAbi, l2TokenBridgeBytecode, [c.messenger]);
  c.portal = await deploy(l1, keys.deployer, simRollupPortalAbi, simRollupPortalBytecode, [
    BigInt(L2_CHAIN_ID),
    proposer,
    BigInt(FINALIZATION_SECONDS),
  ]);
  c.l1Bridge = await deploy(l1, keys.deployer, l1TokenBridgeAbi, l1TokenBridgeBytecode, [c.portal]);
  c.l1Token = await deploy(l1, keys.deployer, testTokenAbi, testTokenBytecode, ["Dollar", "USD", 6]);
  c.l2Token = await deploy(l2, keys.deployer, canonicalL2TokenAbi, canonicalL2TokenBytecode, [
    "Dollar (L2)",
    "USD",
    6,
    c.l2Bridge,
    c.l1Token,
  ]);
  const deployer = { l1: l1.wallet(keys.deployer), l2: l2.wallet(keys.deployer) };
  await mined(
    l2,
    deployer.l2.writeContract({
      address: c.l2Bridge,
      abi: l2TokenBridgeAbi,
      functionName: "initialize",
      args: [c.l1Bridge],
    }),
  );
  await mined(
    l1,
    deployer.l1.writeContract({
      address: c.l1Bridge,
      abi: l1TokenBridgeAbi,
      functionName: "initialize",
      args: [c.l2Bridge],
    }),
  );
  await Promise.all([setBlockTime(a.rpcUrl, 1), setBlockTime(b.rpcUrl, 1)]);

  operator = await startService(group, {
    name: "rollup-l2a",
    entry: "rollup/index.ts",
    env: {
      L1_RPC_URL: a.rpcUrl,
      L2_RPC_URL: b.rpcUrl,
      L2_CHAIN_ID: String(L2_CHAIN_ID),
      PORTAL: c.portal,
      MESSENGER: c.messenger,
      PROPOSER_KEY: keys.proposer,
      SEQUENCER_KEY: keys.sequencer,
      PROPOSE_INTERVAL_MS: "500",
      POLL_INTERVAL_MS: "250",
      LOG_LEVEL: "warn",
    },
    startTimeoutMs: 60_000,
  });
  operatorUrl = operator.url;
});

afterAll(async () => {
  await group?.stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const balanceOf = (l: Layer, token: Address, who: Address) =>
  l.client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });

describe("simulated rollup (anvil L1 + L2, operator process)", () => {
  it("relays an L1 deposit of a canonical token: locked on L1, minted on L2", async () => {
    const wallet = l1.wallet(keys.user);
    await mined(
      l1,
      wallet.writeContract({ address: c.l1Token, abi: testTokenAbi, functionName: "mint", args: [user, 100n] }),
    );
    await mined(
      l1,
      wallet.writeContract({ address: c.l1Token, abi: erc20Abi, functionName: "approve", args: [c.l1Bridge, 100n] }),
    );
    await mined(
      l1,
      wallet.writeContract({
        address: c.l1Bridge,
        abi: l1TokenBridgeAbi,
        functionName: "depositTo",
        args: [c.l1Token, c.l2Token, user, 100n],
      }),
    );
    expect(await balanceOf(l1, c.l1Token, c.l1Bridge)).toBe(100n);
    await waitFor("the deposit minted on L2", async () => (await balanceOf(l2, c.l2Token, user)) === 100n, 60_000, 250);
    const next = await l2.client.readContract({
      address: c.messenger,
      abi: simL2MessengerAbi,
      functionName: "nextDepositNonce",
    });
    expect(next).toBe(1n);
  });

  it("proves an L2 withdrawal after the window and releases the L1 tokens, once", async () => {
    const receipt = await mined(
      l2,
      l2.wallet(keys.user).writeContract({
        address: c.l2Bridge,
        abi: l2TokenBridgeAbi,
        functionName: "withdrawTo",
        args: [c.l2Token, user, 40n],
      }),
    );
    expect(await balanceOf(l2, c.l2Token, user)).toBe(60n);
    const [passed] = decodeMessagesPassed(receipt.logs, c.messenger);
    const withdrawal: Withdrawal = passed!.withdrawal;
    expect(withdrawal.sender.toLowerCase()).toBe(c.l2Bridge.toLowerCase());
    const query = { l1Client: l1.client, l2Client: l2.client, portal: c.portal, messenger: c.messenger, withdrawal };

    // The states it passes through, as the CLI sees them (which ones are observed depends on timing).
    const seen = new Set<WithdrawalStatus["state"]>();
    await waitFor(
      "the withdrawal to be final on L1",
      async () => {
        const status = await withdrawalStatus(query);
        seen.add(status.state);
        return status.state === "final";
      },
      60_000,
      250,
    );
    expect(seen.has("relayed")).toBe(false);

    const before = await balanceOf(l1, c.l1Token, user);
    await proveAndRelayWithdrawal({ ...query, l1Wallet: l1.wallet(keys.user) });
    expect(await balanceOf(l1, c.l1Token, user)).toBe(before + 40n);
    expect(await balanceOf(l1, c.l1Token, c.l1Bridge)).toBe(60n);
    expect((await withdrawalStatus(query)).state).toBe("relayed");
    await expect(proveAndRelayWithdrawal({ ...query, l1Wallet: l1.wallet(keys.user) })).rejects.toThrow(
      /relayed on L1 already/,
    );
  });

  it("exports its work on /metrics and reports healthy", async () => {
    const res = await fetch(`${operatorUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, l2ChainId: L2_CHAIN_ID, proposer: "ok", sequencer: "ok" });
    const metrics = await (await fetch(`${operatorUrl}/metrics`)).text();
    const value = (line: string) =>
      Number(
        metrics
          .split("\n")
          .find((l) => l.startsWith(line))
          ?.split(" ")
          .pop(),
      );
    expect(value(`bridge_rollup_outputs_proposed_total{chain="${L2_CHAIN_ID}"}`)).toBeGreaterThanOrEqual(1);
    expect(value(`bridge_rollup_last_proposed_count{chain="${L2_CHAIN_ID}"}`)).toBe(1);
    expect(value(`bridge_rollup_deposits_relayed_total{chain="${L2_CHAIN_ID}",result="relayed"}`)).toBe(1);
    expect(value(`bridge_rollup_next_deposit_nonce{chain="${L2_CHAIN_ID}"}`)).toBe(1);
  });

  it("relayPendingDeposits relays what is pending without the operator process", async () => {
    await operator.stop();
    const receipt = await mined(
      l1,
      l1.wallet(keys.user).writeContract({
        address: c.portal,
        abi: simRollupPortalAbi,
        functionName: "sendToL2",
        args: [user, "0x"],
      }),
    );
    const round = await relayPendingDeposits(
      {
        l1Client: l1.client,
        l2Client: l2.client,
        sequencerWallet: l2.wallet(keys.sequencer),
        portal: c.portal,
        messenger: c.messenger,
      },
      { fromBlock: receipt.blockNumber - 1n },
    );
    expect(round.relayed.map((d) => [d.nonce, d.result])).toEqual([[1n, "relayed"]]);
  });
});
