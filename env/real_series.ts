/**
 * The real series of `../shared/data/` as the yardstick of the simulator's realism: each file's
 * price column read in row order, turned into log returns and measured with the same
 * {@linkcode stylizedFacts} as the simulated mid. The figures are computed from the files, not
 * copied, so the comparison holds whatever the statistics code does.
 *
 * Reading is strict: a missing column, a short row, or a price that is not a positive finite
 * number is a {@linkcode RealSeriesError} naming the file, the line and the column.
 *
 * @example
 * ```ts
 * import { priceColumn } from "./real_series.ts";
 * const prices = priceColumn("t,close\n1,10\n2,10.5\n", "close", "inline.csv");
 * if (prices.length !== 2 || prices[1] !== 10.5) throw new Error("unreachable");
 * try {
 *   priceColumn("t,close\n1,-3\n", "close", "inline.csv");
 * } catch (e) {
 *   if (!(e instanceof Error) || !e.message.includes("inline.csv line 2")) throw e;
 * }
 * ```
 * @module
 */
import { logReturns, type StylizedFacts, stylizedFacts } from "./stylized.ts";

/** A real series: which file and which column holds its price. */
export interface RealSeries {
  readonly name: string;
  readonly file: string;
  readonly column: string;
}

/** The series of ../shared/data/ measured beside the simulator (see its SOURCES.md). */
export const REAL_SERIES: readonly RealSeries[] = [
  { name: "BTC 1m", file: "BTC-1m-freqtrade.csv", column: "close" },
  { name: "EURUSD 1h", file: "EURUSD-1h-backtesting-py.csv", column: "Close" },
  { name: "GOOG 1d", file: "GOOG-1d-backtesting-py.csv", column: "Close" },
  { name: "XRP/ETH trades", file: "XRP_ETH-trades-freqtrade.csv", column: "price" },
];

/** Where ../shared/data/ is, seen from this module. */
export const SHARED_DATA_DIR: string = new URL("../../shared/data/", import.meta.url).pathname;

/** A data file that cannot be used as it is; the message names the file, line and column. */
export class RealSeriesError extends Error {
  override name = "RealSeriesError";
}

/** A real series' stylized facts. */
export interface RealFacts {
  readonly name: string;
  readonly file: string;
  readonly facts: StylizedFacts;
}

/**
 * The values of `column` of a CSV text with a header row (comma-separated, no quoting, as in
 * ../shared/data/), as positive prices in row order. Blank lines are skipped.
 */
export function priceColumn(text: string, column: string, file: string): Float64Array {
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(",");
  const at = header.indexOf(column);
  if (at < 0) {
    throw new RealSeriesError(
      `${file} line 1: no column "${column}" (columns: ${header.join(", ")})`,
    );
  }
  const out = new Float64Array(lines.length);
  let n = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new RealSeriesError(
        `${file} line ${i + 1}: expected ${header.length} fields, got ${cells.length}`,
      );
    }
    const value = Number(cells[at]);
    if (cells[at] === "" || !Number.isFinite(value) || value <= 0) {
      throw new RealSeriesError(
        `${file} line ${i + 1}, column ${column}: expected a positive price, got ${
          JSON.stringify(cells[at])
        }`,
      );
    }
    out[n++] = value;
  }
  return out.slice(0, n);
}

/** Reads each series from `dir` and measures its log returns between consecutive rows. */
export function realFacts(
  dir: string = SHARED_DATA_DIR,
  series: readonly RealSeries[] = REAL_SERIES,
): RealFacts[] {
  return series.map((s) => {
    const path = `${dir.replace(/\/?$/, "/")}${s.file}`;
    const prices = priceColumn(Deno.readTextFileSync(path), s.column, s.file);
    return { name: s.name, file: s.file, facts: stylizedFacts(logReturns(prices)) };
  });
}
