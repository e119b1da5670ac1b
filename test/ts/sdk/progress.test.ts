/**
 * `sdk/describe.ts` and `sdk/progress.ts`: what a user reads while a transfer moves — the
 * sentence for every reason, and the printer on a terminal and in a log.
 */
import { describe, expect, it } from "vitest";
import {
  attestationText,
  attestedCount,
  etaText,
  feeText,
  reasonText,
  stageText,
  timingsText,
} from "../../../sdk/describe.js";
import { ProgressPrinter } from "../../../sdk/progress.js";
import { deriveStatus, type Reason, type RouteParams, type TransferFacts } from "../../../sdk/status.js";
import type { Observation } from "../../../sdk/tracker.js";
import { attestations, sentRecord } from "./fixtures.js";

const sent = sentRecord();
const T0 = 1_700_000_000_000;
const params: RouteParams = { confirmations: 1, blockTimeSeconds: 1, fastLimit: 10n ** 22n, largeDelaySeconds: 20 };
const at = { blockNumber: 40n, txHash: sent.txHash, timestamp: sent.timestamp + 3 };

/** An observation of `sent` with these facts, its status derived as `track()` does. */
function observation(
  extra: Partial<TransferFacts>,
  observedAt: Observation["observedAt"] = { sent: T0 + 900 },
): Observation {
  const facts: TransferFacts = {
    message: sent.message,
    sent: { blockNumber: sent.blockNumber, txHash: sent.txHash, timestamp: sent.timestamp },
    ...extra,
  };
  const now = sent.timestamp + 2;
  return { sent, facts, params, status: deriveStatus(facts, params, now), observedAt, at: now };
}

describe("texts", () => {
  it("says what a transfer paid for delivery, and what an underpaid one means", () => {
    const quote = 2n * 10n ** 14n;
    expect(feeText({ fee: quote, quote, underpaid: false })).toBe("0.0002 ETH (the quote)");
    expect(feeText({ fee: 3n * 10n ** 14n, quote, underpaid: false })).toBe(
      "0.0003 ETH (quote 0.0002 ETH, the rest a tip)",
    );
    expect(feeText({ fee: 0n, quote, underpaid: true })).toBe(
      "none (quote 0.0002 ETH): relayers may not deliver it; deliver it yourself (bridge relay, SDK relay) or escape it after its deadline",
    );
    expect(feeText(undefined)).toBe("unknown");
  });

  it("counts attestations k/M, capping at the threshold", () => {
    expect(attestedCount(attestations(1))).toBe("1/2");
    expect(attestedCount(attestations(2))).toBe("2/2");
    expect(attestedCount(attestations(3))).toBe("2/2 (3 of 3 guardians)");
    expect(stageText(observation({ attestations: attestations(2) }))).toBe("attested 2/2");
    expect(attestationText(attestations(1, { unconfirmed: 2, unreachable: 1 }))).toBe(
      "1/2 (2 waiting for source confirmations, 1 unreachable)",
    );
  });

  it("says why a transfer waits, and how it ended, in plain words", () => {
    const ctx = { source: "l2a", dest: "l2b", nowSeconds: 1_000 };
    const cases: [Reason, string | RegExp][] = [
      [{ kind: "confirmations", confirmed: 1, required: 3 }, "waiting for l2a confirmations (1 of 3 blocks)"],
      [
        { kind: "attestations", signed: 1, threshold: 2, attestations: attestations(1, { unconfirmed: 2 }) },
        "waiting for guardian attestations 1/2 (2 waiting for source confirmations)",
      ],
      [{ kind: "attestations" }, "waiting for guardian attestations"],
      [
        { kind: "guardian-approval", awaiting: 1, signed: 1, threshold: 2 },
        "waiting for 1 guardian operator to approve this large transfer (1/2 signed)",
      ],
      [
        { kind: "rejected", reasons: ["unknown route"] },
        /^the guardians refused it: unknown route; it will not be delivered/,
      ],
      [{ kind: "relayer" }, "waiting for a relayer to deliver it"],
      [
        { kind: "self-relay", fee: 0n, quote: 2n * 10n ** 14n },
        "signed by the guardians, but it paid 0 ETH of its 0.0002 ETH delivery fee, so relayers may not deliver it: deliver it yourself with bridge relay (SDK: relay), or escape it after its deadline",
      ],
      [
        { kind: "relayer", then: "large-transfer", delaySeconds: 20 },
        "waiting for a relayer to deliver it; above the fast limit, it will then wait the large-transfer delay (20 s)",
      ],
      [
        { kind: "relayer", then: "rate-limit", delaySeconds: 20 },
        /l2b inbound rate limit lacks room, so it will then wait 20 s$/,
      ],
      [{ kind: "large-transfer-delay", until: 1_017 }, /^large-transfer delay until 1970-01-01T00:16:57.000Z \(17 s\)/],
      [
        { kind: "rate-limit", until: 1_005 },
        "queued by the l2b inbound rate limit until 1970-01-01T00:16:45.000Z (5 s)",
      ],
      [{ kind: "executor", since: 900 }, "delay over: waiting for a relayer (or anyone) to execute it"],
      [{ kind: "paused" }, "the l2b gateway is paused; the transfer resumes when governance unpauses it"],
      [{ kind: "expired", deadline: 900 }, /^deadline passed at .* undelivered: .* escape it through L1$/],
      [{ kind: "unreachable", chain: "l2b" }, "cannot reach l2b; showing what was seen before"],
      [{ kind: "vetoed", deadline: 900 }, /can be escaped through L1 now$/],
      [{ kind: "vetoed", deadline: 2_000 }, /after its deadline/],
      [{ kind: "cancelled", refundOnL1: false }, /^cancelled after its deadline; its refund travels through L1/],
      [{ kind: "refunded", onL1: true, at: 990 }, /^refunded to the sender on L1 at /],
    ];
    for (const [reason, text] of cases) {
      const said = reasonText(reason, ctx);
      if (typeof text === "string") expect(said, reason.kind).toBe(text);
      else expect(said, reason.kind).toMatch(text);
    }
  });

  it("gives exact ETAs as times and estimates as seconds", () => {
    expect(etaText({ at: 1_030, exact: true }, 1_000)).toBe("ETA 1970-01-01T00:17:10.000Z (in 30 s)");
    expect(etaText({ at: 1_012, exact: false }, 1_000)).toBe("ETA ~12 s");
    expect(etaText(undefined, 1_000)).toBe("");
  });

  it("lists the stages reached with their times", () => {
    const o = observation({}, { sent: T0 + 900, attested: T0 + 1_800, delivered: T0 + 2_400, executed: T0 + 2_400 });
    expect(timingsText(o, T0)).toBe("sent 0.9s · attested 1.8s · delivered 2.4s · executed 2.4s");
  });
});

describe("ProgressPrinter off a terminal", () => {
  it("prints one line per stage and per new reason to wait, not per poll", () => {
    const lines: string[] = [];
    const printer = new ProgressPrinter({ write: (t: string) => lines.push(...t.split("\n").filter(Boolean)) }, T0);
    printer.update(observation({ attestations: attestations(0) }));
    printer.update(observation({ attestations: attestations(0) }));
    printer.update(observation({ attestations: attestations(1) }));
    const attested = { sent: T0 + 900, attested: T0 + 1_800 };
    printer.update(observation({ attestations: attestations(2) }, attested));
    printer.finish(
      observation(
        { attestations: attestations(2), executed: at },
        { ...attested, delivered: T0 + 2_400, executed: T0 + 2_400 },
      ),
    );
    const labels = lines.map((l) => l.trim().split(/\s+/).slice(1, 3).join(" "));
    expect(labels).toEqual([
      "sent 5",
      "waiting waiting",
      "attested 1/2",
      "attested 2/2",
      "waiting waiting",
      "delivered l2b",
      "executed 0x00000000000000000000000000000000000000c2",
      "sent 0.9s",
    ]);
    expect(lines[0]).toContain("5 ALPHA l2a → l2b");
    expect(lines[4]).toContain("waiting for a relayer to deliver it; ETA ~");
    expect(lines.at(-1)).toBe("timings: sent 0.9s · attested 1.8s · delivered 2.4s · executed 2.4s");
  });

  it("redraws a single line on a terminal", () => {
    let out = "";
    const printer = new ProgressPrinter({ isTTY: true, write: (t: string) => (out += t) }, T0);
    printer.update(observation({ attestations: attestations(1) }));
    printer.update(observation({ attestations: attestations(1) }));
    printer.stop();
    expect(out.split("\n")).toHaveLength(2); // the redrawn line, then the newline from stop()
    expect(out).toContain("\r\x1b[2K");
    expect(out).toContain("waiting for guardian attestations 1/2");
  });
});
