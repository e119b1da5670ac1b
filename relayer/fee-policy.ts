/**
 * What this relayer delivers, judged by what each message paid.
 *
 * A sender pays the delivery fee on the source chain as `msg.value` of `send`; the source gateway
 * records it in `MessageSent(msgId, message, fee, quote)` beside the quote it asked at that moment
 * (gateway v2, issue 14). Fees accrue on the source gateway for the beneficiary governance names
 * (the relayer operator) to claim; a relayer never receives them per message. So a relayer's
 * policy is a choice about which messages are worth its destination gas and the drop-off native
 * tokens it supplies:
 *
 *   FEE_POLICY=quote (default)  deliver every message that paid at least its quote; leave an
 *                               underpaid one alone (logged, counted, its job completed as
 *                               "left_alone", never dead-lettered): its sender relays it
 *                               (`bridge relay`, `BridgeClient.relay`) or escapes it after its
 *                               deadline
 *   FEE_POLICY=all              deliver everything, paid or not (an operator sponsoring traffic)
 *   FEE_SPONSORED_SENDERS       senders whose unpaid messages are delivered anyway under `quote`
 *                               (an operator's own apps)
 *
 * What each message paid is in its `MessageSent` log on the source chain. The observer decodes it
 * with the message and keeps it in the delivery job; the guardians' feed lists it too, and a job
 * the feed enqueued carries it when every guardian counted toward the quorum stated the same
 * (relayer/signable.ts). So most messages need no read here. For the others (listings that
 * disagree, or older guardians that list no payments) it is read: one `eth_getLogs` per batch,
 * filtered by their message ids (an indexed topic) over the blocks the jobs name (and, for ids not
 * found there, the blocks after them: a reorg re-includes a message later). The read runs beside
 * the deliverer's destination reads. A message whose payment cannot be found is retried under
 * `quote` (never delivered unpaid by accident) and delivered under `all`. A job's payment is as
 * trustworthy as its message: both were decoded from the same log by a relayer sharing this Redis,
 * or stated alike by a guardian quorum that could sign the message whatever it paid (a false
 * payment costs the relayer gas, or leaves a message to its sender's self-relay: nothing a quorum
 * could not do by refusing to sign).
 *
 * Income and cost are counted in metrics.ts: `bridge_relayer_fee_income_wei_total` (fees of the
 * messages this relayer delivered, by source chain), `bridge_relayer_gas_spent_wei_total` and
 * `bridge_relayer_drop_off_supplied_wei_total` (by destination chain). Fees are in the source
 * chain's native token and costs in the destination's; on chains that share a native token
 * (every OP Stack L2 on ETH) the two compare directly, so an operator sees whether income covers
 * cost. The fee is attributed to the relayer that delivered the message; the beneficiary's claim
 * (`claimFees` on the source gateway) is what actually pays the operator.
 */
import { getAbiItem, isAddressEqual, type Address, type Hex, type PublicClient } from "viem";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import type { Message } from "../core/message.js";
import type { Payment } from "../core/payment.js";
import type { Logger } from "../core/service/logger.js";
import type { RelayerChain } from "./chains.js";
import type { RelayerConfig } from "./config.js";
import { RepeatFilter } from "./log-filter.js";
import type { RelayerMetrics } from "./metrics.js";

export const FEE_POLICIES = ["quote", "all"] as const;
export type FeePolicyMode = (typeof FEE_POLICIES)[number];

export interface FeePolicyOptions {
  mode: FeePolicyMode;
  /** Senders whose messages are delivered whatever they paid (lower- or mixed-case). */
  sponsoredSenders: readonly Address[];
}

export type FeeVerdict =
  /** Deliver it; `payment` undefined when it could not be read (FEE_POLICY=all only). */
  | { kind: "deliver"; payment?: Payment; why: "paid" | "sponsored" | "policy_all" }
  /** Leave it alone: it paid less than its quote. Its sender can self-relay or escape it. */
  | { kind: "left_alone"; reason: "underpaid"; payment: Payment }
  /** Its `MessageSent` was not found (yet): decide on a later attempt. */
  | { kind: "unknown" };

/** True when the message paid at least what it was quoted. */
export function paidQuote(payment: Payment): boolean {
  return payment.fee >= payment.quote;
}

/** The policy's verdict on one message. Pure. */
export function judgePayment(
  message: Pick<Message, "sender">,
  payment: Payment | undefined,
  options: FeePolicyOptions,
): FeeVerdict {
  if (options.mode === "all") return { kind: "deliver", payment, why: "policy_all" };
  if (!payment) return { kind: "unknown" };
  if (paidQuote(payment)) return { kind: "deliver", payment, why: "paid" };
  if (options.sponsoredSenders.some((s) => isAddressEqual(s, message.sender))) {
    return { kind: "deliver", payment, why: "sponsored" };
  }
  return { kind: "left_alone", reason: "underpaid", payment };
}

/** The sentence logged (and stored as the job's result) for a message left alone. */
export function leftAloneText(payment: Payment): string {
  return (
    `paid ${payment.fee} wei, less than its quote of ${payment.quote} wei: this relayer ` +
    `(FEE_POLICY=quote) leaves it alone; its sender can deliver it with bridge relay ` +
    `(BridgeClient.relay) or escape it after its deadline`
  );
}

/** Where payments come from (the source chain's logs in production; a map in tests). */
export interface PaymentSource {
  /** The payments found for `items`, keyed by lower-case msgId (missing: not found). */
  payments(items: readonly { msgId: Hex; sourceBlock: bigint }[]): Promise<Map<string, Payment>>;
}

const MESSAGE_SENT = getAbiItem({ abi: bridgeGatewayAbi, name: "MessageSent" });

/** Payments read from the `MessageSent` logs of one source gateway. */
export class LogPaymentSource implements PaymentSource {
  constructor(
    private readonly client: Pick<PublicClient, "getLogs" | "getBlockNumber">,
    private readonly gateway: Address,
    /** Most blocks one `eth_getLogs` may span (MAX_BLOCK_RANGE). */
    private readonly maxBlockRange: number,
  ) {}

  async payments(items: readonly { msgId: Hex; sourceBlock: bigint }[]): Promise<Map<string, Payment>> {
    const found = new Map<string, Payment>();
    if (items.length === 0) return found;
    // The blocks the jobs name, in windows of at most maxBlockRange.
    for (const window of windows(items, this.maxBlockRange)) await this.read(window, found);
    const missing = items.filter((i) => !found.has(i.msgId.toLowerCase()));
    if (missing.length > 0) {
      // Re-included in a later block after a reorg: look after the earliest named block.
      const from = missing.reduce((m, i) => (i.sourceBlock < m ? i.sourceBlock : m), missing[0]!.sourceBlock);
      const head = await this.client.getBlockNumber();
      const to = from + BigInt(this.maxBlockRange) - 1n < head ? from + BigInt(this.maxBlockRange) - 1n : head;
      if (to >= from) await this.read({ from, to, ids: missing.map((i) => i.msgId) }, found);
    }
    return found;
  }

  private async read(w: { from: bigint; to: bigint; ids: Hex[] }, found: Map<string, Payment>) {
    const logs = await this.client.getLogs({
      address: this.gateway,
      event: MESSAGE_SENT,
      args: { msgId: w.ids },
      fromBlock: w.from,
      toBlock: w.to,
    });
    for (const log of logs) {
      if (log.removed || !log.args.msgId || log.args.fee === undefined || log.args.quote === undefined) continue;
      found.set(log.args.msgId.toLowerCase(), { fee: log.args.fee, quote: log.args.quote });
    }
  }
}

/** Groups items into block windows of at most `range` blocks (sorted by block). */
export function windows(
  items: readonly { msgId: Hex; sourceBlock: bigint }[],
  range: number,
): { from: bigint; to: bigint; ids: Hex[] }[] {
  const sorted = [...items].sort((a, b) =>
    a.sourceBlock < b.sourceBlock ? -1 : a.sourceBlock > b.sourceBlock ? 1 : 0,
  );
  const out: { from: bigint; to: bigint; ids: Hex[] }[] = [];
  for (const item of sorted) {
    const last = out[out.length - 1];
    if (last && item.sourceBlock - last.from < BigInt(range)) {
      last.to = item.sourceBlock;
      last.ids.push(item.msgId);
    } else {
      out.push({ from: item.sourceBlock, to: item.sourceBlock, ids: [item.msgId] });
    }
  }
  return out;
}

/** The fee policy of one route, as its deliverer consults it. */
export class FeeGate {
  private readonly log: Logger;
  private readonly repeats = new RepeatFilter();

  constructor(
    private readonly source: PaymentSource,
    private readonly options: FeePolicyOptions,
    private readonly metrics: RelayerMetrics,
    private readonly route: { sourceChainId: number; destChainId: number },
    logger: Logger,
  ) {
    this.log = logger.child({ component: "fee-policy", route: `${route.sourceChainId}-${route.destChainId}` });
  }

  /**
   * The verdict on each message, keyed by lower-case msgId. Payments the items carry are used as
   * they are; the others are read from the source. A failed read leaves those `unknown` under
   * `quote` (retried) and delivers them under `all`.
   */
  async judge(
    items: readonly { msgId: Hex; message: Message; sourceBlock: bigint; payment?: Payment }[],
  ): Promise<Map<string, FeeVerdict>> {
    const payments = new Map<string, Payment>();
    for (const item of items) if (item.payment) payments.set(item.msgId.toLowerCase(), item.payment);
    const unread = items.filter((i) => !i.payment);
    try {
      if (unread.length > 0) for (const [id, p] of await this.source.payments(unread)) payments.set(id, p);
    } catch (e) {
      const err = (e as Error).message.split("\n")[0] ?? String(e);
      if (this.repeats.shouldLog("read", err)) {
        this.log.warn({ err }, "could not read what messages paid (MessageSent logs); judging them later");
      }
    }
    const verdicts = new Map<string, FeeVerdict>();
    for (const item of items) {
      const id = item.msgId.toLowerCase();
      const verdict = judgePayment(item.message, payments.get(id), this.options);
      verdicts.set(id, verdict);
      if (verdict.kind === "left_alone") {
        this.metrics.messagesLeftAlone.inc({ route: this.routeLabel, reason: verdict.reason });
        this.log.warn(
          {
            msgId: item.msgId,
            sender: item.message.sender,
            fee: verdict.payment.fee.toString(),
            quote: verdict.payment.quote.toString(),
          },
          `message left alone: ${leftAloneText(verdict.payment)}`,
        );
      } else if (verdict.kind === "deliver" && verdict.why === "sponsored") {
        this.log.info(
          { msgId: item.msgId, sender: item.message.sender },
          "underpaid message of a sponsored sender: delivering it",
        );
      }
    }
    return verdicts;
  }

  /** Counts the income and the drop-off of messages delivered in one mined transaction. */
  recordDelivered(delivered: readonly { payment?: Payment; message: Message }[]): void {
    let income = 0n;
    let dropOff = 0n;
    for (const d of delivered) {
      income += d.payment?.fee ?? 0n;
      dropOff += d.message.dropOff;
    }
    if (income > 0n) this.metrics.feeIncomeWei.inc({ chain: this.route.sourceChainId }, Number(income));
    if (dropOff > 0n) this.metrics.dropOffSuppliedWei.inc({ chain: this.route.destChainId }, Number(dropOff));
  }

  private get routeLabel(): string {
    return `${this.route.sourceChainId}-${this.route.destChainId}`;
  }
}

/** The fee gate of route `source` → `dest` from the relayer's configuration (relayer.ts calls it). */
export function feeGateFor(
  source: Pick<RelayerChain, "chainId" | "gateway" | "publicClient">,
  dest: Pick<RelayerChain, "chainId">,
  config: Pick<RelayerConfig, "FEE_POLICY" | "FEE_SPONSORED_SENDERS" | "MAX_BLOCK_RANGE">,
  metrics: RelayerMetrics,
  logger: Logger,
): FeeGate {
  return new FeeGate(
    new LogPaymentSource(source.publicClient, source.gateway, config.MAX_BLOCK_RANGE),
    { mode: config.FEE_POLICY, sponsoredSenders: config.FEE_SPONSORED_SENDERS },
    metrics,
    { sourceChainId: source.chainId, destChainId: dest.chainId },
    logger,
  );
}
