/**
 * A transfer's progress on a terminal (the CLI and the devnet demo print it the same way): one
 * line redrawn in place on a TTY, elsewhere (pipes, CI logs) one line per stage and per new
 * reason to wait, with the ETA. The words come from `describe.ts`. Browser-safe (it only writes
 * to the `ProgressOutput` it is given).
 */
import {
  amountText,
  attestedCount,
  etaText,
  reasonText,
  seconds,
  stageDetail,
  stageText,
  timingsText,
} from "./describe.js";
import type { Reason, ReasonKind, Stage } from "./status.js";
import type { Observation } from "./tracker.js";

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Reasons that are outcomes, printed as stages rather than as "waiting" lines. */
const OUTCOMES: readonly ReasonKind[] = ["executed", "vetoed", "cancelled", "refunded"];

/** What makes a new "waiting" line worth printing: a new reason, not a new count or countdown. */
function waitingKey(r: Reason): string {
  if (r.kind !== "attestations") return r.kind;
  const a = r.attestations;
  return `attestations:${(a?.awaitingApproval ?? 0) > 0}:${(a?.unreachable ?? 0) > 0}:${a?.rejected.length ?? 0}`;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Prints a transfer's progress. Times are relative to `startedAt` (when the user pressed enter),
 * so "sent" includes the approval and the source block.
 */
export class ProgressPrinter {
  private printedStages = new Set<Stage>();
  private lastAttested = -1;
  private lastWaitingKey?: string;
  private frame = 0;
  private last?: Observation;
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

  update(o: Observation): void {
    this.last = o;
    if (this.out.isTTY) this.redraw();
    else this.printChanges(o);
  }

  /** Final lines: the outcome and the timings. */
  finish(o: Observation): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
    if (this.out.isTTY) {
      this.out.write("\r\x1b[2K");
      const mark = o.status.stage === "executed" ? "✔" : "✖";
      this.out.write(`${this.indent}${mark} ${o.status.stage}: ${stageDetail(o, o.status.stage)}\n`);
    } else {
      this.printChanges(o);
    }
    this.out.write(`${this.indent}timings: ${timingsText(o, this.startedAt)}\n`);
  }

  /** Stops redrawing without printing an outcome (interrupted). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.out.isTTY && this.last) this.out.write("\n");
    this.last = undefined;
  }

  private why(o: Observation): string {
    const now = Date.now() / 1000;
    const text = reasonText(o.status.reason, { source: o.sent.source.name, dest: o.sent.dest.name, nowSeconds: now });
    const eta = etaText(o.status.eta, now);
    return eta ? `${text}; ${eta}` : text;
  }

  private redraw() {
    const o = this.last;
    if (!o) return;
    const spinner = SPINNER[this.frame++ % SPINNER.length];
    const elapsed = seconds(Date.now() - this.startedAt);
    const waiting = OUTCOMES.includes(o.status.reason.kind) ? "" : ` · ${this.why(o)}`;
    // Elapsed time first: a narrow terminal cuts the end of the line, never the clock.
    const line = `${this.indent}${spinner} ${elapsed} · ${amountText(o.sent)} ${o.sent.source.name} → ${o.sent.dest.name} · ${stageText(o)}${waiting}`;
    const width = (this.out as { columns?: number }).columns ?? 160;
    this.out.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
  }

  private printChanges(o: Observation) {
    const line = (at: number | undefined, label: string, detail: string) =>
      this.out.write(
        `${this.indent}${seconds((at ?? Date.now()) - this.startedAt).padStart(6)}  ${label.padEnd(10)} ${detail}\n`,
      );
    for (const stage of ["sent", "attested", "delivered", "executed", "vetoed", "cancelled", "refunded"] as const) {
      const at = o.observedAt[stage];
      if (at === undefined || this.printedStages.has(stage)) continue;
      // Partial attestations ("attested 1/2") were printed as they came; this closes them.
      this.printedStages.add(stage);
      line(at, stage, stageDetail(o, stage));
    }
    const a = o.facts.attestations;
    if (o.status.stage === "sent" && a && a.signable > this.lastAttested && a.signable > 0) {
      this.lastAttested = a.signable;
      line(undefined, "attested", attestedCount(a));
    }
    if (OUTCOMES.includes(o.status.reason.kind)) return;
    const key = waitingKey(o.status.reason);
    if (key !== this.lastWaitingKey) {
      this.lastWaitingKey = key;
      line(undefined, "waiting", this.why(o));
    }
  }
}
