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

/** A checkpoint of {@linkcode PositionChanges}: the first `length` of its columns. */
export interface PositionChangesState {
  readonly ts: readonly number[];
  readonly qty: readonly number[];
  readonly length: number;
}

/**
 * An agent's position in the clock symbol at each step it changed, by column (plain number
 * arrays: 16 bytes a change, no object).
 */
export class PositionChanges {
  private readonly _ts: number[] = [];
  private readonly _qty: number[] = [];

  /** Changes recorded. */
  get length(): number {
    return this._ts.length;
  }

  /** The latest position (NaN before the first). */
  get lastQty(): number {
    return this._qty.length === 0 ? NaN : this._qty[this._qty.length - 1];
  }

  /** Records position `qty` from `ts` on. */
  add(ts: number, qty: number): void {
    this._ts.push(ts);
    this._qty.push(qty);
  }

  /**
   * A checkpoint: the columns shared, not copied (they are only ever appended to), and their
   * length now, which is what {@linkcode PositionChanges.fromState} keeps.
   */
  toState(): PositionChangesState {
    return { ts: this._ts, qty: this._qty, length: this._ts.length };
  }

  /** The changes {@linkcode PositionChanges.toState} saw. */
  static fromState(state: PositionChangesState): PositionChanges {
    const p = new PositionChanges();
    for (let i = 0; i < state.length; i++) p.add(state.ts[i], state.qty[i]);
    return p;
  }

  /** The changes as points. */
  all(): { ts: number; qty: number }[] {
    return this._ts.map((ts, i) => ({ ts, qty: this._qty[i] }));
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
  private readonly _ts: Float64Array;
  private readonly _open: Float64Array;
  private readonly _high: Float64Array;
  private readonly _low: Float64Array;
  private readonly _close: Float64Array;
  /** NaN: no mid known. */
  private readonly _mid: Float64Array;
  private _n = 0;
  /** Bars merged into each kept bar from here on. */
  private _k = 1;
  /** Bars merged into the pending one (slot `_n`) so far. */
  private _inPending = 0;

  constructor(readonly cap: number = PRICE_BARS_KEPT) {
    if (!(Number.isInteger(cap) && cap >= 2 && cap % 2 === 0)) {
      throw new RangeError(`cap: expected an even integer >= 2, got ${cap}`);
    }
    // One slot more than the cap: the pending bar's.
    this._ts = new Float64Array(cap + 1);
    this._open = new Float64Array(cap + 1);
    this._high = new Float64Array(cap + 1);
    this._low = new Float64Array(cap + 1);
    this._close = new Float64Array(cap + 1);
    this._mid = new Float64Array(cap + 1);
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
    const n = this._n;
    if (this._inPending === 0) {
      this._ts[n] = ts;
      this._open[n] = open;
      this._high[n] = high;
      this._low[n] = low;
    } else {
      if (high > this._high[n]) this._high[n] = high;
      if (low < this._low[n]) this._low[n] = low;
    }
    this._close[n] = close;
    this._mid[n] = mid ?? NaN;
    if (++this._inPending < this._k) return;
    this._inPending = 0;
    if (++this._n < this.cap) return;
    for (let i = 0; i < this.cap / 2; i++) this.#mergePair(i);
    this._n = this.cap / 2;
    this._k *= 2;
  }

  /** The number of bars {@linkcode BoundedBars.all} returns. */
  get length(): number {
    return this._n + (this._inPending > 0 ? 1 : 0);
  }

  /** The bars kept, the one being merged included. */
  all(): PricePoint[] {
    return Array.from({ length: this.length }, (_, i) => ({
      ts: this._ts[i],
      open: this._open[i],
      high: this._high[i],
      low: this._low[i],
      close: this._close[i],
      mid: Number.isNaN(this._mid[i]) ? null : this._mid[i],
    }));
  }

  /** Bar `i` becomes the merge of bars `2i` and `2i + 1`. */
  #mergePair(i: number): void {
    const a = 2 * i;
    const b = a + 1;
    this._ts[i] = this._ts[a];
    this._open[i] = this._open[a];
    this._high[i] = Math.max(this._high[a], this._high[b]);
    this._low[i] = Math.min(this._low[a], this._low[b]);
    this._close[i] = this._close[b];
    this._mid[i] = this._mid[b];
  }
}
