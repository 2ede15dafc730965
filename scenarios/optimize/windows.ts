/**
 * Scoring a backtest out of sample: the walk-forward folds over a run's equity curve and the
 * statistics of any stretch of it.
 *
 * A strategy's parameters are not fitted to data by the run itself, and a run never sees a bar
 * before it is closed (policies/strategy: no look-ahead), so one backtest over the whole history
 * tells what the strategy with those parameters did in every window of it: the stretch of the
 * equity curve over a fold's training rows is its in-sample score, the stretch over the test
 * block its out-of-sample score. The folds are the purged, embargoed walk-forward splits the
 * models use (policies/models/walk_forward.ts), over the curve's points (one a bar): a fold's
 * training rows end `embargo` rows before its test block, so a position opened just before the
 * block does not count for both. What precedes a window is its warm-up: the indicators are full
 * and the position is what the strategy held, as it would be trading live.
 *
 * @example
 * ```ts
 * import { EquityCurve } from "../../actors/ledger/mod.ts";
 * import { foldWindows, metricScore, windowStats } from "./windows.ts";
 * const curve = EquityCurve.of(
 *   [100, 101, 103, 102, 104, 108].map((equity, i) => ({ ts: i, equity, exposed: true })),
 * );
 * const folds = foldWindows(curve.length, { folds: 2, embargo: 0 });
 * // 6 rows: the first 2 only train, then test blocks [2, 4) and [4, 6).
 * const s = windowStats(curve, [], folds[1].test, 252);
 * // The block's return is measured from the point before it: 108 / 102 - 1.
 * if (Math.abs(s.return_pct - (108 / 102 - 1) * 100) > 1e-9) throw new Error("unreachable");
 * if (metricScore(s, "return") !== s.return_pct) throw new Error("unreachable");
 * ```
 * @module
 */
import {
  type ClosedTrade,
  type EquityCurve,
  EquityStats,
  type Stats,
} from "../../actors/ledger/mod.ts";
import { walkForward } from "../../policies/models/mod.ts";

/** A half-open range of curve points `[from, to)`. */
export type Rows = readonly [number, number];

/** One fold: its training rows (in sample) and its test block (out of sample). */
export interface FoldWindow {
  readonly index: number;
  readonly train: Rows;
  readonly test: Rows;
}

/** How the curve is split: `folds` test blocks, `embargo` rows left out before each. */
export interface FoldOptions {
  readonly folds: number;
  readonly embargo: number;
  /** Rows before the first test block (default: `rows / (folds + 1)`). */
  readonly minTrain?: number;
}

/**
 * The walk-forward folds over `rows` curve points: the last `rows − minTrain` points cut into
 * `folds` test blocks; each fold trains on every point from the start up to `embargo` points
 * before its block (an expanding window). Throws `SplitError` (naming the option) when the curve
 * is too short for the options.
 */
export function foldWindows(rows: number, options: FoldOptions): FoldWindow[] {
  const folds = walkForward(rows, {
    folds: options.folds,
    horizon: 0,
    embargo: options.embargo,
    ...(options.minTrain === undefined ? {} : { minTrain: options.minTrain }),
  });
  return folds.map((f) => ({
    index: f.index,
    train: [f.train[0][0], f.train[f.train.length - 1][1]] as const,
    test: f.test,
  }));
}

/**
 * The statistics of the stretch `rows` of `curve`, as if the account had started there: the
 * returns of points `from … to − 1` measured from the point before `from` (so the window's
 * first move counts), drawdowns from the window's own peaks, and the trades closed inside it.
 */
export function windowStats(
  curve: EquityCurve,
  trades: readonly ClosedTrade[],
  rows: Rows,
  periodsPerYear: number,
): Stats {
  const [from, to] = rows;
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from < to)) {
    throw new RangeError(`rows: expected [from, to) with 0 ≤ from < to, got [${from}, ${to})`);
  }
  if (to > curve.length) {
    throw new RangeError(`rows: [${from}, ${to}) reaches past the curve's ${curve.length} points`);
  }
  const first = from === 0 ? 0 : from - 1;
  const online = new EquityStats();
  for (let i = first; i < to; i++) online.add(curve.ts(i), curve.equity(i), curve.exposed(i));
  const t0 = curve.ts(first), t1 = curve.ts(to - 1);
  const inside = trades.filter((t) =>
    (from === 0 ? t.exitTs >= t0 : t.exitTs > t0) && t.exitTs <= t1
  );
  return online.stats({
    startCash: curve.equity(first),
    trades: inside,
    periodsPerYear,
    turnover: 0,
    fees: inside.reduce((s, t) => s + t.fees, 0),
  });
}

/** What a search ranks combinations by. */
export const METRICS = [
  "sharpe",
  "sortino",
  "return",
  "drawdown",
  "profit_factor",
  "win_rate",
] as const;

/** One of {@linkcode METRICS}. */
export type Metric = typeof METRICS[number];

/**
 * The score of `stats` by `metric`, higher better (`drawdown` is the maximum drawdown, negated);
 * null where the statistic is undefined (a Sharpe ratio with no variance, a profit factor with
 * no losing trade, a win rate with no trade). Null ranks below every number.
 */
export function metricScore(stats: Stats, metric: Metric): number | null {
  switch (metric) {
    case "sharpe":
      return stats.sharpe;
    case "sortino":
      return stats.sortino;
    case "return":
      return stats.return_pct;
    case "drawdown":
      return -stats.max_drawdown_pct;
    case "profit_factor":
      return stats.profit_factor;
    case "win_rate":
      return stats.win_rate_pct;
  }
}

/** `a` ranks above `b` (null lowest); ties keep their order. */
export function better(a: number | null, b: number | null): boolean {
  if (a === null) return false;
  return b === null || a > b;
}
