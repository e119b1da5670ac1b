/**
 * A payment's one text form: what the guardians' feed lists and a relayer's delivery job keeps.
 * A malformed one reads as unknown (the relayer then reads the source's log), never as zero.
 */
import { describe, expect, it } from "vitest";
import { paymentFromJson, paymentToJson } from "../../../core/payment.js";

describe("payment text form", () => {
  it("test_paymentToJson_roundTrips_succeeds: decimal strings, beyond 2^53", () => {
    const payment = { fee: 12_345_678_901_234_567_890n, quote: 0n };
    const json = paymentToJson(payment);
    expect(json).toEqual({ fee: "12345678901234567890", quote: "0" });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(paymentFromJson(json)).toEqual(payment);
  });

  it("test_paymentFromJson_absentOrMalformed_reverts: unknown, not a number", () => {
    expect(paymentFromJson(undefined)).toBeUndefined();
    for (const bad of [
      { fee: "", quote: "1" },
      { fee: "1", quote: "-1" },
      { fee: "0x10", quote: "1" },
      { fee: "1.5", quote: "1" },
      { fee: "1", quote: " 1" },
    ]) {
      expect(paymentFromJson(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});
