/**
 * The simulated rollup's canonical messaging, as off-chain code sees it (`contracts/rollup/`):
 * withdrawal hashes and output roots (the same tree as `MerkleLib`, via `core/merkle.ts`),
 * inclusion proofs, and decoding of `MessagePassed` (L2 messenger) and `DepositQueued` (L1
 * portal) logs. Everything here is pure or a read; the proposer/sequencer service and the CLI's
 * `bridge escape` build on it (`rollup/`).
 */
import {
  decodeEventLog,
  encodeAbiParameters,
  encodeEventTopics,
  isAddressEqual,
  keccak256,
  type Address,
  type Hex,
  type Account,
  type Chain,
  type Log,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { simL2MessengerAbi, simRollupPortalAbi } from "./generated/abis.js";
import { merkleProof, merkleRoot, processProof } from "./merkle.js";

/** An L2→L1 message as the messenger commits it and the portal proves it. */
export interface Withdrawal {
  nonce: bigint;
  sender: Address;
  target: Address;
  data: Hex;
}

/** A `MessagePassed` log: the withdrawal, its committed hash and where it was emitted. */
export interface PassedMessage {
  withdrawal: Withdrawal;
  withdrawalHash: Hex;
  blockNumber: bigint;
  transactionHash: Hex;
}

/** A `DepositQueued` log: an L1→L2 message for the sequencer to relay, in nonce order. */
export interface QueuedDeposit {
  nonce: bigint;
  from: Address;
  target: Address;
  data: Hex;
  blockNumber: bigint;
  transactionHash: Hex;
}

/** An output proposal as stored by the portal. */
export interface OutputProposal {
  index: bigint;
  root: Hex;
  withdrawalCount: bigint;
  /** Unix seconds of the proposal. */
  timestamp: bigint;
}

const WITHDRAWAL_PARAMS = [{ type: "uint256" }, { type: "address" }, { type: "address" }, { type: "bytes" }] as const;

/** `keccak256(abi.encode(nonce, sender, target, data))`, as `SimL2Messenger.sendToL1` commits it. */
export function withdrawalHash(w: Withdrawal): Hex {
  return keccak256(encodeAbiParameters(WITHDRAWAL_PARAMS, [w.nonce, w.sender, w.target, w.data]));
}

/** The output root over the first `count` withdrawal hashes (all of them by default). */
export function outputRoot(hashes: readonly Hex[], count = hashes.length): Hex {
  if (count < 1 || count > hashes.length)
    throw new Error(`rollup: cannot build a root over ${count} of ${hashes.length} withdrawals`);
  return merkleRoot(hashes.slice(0, count));
}

/** The inclusion proof of withdrawal `nonce` in the output over the first `count` hashes. */
export function withdrawalProof(hashes: readonly Hex[], nonce: bigint | number, count = hashes.length): Hex[] {
  const index = Number(nonce);
  if (index >= count) throw new Error(`rollup: withdrawal ${index} is not in an output over ${count} withdrawals`);
  const proof = merkleProof(hashes.slice(0, count), index);
  const root = merkleRoot(hashes.slice(0, count));
  if (processProof(hashes[index]!, proof) !== root)
    throw new Error("rollup: internal error: proof does not reach the root");
  return proof;
}

const MESSAGE_PASSED_TOPIC = encodeEventTopics({ abi: simL2MessengerAbi, eventName: "MessagePassed" })[0];
const DEPOSIT_QUEUED_TOPIC = encodeEventTopics({ abi: simRollupPortalAbi, eventName: "DepositQueued" })[0];

type RawLog = Pick<Log, "address" | "data" | "topics" | "blockNumber" | "transactionHash">;

/**
 * Every `MessagePassed` among `logs` emitted by `messenger` (when given), in log order. The hash
 * is re-derived from the fields, so a log whose hash does not match its content is refused.
 */
export function decodeMessagesPassed(logs: readonly RawLog[], messenger?: Address): PassedMessage[] {
  return logs
    .filter((log) => log.topics[0] === MESSAGE_PASSED_TOPIC)
    .filter((log) => messenger === undefined || isAddressEqual(log.address, messenger))
    .map((log) => {
      const { args } = decodeEventLog({
        abi: simL2MessengerAbi,
        eventName: "MessagePassed",
        data: log.data,
        topics: log.topics as [Hex, ...Hex[]],
      });
      const withdrawal: Withdrawal = { nonce: args.nonce, sender: args.sender, target: args.target, data: args.data };
      const hash = withdrawalHash(withdrawal);
      if (hash !== args.withdrawalHash) {
        throw new Error(`MessagePassed log hash ${args.withdrawalHash} does not match its withdrawal (${hash})`);
      }
      return {
        withdrawal,
        withdrawalHash: hash,
        blockNumber: log.blockNumber ?? 0n,
        transactionHash: log.transactionHash ?? "0x",
      };
    });
}

/** Every `DepositQueued` among `logs` emitted by `portal` (when given), in log order. */
export function decodeDepositsQueued(logs: readonly RawLog[], portal?: Address): QueuedDeposit[] {
  return logs
    .filter((log) => log.topics[0] === DEPOSIT_QUEUED_TOPIC)
    .filter((log) => portal === undefined || isAddressEqual(log.address, portal))
    .map((log) => {
      const { args } = decodeEventLog({
        abi: simRollupPortalAbi,
        eventName: "DepositQueued",
        data: log.data,
        topics: log.topics as [Hex, ...Hex[]],
      });
      return {
        nonce: args.nonce,
        from: args.from,
        target: args.target,
        data: args.data,
        blockNumber: log.blockNumber ?? 0n,
        transactionHash: log.transactionHash ?? "0x",
      };
    });
}

/** `MessagePassed` logs of `messenger` from `fromBlock`, optionally only withdrawal `nonce`. */
export async function fetchMessagesPassed(
  client: PublicClient,
  messenger: Address,
  options: { fromBlock?: bigint; toBlock?: bigint; nonce?: bigint } = {},
): Promise<PassedMessage[]> {
  const logs = await client.getContractEvents({
    address: messenger,
    abi: simL2MessengerAbi,
    eventName: "MessagePassed",
    args: options.nonce === undefined ? undefined : { nonce: options.nonce },
    fromBlock: options.fromBlock ?? 0n,
    toBlock: options.toBlock ?? "latest",
  });
  return decodeMessagesPassed(logs, messenger);
}

/** `DepositQueued` logs of `portal` in [fromBlock, toBlock]. */
export async function fetchDepositsQueued(
  client: PublicClient,
  portal: Address,
  fromBlock = 0n,
  toBlock?: bigint,
): Promise<QueuedDeposit[]> {
  const logs = await client.getContractEvents({
    address: portal,
    abi: simRollupPortalAbi,
    eventName: "DepositQueued",
    fromBlock,
    toBlock: toBlock ?? "latest",
  });
  return decodeDepositsQueued(logs, portal);
}

/**
 * The messenger's withdrawal hashes from index `known.length` up to its current count, appended
 * to `known` (the list is append-only, so a caller keeps it between calls and reads only what is
 * new). Reads are concurrent; the batching transport of `publicClientFor` packs them.
 */
export async function readWithdrawalHashes(
  client: PublicClient,
  messenger: Address,
  known: readonly Hex[] = [],
): Promise<Hex[]> {
  const count = await client.readContract({
    address: messenger,
    abi: simL2MessengerAbi,
    functionName: "withdrawalCount",
  });
  // The list is append-only, but the chain under it may have been replaced (a devnet restart):
  // if the last known hash is no longer there, read everything again.
  if (known.length > 0) {
    const last = known.length - 1;
    const current =
      BigInt(last) < count
        ? await client.readContract({
            address: messenger,
            abi: simL2MessengerAbi,
            functionName: "withdrawalHash",
            args: [BigInt(last)],
          })
        : undefined;
    if (current !== known[last]) return readWithdrawalHashes(client, messenger);
  }
  const fresh: Hex[] = [];
  const CHUNK = 256;
  for (let start = known.length; start < Number(count); start += CHUNK) {
    const end = Math.min(Number(count), start + CHUNK);
    const page = await Promise.all(
      Array.from({ length: end - start }, (_, i) =>
        client.readContract({
          address: messenger,
          abi: simL2MessengerAbi,
          functionName: "withdrawalHash",
          args: [BigInt(start + i)],
        }),
      ),
    );
    fresh.push(...page);
  }
  return [...known, ...fresh];
}

/** Every output the portal holds, oldest first. */
export async function readOutputs(client: PublicClient, portal: Address): Promise<OutputProposal[]> {
  const count = await client.readContract({ address: portal, abi: simRollupPortalAbi, functionName: "outputCount" });
  const outputs = await Promise.all(
    Array.from({ length: Number(count) }, (_, i) =>
      client.readContract({ address: portal, abi: simRollupPortalAbi, functionName: "output", args: [BigInt(i)] }),
    ),
  );
  return outputs.map((o, i) => ({
    index: BigInt(i),
    root: o.root,
    withdrawalCount: o.withdrawalCount,
    timestamp: o.timestamp,
  }));
}

/** The latest output covering withdrawal `nonce` that is final at `now`, if any. */
export function latestFinalizedOutput(
  outputs: readonly OutputProposal[],
  nonce: bigint,
  now: bigint,
  finalizationSeconds: bigint,
): OutputProposal | undefined {
  return [...outputs].reverse().find((o) => o.withdrawalCount > nonce && o.timestamp + finalizationSeconds <= now);
}

/** The earliest output covering withdrawal `nonce`, if any (it becomes final first). */
export function firstCoveringOutput(outputs: readonly OutputProposal[], nonce: bigint): OutputProposal | undefined {
  return outputs.find((o) => o.withdrawalCount > nonce);
}

/** Thrown when a withdrawal cannot be proven now; `message` says why and what to wait for. */
export class RollupError extends Error {
  override name = "RollupError";
}

/**
 * Where an L2→L1 message stands on L1. `proposed`: covered by an output root still inside its
 * finalization window (`finalAt`, unix seconds on L1's clock); `final`: provable now against
 * `outputIndex`; `relayed`: executed on L1 (by anyone).
 */
export type WithdrawalStatus =
  | { state: "unproposed"; withdrawalHash: Hex }
  | { state: "proposed"; withdrawalHash: Hex; outputIndex: bigint; finalAt: number }
  | { state: "final"; withdrawalHash: Hex; outputIndex: bigint }
  | { state: "relayed"; withdrawalHash: Hex };

export interface WithdrawalQuery {
  l1Client: PublicClient;
  l2Client: PublicClient;
  /** The L2's portal on L1. */
  portal: Address;
  /** The L2's messenger. */
  messenger: Address;
  withdrawal: Withdrawal;
}

/**
 * The status of `withdrawal` (see `WithdrawalStatus`). Throws `RollupError` when the messenger
 * has no such withdrawal (wrong nonce or altered fields): it could never be proven.
 */
export async function withdrawalStatus(q: WithdrawalQuery): Promise<WithdrawalStatus> {
  const hash = await checkedWithdrawalHash(q);
  const relayed = await q.l1Client.readContract({
    address: q.portal,
    abi: simRollupPortalAbi,
    functionName: "relayed",
    args: [hash],
  });
  if (relayed) return { state: "relayed", withdrawalHash: hash };
  const [outputs, window, block] = await Promise.all([
    readOutputs(q.l1Client, q.portal),
    q.l1Client.readContract({ address: q.portal, abi: simRollupPortalAbi, functionName: "FINALIZATION_SECONDS" }),
    q.l1Client.getBlock(),
  ]);
  const final = latestFinalizedOutput(outputs, q.withdrawal.nonce, block.timestamp, window);
  if (final) return { state: "final", withdrawalHash: hash, outputIndex: final.index };
  const first = firstCoveringOutput(outputs, q.withdrawal.nonce);
  if (first) {
    return {
      state: "proposed",
      withdrawalHash: hash,
      outputIndex: first.index,
      finalAt: Number(first.timestamp + window),
    };
  }
  return { state: "unproposed", withdrawalHash: hash };
}

/**
 * Proves `withdrawal` against the latest finalized output covering it and executes it on L1
 * (`relayMessage`), paying gas from `l1Wallet`. Returns the transaction hash once it is mined.
 * Throws `RollupError` when it is not provable yet (or was relayed already), or when the output
 * root on L1 does not match the L2's withdrawals (a dishonest proposer: nothing to prove against).
 */
export async function proveAndRelayWithdrawal(
  q: WithdrawalQuery & { l1Wallet: WalletClient<Transport, Chain, Account> },
): Promise<Hex> {
  const status = await withdrawalStatus(q);
  const nonce = q.withdrawal.nonce;
  if (status.state === "relayed") throw new RollupError(`withdrawal ${nonce} was relayed on L1 already`);
  if (status.state === "unproposed") throw new RollupError(`withdrawal ${nonce} is not in an output root on L1 yet`);
  if (status.state === "proposed") {
    throw new RollupError(
      `withdrawal ${nonce} is in its finalization window until ${new Date(status.finalAt * 1000).toISOString()}`,
    );
  }
  const output = await q.l1Client.readContract({
    address: q.portal,
    abi: simRollupPortalAbi,
    functionName: "output",
    args: [status.outputIndex],
  });
  const count = Number(output.withdrawalCount);
  const hashes = await readWithdrawalHashes(q.l2Client, q.messenger);
  if (hashes.length < count || outputRoot(hashes, count) !== output.root) {
    throw new RollupError(
      `output ${status.outputIndex} on L1 does not match the L2's first ${count} withdrawals: it cannot prove anything`,
    );
  }
  const proof = withdrawalProof(hashes, nonce, count);
  const hash = await q.l1Wallet.writeContract({
    address: q.portal,
    abi: simRollupPortalAbi,
    functionName: "relayMessage",
    args: [q.withdrawal, status.outputIndex, proof],
  });
  const receipt = await q.l1Client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new RollupError(`relayMessage of withdrawal ${nonce} reverted (${hash})`);
  return hash;
}

/** The withdrawal's hash, checked against the one the messenger committed for its nonce. */
async function checkedWithdrawalHash(q: WithdrawalQuery): Promise<Hex> {
  const hash = withdrawalHash(q.withdrawal);
  const count = await q.l2Client.readContract({
    address: q.messenger,
    abi: simL2MessengerAbi,
    functionName: "withdrawalCount",
  });
  const committed =
    q.withdrawal.nonce < count
      ? await q.l2Client.readContract({
          address: q.messenger,
          abi: simL2MessengerAbi,
          functionName: "withdrawalHash",
          args: [q.withdrawal.nonce],
        })
      : undefined;
  if (committed !== hash) {
    throw new RollupError(`the L2 messenger has no withdrawal ${q.withdrawal.nonce} with these fields (hash ${hash})`);
  }
  return hash;
}
