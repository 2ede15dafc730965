/**
 * The monitor's series, stored by column with bounded memory: a symbol's price bars
 * ({@linkcode BoundedBars}) and an agent's position changes ({@linkcode PositionChanges}).
 * @module
 */

/** A price sample: the bar's close time, close, and the quote mid then (null if unknown). */
export interface PricePoint {
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly mid: number | null;
}

/**
 * An agent's position in the clock symbol at each step it changed, by column (plain number
 * arrays: 16 bytes a change, no object).
 */
export class PositionChanges {
  readonly #ts: number[] = [];
  readonly #qty: number[] = [];

  /** Changes recorded. */
  get length(): number {
    return this.#ts.length;
  }

  /** The latest position (NaN before the first). */
  get lastQty(): number {
    return this.#qty.length === 0 ? NaN : this.#qty[this.#qty.length - 1];
  }

  /** Records position `qty` from `ts` on. */
  add(ts: number, qty: number): void {
    this.#ts.push(ts);
    this.#qty.push(qty);
  }

  /** The changes as points. */
  all(): { ts: number; qty: number }[] {
    return this.#ts.map((ts, i) => ({ ts, qty: this.#qty[i] }));
  }
}

/** Price bars a symbol keeps before merging neighbours (see {@linkcode BoundedBars}). */
export const PRICE_BARS_KEPT = 10_000;

/**
 * A symbol's price bars with bounded memory: up to `cap` bars as they came; once there are
 * `cap`, neighbours are merged in pairs (first open, highest high, lowest low, last close and
 * mid, timed at the first) and later bars are merged as many at a time, so a run of any length
 * keeps between `cap / 2` and `cap` bars. Stored by column, so adding a bar allocates nothing
 * (a bar an object would live long enough to burden the garbage collector's old generation).
 */
export class BoundedBars {
  readonly #ts: Float64Array;
  readonly #open: Float64Array;
  readonly #high: Float64Array;
  readonly #low: Float64Array;
  readonly #close: Float64Array;
  /** NaN: no mid known. */
  readonly #mid: Float64Array;
  #n = 0;
  /** Bars merged into each kept bar from here on. */
  #k = 1;
  /** Bars merged into the pending one (slot `#n`) so far. */
  #inPending = 0;

  constructor(readonly cap: number = PRICE_BARS_KEPT) {
    if (!(Number.isInteger(cap) && cap >= 2 && cap % 2 === 0)) {
      throw new RangeError(`cap: expected an even integer >= 2, got ${cap}`);
    }
    // One slot more than the cap: the pending bar's.
    this.#ts = new Float64Array(cap + 1);
    this.#open = new Float64Array(cap + 1);
    this.#high = new Float64Array(cap + 1);
    this.#low = new Float64Array(cap + 1);
    this.#close = new Float64Array(cap + 1);
    this.#mid = new Float64Array(cap + 1);
  }

  /** Adds the next bar. */
  add(p: PricePoint): void {
    this.push(p.ts, p.open, p.high, p.low, p.close, p.mid);
  }

  /** Adds the next bar, by field. */
  push(
    ts: number,
    open: number,
    high: number,
    low: number,
    close: number,
    mid: number | null,
  ): void {
    const n = this.#n;
    if (this.#inPending === 0) {
      this.#ts[n] = ts;
      this.#open[n] = open;
      this.#high[n] = high;
      this.#low[n] = low;
    } else {
      if (high > this.#high[n]) this.#high[n] = high;
      if (low < this.#low[n]) this.#low[n] = low;
    }
    this.#close[n] = close;
    this.#mid[n] = mid ?? NaN;
    if (++this.#inPending < this.#k) return;
    this.#inPending = 0;
    if (++this.#n < this.cap) return;
    for (let i = 0; i < this.cap / 2; i++) this.#mergePair(i);
    this.#n = this.cap / 2;
    this.#k *= 2;
  }

  /** The number of bars {@linkcode BoundedBars.all} returns. */
  get length(): number {
    return this.#n + (this.#inPending > 0 ? 1 : 0);
  }

  /** The bars kept, the one being merged included. */
  all(): PricePoint[] {
    return Array.from({ length: this.length }, (_, i) => ({
      ts: this.#ts[i],
      open: this.#open[i],
      high: this.#high[i],
      low: this.#low[i],
      close: this.#close[i],
      mid: Number.isNaN(this.#mid[i]) ? null : this.#mid[i],
    }));
  }

  /** Bar `i` becomes the merge of bars `2i` and `2i + 1`. */
  #mergePair(i: number): void {
    const a = 2 * i;
    const b = a + 1;
    this.#ts[i] = this.#ts[a];
    this.#open[i] = this.#open[a];
    this.#high[i] = Math.max(this.#high[a], this.#high[b]);
    this.#low[i] = Math.min(this.#low[a], this.#low[b]);
    this.#close[i] = this.#close[b];
    this.#mid[i] = this.#mid[b];
  }
}
