/**
 * The venue's market-data side: per symbol, the last trade, the book top and the bar being
 * built, and the feeds that receive trades, tops, level-2 updates and bars (each feed with its
 * own delay). With no feed attached nothing is allocated: the bar and top state still update,
 * so a feed added later starts from the true state.
 * @module
 */
import type { OrderBook, Side } from "../book/mod.ts";
import { EventType, type Kernel } from "../kernel/mod.ts";
import type { MarketEvent } from "./venue_events.ts";

/** Market data of a venue's books; see the module documentation. */
export class MarketData {
  /** Last trade price per symbol (0 before the first trade). */
  readonly last: Float64Array;
  /** Trades and lots traded so far, all symbols. */
  trades = 0;
  volume = 0;
  readonly barMs: number;
  #kernel: Kernel;
  #books: readonly OrderBook[];
  #feeds: { fn: (e: MarketEvent) => void; delay: number }[] = [];
  #top: Float64Array; // bid, bid qty, ask, ask qty per symbol
  #bar: Float64Array; // open, high, low, close, volume, trades per symbol

  /** Schedules the first bar close of every book at now + `barMs`. */
  constructor(kernel: Kernel, books: readonly OrderBook[], barMs: number) {
    const n = books.length;
    this.#kernel = kernel;
    this.#books = books;
    this.barMs = barMs;
    this.last = new Float64Array(n);
    this.#top = new Float64Array(4 * n);
    this.#bar = new Float64Array(6 * n);
    for (let s = 0; s < n; s++) kernel.push(kernel.now() + barMs, EventType.Bar, s);
  }

  /** True when at least one feed listens (callers skip building events otherwise). */
  get listened(): boolean {
    return this.#feeds.length > 0;
  }

  /** Adds a feed, called `delay` ms after each venue event. */
  addFeed(fn: (e: MarketEvent) => void, delay: number): void {
    this.#feeds.push({ fn, delay });
  }

  /** Records a trade print of symbol `s`. */
  trade(s: number, price: number, qty: number, aggressor: Side, seq: number): void {
    const b = this.#bar;
    const o = 6 * s;
    if (b[o + 5] === 0) {
      b[o] = price;
      b[o + 1] = price;
      b[o + 2] = price;
    } else {
      if (price > b[o + 1]) b[o + 1] = price;
      if (price < b[o + 2]) b[o + 2] = price;
    }
    b[o + 3] = price;
    b[o + 4] += qty;
    b[o + 5]++;
    this.last[s] = price;
    this.trades++;
    this.volume += qty;
    if (this.#feeds.length > 0) {
      const time = this.#kernel.now();
      this.#publish({ type: "trade", symbol: s, time, price, qty, aggressor, seq });
    }
  }

  /** Publishes a level-2 update of symbol `s`. */
  level(s: number, side: Side, price: number, qty: number, count: number): void {
    if (this.#feeds.length === 0) return;
    const time = this.#kernel.now();
    this.#publish({ type: "level", symbol: s, time, side, price, qty, count });
  }

  /** Publishes the top of symbol `s` if it changed since the last call. */
  top(s: number): void {
    const book = this.#books[s];
    const bl = book.bids.best(), al = book.asks.best();
    const bid = bl < 0 ? 0 : book.bids.price[bl];
    const bidQty = bl < 0 ? 0 : book.bids.qty[bl];
    const ask = al < 0 ? 0 : book.asks.price[al];
    const askQty = al < 0 ? 0 : book.asks.qty[al];
    const t = this.#top;
    const o = 4 * s;
    if (t[o] === bid && t[o + 1] === bidQty && t[o + 2] === ask && t[o + 3] === askQty) return;
    t[o] = bid;
    t[o + 1] = bidQty;
    t[o + 2] = ask;
    t[o + 3] = askQty;
    if (this.#feeds.length > 0) {
      this.#publish({ type: "top", symbol: s, time: this.#kernel.now(), bid, bidQty, ask, askQty });
    }
  }

  /** Handles a `Bar` event: publishes the bar of symbol `s` and schedules the next close. */
  closeBar(s: number): void {
    const now = this.#kernel.now();
    const b = this.#bar;
    const o = 6 * s;
    if (this.#feeds.length > 0) {
      const book = this.#books[s];
      const bid = book.bestBid(), ask = book.bestAsk();
      const empty = b[o + 5] === 0;
      const prev = this.last[s];
      this.#publish({
        type: "bar",
        symbol: s,
        start: now - this.barMs,
        end: now,
        open: empty ? prev : b[o],
        high: empty ? prev : b[o + 1],
        low: empty ? prev : b[o + 2],
        close: empty ? prev : b[o + 3],
        volume: b[o + 4],
        trades: b[o + 5],
        mid: bid > 0 && ask > 0 ? (bid + ask) / 2 : 0,
        bid,
        ask,
      });
    }
    b[o + 4] = 0;
    b[o + 5] = 0;
    this.#kernel.push(now + this.barMs, EventType.Bar, s);
  }

  #publish(e: MarketEvent): void {
    const kernel = this.#kernel;
    for (const { fn, delay } of this.#feeds) {
      if (delay === 0) fn(e);
      else kernel.at(kernel.now() + delay, () => fn(e));
    }
  }
}
