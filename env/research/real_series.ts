/**
 * The real series of `../shared/data/` as the yardstick of the simulator's realism: each file's
 * closes (bars) or trade prices read in row order with the data readers (data_reader.ts), turned
 * into log returns and measured with the same {@linkcode stylizedFacts} as the simulated mid.
 * The figures are computed from the files, not copied, so the comparison holds whatever the
 * statistics code does.
 *
 * Reading is strict: any bad row is a {@linkcode DataFileError} naming the file, the line and
 * the column.
 *
 * @example
 * ```ts
 * import { realFacts, SHARED_DATA_DIR } from "./real_series.ts";
 * const [goog] = realFacts(SHARED_DATA_DIR, [
 *   { name: "GOOG 1d", file: "GOOG-1d-backtesting-py.csv", kind: "bars" },
 * ]);
 * if (goog.facts.n !== 2147) throw new Error("unreachable");
 * ```
 * @module
 */
import { parseBars, parseTrades } from "../replay/mod.ts";
import { logReturns, type StylizedFacts, stylizedFacts } from "./stylized.ts";

/** A real series: which file, and whether it holds OHLCV bars (closes used) or trades. */
export interface RealSeries {
  readonly name: string;
  readonly file: string;
  readonly kind: "bars" | "trades";
}

/** The series of ../shared/data/ measured beside the simulator (see its SOURCES.md). */
export const REAL_SERIES: readonly RealSeries[] = [
  { name: "BTC 1m", file: "BTC-1m-freqtrade.csv", kind: "bars" },
  { name: "EURUSD 1h", file: "EURUSD-1h-backtesting-py.csv", kind: "bars" },
  { name: "GOOG 1d", file: "GOOG-1d-backtesting-py.csv", kind: "bars" },
  { name: "XRP/ETH trades", file: "XRP_ETH-trades-freqtrade.csv", kind: "trades" },
];

/** Where ../shared/data/ is, seen from this module. */
export const SHARED_DATA_DIR: string = new URL("../../../shared/data/", import.meta.url).pathname;

/** A real series' stylized facts. */
export interface RealFacts {
  readonly name: string;
  readonly file: string;
  readonly facts: StylizedFacts;
}

/** Reads each series from `dir` and measures its log returns between consecutive rows. */
export function realFacts(
  dir: string = SHARED_DATA_DIR,
  series: readonly RealSeries[] = REAL_SERIES,
): RealFacts[] {
  return series.map((s) => {
    const path = `${dir.replace(/\/?$/, "/")}${s.file}`;
    const text = Deno.readTextFileSync(path);
    const options = { file: s.file, onBadRow: "reject" } as const;
    const prices = s.kind === "bars"
      ? parseBars(text, options).bars.close
      : parseTrades(text, options).trades.price;
    return { name: s.name, file: s.file, facts: stylizedFacts(logReturns(prices)) };
  });
}
