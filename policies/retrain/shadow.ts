/**
 * Marking decisions without trading them: a {@linkcode ShadowBook} holds the exposure a policy
 * asked for (a fraction of equity, −1..1) and, at each decision, earns what that exposure made
 * since the last one, less the cost of moving to the new exposure (commission plus half the
 * spread, per unit of equity turned over). The champion and its challenger are marked by the same
 * book on the same prices, so the difference of their per-decision P&L is a fair paired sample.
 * @module
 */

/** Thrown for a bad cost, price or exposure. */
export class ShadowError extends RangeError {
  override name = "ShadowError";
}

/** A policy's exposure marked decision by decision; see the module documentation. */
export class ShadowBook {
  readonly #commission: number;
  #exposure = 0;
  #price: number | undefined;
  #total = 0;
  #decisions = 0;

  /** A flat book; `commission` is the fee per unit of notional traded (0.0005 = 5 bp). */
  constructor(commission = 0) {
    if (!(commission >= 0 && commission < 1)) {
      throw new ShadowError(`commission: expected 0 ≤ commission < 1, got ${commission}`);
    }
    this.#commission = commission;
  }

  /** The exposure held now. */
  get exposure(): number {
    return this.#exposure;
  }

  /** The sum of every decision's P&L, as a fraction of equity (not compounded). */
  get total(): number {
    return this.#total;
  }

  /** Decisions marked. */
  get decisions(): number {
    return this.#decisions;
  }

  /**
   * Marks the exposure held since the last decision to `price`, then moves to `exposure` paying
   * the commission and `halfSpread` (a fraction of the price) on the change; returns the
   * decision's P&L as a fraction of equity.
   */
  step(price: number, exposure: number, halfSpread = 0): number {
    if (!(price > 0) || !Number.isFinite(price)) {
      throw new ShadowError(`price: expected a positive finite number, got ${price}`);
    }
    if (!(exposure >= -1 && exposure <= 1)) {
      throw new ShadowError(`exposure: expected −1..1, got ${exposure}`);
    }
    if (!(halfSpread >= 0 && halfSpread < 1)) {
      throw new ShadowError(`halfSpread: expected 0 ≤ halfSpread < 1, got ${halfSpread}`);
    }
    const held = this.#price === undefined ? 0 : this.#exposure * (price / this.#price - 1);
    const cost = Math.abs(exposure - this.#exposure) * (this.#commission + halfSpread);
    const pnl = held - cost;
    this.#price = price;
    this.#exposure = exposure;
    this.#total += pnl;
    this.#decisions++;
    return pnl;
  }

  /** The book as plain data, for a checkpoint. */
  toState(): ShadowBookState {
    return {
      commission: this.#commission,
      exposure: this.#exposure,
      price: this.#price ?? null,
      total: this.#total,
      decisions: this.#decisions,
    };
  }

  /** A book from {@linkcode ShadowBook.toState}'s data. */
  static fromState(s: ShadowBookState): ShadowBook {
    const b = new ShadowBook(s.commission);
    b.#exposure = s.exposure;
    b.#price = s.price ?? undefined;
    b.#total = s.total;
    b.#decisions = s.decisions;
    return b;
  }
}

/** A {@linkcode ShadowBook} as plain data. */
export interface ShadowBookState {
  readonly commission: number;
  readonly exposure: number;
  readonly price: number | null;
  readonly total: number;
  readonly decisions: number;
}
