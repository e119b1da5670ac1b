/**
 * The escape hatch, as a user drives it: a stuck transfer's way home through L1, with no
 * guardian or relayer involved. `observeEscape` reads where an escape stands from the chains
 * alone (so `bridge escape` resumes after any interruption and `bridge status` can show it);
 * `advanceEscape` performs the one action the current stage allows, if any.
 *
 *   1. deadline     the message must be past its deadline on the destination (undelivered, or
 *                   vetoed); before that a relayer may still deliver it.
 *   2. cancel       `cancelExpired(message, refundOnL1)` on the destination gateway: the message
 *                   can never be delivered afterwards; an L2→L1 message goes to the EscapeHatch.
 *   3. L1 proof     once the destination rollup posts an output root covering that message and
 *                   the finalization window passes, it is proven on L1 (`relayMessage`), and the
 *                   EscapeHatch sends `refund` to the source gateway as an L1→L2 deposit.
 *   4. refund       the source rollup relays the deposit: the source gateway unlocks or re-mints
 *                   to the sender, or (refund on L1) starts the canonical withdrawal.
 *   5. L1 tokens    (refund on L1 only) the withdrawal is proven on L1 like step 3 and the L1
 *                   token bridge releases the tokens to the sender's L1 address.
 */
import { parseEventLogs, type Address, type GetContractEventsReturnType, type Hex, type PublicClient } from "viem";
import { bridgeGatewayAbi, simL2MessengerAbi } from "../core/generated/abis.js";
import { findChain, type ChainInfo, type Manifest, type RollupInfo } from "../core/manifest.js";
import { proveAndRelayWithdrawal, withdrawalStatus, type Withdrawal, type WithdrawalStatus } from "../core/rollup.js";
import { privateKeyToAccount } from "viem/accounts";
import {
  InvalidInputError,
  MessageStatus,
  type BridgeClient as BridgeSdk,
  type GatewayChain,
  type SentRecord,
} from "@portcullis/sdk";
import { walletClientFor } from "../core/chains.js";

/** An L2→L1 message of the escape and where it stands on L1. */
export interface EscapeWithdrawal {
  /** The L2 it leaves from. */
  chain: string;
  withdrawal: Withdrawal;
  status: WithdrawalStatus;
}

export type EscapeStage =
  /** Delivered (or queued, executed): there is nothing to escape. */
  | { stage: "not-escapable"; reason: string }
  | { stage: "waiting-deadline"; deadline: number; now: number }
  | { stage: "cancellable" }
  | { stage: "proving"; leg: "cancel" | "l1-withdrawal"; withdrawal: EscapeWithdrawal }
  | { stage: "awaiting-refund"; depositNote: string }
  | { stage: "done"; onL1: boolean; refundTx: Hex };

export interface EscapeState {
  sent: SentRecord;
  stage: EscapeStage;
  cancelTx?: Hex;
  refundOnL1?: boolean;
}

/** The chain's canonical messaging, from the manifest. */
function rollupOf(manifest: Manifest, chainId: bigint | number): RollupInfo {
  const chain = manifest.chains.find((c) => c.chainId === Number(chainId));
  if (!chain?.rollup) {
    throw new InvalidInputError(
      `chain ${chainId} has no canonical messaging in this manifest, so the escape hatch is not available there.`,
    );
  }
  return chain.rollup;
}

function l1Of(manifest: Manifest): ChainInfo {
  const l1 = manifest.chains.find((c) => c.kind === "l1");
  if (!l1) throw new InvalidInputError("the manifest has no L1 chain, so the escape hatch is not available.");
  return l1;
}

/** The first L2→L1 message its messenger recorded in transaction `txHash`. */
async function withdrawalOf(client: PublicClient, messenger: Address, txHash: Hex): Promise<Withdrawal> {
  const receipt = await client.getTransactionReceipt({ hash: txHash });
  const logs = parseEventLogs({ abi: simL2MessengerAbi, logs: receipt.logs, eventName: "MessagePassed" }).filter(
    (l) => l.address.toLowerCase() === messenger.toLowerCase(),
  );
  const log = logs[0];
  if (!log) throw new Error(`transaction ${txHash} sent no L2→L1 message through ${messenger}`);
  const { nonce, sender, target, data } = log.args;
  return { nonce, sender, target, data };
}

/** The L2→L1 message sent in `txHash` on `chain` (the cancellation, or a withdrawal to L1) and its L1 status. */
async function escapeWithdrawal(sdk: BridgeSdk, chain: GatewayChain, txHash: Hex): Promise<EscapeWithdrawal> {
  const rollup = rollupOf(sdk.manifest, chain.chainId);
  const l2Client = sdk.client(chain);
  const withdrawal = await withdrawalOf(l2Client, rollup.messenger, txHash);
  const status = await withdrawalStatus({
    l1Client: sdk.client(l1Of(sdk.manifest)),
    l2Client,
    portal: rollup.portal,
    messenger: rollup.messenger,
    withdrawal,
  });
  return { chain: chain.name, withdrawal, status };
}

/**
 * The first `eventName` log of `chain`'s gateway naming `msgId`, if any, scanning from
 * `fromBlock` (default: the gateway's deploy block; a refund on the source can only follow the
 * send, so that scan starts at the send's block).
 */
async function gatewayEvent<N extends "MessageCancelled" | "MessageRefunded" | "MessageExecuted">(
  sdk: BridgeSdk,
  chain: GatewayChain,
  eventName: N,
  msgId: Hex,
  fromBlock = BigInt(chain.deployBlock ?? 0),
) {
  const client = sdk.client(chain);
  const logs = await sdk.read(chain, () =>
    client.getContractEvents({
      address: chain.gateway,
      abi: bridgeGatewayAbi,
      eventName,
      // These events all index `msgId` first; viem cannot narrow the filter for a generic name.
      args: { msgId } as never,
      fromBlock,
    }),
  );
  return logs[0] as GetContractEventsReturnType<typeof bridgeGatewayAbi, N>[number] | undefined;
}

/** Reads where the escape of `sent` stands, from the chains alone. */
export async function observeEscape(sdk: BridgeSdk, sent: SentRecord): Promise<EscapeState> {
  const { message, msgId } = sent;
  const dest = sent.dest;
  const destClient = sdk.client(dest);

  // The destination's view: cancelled already, or why not yet.
  const cancelLog = await gatewayEvent(sdk, dest, "MessageCancelled", msgId);
  if (!cancelLog) {
    const [queued, processed, head] = await sdk.read(dest, () =>
      Promise.all([
        destClient.readContract({
          address: dest.gateway,
          abi: bridgeGatewayAbi,
          functionName: "queuedMessage",
          args: [msgId],
        }),
        destClient.readContract({
          address: dest.gateway,
          abi: bridgeGatewayAbi,
          functionName: "isProcessed",
          args: [message.sourceChainId, message.nonce],
        }),
        destClient.getBlock({ blockTag: "latest" }),
      ]),
    );
    const status = Number(queued.status);
    if (status === MessageStatus.Queued) {
      return notEscapable(
        sent,
        "it was delivered and is queued; it pays out after its delay (or is vetoed, then escapable).",
      );
    }
    if (status === MessageStatus.Executed) return notEscapable(sent, "it was delivered and executed.");
    if (status === MessageStatus.None && processed) {
      // Taken nonce, no queue entry: delivered on the fast path (which emits only
      // `MessageExecuted`), or a vetoed or cancelled other message holds the nonce.
      if (await gatewayEvent(sdk, dest, "MessageExecuted", msgId)) {
        return notEscapable(sent, "it was delivered and paid out.");
      }
    }
    const now = Number(head.timestamp);
    if (now <= Number(message.deadline)) {
      return { sent, stage: { stage: "waiting-deadline", deadline: Number(message.deadline), now } };
    }
    return { sent, stage: { stage: "cancellable" } };
  }

  const cancelTx = cancelLog.transactionHash;
  const refundOnL1 = cancelLog.args.refundOnL1!;
  const base = { sent, cancelTx, refundOnL1 };

  // The source's view: refunded yet?
  const source = sent.source;
  const refundLog = await gatewayEvent(sdk, source, "MessageRefunded", msgId, sent.blockNumber);
  if (!refundLog) {
    const cancellation = await escapeWithdrawal(sdk, dest, cancelTx);
    if (cancellation.status.state !== "relayed") {
      return { ...base, stage: { stage: "proving", leg: "cancel", withdrawal: cancellation } };
    }
    return {
      ...base,
      stage: {
        stage: "awaiting-refund",
        depositNote: `proven on L1; waiting for ${source.name}'s sequencer to relay the refund`,
      },
    };
  }

  const refundTx = refundLog.transactionHash;
  const onL1 = refundLog.args.onL1!;
  if (!onL1) return { ...base, stage: { stage: "done", onL1, refundTx } };

  // Refund on L1: the source gateway started a canonical withdrawal in the refund transaction.
  const toL1 = await escapeWithdrawal(sdk, source, refundTx);
  if (toL1.status.state === "relayed") return { ...base, stage: { stage: "done", onL1, refundTx } };
  return { ...base, stage: { stage: "proving", leg: "l1-withdrawal", withdrawal: toL1 } };
}

function notEscapable(sent: SentRecord, reason: string): EscapeState {
  return { sent, stage: { stage: "not-escapable", reason } };
}

/**
 * Performs the action the stage allows now, if any: cancel on the destination, or prove a
 * finalized withdrawal on L1. Returns the transaction hash, or undefined when the stage can only
 * be waited for (deadline, output root, finalization window, the sequencer's relay).
 */
export async function advanceEscape(
  sdk: BridgeSdk,
  state: EscapeState,
  key: Hex,
  options: { refundOnL1: boolean },
): Promise<Hex | undefined> {
  const { stage, sent } = state;
  if (stage.stage === "cancellable") {
    const dest = sent.dest;
    const wallet = walletClientFor(dest, privateKeyToAccount(key));
    const client = sdk.client(dest);
    if (options.refundOnL1 && wallet.account.address.toLowerCase() !== sent.message.sender.toLowerCase()) {
      throw new InvalidInputError(
        `only the sender (${sent.message.sender}) can ask for the refund on L1; use the sender's key or drop --to-l1.`,
      );
    }
    const hash = await wallet.writeContract({
      address: dest.gateway,
      abi: bridgeGatewayAbi,
      functionName: "cancelExpired",
      args: [sent.message, options.refundOnL1],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`cancelExpired reverted on ${dest.name} (${hash})`);
    return hash;
  }
  if (stage.stage === "proving" && stage.withdrawal.status.state === "final") {
    const l2 = findChain(sdk.manifest, stage.withdrawal.chain);
    const rollup = rollupOf(sdk.manifest, l2.chainId);
    const l1 = l1Of(sdk.manifest);
    return proveAndRelayWithdrawal({
      l1Wallet: walletClientFor(l1, privateKeyToAccount(key)),
      l1Client: sdk.client(l1),
      l2Client: sdk.client(l2),
      portal: rollup.portal,
      messenger: rollup.messenger,
      withdrawal: stage.withdrawal.withdrawal,
    });
  }
  return undefined;
}

/** One line on what the escape waits for, and for how long when that is known. */
export function escapeStageText(state: EscapeState, nowSeconds: number): string {
  const s = state.stage;
  switch (s.stage) {
    case "not-escapable":
      return `cannot escape: ${s.reason}`;
    case "waiting-deadline":
      return `waiting for the deadline (${Math.max(0, s.deadline - s.now)}s on the destination's clock)`;
    case "cancellable":
      return "deadline passed: ready to cancel on the destination";
    case "proving": {
      const leg = s.leg === "cancel" ? "cancellation" : "L1 withdrawal";
      const st = s.withdrawal.status;
      if (st.state === "unproposed") return `${leg}: waiting for ${s.withdrawal.chain}'s next output root on L1`;
      if (st.state === "proposed") {
        return `${leg}: in finalization window, final in ${Math.max(0, st.finalAt - nowSeconds)}s`;
      }
      if (st.state === "final") return `${leg}: final, ready to prove on L1`;
      return `${leg}: proven on L1`;
    }
    case "awaiting-refund":
      return s.depositNote;
    case "done":
      return s.onL1 ? "refunded: tokens released to the sender on L1" : "refunded to the sender on the source chain";
  }
}
