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
  #ts: Float64Array;
  #equity: Float64Array;
  #exposed: Uint8Array;
  #length = 0;

  constructor(capacity = 1_024) {
    this.#ts = new Float64Array(capacity);
    this.#equity = new Float64Array(capacity);
    this.#exposed = new Uint8Array(capacity);
  }

  /** A curve of `points`. */
  static of(points: Iterable<EquityPoint>): EquityCurve {
    const curve = new EquityCurve();
    for (const p of points) curve.add(p.ts, p.equity, p.exposed);
    return curve;
  }

  /** Number of points. */
  get length(): number {
    return this.#length;
  }

  /** Appends a point. */
  add(ts: number, equity: number, exposed: boolean): void {
    const i = this.#length;
    if (i === this.#ts.length) this.#grow();
    this.#ts[i] = ts;
    this.#equity[i] = equity;
    this.#exposed[i] = exposed ? 1 : 0;
    this.#length = i + 1;
  }

  /** Time of point `i`. */
  ts(i: number): number {
    return this.#ts[i];
  }

  /** Equity of point `i`. */
  equity(i: number): number {
    return this.#equity[i];
  }

  /** Whether a position was open at point `i`. */
  exposed(i: number): boolean {
    return this.#exposed[i] === 1;
  }

  /** Point `i` (negative: from the end), or undefined outside the curve. */
  at(i: number): EquityPoint | undefined {
    const k = i < 0 ? this.#length + i : i;
    if (!(k >= 0 && k < this.#length)) return undefined;
    return { ts: this.#ts[k], equity: this.#equity[k], exposed: this.#exposed[k] === 1 };
  }

  *[Symbol.iterator](): Iterator<EquityPoint> {
    for (let i = 0; i < this.#length; i++) yield this.at(i)!;
  }

  #grow(): void {
    const n = this.#ts.length * 2;
    const ts = new Float64Array(n), equity = new Float64Array(n), exposed = new Uint8Array(n);
    ts.set(this.#ts);
    equity.set(this.#equity);
    exposed.set(this.#exposed);
    this.#ts = ts;
    this.#equity = equity;
    this.#exposed = exposed;
  }
}
