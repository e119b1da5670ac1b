/** A message's indexed stage and its current reason and ETA (explorer/status.ts). */
import { describe, expect, it } from "vitest";
import { describeWait, statusOf, type StatusFacts } from "../../../explorer/status.js";

const NOW = 1_700_000_000;
const base: StatusFacts = {
  status: "sent",
  deadline: NOW + 3_600,
  amount: 5n,
  destinationPaused: false,
  destination: "l2b",
  fastLimit: 10n,
  inboundAvailable: 100n,
  largeDelay: 20,
};

describe("statusOf", () => {
  it("takes the furthest stage, in any event order", () => {
    expect(statusOf([])).toBe("sent");
    expect(statusOf(["MessageSent"])).toBe("sent");
    expect(statusOf(["MessageQueued", "MessageSent"])).toBe("queued");
    expect(statusOf(["MessageSent", "MessageExecuted"])).toBe("executed");
    expect(statusOf(["MessageExecuted", "MessageQueued", "MessageSent"])).toBe("executed");
    expect(statusOf(["MessageVetoed", "MessageQueued"])).toBe("vetoed");
    // A vetoed message can still be cancelled and refunded through the escape hatch.
    expect(statusOf(["MessageRefunded", "MessageVetoed", "MessageCancelled"])).toBe("refunded");
    expect(statusOf(["MessageCancelled"])).toBe("cancelled");
    expect(statusOf(["Paused", "RoleGranted"])).toBe("sent");
  });
});

describe("describeWait", () => {
  it("says a sent message waits for guardians and a relayer, and what happens after", () => {
    expect(describeWait(base, NOW)).toMatchObject({ kind: "delivery", eta: null });
    expect(describeWait({ ...base, amount: 11n }, NOW).text).toMatch(/above the fast limit.*\(20 s\)/);
    expect(describeWait({ ...base, inboundAvailable: 4n }, NOW).text).toMatch(/rate-limit bucket lacks room/);
  });

  it("says an underpaid message is the sender's to relay (or escape); a paid one waits for a relayer", () => {
    const underpaid = describeWait({ ...base, fee: { paid: 0n, quote: 200n } }, NOW);
    expect(underpaid).toMatchObject({ kind: "self-relay", eta: null });
    expect(underpaid.text).toMatch(/paid 0 wei of its 200 wei delivery fee.*bridge relay.*escape/);
    expect(describeWait({ ...base, fee: { paid: 200n, quote: 200n } }, NOW).kind).toBe("delivery");
    // Expiry still comes first.
    expect(describeWait({ ...base, deadline: NOW - 1, fee: { paid: 0n, quote: 200n } }, NOW).kind).toBe("expired");
  });

  it("puts expiry before a pause, and a pause before delivery", () => {
    expect(describeWait({ ...base, deadline: NOW - 1, destinationPaused: true }, NOW).kind).toBe("expired");
    expect(describeWait({ ...base, destinationPaused: true }, NOW)).toMatchObject({ kind: "paused", eta: null });
    expect(describeWait({ ...base, destinationPaused: true }, NOW).text).toMatch(/l2b gateway is paused/);
  });

  it("gives a queued message its executableAt as ETA, and its reason", () => {
    const queued = { ...base, status: "queued" as const, executableAt: NOW + 30 };
    expect(describeWait({ ...queued, amount: 11n }, NOW)).toMatchObject({ kind: "large-transfer", eta: NOW + 30 });
    expect(describeWait(queued, NOW)).toMatchObject({ kind: "rate-limit", eta: NOW + 30 });
    expect(describeWait(queued, NOW + 30)).toMatchObject({ kind: "execution", eta: NOW + 30 });
    expect(describeWait({ ...queued, destinationPaused: true }, NOW)).toMatchObject({ kind: "paused", eta: NOW + 30 });
  });

  it("ends with the final stages, without an ETA", () => {
    for (const status of ["executed", "vetoed", "cancelled", "refunded"] as const) {
      expect(describeWait({ ...base, status }, NOW)).toMatchObject({ kind: status, eta: null });
    }
    expect(describeWait({ ...base, deadline: undefined }, NOW).kind).toBe("unknown-source");
  });
});
