/**
 * Offline features: the whole-table (batch) form of every {@linkcode FeatureKind} of
 * ./features.ts, computed with arquero table verbs over a table of bars or of quotes, so that a
 * training set or a research notebook sees, row by row, the value {@linkcode OnlineFeatures}
 * would hold after that row — the same warm-up nulls, the same undefined cases — without
 * replaying the online classes (which this module does not call).
 *
 * How each kind is computed (`n` is the window; row `t` counts from 0):
 * - `close`: the close column.
 * - `ret_n`: `derive` of `op.log(close / op.lag(close, n))`, null for `t < n`.
 * - `sma_n`: `aq.rolling(op.mean(close), [-(n-1), 0])`, null for `t < n-1`.
 * - `vol_n`: the 1-bar log returns by `op.lag`, then `aq.rolling` of `agora_exact_stdev`
 *   over the last n returns, null for `t < n`.
 * - `zscore_n`: `aq.rolling` of `agora_exact_zscore` over the last n closes, null for `t < n-1`
 *   and where the window's std is 0.
 * - `ema_n`, `rsi_n`: recursive, so scanned by the window functions `agora_ema` (seeded by the
 *   mean of the first n closes) and `agora_rsi` (Wilder's, seeded by the mean of the first n
 *   changes).
 * - `spread_bps`, `imbalance`, `microprice`: `derive` of the row's own top of book, null on a
 *   one-sided quote or a zero total size.
 * - `mid`: `op.fill_down` of the two-sided mids, so a one-sided quote keeps the last one.
 *
 * arquero's own `variance`/`stdev` stream a Welford add/remove through the whole series, so a
 * window's variance carries the rounding of every earlier window. Measured on BTC 1-minute closes
 * (../shared/data) against the online form: 892 two-return windows get a negative variance (a
 * NaN `vol_2`), 1,082 windows of equal closes get a z-score where the online one is null, and
 * `zscore_20` is off by up to 5.8e-9. `agora_exact_stdev` and `agora_exact_zscore` therefore
 * compute each window afresh (two passes over the frame, shifted by the current row's value)
 * and give exactly 0 for a window of equal values, as the online form does. These window
 * functions, `agora_ema`, `agora_rsi` and the scalar `agora_finite` are registered with arquero
 * (`aq.addWindowFunction`, `aq.addFunction`) on first use.
 *
 * Output tables hold `ts` as given (a Float64Array from {@linkcode barsTable} or
 * {@linkcode quotesTable}) and one plain JS array per feature, of `number | null` (a null is
 * always `null`, never `undefined` or NaN).
 *
 * @example
 * ```ts
 * import { barsTable, offlineBarFeatures } from "./features_offline.ts";
 * import { feature, featureSet } from "../features/mod.ts";
 * const set = featureSet("demo", [feature("close"), feature("sma", 2), feature("ret", 1)]);
 * const bars = barsTable([10, 11, 12].map((close, ts) => ({
 *   ts, open: close, high: close, low: close, close, volume: 1,
 * })));
 * const out = offlineBarFeatures(set, bars);
 * const sma = out.array("sma_2");
 * if (sma[0] !== null || sma[2] !== 11.5) throw new Error("unreachable");
 * ```
 * Over 400 lines: the offline twin of every feature kind, one table verb each, in the same order as features.ts.
 * @module
 */
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import type { BarSeries } from "../../env/replay/mod.ts";
import {
  type BarInput,
  FEATURE_KINDS,
  FeatureError,
  type FeatureKind,
  featureName,
  type FeatureSet,
  type FeatureSpec,
  type QuoteInput,
} from "../features/mod.ts";

export type { ColumnTable } from "arquero";

/** A derive expression: a string, or what `aq.rolling` wraps. */
type Expr = Parameters<ColumnTable["derive"]>[0][string];

/** Bars as a table: columns ts, open, high, low, close, volume (Float64Array each). */
export function barsTable(bars: readonly BarInput[] | BarSeries): ColumnTable {
  if (isBarSeries(bars)) {
    const { time, open, high, low, close, volume } = bars;
    const n = bars.length;
    return aq.table({
      ts: time.slice(0, n),
      open: open.slice(0, n),
      high: high.slice(0, n),
      low: low.slice(0, n),
      close: close.slice(0, n),
      volume: volume.slice(0, n),
    });
  }
  const col = (key: keyof BarInput) => Float64Array.from(bars, (b) => b[key]);
  return aq.table({
    ts: col("ts"),
    open: col("open"),
    high: col("high"),
    low: col("low"),
    close: col("close"),
    volume: col("volume"),
  });
}

function isBarSeries(bars: readonly BarInput[] | BarSeries): bars is BarSeries {
  return !Array.isArray(bars) && (bars as BarSeries).time instanceof Float64Array;
}

/**
 * Quotes as a table: ts, bidQty, askQty (Float64Array) and bid, ask (plain arrays, `null` for a
 * missing side).
 */
export function quotesTable(quotes: readonly QuoteInput[]): ColumnTable {
  return aq.table({
    ts: Float64Array.from(quotes, (q) => q.ts),
    bid: quotes.map((q) => q.bid ?? null),
    bidQty: Float64Array.from(quotes, (q) => q.bidQty),
    ask: quotes.map((q) => q.ask ?? null),
    askQty: Float64Array.from(quotes, (q) => q.askQty),
  });
}

/** The names of the set's bar features, in set order; refuses a stale spec as online does. */
export function barFeatureNames(set: FeatureSet): string[] {
  return checkedSpecs(set).filter((s) => FEATURE_KINDS[s.kind].input === "bar").map(featureName);
}

/** The names of the set's quote features, in set order; refuses a stale spec as online does. */
export function quoteFeatureNames(set: FeatureSet): string[] {
  return checkedSpecs(set).filter((s) => FEATURE_KINDS[s.kind].input === "quote").map(featureName);
}

/**
 * One row per bar: `ts` and one column per bar feature of `set` (set order), `null` exactly where
 * {@linkcode OnlineFeatures} would give `null` after that bar. Reads the `ts` and `close` columns
 * in row order (a filtered, ordered or grouped table is taken as its rows in their current order).
 * Throws {@linkcode FeatureError} for a missing column, a close that is not a finite positive
 * price (naming the row and value), or a spec not at its kind's current version.
 */
export function offlineBarFeatures(set: FeatureSet, bars: ColumnTable): ColumnTable {
  const specs = checkedSpecs(set).filter((s) => FEATURE_KINDS[s.kind].input === "bar");
  const base = rows(bars, "bars", ["ts", "close"]);
  const close = base.array("close") as ArrayLike<unknown>;
  for (let i = 0; i < close.length; i++) checkPrice("bars", i, "close", close[i], base);
  registerOnce();
  const helpers: Record<string, string> = {};
  if (specs.some((s) => s.kind === "vol")) {
    helpers.__ret1 = "op.row_number() > 1 ? op.log(d.close / op.lag(d.close, 1)) : null";
  }
  const values: Record<string, Expr> = {};
  for (const spec of specs) values[featureName(spec)] = barExpr(spec);
  return base.derive(helpers).derive(values).select(["ts", ...specs.map(featureName)]);
}

function barExpr(spec: FeatureSpec): Expr {
  const n = spec.params.n;
  const frame: [number, number] = [-(n - 1), 0];
  const warm = (k: number, expr: string) => `op.row_number() > ${k} ? ${expr} : null`;
  switch (spec.kind as Exclude<FeatureKind, QuoteKind>) {
    case "close":
      return "d.close";
    case "ret":
      return warm(n, `op.log(d.close / op.lag(d.close, ${n}))`);
    case "sma":
      return aq.rolling(warm(n - 1, "op.mean(d.close)"), frame);
    case "vol":
      return aq.rolling(warm(n, "op.agora_finite(op.agora_exact_stdev(d.__ret1))"), frame);
    case "zscore":
      return aq.rolling(warm(n - 1, "op.agora_exact_zscore(d.close)"), frame);
    case "ema":
      return `op.agora_ema(d.close, ${n})`;
    case "rsi":
      return `op.agora_rsi(d.close, ${n})`;
  }
}

type QuoteKind = "spread_bps" | "imbalance" | "microprice" | "mid";

const TWO_SIDED = "d.bid != null && d.ask != null";
const QTY = "(d.bidQty + d.askQty)";
const QUOTE_EXPRS: Readonly<Record<Exclude<QuoteKind, "mid">, string>> = {
  spread_bps: `${TWO_SIDED} ? op.agora_finite(((d.ask - d.bid) / ((d.bid + d.ask) / 2)) * 1e4)`,
  imbalance: `${TWO_SIDED} && ${QTY} > 0 ? op.agora_finite((d.bidQty - d.askQty) / ${QTY})`,
  microprice: `${TWO_SIDED} && ${QTY} > 0 ? ` +
    `op.agora_finite((d.bid * d.askQty + d.ask * d.bidQty) / ${QTY})`,
};

/**
 * One row per quote: `ts` and one column per quote feature of `set` (set order), equal to
 * {@linkcode OnlineFeatures}' value after that quote. A `null` or `undefined` bid or ask is a
 * missing side; a present side needs a finite positive price and a finite quantity >= 0.
 * Throws {@linkcode FeatureError} for a missing column, a bad side (naming the row and value),
 * or a spec not at its kind's current version.
 */
export function offlineQuoteFeatures(set: FeatureSet, quotes: ColumnTable): ColumnTable {
  const specs = checkedSpecs(set).filter((s) => FEATURE_KINDS[s.kind].input === "quote");
  const base = rows(quotes, "quotes", ["ts", "bid", "bidQty", "ask", "askQty"]);
  const cols = ["bid", "bidQty", "ask", "askQty"].map((c) => base.array(c) as ArrayLike<unknown>);
  for (let i = 0; i < base.numRows(); i++) {
    for (const [side, name] of [[0, "bid"], [2, "ask"]] as const) {
      const price = cols[side][i];
      if (price === null || price === undefined) continue;
      checkPrice("quotes", i, name, price, base);
      checkQty(i, `${name}Qty`, cols[side + 1][i], base);
    }
  }
  registerOnce();
  // -1 marks "two-sided but no finite mid" (online: null until the next two-sided quote) and
  // "no two-sided quote yet"; fill_down carries it like any mid, then it becomes null.
  const helpers = { __mid: `${TWO_SIDED} ? op.agora_finite((d.bid + d.ask) / 2) ?? -1 : null` };
  const values: Record<string, string> = {};
  for (const spec of specs) {
    const name = featureName(spec);
    values[name] = spec.kind === "mid"
      ? "op.fill_down(d.__mid, -1) > 0 ? op.fill_down(d.__mid, -1) : null"
      : `${QUOTE_EXPRS[spec.kind as Exclude<QuoteKind, "mid">]} : null`;
  }
  return base.derive(helpers).derive(values).select(["ts", ...specs.map(featureName)]);
}

/** The set's specs, refusing any whose version is not its kind's current one (as online does). */
function checkedSpecs(set: FeatureSet): FeatureSpec[] {
  return set.specs.map((spec) => {
    const name = featureName(spec);
    const current = FEATURE_KINDS[spec.kind].version;
    if (spec.version !== current) {
      throw new FeatureError(
        `${name}: version ${spec.version} is not computed here (current is ${current})`,
      );
    }
    return spec;
  });
}

/** The needed columns of `table` as a plain table of its rows in their current order. */
function rows(table: ColumnTable, what: string, need: readonly string[]): ColumnTable {
  const names = table.columnNames();
  for (const c of need) {
    if (!names.includes(c)) {
      throw new FeatureError(`${what}: no column "${c}" (columns: ${names.join(", ")})`);
    }
  }
  const t = table.ungroup().select([...need]);
  return t.isFiltered() || t.isOrdered() ? t.reify() : t;
}

function checkPrice(what: string, row: number, col: string, x: unknown, t: ColumnTable): void {
  if (typeof x !== "number" || !Number.isFinite(x) || x <= 0) {
    throw new FeatureError(
      `${what} row ${row}: ${col} must be a finite positive price, got ${String(x)} ` +
        `(ts ${t.get("ts", row)})`,
    );
  }
}

function checkQty(row: number, col: string, x: unknown, t: ColumnTable): void {
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0) {
    throw new FeatureError(
      `quotes row ${row}: ${col} must be a finite quantity >= 0, got ${String(x)} ` +
        `(ts ${t.get("ts", row)})`,
    );
  }
}

/** What arquero hands a window function: the row, its frame [i0, i1) and a value reader. */
interface Frame {
  readonly index: number;
  readonly i0: number;
  readonly i1: number;
  value(row: number, get: unknown): unknown;
}
interface WindowFn {
  readonly param: number[];
  create(...params: number[]): { init(): void; value(w: Frame, get: unknown): number | null };
}

function addWindow(name: string, def: WindowFn): void {
  aq.addWindowFunction(name, def as unknown as Parameters<typeof aq.addWindowFunction>[1], {
    override: true,
  });
}

let registered = false;

function registerOnce(): void {
  if (registered) return;
  aq.addFunction("agora_finite", finiteOrNull, { override: true });
  addWindow("agora_ema", EMA);
  addWindow("agora_rsi", RSI);
  addWindow("agora_exact_stdev", EXACT_STDEV);
  addWindow("agora_exact_zscore", EXACT_ZSCORE);
  registered = true;
}

function finiteOrNull(x: unknown): number | null {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

/** EMA with alpha 2/(n+1), seeded by the mean of the first n values; null before. */
const EMA: WindowFn = {
  param: [1, 1],
  create(n: number) {
    const alpha = 2 / (n + 1);
    let ema: number | null = null, seedSum = 0;
    return {
      init() {
        ema = null;
        seedSum = 0;
      },
      value(w, get) {
        const c = w.value(w.index, get) as number;
        if (ema !== null) return (ema = alpha * c + (1 - alpha) * ema);
        seedSum += c;
        if (w.index + 1 === n) ema = seedSum / n;
        return ema;
      },
    };
  },
};

/** Wilder's RSI of n changes as 100·G/(G+L), 50 when both are 0; null before n changes. */
const RSI: WindowFn = {
  param: [1, 1],
  create(n: number) {
    let gain = 0, loss = 0; // sums while warming up, then Wilder's averages
    return {
      init() {
        gain = loss = 0;
      },
      value(w, get) {
        const t = w.index; // the change from row t-1 to row t is the t-th
        if (t === 0) return null;
        const c = w.value(t, get) as number, prev = w.value(t - 1, get) as number;
        const up = Math.max(c - prev, 0), down = Math.max(prev - c, 0);
        if (t < n) {
          gain += up;
          loss += down;
          return null;
        }
        if (t === n) {
          gain = (gain + up) / n;
          loss = (loss + down) / n;
        } else {
          gain = (gain * (n - 1) + up) / n;
          loss = (loss * (n - 1) + down) / n;
        }
        const total = gain + loss;
        return total > 0 ? finiteOrNull((100 * gain) / total) : 50;
      },
    };
  },
};

function isNumber(x: unknown): x is number {
  return typeof x === "number" && !Number.isNaN(x);
}

/**
 * [count, mean of x − K, sum of squared deviations] of the frame's numbers, K being the current
 * row's value (so prices near 30,000 carry rounding on the scale of their moves). The sum is
 * exactly 0 when all the numbers are equal.
 */
function frameMoments(w: Frame, get: unknown): [number, number, number] {
  const own = w.value(w.index, get), k = isNumber(own) ? own : 0;
  let count = 0, sum = 0, first = NaN, equal = true;
  for (let i = w.i0; i < w.i1; i++) {
    const x = w.value(i, get);
    if (!isNumber(x)) continue;
    if (count++ === 0) first = x;
    else if (x !== first) equal = false;
    sum += x - k;
  }
  const mean = count > 0 ? sum / count : NaN;
  if (equal || count < 2) return [count, mean, 0];
  let m2 = 0;
  for (let i = w.i0; i < w.i1; i++) {
    const x = w.value(i, get);
    if (isNumber(x)) m2 += (x - k - mean) ** 2;
  }
  return [count, mean, m2];
}

/** Sample std of the frame, exact per window; 0 for fewer than two values or all equal. */
const EXACT_STDEV: WindowFn = {
  param: [1, 0],
  create() {
    return {
      init() {},
      value(w, get) {
        const [count, , m2] = frameMoments(w, get);
        return count > 1 ? Math.sqrt(m2 / (count - 1)) : count === 1 ? 0 : null;
      },
    };
  },
};

/** (x − mean) / std of the frame for the current row's x; null for a non-number x or a 0 std. */
const EXACT_ZSCORE: WindowFn = {
  param: [1, 0],
  create() {
    return {
      init() {},
      value(w, get) {
        if (!isNumber(w.value(w.index, get))) return null;
        const [count, mean, m2] = frameMoments(w, get);
        const std = count > 1 ? Math.sqrt(m2 / (count - 1)) : 0;
        return std > 0 ? finiteOrNull(-mean / std) : null;
      },
    };
  },
};
