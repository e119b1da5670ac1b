import { formatAmount } from "@portcullis/sdk";

/** 0x1234…abcd, keeping `keep` hex digits at each end. */
export function shortHex(value: string, keep = 4): string {
  return value.length <= 2 + keep * 2 ? value : `${value.slice(0, 2 + keep)}…${value.slice(-keep)}`;
}

/** "1,234.5 ALPHA": the SDK's exact decimal amount, with thousands grouped for reading. */
export function formatTokens(value: bigint, decimals: number, symbol: string): string {
  const [whole, fraction] = formatAmount(value, decimals).split(".");
  const grouped = (whole ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped}${fraction ? `.${fraction}` : ""} ${symbol}`;
}

/** "in 2 min 5 s", "in 12 s", "now". */
export function formatIn(seconds: number): string {
  if (seconds <= 0) return "now";
  return `in ${formatDuration(seconds)}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  if (s < 86_400)
    return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  return `${d} day${d === 1 ? "" : "s"}${h ? ` ${h} h` : ""}`;
}

/** Local date and time of a unix timestamp (seconds). */
export function formatTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString();
}
