/**
 * Guardian-set rotation under load, on a full devnet (guardians, a standby guardian, relayers,
 * monitor): transfers keep flowing both ways while governance (council Safe → timelock) rotates
 * the set on both gateways — one guardian out, the standby in. Every transfer sent before, during
 * and after the rotation executes exactly once; deliveries after it are attested by the new set,
 * which guardians and relayers pick up from the chain without a restart; the previous set still
 * verifies during its grace period, and a signature from the removed guardian is refused after.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFunctionData, erc20Abi, maxUint256, parseUnits, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attestationSigner, attestWith, sortGuardians, unpackSignatures } from "../../core/attestation.js";
import { publicClientFor, walletClientFor } from "../../core/chains.js";
import { bridgeGatewayAbi } from "../../core/generated/abis.js";
import { decodeMessagesSent } from "../../core/logs.js";
import { findChain, findToken, type ChainInfo } from "../../core/manifest.js";
import { decodeDeliveryBatch, deliverArgs, MESSAGE_VERSION, messageId, type Message } from "../../core/message.js";
import { merkleRoot, processProof } from "../../core/merkle.js";
import { waitFor } from "../../devnet/processes.js";
import { startDevnet, type Devnet } from "../../devnet/start.js";
import { BridgeClient, type GatewayChain } from "@portcullis/sdk";
import { setGuardianSetCall } from "@portcullis/sdk/council";
import { councilSigners, devCouncil } from "./helpers/governance.js";
import { revertOf } from "./helpers/reverts.js";

const GRACE_SECONDS = 30;

type L2 = ChainInfo & { gateway: Address };

let dir: string;
let devnet: Devnet;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-rotation-"));
  devnet = await startDevnet({ dir, services: true, standbyGuardians: 1 });
});

afterAll(async () => {
  await devnet?.stop();
  if (dir && !process.env.PORTCULLIS_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
});

const manifest = () => devnet.manifest;
const l2 = (name: string) => findChain(manifest(), name) as L2;
const clients = new Map<string, PublicClient>();
function client(name: string): PublicClient {
  if (!clients.has(name)) clients.set(name, publicClientFor(l2(name), { pollingIntervalMs: 100 }));
  return clients.get(name)!;
}
const address = (key: string) => privateKeyToAccount(key as Hex).address;

interface Sent {
  msgId: Hex;
  dest: string;
  message: Message;
}

/** One user sending 1 token at a time from `from` to `to` until `stop` aborts. */
async function sendLoop(userKey: string, from: string, to: string, symbol: string, stop: AbortSignal, out: Sent[]) {
  const token = findToken(manifest(), symbol);
  const local = token.addresses[String(l2(from).chainId)]!;
  const wallet = walletClientFor(l2(from), privateKeyToAccount(userKey as Hex), { pollingIntervalMs: 100 });
  const mined = async (hash: Hex) => {
    const receipt = await client(from).waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  };
  if (token.homeChainId === l2(from).chainId) {
    await mined(
      await wallet.writeContract({
        address: local,
        abi: erc20Abi,
        functionName: "approve",
        args: [l2(from).gateway, maxUint256],
      }),
    );
  }
  // The delivery fee: relayers deliver what paid its quote (FEE_POLICY=quote).
  const fee = await client(from).readContract({
    address: l2(from).gateway,
    abi: bridgeGatewayAbi,
    functionName: "quoteFee",
    args: [BigInt(l2(to).chainId), 0n],
  });
  while (!stop.aborted) {
    const receipt = await mined(
      await wallet.writeContract({
        address: l2(from).gateway,
        abi: bridgeGatewayAbi,
        functionName: "send",
        args: [local, BigInt(l2(to).chainId), wallet.account.address, parseUnits("1", token.decimals), 0n, 0n],
        value: fee,
        // Estimates made while other users' sends are pending can come out short (cold vs warm
        // storage): a fixed limit keeps concurrent senders from running out of gas.
        gas: 400_000n,
      }),
    );
    for (const s of decodeMessagesSent(receipt.logs, l2(from).gateway))
      out.push({ msgId: s.msgId, dest: to, message: s.message });
  }
}

async function sendOne(userKey: string, from: string, to: string, symbol: string, out: Sent[]) {
  const stop = new AbortController();
  const loop = sendLoop(userKey, from, to, symbol, stop.signal, out);
  const before = out.length;
  await waitFor("one send", async () => out.length > before, 60_000, 100);
  stop.abort();
  await loop;
}

function isProcessed(s: Sent): Promise<boolean> {
  return client(s.dest).readContract({
    address: l2(s.dest).gateway,
    abi: bridgeGatewayAbi,
    functionName: "isProcessed",
    args: [s.message.sourceChainId, s.message.sourceGateway, s.message.nonce],
  });
}

async function executedEvents(name: string) {
  return client(name).getContractEvents({
    address: l2(name).gateway,
    abi: bridgeGatewayAbi,
    eventName: "MessageExecuted",
    fromBlock: 0n,
  });
}

/** A message l2a → l2b no gateway sent: only used in simulations of `deliver` (nothing is mined). */
async function probeMessage(): Promise<Message> {
  const now = (await client("l2b").getBlock()).timestamp;
  const alpha = findToken(manifest(), "ALPHA");
  return {
    version: MESSAGE_VERSION,
    nonce: 1_000_000_000n + now,
    sourceChainId: BigInt(l2("l2a").chainId),
    destChainId: BigInt(l2("l2b").chainId),
    sourceGateway: l2("l2a").gateway,
    destGateway: l2("l2b").gateway,
    sender: address(manifest().devKeys!.users[0]!),
    recipient: address(manifest().devKeys!.users[0]!),
    tokenChainId: BigInt(alpha.homeChainId),
    token: alpha.homeToken,
    amount: 1n,
    deadline: now + 3_600n,
    dropOff: 0n,
  };
}

async function simulateDeliver(message: Message, signerKeys: string[], setMembers: Address[], setIndex: number) {
  const attestation = await attestWith(
    signerKeys.map((k) => privateKeyToAccount(k as Hex)),
    setMembers,
    { destChainId: message.destChainId, destGateway: message.destGateway },
    messageId(message),
    setIndex,
  );
  return client("l2b").simulateContract({
    address: l2("l2b").gateway,
    abi: bridgeGatewayAbi,
    functionName: "deliver",
    args: deliverArgs([message], attestation),
    account: privateKeyToAccount(manifest().devKeys!.relayers[0]! as Hex),
  });
}

describe("guardian-set rotation", () => {
  it("rotates under load: none lost, none executed twice, new deliveries attested by the new set; the removed guardian is refused after the grace period", async () => {
    const keys = manifest().devKeys!;
    const [removedKey, ...keptKeys] = keys.guardians;
    const standbyKey = keys.standbyGuardians[0]!;
    const oldSet = sortGuardians(keys.guardians.map(address));
    const newSet = sortGuardians([...keptKeys, standbyKey].map(address));

    // Load: two users each way, one transfer after another, until told to stop.
    const sent: Sent[] = [];
    const stop = new AbortController();
    const load = Promise.all([
      sendLoop(keys.users[0]!, "l2a", "l2b", "ALPHA", stop.signal, sent),
      sendLoop(keys.users[1]!, "l2a", "l2b", "ALPHA", stop.signal, sent),
      sendLoop(keys.users[2]!, "l2b", "l2a", "BETA", stop.signal, sent),
      sendLoop(keys.users[3]!, "l2b", "l2a", "BETA", stop.signal, sent),
    ]);
    load.catch(() => undefined); // awaited (and rethrown) below; not an unhandled rejection meanwhile
    try {
      await waitFor("transfers before the rotation", async () => sent.length >= 8, 60_000, 200);

      // The rotation: a timelocked governance action on both gateways, in parallel.
      const council = devCouncil(manifest());
      await Promise.all(
        ["l2a", "l2b"].map((name) =>
          council.enact(
            council.chain(name),
            [setGuardianSetCall(council.chain(name) as GatewayChain, newSet, 2, GRACE_SECONDS)],
            councilSigners(manifest()),
          ),
        ),
      );
      const rotatedAt = sent.length;
      // Within the grace period the previous set still verifies (a delivery attested just
      // before the rotation still lands); the grace is far longer than this check takes.
      expect(
        await revertOf(simulateDeliver(await probeMessage(), [removedKey!, keptKeys[0]!], oldSet, 0)),
      ).toBeUndefined();
      for (const name of ["l2a", "l2b"]) {
        expect(
          await client(name).readContract({
            address: l2(name).gateway,
            abi: bridgeGatewayAbi,
            functionName: "guardianSetIndex",
          }),
        ).toBe(1);
      }
      await waitFor("transfers after the rotation", async () => sent.length >= rotatedAt + 8, 60_000, 200);
    } finally {
      stop.abort();
      await load;
    }

    // Every transfer executes on its destination, exactly once.
    await waitFor(
      `all ${sent.length} transfers executed`,
      async () => {
        const done = await Promise.all(
          sent.map((s) =>
            client(s.dest).readContract({
              address: l2(s.dest).gateway,
              abi: bridgeGatewayAbi,
              functionName: "isProcessed",
              args: [s.message.sourceChainId, s.message.sourceGateway, s.message.nonce],
            }),
          ),
        );
        return done.every(Boolean);
      },
      180_000,
      500,
    );
    const executed = [...(await executedEvents("l2a")), ...(await executedEvents("l2b"))];
    const counts = new Map<string, number>();
    for (const e of executed) counts.set(e.args.msgId!, (counts.get(e.args.msgId!) ?? 0) + 1);
    for (const s of sent) expect(counts.get(s.msgId), s.msgId).toBe(1);
    expect(executed).toHaveLength(sent.length);

    // The last delivery was attested by the new set (index 1): relayers and guardians followed
    // the chain without a restart, the standby guardian included.
    for (const name of ["l2a", "l2b"]) {
      const here = (await executedEvents(name)).sort((a, b) => Number(b.blockNumber - a.blockNumber));
      const tx = await client(name).getTransaction({ hash: here[0]!.transactionHash! });
      const { functionName, args } = decodeFunctionData({ abi: bridgeGatewayAbi, data: tx.input });
      expect(functionName).toBe("deliver");
      // v2 `deliver(messages, proofs, guardianSetIndex, signatures)`: no guardian list in the
      // call, so recover the signers of the attested root and check they are of the new set.
      const [packed, proofs, setIndex, signatures] = args as readonly [Hex, readonly (readonly Hex[])[], number, Hex];
      expect(setIndex, name).toBe(1);
      const domain = { destChainId: BigInt(l2(name).chainId), destGateway: l2(name).gateway };
      const ids = decodeDeliveryBatch(packed, domain.destChainId, domain.destGateway).map(messageId);
      const root = proofs.length === 0 ? merkleRoot(ids) : processProof(ids[0]!, proofs[0]!);
      const sigs = unpackSignatures(signatures);
      expect(sigs.length, name).toBeGreaterThanOrEqual(2);
      for (const signature of sigs) {
        expect(newSet, name).toContain(await attestationSigner(domain, root, setIndex, signature));
      }
    }

    // `bridge transfer` / `status` count attestations from the destination's current set too,
    // finding the standby guardian's URL in the manifest's directory.
    const sdk = new BridgeClient(manifest());
    const seen = await sdk.currentGuardianSet(sdk.chain("l2b"));
    expect(seen.guardians.map((g) => g.address)).toEqual(newSet);
    expect(seen.guardians.every((g) => g.url.startsWith("http://127.0.0.1:"))).toBe(true);

    // So does the monitor: it watches the new set (the standby in, the removed guardian out),
    // so guardian liveness and quorum headroom are judged against the set that signs now.
    await waitFor(
      "the monitor to watch the new guardian set",
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${devnet.ports.monitor}/metrics`)).text();
        const watched = (key: string) => text.includes(`bridge_guardian_up{guardian="${address(key)}"}`);
        return watched(standbyKey) && !watched(removedKey!) && keptKeys.every(watched);
      },
      60_000,
      1_000,
    );

    // The standby guardian signs for real: with one kept guardian stopped, the new set's
    // threshold (2 of 3) needs it, and a transfer each way still executes.
    const keptIndex = keys.guardians.indexOf(keptKeys[0]!);
    await devnet.guardians[keptIndex]!.stop();
    const more: Sent[] = [];
    await sendOne(keys.users[4]!, "l2a", "l2b", "ALPHA", more);
    await sendOne(keys.users[5]!, "l2b", "l2a", "BETA", more);
    await waitFor(
      "the transfers attested with the standby guardian",
      async () => (await Promise.all(more.map(isProcessed))).every(Boolean),
      120_000,
      500,
    );

    // After the grace period, the removed guardian's signature (old set or new) is refused.
    const [, , expiresAt] = await client("l2b").readContract({
      address: l2("l2b").gateway,
      abi: bridgeGatewayAbi,
      functionName: "guardianSet",
      args: [0],
    });
    expect(expiresAt).toBeGreaterThan(0n);
    const probe = await probeMessage();
    await waitFor(
      "the previous set's grace period to end",
      async () => (await client("l2b").getBlock()).timestamp > expiresAt,
      (GRACE_SECONDS + 30) * 1000,
      500,
    );
    expect(await revertOf(simulateDeliver(probe, [removedKey!, keptKeys[0]!], oldSet, 0))).toBe(
      "BridgeGuardianSetExpired",
    );
    expect(await revertOf(simulateDeliver(probe, [removedKey!, keptKeys[0]!], newSet, 1))).toBe(
      "GuardianSignerUnknown",
    );
    expect(await revertOf(simulateDeliver(probe, [keptKeys[0]!, standbyKey], newSet, 1))).toBeUndefined();
  });
});
