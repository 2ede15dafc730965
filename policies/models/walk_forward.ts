/**
 * Purged, embargoed walk-forward splits for time-ordered samples, after López de Prado
 * (*Advances in Financial Machine Learning*, ch. 7), in the walk-forward form: a fold only ever
 * trains on rows before its test block.
 *
 * Rows are samples `0..n-1` in time order. Sample `i`'s label is computed from rows
 * `i..i+horizon` (inclusive), so `n` should count only samples whose label is complete. Every
 * split keeps each training row's label window, plus `embargo` further rows, clear of the rows
 * it is evaluated on: a training row `i` of a test block starting at `s` satisfies
 * `i + horizon + embargo < s`.
 *
 * @example
 * ```ts
 * import { trainIndices, walkForward } from "./walk_forward.ts";
 * // 100 rows: the first 40 only train; the last 60 form three test blocks of 20.
 * const folds = walkForward(100, { folds: 3, horizon: 5, embargo: 2, minTrain: 40 });
 * const f = folds[1];
 * // Test rows 60..79. Rows 55..59 are purged (their labels reach row 60), 53..54 embargoed.
 * if (f.test[0] !== 60 || f.test[1] !== 80) throw new Error("unreachable");
 * if (f.train[0][0] !== 0 || f.train[0][1] !== 53) throw new Error("unreachable");
 * if (f.purged !== 5 || f.embargoed !== 2 || trainIndices(f).length !== 53) {
 *   throw new Error("unreachable");
 * }
 * ```
 * @module
 */

/** How {@linkcode walkForward} splits `n` rows. */
export interface WalkForwardOptions {
  /** Number of test folds: an integer ≥ 1. */
  readonly folds: number;
  /** Label horizon in rows, an integer ≥ 0: sample `i`'s label uses rows `i..i+horizon`. */
  readonly horizon: number;
  /**
   * Rows left unused, an integer ≥ 0, between the end of the last training row's label window and
   * the test block: training row `i` satisfies `i + horizon + embargo < testStart`. It guards
   * against serial correlation carrying test information into training beyond the label horizon.
   */
  readonly embargo: number;
  /**
   * Rows before the first test block, an integer with `horizon + embargo < minTrain ≤ n − folds`
   * (default `floor(n / (folds + 1))`). The first fold trains on `minTrain − horizon − embargo`
   * rows.
   */
  readonly minTrain?: number;
  /**
   * `"expanding"` (default): a fold trains on every row from 0 up to its purge gap, so later folds
   * train on more rows (earlier test blocks included). `"rolling"`: a fold trains only on the
   * `minTrain` rows right before its test block, less the purged and embargoed ones, so every fold
   * trains on exactly `minTrain − horizon − embargo` rows, as the first one does.
   */
  readonly window?: "expanding" | "rolling";
}

/** One walk-forward fold; row ranges are half-open `[start, end)`. */
export interface Fold {
  /** The fold's position in time order, from 0. */
  readonly index: number;
  /** Training row ranges, ascending and disjoint; all lie before {@linkcode Fold.test}. */
  readonly train: readonly (readonly [number, number])[];
  /** The test block. */
  readonly test: readonly [number, number];
  /** Rows dropped from training because their label window reaches into the test block. */
  readonly purged: number;
  /** Rows dropped from training by the embargo, just before the purged ones. */
  readonly embargoed: number;
}

/** The fit and validation rows of a training set split by {@linkcode purgedHoldout}. */
export interface Holdout {
  /** Rows to fit on: a prefix of the training rows, purged and embargoed from `valid`. */
  readonly fit: Int32Array;
  /** Validation rows: the tail of the training rows. */
  readonly valid: Int32Array;
}

/** The fewest usable rows a model is trained on (the training's own walk-forward needs them). */
export const MIN_TRAINING_ROWS = 50;

/** Bad split options or too few rows for them; the message names the option and its value. */
export class SplitError extends RangeError {
  override name = "SplitError";
}

const MAX_ROWS = 2 ** 31 - 1;

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function integerAtLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new SplitError(`${name}: expected an integer ≥ ${min}, got ${show(value)}`);
  }
  return value;
}

/**
 * Splits rows `0..n-1` into `options.folds` walk-forward folds.
 *
 * The last `n − minTrain` rows form `folds` contiguous test blocks in time order, as equal as
 * possible (sizes differ by at most one, the larger ones last). Fold `k` with test block
 * `[s, e)` trains on rows `i < s − horizon − embargo`: the `horizon` rows `s − horizon..s−1` are
 * purged (their labels overlap the test block) and the `embargo` rows before those are embargoed.
 * See {@linkcode WalkForwardOptions.window} for where training starts.
 *
 * Throws {@linkcode SplitError} for a bad option or when `n` is too small for the folds and the
 * purge gap.
 *
 * @example
 * ```ts
 * import { walkForward } from "./walk_forward.ts";
 * // Default minTrain = floor(12 / 3) = 4; rolling windows all train on 4 − 1 − 1 = 2 rows.
 * const folds = walkForward(12, { folds: 2, horizon: 1, embargo: 1, window: "rolling" });
 * const shape = folds.map((f) => `${f.train[0]}|${f.test}`).join(" ");
 * if (shape !== "0,2|4,8 4,6|8,12") throw new Error(shape);
 * ```
 */
export function walkForward(n: number, options: WalkForwardOptions): Fold[] {
  const folds = integerAtLeast("folds", options.folds, 1);
  const horizon = integerAtLeast("horizon", options.horizon, 0);
  const embargo = integerAtLeast("embargo", options.embargo, 0);
  const window = options.window ?? "expanding";
  if (window !== "expanding" && window !== "rolling") {
    throw new SplitError(`window: expected "expanding" or "rolling", got ${show(window)}`);
  }
  integerAtLeast("n", n, 0);
  // Row numbers are handed out as Int32Array (trainIndices, purgedHoldout).
  if (n > MAX_ROWS) throw new SplitError(`n: expected at most ${MAX_ROWS} rows, got ${n}`);
  if (n < folds + 1) {
    throw new SplitError(`n: ${n} rows are too few for ${folds} folds; need at least folds + 1`);
  }
  const minTrain = options.minTrain === undefined
    ? Math.floor(n / (folds + 1))
    : integerAtLeast("minTrain", options.minTrain, 1);
  const which = options.minTrain === undefined
    ? `minTrain (default floor(n / (folds + 1)))`
    : "minTrain";
  if (minTrain > n - folds) {
    throw new SplitError(
      `${which}: ${minTrain} leaves ${n - minTrain} test rows for ${folds} folds of n = ${n}`,
    );
  }
  if (minTrain <= horizon + embargo) {
    throw new SplitError(
      `${which}: ${minTrain} leaves no training rows after horizon ${horizon} + embargo ` +
        `${embargo}; need minTrain > ${horizon + embargo}`,
    );
  }

  const testRows = n - minTrain;
  const out: Fold[] = [];
  for (let k = 0; k < folds; k++) {
    // Floor of the cumulative share puts the extra rows of an uneven split in the later blocks.
    const start = minTrain + Math.floor((k * testRows) / folds);
    const end = minTrain + Math.floor(((k + 1) * testRows) / folds);
    const trainEnd = start - horizon - embargo;
    const trainStart = window === "rolling" ? start - minTrain : 0;
    out.push(Object.freeze({
      index: k,
      train: Object.freeze([Object.freeze([trainStart, trainEnd] as const)]),
      test: Object.freeze([start, end] as const),
      purged: horizon,
      embargoed: embargo,
    }));
  }
  return out;
}

/**
 * The training rows of `fold`, flattened in ascending order.
 *
 * @example
 * ```ts
 * import { trainIndices, walkForward } from "./walk_forward.ts";
 * const [fold] = walkForward(10, { folds: 1, horizon: 2, embargo: 1, minTrain: 6 });
 * if (trainIndices(fold).join() !== "0,1,2") throw new Error("unreachable");
 * ```
 */
export function trainIndices(fold: Fold): Int32Array {
  let size = 0;
  for (const [start, end] of fold.train) size += end - start;
  const out = new Int32Array(size);
  let j = 0;
  for (const [start, end] of fold.train) {
    for (let i = start; i < end; i++) out[j++] = i;
  }
  return out;
}

/**
 * Splits the tail of a fold's training rows off as a validation set (for early stopping or tuning)
 * with the same purge and embargo between them as {@linkcode walkForward} keeps between training
 * and test.
 *
 * `valid` is the last `round(fraction × train.length)` rows of `train` (at least 1, at most all but
 * one); `fit` is the training rows `i` with `i + horizon + embargo < valid[0]`, so no fit row's
 * label window (nor its embargo) reaches a validation row. `train` must be strictly ascending row
 * numbers ≥ 0, as {@linkcode trainIndices} returns. Both results are fresh arrays.
 *
 * Throws {@linkcode SplitError} for a bad argument or when nothing is left to fit on.
 *
 * @example
 * ```ts
 * import { purgedHoldout } from "./walk_forward.ts";
 * const train = Int32Array.from({ length: 20 }, (_, i) => i);
 * // valid = rows 15..19; rows 12..14 reach row 15 within horizon 2 + embargo 1.
 * const { fit, valid } = purgedHoldout(train, 0.25, 2, 1);
 * if (valid.join() !== "15,16,17,18,19" || fit.length !== 12) throw new Error("unreachable");
 * ```
 */
export function purgedHoldout(
  train: Int32Array,
  fraction: number,
  horizon: number,
  embargo: number,
): Holdout {
  if (typeof fraction !== "number" || !(fraction > 0 && fraction < 1)) {
    throw new SplitError(`fraction: expected a number in (0, 1), got ${show(fraction)}`);
  }
  integerAtLeast("horizon", horizon, 0);
  integerAtLeast("embargo", embargo, 0);
  const m = train.length;
  if (m < 2) throw new SplitError(`train: expected at least 2 rows, got ${m}`);
  for (let j = 0; j < m; j++) {
    if (train[j] < 0 || (j > 0 && train[j] <= train[j - 1])) {
      throw new SplitError(
        `train[${j}]: expected ascending row numbers ≥ 0, got ${train[j]}` +
          (j > 0 ? ` after ${train[j - 1]}` : ""),
      );
    }
  }
  const validSize = Math.min(m - 1, Math.max(1, Math.round(fraction * m)));
  const validStart = train[m - validSize];
  // Training rows ascend, so the rows far enough before validStart form a prefix.
  let fitSize = m - validSize;
  while (fitSize > 0 && train[fitSize - 1] + horizon + embargo >= validStart) fitSize--;
  if (fitSize === 0) {
    throw new SplitError(
      `fraction: ${fraction} leaves no fit rows of ${m} before validation row ${validStart} ` +
        `after horizon ${horizon} + embargo ${embargo}`,
    );
  }
  return { fit: train.slice(0, fitSize), valid: train.slice(m - validSize) };
}
