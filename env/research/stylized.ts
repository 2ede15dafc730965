/**
 * Statistics for checking that a price series looks like a real market's: log returns, their
 * moments, autocorrelation, and a power-law fit (for the square-root law of price impact).
 *
 * @example
 * ```ts
 * import { acf, fitPowerLaw, logReturns, summarize } from "./stylized.ts";
 * const r = logReturns([100, 101, 100, 102, 101]);
 * if (r.length !== 4 || !(acf(r, 1) < 0)) throw new Error("unreachable");
 * const fit = fitPowerLaw([1, 4, 9, 16], [2, 4, 6, 8]);
 * if (Math.abs(fit.exponent - 0.5) > 1e-12) throw new Error("unreachable");
 * if (summarize(r).n !== 4) throw new Error("unreachable");
 * ```
 * @module
 */

/** Log returns between consecutive prices (all must be > 0). */
export function logReturns(prices: ArrayLike<number>): Float64Array {
  const n = Math.max(0, prices.length - 1);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = prices[i], b = prices[i + 1];
    if (!(a > 0) || !(b > 0)) {
      throw new RangeError(
        `prices[${a > 0 ? i + 1 : i}]: expected a price > 0, got ${a > 0 ? b : a}`,
      );
    }
    r[i] = Math.log(b / a);
  }
  return r;
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Sample autocorrelation of `x` at `lag` (the usual biased estimator, as in SOURCES.md). */
export function acf(x: ArrayLike<number>, lag: number): number {
  const n = x.length;
  if (lag >= n) return NaN;
  const m = mean(x);
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - m;
    den += d * d;
    if (i + lag < n) num += d * (x[i + lag] - m);
  }
  return den === 0 ? NaN : num / den;
}

/** Absolute values, for the autocorrelation of volatility. */
export function abs(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, Math.abs);
}

/** Moments of a return series. */
export interface Summary {
  readonly n: number;
  readonly std: number;
  readonly skew: number;
  /** Excess kurtosis (0 for a normal distribution). */
  readonly kurtosis: number;
  /** Share of exactly zero returns. */
  readonly zeros: number;
}

/** Sample moments of `x`. */
export function summarize(x: ArrayLike<number>): Summary {
  const n = x.length;
  const m = mean(x);
  let m2 = 0, m3 = 0, m4 = 0, zeros = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    if (x[i] === 0) zeros++;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {
    n,
    std: Math.sqrt(m2),
    skew: m2 === 0 ? 0 : m3 / Math.pow(m2, 1.5),
    kurtosis: m2 === 0 ? 0 : m4 / (m2 * m2) - 3,
    zeros: n === 0 ? 0 : zeros / n,
  };
}

/** Least-squares fit of y = c · x^exponent on log scales (x, y > 0). */
export function fitPowerLaw(
  x: readonly number[],
  y: readonly number[],
): { exponent: number; scale: number; r2: number } {
  if (x.length !== y.length || x.length < 2) {
    throw new RangeError(`fitPowerLaw: expected two series of equal length >= 2`);
  }
  const lx = x.map(Math.log), ly = y.map(Math.log);
  const mx = mean(lx), my = mean(ly);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
    syy += (ly[i] - my) ** 2;
  }
  const exponent = sxy / sxx;
  return {
    exponent,
    scale: Math.exp(my - exponent * mx),
    r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy),
  };
}

/** The stylized facts of a return series, as SOURCES.md tabulates them. */
export interface StylizedFacts extends Summary {
  /** Autocorrelation of returns at lags 1..10 (index 0 = lag 1). */
  readonly acf: number[];
  /** Autocorrelation of absolute returns at lags 1..10. */
  readonly acfAbs: number[];
}

/** Moments plus the first ten autocorrelations of returns and of absolute returns. */
export function stylizedFacts(returns: ArrayLike<number>): StylizedFacts {
  const a = abs(returns);
  const lags = Array.from({ length: 10 }, (_, i) => i + 1);
  return {
    ...summarize(returns),
    acf: lags.map((l) => acf(returns, l)),
    acfAbs: lags.map((l) => acf(a, l)),
  };
}
