/**
 * {@linkcode CcxtMarketData}: a ccxt exchange's market data as raw `quote` and `bar` messages
 * (stage `raw`, as a venue publishes them; the market-data actor cleans them as in sim). The book
 * top is published when it changes, and each candle once it has closed — in order, each once,
 * whichever way it came. The first poll publishes the last `warmupBars` closed candles, so the
 * agents see a price (and warm up) at once.
 *
 * **REST polling.** Each {@linkcode CcxtMarketData.poll} asks every symbol's book top
 * (`fetchOrderBook`) and its recent candles (`fetchOHLCV`); a candle is closed when a later one is
 * listed, or its end is past.
 *
 * **Streams** (`streams: true`, where the exchange has ccxt.pro's `watchOrderBook` and
 * `watchOHLCV`): {@linkcode CcxtMarketData.start} watches every symbol's book and candles. A top
 * is published as the book moves. A candle is published as soon as the next one appears in the
 * stream — if it is the one after the last published; a gap (a candle the stream missed) is
 * filled from REST at once. Polls then ask REST only what the streams do not cover: the book of
 * a symbol whose book stream is down or silent, and candles that ended without a later one
 * streamed (a quiet bar, or a stream down). A stream that fails (a dropped WebSocket, an
 * exchange error) is watched again after a pause — 250 ms doubling to `maxBackoffMs`, and the
 * gate's pause after a 429 — while REST covers it.
 *
 * Structural like the venue adapter: the exchange object comes from the caller.
 * @module
 */
import type { Bar, Quote } from "../protocol/mod.ts";
import { isRateLimited } from "./ccxt_backoff.ts";

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

type Book = Awaited<ReturnType<CcxtDataSource["fetchOrderBook"]>>;
type Candles = Awaited<ReturnType<CcxtDataSource["fetchOHLCV"]>>;

/** The parts of a ccxt.pro exchange the streams use. */
export interface CcxtStreamSource {
  /** ccxt's capabilities: `watchOrderBook` and `watchOHLCV` must be there. */
  readonly has?: Readonly<Record<string, unknown>>;
  watchOrderBook?(symbol: string, limit?: number): Promise<Book>;
  /** The candles updated since the last call (ccxt's `newUpdates`). */
  watchOHLCV?(symbol: string, timeframe?: string): Promise<Candles>;
  /** Closes the client's WebSockets. */
  close?(): Promise<unknown>;
}

/** A pause shared with the REST requests ({@linkcode RateGate}). */
export interface StreamGate {
  pass(): Promise<void>;
  limited(retryAfterMs?: number): void;
}

/** Options of {@linkcode CcxtMarketData}. */
export interface CcxtMarketDataOptions {
  /** Venue name, as it appears in messages. */
  readonly venue: string;
  readonly exchange: CcxtDataSource & CcxtStreamSource;
  /** Our symbol → the exchange's. */
  readonly symbols: ReadonlyMap<string, string>;
  /** The candle interval, ms; one of the exchange's timeframes (60,000 = `1m`). Default 60,000. */
  readonly barMs?: number;
  readonly publish: (m: Quote | Bar) => void;
  /** Closed candles published by the first poll. Default 1. */
  readonly warmupBars?: number;
  /** The exchange's time (a candle is closed once its end is past). Default `Date.now`. */
  readonly now?: () => number;
  /** Watch streams where the exchange has them ({@linkcode CcxtMarketData.start}). Default false. */
  readonly streams?: boolean;
  /** Waited before a stream is watched again; told of 429s. */
  readonly gate?: StreamGate;
  /** The longest pause before a failed stream is watched again, wall ms. Default 10,000. */
  readonly maxBackoffMs?: number;
  /** A book stream without an update this long is also polled, wall ms. Default 5,000. */
  readonly staleMs?: number;
}

/** What the streams did. */
export interface StreamStats {
  /** Streams watched, and those answering now. */
  readonly watched: number;
  readonly live: number;
  /** Tops and candles published from streams. */
  readonly quotes: number;
  readonly bars: number;
  /** Stream failures (a dropped WebSocket, an error), and gaps filled from REST. */
  readonly failures: number;
  readonly gaps: number;
}

/** One symbol's streams. */
interface SymbolStreams {
  /** Wall time of the book stream's last update; 0 while it is down. */
  bookAt: number;
  candlesLive: boolean;
  /** The newest candle streamed (still forming). */
  held: number[] | undefined;
  filling: boolean;
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
  /** Per symbol: the start of the last candle published (or skipped at warm-up), the last top. */
  readonly #lastBar = new Map<string, number>();
  readonly #lastTop = new Map<string, string>();
  readonly #streams = new Map<string, SymbolStreams>();
  #loops: Promise<void>[] = [];
  #stopped = false;
  #stats = { quotes: 0, bars: 0, failures: 0, gaps: 0 };

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

  /** Whether the exchange has the streams this source watches. */
  get streaming(): boolean {
    const has = this.#o.exchange.has;
    return this.#o.streams === true && Boolean(has?.["watchOrderBook"]) &&
      Boolean(has?.["watchOHLCV"]) && typeof this.#o.exchange.watchOrderBook === "function" &&
      typeof this.#o.exchange.watchOHLCV === "function";
  }

  /** What the streams did so far. */
  get streamStats(): StreamStats {
    let live = 0;
    for (const s of this.#streams.values()) {
      live += (this.#fresh(s) ? 1 : 0) + (s.candlesLive ? 1 : 0);
    }
    return { watched: this.#streams.size * 2, live, ...this.#stats };
  }

  /** Per symbol, the start of the last candle published (the market data's progress). */
  get lastBars(): Record<string, number> {
    return Object.fromEntries(this.#lastBar);
  }

  /**
   * Goes on from a candle published before (a restarted session's last journaled one): later
   * polls publish only the candles after the one starting at `ts`, and no warm-up.
   */
  resumeAfter(symbol: string, ts: number): void {
    this.#lastBar.set(symbol, ts);
  }

  /**
   * Starts watching every symbol's streams, when {@linkcode streaming}; idempotent. Best after the
   * first poll (the warm-up): streamed candles are published only after a polled one.
   */
  start(): void {
    if (!this.streaming || this.#streams.size > 0 || this.#stopped) return;
    for (const [ours, theirs] of this.#o.symbols) {
      this.#streams.set(ours, { bookAt: 0, candlesLive: false, held: undefined, filling: false });
      this.#loops.push(this.#watch(ours, theirs, "book"), this.#watch(ours, theirs, "candles"));
    }
  }

  /** Stops the streams (the client's WebSockets closed) and waits for their loops to end. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#streams.size > 0) await this.#o.exchange.close?.().catch(() => {});
    await Promise.all(this.#loops);
  }

  /**
   * One round over every symbol — REST for what the streams do not cover (everything, without
   * them); a symbol whose request fails is asked again next round.
   */
  async poll(): Promise<{ quotes: number; bars: number; failures: number }> {
    let quotes = 0, bars = 0, failures = 0;
    for (const [ours, theirs] of this.#o.symbols) {
      const s = this.#streams.get(ours);
      if (!(s !== undefined && this.#fresh(s))) {
        try {
          if (this.#quote(ours, await this.#o.exchange.fetchOrderBook(theirs, 5))) quotes++;
        } catch {
          failures++;
        }
      }
      const last = this.#lastBar.get(ours);
      const due = last === undefined || last + 2 * this.#barMs <= this.#now();
      if (s !== undefined && s.candlesLive && !due) continue;
      try {
        bars += await this.#restBars(ours, theirs);
      } catch {
        failures++;
      }
    }
    return { quotes, bars, failures };
  }

  /** Whether a symbol's book stream is up and has spoken lately. */
  #fresh(s: SymbolStreams): boolean {
    return s.bookAt > 0 && performance.now() - s.bookAt < (this.#o.staleMs ?? 5_000);
  }

  /** The closed candles after the last published, from REST. */
  async #restBars(ours: string, theirs: string): Promise<number> {
    const last = this.#lastBar.get(ours);
    const candles = await this.#o.exchange.fetchOHLCV(
      theirs,
      this.#timeframe,
      last === undefined ? undefined : last + this.#barMs,
      500,
    );
    return this.#bars(ours, candles);
  }

  /** Watches one stream until stopped; see the module documentation. */
  async #watch(ours: string, theirs: string, kind: "book" | "candles"): Promise<void> {
    const s = this.#streams.get(ours)!;
    const ex = this.#o.exchange;
    let failed = 0;
    while (!this.#stopped) {
      try {
        await this.#o.gate?.pass();
        if (kind === "book") {
          const book = await ex.watchOrderBook!(theirs);
          if (this.#stopped) return;
          s.bookAt = performance.now();
          if (this.#quote(ours, book)) this.#stats.quotes++;
        } else {
          const candles = await ex.watchOHLCV!(theirs, this.#timeframe);
          if (this.#stopped) return;
          s.candlesLive = true;
          this.#streamed(ours, theirs, s, candles);
        }
        failed = 0;
      } catch (error) {
        if (this.#stopped) return;
        if (kind === "book") s.bookAt = 0;
        else {
          s.candlesLive = false;
          s.held = undefined; // what the stream missed while down is REST's
        }
        this.#stats.failures++;
        if (isRateLimited(error)) this.#o.gate?.limited();
        const pause = Math.min(this.#o.maxBackoffMs ?? 10_000, 250 * 2 ** Math.min(failed++, 16));
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** Streamed candles: the one held is closed once a later one appears. */
  #streamed(ours: string, theirs: string, s: SymbolStreams, candles: Candles): void {
    const sorted = candles.filter((c) => c[0] !== undefined).sort((a, b) => a[0]! - b[0]!);
    for (const c of sorted) {
      const held = s.held;
      if (held !== undefined && c[0]! < held[0]) continue;
      if (held !== undefined && c[0]! > held[0]) {
        const last = this.#lastBar.get(ours);
        if (last !== undefined && held[0] === last + this.#barMs) {
          this.#publishBar(ours, held);
          this.#stats.bars++;
        } else if (last !== undefined && held[0] > last + this.#barMs && !s.filling) {
          // Candles missed: REST fills them (the held one with them), in order.
          this.#stats.gaps++;
          s.filling = true;
          this.#restBars(ours, theirs).catch(() => {}).finally(() => s.filling = false);
        }
      }
      s.held = c.map((x) => x ?? 0);
    }
  }

  #quote(symbol: string, book: Book): boolean {
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

  #bars(symbol: string, candles: Candles): number {
    // Closed: a later candle exists (the last one listed is the one forming), or its end is past
    // by the exchange's clock (a paper venue on a fast clock runs its market ahead of it).
    const now = this.#now();
    const newest = candles.reduce((m, c) => Math.max(m, c[0] ?? -Infinity), -Infinity);
    const closed = candles
      .filter((c) => c[0] !== undefined && (c[0] < newest || c[0] + this.#barMs <= now))
      .sort((a, b) => a[0]! - b[0]!);
    if (closed.length === 0) return 0;
    if (!this.#lastBar.has(symbol)) {
      // The warm-up: the last `warmupBars` closed candles; those before are skipped.
      const skip = closed.length - (this.#o.warmupBars ?? 1);
      this.#lastBar.set(symbol, skip > 0 ? closed[skip - 1][0]! : closed[0][0]! - this.#barMs);
    }
    let n = 0;
    for (const c of closed) {
      // Each once, in order, whichever way it came (a late REST answer, a stream).
      if (c[0]! <= this.#lastBar.get(symbol)!) continue;
      this.#publishBar(symbol, c);
      n++;
    }
    return n;
  }

  #publishBar(symbol: string, candle: readonly (number | undefined)[]): void {
    const [ts, open, high, low, close, volume] = candle;
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
}
