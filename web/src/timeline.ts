/**
 * The rows of a transfer's timeline, from the explorer's view of it (its indexed stages) and the
 * guardians' attestations when known. Pure, so every path is unit-tested
 * (test/ts/web/timeline.test.ts): the usual one (sent → attested → delivered → [delayed] →
 * executed), a veto, and an escape (cancelled → refunded).
 */
import type { MessageView, StageView } from "./explorer.js";
import { formatDuration, formatTime } from "./format.js";

export interface AttestationCount {
  signed: number;
  threshold: number;
}

export type RowState = "done" | "current" | "todo" | "failed";

export interface TimelineRow {
  key: "sent" | "attested" | "delivered" | "delay" | "executed" | "vetoed" | "expired" | "cancelled" | "refunded";
  title: string;
  state: RowState;
  /** The indexed event behind the row (chain, block, transaction, time). */
  stage?: StageView;
  note?: string;
}

/** `nowSeconds`: unix seconds, to tell whether a delay is over. */
export function timelineRows(view: MessageView, nowSeconds: number, attestations?: AttestationCount): TimelineRow[] {
  const find = (s: StageView["stage"]) => view.stages.find((x) => x.stage === s);
  const [sent, queued, executed, vetoed, cancelled, refunded] = (
    ["sent", "queued", "executed", "vetoed", "cancelled", "refunded"] as const
  ).map(find);
  const source = view.source?.name ?? "the source";
  const dest = view.destination?.name ?? "the destination";
  const delivered = queued ?? executed;
  const signed = attestations !== undefined && attestations.signed >= attestations.threshold;
  const count = attestations
    ? ` ${Math.min(attestations.signed, attestations.threshold)}/${attestations.threshold}`
    : "";
  const done = (yes: unknown): RowState => (yes ? "done" : "todo");

  const rows: TimelineRow[] = [{ key: "sent", title: `Sent on ${source}`, state: done(sent), stage: sent }];
  if (cancelled || refunded) {
    // Escaped: never delivered (whether the guardians had signed no longer matters); cancelled on
    // the destination after the deadline, refunded at home.
    rows.push(
      { key: "expired", title: "Deadline passed undelivered", state: "done" },
      { key: "cancelled", title: `Cancelled on ${dest}`, state: done(cancelled), stage: cancelled },
      { key: "refunded", title: `Refunded to the sender`, state: done(refunded), stage: refunded },
    );
    return withCurrent(rows);
  }
  rows.push(
    { key: "attested", title: `Attested by the guardians${count}`, state: done(delivered || signed) },
    { key: "delivered", title: `Delivered on ${dest}`, state: done(delivered), stage: delivered },
  );
  if (queued) {
    const until = Number(queued.details.executableAt ?? 0);
    rows.push({
      key: "delay",
      title: `Delayed until ${formatTime(until)}`,
      state: done(executed || vetoed || nowSeconds >= until),
      note: `${formatDuration(until - queued.time)} delay; the council or the monitor may veto it meanwhile`,
    });
  }
  if (vetoed) rows.push({ key: "vetoed", title: `Vetoed on ${dest}`, state: "failed", stage: vetoed });
  else
    rows.push({
      key: "executed",
      title: `Executed: the recipient is paid on ${dest}`,
      state: done(executed),
      stage: executed,
    });
  return withCurrent(rows);
}

/** The first row not done is where the transfer waits (none when it is over). */
function withCurrent(rows: TimelineRow[]): TimelineRow[] {
  const over = rows.some((r) => r.state === "failed") || rows.every((r) => r.state === "done");
  const first = over ? undefined : rows.find((r) => r.state === "todo");
  return rows.map((r) => (r === first ? { ...r, state: "current" } : r));
}
