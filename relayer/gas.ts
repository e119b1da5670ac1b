/**
 * How many messages one `deliver` may carry on a destination: sized by gas, not by count.
 *
 * A delivery's gas is about `fixed + perMessage × n` (the attestation check and call overhead,
 * then each transfer's replay bit, rate-limit bucket and mint or release). A transaction may use
 * at most `min(MAX_TX_GAS, blockGasLimit / 2)`: MAX_TX_GAS defaults to EIP-7825's per-transaction
 * cap of 2^24, and half a block leaves room for everyone else's transactions (and for a second
 * relayer's delivery in the same block). The per-message cost is measured: every delivery's gas
 * updates a moving average of `(gas − fixed) / n`, so batches grow to what the destination really
 * charges. Until the first measurement a conservative prior stands in; the first measurement
 * replaces it outright. The prior is a worst case (every message a new recipient), several times
 * what a delivery usually costs, and a gas limit sized by it is too large to share a busy block:
 * a block takes a transaction only while its gas limit fits what the block has left, so while the
 * prior stands the deliverer estimates each delivery instead (deliverer.ts). Token mixes cost
 * differently; a batch estimated over the cap is split.
 *
 * Relayer processes share the measurement (`SharedGas`, a Redis key per destination): each
 * publishes its average after every measurement, and one that has measured nothing yet (just
 * started, or never given a batch for that chain) takes the published value instead of the
 * prior. The cost is the destination gateway's, the same whoever delivers; without it every
 * relayer but the one that delivered first estimated its first deliveries, a round trip to a
 * node busy with the very burst it was delivering.
 */

/** EIP-7825: the most gas one transaction may use. */
export const EIP7825_TX_GAS_CAP = 16_777_216n;
/** Assumed fixed part of a delivery: 21,000 intrinsic plus signature checks and call overhead. */
const FIXED_GAS = 100_000n;
/** Prior per-message cost before anything was measured (a new recipient costs the most). */
const PRIOR_PER_MESSAGE_GAS = 60_000n;
/**
 * Default gas limit of a delivery sized by the measured average rather than estimated, over its
 * prediction, in percent (see `predictedLimit`).
 */
export const PREDICTION_HEADROOM_PERCENT = 200n;
/** Weight of the newest measurement in the moving average. */
const SMOOTHING = 0.3;

/** Where relayers share a destination's measured per-message cost (relayer/store.ts). */
export interface SharedGas {
  read(): Promise<bigint | undefined>;
  write(perMessage: bigint): Promise<void>;
}

/** How often a budget with nothing measured asks for a shared measurement. */
const LEARN_EVERY_MS = 1_000;

export interface GasBudgetOptions {
  maxTxGas: bigint;
  /** Most messages per delivery whatever the gas (the guardians' attestation limit). */
  maxMessages: number;
  /** Gas limit over the estimate, in percent (the limit a sent transaction carries). */
  headroomPercent: bigint;
  /** Gas limit over the measured average's prediction, in percent (default PREDICTION_HEADROOM_PERCENT). */
  predictionHeadroomPercent?: bigint;
}

export class GasBudget {
  private perMessage = PRIOR_PER_MESSAGE_GAS;
  private measuredOnce = false;
  private blockGasLimit?: bigint;
  private lastLearnAt = -Infinity;

  constructor(
    private readonly o: GasBudgetOptions,
    private readonly shared?: SharedGas,
    private readonly now: () => number = Date.now,
  ) {}

  /** The measured cost of one more message in a delivery. */
  get perMessageGas(): bigint {
    return this.perMessage;
  }

  /** Whether a delivery's gas was measured yet (false: the prior stands in). */
  get measured(): boolean {
    return this.measuredOnce;
  }

  /** The destination's block gas limit (read from its latest block). */
  setBlockGasLimit(limit: bigint): void {
    this.blockGasLimit = limit;
  }

  /** The most gas one delivery's limit may be. */
  txGasLimit(): bigint {
    const half = this.blockGasLimit === undefined ? this.o.maxTxGas : this.blockGasLimit / 2n;
    return half < this.o.maxTxGas ? half : this.o.maxTxGas;
  }

  /** How many messages fit in one delivery now (at least 1). */
  maxMessages(): number {
    const room = (this.txGasLimit() * 100n) / this.o.headroomPercent - FIXED_GAS;
    const fit = room > 0n ? Number(room / this.perMessage) : 1;
    return Math.max(1, Math.min(this.o.maxMessages, fit));
  }

  /** The gas a delivery of `messages` transfers is expected to use. */
  predict(messages: number): bigint {
    return FIXED_GAS + this.perMessage * BigInt(messages);
  }

  /**
   * The gas limit a delivery of `messages` transfers is simulated and sent with when it is not
   * estimated: the prediction with `predictionHeadroomPercent` over it, within the cap. The
   * average is the destination's, over every route and token delivered there, and one delivery
   * strays from it much further than from its own estimate: on the devnet bench deliveries used
   * up to 1.8× the prediction (a token minted where the average was mostly of one released,
   * recipients new to the token, a small batch's share of the cold storage a delivery touches
   * first, a first measurement of one message). A limit short of the use reverts on chain, which
   * cost the batch a block and a new round (1.5–2 s under a burst; at 120 % a quarter of one
   * burst's deliveries did); a limit above it costs nothing but room in the block (gas used is
   * paid, not the limit; under congestion a delivery bids the higher tip and is placed first).
   */
  predictedLimit(messages: number): bigint {
    const headroom = this.o.predictionHeadroomPercent ?? PREDICTION_HEADROOM_PERCENT;
    const limit = (this.predict(messages) * headroom) / 100n;
    const cap = this.txGasLimit();
    return limit < cap ? limit : cap;
  }

  /** The gas limit a delivery estimated at `gas` is sent with. */
  limitFor(gas: bigint): bigint {
    return (gas * this.o.headroomPercent) / 100n;
  }

  /** Feeds a measurement: `gas` for a delivery of `messages` transfers. */
  observe(messages: number, gas: bigint): void {
    if (messages < 1 || gas <= FIXED_GAS) return;
    const sample = Number((gas - FIXED_GAS) / BigInt(messages));
    const next = this.measuredOnce
      ? Math.round(Number(this.perMessage) * (1 - SMOOTHING) + sample * SMOOTHING)
      : sample;
    this.perMessage = BigInt(Math.max(1_000, next));
    this.measuredOnce = true;
    // Best effort: a peer that cannot read it measures for itself.
    this.shared?.write(this.perMessage).catch(() => undefined);
  }

  /**
   * With nothing measured yet, takes a peer's published measurement if there is one (asking at
   * most once a second; a failed read is asked again then). A no-op once measured.
   */
  async learn(): Promise<void> {
    if (this.measuredOnce || !this.shared || this.now() - this.lastLearnAt < LEARN_EVERY_MS) return;
    this.lastLearnAt = this.now();
    const published = await this.shared.read().catch(() => undefined);
    if (published === undefined || this.measuredOnce) return;
    this.perMessage = published < 1_000n ? 1_000n : published;
    this.measuredOnce = true;
  }
}
