/**
 * Evaluation metrics for policy models: pure functions of two equal-length series (`number[]`,
 * `Float64Array` or any `ArrayLike<number>`). Binary labels are exactly 0 or 1; probabilities lie
 * in [0, 1]; every value is finite. Bad input throws {@linkcode MetricError} naming the argument
 * and, for a bad value, its index.
 *
 * @example
 * ```ts
 * import { classificationMetrics } from "./metrics.ts";
 * const m = classificationMetrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]);
 * // Three of the four pairs (positive, negative) rank the positive higher.
 * if (m.auc !== 0.75 || m.accuracy !== 0.5 || m.n !== 4) throw new Error("unreachable");
 * ```
 * @module
 */

/** Bad metric input: a length mismatch, empty input, or a bad value named with its index. */
export class MetricError extends RangeError {
  override name = "MetricError";
}

type Series = ArrayLike<number>;

function checkLengths(aName: string, a: Series, bName: string, b: Series): number {
  if (a.length !== b.length) {
    throw new MetricError(
      `length mismatch: ${aName} has ${a.length} values, ${bName} has ${b.length}`,
    );
  }
  if (a.length === 0) throw new MetricError(`${aName}: empty input`);
  return a.length;
}

function fail(name: string, i: number, expected: string, value: unknown): never {
  throw new MetricError(`${name}[${i}]: expected ${expected}, got ${String(value)}`);
}

function checkFinite(name: string, x: Series): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) fail(name, i, "a finite number", x[i]);
  }
}

function checkLabels(name: string, y: Series): void {
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) fail(name, i, "a label 0 or 1", y[i]);
  }
}

function checkProbabilities(name: string, p: Series): void {
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0 && p[i] <= 1)) fail(name, i, "a probability in [0, 1]", p[i]);
  }
}

function checkPositive(name: string, x: Series, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!(Number.isFinite(x[i]) && x[i] > 0)) fail(name, i, `${what} > 0`, x[i]);
  }
}

/** 1-based ranks of `x`, tied values sharing the average of the ranks they span. */
function averageRanks(x: Series): Float64Array {
  const n = x.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && x[order[j]] === x[order[i]]) j++;
    const rank = (i + 1 + j) / 2; // mean of ranks i+1..j
    for (let k = i; k < j; k++) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

function isConstant(x: Series): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  // Rounding can push a perfect correlation a hair past ±1.
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/**
 * The share of samples whose predicted label matches `yTrue`, predicting 1 when
 * `pProb[i] > threshold` (so a probability equal to the threshold predicts 0).
 *
 * @example
 * ```ts
 * import { accuracy } from "./metrics.ts";
 * if (accuracy([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.5]) !== 0.75) throw new Error("unreachable");
 * ```
 */
export function accuracy(yTrue: Series, pProb: Series, threshold = 0.5): number {
  const n = checkLengths("yTrue", yTrue, "pProb", pProb);
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new MetricError(`threshold: expected a number in [0, 1], got ${String(threshold)}`);
  }
  checkLabels("yTrue", yTrue);
  checkProbabilities("pProb", pProb);
  let hits = 0;
  for (let i = 0; i < n; i++) if ((pProb[i] > threshold ? 1 : 0) === yTrue[i]) hits++;
  return hits / n;
}

/**
 * ROC AUC: the probability that a random positive scores above a random negative, ties counting
 * half, computed from average ranks (the Mann–Whitney U statistic over `nPos · nNeg`) in
 * O(n log n). `score` is any finite number; NaN when `yTrue` lacks either class.
 *
 * @example
 * ```ts
 * import { auc } from "./metrics.ts";
 * // Positives 0.35, 0.8, 0.4 against negatives 0.1, 0.4, 0.4: 1 + 3 + (1 + ½ + ½) = 6 of 9 pairs.
 * const a = auc([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4]);
 * if (Math.abs(a - 2 / 3) > 1e-15) throw new Error("unreachable");
 * ```
 */
export function auc(yTrue: Series, score: Series): number {
  const n = checkLengths("yTrue", yTrue, "score", score);
  checkLabels("yTrue", yTrue);
  checkFinite("score", score);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += yTrue[i];
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  const ranks = averageRanks(score);
  let rankSum = 0;
  for (let i = 0; i < n; i++) if (yTrue[i] === 1) rankSum += ranks[i];
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Mean binary cross-entropy `−mean(y·ln p + (1 − y)·ln(1 − p))`, each probability first clipped
 * to `[eps, 1 − eps]` so a confident miss costs `−ln eps` (≈ 34.5 by default), not infinity.
 * `eps` is a number in [0, 0.5).
 *
 * @example
 * ```ts
 * import { logLoss } from "./metrics.ts";
 * const l = logLoss([1, 0], [0.5, 0.5]);
 * if (Math.abs(l - Math.LN2) > 1e-15) throw new Error("unreachable");
 * ```
 */
export function logLoss(yTrue: Series, pProb: Series, eps = 1e-15): number {
  const n = checkLengths("yTrue", yTrue, "pProb", pProb);
  if (!(eps >= 0 && eps < 0.5)) {
    throw new MetricError(`eps: expected a number in [0, 0.5), got ${String(eps)}`);
  }
  checkLabels("yTrue", yTrue);
  checkProbabilities("pProb", pProb);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - eps, Math.max(eps, pProb[i]));
    sum -= yTrue[i] === 1 ? Math.log(p) : Math.log1p(-p);
  }
  return sum / n;
}

/**
 * Information coefficient: Spearman's rank correlation of `x` and `y`, i.e. the Pearson
 * correlation of their ranks, tied values sharing their average rank. In [−1, 1]; NaN when either
 * side is constant (a single sample included).
 *
 * @example
 * ```ts
 * import { informationCoefficient } from "./metrics.ts";
 * // Any increasing relation ranks identically.
 * if (informationCoefficient([1, 2, 3, 4], [1, 8, 27, 64]) !== 1) throw new Error("unreachable");
 * ```
 */
export function informationCoefficient(x: Series, y: Series): number {
  checkLengths("x", x, "y", y);
  checkFinite("x", x);
  checkFinite("y", y);
  if (isConstant(x) || isConstant(y)) return NaN;
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Root mean squared error `sqrt(mean((yTrue − yPred)²))`.
 *
 * @example
 * ```ts
 * import { rmse } from "./metrics.ts";
 * if (rmse([0, 0], [3, -3]) !== 3) throw new Error("unreachable");
 * ```
 */
export function rmse(yTrue: Series, yPred: Series): number {
  const n = checkLengths("yTrue", yTrue, "yPred", yPred);
  checkFinite("yTrue", yTrue);
  checkFinite("yPred", yPred);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yTrue[i] - yPred[i]) ** 2;
  return Math.sqrt(sum / n);
}

/**
 * Patton's QLIKE loss of variance forecasts: `mean(r/f − ln(r/f) − 1)` for realised variance `r`
 * and forecast `f`, both finite and > 0. It is 0 for perfect forecasts and > 0 otherwise, and
 * penalises under-forecasting more than over-forecasting by the same ratio. Robust to noise in
 * the realised proxy, so it ranks forecasts as the true variance would.
 *
 * @example
 * ```ts
 * import { qlike } from "./metrics.ts";
 * // Ratios ½ and 2: (½ + ln 2 − 1) + (2 − ln 2 − 1) = ½, averaged over two.
 * if (Math.abs(qlike([1, 4], [2, 2]) - 0.25) > 1e-15) throw new Error("unreachable");
 * ```
 */
export function qlike(realisedVar: Series, forecastVar: Series): number {
  const n = checkLengths("realisedVar", realisedVar, "forecastVar", forecastVar);
  checkPositive("realisedVar", realisedVar, "a variance");
  checkPositive("forecastVar", forecastVar, "a variance");
  let sum = 0;
  for (let i = 0; i < n; i++) {
    // d − ln(1 + d) with d = r/f − 1 keeps precision for near-perfect forecasts.
    const d = (realisedVar[i] - forecastVar[i]) / forecastVar[i];
    sum += Math.max(0, d - Math.log1p(d));
  }
  return sum / n;
}

/** What {@linkcode classificationMetrics} reports. */
export interface ClassificationMetrics {
  /** {@linkcode accuracy} at threshold 0.5. */
  readonly accuracy: number;
  /** {@linkcode auc}; NaN when a class is absent. */
  readonly auc: number;
  /** {@linkcode logLoss} with the default clipping. */
  readonly logLoss: number;
  /** {@linkcode informationCoefficient} of the probabilities and the labels. */
  readonly ic: number;
  /** Number of samples. */
  readonly n: number;
}

/**
 * Accuracy (threshold 0.5), AUC, log loss and the information coefficient of probabilities
 * `pProb` for binary labels `yTrue`.
 *
 * @example
 * ```ts
 * import { classificationMetrics } from "./metrics.ts";
 * const m = classificationMetrics([0, 1, 1], [0.2, 0.7, 0.9]);
 * if (m.auc !== 1 || m.accuracy !== 1 || !(m.ic > 0.86)) throw new Error("unreachable");
 * ```
 */
export function classificationMetrics(yTrue: Series, pProb: Series): ClassificationMetrics {
  const n = checkLengths("yTrue", yTrue, "pProb", pProb);
  return {
    accuracy: accuracy(yTrue, pProb),
    auc: auc(yTrue, pProb),
    logLoss: logLoss(yTrue, pProb),
    ic: informationCoefficient(pProb, yTrue),
    n,
  };
}

/** Options of {@linkcode regressionMetrics}. */
export interface RegressionMetricsOptions {
  /**
   * Also report {@linkcode qlike}, reading the inputs as `"variance"`s or as `"volatility"`s
   * (QLIKE on their squares). Either way every value must be > 0. Default: no QLIKE.
   */
  readonly qlike?: "volatility" | "variance";
}

/** What {@linkcode regressionMetrics} reports. */
export interface RegressionMetrics {
  /** {@linkcode rmse} of the inputs as given. */
  readonly rmse: number;
  /** {@linkcode qlike} on variances; present only when asked for. */
  readonly qlike?: number;
  /** {@linkcode informationCoefficient} of the predictions and the truth. */
  readonly ic: number;
  /** Number of samples. */
  readonly n: number;
}

/**
 * RMSE and the information coefficient of predictions `yPred` of `yTrue`, plus QLIKE when
 * `options.qlike` says the inputs are variances or volatilities.
 *
 * @example
 * ```ts
 * import { regressionMetrics } from "./metrics.ts";
 * // Volatilities 0.1 and 0.2 forecast perfectly: no loss, perfect ranking.
 * const m = regressionMetrics([0.1, 0.2], [0.1, 0.2], { qlike: "volatility" });
 * if (m.rmse !== 0 || m.qlike !== 0 || m.ic !== 1) throw new Error("unreachable");
 * ```
 */
export function regressionMetrics(
  yTrue: Series,
  yPred: Series,
  options: RegressionMetricsOptions = {},
): RegressionMetrics {
  const kind = options.qlike;
  if (kind !== undefined && kind !== "volatility" && kind !== "variance") {
    throw new MetricError(
      `qlike: expected "volatility" or "variance", got ${JSON.stringify(kind)}`,
    );
  }
  const n = checkLengths("yTrue", yTrue, "yPred", yPred);
  const base = { rmse: rmse(yTrue, yPred), ic: informationCoefficient(yPred, yTrue), n };
  if (kind === undefined) return base;
  if (kind === "variance") return { ...base, qlike: qlike(yTrue, yPred) };
  checkPositive("yTrue", yTrue, "a volatility");
  checkPositive("yPred", yPred, "a volatility");
  const square = (x: Series) => Float64Array.from(x, (v) => v * v);
  return { ...base, qlike: qlike(square(yTrue), square(yPred)) };
}
