/**
 * Readers for recorded market data in the CSV formats of ../shared/data/: OHLCV bars (a time
 * column holding a date, a date and time, or epoch milliseconds, then open, high, low, close,
 * volume) and individual trades (timestamp_ms, id, side, price, amount, cost).
 *
 * Reading is streaming: rows are checked one by one as lines arrive, so a file of any length is
 * read in one pass. Every row is validated — field count, missing fields, numbers that are not
 * numbers or are negative, prices that are not positive, timestamps that go backwards, a high
 * below the low, an open or close outside [low, high] — and each bad row is reported by line
 * number and column. With `onBadRow: "skip"` (the default) the bad row is left out and listed in
 * the report; with `"reject"` the first bad row stops the read with a {@linkcode DataFileError}.
 * A bad row is never used.
 *
 * Times without a zone are read as UTC. Bars need strictly increasing times; trades may share a
 * millisecond but never go back in time.
 *
 * @example
 * ```ts
 * import { parseBars } from "./data_reader.ts";
 * const csv = "date,open,high,low,close,volume\n" +
 *   "2024-01-02,10,11,9,10.5,100\n" +
 *   "2024-01-03,10.5,10,11,10.7,90\n"; // high < low
 * const { bars, report } = parseBars(csv, { file: "demo.csv" });
 * if (bars.length !== 1 || report.skipped !== 1) throw new Error("unreachable");
 * if (!report.issues[0].message.includes("high 10 < low 11")) throw new Error("unreachable");
 * ```
 * Over 400 lines: two streaming CSV parsers (bars and trades) with their shared row-issue reporting, time parsing and bad-row policies.
 * @module
 */

/** What to do with a bad row: leave it out and report it, or stop the read. */
export type BadRowPolicy = "skip" | "reject";

/** Reader settings. */
export interface ReadOptions {
  /** Name used in messages. Default "data". */
  readonly file?: string;
  /** Default "skip". */
  readonly onBadRow?: BadRowPolicy;
  /** Issues kept in the report (the count covers all). Default 1,000. */
  readonly maxIssues?: number;
}

/** One bad row: where and what. */
export interface RowIssue {
  /** 1-based line number in the file (the header is line 1). */
  readonly line: number;
  /** Column name, or "(row)" for a problem with the row as a whole. */
  readonly column: string;
  readonly message: string;
}

/** What a read found. */
export interface ReadReport {
  readonly file: string;
  /** Data rows seen (blank lines not counted). */
  readonly rows: number;
  readonly accepted: number;
  readonly skipped: number;
  /** The first `maxIssues` issues, in line order. */
  readonly issues: readonly RowIssue[];
}

/** OHLCV bars, column-wise; `time` is the bar's start, ms since the epoch. */
export interface BarSeries {
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** One bar as an object (what per-bar consumers such as the online features take). */
export interface BarRow {
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** The bars of a series as objects, `ts` being the bar's start. */
export function barRows(s: BarSeries): BarRow[] {
  return Array.from({ length: s.length }, (_, i) => ({
    ts: s.time[i],
    open: s.open[i],
    high: s.high[i],
    low: s.low[i],
    close: s.close[i],
    volume: s.volume[i],
  }));
}

/** Trades, column-wise; `side` is the aggressor, 0 buy and 1 sell. */
export interface TradeSeries {
  readonly length: number;
  readonly time: Float64Array;
  readonly id: Float64Array;
  readonly side: Uint8Array;
  readonly price: Float64Array;
  readonly amount: Float64Array;
}

/** A file that cannot be read, or a bad row under `onBadRow: "reject"`. */
export class DataFileError extends Error {
  override name = "DataFileError";
}

const TIME_NAMES = ["", "date", "datetime", "time", "timestamp", "timestamp_ms", "open_time"];
const BAR_FIELDS = ["open", "high", "low", "close", "volume"] as const;
const TRADE_FIELDS = ["timestamp_ms", "id", "side", "price", "amount"] as const;
const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?Z?$/;

/** Epoch ms of a time cell: digits are epoch ms, otherwise an ISO-like date read as UTC. */
export function parseTime(cell: string): number {
  if (/^\d+$/.test(cell)) return Number(cell);
  const m = DATE_RE.exec(cell);
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => (x === undefined ? 0 : Number(x)));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0"));
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/** Row-by-row validation shared by the bar and trade readers. */
abstract class RowParser {
  readonly file: string;
  readonly policy: BadRowPolicy;
  readonly maxIssues: number;
  rows = 0;
  accepted = 0;
  skipped = 0;
  issues: RowIssue[] = [];
  protected header: string[] = [];
  protected lastTime = -Infinity;
  #line = 0;
  #bad = false;

  constructor(options: ReadOptions) {
    this.file = options.file ?? "data";
    this.policy = options.onBadRow ?? "skip";
    this.maxIssues = options.maxIssues ?? 1_000;
    if (this.policy !== "skip" && this.policy !== "reject") {
      throw new DataFileError(`onBadRow: expected "skip" or "reject", got ${String(this.policy)}`);
    }
  }

  /** Feeds one line (without its line break). */
  line(text: string): void {
    const n = ++this.#line;
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (n === 1) return this.readHeader(text.split(",").map((c) => c.trim()));
    if (text.trim() === "") return;
    this.rows++;
    const cells = text.split(",");
    if (cells.length !== this.header.length) {
      return this.issue(
        n,
        "(row)",
        `expected ${this.header.length} fields, got ${cells.length}`,
      );
    }
    this.#bad = false;
    this.parseRow(cells, n);
    if (this.#bad) {
      this.skipped++;
    } else {
      this.accepted++;
    }
  }

  /** Ends the read; a file with no header is an error. */
  finish(): ReadReport {
    if (this.#line === 0) throw new DataFileError(`${this.file}: empty file, expected a header`);
    return {
      file: this.file,
      rows: this.rows,
      accepted: this.accepted,
      skipped: this.skipped,
      issues: this.issues,
    };
  }

  /** About how many rows are coming (a hint to size the columns; rows may be more or fewer). */
  sizeHint(_rows: number): void {}

  protected abstract readHeader(names: string[]): void;
  protected abstract parseRow(cells: string[], line: number): void;

  /** Index of a required column (names compared case-insensitively). */
  protected column(names: string[], want: string): number {
    const at = names.findIndex((n) => n.toLowerCase() === want);
    if (at < 0) {
      throw new DataFileError(
        `${this.file} line 1: no column "${want}" (columns: ${names.join(", ")})`,
      );
    }
    return at;
  }

  /** A number from a cell; records an issue (and returns NaN) when missing, not a number or negative. */
  protected number(cells: string[], at: number, line: number, positive: boolean): number {
    const cell = cells[at].trim();
    const name = this.header[at];
    if (cell === "") return this.fail(line, name, "missing value");
    const v = Number(cell);
    if (!Number.isFinite(v)) {
      return this.fail(line, name, `not a number: ${JSON.stringify(cell)}`);
    }
    if (v < 0) return this.fail(line, name, `negative value ${v}`);
    if (positive && v === 0) return this.fail(line, name, `expected a price > 0, got 0`);
    return v;
  }

  /** A time from a cell, later than (or, when `allowEqual`, equal to) the row before's. */
  protected time(cells: string[], at: number, line: number, allowEqual: boolean): number {
    const cell = cells[at].trim();
    const name = this.header[at] || "(time)";
    if (cell === "") return this.fail(line, name, "missing value");
    const t = parseTime(cell);
    if (!Number.isFinite(t)) {
      return this.fail(line, name, `not a date or epoch ms: ${JSON.stringify(cell)}`);
    }
    if (t < this.lastTime || (!allowEqual && t === this.lastTime)) {
      return this.fail(
        line,
        name,
        `time ${cell} is not after the previous row's (${new Date(this.lastTime).toISOString()})`,
      );
    }
    return t;
  }

  protected fail(line: number, column: string, message: string): number {
    this.#bad = true;
    this.issue(line, column, message, false);
    return NaN;
  }

  protected issue(line: number, column: string, message: string, count = true): void {
    if (this.policy === "reject") {
      throw new DataFileError(`${this.file} line ${line}, column ${column}: ${message}`);
    }
    if (count) this.skipped++;
    if (this.issues.length < this.maxIssues) this.issues.push({ line, column, message });
  }

  protected get bad(): boolean {
    return this.#bad;
  }
}

/**
 * Growable float columns. Sized up front when the row count can be estimated
 * ({@linkcode RowParser.sizeHint}), they hand their arrays over without a copy when nearly full,
 * so reading a file of N rows costs about N rows of memory, not three times that.
 */
class Columns {
  length = 0;
  cols: Float64Array[];
  constructor(n: number, capacity = 1024) {
    this.cols = Array.from({ length: n }, () => new Float64Array(capacity));
  }
  /** Makes room for `rows` rows in all (no-op when there is room already). */
  reserve(rows: number): void {
    if (rows <= this.cols[0].length) return;
    this.cols = this.cols.map((c) => {
      const g = new Float64Array(rows);
      g.set(c.subarray(0, this.length));
      return g;
    });
  }
  push(values: number[]): void {
    const cap = this.cols[0].length;
    if (this.length === cap) this.reserve(Math.ceil(cap * 1.5) + 16);
    for (let i = 0; i < values.length; i++) this.cols[i][this.length] = values[i];
    this.length++;
  }
  /** Column `i`'s rows: a view when the column is at least 7/8 full, else a copy. */
  take(i: number): Float64Array {
    const c = this.cols[i];
    return this.length * 8 >= c.length * 7 ? c.subarray(0, this.length) : c.slice(0, this.length);
  }
}

/** Parses OHLCV rows; see the module documentation. */
export class BarParser extends RowParser {
  #at: number[] = [];
  #out = new Columns(6);

  override sizeHint(rows: number): void {
    this.#out.reserve(rows);
  }

  protected readHeader(names: string[]): void {
    this.header = names;
    const t = names.findIndex((n) => TIME_NAMES.includes(n.toLowerCase()));
    if (t < 0) {
      throw new DataFileError(
        `${this.file} line 1: no time column (one of ${
          TIME_NAMES.map((n) => JSON.stringify(n)).join(", ")
        }; columns: ${names.join(", ")})`,
      );
    }
    this.#at = [t, ...BAR_FIELDS.map((f) => this.column(names, f))];
  }

  protected parseRow(cells: string[], line: number): void {
    const [ti, oi, hi, li, ci, vi] = this.#at;
    const time = this.time(cells, ti, line, false);
    const open = this.number(cells, oi, line, true);
    const high = this.number(cells, hi, line, true);
    const low = this.number(cells, li, line, true);
    const close = this.number(cells, ci, line, true);
    const volume = this.number(cells, vi, line, false);
    if (this.bad) return;
    const h = this.header;
    if (high < low) this.fail(line, h[hi], `high ${high} < low ${low}`);
    else {
      if (open < low || open > high) {
        this.fail(line, h[oi], `open ${open} outside [low ${low}, high ${high}]`);
      }
      if (close < low || close > high) {
        this.fail(line, h[ci], `close ${close} outside [low ${low}, high ${high}]`);
      }
    }
    if (this.bad) return;
    this.lastTime = time;
    this.#out.push([time, open, high, low, close, volume]);
  }

  /** The accepted bars. */
  series(): BarSeries {
    return barSeries(this.#out);
  }
}

/** Parses trade rows; see the module documentation. */
export class TradeParser extends RowParser {
  #at: number[] = [];
  #out = new Columns(5);

  override sizeHint(rows: number): void {
    this.#out.reserve(rows);
  }

  protected readHeader(names: string[]): void {
    this.header = names;
    this.#at = TRADE_FIELDS.map((f) => this.column(names, f));
  }

  protected parseRow(cells: string[], line: number): void {
    const [ti, ii, si, pi, ai] = this.#at;
    const time = this.time(cells, ti, line, true);
    const id = this.number(cells, ii, line, false);
    const sideCell = cells[si].trim().toLowerCase();
    const side = sideCell === "buy" ? 0 : sideCell === "sell" ? 1 : -1;
    if (side < 0) {
      this.fail(
        line,
        this.header[si],
        `expected "buy" or "sell", got ${JSON.stringify(cells[si])}`,
      );
    }
    const price = this.number(cells, pi, line, true);
    const amount = this.number(cells, ai, line, true);
    if (this.bad) return;
    this.lastTime = time;
    this.#out.push([time, id, side, price, amount]);
  }

  /** The accepted trades. */
  series(): TradeSeries {
    const o = this.#out;
    return {
      length: o.length,
      time: o.take(0),
      id: o.take(1),
      side: Uint8Array.from(o.take(2)),
      price: o.take(3),
      amount: o.take(4),
    };
  }
}

function feedText(parser: RowParser, text: string): void {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (end > start || end < text.length) parser.line(text.slice(start, end));
    start = end + 1;
  }
}

/**
 * Feeds a stream's lines to `parser`. With the stream's total size in bytes, the first block's
 * lines give the parser a hint of how many rows the whole holds.
 */
async function feedStream(
  parser: RowParser,
  stream: ReadableStream<Uint8Array>,
  totalBytes?: number,
): Promise<void> {
  let rest = "";
  let hinted = totalBytes === undefined;
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const text = rest + chunk;
    const cut = text.lastIndexOf("\n");
    if (cut < 0) {
      rest = text;
      continue;
    }
    if (!hinted) {
      hinted = true;
      let lines = 0;
      for (let i = text.indexOf("\n"); i !== -1 && i <= cut; i = text.indexOf("\n", i + 1)) lines++;
      // Bytes per line from this block (ASCII, as CSV numbers are); 2 % over, to spare a regrow.
      if (lines >= 8) parser.sizeHint(Math.ceil((totalBytes! / ((cut + 1) / lines)) * 1.02) + 16);
    }
    feedText(parser, text.slice(0, cut));
    rest = text.slice(cut + 1);
  }
  if (rest !== "") parser.line(rest);
}

/** Bars and the report of reading them. */
export interface BarRead {
  readonly bars: BarSeries;
  readonly report: ReadReport;
}

/** Trades and the report of reading them. */
export interface TradeRead {
  readonly trades: TradeSeries;
  readonly report: ReadReport;
}

function fromText<P extends RowParser>(p: P, text: string): [P, ReadReport] {
  feedText(p, text);
  return [p, p.finish()];
}

async function fromFile<P extends RowParser>(p: P, path: string): Promise<[P, ReadReport]> {
  const f = await Deno.open(path);
  const { size } = await f.stat();
  await feedStream(p, f.readable, size);
  return [p, p.finish()];
}

/** Reads OHLCV bars from CSV text. */
export function parseBars(text: string, options: ReadOptions = {}): BarRead {
  const [p, report] = fromText(new BarParser(options), text);
  return { bars: p.series(), report };
}

/** Reads trades from CSV text. */
export function parseTrades(text: string, options: ReadOptions = {}): TradeRead {
  const [p, report] = fromText(new TradeParser(options), text);
  return { trades: p.series(), report };
}

/** Streams OHLCV bars from a CSV file (needs read permission on it). */
export async function readBars(path: string, options: ReadOptions = {}): Promise<BarRead> {
  const [p, report] = await fromFile(new BarParser({ file: path, ...options }), path);
  return { bars: p.series(), report };
}

/** Streams trades from a CSV file (needs read permission on it). */
export async function readTrades(path: string, options: ReadOptions = {}): Promise<TradeRead> {
  const [p, report] = await fromFile(new TradeParser({ file: path, ...options }), path);
  return { trades: p.series(), report };
}

/**
 * OHLCV bars of `barMs` built from trades (bucketed by `floor(time / barMs)`; an interval with no
 * trade has no bar), so a trade file can be replayed like a bar file.
 */
export function barsFromTrades(trades: TradeSeries, barMs: number): BarSeries {
  if (!(barMs > 0) || !Number.isFinite(barMs)) {
    throw new DataFileError(`barMs: expected a duration > 0, got ${barMs}`);
  }
  const out = new Columns(6);
  const row = [0, 0, 0, 0, 0, 0];
  let bucket = NaN;
  for (let i = 0; i < trades.length; i++) {
    const b = Math.floor(trades.time[i] / barMs);
    const p = trades.price[i];
    if (b !== bucket) {
      if (!Number.isNaN(bucket)) out.push(row);
      bucket = b;
      row[0] = b * barMs;
      row[1] =
        row[2] =
        row[3] =
        row[4] =
          p;
      row[5] = 0;
    }
    if (p > row[2]) row[2] = p;
    if (p < row[3]) row[3] = p;
    row[4] = p;
    row[5] += trades.amount[i];
  }
  if (!Number.isNaN(bucket)) out.push(row);
  return barSeries(out);
}

function barSeries(o: Columns): BarSeries {
  return {
    length: o.length,
    time: o.take(0),
    open: o.take(1),
    high: o.take(2),
    low: o.take(3),
    close: o.take(4),
    volume: o.take(5),
  };
}
