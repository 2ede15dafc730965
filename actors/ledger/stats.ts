/**
 * Performance statistics of a run from its equity curve and closed trades. Pure: the caller
 * supplies the samples and the number of periods in a year.
 *
 * With equity points `e_0 … e_n` (`e_0` the start) and per-period simple returns
 * `r_i = e_i / e_{i-1} - 1` (`i = 1 … n`), `ppy` the periods per year:
 *
 * | key | definition |
 * | --- | --- |
 * | `return_pct` | `(e_n / startCash - 1) × 100` |
 * | `pnl` | `e_n - startCash` |
 * | `equity_start` | `e_0` |
 * | `equity_final` | `e_n` |
 * | `volatility_ann_pct` | sample std (n - 1) of `r` × √ppy × 100; null with < 2 returns |
 * | `sharpe` | `mean(r) / std(r) × √ppy` (risk-free 0); null if std is 0 or < 2 returns |
 * | `sortino` | `mean(r) / dd × √ppy`, `dd = √(Σ min(r_i, 0)² / n)`; null if dd is 0 or n < 2 |
 * | `max_drawdown_pct` | `max_t (peak_t - e_t) / peak_t × 100`, `peak_t = max_{s≤t} e_s`; 0 if none |
 * | `max_drawdown_duration_ms` | longest time from a peak until equity regains it (or to e_n if never) |
 * | `trades` | number of closed trades |
 * | `win_rate_pct` | trades with `pnl > 0` / trades × 100; null with no trades |
 * | `avg_trade` | mean trade `pnl`; null with no trades |
 * | `avg_trade_pct` | mean trade `returnPct`; null with no trades |
 * | `best_trade` | largest trade `pnl`; null with no trades |
 * | `worst_trade` | smallest trade `pnl`; null with no trades |
 * | `profit_factor` | Σ positive pnl / Σ \|negative pnl\|; null with no losing trades |
 * | `exposure_pct` | points among `e_1 … e_n` with `exposed` / n × 100; 0 with no periods |
 * | `turnover` | traded notional, as given |
 * | `fees` | fees paid, as given |
 * | `periods` | `n`, the number of returns |
 * | `ruin_ts` | time of the first sample with `e_t ≤ 0` (the account wiped out); null if none |
 *
 * An account can end below zero (a short that ran away, a leveraged loss). That is reported,
 * not refused: the returns end at the first sample at or below zero (its return is −100 % or
 * worse; later ones would divide by a non-positive equity), the drawdown can exceed 100 %, and
 * `ruin_ts` says when.
 *
 * A standard or downside deviation below 1e-12 counts as 0: it is floating-point noise from a
 * steady curve, and dividing by it would report a meaningless ratio of about 1e12.
 * Every value is a finite number or null, so a `Stats` survives `JSON.stringify` unchanged.
 *
 * @example
 * ```ts
 * import { computeStats } from "./stats.ts";
 * const day = 86_400_000;
 * const stats = computeStats({
 *   startCash: 100,
 *   equity: [100, 110, 99, 108.9].map((equity, i) => ({ ts: i * day, equity, exposed: true })),
 *   trades: [],
 *   periodsPerYear: 252,
 *   turnover: 0,
 *   fees: 0,
 * });
 * if (Math.abs(stats.max_drawdown_pct - 10) > 1e-9) throw new Error("unreachable");
 * if (stats.max_drawdown_duration_ms !== 2 * day) throw new Error("unreachable"); // not recovered
 * if (stats.win_rate_pct !== null) throw new Error("unreachable"); // no trades
 * ```
 * @module
 */
import type { ClosedTrade } from "./portfolio.ts";
import { EquityCurve, type EquityPoint } from "./equity_curve.ts";

/** What {@linkcode computeStats} needs from a run. */
export interface StatsInput {
  readonly startCash: number;
  /** Equity sampled at a regular interval (e.g. each bar), first point = start. */
  readonly equity: readonly EquityPoint[] | EquityCurve;
  readonly trades: readonly ClosedTrade[];
  /** Sampling periods per year, for annualising per-period returns (252 for daily bars). */
  readonly periodsPerYear: number;
  /** Traded notional. */
  readonly turnover: number;
  readonly fees: number;
}

/** A run's statistics, defined in the module documentation; null where undefined. */
export interface Stats {
  return_pct: number;
  pnl: number;
  equity_start: number;
  equity_final: number;
  volatility_ann_pct: number | null;
  sharpe: number | null;
  sortino: number | null;
  max_drawdown_pct: number;
  max_drawdown_duration_ms: number;
  trades: number;
  win_rate_pct: number | null;
  avg_trade: number | null;
  avg_trade_pct: number | null;
  best_trade: number | null;
  worst_trade: number | null;
  profit_factor: number | null;
  exposure_pct: number;
  turnover: number;
  fees: number;
  periods: number;
  ruin_ts: number | null;
}

/** Every key of {@linkcode Stats}, in report order. */
export const STAT_KEYS: readonly (keyof Stats)[] = Object.freeze(
  [
    "return_pct",
    "pnl",
    "equity_start",
    "equity_final",
    "volatility_ann_pct",
    "sharpe",
    "sortino",
    "max_drawdown_pct",
    "max_drawdown_duration_ms",
    "trades",
    "win_rate_pct",
    "avg_trade",
    "avg_trade_pct",
    "best_trade",
    "worst_trade",
    "profit_factor",
    "exposure_pct",
    "turnover",
    "fees",
    "periods",
    "ruin_ts",
  ] as const,
);

/** Thrown for invalid statistics input; the message names the field (and index) and value. */
export class StatsError extends RangeError {
  override name = "StatsError";
}

/** Deviations at or below this are floating-point noise, treated as 0. */
const NOISE = 1e-12;

/** Computes a run's {@linkcode Stats}. Throws {@linkcode StatsError} for invalid input. */
export function computeStats(input: StatsInput): Stats {
  if (!(input.equity instanceof EquityCurve)) validatePoints(input.equity);
  const points = input.equity instanceof EquityCurve
    ? input.equity
    : EquityCurve.of(input.equity as readonly EquityPoint[]);
  validate(input, points);
  const online = new EquityStats();
  for (let i = 0; i < points.length; i++) {
    online.add(points.ts(i), points.equity(i), points.exposed(i));
  }
  return online.stats(input);
}

/**
 * The statistics of an equity curve computed online, point by point, in constant memory — what
 * {@linkcode computeStats} computes from a whole curve (it feeds the curve through this), so a
 * monitor can keep the statistics of a run of any length without keeping its curve. The mean and
 * variance of the returns are Welford's running ones.
 */
export class EquityStats {
  private _n = 0;
  private _first = NaN;
  private _last = NaN;
  private _lastTs = NaN;
  /** Returns so far, their running mean and sum of squared deviations, and Σ min(r, 0)². */
  private _returns = 0;
  private _mean = 0;
  private _m2 = 0;
  private _downside = 0;
  /** Set once a point at or below zero ended the returns. */
  private _ruined = false;
  private _ruinTs: number | null = null;
  private _exposed = 0;
  private _peak = -Infinity;
  private _peakTs = NaN;
  private _underwater = false;
  private _drawdownPct = 0;
  private _drawdownMs = 0;

  /** Points added. */
  get length(): number {
    return this._n;
  }

  /**
   * Adds the next point of the curve: times finite and not decreasing, equity finite and the
   * first > 0; anything else throws {@linkcode StatsError} naming the point.
   */
  add(ts: number, equity: number, exposed: boolean): void {
    const i = this._n;
    if (
      !Number.isFinite(ts) || !Number.isFinite(equity) || (i === 0 && !(equity > 0)) ||
      ts < this._lastTs
    ) {
      requireFinite(`equity[${i}].ts`, ts);
      if (i === 0) requirePositive(`equity[${i}].equity`, equity);
      else requireFinite(`equity[${i}].equity`, equity);
      throw new StatsError(
        `equity[${i}].ts: expected ≥ equity[${i - 1}].ts (${this._lastTs}), got ${ts}`,
      );
    }
    if (i === 0) this._first = equity;
    else {
      if (!this._ruined) {
        const r = equity / this._last - 1;
        const k = ++this._returns;
        const delta = r - this._mean;
        this._mean += delta / k;
        this._m2 += delta * (r - this._mean);
        if (r < 0) this._downside += r * r;
        if (equity <= 0) this._ruined = true;
      }
      if (exposed) this._exposed++;
    }
    if (this._ruinTs === null && equity <= 0) this._ruinTs = ts;
    if (equity >= this._peak) {
      if (this._underwater) this._drawdownMs = Math.max(this._drawdownMs, ts - this._peakTs);
      this._underwater = false;
      this._peak = equity;
      this._peakTs = ts;
    } else {
      this._underwater = true;
      this._drawdownPct = Math.max(this._drawdownPct, (this._peak - equity) / this._peak * 100);
    }
    this._last = equity;
    this._lastTs = ts;
    this._n++;
  }

  /** The {@linkcode Stats} of the points so far (at least one) and the rest of `input`. */
  stats(input: Omit<StatsInput, "equity">): Stats {
    validateScalars(input);
    validateTrades(input.trades);
    if (this._n === 0) throw new StatsError("equity: expected at least one point, got 0");
    const n = this._returns;
    const drawdownMs = this._underwater
      ? Math.max(this._drawdownMs, this._lastTs - this._peakTs)
      : this._drawdownMs;
    return {
      return_pct: (this._last / input.startCash - 1) * 100,
      pnl: this._last - input.startCash,
      equity_start: this._first,
      equity_final: this._last,
      ...this.#ratios(input.periodsPerYear),
      max_drawdown_pct: this._drawdownPct,
      max_drawdown_duration_ms: drawdownMs,
      ...tradeStats(input.trades),
      exposure_pct: n === 0 ? 0 : this._exposed / n * 100,
      turnover: input.turnover,
      fees: input.fees,
      periods: n,
      ruin_ts: this._ruinTs,
    };
  }

  #ratios(periodsPerYear: number): Pick<Stats, "volatility_ann_pct" | "sharpe" | "sortino"> {
    const n = this._returns;
    if (n < 2) return { volatility_ann_pct: null, sharpe: null, sortino: null };
    const std = Math.sqrt(this._m2 / (n - 1));
    const downside = Math.sqrt(this._downside / n);
    const annualise = Math.sqrt(periodsPerYear);
    const mean = this._mean;
    return {
      volatility_ann_pct: std * annualise * 100,
      sharpe: std > NOISE ? mean / std * annualise : null,
      sortino: downside > NOISE ? mean / downside * annualise : null,
    };
  }
}

function tradeStats(trades: readonly ClosedTrade[]): Pick<
  Stats,
  | "trades"
  | "win_rate_pct"
  | "avg_trade"
  | "avg_trade_pct"
  | "best_trade"
  | "worst_trade"
  | "profit_factor"
> {
  const n = trades.length;
  if (n === 0) {
    return {
      trades: 0,
      win_rate_pct: null,
      avg_trade: null,
      avg_trade_pct: null,
      best_trade: null,
      worst_trade: null,
      profit_factor: null,
    };
  }
  let wins = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let pnlSum = 0;
  let pctSum = 0;
  let best = -Infinity;
  let worst = Infinity;
  for (const { pnl, returnPct } of trades) {
    if (pnl > 0) {
      wins++;
      grossProfit += pnl;
    } else if (pnl < 0) {
      grossLoss -= pnl;
    }
    pnlSum += pnl;
    pctSum += returnPct;
    best = Math.max(best, pnl);
    worst = Math.min(worst, pnl);
  }
  return {
    trades: n,
    win_rate_pct: wins / n * 100,
    avg_trade: pnlSum / n,
    avg_trade_pct: pctSum / n,
    best_trade: best,
    worst_trade: worst,
    profit_factor: grossLoss > 0 ? grossProfit / grossLoss : null,
  };
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function requireFinite(field: string, value: unknown): void {
  if (!isFiniteNumber(value)) {
    throw new StatsError(`${field}: expected a finite number, got ${show(value)}`);
  }
}

function requirePositive(field: string, value: unknown): void {
  if (!isFiniteNumber(value) || value <= 0) {
    throw new StatsError(`${field}: expected a finite number > 0, got ${show(value)}`);
  }
}

/** An array of points: each an object with a boolean `exposed` (the rest is checked on the curve). */
function validatePoints(equity: unknown): void {
  if (!Array.isArray(equity) || equity.length === 0) {
    const n = (equity as { length?: unknown } | undefined)?.length;
    throw new StatsError(`equity: expected at least one point, got ${show(n)}`);
  }
  equity.forEach((point: EquityPoint, i: number) => {
    requireFinite(`equity[${i}].ts`, point?.ts);
    if (i === 0) requirePositive(`equity[${i}].equity`, point.equity);
    else requireFinite(`equity[${i}].equity`, point.equity);
    if (typeof point.exposed !== "boolean") {
      throw new StatsError(`equity[${i}].exposed: expected a boolean, got ${show(point.exposed)}`);
    }
  });
}

function validate(input: StatsInput, points: EquityCurve): void {
  validateScalars(input);
  if (points.length === 0) {
    throw new StatsError(`equity: expected at least one point, got ${points.length}`);
  }
  for (let i = 0; i < points.length; i++) {
    const ts = points.ts(i), equity = points.equity(i);
    requireFinite(`equity[${i}].ts`, ts);
    if (i === 0) requirePositive(`equity[${i}].equity`, equity);
    else requireFinite(`equity[${i}].equity`, equity);
    if (i > 0 && ts < points.ts(i - 1)) {
      throw new StatsError(
        `equity[${i}].ts: expected ≥ equity[${i - 1}].ts (${points.ts(i - 1)}), got ${ts}`,
      );
    }
  }
  validateTrades(input.trades);
}

function validateScalars(input: Omit<StatsInput, "equity">): void {
  requirePositive("startCash", input.startCash);
  requirePositive("periodsPerYear", input.periodsPerYear);
  requireFinite("turnover", input.turnover);
  requireFinite("fees", input.fees);
}

function validateTrades(trades: StatsInput["trades"]): void {
  if (!Array.isArray(trades)) {
    throw new StatsError(`trades: expected an array, got ${show(trades)}`);
  }
  trades.forEach((trade: ClosedTrade, i: number) => {
    requireFinite(`trades[${i}].pnl`, trade.pnl);
    requireFinite(`trades[${i}].returnPct`, trade.returnPct);
  });
}
