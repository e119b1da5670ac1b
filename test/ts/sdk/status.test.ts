/**
 * `sdk/status.ts`: the one derivation of a transfer's stage, reason and ETA from facts. Every
 * reason the issue lists is reached from the facts that cause it, with the ETA it implies; and
 * over random facts the status stays consistent (final exactly at the final stages, escapable
 * only past the deadline, the stage never behind what the chain recorded).
 */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import {
  deriveStatus,
  FINAL_STAGES,
  RELAY_ALLOWANCE_SECONDS,
  type EventRef,
  type RouteParams,
  type TransferFacts,
} from "../../../sdk/status.js";
import { FUZZ_SEED, Random } from "../helpers/random.js";
import { attestations, sentRecord } from "./fixtures.js";

const sent = sentRecord();
const T = sent.timestamp; // the send's block time
const DEADLINE = Number(sent.message.deadline);
const FIVE = 5n * 10n ** 18n;

const params: RouteParams = {
  confirmations: 2,
  blockTimeSeconds: 2,
  fastLimit: 10n * 10n ** 18n,
  largeDelaySeconds: 600,
  // Full and large: room for anything up to its capacity.
  inboundBucket: { capacity: 1_000n * 10n ** 18n, refillPerSecond: 10n ** 18n, fullAt: 0n },
};

const ref = (timestamp: number, blockNumber = 40n): EventRef => ({
  blockNumber,
  txHash: `0x${"ee".repeat(32)}` as Hex,
  timestamp,
});

function facts(extra: Partial<TransferFacts> = {}, amount = FIVE): TransferFacts {
  return {
    message: { ...sent.message, amount },
    sent: { blockNumber: sent.blockNumber, txHash: sent.txHash, timestamp: T },
    ...extra,
  };
}

describe("deriveStatus", () => {
  it("waits for source confirmations first, with an estimated ETA past them", () => {
    const s = deriveStatus(facts({ sourceHead: 13n }), params, T + 2);
    expect(s).toMatchObject({ stage: "sent", reason: { kind: "confirmations", confirmed: 1, required: 2 } });
    expect(s.final).toBe(false);
    expect(s.eta).toEqual({ at: T + 2 * 2 + RELAY_ALLOWANCE_SECONDS, exact: false });
  });

  it("counts attestations k/M once confirmed", () => {
    const s = deriveStatus(facts({ sourceHead: 20n, attestations: attestations(1) }), params, T + 20);
    expect(s).toMatchObject({ stage: "sent", reason: { kind: "attestations", signed: 1, threshold: 2 } });
    expect(s.eta).toEqual({ at: T + 20 + RELAY_ALLOWANCE_SECONDS, exact: false });
    // Without the guardians' answers (an indexer that does not ask them) the reason has no counts.
    expect(deriveStatus(facts({ sourceHead: 20n }), params, T + 20).reason).toEqual({ kind: "attestations" });
  });

  it("waits for a guardian operator's approval of a large transfer, with no ETA (a person decides)", () => {
    const s = deriveStatus(facts({ attestations: attestations(1, { awaitingApproval: 2 }) }), params, T + 20);
    expect(s.reason).toEqual({ kind: "guardian-approval", awaiting: 2, signed: 1, threshold: 2 });
    expect(s.eta).toBeUndefined();
  });

  it("says so when enough guardians refused it for good", () => {
    const s = deriveStatus(
      facts({ attestations: attestations(0, { rejected: ["bad route", "bad route"] }) }),
      params,
      T + 20,
    );
    expect(s.reason).toEqual({ kind: "rejected", reasons: ["bad route", "bad route"] });
    expect(s.eta).toBeUndefined();
  });

  it("once signable, waits for a relayer: at once on the fast path", () => {
    const s = deriveStatus(facts({ attestations: attestations(2) }), params, T + 20);
    expect(s).toMatchObject({ stage: "attested", reason: { kind: "relayer" } });
    expect(s.reason).not.toHaveProperty("then");
    expect(s.eta).toEqual({ at: T + 20 + RELAY_ALLOWANCE_SECONDS, exact: false });
  });

  it("signable but underpaid: relayers may leave it alone, so it says self-relay, with no ETA", () => {
    const payment = { fee: 0n, quote: 300n };
    const s = deriveStatus(facts({ attestations: attestations(2), payment }), params, T + 20);
    expect(s.reason).toEqual({ kind: "self-relay", fee: 0n, quote: 300n });
    expect(s.eta).toBeUndefined();
    expect(s.fee).toEqual({ fee: 0n, quote: 300n, underpaid: true });
    // Before the guardians sign, the wait is theirs; the fee still shows as underpaid.
    const early = deriveStatus(facts({ sourceHead: 20n, attestations: attestations(1), payment }), params, T + 20);
    expect(early.reason.kind).toBe("attestations");
    expect(early.fee?.underpaid).toBe(true);
    // Past the deadline it is expired like any other.
    expect(deriveStatus(facts({ attestations: attestations(2), payment }), params, DEADLINE + 1).reason.kind).toBe(
      "expired",
    );
  });

  it("paid the quote (or more, a tip): waits for a relayer and shows what it paid", () => {
    for (const fee of [300n, 400n]) {
      const s = deriveStatus(facts({ attestations: attestations(2), payment: { fee, quote: 300n } }), params, T + 20);
      expect(s.reason).toEqual({ kind: "relayer" });
      expect(s.fee).toEqual({ fee, quote: 300n, underpaid: false });
    }
    // Unknown payment (facts from an older indexer): no fee field, relayer reason.
    expect(deriveStatus(facts({ attestations: attestations(2) }), params, T + 20).fee).toBeUndefined();
  });

  it("…and warns of the delay a large transfer will wait after delivery", () => {
    const s = deriveStatus(facts({ attestations: attestations(2) }, 20n * 10n ** 18n), params, T + 20);
    expect(s.reason).toEqual({ kind: "relayer", then: "large-transfer", delaySeconds: 600 });
    expect(s.eta).toEqual({ at: T + 20 + RELAY_ALLOWANCE_SECONDS + 600, exact: false });
  });

  it("…or the one a transfer the inbound bucket cannot cover will wait", () => {
    const empty = { capacity: 100n * 10n ** 18n, refillPerSecond: 10n ** 18n, fullAt: BigInt(T + 1_000) << 16n };
    const s = deriveStatus(facts({ attestations: attestations(2) }), { ...params, inboundBucket: empty }, T + 20);
    expect(s.reason).toEqual({ kind: "relayer", then: "rate-limit", delaySeconds: 600 });
    // Refilled enough by then: a later look takes the fast path again.
    expect(
      deriveStatus(facts({ attestations: attestations(2) }), { ...params, inboundBucket: empty }, T + 1_000).reason,
    ).toEqual({ kind: "relayer" });
  });

  it("queued above the fast limit: the large-transfer delay until T, exactly", () => {
    const until = T + 630;
    const f = facts({ queued: { ...ref(T + 30), executableAt: until } }, 20n * 10n ** 18n);
    const s = deriveStatus(f, params, T + 40);
    expect(s).toMatchObject({ stage: "delivered", reason: { kind: "large-transfer-delay", until } });
    expect(s.eta).toEqual({ at: until, exact: true });
  });

  it("queued within the fast limit: the rate-limit bucket lacked room", () => {
    const until = T + 630;
    const s = deriveStatus(facts({ queued: { ...ref(T + 30), executableAt: until } }), params, T + 40);
    expect(s.reason).toEqual({ kind: "rate-limit", until });
  });

  it("after the delay: waiting for anyone to execute it", () => {
    const until = T + 630;
    const s = deriveStatus(facts({ queued: { ...ref(T + 30), executableAt: until } }), params, until + 5);
    expect(s).toMatchObject({ stage: "delivered", reason: { kind: "executor", since: until } });
  });

  it("a paused destination blocks delivery and execution, with no ETA", () => {
    for (const f of [
      facts({ destPaused: true, attestations: attestations(2) }),
      facts({ destPaused: true, queued: { ...ref(T + 30), executableAt: T + 60 } }),
    ]) {
      const s = deriveStatus(f, params, T + 100);
      expect(s.reason).toEqual({ kind: "paused" });
      expect(s.eta).toBeUndefined();
      expect(s.final).toBe(false);
    }
  });

  it("past its deadline undelivered: expired and escapable (also when guardians had signed)", () => {
    const s = deriveStatus(facts({ attestations: attestations(2) }), params, DEADLINE + 1);
    expect(s).toMatchObject({ stage: "attested", reason: { kind: "expired", deadline: DEADLINE }, escapable: true });
    expect(s.eta).toBeUndefined();
    expect(deriveStatus(facts({ attestations: attestations(2) }), params, DEADLINE).escapable).toBe(false);
  });

  it("executed: final, the ETA is when it happened", () => {
    const s = deriveStatus(facts({ executed: ref(T + 9) }), params, T + 100);
    expect(s).toMatchObject({ stage: "executed", reason: { kind: "executed", at: T + 9 }, final: true });
    expect(s.eta).toEqual({ at: T + 9, exact: true });
  });

  it("vetoed: final, escapable once past the deadline", () => {
    const f = facts({ queued: { ...ref(T + 30), executableAt: T + 630 }, vetoed: ref(T + 60) });
    expect(deriveStatus(f, params, T + 100)).toMatchObject({ stage: "vetoed", final: true, escapable: false });
    expect(deriveStatus(f, params, DEADLINE + 1)).toMatchObject({ stage: "vetoed", escapable: true });
  });

  it("cancelled, then refunded", () => {
    const cancelled = { ...ref(DEADLINE + 10), refundOnL1: true };
    expect(deriveStatus(facts({ cancelled }), params, DEADLINE + 20)).toMatchObject({
      stage: "cancelled",
      reason: { kind: "cancelled", refundOnL1: true },
      final: true,
    });
    const refunded = { ...ref(DEADLINE + 90), onL1: false };
    expect(deriveStatus(facts({ cancelled, refunded }), params, DEADLINE + 100)).toMatchObject({
      stage: "refunded",
      reason: { kind: "refunded", onL1: false, at: DEADLINE + 90 },
      final: true,
    });
  });

  it("an unreachable chain is the reason, keeping the stage the facts support", () => {
    const s = deriveStatus(facts({ unreachable: "l2b", attestations: attestations(2) }), params, T + 10);
    expect(s).toMatchObject({ stage: "attested", reason: { kind: "unreachable", chain: "l2b" } });
    expect(s.eta).toBeUndefined();
  });

  it("over random facts: final exactly at the final stages, escapable only past the deadline, never behind the chain", () => {
    const random = new Random();
    const pick = <T>(xs: readonly T[]) => random.pick(xs);
    for (let i = 0; i < 2_000; i++) {
      const now = T + random.int(200_000);
      const f = facts(
        {
          sourceHead: pick([undefined, 12n, 13n, 20n]),
          attestations: pick([
            undefined,
            attestations(0),
            attestations(1),
            attestations(2),
            attestations(1, { awaitingApproval: 1 }),
          ]),
          queued: pick([undefined, { ...ref(T + 30), executableAt: T + pick([0, 630, 100_000]) }]),
          executed: pick([undefined, undefined, ref(T + 700)]),
          vetoed: pick([undefined, undefined, ref(T + 60)]),
          cancelled: pick([undefined, undefined, { ...ref(DEADLINE + 5), refundOnL1: false }]),
          refunded: pick([undefined, undefined, { ...ref(DEADLINE + 50), onL1: false }]),
          destPaused: pick([undefined, false, true]),
        },
        pick([FIVE, 20n * 10n ** 18n]),
      );
      const s = deriveStatus(f, params, now);
      const context = JSON.stringify({ seed: String(FUZZ_SEED), i, now, stage: s.stage, reason: s.reason });
      expect(s.final, context).toBe(FINAL_STAGES.includes(s.stage));
      if (s.escapable) expect(now, context).toBeGreaterThan(DEADLINE);
      if (f.refunded) expect(s.stage, context).toBe("refunded");
      else if (f.cancelled) expect(s.stage, context).toBe("cancelled");
      else if (f.vetoed) expect(s.stage, context).toBe("vetoed");
      else if (f.executed) expect(s.stage, context).toBe("executed");
      else if (f.queued) expect(s.stage, context).toBe("delivered");
      if (s.eta?.exact === false) expect(s.eta.at, context).toBeGreaterThanOrEqual(Math.floor(now));
    }
  });
});
