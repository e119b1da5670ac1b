/**
 * How a transfer's progress is shown: on a terminal one line redrawn in place, elsewhere (pipes,
 * CI logs, the devnet demo) one line per stage and per new reason to wait. The text itself comes
 * from pure functions so it is unit-tested.
 */
import { formatTokens } from "./amount.js";
import type { Attestations, Stage, TransferState, Waiting } from "./bridge.js";

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** "1.2s", "63.0s". */
/** A unix time as ISO 8601 UTC, the one way the CLI prints times. */
export function isoTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}

export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

export function shortHex(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex;
}

export function amountText(state: Pick<TransferState, "sent">): string {
  return tokensOf(state)(state.sent.message.amount);
}

/** Formats base units of the transfer's token ("1.5 ALPHA"). */
export function tokensOf(state: Pick<TransferState, "sent">): (v: bigint) => string {
  const { token } = state.sent;
  return (v) => (token ? formatTokens(v, token.decimals, token.symbol) : `${v} base units`);
}

/** "1/2", or "2/2 (3 of 3 guardians)" once the threshold is met. */
export function attestedCount(a: Attestations): string {
  if (a.signable < a.threshold) return `${a.signable}/${a.threshold}`;
  const extra = a.signable > a.threshold ? ` (${a.signable} of ${a.guardians} guardians)` : "";
  return `${a.threshold}/${a.threshold}${extra}`;
}

/** "1/2 (1 awaiting operator approval, 1 unreachable)". */
export function attestationText(a: Attestations): string {
  const extra: string[] = [];
  if (a.awaitingApproval > 0) extra.push(`${a.awaitingApproval} awaiting operator approval`);
  if (a.unconfirmed > 0 || a.unknown > 0) extra.push(`${a.unconfirmed + a.unknown} waiting for source confirmations`);
  if (a.unreachable > 0) extra.push(`${a.unreachable} unreachable`);
  if (a.rejected.length > 0) extra.push(`${a.rejected.length} rejected it: ${a.rejected.join("; ")}`);
  return `${a.signable}/${a.threshold}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
}

function countdown(executableAt: number, nowSeconds: number): string {
  const left = Math.ceil(executableAt - nowSeconds);
  return left > 0 ? `executable in ${left} s` : "executable now";
}

/**
 * Why the transfer is waiting, as a phrase; `nowSeconds` drives countdowns, `tokens` formats
 * base units of the transferred token.
 */
export function waitingText(w: Waiting, nowSeconds: number, tokens: (v: bigint) => string = String): string {
  switch (w.kind) {
    case "attestations":
      return `waiting for guardian attestations ${attestationText(w.attestations)}`;
    case "delivery":
      return w.thenDelayed === "large-transfer"
        ? `waiting for a relayer to deliver it; above the fast limit, it will then wait the large-transfer delay (${w.delaySeconds} s)`
        : "waiting for a relayer to deliver it";
    case "rate-limit":
      return `rate limit: the destination's inbound bucket lacks room (${tokens(w.available)} available); it will be queued for ${w.delaySeconds} s`;
    case "large-transfer":
      return `large-transfer delay: ${countdown(w.executableAt, nowSeconds)}`;
    case "rate-limited":
      return `rate limit (the inbound bucket lacked room): queued, ${countdown(w.executableAt, nowSeconds)}`;
    case "execution":
      return "delay over: waiting for a relayer to execute it";
    case "paused":
      return `destination paused: the ${w.chain} gateway is paused; the transfer resumes when it is unpaused`;
    case "expired":
      return `deadline passed at ${isoTime(w.deadline)}: it can no longer be delivered; use the escape hatch`;
    case "unreachable":
      return w.what;
  }
}

/** The stage with its count: "attested 2/2". (While attestations come in, `waitingText` has them.) */
export function stageText(state: TransferState): string {
  if (state.stage === "attested" && state.attestations) return `attested ${attestedCount(state.attestations)}`;
  return state.stage;
}

/** The detail printed with a stage the first time it is reached. */
export function stageDetail(state: TransferState, stage: Stage): string {
  const { sent } = state;
  switch (stage) {
    case "sent":
      return `${amountText(state)} ${sent.source.name} → ${sent.dest.name}, msg ${sent.msgId} (${sent.source.name} block ${sent.blockNumber}, tx ${shortHex(sent.txHash)})`;
    case "attested":
      // Delivery proves the threshold was met even if this client never saw the last signature.
      return state.attestations && state.attestations.signable >= state.attestations.threshold
        ? attestedCount(state.attestations)
        : state.attestations
          ? `${state.attestations.threshold}/${state.attestations.threshold} (seen on delivery)`
          : "threshold met (seen on delivery)";
    case "delivered":
      return state.delivered
        ? `${sent.dest.name} block ${state.delivered.blockNumber}${state.queued ? ", queued" : ""}`
        : "";
    case "executed":
      return `${sent.message.recipient} received ${amountText(state)} on ${sent.dest.name}`;
    case "vetoed":
      return "the security council or monitor vetoed it; it will not execute";
    case "cancelled":
      return "cancelled after its deadline; refund through the escape hatch";
  }
}

/** "sent 0.9s · attested 1.8s · delivered 2.4s · executed 2.4s", relative to `startedAt`. */
export function timingsText(state: TransferState, startedAt: number): string {
  const stages: Stage[] = ["sent", "attested", "delivered", "executed", "vetoed", "cancelled"];
  return stages
    .filter((s) => state.observedAt[s] !== undefined)
    .map((s) => `${s} ${seconds(state.observedAt[s]! - startedAt)}`)
    .join(" · ");
}

/** What makes a new "waiting" line worth printing: a new reason, not a new count or countdown. */
function waitingKey(w: Waiting | undefined): string | undefined {
  if (w?.kind !== "attestations") return w?.kind;
  const a = w.attestations;
  return `attestations:${a.awaitingApproval > 0}:${a.unreachable > 0}:${a.rejected.length}`;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Prints a transfer's progress. Times are relative to `startedAt` (when the user pressed enter),
 * so "sent" includes the approval and the source block.
 */
export class ProgressPrinter {
  private printedStages = new Set<Stage>();
  private lastAttested = -1;
  private lastWaitingKind?: string;
  private frame = 0;
  private last?: TransferState;
  private timer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly out: ProgressOutput,
    readonly startedAt = Date.now(),
    private readonly indent = "",
  ) {
    if (out.isTTY) this.timer = setInterval(() => this.redraw(), 200);
    // Node: the redraw timer must not keep the process alive (browsers have no `unref`).
    if (typeof this.timer === "object") this.timer.unref();
  }

  /** A line outside the progress (e.g. "approving…"), kept above the redrawn line. */
  note(text: string): void {
    if (this.out.isTTY) this.out.write("\r\x1b[2K");
    this.out.write(`${this.indent}${text}\n`);
    this.redraw();
  }

  update(state: TransferState): void {
    this.last = state;
    if (this.out.isTTY) this.redraw();
    else this.printChanges(state);
  }

  /** Final lines: the outcome and the timings. */
  finish(state: TransferState): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
    if (this.out.isTTY) {
      this.out.write("\r\x1b[2K");
      const mark = state.stage === "executed" ? "✔" : "✖";
      this.out.write(`${this.indent}${mark} ${state.stage}: ${stageDetail(state, state.stage)}\n`);
    } else {
      this.printChanges(state);
    }
    this.out.write(`${this.indent}timings: ${timingsText(state, this.startedAt)}\n`);
  }

  /** Stops redrawing without printing an outcome (interrupted). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.out.isTTY && this.last) this.out.write("\n");
    this.last = undefined;
  }

  private redraw() {
    const state = this.last;
    if (!state) return;
    const spinner = SPINNER[this.frame++ % SPINNER.length];
    const elapsed = seconds(Date.now() - this.startedAt);
    const waiting = state.waiting ? ` · ${waitingText(state.waiting, Date.now() / 1000, tokensOf(state))}` : "";
    // Elapsed time first: a narrow terminal cuts the end of the line, never the clock.
    const line = `${this.indent}${spinner} ${elapsed} · ${amountText(state)} ${state.sent.source.name} → ${state.sent.dest.name} · ${stageText(state)}${waiting}`;
    const width = (this.out as { columns?: number }).columns ?? 160;
    this.out.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
  }

  private printChanges(state: TransferState) {
    const line = (at: number | undefined, label: string, detail: string) =>
      this.out.write(
        `${this.indent}${seconds((at ?? Date.now()) - this.startedAt).padStart(6)}  ${label.padEnd(10)} ${detail}\n`,
      );
    for (const stage of ["sent", "attested", "delivered", "executed", "vetoed", "cancelled"] as const) {
      const at = state.observedAt[stage];
      if (at === undefined || this.printedStages.has(stage)) continue;
      // Partial attestations ("attested 1/2") were printed as they came; this closes them.
      this.printedStages.add(stage);
      line(at, stage, stageDetail(state, stage));
    }
    const a = state.attestations;
    if (state.stage === "sent" && a && a.signable > this.lastAttested && a.signable > 0) {
      this.lastAttested = a.signable;
      line(undefined, "attested", attestedCount(a));
    }
    const kind = waitingKey(state.waiting);
    if (kind !== this.lastWaitingKind) {
      this.lastWaitingKind = kind;
      if (state.waiting) line(undefined, "waiting", waitingText(state.waiting, Date.now() / 1000, tokensOf(state)));
    }
  }
}
