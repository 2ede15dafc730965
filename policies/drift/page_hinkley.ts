/**
 * Outcome drift by the Page-Hinkley test: a change in the mean of a stream — a model's prediction
 * error going up, or the P&L per decision going down — told apart from noise.
 *
 * For an increase it keeps the running mean x̄ₜ of the stream, the cumulative deviation
 * mₜ = Σ (xᵢ − x̄ᵢ − δ) and its minimum Mₜ; it alarms when mₜ − Mₜ > λ. `δ` is the change too
 * small to matter, `λ` the evidence needed (higher: fewer false alarms, later detection). A
 * decrease is the same test on −x. Nothing alarms before `minSamples` values. After an alarm the
 * detector starts again from the next value, so it describes the new regime.
 *
 * Where the change began is estimated too: the value at which the cumulative deviation of the
 * alarming direction was last at its minimum. {@linkcode PageHinkley.changeAgo} gives, after an
 * alarm, how many values before the alarm that was, so a caller can keep only what came after.
 *
 * The state is plain data ({@linkcode PageHinkley.toState}), so an actor's checkpoint keeps it.
 *
 * @example
 * ```ts
 * import { PageHinkley } from "./page_hinkley.ts";
 * const ph = new PageHinkley({ direction: "up", delta: 0.05, lambda: 5 });
 * let alarmAt = -1;
 * for (let i = 0; i < 400 && alarmAt < 0; i++) {
 *   const x = (i % 2 === 0 ? 0.1 : -0.1) + (i >= 200 ? 1 : 0);
 *   if (ph.update(x)) alarmAt = i;
 * }
 * if (alarmAt < 200 || alarmAt > 220) throw new Error("unreachable");
 * ```
 * @module
 */
import { DriftInputError } from "./psi.ts";

/** Options of {@linkcode PageHinkley}. */
export interface PageHinkleyOptions {
  /** Which change to detect: the mean going `up`, going `down`, or `both`. */
  readonly direction: "up" | "down" | "both";
  /** The change in the mean too small to matter (≥ 0). */
  readonly delta: number;
  /** The evidence needed to alarm (> 0). */
  readonly lambda: number;
  /** Values before any alarm (default 30). */
  readonly minSamples?: number;
}

/** A {@linkcode PageHinkley} as plain data. */
export interface PageHinkleyState {
  readonly n: number;
  readonly mean: number;
  readonly up: number;
  readonly upMin: number;
  readonly down: number;
  readonly downMin: number;
  readonly alarms: number;
  /** Where each minimum was (the value's number since the last alarm); absent: 0. */
  readonly upMinAt?: number;
  readonly downMinAt?: number;
  readonly changeAgo?: number;
}

/** The Page-Hinkley detector; see the module documentation. */
export class PageHinkley {
  readonly options: Required<PageHinkleyOptions>;
  #n = 0;
  #mean = 0;
  #up = 0;
  #upMin = 0;
  #down = 0;
  #upMinAt = 0;
  #downMinAt = 0;
  #changeAgo = 0;
  #downMin = 0;
  #alarms = 0;

  /** Throws {@linkcode DriftInputError} naming a bad option. */
  constructor(options: PageHinkleyOptions) {
    const { delta, lambda } = options;
    const minSamples = options.minSamples ?? 30;
    if (!["up", "down", "both"].includes(options.direction)) {
      throw new DriftInputError(`direction: expected up, down or both, got ${options.direction}`);
    }
    if (!(Number.isFinite(delta) && delta >= 0)) {
      throw new DriftInputError(`delta: expected a finite number >= 0, got ${delta}`);
    }
    if (!(Number.isFinite(lambda) && lambda > 0)) {
      throw new DriftInputError(`lambda: expected a finite number > 0, got ${lambda}`);
    }
    if (!(Number.isInteger(minSamples) && minSamples >= 1)) {
      throw new DriftInputError(`minSamples: expected an integer >= 1, got ${minSamples}`);
    }
    this.options = { ...options, minSamples };
  }

  /** Values seen since the last alarm (or the start). */
  get n(): number {
    return this.#n;
  }

  /** Alarms so far. */
  get alarms(): number {
    return this.#alarms;
  }

  /** The evidence for a change so far, in the directions watched (alarm above `lambda`). */
  get statistic(): number {
    const { direction } = this.options;
    const up = this.#up - this.#upMin, down = this.#down - this.#downMin;
    return direction === "up" ? up : direction === "down" ? down : Math.max(up, down);
  }

  /**
   * At the last alarm, how many values before it the change began (its estimate: the last minimum
   * of the cumulative deviation); 0 before any alarm.
   */
  get changeAgo(): number {
    return this.#changeAgo;
  }

  /** Adds `x`; true when it completes an alarm (the detector then starts again). */
  update(x: number): boolean {
    if (!Number.isFinite(x)) throw new DriftInputError(`value: ${x} is not a finite number`);
    this.#n++;
    this.#mean += (x - this.#mean) / this.#n;
    const { delta, lambda, minSamples } = this.options;
    this.#up += x - this.#mean - delta;
    if (this.#up <= this.#upMin) [this.#upMin, this.#upMinAt] = [this.#up, this.#n];
    this.#down += this.#mean - x - delta;
    if (this.#down <= this.#downMin) [this.#downMin, this.#downMinAt] = [this.#down, this.#n];
    if (this.#n < minSamples || this.statistic <= lambda) return false;
    const rose = this.#up - this.#upMin >= this.#down - this.#downMin;
    const upward = this.options.direction === "up" ||
      (this.options.direction === "both" && rose);
    this.#changeAgo = this.#n - (upward ? this.#upMinAt : this.#downMinAt);
    this.#alarms++;
    this.#upMinAt = this.#downMinAt = 0;
    this.#n = 0;
    this.#mean =
      this.#up =
      this.#upMin =
      this.#down =
      this.#downMin =
        0;
    return true;
  }

  /** The detector as plain data. */
  toState(): PageHinkleyState {
    return {
      n: this.#n,
      mean: this.#mean,
      up: this.#up,
      upMin: this.#upMin,
      down: this.#down,
      downMin: this.#downMin,
      alarms: this.#alarms,
      upMinAt: this.#upMinAt,
      downMinAt: this.#downMinAt,
      changeAgo: this.#changeAgo,
    };
  }

  /** The detector {@linkcode PageHinkley.toState} gave, with `options`. */
  static fromState(options: PageHinkleyOptions, state: PageHinkleyState): PageHinkley {
    const ph = new PageHinkley(options);
    ph.#n = state.n;
    ph.#mean = state.mean;
    ph.#up = state.up;
    ph.#upMin = state.upMin;
    ph.#down = state.down;
    ph.#downMin = state.downMin;
    ph.#alarms = state.alarms;
    ph.#upMinAt = state.upMinAt ?? 0;
    ph.#downMinAt = state.downMinAt ?? 0;
    ph.#changeAgo = state.changeAgo ?? 0;
    return ph;
  }
}
