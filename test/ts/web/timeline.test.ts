/** `web/src/timeline.ts`: the rows of a transfer's timeline on every path a transfer can take. */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import type { MessageStatus, MessageView, StageView } from "../../../web/src/explorer.js";
import { timelineRows } from "../../../web/src/timeline.js";

const T0 = 1_800_000_000;

function stage(s: MessageStatus, time: number, details: Record<string, unknown> = {}): StageView {
  return {
    stage: s,
    chainId: s === "sent" || s === "refunded" ? 901 : 902,
    blockNumber: 10,
    txHash: `0x${"11".repeat(32)}` as Hex,
    logIndex: 0,
    time,
    details,
  };
}

function view(status: MessageStatus, stages: StageView[]): MessageView {
  return {
    msgId: `0x${"22".repeat(32)}` as Hex,
    status,
    message: null,
    source: { chainId: 901, name: "l2a" },
    destination: { chainId: 902, name: "l2b" },
    token: null,
    sent: null,
    fee: null,
    stages,
    reason: { kind: "delivery", text: "" },
    eta: null,
  };
}

const states = (rows: ReturnType<typeof timelineRows>) => rows.map((r) => `${r.key}:${r.state}`);

describe("timelineRows", () => {
  it("a sent transfer waits for the guardians; their count shows as k/M", () => {
    const v = view("sent", [stage("sent", T0)]);
    expect(states(timelineRows(v, T0 + 1))).toEqual([
      "sent:done",
      "attested:current",
      "delivered:todo",
      "executed:todo",
    ]);
    const rows = timelineRows(v, T0 + 1, { signed: 1, threshold: 2 });
    expect(rows[1]!.title).toBe("Attested by the guardians 1/2");
  });

  it("once the guardians signed, it waits for a relayer to deliver it", () => {
    const rows = timelineRows(view("sent", [stage("sent", T0)]), T0 + 3, { signed: 3, threshold: 2 });
    expect(rows[1]!.title).toBe("Attested by the guardians 2/2");
    expect(states(rows)).toEqual(["sent:done", "attested:done", "delivered:current", "executed:todo"]);
  });

  it("a fast transfer is delivered and executed in one event: every row done, none current", () => {
    const rows = timelineRows(view("executed", [stage("sent", T0), stage("executed", T0 + 2)]), T0 + 3);
    expect(states(rows)).toEqual(["sent:done", "attested:done", "delivered:done", "executed:done"]);
    expect(rows[2]!.stage?.stage).toBe("executed");
  });

  it("a delayed transfer shows its delay until executableAt, then waits for execution", () => {
    const queued = stage("queued", T0 + 2, { executableAt: T0 + 22 });
    const v = view("queued", [stage("sent", T0), queued]);
    const during = timelineRows(v, T0 + 10);
    expect(states(during)).toEqual(["sent:done", "attested:done", "delivered:done", "delay:current", "executed:todo"]);
    expect(during[3]!.note).toMatch(/^20 s delay/);
    expect(states(timelineRows(v, T0 + 22))).toEqual([
      "sent:done",
      "attested:done",
      "delivered:done",
      "delay:done",
      "executed:current",
    ]);
  });

  it("a vetoed transfer ends in a failed row and nothing is current", () => {
    const v = view("vetoed", [
      stage("sent", T0),
      stage("queued", T0 + 2, { executableAt: T0 + 22 }),
      stage("vetoed", T0 + 5),
    ]);
    expect(states(timelineRows(v, T0 + 6))).toEqual([
      "sent:done",
      "attested:done",
      "delivered:done",
      "delay:done",
      "vetoed:failed",
    ]);
  });

  it("an escaped transfer skips delivery: deadline passed, cancelled, then refunded", () => {
    const cancelled = view("cancelled", [stage("sent", T0), stage("cancelled", T0 + 100)]);
    expect(states(timelineRows(cancelled, T0 + 101))).toEqual([
      "sent:done",
      "expired:done",
      "cancelled:done",
      "refunded:current",
    ]);
    const refunded = view("refunded", [stage("sent", T0), stage("cancelled", T0 + 100), stage("refunded", T0 + 130)]);
    expect(states(timelineRows(refunded, T0 + 131)).at(-1)).toBe("refunded:done");
  });
});
