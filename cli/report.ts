/** Text and JSON renderings of `bridge status` and `bridge balances`. */
import {
  amountText,
  etaText,
  feeText,
  formatAmount,
  formatEth as formatEthExact,
  isoTime,
  reasonText,
  stageText,
  type Balances,
  type EventRef,
  type Observation,
} from "@portcullis/sdk";

function where(ref: EventRef, chain: string): string {
  return `${isoTime(ref.timestamp)} (${chain} block ${ref.blockNumber}, tx ${ref.txHash}`;
}

/** A block-by-block account of one message. */
export function describeStatus(o: Observation, nowSeconds = Date.now() / 1000): string {
  const { sent, facts, status } = o;
  const m = sent.message;
  const dest = sent.dest.name;
  const rows: [string, string][] = [
    ["message", sent.msgId],
    ["route", `${sent.source.name} (${sent.source.chainId}) → ${dest} (${sent.dest.chainId})`],
    ["amount", amountText(sent)],
    ...(m.dropOff > 0n
      ? [["drop-off", `${formatEthExact(m.dropOff)} of gas for the recipient on ${dest}`] as [string, string]]
      : []),
    ["fee", feeText(status.fee)],
    ["sender", m.sender],
    ["recipient", m.recipient],
    ["nonce", String(m.nonce)],
    ["stage", stageText(o)],
    ["sent", `${where(sent, sent.source.name)})`],
  ];
  const delivered = facts.queued ?? facts.executed;
  if (delivered) {
    const queued = facts.queued ? `, queued until ${isoTime(facts.queued.executableAt)}` : "";
    rows.push(["delivered", `${where(delivered, dest)}${queued})`]);
  }
  if (facts.executed) rows.push(["executed", `${where(facts.executed, dest)})`]);
  if (facts.vetoed) rows.push(["vetoed", `${where(facts.vetoed, dest)})`]);
  if (facts.cancelled) rows.push(["cancelled", `${where(facts.cancelled, dest)})`]);
  if (facts.refunded) rows.push(["refunded", `${where(facts.refunded, sent.source.name)})`]);
  if (!delivered) rows.push(["deadline", isoTime(Number(m.deadline))]);
  if (!status.final || status.escapable) {
    const text = reasonText(status.reason, { source: sent.source.name, dest, nowSeconds });
    rows.push([status.final ? "note" : "waiting", text]);
  }
  const eta = status.final ? "" : etaText(status.eta, nowSeconds);
  if (eta) rows.push(["eta", eta.replace(/^ETA /, "")]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

const json = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as unknown;

export function statusJson(o: Observation) {
  const { sent, facts, status } = o;
  return json({
    msgId: sent.msgId,
    stage: status.stage,
    reason: status.reason,
    eta: status.eta,
    final: status.final,
    escapable: status.escapable,
    fee: status.fee,
    route: { from: sent.source.name, to: sent.dest.name },
    token: sent.token?.symbol ?? sent.message.token,
    amount: sent.token ? formatAmount(sent.message.amount, sent.token.decimals) : sent.message.amount,
    message: sent.message,
    sent: { txHash: sent.txHash, blockNumber: sent.blockNumber, timestamp: sent.timestamp },
    attestations: facts.attestations,
    queued: facts.queued,
    executed: facts.executed,
    vetoed: facts.vetoed,
    cancelled: facts.cancelled,
    refunded: facts.refunded,
  });
}

/** ETH to at most 6 decimals (rounded down): gas money, not an accounting figure. */
function formatEth(wei: bigint): string {
  return formatAmount(wei - (wei % 10n ** 12n), 18);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function describeBalances(report: Balances): string {
  const symbols = report.supply.map((s) => s.token.symbol);
  const balanceRows = [
    ["chain", "ETH", ...symbols],
    ...report.chains.map((c) => [
      c.chain.name,
      formatEth(c.eth),
      ...report.supply.map((s) => {
        const held = c.tokens.find((t) => t.token.symbol === s.token.symbol);
        return held ? formatAmount(held.balance, s.token.decimals) : "-";
      }),
    ]),
  ];
  const supplyRows = [
    ["token", "home", "locked at home", "minted (bridged supply)"],
    ...report.supply.map((s) => [
      s.token.symbol,
      s.home.name,
      formatAmount(s.locked, s.token.decimals),
      s.minted.map((m) => `${m.chain.name} ${formatAmount(m.amount, s.token.decimals)}`).join(", ") || "-",
    ]),
  ];
  return `balances of ${report.address}\n${table(balanceRows)}\n\nsupply\n${table(supplyRows)}\n`;
}

export function balancesJson(report: Balances) {
  return json({
    address: report.address,
    balances: Object.fromEntries(
      report.chains.map((c) => [
        c.chain.name,
        {
          ETH: formatAmount(c.eth, 18),
          ...Object.fromEntries(c.tokens.map((t) => [t.token.symbol, formatAmount(t.balance, t.token.decimals)])),
        },
      ]),
    ),
    supply: Object.fromEntries(
      report.supply.map((s) => [
        s.token.symbol,
        {
          home: s.home.name,
          locked: formatAmount(s.locked, s.token.decimals),
          minted: Object.fromEntries(s.minted.map((m) => [m.chain.name, formatAmount(m.amount, s.token.decimals)])),
        },
      ]),
    ),
  });
}
