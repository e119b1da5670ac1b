/**
 * What a message paid for its delivery, from its `MessageSent(msgId, message, fee, quote)` log on
 * the source chain (native wei), and its one text form: decimal strings, as the guardians' feed
 * lists it (`GET /v1/signable`, core/guardian-api.ts) and as a relayer's delivery job keeps it in
 * Redis (JSON has no bigint).
 */
export interface Payment {
  /** `msg.value` of its `send`: what the sender paid. */
  fee: bigint;
  /** What the gateway's `quoteFee` asked for it when it was sent. */
  quote: bigint;
}

export interface PaymentJson {
  fee: string;
  quote: string;
}

export function paymentToJson(payment: Payment): PaymentJson {
  return { fee: payment.fee.toString(), quote: payment.quote.toString() };
}

/**
 * The payment a text form states; undefined when there is none or it is not two decimal
 * integers. Job data read back from Redis is not schema-checked, so a malformed one (a job
 * written by something else) must read as unknown, which makes the relayer read the log itself.
 */
export function paymentFromJson(json: PaymentJson | undefined): Payment | undefined {
  if (!json || !/^\d+$/.test(json.fee) || !/^\d+$/.test(json.quote)) return undefined;
  return { fee: BigInt(json.fee), quote: BigInt(json.quote) };
}
