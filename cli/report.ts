/** Text and JSON renderings of `bridge status` and `bridge balances`. */
import {
  amountText,
  formatAmount,
  isoTime,
  stageText,
  tokensOf,
  waitingText,
  type Balances,
  type EventRef,
  type TransferState,
} from "@portcullis/sdk";

function when(ref: Pick<EventRef, "timestamp">): string {
  return isoTime(ref.timestamp);
}

/** A block-by-block account of one message. */
export function describeStatus(state: TransferState, nowSeconds = Date.now() / 1000): string {
  const { sent } = state;
  const m = sent.message;
  const rows: [string, string][] = [
    ["message", sent.msgId],
    ["route", `${sent.source.name} (${sent.source.chainId}) → ${sent.dest.name} (${sent.dest.chainId})`],
    ["amount", amountText(state)],
    ["sender", m.sender],
    ["recipient", m.recipient],
    ["nonce", String(m.nonce)],
    ["stage", stageText(state)],
    ["sent", `${when(sent)} (${sent.source.name} block ${sent.blockNumber}, tx ${sent.txHash})`],
  ];
  if (state.delivered) {
    const queued = state.queued
      ? `, queued for the ${state.queued.reason} delay until ${isoTime(state.queued.executableAt)}`
      : "";
    rows.push([
      "delivered",
      `${when(state.delivered)} (${sent.dest.name} block ${state.delivered.blockNumber}, tx ${state.delivered.txHash}${queued})`,
    ]);
  }
  if (state.executed) {
    rows.push([
      "executed",
      `${when(state.executed)} (${sent.dest.name} block ${state.executed.blockNumber}, tx ${state.executed.txHash})`,
    ]);
  }
  if (state.vetoed)
    rows.push(["vetoed", `${when(state.vetoed)} (${sent.dest.name} block ${state.vetoed.blockNumber})`]);
  if (!state.delivered) rows.push(["deadline", isoTime(Number(m.deadline))]);
  if (state.waiting) rows.push(["waiting", waitingText(state.waiting, nowSeconds, tokensOf(state))]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

const json = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as unknown;

export function statusJson(state: TransferState) {
  const { sent } = state;
  return json({
    msgId: sent.msgId,
    stage: state.stage,
    route: { from: sent.source.name, to: sent.dest.name },
    token: sent.token?.symbol ?? sent.message.token,
    amount: sent.token ? formatAmount(sent.message.amount, sent.token.decimals) : sent.message.amount,
    message: sent.message,
    sent: { txHash: sent.txHash, blockNumber: sent.blockNumber, timestamp: sent.timestamp },
    attestations: state.attestations,
    delivered: state.delivered,
    queued: state.queued,
    executed: state.executed,
    vetoed: state.vetoed,
    waiting: state.waiting,
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
