/**
 * What the paper venue remembers of its market for the public endpoints: per symbol, the last
 * trades (with their sequence number as the trade id) and the closed bars, plus the bar in
 * progress built from the trades since the last close. Bounded: the last
 * {@linkcode TAPE_TRADES} trades and {@linkcode TAPE_BARS} bars per symbol. Prices in ticks,
 * quantities in lots, as the simulator gives them.
 * @module
 */
import type { MarketEvent } from "../../env/venue/mod.ts";
import { Side } from "../../env/book/mod.ts";

/** The exchange's kline intervals, ms; a venue serves those that are multiples of its bar. */
export const KLINE_INTERVALS: Record<string, number> = {
  "1s": 1_000,
  "1m": 60_000,
  "3m": 180_000,
  "5m": 300_000,
  "15m": 900_000,
  "30m": 1_800_000,
  "1h": 3_600_000,
  "2h": 7_200_000,
  "4h": 14_400_000,
  "6h": 21_600_000,
  "8h": 28_800_000,
  "12h": 43_200_000,
  "1d": 86_400_000,
};

/** Trades kept per symbol. */
export const TAPE_TRADES = 1_000;
/** Closed bars kept per symbol. */
export const TAPE_BARS = 1_500;

/** One trade print. */
export interface TapeTrade {
  readonly id: number;
  readonly time: number;
  readonly price: number;
  readonly qty: number;
  /** The buyer was the maker (the aggressor sold). */
  readonly buyerMaker: boolean;
}

/** One bar over [start, end), OHLCV in ticks and lots; `taker buy` volume for klines. */
export interface TapeBar {
  readonly start: number;
  readonly end: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Sum of price × qty (ticks × lots). */
  notional: number;
  trades: number;
  takerBuyVolume: number;
  takerBuyNotional: number;
}

/** The tape of every symbol; feed it the venue's market events. */
export class MarketTape {
  readonly #trades: TapeTrade[][];
  readonly #bars: TapeBar[][];
  /** Per symbol: the bar in progress (undefined before its first trade). */
  readonly #open: (TapeBar | undefined)[];
  readonly #barMs: number;
  #lastClose: number[];

  constructor(symbols: number, barMs: number, start: number) {
    this.#trades = Array.from({ length: symbols }, () => []);
    this.#bars = Array.from({ length: symbols }, () => []);
    this.#open = Array.from({ length: symbols }, () => undefined);
    this.#lastClose = Array.from({ length: symbols }, () => 0);
    this.#barMs = barMs;
    this.#start = start;
  }

  readonly #start: number;

  /** Takes one market event (trades and bars; the rest is ignored). */
  readonly feed = (e: MarketEvent): void => {
    if (e.type === "trade") {
      const trades = this.#trades[e.symbol];
      trades.push({
        id: e.seq,
        time: Math.floor(e.time),
        price: e.price,
        qty: e.qty,
        buyerMaker: e.aggressor === Side.Sell,
      });
      if (trades.length > 2 * TAPE_TRADES) trades.splice(0, trades.length - TAPE_TRADES);
      const start = this.#start + Math.floor((e.time - this.#start) / this.#barMs) * this.#barMs;
      let bar = this.#open[e.symbol];
      if (bar === undefined || bar.start !== start) {
        bar = this.#open[e.symbol] = emptyBar(start, start + this.#barMs, e.price);
      }
      bar.high = Math.max(bar.high, e.price);
      bar.low = Math.min(bar.low, e.price);
      bar.close = e.price;
      bar.volume += e.qty;
      bar.notional += e.price * e.qty;
      bar.trades++;
      if (e.aggressor === Side.Buy) {
        bar.takerBuyVolume += e.qty;
        bar.takerBuyNotional += e.price * e.qty;
      }
    } else if (e.type === "bar") {
      const open = this.#open[e.symbol];
      const mine = open !== undefined && open.start === e.start ? open : undefined;
      // A bar with no trade carries the last close (the exchange's flat candle).
      const flat = this.#lastClose[e.symbol] || e.mid;
      const bar: TapeBar = e.trades > 0
        ? {
          start: e.start,
          end: e.end,
          open: e.open,
          high: e.high,
          low: e.low,
          close: e.close,
          volume: e.volume,
          notional: mine?.notional ?? e.close * e.volume,
          trades: e.trades,
          takerBuyVolume: mine?.takerBuyVolume ?? 0,
          takerBuyNotional: mine?.takerBuyNotional ?? 0,
        }
        : emptyBar(e.start, e.end, flat);
      const bars = this.#bars[e.symbol];
      bars.push(bar);
      if (bars.length > 2 * TAPE_BARS) bars.splice(0, bars.length - TAPE_BARS);
      this.#lastClose[e.symbol] = bar.close;
      if (open !== undefined && open.start <= e.start) this.#open[e.symbol] = undefined;
    }
  };

  /** The last `limit` trades of `symbol`, oldest first. */
  trades(symbol: number, limit: number): readonly TapeTrade[] {
    const t = this.#trades[symbol];
    return t.slice(Math.max(0, t.length - limit));
  }

  /** Closed bars of `symbol` with `start` in [from, to), then the bar in progress when asked. */
  bars(symbol: number, from: number, to: number, withOpen: boolean): TapeBar[] {
    // Bars are in time order: walk back from the newest, so a recent window costs its length.
    const all = this.#bars[symbol];
    let first = all.length;
    while (first > 0 && all[first - 1].start >= from) first--;
    const out: TapeBar[] = [];
    for (let i = first; i < all.length && all[i].start < to; i++) out.push(all[i]);
    const open = this.#open[symbol];
    if (withOpen && open !== undefined && open.start >= from && open.start < to) out.push(open);
    return out;
  }

  /** The bar interval, ms. */
  get barMs(): number {
    return this.#barMs;
  }

  /** The last trade price of `symbol` (ticks); 0 before the first trade. */
  lastPrice(symbol: number): number {
    const t = this.#trades[symbol];
    return t.length === 0 ? 0 : t[t.length - 1].price;
  }
}

function emptyBar(start: number, end: number, price: number): TapeBar {
  return {
    start,
    end,
    open: price,
    high: price,
    low: price,
    close: price,
    volume: 0,
    notional: 0,
    trades: 0,
    takerBuyVolume: 0,
    takerBuyNotional: 0,
  };
}

/**
 * Bars of `interval` ms (a multiple of the tape's bar) built from the tape's bars, aligned to
 * multiples of the interval since the epoch; at most `limit`, the newest last.
 */
export function aggregate(bars: readonly TapeBar[], interval: number, limit: number): TapeBar[] {
  const out: TapeBar[] = [];
  for (const b of bars) {
    const start = Math.floor(b.start / interval) * interval;
    const last = out[out.length - 1];
    if (last === undefined || last.start !== start) {
      out.push({ ...b, start, end: start + interval });
      continue;
    }
    last.high = Math.max(last.high, b.high);
    last.low = Math.min(last.low, b.low);
    last.close = b.close;
    last.volume += b.volume;
    last.notional += b.notional;
    last.trades += b.trades;
    last.takerBuyVolume += b.takerBuyVolume;
    last.takerBuyNotional += b.takerBuyNotional;
  }
  return out.slice(Math.max(0, out.length - limit));
}
