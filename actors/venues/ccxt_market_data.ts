/**
 * {@linkcode CcxtMarketData}: a ccxt exchange's market data as raw `quote` and `bar` messages
 * (stage `raw`, as a venue publishes them; the market-data actor cleans them as in sim), by REST
 * polling: each {@linkcode CcxtMarketData.poll} asks every symbol's book top (`fetchOrderBook`) and
 * its recent candles (`fetchOHLCV`), publishes the top when it changed, and each candle once it has
 * closed (a later one is listed, or its end is past) — in order, each once, however often it is polled. The first poll publishes the last
 * `warmupBars` closed candles, so the agents see a price (and warm up) at once.
 *
 * Structural like the venue adapter: the exchange object comes from the caller.
 * @module
 */
import type { Bar, Quote } from "../protocol/mod.ts";

/** The parts of a ccxt exchange the market-data source uses. */
export interface CcxtDataSource {
  fetchOrderBook(
    symbol: string,
    limit?: number,
  ): Promise<
    {
      bids: readonly (readonly (number | undefined)[])[];
      asks: readonly (readonly (number | undefined)[])[];
    }
  >;
  fetchOHLCV(
    symbol: string,
    timeframe?: string,
    since?: number,
    limit?: number,
  ): Promise<readonly (readonly (number | undefined)[])[]>;
}

/** Options of {@linkcode CcxtMarketData}. */
export interface CcxtMarketDataOptions {
  /** Venue name, as it appears in messages. */
  readonly venue: string;
  readonly exchange: CcxtDataSource;
  /** Our symbol → the exchange's. */
  readonly symbols: ReadonlyMap<string, string>;
  /** The candle interval, ms; one of the exchange's timeframes (60,000 = `1m`). Default 60,000. */
  readonly barMs?: number;
  readonly publish: (m: Quote | Bar) => void;
  /** Closed candles published by the first poll. Default 1. */
  readonly warmupBars?: number;
  /** The exchange's time (a candle is closed once its end is past). Default `Date.now`. */
  readonly now?: () => number;
}

const TIMEFRAMES: Record<number, string> = {
  1_000: "1s",
  60_000: "1m",
  180_000: "3m",
  300_000: "5m",
  900_000: "15m",
  1_800_000: "30m",
  3_600_000: "1h",
  14_400_000: "4h",
  86_400_000: "1d",
};

/** See the module documentation. */
export class CcxtMarketData {
  readonly #o: CcxtMarketDataOptions;
  readonly #barMs: number;
  readonly #timeframe: string;
  readonly #now: () => number;
  /** Per symbol: the start of the last candle published, and the last top. */
  readonly #lastBar = new Map<string, number>();
  readonly #lastTop = new Map<string, string>();

  constructor(options: CcxtMarketDataOptions) {
    this.#o = options;
    this.#barMs = options.barMs ?? 60_000;
    const tf = TIMEFRAMES[this.#barMs];
    if (tf === undefined) {
      throw new RangeError(
        `barMs: ${this.#barMs} is not one of the exchange timeframes (${
          Object.keys(TIMEFRAMES).join(", ")
        } ms)`,
      );
    }
    this.#timeframe = tf;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Goes on from a candle published before (a restarted session's last journaled one): later
   * polls publish only the candles after the one starting at `ts`, and no warm-up.
   */
  resumeAfter(symbol: string, ts: number): void {
    this.#lastBar.set(symbol, ts);
  }

  /** One round over every symbol; a symbol whose request fails is asked again next round. */
  async poll(): Promise<{ quotes: number; bars: number; failures: number }> {
    let quotes = 0, bars = 0, failures = 0;
    for (const [ours, theirs] of this.#o.symbols) {
      try {
        if (this.#quote(ours, await this.#o.exchange.fetchOrderBook(theirs, 5))) quotes++;
      } catch {
        failures++;
      }
      try {
        const last = this.#lastBar.get(ours);
        const candles = await this.#o.exchange.fetchOHLCV(
          theirs,
          this.#timeframe,
          last === undefined ? undefined : last + this.#barMs,
          500,
        );
        bars += this.#bars(ours, candles);
      } catch {
        failures++;
      }
    }
    return { quotes, bars, failures };
  }

  #quote(symbol: string, book: Awaited<ReturnType<CcxtDataSource["fetchOrderBook"]>>): boolean {
    const bid = book.bids[0], ask = book.asks[0];
    const q: Quote = {
      kind: "quote",
      v: 1,
      ts: Math.floor(this.#now()),
      stage: "raw",
      venue: this.#o.venue,
      symbol,
      bid: bid?.[0] ?? null,
      bidQty: bid?.[1] ?? 0,
      ask: ask?.[0] ?? null,
      askQty: ask?.[1] ?? 0,
    };
    const key = `${q.bid}/${q.bidQty}/${q.ask}/${q.askQty}`;
    if (this.#lastTop.get(symbol) === key) return false;
    this.#lastTop.set(symbol, key);
    this.#o.publish(q);
    return true;
  }

  #bars(symbol: string, candles: Awaited<ReturnType<CcxtDataSource["fetchOHLCV"]>>): number {
    // Closed: a later candle exists (the last one listed is the one forming), or its end is past
    // by the exchange's clock (a paper venue on a fast clock runs its market ahead of it).
    const now = this.#now();
    const newest = candles.reduce((m, c) => Math.max(m, c[0] ?? -Infinity), -Infinity);
    const last = this.#lastBar.get(symbol);
    let closed = candles
      .filter((c) => c[0] !== undefined && (c[0] < newest || c[0] + this.#barMs <= now))
      .filter((c) => last === undefined || c[0]! > last)
      .sort((a, b) => a[0]! - b[0]!);
    if (last === undefined) {
      closed = closed.slice(Math.max(0, closed.length - (this.#o.warmupBars ?? 1)));
    }
    for (const [ts, open, high, low, close, volume] of closed) {
      this.#o.publish({
        kind: "bar",
        v: 1,
        ts: ts!,
        stage: "raw",
        venue: this.#o.venue,
        symbol,
        intervalMs: this.#barMs,
        open: open!,
        high: high!,
        low: low!,
        close: close!,
        volume: volume ?? 0,
      });
      this.#lastBar.set(symbol, ts!);
    }
    return closed.length;
  }
}
