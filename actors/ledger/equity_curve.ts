/**
 * An equity curve stored by column — times, equity and exposure in typed arrays that grow by
 * doubling — so a run of a million steps keeps 17 bytes a step instead of an object each.
 * Iterating it, or {@linkcode EquityCurve.at}, gives {@linkcode EquityPoint}s made on demand.
 *
 * @example
 * ```ts
 * import { EquityCurve } from "./equity_curve.ts";
 * const curve = new EquityCurve();
 * curve.add(0, 100, false);
 * curve.add(60_000, 101.5, true);
 * if (curve.length !== 2 || curve.at(-1)!.equity !== 101.5) throw new Error("unreachable");
 * ```
 * @module
 */
/** One sample of the equity curve. */
export interface EquityPoint {
  /** Sample time, epoch milliseconds; non-decreasing along the curve. */
  readonly ts: number;
  /** Account equity: the first point > 0; later ones may reach 0 or below (see `ruin_ts`). */
  readonly equity: number;
  /** Whether a position was open at this sample. */
  readonly exposed: boolean;
}

/** See the module documentation. */
export class EquityCurve implements Iterable<EquityPoint> {
  private _ts: Float64Array;
  private _equity: Float64Array;
  private _exposed: Uint8Array;
  private _length = 0;

  constructor(capacity = 1_024) {
    this._ts = new Float64Array(capacity);
    this._equity = new Float64Array(capacity);
    this._exposed = new Uint8Array(capacity);
  }

  /** A curve of `points`. */
  static of(points: Iterable<EquityPoint>): EquityCurve {
    const curve = new EquityCurve();
    for (const p of points) curve.add(p.ts, p.equity, p.exposed);
    return curve;
  }

  /** Number of points. */
  get length(): number {
    return this._length;
  }

  /** Drops the points after the first `length` (an append-only curve checkpointed by length). */
  truncate(length: number): void {
    if (!(Number.isInteger(length) && length >= 0)) {
      throw new RangeError(`truncate: expected an integer ≥ 0, got ${length}`);
    }
    this._length = Math.min(this._length, length);
  }

  /** Appends a point. */
  add(ts: number, equity: number, exposed: boolean): void {
    const i = this._length;
    if (i === this._ts.length) this.#grow();
    this._ts[i] = ts;
    this._equity[i] = equity;
    this._exposed[i] = exposed ? 1 : 0;
    this._length = i + 1;
  }

  /** Time of point `i`. */
  ts(i: number): number {
    return this._ts[i];
  }

  /** Equity of point `i`. */
  equity(i: number): number {
    return this._equity[i];
  }

  /** Whether a position was open at point `i`. */
  exposed(i: number): boolean {
    return this._exposed[i] === 1;
  }

  /** Point `i` (negative: from the end), or undefined outside the curve. */
  at(i: number): EquityPoint | undefined {
    const k = i < 0 ? this._length + i : i;
    if (!(k >= 0 && k < this._length)) return undefined;
    return { ts: this._ts[k], equity: this._equity[k], exposed: this._exposed[k] === 1 };
  }

  *[Symbol.iterator](): Iterator<EquityPoint> {
    for (let i = 0; i < this._length; i++) yield this.at(i)!;
  }

  #grow(): void {
    const n = this._ts.length * 2;
    const ts = new Float64Array(n), equity = new Float64Array(n), exposed = new Uint8Array(n);
    ts.set(this._ts);
    equity.set(this._equity);
    exposed.set(this._exposed);
    this._ts = ts;
    this._equity = equity;
    this._exposed = exposed;
  }
}
