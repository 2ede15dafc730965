/**
 * Positions, cash and round-trip trades from a stream of fills: the accounting behind the
 * monitor, agent and risk actors. Pure: no I/O, no clock; time arrives on the fills.
 *
 * Accounting is by average cost. A position's average price moves only when the position grows;
 * reducing it realises `(price - avg) × closed qty × sign(position)`. Realised P&L is gross;
 * fees are kept apart (`cash` and `equity()` are net of them), so that at every moment
 *
 * ```
 * equity() = startCash + realizedPnl() + unrealizedPnl() - fees
 * ```
 *
 * A trade is one round trip of a symbol: it opens when the position leaves 0 and closes when it
 * returns to 0. A fill that crosses 0 (long 5, sell 8) is split: 5 close the trade, 3 open the
 * next one, and its fee is shared pro rata by quantity. Quantities within a relative 1e-9 of
 * closing the position close it exactly, so fractional sizes (0.1 + 0.2 then 0.3) leave no dust.
 *
 * @example
 * ```ts
 * import { Portfolio } from "./portfolio.ts";
 * const p = new Portfolio(10_000);
 * p.applyFill({ ts: 1, symbol: "AAPL", side: "buy", qty: 10, price: 100, fee: 1 });
 * p.mark("AAPL", 104);
 * if (p.unrealizedPnl() !== 40 || p.equity() !== 10_039) throw new Error("unreachable");
 * p.closeAll(2);
 * const [trade] = p.closedTrades();
 * if (trade.pnl !== 39 || !trade.closedAtEnd) throw new Error("unreachable");
 * ```
 *
 * Over 400 lines: the Portfolio class keeps its books in private fields, and its checkpoint codec
 * (`toState`/`fromState`) must reach them, so it lives in the class.
 * @module
 */

/** One execution to account for. `fee` is in cash units and may be negative (a rebate). */
export interface FillInput {
  /** Execution time, epoch milliseconds. */
  readonly ts: number;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  /** Units traded, > 0. */
  readonly qty: number;
  /** Price per unit, > 0. */
  readonly price: number;
  readonly fee: number;
}

/** A finished round trip of one symbol, from leaving a flat position to returning to it. */
export interface ClosedTrade {
  readonly symbol: string;
  readonly direction: "long" | "short";
  /** Largest absolute position held during the trade. */
  readonly qty: number;
  /** Time of the fill that opened the trade. */
  readonly entryTs: number;
  /** Volume-weighted average price of the fills that increased the position. */
  readonly entryPrice: number;
  /** Time of the fill that closed the trade. */
  readonly exitTs: number;
  /** Volume-weighted average price of the fills that reduced the position. */
  readonly exitPrice: number;
  /** Realised P&L of the trade net of all its fees. */
  readonly pnl: number;
  /** Fees charged to the trade (a crossing fill's fee is shared pro rata by quantity). */
  readonly fees: number;
  /** `pnl / (entryPrice × qty) × 100`. */
  readonly returnPct: number;
  /** True when {@linkcode Portfolio.closeAll} closed the trade rather than a real fill. */
  readonly closedAtEnd: boolean;
}

/** Thrown for an invalid fill, mark or amount; the message names the field and the bad value. */
export class PortfolioError extends RangeError {
  override name = "PortfolioError";
}

/** Relative tolerance under which a position counts as closed (floating-point dust). */
const DUST = 1e-9;

/** The round trip a {@linkcode Book} has open. */
export interface OpenTrade {
  readonly direction: "long" | "short";
  readonly entryTs: number;
  entryQty: number;
  entryNotional: number;
  exitQty: number;
  exitNotional: number;
  maxQty: number;
  realized: number;
  fees: number;
}

/** One symbol's position in a {@linkcode Portfolio}. */
export interface Book {
  position: number;
  /** Average cost of the open position; 0 when flat. */
  avg: number;
  last: number | null;
  realized: number;
  trade: OpenTrade | null;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function requirePositive(field: string, value: unknown): void {
  if (!isFiniteNumber(value) || value <= 0) {
    throw new PortfolioError(`${field}: expected a finite number > 0, got ${show(value)}`);
  }
}

function requireFinite(field: string, value: unknown): void {
  if (!isFiniteNumber(value)) {
    throw new PortfolioError(`${field}: expected a finite number, got ${show(value)}`);
  }
}

function requireSymbol(field: string, value: unknown): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new PortfolioError(`${field}: expected a non-empty string, got ${show(value)}`);
  }
}

/** A {@linkcode Portfolio} as plain data (JSON-able), for checkpoints. */
export interface PortfolioState {
  readonly startCash: number;
  readonly cash: number;
  readonly fees: number;
  readonly turnover: number;
  readonly keepTrades: boolean;
  readonly books: readonly (readonly [string, Book])[];
  /**
   * The round trips: the first `closedCount` of `closed`. The account only ever appends to its
   * list, so a checkpoint shares it rather than copying it (a run's thousands of trades are not
   * copied at every checkpoint); written to a file, it may hold later ones, which are ignored.
   */
  readonly closed: readonly ClosedTrade[];
  readonly closedCount: number;
}

/**
 * Cash, positions and trades of one account, updated fill by fill and valued at the last
 * marked prices. See the module documentation for the accounting rules.
 */
export class Portfolio {
  /** Cash at the start, before any fill. */
  readonly startCash: number;
  #cash: number;
  #fees = 0;
  #turnover = 0;
  readonly #books = new Map<string, Book>();
  readonly #closed: ClosedTrade[] = [];
  readonly #keepTrades: boolean;

  /**
   * Starts flat with `startCash` (a finite number ≥ 0) in cash. With `keepTrades: false` the
   * round trips are not kept (an account that needs only its positions and equity, such as the
   * risk actor's copy, then costs no memory per trade); {@linkcode Portfolio.closedTrades}
   * throws.
   */
  constructor(startCash: number, options: { readonly keepTrades?: boolean } = {}) {
    if (!isFiniteNumber(startCash) || startCash < 0) {
      throw new PortfolioError(`startCash: expected a finite number ≥ 0, got ${show(startCash)}`);
    }
    this.startCash = startCash;
    this.#cash = startCash;
    this.#keepTrades = options.keepTrades ?? true;
  }

  /** The account as plain data, which later fills do not change (see `PortfolioState.closed`). */
  toState(): PortfolioState {
    return {
      startCash: this.startCash,
      cash: this.#cash,
      fees: this.#fees,
      turnover: this.#turnover,
      keepTrades: this.#keepTrades,
      books: [...this.#books].map(([symbol, b]) => [symbol, {
        ...b,
        trade: b.trade === null ? null : { ...b.trade },
      }]),
      closed: this.#closed,
      closedCount: this.#closed.length,
    };
  }

  /** The account {@linkcode Portfolio.toState} gave. */
  static fromState(state: PortfolioState): Portfolio {
    const p = new Portfolio(state.startCash, { keepTrades: state.keepTrades });
    p.#cash = state.cash;
    p.#fees = state.fees;
    p.#turnover = state.turnover;
    for (const [symbol, b] of state.books) {
      p.#books.set(symbol, { ...b, trade: b.trade === null ? null : { ...b.trade } });
    }
    for (let i = 0; i < state.closedCount; i++) p.#closed.push(state.closed[i]);
    return p;
  }

  /** Books one execution. Throws {@linkcode PortfolioError} naming an invalid field. */
  applyFill(fill: FillInput): void {
    requireFinite("fill.ts", fill.ts);
    requireSymbol("fill.symbol", fill.symbol);
    if (fill.side !== "buy" && fill.side !== "sell") {
      throw new PortfolioError(`fill.side: expected "buy" or "sell", got ${show(fill.side)}`);
    }
    requirePositive("fill.qty", fill.qty);
    requirePositive("fill.price", fill.price);
    requireFinite("fill.fee", fill.fee);
    this.#apply(fill, false);
  }

  /**
   * Records the last price of `symbol`, used to value its position. `ts` (when the price was
   * seen) is optional and only validated: valuation uses the latest mark whatever its time.
   */
  mark(symbol: string, price: number, ts?: number): void {
    requireSymbol("symbol", symbol);
    requirePositive("price", price);
    if (ts !== undefined) requireFinite("ts", ts);
    this.#book(symbol).last = price;
  }

  /** Signed position in units: > 0 long, < 0 short, 0 flat or never traded. */
  position(symbol: string): number {
    return this.#books.get(symbol)?.position ?? 0;
  }

  /** Average cost of the open position, or null when flat. */
  avgPrice(symbol: string): number | null {
    const book = this.#books.get(symbol);
    return book === undefined || book.position === 0 ? null : book.avg;
  }

  /** Last marked price, or null if `symbol` was never marked (fills do not mark). */
  lastPrice(symbol: string): number | null {
    return this.#books.get(symbol)?.last ?? null;
  }

  /** `startCash - Σ buy notional + Σ sell notional - fees`. */
  get cash(): number {
    return this.#cash;
  }

  /** Sum of all fees paid. */
  get fees(): number {
    return this.#fees;
  }

  /** Sum of fill notionals (`qty × price`), including the synthetic fills of `closeAll`. */
  get turnover(): number {
    return this.#turnover;
  }

  /** Every symbol filled or marked so far, in the order first seen. */
  get symbols(): readonly string[] {
    return [...this.#books.keys()];
  }

  /** Realised P&L of `symbol`, or of all symbols, by average cost and gross of fees. */
  realizedPnl(symbol?: string): number {
    if (symbol !== undefined) return this.#books.get(symbol)?.realized ?? 0;
    let sum = 0;
    for (const book of this.#books.values()) sum += book.realized;
    return sum;
  }

  /** `(last - avg) × position` of `symbol`, or summed over all symbols; 0 where never marked. */
  unrealizedPnl(symbol?: string): number {
    if (symbol !== undefined) {
      const book = this.#books.get(symbol);
      return book === undefined ? 0 : unrealized(book);
    }
    let sum = 0;
    for (const book of this.#books.values()) sum += unrealized(book);
    return sum;
  }

  /** Cash plus every position valued at its last price (its average price if never marked). */
  equity(): number {
    let sum = this.#cash;
    for (const book of this.#books.values()) sum += book.position * valuation(book);
    return sum;
  }

  /** `Σ |position| × last price` (average price if never marked). */
  grossExposure(): number {
    let sum = 0;
    for (const book of this.#books.values()) sum += Math.abs(book.position) * valuation(book);
    return sum;
  }

  /** The round trips completed so far, oldest first. */
  closedTrades(): readonly ClosedTrade[] {
    if (!this.#keepTrades) {
      throw new PortfolioError("closedTrades: this portfolio does not keep its trades");
    }
    return this.#closed.slice();
  }

  /**
   * Closes every open position at its last price (its average price if never marked) at `ts`
   * as a synthetic fill with no fee, marking those trades `closedAtEnd`.
   */
  closeAll(ts: number): void {
    requireFinite("ts", ts);
    for (const [symbol, book] of this.#books) {
      if (book.position === 0) continue;
      this.#apply({
        ts,
        symbol,
        side: book.position > 0 ? "sell" : "buy",
        qty: Math.abs(book.position),
        price: valuation(book),
        fee: 0,
      }, true);
    }
  }

  #book(symbol: string): Book {
    let book = this.#books.get(symbol);
    if (book === undefined) {
      book = { position: 0, avg: 0, last: null, realized: 0, trade: null };
      this.#books.set(symbol, book);
    }
    return book;
  }

  #apply(fill: FillInput, closedAtEnd: boolean): void {
    const book = this.#book(fill.symbol);
    const sign = fill.side === "buy" ? 1 : -1;
    const notional = fill.qty * fill.price;
    this.#cash -= sign * notional + fill.fee;
    this.#fees += fill.fee;
    this.#turnover += notional;

    if (book.position === 0 || Math.sign(book.position) === sign) {
      this.#increase(book, fill, fill.qty, fill.fee, sign);
      return;
    }
    const open = Math.abs(book.position);
    const closing = Math.min(fill.qty, open);
    let rest = fill.qty - closing;
    if (rest <= DUST * fill.qty) rest = 0;
    const closingFee = rest === 0 ? fill.fee : fill.fee * closing / fill.qty;
    const pnl = (fill.price - book.avg) * closing * Math.sign(book.position);
    book.realized += pnl;
    const trade = book.trade!;
    trade.realized += pnl;
    trade.fees += closingFee;
    trade.exitQty += closing;
    trade.exitNotional += closing * fill.price;

    if (open - closing > DUST * open) {
      book.position += sign * closing;
      return;
    }
    book.position = 0;
    book.avg = 0;
    book.trade = null;
    if (this.#keepTrades) this.#closed.push(finish(fill, trade, closedAtEnd));
    if (rest > 0) this.#increase(book, fill, rest, fill.fee - closingFee, sign);
  }

  #increase(book: Book, fill: FillInput, qty: number, fee: number, sign: number): void {
    const trade = book.trade ??= {
      direction: sign > 0 ? "long" : "short",
      entryTs: fill.ts,
      entryQty: 0,
      entryNotional: 0,
      exitQty: 0,
      exitNotional: 0,
      maxQty: 0,
      realized: 0,
      fees: 0,
    };
    const open = Math.abs(book.position);
    book.avg = (book.avg * open + fill.price * qty) / (open + qty);
    book.position += sign * qty;
    trade.entryQty += qty;
    trade.entryNotional += qty * fill.price;
    trade.fees += fee;
    trade.maxQty = Math.max(trade.maxQty, Math.abs(book.position));
  }
}

function valuation(book: Book): number {
  return book.last ?? book.avg;
}

function unrealized(book: Book): number {
  return book.position === 0 ? 0 : (valuation(book) - book.avg) * book.position;
}

function finish(fill: FillInput, trade: OpenTrade, closedAtEnd: boolean): ClosedTrade {
  const entryPrice = trade.entryNotional / trade.entryQty;
  const pnl = trade.realized - trade.fees;
  return {
    symbol: fill.symbol,
    direction: trade.direction,
    qty: trade.maxQty,
    entryTs: trade.entryTs,
    entryPrice,
    exitTs: fill.ts,
    exitPrice: trade.exitNotional / trade.exitQty,
    pnl,
    fees: trade.fees,
    returnPct: pnl / (entryPrice * trade.maxQty) * 100,
    closedAtEnd,
  };
}
