/**
 * The recent decisions a learning loop keeps: a ring of feature rows with their prices and times,
 * read back as rows (for drift) and as a labelled training window (up when the price `horizon`
 * decisions later is higher).
 * @module
 */

/** The labelled rows a retraining learns from, oldest first. */
export interface TrainingWindow {
  /** Row-major, `rows × features`. */
  readonly x: Float64Array;
  /** 1 when the price `horizon` decisions later was higher, else 0. */
  readonly y: Float64Array;
  readonly ts: Float64Array;
  readonly rows: number;
}

/** A {@linkcode RowWindow} as plain data: the held rows oldest first (row-major `x`). */
export interface RowWindowState {
  readonly capacity: number;
  readonly cols: number;
  readonly count: number;
  readonly x: readonly number[];
  readonly price: readonly number[];
  readonly ts: readonly number[];
}

/** A ring of the last `capacity` rows; see the module documentation. */
export class RowWindow {
  readonly capacity: number;
  readonly cols: number;
  readonly #x: Float64Array;
  readonly #price: Float64Array;
  readonly #ts: Float64Array;
  #count = 0;

  /** An empty window of `capacity` rows of `cols` values. */
  constructor(capacity: number, cols: number) {
    this.capacity = capacity;
    this.cols = cols;
    this.#x = new Float64Array(capacity * cols);
    this.#price = new Float64Array(capacity);
    this.#ts = new Float64Array(capacity);
  }

  /** Rows ever added. */
  get count(): number {
    return this.#count;
  }

  /** Rows held now. */
  get rows(): number {
    return Math.min(this.#count, this.capacity);
  }

  /** Adds a row (copied), its time and price; the oldest row goes once the window is full. */
  push(ts: number, row: ArrayLike<number>, price: number): void {
    const slot = this.#count % this.capacity;
    this.#x.set(row, slot * this.cols);
    this.#price[slot] = price;
    this.#ts[slot] = ts;
    this.#count++;
  }

  /** The price `back` rows before the newest (0: the newest). */
  priceBack(back: number): number {
    return this.#price[(this.#count - 1 - back) % this.capacity];
  }

  /** The newest `n` rows, oldest first, as arrays. */
  last(n: number): number[][] {
    const out: number[][] = [];
    for (let k = this.#count - n; k < this.#count; k++) {
      const slot = k % this.capacity;
      out.push(Array.from(this.#x.subarray(slot * this.cols, (slot + 1) * this.cols)));
    }
    return out;
  }

  /** The window as plain data, for a checkpoint: its held rows, oldest first, and the count. */
  toState(): RowWindowState {
    const rows = this.rows;
    const start = this.#count - rows;
    const x: number[] = [], price: number[] = [], ts: number[] = [];
    for (let k = start; k < this.#count; k++) {
      const slot = k % this.capacity;
      x.push(...this.#x.subarray(slot * this.cols, (slot + 1) * this.cols));
      price.push(this.#price[slot]);
      ts.push(this.#ts[slot]);
    }
    return { capacity: this.capacity, cols: this.cols, count: this.#count, x, price, ts };
  }

  /** The window {@linkcode RowWindow.toState} gave. */
  static fromState(s: RowWindowState): RowWindow {
    const w = new RowWindow(s.capacity, s.cols);
    const rows = s.price.length;
    const start = s.count - rows;
    for (let r = 0; r < rows; r++) {
      const slot = (start + r) % s.capacity;
      w.#x.set(s.x.slice(r * s.cols, (r + 1) * s.cols), slot * s.cols);
      w.#price[slot] = s.price[r];
      w.#ts[slot] = s.ts[r];
    }
    w.#count = s.count;
    return w;
  }

  /**
   * Every held row (or the newest `last`) whose label `horizon` rows later is known, with that
   * label.
   */
  labelled(horizon: number, last = this.rows): TrainingWindow {
    const cols = this.cols;
    const held = Math.min(last, this.rows);
    const start = this.#count - held;
    const rows = Math.max(0, held - horizon);
    const x = new Float64Array(rows * cols);
    const y = new Float64Array(rows);
    const ts = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const slot = (start + r) % this.capacity;
      x.set(this.#x.subarray(slot * cols, (slot + 1) * cols), r * cols);
      y[r] = this.#price[(start + r + horizon) % this.capacity] > this.#price[slot] ? 1 : 0;
      ts[r] = this.#ts[slot];
    }
    return { x, y, ts, rows };
  }
}
