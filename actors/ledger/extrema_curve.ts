/**
 * An equity curve with bounded memory for charts: every point while there are few, then, as the
 * run goes on, the lowest and the highest point of each stretch of consecutive points — so peaks,
 * troughs and with them the drawdowns stay visible — plus the first and the last point. It keeps
 * at most `2 × buckets + 2` points whatever the length of the run.
 *
 * Points are added into buckets of `k` consecutive points (`k` = 1 at first, so every point is
 * kept); each bucket remembers its lowest and highest point. When `buckets` buckets are full,
 * neighbours are merged in pairs (the lower low, the higher high) and `k` doubles.
 *
 * @example
 * ```ts
 * import { ExtremaCurve } from "./extrema_curve.ts";
 * const c = new ExtremaCurve(8);
 * for (let i = 0; i < 1_000; i++) c.add(i, 100 + Math.sin(i / 40) * 10, false);
 * if (c.length !== 1_000 || c.curve().length > 18) throw new Error("unreachable");
 * ```
 * @module
 */
import { EquityCurve } from "./equity_curve.ts";

/** Columns of one end (low or high) of every bucket: the point's index, time, equity, exposure. */
class Ends {
  readonly index: Float64Array;
  readonly ts: Float64Array;
  readonly equity: Float64Array;
  readonly exposed: Uint8Array;
  constructor(n: number) {
    this.index = new Float64Array(n);
    this.ts = new Float64Array(n);
    this.equity = new Float64Array(n);
    this.exposed = new Uint8Array(n);
  }
  set(b: number, index: number, ts: number, equity: number, exposed: boolean): void {
    this.index[b] = index;
    this.ts[b] = ts;
    this.equity[b] = equity;
    this.exposed[b] = exposed ? 1 : 0;
  }
  copy(to: number, from: number): void {
    this.index[to] = this.index[from];
    this.ts[to] = this.ts[from];
    this.equity[to] = this.equity[from];
    this.exposed[to] = this.exposed[from];
  }
}

/** See the module documentation. */
export class ExtremaCurve {
  private readonly _lo: Ends;
  private readonly _hi: Ends;
  /** Buckets started (the last may be filling). */
  private _used = 0;
  /** Points per bucket. */
  private _k = 1;
  /** Points in the last bucket. */
  private _filling = 0;
  private _n = 0;
  private _first: [number, number, boolean] | undefined;
  private _last: [number, number, boolean] = [NaN, NaN, false];

  /** Keeps at most `buckets` (an even integer ≥ 2) buckets. */
  constructor(readonly buckets = 5_000) {
    if (!(Number.isInteger(buckets) && buckets >= 2 && buckets % 2 === 0)) {
      throw new RangeError(`buckets: expected an even integer >= 2, got ${buckets}`);
    }
    this._lo = new Ends(buckets);
    this._hi = new Ends(buckets);
  }

  /** Points added (all of them, kept or not). */
  get length(): number {
    return this._n;
  }

  /** Adds the next point. */
  add(ts: number, equity: number, exposed: boolean): void {
    const i = this._n++;
    this._first ??= [ts, equity, exposed];
    const last = this._last;
    last[0] = ts;
    last[1] = equity;
    last[2] = exposed;
    if (this._filling === 0) {
      const b = this._used++;
      this._lo.set(b, i, ts, equity, exposed);
      this._hi.set(b, i, ts, equity, exposed);
    } else {
      const b = this._used - 1;
      if (equity < this._lo.equity[b]) this._lo.set(b, i, ts, equity, exposed);
      if (equity > this._hi.equity[b]) this._hi.set(b, i, ts, equity, exposed);
    }
    if (++this._filling < this._k) return;
    this._filling = 0;
    if (this._used === this.buckets) this.#halve();
  }

  /** The points kept, in time order, as an {@linkcode EquityCurve}. */
  curve(): EquityCurve {
    const out = new EquityCurve(2 * this._used + 2);
    if (this._first === undefined) return out;
    let lastIndex = 0;
    out.add(...this._first);
    const push = (ends: Ends, b: number) => {
      if (ends.index[b] <= lastIndex) return;
      lastIndex = ends.index[b];
      out.add(ends.ts[b], ends.equity[b], ends.exposed[b] === 1);
    };
    for (let b = 0; b < this._used; b++) {
      const loFirst = this._lo.index[b] <= this._hi.index[b];
      push(loFirst ? this._lo : this._hi, b);
      push(loFirst ? this._hi : this._lo, b);
    }
    if (this._n - 1 > lastIndex) out.add(...this._last);
    return out;
  }

  #halve(): void {
    const lo = this._lo, hi = this._hi;
    for (let b = 0; b < this.buckets / 2; b++) {
      const a = 2 * b, c = a + 1;
      lo.copy(b, lo.equity[c] < lo.equity[a] ? c : a);
      hi.copy(b, hi.equity[c] > hi.equity[a] ? c : a);
    }
    this._used = this.buckets / 2;
    this._k *= 2;
  }
}
