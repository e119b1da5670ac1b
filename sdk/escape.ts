/**
 * The escape hatch, as a user drives it (the engine behind `bridge escape`, and any front end's): a stuck transfer's way home through L1 with OP Stack's
 * own withdrawal flow, with no guardian or relayer involved. `observeEscape` reads where an
 * escape stands from the chains alone (so `bridge escape` resumes after any interruption and
 * `bridge status` can show it); `advanceEscape` performs the one action the current stage allows,
 * if any, with the caller's viem wallet (never a raw key).
 *
 *   1. deadline     the message must be past its deadline on the destination (undelivered, or
 *                   vetoed); before that a relayer may still deliver it.
 *   2. cancel       `cancelExpired(message, refundOnL1)` on the destination gateway: the message
 *                   can never be delivered afterwards; the gateway sends an L2→L1 message to the
 *                   EscapeHatch through the `L2CrossDomainMessenger`.
 *   3. prove        once the destination's `L2OutputOracle` holds an output root covering that
 *                   block, the withdrawal is proven on its `OptimismPortal` (viem/op-stack
 *                   `buildProveWithdrawal` + `proveWithdrawal`: the same calls a user makes on
 *                   OP Mainnet).
 *   4. finalize     after the finalization window (7 days on OP Mainnet), `finalizeWithdrawal`:
 *                   the `L1CrossDomainMessenger` calls the EscapeHatch, which sends `refund` to
 *                   the source gateway as a deposit through the source's L1 messenger.
 *   5. refund       the source L2 executes the deposit: the source gateway unlocks or re-mints to
 *                   the sender, or (refund on L1) withdraws through the `L2StandardBridge`.
 *   6. L1 tokens    (refund on L1 only) that withdrawal is proven and finalised like 3–4 and the
 *                   `L1StandardBridge` releases the tokens to the sender's L1 address.
 */
import {
  createPublicClient,
  http,
  type Account,
  type Chain,
  type GetContractEventsReturnType,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import {
  buildProveWithdrawal,
  finalizeWithdrawal,
  getL2Output,
  getTimeToProve,
  getWithdrawalStatus,
  getWithdrawals,
  proveWithdrawal,
  type GetWithdrawalStatusReturnType,
} from "viem/op-stack";
import { viemChain } from "../core/chains.js";
import { MessageStatus } from "../core/gateway.js";
import { bridgeGatewayAbi, l2OutputOracleAbi, optimismPortalAbi } from "../core/generated/abis.js";
import { findChain, type ChainInfo, type GatewayChain, type Manifest, type RollupInfo } from "../core/manifest.js";
import { opStackL2Chain } from "../core/op-stack.js";
import type { BridgeClient } from "./client.js";
import { InvalidInputError } from "./errors.js";
import type { SentRecord } from "./tracker.js";

/** A wallet on one chain: what the escape's steps are signed with. */
export type EscapeWallet = WalletClient<Transport, Chain, Account>;

/** The caller's wallet for each chain an escape acts on (the destination L2, L1). */
export type EscapeWallets = (chain: ChainInfo) => EscapeWallet;

/** The withdrawal `viem/op-stack` reads from a receipt (`getWithdrawals`). */
export type Withdrawal = ReturnType<typeof getWithdrawals>[number];

/** An L2→L1 message of the escape and where it stands on L1. */
export interface EscapeWithdrawal {
  /** The L2 it leaves from. */
  chain: string;
  /** The L2 transaction that sent it. */
  receipt: TransactionReceipt;
  withdrawal: Withdrawal;
  /** viem/op-stack's `getWithdrawalStatus`. */
  status: GetWithdrawalStatusReturnType;
  /** Seconds until the next step is possible, when the status waits for one (an estimate). */
  waitSeconds?: number;
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

type OpL2 = ChainInfo & { rollup: RollupInfo };

/** The L2's OP Stack contracts, from the manifest. */
function opL2Of(manifest: Manifest, chainId: bigint | number): OpL2 {
  const chain = manifest.chains.find((c) => c.chainId === Number(chainId));
  if (!chain?.rollup) {
    throw new InvalidInputError(
      `chain ${chainId} has no OP Stack contracts in this manifest, so the escape hatch is not available there.`,
    );
  }
  return chain as OpL2;
}

function l1Of(manifest: Manifest): ChainInfo {
  const l1 = manifest.chains.find((c) => c.kind === "l1");
  if (!l1) throw new InvalidInputError("the manifest has no L1 chain, so the escape hatch is not available.");
  return l1;
}

/**
 * Clients for the OP Stack actions: the L1 reads through deployless multicall (a chain without
 * Multicall3, like the devnet's, still answers `getTimeToFinalize`), the L2 carries its L1
 * contracts (`opStackL2Chain`) as `buildProveWithdrawal` expects.
 */
function opClients(manifest: Manifest, l2: OpL2) {
  const l1 = l1Of(manifest);
  const transport = (url: string) => http(url, { retryCount: 2, timeout: 10_000 });
  const l2Chain = opStackL2Chain(l2, l1.chainId);
  return {
    l1,
    l2Chain,
    l1Client: createPublicClient({
      chain: viemChain(l1),
      transport: transport(l1.rpcUrl),
      batch: { multicall: { deployless: true } },
    }),
    l2Client: createPublicClient({ chain: l2Chain, transport: transport(l2.rpcUrl) }),
  };
}

/** The L2→L1 message sent in `txHash` on `chain` (the cancellation, or a withdrawal to L1) and its L1 status. */
async function escapeWithdrawal(bridge: BridgeClient, chain: GatewayChain, txHash: Hex): Promise<EscapeWithdrawal> {
  const l2 = opL2Of(bridge.manifest, chain.chainId);
  const { l1Client, l2Chain } = opClients(bridge.manifest, l2);
  const receipt = await bridge.read(chain, () => bridge.client(chain).getTransactionReceipt({ hash: txHash }));
  const withdrawal = getWithdrawals(receipt)[0];
  if (!withdrawal) throw new Error(`transaction ${txHash} on ${chain.name} sent no L2→L1 message`);
  const l1 = l1Of(bridge.manifest);
  let status = await bridge.read(l1, () => getWithdrawalStatus(l1Client, { receipt, targetChain: l2Chain }));
  let waitSeconds: number | undefined;
  if (status === "ready-to-finalize" || status === "waiting-to-finalize") {
    // viem decides with this machine's clock; the portal decides with L1's, and either can be
    // ahead of the other (a devnet's moved clocks; a user's laptop clock). Ask the portal.
    const wait = await bridge.read(l1, () => finalizationWait(l1Client, l2, withdrawal));
    status = wait > 0 ? "waiting-to-finalize" : "ready-to-finalize";
    if (wait > 0) waitSeconds = wait;
  } else if (status === "waiting-to-prove") {
    waitSeconds = (await bridge.read(l1, () => getTimeToProve(l1Client, { receipt, targetChain: l2Chain }))).seconds;
  }
  return { chain: chain.name, receipt, withdrawal, status, ...(waitSeconds === undefined ? {} : { waitSeconds }) };
}

/**
 * Seconds until L1's clock lets the portal finalize `withdrawal` (0: it does now), judged by
 * simulating the finalization: on L1 a block's timestamp, not this machine's clock, decides, and
 * the two drift apart (a devnet's interval mining; a user's laptop clock).
 */
async function finalizationWait(
  l1Client: ReturnType<typeof opClients>["l1Client"],
  l2: OpL2,
  withdrawal: Withdrawal,
): Promise<number> {
  try {
    await l1Client.simulateContract({
      address: l2.rollup.portal,
      abi: optimismPortalAbi,
      functionName: "finalizeWithdrawalTransaction",
      args: [withdrawal],
    });
    return 0;
  } catch (e) {
    if (!/period has not elapsed/.test(String((e as Error).message))) return 0;
    const [[, provenAt], period, head] = await Promise.all([
      l1Client.readContract({
        address: l2.rollup.portal,
        abi: optimismPortalAbi,
        functionName: "provenWithdrawals",
        args: [withdrawal.withdrawalHash],
      }),
      l1Client.readContract({
        address: l2.rollup.l2OutputOracle,
        abi: l2OutputOracleAbi,
        functionName: "FINALIZATION_PERIOD_SECONDS",
      }),
      l1Client.getBlock(),
    ]);
    return Math.max(1, Number(provenAt + period - head.timestamp));
  }
}

/**
 * The first `eventName` log of `chain`'s gateway naming `msgId`, if any, scanning from
 * `fromBlock` (default: the gateway's deploy block; a refund on the source can only follow the
 * send, so that scan starts at the send's block).
 */
async function gatewayEvent<N extends "MessageCancelled" | "MessageRefunded" | "MessageExecuted">(
  bridge: BridgeClient,
  chain: GatewayChain,
  eventName: N,
  msgId: Hex,
  fromBlock = BigInt(chain.deployBlock ?? 0),
) {
  const client = bridge.client(chain);
  const logs = await bridge.read(chain, () =>
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
export async function observeEscape(bridge: BridgeClient, sent: SentRecord): Promise<EscapeState> {
  const { message, msgId } = sent;
  const dest = sent.dest;
  const destClient = bridge.client(dest);

  // The destination's view: cancelled already, or why not yet.
  const cancelLog = await gatewayEvent(bridge, dest, "MessageCancelled", msgId);
  if (!cancelLog) {
    const [queued, processed, head] = await bridge.read(dest, () =>
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
          args: [message.sourceChainId, message.sourceGateway, message.nonce],
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
      if (await gatewayEvent(bridge, dest, "MessageExecuted", msgId)) {
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
  const refundLog = await gatewayEvent(bridge, source, "MessageRefunded", msgId, sent.blockNumber);
  if (!refundLog) {
    const cancellation = await escapeWithdrawal(bridge, dest, cancelTx);
    if (cancellation.status !== "finalized") {
      return { ...base, stage: { stage: "proving", leg: "cancel", withdrawal: cancellation } };
    }
    return {
      ...base,
      stage: {
        stage: "awaiting-refund",
        depositNote: `finalized on L1; waiting for ${source.name} to execute the refund deposit`,
      },
    };
  }

  const refundTx = refundLog.transactionHash;
  const onL1 = refundLog.args.onL1!;
  if (!onL1) return { ...base, stage: { stage: "done", onL1, refundTx } };

  // Refund on L1: the source gateway started a standard-bridge withdrawal in the refund transaction.
  const toL1 = await escapeWithdrawal(bridge, source, refundTx);
  if (toL1.status === "finalized") return { ...base, stage: { stage: "done", onL1, refundTx } };
  return { ...base, stage: { stage: "proving", leg: "l1-withdrawal", withdrawal: toL1 } };
}

function notEscapable(sent: SentRecord, reason: string): EscapeState {
  return { sent, stage: { stage: "not-escapable", reason } };
}

/**
 * Performs the action the stage allows now, if any: cancel on the destination, or prove or
 * finalize a withdrawal on L1, signed by the caller's wallets. Returns the transaction hash once
 * mined, or undefined when the stage can only be waited for (deadline, output root, finalization
 * window, the source's execution of the refund deposit).
 */
export async function advanceEscape(
  bridge: BridgeClient,
  state: EscapeState,
  wallets: EscapeWallets,
  options: { refundOnL1: boolean },
): Promise<Hex | undefined> {
  const { stage, sent } = state;
  if (stage.stage === "cancellable") {
    const dest = sent.dest;
    const wallet = wallets(dest);
    if (options.refundOnL1 && wallet.account.address.toLowerCase() !== sent.message.sender.toLowerCase()) {
      throw new InvalidInputError(
        `only the sender (${sent.message.sender}) can ask for the refund on L1; sign with the sender's wallet, or take the refund on the source chain.`,
      );
    }
    const hash = await wallet.writeContract({
      address: dest.gateway,
      abi: bridgeGatewayAbi,
      functionName: "cancelExpired",
      args: [sent.message, options.refundOnL1],
    });
    return mined(bridge.client(dest), hash, `cancelExpired on ${dest.name}`);
  }
  if (stage.stage !== "proving") return undefined;
  const { status, receipt, withdrawal } = stage.withdrawal;
  if (status !== "ready-to-prove" && status !== "ready-to-finalize") return undefined;
  const l2 = opL2Of(bridge.manifest, findChain(bridge.manifest, stage.withdrawal.chain).chainId);
  const { l1, l1Client, l2Client, l2Chain } = opClients(bridge.manifest, l2);
  const wallet = wallets(l1);
  if (status === "ready-to-prove") {
    const output = await getL2Output(l1Client, { l2BlockNumber: receipt.blockNumber, targetChain: l2Chain });
    const args = await buildProveWithdrawal(l2Client, { withdrawal, output });
    const hash = await proveWithdrawal(wallet, { ...args, account: wallet.account, targetChain: l2Chain } as never);
    return mined(l1Client, hash, `proveWithdrawalTransaction on L1`);
  }
  const hash = await finalizeWithdrawal(wallet, {
    account: wallet.account,
    targetChain: l2Chain,
    withdrawal,
  } as never);
  return mined(l1Client, hash, `finalizeWithdrawalTransaction on L1`);
}

async function mined(client: PublicClient, hash: Hex, what: string): Promise<Hex> {
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${what} reverted (${hash})`);
  return hash;
}

/** One line on what the escape waits for, and for how long when that is known. */
export function escapeStageText(state: EscapeState): string {
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
      const w = s.withdrawal;
      const wait = w.waitSeconds === undefined ? "" : ` (about ${Math.max(0, Math.round(w.waitSeconds))}s)`;
      switch (w.status) {
        case "waiting-to-prove":
          return `${leg}: waiting for ${w.chain}'s next output root on L1${wait}`;
        case "ready-to-prove":
          return `${leg}: output root posted, ready to prove on L1`;
        case "waiting-to-finalize":
          return `${leg}: proven; in the finalization window${wait}`;
        case "ready-to-finalize":
          return `${leg}: final, ready to finalize on L1`;
        case "finalized":
          return `${leg}: finalized on L1`;
      }
      return leg;
    }
    case "awaiting-refund":
      return s.depositNote;
    case "done":
      return s.onL1 ? "refunded: tokens released to the sender on L1" : "refunded to the sender on the source chain";
  }
}
