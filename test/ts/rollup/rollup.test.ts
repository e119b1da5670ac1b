/**
 * `core/rollup.ts` and the rollup service's two roles against the real contracts on one
 * in-process chain (it hosts both "layers": messenger and portal). The output roots and proofs
 * are built in TypeScript (`core/merkle.ts`) and accepted by `SimRollupPortal` (`MerkleLib`), for
 * every leaf of outputs of 1..12 withdrawals: the two trees are the same tree.
 */
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { concat, keccak256, type Address, type Hex, type PublicClient } from "viem";
import type { ChainWallet } from "../../../core/chains.js";
import {
  simL2MessengerAbi,
  simL2MessengerBytecode,
  simRollupPortalAbi,
  simRollupPortalBytecode,
} from "../../../core/generated/abis.js";
import { processProof } from "../../../core/merkle.js";
import {
  decodeDepositsQueued,
  decodeMessagesPassed,
  fetchMessagesPassed,
  outputRoot,
  proveAndRelayWithdrawal,
  readOutputs,
  readWithdrawalHashes,
  RollupError,
  withdrawalHash,
  withdrawalProof,
  withdrawalStatus,
  type Withdrawal,
} from "../../../core/rollup.js";
import { proposeOutput } from "../../../rollup/proposer.js";
import { relayPendingDeposits } from "../../../rollup/sequencer.js";
import { FUZZ_SEED, Random } from "../helpers/random.js";
import { expectRevert } from "../helpers/revert.js";

const WINDOW = 3600n;

interface Rig {
  connection: NetworkConnection;
  client: PublicClient;
  deployer: ChainWallet;
  proposer: ChainWallet;
  sequencer: ChainWallet;
  app: ChainWallet;
  messenger: Address;
  portal: Address;
}

async function deploy(wallet: ChainWallet, client: PublicClient, abi: never, bytecode: Hex, args: unknown[]) {
  const hash = await wallet.deployContract({ abi, bytecode, args } as never);
  const receipt = await client.waitForTransactionReceipt({ hash });
  return receipt.contractAddress!;
}

async function createRig(windowSeconds = WINDOW): Promise<Rig> {
  const connection = await network.create({ network: "l1" });
  const client = (await connection.viem.getPublicClient()) as PublicClient;
  const [deployer, proposer, sequencer, app] = (await connection.viem.getWalletClients()) as ChainWallet[];
  const messenger = await deploy(deployer!, client, simL2MessengerAbi as never, simL2MessengerBytecode, [
    sequencer!.account.address,
  ]);
  const portal = await deploy(deployer!, client, simRollupPortalAbi as never, simRollupPortalBytecode, [
    901n,
    proposer!.account.address,
    windowSeconds,
  ]);
  return {
    connection,
    client,
    deployer: deployer!,
    proposer: proposer!,
    sequencer: sequencer!,
    app: app!,
    messenger,
    portal,
  };
}

/** `app` sends a withdrawal to `target` with `data`; returns it as decoded from the receipt. */
async function send(rig: Rig, target: Address, data: Hex): Promise<Withdrawal> {
  const hash = await rig.app.writeContract({
    address: rig.messenger,
    abi: simL2MessengerAbi,
    functionName: "sendToL1",
    args: [target, data],
  });
  const receipt = await rig.client.waitForTransactionReceipt({ hash });
  const [passed] = decodeMessagesPassed(receipt.logs, rig.messenger);
  return passed!.withdrawal;
}

async function increaseTime(rig: Rig, seconds: bigint) {
  const test = await rig.connection.viem.getTestClient();
  await test.increaseTime({ seconds: Number(seconds) });
  await test.mine({ blocks: 1 });
}

const roles = (rig: Rig) => ({
  l1Client: rig.client,
  l2Client: rig.client,
  proposerWallet: rig.proposer,
  sequencerWallet: rig.sequencer,
  portal: rig.portal,
  messenger: rig.messenger,
});

describe(`core/rollup (FUZZ_SEED=${FUZZ_SEED})`, () => {
  let rig: Rig;
  const rng = new Random(FUZZ_SEED + 40n);
  const target = (): Address => rng.address(false);
  const data = (): Hex => randomData(rng);

  beforeEach(async () => {
    rig = await createRig();
  });
  afterEach(async () => {
    await rig.connection.close();
  });

  it("test_withdrawalHash_matchesMessenger: decoded logs, re-derived hashes and the messenger's list agree", async () => {
    const sent: Withdrawal[] = [];
    for (let i = 0; i < 5; i++) sent.push(await send(rig, target(), data()));
    const hashes = await readWithdrawalHashes(rig.client, rig.messenger);
    expect(hashes).toEqual(sent.map(withdrawalHash));
    expect(sent.map((w) => w.nonce)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(sent.every((w) => w.sender.toLowerCase() === rig.app.account.address.toLowerCase())).toBe(true);
    // Incremental reads append only what is new; a known list that no longer matches is re-read.
    expect(await readWithdrawalHashes(rig.client, rig.messenger, hashes.slice(0, 2))).toEqual(hashes);
    expect(await readWithdrawalHashes(rig.client, rig.messenger, [hashes[1]!])).toEqual(hashes);
    expect(await readWithdrawalHashes(rig.client, rig.messenger, [...hashes, hashes[0]!])).toEqual(hashes);
    const [third] = await fetchMessagesPassed(rig.client, rig.messenger, { nonce: 2n });
    expect(third!.withdrawal).toEqual(sent[2]);
    expect(third!.withdrawalHash).toBe(hashes[2]);
  });

  it("testFuzz_proofs: TypeScript roots and proofs are accepted by the portal for every leaf of 1..12", async () => {
    // No finalization window here: every output is final at once.
    await rig.connection.close();
    rig = await createRig(0n);
    const sent: Withdrawal[] = [];
    for (let n = 1; n <= 12; n++) {
      sent.push(await send(rig, target(), data()));
      const result = await proposeOutput(roles(rig));
      expect(result.proposed).toBe(true);
      const hashes = result.hashes;
      expect(hashes.length).toBe(n);
      const [output] = (await readOutputs(rig.client, rig.portal)).slice(-1);
      expect(output!.root).toBe(outputRoot(hashes));
      for (let i = 0; i < n; i++) {
        const proof = withdrawalProof(hashes, i);
        expect(processProof(hashes[i]!, proof)).toBe(output!.root);
      }
    }
    // Every withdrawal relays through the last output with its TypeScript proof (targets are EOAs).
    for (const w of sent) {
      const hash = await proveAndRelayWithdrawal({ ...queryOf(rig, w), l1Wallet: rig.app });
      expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
      expect((await withdrawalStatus(queryOf(rig, w))).state).toBe("relayed");
    }
  });

  it("test_proposeOutput_nothingNew_doesNotPropose", async () => {
    expect((await proposeOutput(roles(rig))).proposed).toBe(false);
    await send(rig, target(), "0x");
    const first = await proposeOutput(roles(rig));
    expect(first.proposed && first.outputIndex).toBe(0n);
    const again = await proposeOutput(roles(rig), first.hashes);
    expect(again.proposed).toBe(false);
    expect((await readOutputs(rig.client, rig.portal)).length).toBe(1);
  });

  it("test_withdrawalStatus_lifecycle: unproposed → proposed (final at T) → final → relayed", async () => {
    const w = await send(rig, target(), data());
    expect((await withdrawalStatus(queryOf(rig, w))).state).toBe("unproposed");
    await expect(proveAndRelayWithdrawal({ ...queryOf(rig, w), l1Wallet: rig.app })).rejects.toThrow(
      /not in an output root/,
    );

    await proposeOutput(roles(rig));
    const [output] = await readOutputs(rig.client, rig.portal);
    const proposed = await withdrawalStatus(queryOf(rig, w));
    expect(proposed).toEqual({
      state: "proposed",
      withdrawalHash: withdrawalHash(w),
      outputIndex: 0n,
      finalAt: Number(output!.timestamp + WINDOW),
    });
    await expect(proveAndRelayWithdrawal({ ...queryOf(rig, w), l1Wallet: rig.app })).rejects.toThrow(RollupError);
    // The portal agrees it is not final yet.
    await expectRevert(
      rig.app.writeContract({
        address: rig.portal,
        abi: simRollupPortalAbi,
        functionName: "relayMessage",
        args: [w, 0n, withdrawalProof(await readWithdrawalHashes(rig.client, rig.messenger), 0)],
      }),
      "PortalOutputNotFinalized",
    );

    await increaseTime(rig, WINDOW);
    expect((await withdrawalStatus(queryOf(rig, w))).state).toBe("final");
    await proveAndRelayWithdrawal({ ...queryOf(rig, w), l1Wallet: rig.app });
    expect((await withdrawalStatus(queryOf(rig, w))).state).toBe("relayed");
    await expect(proveAndRelayWithdrawal({ ...queryOf(rig, w), l1Wallet: rig.app })).rejects.toThrow(
      /relayed on L1 already/,
    );
  });

  it("test_withdrawalStatus_alteredWithdrawal_throws: fields the messenger never committed", async () => {
    const w = await send(rig, target(), data());
    await expect(withdrawalStatus(queryOf(rig, { ...w, data: "0x1234" }))).rejects.toThrow(/no withdrawal 0/);
    await expect(withdrawalStatus(queryOf(rig, { ...w, nonce: 5n }))).rejects.toThrow(/no withdrawal 5/);
  });

  it("test_proveAndRelay_dishonestRoot_refuses: an output that does not match the L2", async () => {
    const w = await send(rig, target(), data());
    await rig.proposer.writeContract({
      address: rig.portal,
      abi: simRollupPortalAbi,
      functionName: "proposeOutputRoot",
      args: [1n, keccak256("0x01")],
    });
    await increaseTime(rig, WINDOW);
    await expect(proveAndRelayWithdrawal({ ...queryOf(rig, w), l1Wallet: rig.app })).rejects.toThrow(
      /does not match the L2/,
    );
  });

  it("test_relayPendingDeposits_inOrder: every queued deposit relayed once, failures recorded", async () => {
    const targets = [target(), rig.messenger, target()]; // the messenger has no fallback: that one fails
    const queued = [];
    for (const t of targets) {
      const hash = await rig.app.writeContract({
        address: rig.portal,
        abi: simRollupPortalAbi,
        functionName: "sendToL2",
        args: [t, "0xdeadbeef"],
      });
      queued.push(...decodeDepositsQueued((await rig.client.waitForTransactionReceipt({ hash })).logs, rig.portal));
    }
    expect(queued.map((d) => d.nonce)).toEqual([0n, 1n, 2n]);
    expect(queued[0]!.from.toLowerCase()).toBe(rig.app.account.address.toLowerCase());

    const round = await relayPendingDeposits(roles(rig));
    expect(round.relayed.map((d) => [d.nonce, d.result])).toEqual([
      [0n, "relayed"],
      [1n, "failed"],
      [2n, "relayed"],
    ]);
    const next = await rig.client.readContract({
      address: rig.messenger,
      abi: simL2MessengerAbi,
      functionName: "nextDepositNonce",
    });
    expect(next).toBe(3n);

    // Nothing pending: a second round (from its cursor, or from scratch) relays nothing.
    expect((await relayPendingDeposits(roles(rig), { fromBlock: round.nextFromBlock })).relayed).toEqual([]);
    expect((await relayPendingDeposits(roles(rig))).relayed).toEqual([]);

    // A cursor past an unrelayed deposit falls back to a rescan instead of skipping it.
    await rig.app.writeContract({
      address: rig.portal,
      abi: simRollupPortalAbi,
      functionName: "sendToL2",
      args: [target(), "0x"],
    });
    await rig.app.writeContract({
      address: rig.portal,
      abi: simRollupPortalAbi,
      functionName: "sendToL2",
      args: [target(), "0x"],
    });
    const head = await rig.client.getBlockNumber();
    const late = await relayPendingDeposits(roles(rig), { fromBlock: head, rescanFromBlock: 0n });
    expect(late.relayed.map((d) => d.nonce)).toEqual([3n, 4n]);
    // ...also when the scan finds nothing at all.
    await rig.app.writeContract({
      address: rig.portal,
      abi: simRollupPortalAbi,
      functionName: "sendToL2",
      args: [target(), "0x"],
    });
    const beyond = (await rig.client.getBlockNumber()) + 1n;
    const lost = await relayPendingDeposits(roles(rig), { fromBlock: beyond, rescanFromBlock: 0n });
    expect(lost.relayed.map((d) => d.nonce)).toEqual([5n]);
  });
});

/** 0..3 words of random calldata. */
function randomData(rng: Random): Hex {
  const words = rng.int(4);
  return words === 0 ? "0x" : concat(Array.from({ length: words }, () => rng.bytes32(false)));
}

function queryOf(rig: Rig, withdrawal: Withdrawal) {
  return { l1Client: rig.client, l2Client: rig.client, portal: rig.portal, messenger: rig.messenger, withdrawal };
}
