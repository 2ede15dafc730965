/**
 * The paper exchange's market views in Binance's shapes: the order book (`/api/v3/depth`) and the
 * rolling 24-hour ticker (`/api/v3/ticker/24hr`), read from the simulator's book and the tape.
 * @module
 */
import { dec } from "./binance_format.ts";
import type { PaperExchange } from "./paper_exchange.ts";
import type { ExchangeSymbol } from "./exchange_types.ts";

const DAY_MS = 86_400_000;

/** `GET /api/v3/depth`: up to `levels` levels a side, best first, as [price, qty] strings. */
export function bookJson(
  ex: PaperExchange,
  s: ExchangeSymbol,
  levels: number,
): { lastUpdateId: number; bids: string[][]; asks: string[][] } {
  const snap = ex.sim.venue.books[s.index].snapshot(levels);
  const side = (d: typeof snap.bids) =>
    d.price.map((p, i) => [dec(p * s.tickSize), dec(d.qty[i] * s.lotSize)]);
  return { lastUpdateId: snap.sequence, bids: side(snap.bids), asks: side(snap.asks) };
}

/** `GET /api/v3/ticker/24hr` for one symbol: the last 24 hours of the tape. */
export function ticker24hJson(ex: PaperExchange, s: ExchangeSymbol): Record<string, unknown> {
  const now = ex.now();
  const bars = ex.tape.bars(s.index, now - DAY_MS, now + 1, true).filter((b) => b.trades > 0);
  const trades = ex.tape.trades(s.index, 1);
  const last = trades[trades.length - 1];
  const top = ex.top(s);
  const price = (ticks: number) => ticks * s.tickSize;
  const open = bars.length > 0 ? price(bars[0].open) : 0;
  const close = last === undefined ? 0 : price(last.price);
  const volume = bars.reduce((a, b) => a + b.volume, 0) * s.lotSize;
  const quoteVolume = bars.reduce((a, b) => a + b.notional, 0) * s.tickSize * s.lotSize;
  const count = bars.reduce((a, b) => a + b.trades, 0);
  return {
    symbol: s.symbol,
    priceChange: dec(close - open),
    priceChangePercent: (open > 0 ? ((close - open) / open) * 100 : 0).toFixed(3),
    weightedAvgPrice: dec(volume > 0 ? quoteVolume / volume : 0),
    prevClosePrice: dec(open),
    lastPrice: dec(close),
    lastQty: dec(last === undefined ? 0 : last.qty * s.lotSize),
    bidPrice: dec(top.bid),
    bidQty: dec(top.bidQty),
    askPrice: dec(top.ask),
    askQty: dec(top.askQty),
    openPrice: dec(open),
    highPrice: dec(bars.length > 0 ? price(Math.max(...bars.map((b) => b.high))) : 0),
    lowPrice: dec(bars.length > 0 ? price(Math.min(...bars.map((b) => b.low))) : 0),
    volume: dec(volume),
    quoteVolume: dec(quoteVolume),
    openTime: bars.length > 0 ? bars[0].start : now - DAY_MS,
    closeTime: now,
    firstId: -1,
    lastId: last?.id ?? -1,
    count,
  };
}
