/** `sdk/progress.ts`: what a user reads while a transfer moves, on a terminal and in a log. */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import type { GatewayChain } from "../../../sdk/input.js";
import { attestedCount, ProgressPrinter, stageText, timingsText, waitingText } from "../../../sdk/progress.js";
import type { Attestations, SentRecord, TransferState } from "../../../sdk/bridge.js";
import { MESSAGE_VERSION } from "../../../core/message.js";
import { ALPHA_HOME, testManifest } from "./fixtures.js";

const manifest = testManifest();
const [, l2a, l2b] = manifest.chains as GatewayChain[];
const T0 = 1_700_000_000_000;

function attestations(signable: number, extra: Partial<Attestations> = {}): Attestations {
  return {
    signable,
    threshold: 2,
    guardians: 3,
    awaitingApproval: 0,
    unconfirmed: 0,
    unknown: 0,
    unreachable: 0,
    rejected: [],
    ...extra,
  };
}

const sent: SentRecord = {
  msgId: `0x${"ab".repeat(32)}` as Hex,
  message: {
    version: MESSAGE_VERSION,
    nonce: 7n,
    sourceChainId: 901n,
    destChainId: 902n,
    sourceGateway: l2a!.gateway,
    destGateway: l2b!.gateway,
    sender: "0x00000000000000000000000000000000000000c1",
    recipient: "0x00000000000000000000000000000000000000c2",
    token: ALPHA_HOME,
    amount: 5n * 10n ** 18n,
    deadline: 2_000_000_000n,
  },
  source: l2a!,
  dest: l2b!,
  token: manifest.tokens[0],
  txHash: `0x${"cd".repeat(32)}` as Hex,
  blockNumber: 12n,
  timestamp: 1_700_000_000,
};

function state(partial: Partial<TransferState>): TransferState {
  return { sent, stage: "sent", observedAt: { sent: T0 + 900 }, ...partial };
}

describe("texts", () => {
  it("counts attestations k/M, capping at the threshold", () => {
    expect(attestedCount(attestations(1))).toBe("1/2");
    expect(attestedCount(attestations(2))).toBe("2/2");
    expect(attestedCount(attestations(3))).toBe("2/2 (3 of 3 guardians)");
    expect(stageText(state({ stage: "attested", attestations: attestations(2) }))).toBe("attested 2/2");
  });

  it("says why a transfer waits", () => {
    const now = 1_000;
    const tokens = (v: bigint) => `${v / 10n ** 18n} ALPHA`;
    expect(waitingText({ kind: "attestations", attestations: attestations(1, { unconfirmed: 2 }) }, now)).toBe(
      "waiting for guardian attestations 1/2 (2 waiting for source confirmations)",
    );
    expect(
      waitingText({ kind: "attestations", attestations: attestations(0, { awaitingApproval: 3 }) }, now),
    ).toContain("3 awaiting operator approval");
    expect(waitingText({ kind: "large-transfer", executableAt: 1_017 }, now)).toBe(
      "large-transfer delay: executable in 17 s",
    );
    expect(waitingText({ kind: "rate-limited", executableAt: 1_005 }, now)).toBe(
      "rate limit (the inbound bucket lacked room): queued, executable in 5 s",
    );
    expect(waitingText({ kind: "rate-limit", available: 3n * 10n ** 18n, delaySeconds: 20 }, now, tokens)).toBe(
      "rate limit: the destination's inbound bucket lacks room (3 ALPHA available); it will be queued for 20 s",
    );
    expect(waitingText({ kind: "paused", chain: "l2b" }, now)).toMatch(
      /^destination paused: the l2b gateway is paused/,
    );
    expect(waitingText({ kind: "execution", executableAt: 900 }, now)).toBe(
      "delay over: waiting for a relayer to execute it",
    );
  });

  it("lists the stages reached with their times", () => {
    const s = state({
      stage: "executed",
      observedAt: { sent: T0 + 900, attested: T0 + 1_800, delivered: T0 + 2_400, executed: T0 + 2_400 },
    });
    expect(timingsText(s, T0)).toBe("sent 0.9s · attested 1.8s · delivered 2.4s · executed 2.4s");
  });
});

describe("ProgressPrinter off a terminal", () => {
  it("prints one line per stage and per new reason to wait, not per poll", () => {
    const lines: string[] = [];
    const printer = new ProgressPrinter({ write: (t: string) => lines.push(...t.split("\n").filter(Boolean)) }, T0);
    const waitingAttestations = (k: number) => ({ kind: "attestations" as const, attestations: attestations(k) });
    printer.update(state({ attestations: attestations(0), waiting: waitingAttestations(0) }));
    printer.update(state({ attestations: attestations(0), waiting: waitingAttestations(0) }));
    printer.update(state({ attestations: attestations(1), waiting: waitingAttestations(1) }));
    const attested = { sent: T0 + 900, attested: T0 + 1_800 };
    printer.update(
      state({
        stage: "attested",
        attestations: attestations(2),
        observedAt: attested,
        waiting: { kind: "delivery", delaySeconds: 20 },
      }),
    );
    printer.finish(
      state({
        stage: "executed",
        attestations: attestations(2),
        delivered: { blockNumber: 40n, txHash: sent.txHash, timestamp: 0 },
        executed: { blockNumber: 40n, txHash: sent.txHash, timestamp: 0 },
        observedAt: { ...attested, delivered: T0 + 2_400, executed: T0 + 2_400 },
      }),
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
    expect(lines[4]).toContain("waiting for a relayer to deliver it");
    expect(lines.at(-1)).toBe("timings: sent 0.9s · attested 1.8s · delivered 2.4s · executed 2.4s");
  });

  it("redraws a single line on a terminal", () => {
    let out = "";
    const printer = new ProgressPrinter({ isTTY: true, write: (t: string) => (out += t) }, T0);
    printer.update(
      state({ attestations: attestations(1), waiting: { kind: "attestations", attestations: attestations(1) } }),
    );
    printer.update(
      state({ attestations: attestations(1), waiting: { kind: "attestations", attestations: attestations(1) } }),
    );
    printer.stop();
    expect(out.split("\n")).toHaveLength(2); // the redrawn line, then the newline from stop()
    expect(out).toContain("\r\x1b[2K");
    expect(out).toContain("waiting for guardian attestations 1/2");
  });
});
