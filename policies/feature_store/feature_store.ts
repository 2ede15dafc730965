/**
 * The offline feature store: a feature set materialised over a range of market data, with label
 * columns, as one Arrow IPC file (written through arquero) beside a small JSON header that names
 * the feature set and its hash, the data source, the range and the label horizons.
 *
 * Rows are bars. A row's `ts` is its decision time — the bar's close (open + bar length), when
 * the online features actor publishes the same vector — and every value in the row is known by
 * then:
 * - bar features are computed on the bars up to and including this one;
 * - quote features are joined as of the decision time (the latest quote at or before `ts`,
 *   never a later one: a point-in-time join);
 * - labels look forward and are the only columns that do: for each horizon h (bars),
 *   `fwd_ret_h` = ln(close[t+h] / close[t]), `dir_h` = 1 when that is > 0 else 0, and `rv_h` =
 *   √(Σ of the squared 1-bar log returns of bars t+1..t+h) — null where the data ends first.
 *
 * The online store is the features actor's latest vector per symbol.
 *
 * @example
 * ```ts
 * import { materialise } from "./feature_store.ts";
 * import { namedFeatureSet } from "../features/mod.ts";
 * const closes = Array.from({ length: 80 }, (_, i) => 100 + Math.sin(i / 5) * 3);
 * const bars = closes.map((c, i) => ({ ts: i * 60_000, open: c, high: c, low: c, close: c, volume: 1 }));
 * const frame = materialise(namedFeatureSet("alpha_v1"), { bars, barMs: 60_000 }, { horizons: [1, 5], source: "sine" });
 * if (frame.table.numRows() !== 80 || frame.table.get("fwd_ret_5", 79) !== null) throw new Error("unreachable");
 * ```
 * @module
 */
import * as aq from "arquero";
import type { BarSeries } from "../../env/replay/mod.ts";
import { type BarInput, FeatureError, type FeatureSet, type QuoteInput } from "../features/mod.ts";
import { writeFileAtomic } from "../registry/mod.ts";
import {
  barFeatureNames,
  barsTable,
  offlineBarFeatures,
  offlineQuoteFeatures,
  quoteFeatureNames,
  quotesTable,
} from "./features_offline.ts";

type Table = aq.ColumnTable;

/** What a feature file's header says. */
export interface FeatureFrameMeta {
  readonly format: 1;
  readonly featureSet: {
    readonly id: string;
    readonly hash: string;
    readonly names: readonly string[];
  };
  /** Where the data came from (a file name, or `scenario:NAME:seed`). */
  readonly source: string;
  /** Decision times of the first and last rows, ms. */
  readonly start: number;
  readonly end: number;
  readonly rows: number;
  readonly barMs: number;
  readonly horizons: readonly number[];
  /** The label columns, in order. */
  readonly labels: readonly string[];
}

/** A materialised feature set: the table and its header. */
export interface FeatureFrame {
  readonly meta: FeatureFrameMeta;
  readonly table: Table;
}

/** The market data to materialise: bars (ts is each bar's open) and optional quotes. */
export interface MarketInput {
  readonly bars: readonly BarInput[] | BarSeries;
  readonly barMs: number;
  readonly quotes?: readonly QuoteInput[];
}

/** Options of {@linkcode materialise}. */
export interface MaterialiseOptions {
  /** Label horizons in bars, each an integer >= 1. */
  readonly horizons: readonly number[];
  readonly source: string;
}

/** A store file that cannot be read or does not match what is asked of it. */
export class FeatureStoreError extends Error {
  override name = "FeatureStoreError";
}

/** The label columns for `horizons`, in the order {@linkcode materialise} writes them. */
export function labelNames(horizons: readonly number[]): string[] {
  return horizons.flatMap((h) => [`fwd_ret_${h}`, `dir_${h}`, `rv_${h}`]);
}

function checkHorizons(horizons: readonly number[]): void {
  if (horizons.length === 0) throw new FeatureError("horizons: expected at least one");
  for (const h of horizons) {
    if (!Number.isInteger(h) || h < 1) {
      throw new FeatureError(`horizons: expected integers >= 1, got ${h}`);
    }
  }
}

/**
 * Adds `fwd_ret_h`, `dir_h` and `rv_h` for each horizon to a table of bars, reading the price
 * column `price` (default `close`).
 */
export function withLabels(bars: Table, horizons: readonly number[], price = "close"): Table {
  checkHorizons(horizons);
  const p = `d[${JSON.stringify(price)}]`;
  let t = bars.derive({
    r2_: `d => op.pow(op.log(${p} / op.lag(${p}, 1)), 2)`,
  });
  for (const h of horizons) {
    t = t
      .derive({
        [`fwd_ret_${h}`]:
          `d => op.lead(${p}, ${h}) == null ? null : op.log(op.lead(${p}, ${h}) / ${p})`,
        // Σ r² over the h bars ending here, then moved back h rows: bars t+1..t+h.
        rsum_: aq.rolling(`d => op.sum(d.r2_)`, [-(h - 1), 0]),
        rcount_: aq.rolling(`d => op.valid(d.r2_)`, [-(h - 1), 0]),
      })
      .derive({
        [`rv_${h}`]:
          `d => op.lead(d.rcount_, ${h}) === ${h} ? op.sqrt(op.lead(d.rsum_, ${h})) : null`,
        [`dir_${h}`]: `d => d.fwd_ret_${h} == null ? null : d.fwd_ret_${h} > 0 ? 1 : 0`,
      })
      .select(aq.not("rsum_", "rcount_"));
  }
  return t.select(aq.not("r2_"));
}

/**
 * Latest `right` row at or before each `left` row's `ts` (both sorted by `ts`): the columns
 * `names` of that row, or null before the first. Never looks past the left row's time.
 */
export function asofJoin(left: Table, right: Table, names: readonly string[]): Table {
  const lt = left.array("ts") as ArrayLike<number>;
  const rt = right.array("ts") as ArrayLike<number>;
  const cols = names.map((n) => right.array(n) as ArrayLike<number | null>);
  const out = names.map(() => new Array<number | null>(lt.length));
  let j = -1;
  for (let i = 0; i < lt.length; i++) {
    if (i > 0 && lt[i] < lt[i - 1]) throw new FeatureStoreError(`left ts not sorted at row ${i}`);
    while (j + 1 < rt.length && rt[j + 1] <= lt[i]) {
      if (j >= 0 && rt[j + 1] < rt[j]) {
        throw new FeatureStoreError(`right ts not sorted at row ${j + 1}`);
      }
      j++;
    }
    for (let c = 0; c < cols.length; c++) out[c][i] = j < 0 ? null : cols[c][j];
  }
  return left.assign(Object.fromEntries(names.map((n, c) => [n, out[c]])));
}

/**
 * Materialises `set` over `market` with labels at `horizons`: one row per bar, columns `ts`
 * (decision time), `bar_close` (the price the labels are taken from), the set's features in set order, then the labels. Quote features are
 * null when no quotes are given.
 */
export function materialise(
  set: FeatureSet,
  market: MarketInput,
  options: MaterialiseOptions,
): FeatureFrame {
  checkHorizons(options.horizons);
  if (!(market.barMs > 0)) throw new FeatureError(`barMs: expected > 0, got ${market.barMs}`);
  const bars = barsTable(market.bars);
  const barNames = barFeatureNames(set), quoteNames = quoteFeatureNames(set);
  const features = offlineBarFeatures(set, bars);
  let table: Table = aq.table({
    ts: Float64Array.from(bars.array("ts") as ArrayLike<number>, (t) => t + market.barMs),
    bar_close: bars.array("close"),
  }).assign(features.select(barNames));
  if (quoteNames.length > 0) {
    const quotes = market.quotes ?? [];
    table = quotes.length > 0
      ? asofJoin(table, offlineQuoteFeatures(set, quotesTable(quotes)), quoteNames)
      : table.assign(
        Object.fromEntries(quoteNames.map((n) => [n, new Array(table.numRows()).fill(null)])),
      );
  }
  table = withLabels(table, options.horizons, "bar_close").select(
    "ts",
    "bar_close",
    ...set.names,
    ...labelNames(options.horizons),
  );
  const ts = table.array("ts") as ArrayLike<number>;
  return {
    table,
    meta: {
      format: 1,
      featureSet: { id: set.id, hash: set.hash, names: [...set.names] },
      source: options.source,
      start: ts.length > 0 ? ts[0] : NaN,
      end: ts.length > 0 ? ts[ts.length - 1] : NaN,
      rows: table.numRows(),
      barMs: market.barMs,
      horizons: [...options.horizons],
      labels: labelNames(options.horizons),
    },
  };
}

/**
 * Writes `frame` to `path` (Arrow IPC) and `path.json` (its header), each through a temporary
 * file and a rename, so a reader sees the old pair or the new one. A frame with no rows is
 * refused ({@linkcode FeatureStoreError}): Arrow cannot type its columns.
 */
export async function writeFeatureFrame(path: string, frame: FeatureFrame): Promise<void> {
  if (frame.table.numRows() === 0) {
    throw new FeatureStoreError(`${path}: the feature frame has no rows; nothing to write`);
  }
  const ipc = aq.toArrowIPC(frame.table);
  await writeFileAtomic(path, ipc);
  await writeFileAtomic(
    `${path}.json`,
    new TextEncoder().encode(JSON.stringify(frame.meta, null, 2)),
  );
}

/**
 * Reads a feature file and its header. With `expect`, refuses a file of another feature set or
 * hash; throws {@linkcode FeatureStoreError} naming the path and what differs.
 */
export async function readFeatureFrame(
  path: string,
  expect?: FeatureSet,
): Promise<FeatureFrame> {
  let meta: FeatureFrameMeta;
  try {
    meta = JSON.parse(await Deno.readTextFile(`${path}.json`)) as FeatureFrameMeta;
  } catch (error) {
    throw new FeatureStoreError(
      `${path}.json: cannot read the header: ${(error as Error).message}`,
    );
  }
  if (meta.format !== 1 || typeof meta.featureSet?.hash !== "string") {
    throw new FeatureStoreError(`${path}.json: not a feature file header (format ${meta.format})`);
  }
  if (expect !== undefined && meta.featureSet.hash !== expect.hash) {
    throw new FeatureStoreError(
      `${path}: feature set ${meta.featureSet.id} hash ${meta.featureSet.hash} differs from ` +
        `${expect.id} hash ${expect.hash}; materialise it again`,
    );
  }
  const table = aq.fromArrow(await Deno.readFile(path)) as Table;
  if (table.numRows() !== meta.rows) {
    throw new FeatureStoreError(`${path}: ${table.numRows()} rows, header says ${meta.rows}`);
  }
  return { meta, table };
}
