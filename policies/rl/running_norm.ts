/**
 * Observation normalisation for RL: running mean and variance per element (Chan et al.'s
 * parallel update, batch by batch), and `(x − mean) / √(var + ε)` clipped to ±`clip`. The
 * statistics are frozen at serving time and saved with every checkpoint, so an agent sees the
 * same scaled inputs in training, evaluation and `deno task sim`.
 *
 * @example
 * ```ts
 * import { RunningNorm } from "./running_norm.ts";
 * const n = new RunningNorm(1);
 * n.update(new Float32Array([1, 2, 3]), 3);
 * const out = new Float32Array(1);
 * n.normalise(new Float32Array([2]), out, 1);
 * if (Math.abs(out[0]) > 1e-6) throw new Error("unreachable");
 * ```
 * @module
 */

/** Saved statistics. */
export interface RunningNormState {
  readonly size: number;
  readonly count: number;
  readonly mean: readonly number[];
  readonly var: readonly number[];
  readonly clip: number;
}

/** Running statistics of observation vectors; see the module documentation. */
export class RunningNorm {
  readonly size: number;
  readonly clip: number;
  count = 0;
  readonly mean: Float64Array;
  readonly var: Float64Array;
  #scale: Float64Array;

  constructor(size: number, clip = 10) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`size: expected an integer >= 1, got ${size}`);
    }
    if (!(clip > 0)) throw new RangeError(`clip: expected > 0, got ${clip}`);
    this.size = size;
    this.clip = clip;
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.#scale = new Float64Array(size).fill(1);
  }

  /** Folds `rows` observations (row-major) into the statistics. */
  update(x: Float32Array, rows: number): void {
    if (rows < 1) return;
    const n = this.size;
    for (let j = 0; j < n; j++) {
      let m = 0;
      for (let r = 0; r < rows; r++) m += x[r * n + j];
      m /= rows;
      let v = 0;
      for (let r = 0; r < rows; r++) {
        const d = x[r * n + j] - m;
        v += d * d;
      }
      v /= rows;
      const total = this.count + rows;
      const delta = m - this.mean[j];
      const m2 = this.var[j] * this.count + v * rows + delta * delta * this.count * rows / total;
      this.mean[j] += delta * rows / total;
      this.var[j] = m2 / total;
      this.#scale[j] = 1 / Math.sqrt(this.var[j] + 1e-8);
    }
    this.count += rows;
  }

  /** Writes the normalised first `rows` rows of `x` into `out`. */
  normalise(x: Float32Array, out: Float32Array, rows: number): void {
    const n = this.size, c = this.clip;
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      for (let j = 0; j < n; j++) {
        const z = (x[o + j] - this.mean[j]) * this.#scale[j];
        out[o + j] = z > c ? c : z < -c ? -c : z;
      }
    }
  }

  /** The statistics as JSON-able data. */
  save(): RunningNormState {
    return {
      size: this.size,
      count: this.count,
      mean: Array.from(this.mean),
      var: Array.from(this.var),
      clip: this.clip,
    };
  }

  /** Restores saved statistics; a malformed state is a RangeError naming the field. */
  static restore(s: RunningNormState): RunningNorm {
    const n = new RunningNorm(s.size, s.clip);
    if (s.mean.length !== s.size || s.var.length !== s.size) {
      throw new RangeError(`norm: expected ${s.size} means and variances`);
    }
    if (!(s.count >= 0)) throw new RangeError(`norm.count: got ${s.count}`);
    n.count = s.count;
    for (let j = 0; j < s.size; j++) {
      if (!Number.isFinite(s.mean[j]) || !(s.var[j] >= 0)) {
        throw new RangeError(`norm: element ${j} is not finite`);
      }
      n.mean[j] = s.mean[j];
      n.var[j] = s.var[j];
      n.#scale[j] = 1 / Math.sqrt(s.var[j] + 1e-8);
    }
    return n;
  }
}
