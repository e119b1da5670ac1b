/**
 * A transfer from request to sent message: `validateTransfer` (problems by field), `quote`
 * (limits, fast or delayed and why, deadline, fee, ETA), `buildTransfer` (unsigned approve +
 * send for any wallet) and `sendTransfer` (a viem `WalletClient` signs them). All four read the
 * chains once through `inspect`, so what the quote promises is what was validated.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeFunctionData,
  encodeFunctionData,
  erc20Abi,
  isAddressEqual,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { viemChain } from "../core/chains.js";
import { bucketRoomAt, type DeadlineWindows, type RateLimitBucket } from "../core/gateway.js";
import { bridgedTokenAbi, bridgeGatewayAbi } from "../core/generated/abis.js";
import { decodeMessagesSent } from "../core/logs.js";
import type { GatewayChain } from "../core/manifest.js";
import { formatEth, formatTokens } from "./amount.js";
import type { BridgeClient } from "./client.js";
import {
  GatewayRefusedError,
  InvalidTransferError,
  PortcullisError,
  SendStoppedError,
  TransactionRevertedError,
  WrongChainError,
  type TransferProblems,
} from "./errors.js";
import { checkTransfer, type ResolvedTransfer, type TransferRequest } from "./input.js";
import type { SentRecord } from "./tracker.js";

/** A transaction for any wallet to sign: `to`, `data` and `value` on chain `chainId`. */
export interface UnsignedTransaction {
  /** "approve": let the gateway take the tokens; "send": the transfer; "deliver": a self-relay. */
  kind: "approve" | "send" | "deliver";
  chainId: number;
  to: Address;
  data: Hex;
  value: bigint;
  /** What it does, in words. */
  description: string;
}

export type TransferPath =
  /** Paid on delivery. */
  | { kind: "fast" }
  /** Queued on delivery for `delaySeconds` (vetoable), because it is above the fast limit or the inbound bucket lacks room. */
  | { kind: "delayed"; reason: "above-fast-limit" | "inbound-rate-limit"; delaySeconds: number };

/** What a transfer costs in the source chain's native token (wei), besides gas. */
export interface TransferFee {
  /** `msg.value` of the send: `quote`, or 0 when the sender relays it itself (`payFee: false`). */
  amount: bigint;
  /** What the source gateway's `quoteFee` asks now (delivery plus the drop-off). */
  quote: bigint;
  /** The delivery part of the quote (a relayer's destination gas, converted, plus a flat fee). */
  delivery: bigint;
  /** The drop-off's part of the quote (its native tokens and the gas of handing them over, converted). */
  dropOffCost: bigint;
  /** Destination wei the recipient receives as native gas (0: none). */
  dropOff: bigint;
  /** Largest drop-off governance allows on this route (destination wei). */
  dropOffCap: bigint;
  /** False when the sender pays nothing and will relay the message itself. */
  paid: boolean;
}

export interface Quote {
  transfer: ResolvedTransfer;
  /** What the gateway charges for delivery (and the drop-off), paid as `msg.value` of the send. */
  fee: TransferFee;
  path: TransferPath;
  limits: {
    /** Largest amount the destination pays at once. */
    fastLimit: bigint;
    /** What the source's outbound bucket lets out now. */
    outboundAvailable: bigint;
    /** What the destination's inbound bucket takes now. */
    inboundAvailable: bigint;
    /** How long a delayed transfer waits on the destination. */
    largeDelaySeconds: number;
  };
  /** When the transfer stops being deliverable (and becomes escapable), by the source's clock. */
  deadline: { seconds: number; at: number };
  /** Whether the gateway needs an allowance first (home tokens are locked); absent without a sender. */
  approval?: { needed: boolean; allowance: bigint };
  /** Estimated seconds from sending to payout (source confirmations, relay, and any delay). */
  estimatedSeconds: number;
}

export interface BuiltTransfer {
  quote: Quote;
  /** In order: `approve` (only when the allowance is short), then `send`. */
  transactions: UnsignedTransaction[];
}

/** Progress of `sendTransfer`, Across-style. */
export type SendProgress =
  | { step: "approve" | "send"; status: "signing" }
  | { step: "approve" | "send"; status: "submitted"; hash: Hex }
  | { step: "approve" | "send"; status: "mined"; hash: Hex };

export interface SendOptions {
  onProgress?: (progress: SendProgress) => void;
  /**
   * Stops the send: before a transaction is signed nothing more is sent; while one is being
   * mined the wait ends (it may still be mined). Either way `SendStoppedError`. Without it the
   * wait for a receipt ends only with the receipt or viem's timeout (three minutes).
   */
  signal?: AbortSignal;
}

/** What `inspect` read from both chains. */
interface Inspection {
  problems: TransferProblems;
  transfer?: ResolvedTransfer;
  facts?: {
    largeDelaySeconds: number;
    fastLimit: bigint;
    outboundAvailable: bigint;
    inboundAvailable: bigint;
    inboundBucket: RateLimitBucket;
    windows: DeadlineWindows;
    sourceTime: number;
    blockTimeSeconds: number;
    allowance?: bigint;
    sourceIsHome: boolean;
    fee: TransferFee;
  };
}

/** Validation against the manifest, then both chains; the shared first step of every call. */
async function inspect(client: BridgeClient, request: TransferRequest): Promise<Inspection> {
  const { transfer, problems } = checkTransfer(client.manifest, request);
  if (!transfer) return { problems };
  const { from, to, token, sourceToken, destToken, amount, sender } = transfer;

  const reachable = await Promise.all(
    ([from, to] as const).map((chain) =>
      client.checkReachable(chain).then(
        () => true,
        (e: unknown) => {
          if (!(e instanceof PortcullisError)) throw e;
          problems[chain === from ? "from" : "to"] = e.shortMessage;
          return false;
        },
      ),
    ),
  );
  if (!reachable.every(Boolean)) return { problems };

  const src = client.client(from);
  const srcGateway = client.gateway(from);
  const dstGateway = client.gateway(to);
  const [srcPaused, srcRoute, local, outboundAvailable, outboundBucket, windows, head, blockTimeSeconds] =
    await client.read(from, () =>
      Promise.all([
        srcGateway.paused(),
        srcGateway.route(to.chainId),
        srcGateway.localToken(sourceToken),
        srcGateway.availableRateLimit(BigInt(token.homeChainId), token.homeToken, "outbound"),
        srcGateway.rateLimit(BigInt(token.homeChainId), token.homeToken, "outbound"),
        srcGateway.deadlineWindows(),
        src.getBlock({ blockTag: "latest" }),
        client.blockTimeSeconds(from),
      ]),
    );
  const [dstPaused, dstRoute, inbound, inboundAvailable, inboundBucket, largeDelaySeconds] = await client.read(to, () =>
    Promise.all([
      dstGateway.paused(),
      dstGateway.route(from.chainId),
      dstGateway.inboundToken(BigInt(token.homeChainId), token.homeToken),
      dstGateway.availableRateLimit(BigInt(token.homeChainId), token.homeToken, "inbound"),
      dstGateway.rateLimit(BigInt(token.homeChainId), token.homeToken, "inbound"),
      dstGateway.largeDelay(),
    ]),
  );
  const [balance, eth, allowance] = sender
    ? await client.read(from, () =>
        Promise.all([
          src.readContract({ address: sourceToken, abi: erc20Abi, functionName: "balanceOf", args: [sender] }),
          src.getBalance({ address: sender }),
          local.isHome
            ? src.readContract({
                address: sourceToken,
                abi: erc20Abi,
                functionName: "allowance",
                args: [sender, from.gateway],
              })
            : Promise.resolve(0n),
        ]),
      )
    : [undefined, undefined, undefined];

  const fee = await readFee(client, transfer);
  const tokens = (v: bigint) => formatTokens(v, token.decimals, token.symbol);
  const sourceTime = Number(head.timestamp);
  const route = `${from.name} → ${to.name}`;
  if (srcPaused) problems.from = `the ${from.name} gateway is paused, so nothing can be sent from it now.`;
  if (dstPaused) problems.to = `the ${to.name} gateway is paused, so a transfer to it could not be delivered now.`;
  else if (!srcRoute.enabled || !isAddressEqual(srcRoute.gateway, to.gateway)) {
    problems.to = `the route ${route} is disabled on ${from.name}.`;
  } else if (!dstRoute.enabled || !isAddressEqual(dstRoute.gateway, from.gateway)) {
    problems.to = `the route ${route} is disabled on ${to.name}, so the transfer could not be delivered.`;
  }
  if (!local.registered || !isAddressEqual(local.homeToken, token.homeToken)) {
    problems.token = `${token.symbol} is not registered on the ${from.name} gateway.`;
  } else if (!inbound.registered) {
    problems.token = `${token.symbol} is not registered on the ${to.name} gateway.`;
  }
  if (balance !== undefined && amount > balance) {
    problems.amount = `amount ${tokens(amount)} exceeds the balance of ${sender} on ${from.name} (${tokens(balance)}).`;
  } else if (amount > outboundAvailable) {
    const roomAt = bucketRoomAt(outboundBucket, amount, sourceTime);
    problems.amount =
      roomAt === undefined
        ? `amount ${tokens(amount)} is more than the ${from.name} outbound rate limit ever lets out at once (${tokens(outboundBucket.capacity)}).`
        : `the ${from.name} outbound rate limit has room for ${tokens(outboundAvailable)} now; send less or wait until ${new Date(roomAt * 1000).toISOString()}.`;
  }
  if (sender === undefined) problems.sender = "the sender's address is needed to check the balance and the allowance.";
  else if (eth === 0n) problems.sender = `${sender} has no ETH on ${from.name} to pay for gas.`;
  else if (eth !== undefined && fee && eth <= fee.amount) {
    problems.sender = `${sender} has ${formatEth(eth)} on ${from.name}, not enough for the ${formatEth(fee.amount)} fee plus gas.`;
  }
  if (transfer.dropOff > 0n && fee && transfer.dropOff > fee.dropOffCap) {
    problems.dropOff =
      fee.dropOffCap === 0n
        ? `the ${from.name} gateway allows no gas drop-off to ${to.name}.`
        : `a drop-off of ${formatEth(transfer.dropOff)} is more than the ${formatEth(fee.dropOffCap)} the ${from.name} gateway allows per transfer to ${to.name}.`;
  }
  if (!fee && !problems.to)
    problems.to = `the ${from.name} gateway quotes no delivery fee to ${to.name}; the route is not priced.`;
  const deadline = transfer.deadlineSeconds;
  if (deadline !== undefined && (deadline < windows.minSeconds || deadline > windows.maxSeconds)) {
    problems.deadline = `the ${from.name} gateway accepts a deadline between ${windows.minSeconds} and ${windows.maxSeconds} seconds from now, not ${deadline}.`;
  }
  return {
    problems,
    transfer,
    facts: {
      largeDelaySeconds,
      fastLimit: inbound.fastLimit,
      outboundAvailable,
      inboundAvailable,
      inboundBucket,
      windows,
      sourceTime,
      blockTimeSeconds,
      allowance,
      sourceIsHome: local.isHome,
      fee: fee ?? emptyFee(transfer),
    },
  };
}

function emptyFee(transfer: ResolvedTransfer): TransferFee {
  return {
    amount: 0n,
    quote: 0n,
    delivery: 0n,
    dropOffCost: 0n,
    dropOff: transfer.dropOff,
    dropOffCap: 0n,
    paid: false,
  };
}

/**
 * The fee of `transfer` from the source gateway: the drop-off cap of the route, the quote
 * without and (when a drop-off within the cap is asked) with the drop-off. Undefined when the
 * gateway cannot quote the route (unknown route or no pricing; `quoteFee` reverts then).
 */
async function readFee(client: BridgeClient, transfer: ResolvedTransfer): Promise<TransferFee | undefined> {
  const { from, to, dropOff } = transfer;
  const gateway = client.gateway(from);
  const [cap, delivery] = await client.read(from, () =>
    Promise.all([
      gateway.dropOffCap(to.chainId).catch(() => undefined),
      gateway.quoteFee(to.chainId, 0n).catch(() => undefined),
    ]),
  );
  if (cap === undefined || delivery === undefined) return undefined;
  const withDropOff =
    dropOff > 0n && dropOff <= cap
      ? await client.read(from, () => gateway.quoteFee(to.chainId, dropOff).catch(() => undefined))
      : delivery;
  if (withDropOff === undefined) return undefined;
  return {
    amount: transfer.payFee ? withDropOff : 0n,
    quote: withDropOff,
    delivery,
    dropOffCost: withDropOff - delivery,
    dropOff,
    dropOffCap: cap,
    paid: transfer.payFee,
  };
}

export async function validateTransfer(client: BridgeClient, request: TransferRequest): Promise<TransferProblems> {
  return (await inspect(client, request)).problems;
}

/** The quote of an inspection; throws when there are problems (but for `ignore`). */
function quoteOf(client: BridgeClient, inspection: Inspection, ignore: readonly string[] = []): Quote {
  const problems: TransferProblems = { ...inspection.problems };
  for (const field of ignore) delete problems[field as keyof TransferProblems];
  if (Object.keys(problems).length > 0 || !inspection.transfer || !inspection.facts) {
    throw new InvalidTransferError(problems);
  }
  const { transfer, facts } = inspection;
  const deliveredIn = transfer.from.confirmations * facts.blockTimeSeconds + client.relaySeconds;
  const inboundRoomAt = bucketRoomAt(facts.inboundBucket, transfer.amount, facts.sourceTime + deliveredIn);
  const path: TransferPath =
    transfer.amount > facts.fastLimit
      ? { kind: "delayed", reason: "above-fast-limit", delaySeconds: facts.largeDelaySeconds }
      : inboundRoomAt === undefined || inboundRoomAt > facts.sourceTime + deliveredIn
        ? { kind: "delayed", reason: "inbound-rate-limit", delaySeconds: facts.largeDelaySeconds }
        : { kind: "fast" };
  const window = transfer.deadlineSeconds ?? facts.windows.defaultSeconds;
  return {
    transfer,
    fee: facts.fee,
    path,
    limits: {
      fastLimit: facts.fastLimit,
      outboundAvailable: facts.outboundAvailable,
      inboundAvailable: facts.inboundAvailable,
      largeDelaySeconds: facts.largeDelaySeconds,
    },
    deadline: { seconds: window, at: facts.sourceTime + window },
    approval:
      facts.allowance === undefined
        ? undefined
        : { needed: facts.sourceIsHome && facts.allowance < transfer.amount, allowance: facts.allowance },
    estimatedSeconds: Math.ceil(deliveredIn + (path.kind === "delayed" ? path.delaySeconds : 0)),
  };
}

export async function quote(client: BridgeClient, request: TransferRequest): Promise<Quote> {
  const inspection = await inspect(client, request);
  // Without a sender the balance and allowance are unknown, which a quote can live with.
  return quoteOf(client, inspection, request.sender === undefined ? ["sender"] : []);
}

export async function buildTransfer(client: BridgeClient, request: TransferRequest): Promise<BuiltTransfer> {
  const q = quoteOf(client, await inspect(client, request));
  const t = q.transfer;
  const transactions: UnsignedTransaction[] = [];
  const tokens = formatTokens(t.amount, t.token.decimals, t.token.symbol);
  if (q.approval?.needed) {
    transactions.push({
      kind: "approve",
      chainId: t.from.chainId,
      to: t.sourceToken,
      data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [t.from.gateway, t.amount] }),
      value: 0n,
      description: `allow the ${t.from.name} gateway to take ${tokens}`,
    });
  }
  // Deadline 0 lets the gateway apply its default window; an explicit one counts from the
  // source's clock at quote time.
  const deadline = t.deadlineSeconds === undefined ? 0n : BigInt(q.deadline.at);
  transactions.push({
    kind: "send",
    chainId: t.from.chainId,
    to: t.from.gateway,
    data: encodeFunctionData({
      abi: bridgeGatewayAbi,
      functionName: "send",
      args: [t.sourceToken, BigInt(t.to.chainId), t.recipient!, t.amount, deadline, t.dropOff],
    }),
    value: q.fee.amount,
    description: `send ${tokens} from ${t.from.name} to ${t.recipient} on ${t.to.name}${
      t.dropOff > 0n ? ` with ${formatEth(t.dropOff)} of gas there` : ""
    }, paying ${q.fee.paid ? `a ${formatEth(q.fee.amount)} delivery fee` : "no delivery fee (you relay it yourself)"}`,
  });
  return { quote: q, transactions };
}

/** The address a wallet signs with (its account, or the first it exposes). */
export async function walletAddress(wallet: WalletClient): Promise<Address> {
  if (wallet.account) return wallet.account.address;
  const [address] = await wallet.getAddresses();
  if (!address) throw new PortcullisError("the wallet exposes no account.");
  return address;
}

/**
 * Sends one unsigned transaction with `wallet`, refusing (before anything is signed) a wallet
 * on another chain; resolves when it is mined, throws `TransactionRevertedError` on a revert
 * and `SendStoppedError` when `signal` stops it.
 */
export async function sendUnsigned(
  client: BridgeClient,
  chain: GatewayChain,
  wallet: WalletClient,
  tx: UnsignedTransaction,
  options: { onSubmitted?: (hash: Hex) => void; signal?: AbortSignal } = {},
) {
  const { signal } = options;
  const actual = await wallet.getChainId();
  if (actual !== chain.chainId) throw new WrongChainError(chain.chainId, actual, chain.name);
  const account = wallet.account ?? (await walletAddress(wallet));
  // The last moment a stop can keep the transaction from being sent: a wallet's signing prompt
  // cannot be withdrawn once shown.
  if (signal?.aborted) throw new SendStoppedError(tx.kind, undefined, { cause: signal.reason });
  const hash = await wallet.sendTransaction({
    account,
    chain: viemChain(chain),
    to: tx.to,
    data: tx.data,
    value: tx.value,
  } as Parameters<WalletClient["sendTransaction"]>[0]);
  options.onSubmitted?.(hash);
  const receipt = await client
    .read(chain, () => client.client(chain).waitForTransactionReceipt({ hash, signal }))
    .catch((e: unknown) => {
      if (signal?.aborted) throw new SendStoppedError(tx.kind, hash, { cause: e });
      throw e;
    });
  if (receipt.status !== "success") throw new TransactionRevertedError(tx.kind, hash);
  return receipt;
}

export async function sendTransfer(
  client: BridgeClient,
  request: TransferRequest,
  wallet: WalletClient,
  options: SendOptions = {},
): Promise<SentRecord> {
  const sender = await walletAddress(wallet);
  if (request.sender !== undefined && !isAddressEqual(request.sender as Address, sender)) {
    throw new InvalidTransferError({ sender: `the wallet signs as ${sender}, not as the sender ${request.sender}.` });
  }
  const { quote: q, transactions } = await buildTransfer(client, { ...request, sender });
  const from = q.transfer.from;
  const progress = options.onProgress ?? (() => {});
  for (const tx of transactions) {
    const step = tx.kind === "approve" ? "approve" : "send";
    if (step === "send") await simulateGatewayCall(client, from, sender, tx);
    progress({ step, status: "signing" });
    const receipt = await sendUnsigned(client, from, wallet, tx, {
      onSubmitted: (hash) => progress({ step, status: "submitted", hash }),
      signal: options.signal,
    });
    progress({ step, status: "mined", hash: receipt.transactionHash });
    if (step !== "send") continue;
    const [sent] = decodeMessagesSent(receipt.logs, from.gateway);
    if (!sent) throw new PortcullisError(`the send transaction ${receipt.transactionHash} emitted no MessageSent.`);
    const block = await client.read(from, () => client.client(from).getBlock({ blockNumber: receipt.blockNumber }));
    return client.record(sent, receipt.transactionHash, receipt.blockNumber, Number(block.timestamp));
  }
  throw new Error("buildTransfer returned no send transaction");
}

/** The gateway's ABI plus the ERC-20 errors a token can raise inside `send` (OpenZeppelin's). */
const REVERT_ABI = [...bridgeGatewayAbi, ...bridgedTokenAbi.filter((item) => item.type === "error")] as const;

/**
 * Simulates a gateway call (a `send` after its approval, a `deliver`) so a refusal is explained
 * in words before anything is spent on it.
 */
export async function simulateGatewayCall(
  client: BridgeClient,
  chain: GatewayChain,
  account: Address,
  tx: UnsignedTransaction,
): Promise<void> {
  const { functionName, args } = decodeFunctionData({ abi: bridgeGatewayAbi, data: tx.data });
  try {
    await client.client(chain).simulateContract({
      address: tx.to,
      abi: REVERT_ABI,
      functionName,
      args,
      account,
      value: tx.value,
    } as unknown as Parameters<PublicClient["simulateContract"]>[0]);
  } catch (e) {
    throw gatewayRefusal(e, chain.name) ?? e;
  }
}

/** Sentences for the gateway errors a `send` or `deliver` can hit; undefined for anything else. */
export function gatewayRefusal(e: unknown, chain: string): GatewayRefusedError | undefined {
  if (!(e instanceof BaseError)) return undefined;
  const revert = e.walk((x) => x instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  const errorName = revert.data?.errorName;
  const sentences: Record<string, string> = {
    BridgePaused: `the ${chain} gateway is paused.`,
    BridgeUnknownRoute: `the route is disabled on ${chain}.`,
    BridgeUnknownToken: `the token is not registered on the ${chain} gateway.`,
    BridgeRateLimited: `the ${chain} outbound rate limit has no room for this amount now; send less or wait for it to refill.`,
    BridgeInvalidTransfer: `the gateway refused the transfer (zero amount, zero recipient, or an amount too large for the limits).`,
    BridgeFeeOnTransfer: `the token charged a fee on transfer, which the bridge does not support.`,
    BridgeInvalidDeadline: `the deadline is outside the ${chain} gateway's allowed window.`,
    BridgeMessageExpired: `the message passed its deadline; it can only be escaped now.`,
    BridgeMessageAlreadyProcessed: `the message was already delivered on ${chain}.`,
    BridgeFeeTooLow: `the delivery fee on ${chain} rose since the quote; quote the transfer again.`,
    BridgeDropOffTooLarge: `the drop-off is more than the ${chain} gateway allows on this route.`,
    BridgeDropOffNotSupplied: `the delivery must carry its messages' drop-off as its value.`,
    ERC20InsufficientBalance: `the amount exceeds the sender's balance on ${chain}.`,
    ERC20InsufficientAllowance: `the gateway's allowance is too small on ${chain}.`,
  };
  const sentence = errorName ? sentences[errorName] : undefined;
  return new GatewayRefusedError(sentence ?? `the ${chain} gateway refused it: ${revert.shortMessage}`, errorName, {
    cause: e,
  });
}
