/**
 * Market-data cleaning: one {@linkcode MarketDataCleaner} decides, for every symbol, which raw
 * quotes, bars and trades are clean enough to republish, and raises alerts for gaps, stale feeds
 * and price spikes.
 *
 * State is kept per symbol and per stream (quotes, bars of each interval, trades), so a late bar
 * never rejects a trade. Pure: timestamps come from the data, and {@linkcode
 * MarketDataCleaner.checkStale} is given `now` on the same clock.
 *
 * @example
 * ```ts
 * import { type MdAlert, MarketDataCleaner } from "./md_clean.ts";
 * const cleaner = new MarketDataCleaner();
 * const alerts: MdAlert[] = [];
 * const trade = (ts: number, price: number) =>
 *   cleaner.trade({ ts, symbol: "BTC-USD", tradeId: String(ts), price, qty: 1 }, alerts);
 * trade(1, 100);
 * if (trade(2, 1).ok) throw new Error("a lone bad print must be rejected");
 * if (!trade(3, 101).ok) throw new Error("a normal print is accepted");
 * ```
 * Over 400 lines: per-symbol cleaning of quotes, bars and trades and the gap, staleness and spike alerts share one state per symbol; each rule is short.
 * @module
 */

/** Tuning of the cleaner; every field has a default. */
export interface CleanerOptions {
  /**
   * A price more than this % from the reference is a spike. Default 10. It applies to moves
   * over one minute: for bars longer than that it is scaled by √(interval / 1 minute), as
   * volatility grows with the square root of time (10 % is 379 % for daily bars).
   */
  readonly spikePct: number;
  /** Consecutive mutually-close far prints needed to accept a new level. Default 2. */
  readonly spikeConfirmations: number;
  /** A symbol with nothing accepted for this long is stale. Default 30,000 ms. */
  readonly staleMs: number;
  /** A bar more than this many intervals after the previous one raises a gap. Default 2.5. */
  readonly gapFactor: number;
  /**
   * The market's trading calendar for gaps: `continuous` (every hour of every day, as the
   * simulator and crypto trade) or `weekdays` (Saturdays and Sundays, UTC, are not trading time,
   * so a weekend between two daily bars is no gap). Default `continuous`.
   */
  readonly calendar: "continuous" | "weekdays";
}

/** The defaults used for options left out. */
export const DEFAULT_CLEANER_OPTIONS: CleanerOptions = Object.freeze({
  spikePct: 10,
  spikeConfirmations: 2,
  staleMs: 30_000,
  gapFactor: 2.5,
  calendar: "continuous",
});

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Trading time from `from` to `to` (ms) on a calendar: all of it when `continuous`; without
 * Saturdays and Sundays (UTC) when `weekdays`. O(1).
 */
export function tradingMs(from: number, to: number, calendar: CleanerOptions["calendar"]): number {
  if (calendar === "continuous") return to - from;
  return weekdayMsSinceEpoch(to) - weekdayMsSinceEpoch(from);
}

/** Weekday time since a Monday before the epoch: whole weeks count five days. */
function weekdayMsSinceEpoch(t: number): number {
  const days = Math.floor(t / DAY_MS);
  const d = days + 3; // 1970-01-01 was a Thursday: d % 7 is 0 on Mondays
  const week = Math.floor(d / 7);
  const dow = d - week * 7;
  const into = t - days * DAY_MS;
  return (week * 5 + Math.min(dow, 5)) * DAY_MS + (dow < 5 ? into : 0);
}

/** Thrown by the {@linkcode MarketDataCleaner} constructor; the message names the bad option. */
export class CleanerOptionsError extends RangeError {
  override name = "CleanerOptionsError";
}

/** Why a record was rejected. */
export type RejectReason = "out_of_order" | "duplicate" | "spike" | "crossed" | "invalid";

/** The decision on one record. */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: RejectReason };

/** An alert raised while cleaning, for the market-data actor to publish. */
export interface MdAlert {
  readonly code: "gap" | "stale" | "resumed" | "spike";
  readonly symbol: string;
  readonly severity: "info" | "warning";
  readonly message: string;
}

/** A raw top-of-book quote; a null side means that side of the book is empty. */
export interface QuoteInput {
  readonly ts: number;
  readonly symbol: string;
  readonly bid: number | null;
  readonly ask: number | null;
  readonly bidQty: number;
  readonly askQty: number;
}

/** A raw bar; `ts` is its open time. */
export interface BarInput {
  readonly ts: number;
  readonly symbol: string;
  readonly intervalMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** A raw trade print. */
export interface TradeInput {
  readonly ts: number;
  readonly symbol: string;
  readonly tradeId: string;
  readonly price: number;
  readonly qty: number;
}

/** Running totals of decisions, all symbols. */
export type CleanerCounts = Record<"accepted" | RejectReason, number>;

// Verdicts are shared constants so the hot path allocates nothing per record.
const OK: Verdict = Object.freeze({ ok: true });
const REJECT: Readonly<Record<RejectReason, Verdict>> = Object.freeze({
  out_of_order: Object.freeze({ ok: false, reason: "out_of_order" }),
  duplicate: Object.freeze({ ok: false, reason: "duplicate" }),
  spike: Object.freeze({ ok: false, reason: "spike" }),
  crossed: Object.freeze({ ok: false, reason: "crossed" }),
  invalid: Object.freeze({ ok: false, reason: "invalid" }),
});

/** Trade ids remembered per symbol for duplicate detection. */
const TRADE_ID_MEMORY = 1_024;

/**
 * The reference price of one stream plus the run of consecutive far prints that may confirm a
 * new level.
 */
class SpikeFilter {
  ref = 0; // 0 = no reference yet
  runLength = 0;
  runMin = 0;
  runMax = 0;
}

class BarStream {
  lastTs = -Infinity; // last accepted
  seenTs = -Infinity; // last accepted or rejected as a spike
  readonly spike = new SpikeFilter();
}

class SymbolState {
  lastAcceptedTs = -Infinity;
  stale = false;

  quoteTs = -Infinity;
  hasSeenQuote = false;
  seenTs = 0;
  seenBid: number | null = null;
  seenAsk: number | null = null;
  seenBidQty = 0;
  seenAskQty = 0;
  readonly quoteSpike = new SpikeFilter();

  readonly bars = new Map<number, BarStream>();

  tradeTs = -Infinity;
  readonly tradeIds = new Set<string>();
  readonly tradeIdRing: string[] = [];
  tradeIdHead = 0;
  readonly tradeSpike = new SpikeFilter();

  constructor(readonly symbol: string) {}
}

/**
 * Cleans market data for all symbols. Checks, in order: `invalid` (non-finite or non-positive
 * prices, negative sizes, a bar whose high/low do not bound it), `out_of_order` (earlier than the
 * stream's last accepted ts), `duplicate`, `crossed` (bid >= ask), `spike`.
 *
 * A price (quote mid, bar close, trade price) more than `spikePct` % from the stream's reference
 * (its last accepted price) is rejected, unless it completes a run of `spikeConfirmations`
 * consecutive far prints all within `spikePct` of each other: then it is accepted as the new
 * level. A print near the reference breaks the run, so an isolated bad print never gets through.
 */
export class MarketDataCleaner {
  /** The options in force, defaults filled in. */
  readonly options: CleanerOptions;
  private readonly _symbols = new Map<string, SymbolState>();
  private readonly _counts: CleanerCounts = {
    accepted: 0,
    out_of_order: 0,
    duplicate: 0,
    spike: 0,
    crossed: 0,
    invalid: 0,
  };

  /** Throws {@linkcode CleanerOptionsError} for an option out of range. */
  constructor(options: Partial<CleanerOptions> = {}) {
    const o = { ...DEFAULT_CLEANER_OPTIONS, ...options };
    requireOption("spikePct", o.spikePct, o.spikePct > 0, "a finite number > 0");
    requireOption(
      "spikeConfirmations",
      o.spikeConfirmations,
      Number.isInteger(o.spikeConfirmations) && o.spikeConfirmations >= 1,
      "an integer >= 1",
    );
    requireOption("staleMs", o.staleMs, o.staleMs > 0, "a finite number > 0");
    requireOption("gapFactor", o.gapFactor, o.gapFactor >= 1, "a finite number >= 1");
    if (o.calendar !== "continuous" && o.calendar !== "weekdays") {
      throw new CleanerOptionsError(
        `calendar: expected "continuous" or "weekdays", got ${JSON.stringify(o.calendar)}`,
      );
    }
    this.options = Object.freeze(o);
  }

  /** A snapshot of the decision totals. */
  get counts(): Readonly<CleanerCounts> {
    return { ...this._counts };
  }

  /** Decides on a quote; alerts raised by it are pushed to `alerts`. */
  quote(q: QuoteInput, alerts: MdAlert[]): Verdict {
    const { bid, ask } = q;
    if (
      !validTs(q.ts) || !validSymbol(q.symbol) || !validSize(q.bidQty) || !validSize(q.askQty) ||
      (bid !== null && !validPrice(bid)) || (ask !== null && !validPrice(ask))
    ) {
      return this.#reject("invalid");
    }
    const s = this.#state(q.symbol);
    if (q.ts < s.quoteTs) return this.#reject("out_of_order");
    if (
      s.hasSeenQuote && q.ts === s.seenTs && bid === s.seenBid && ask === s.seenAsk &&
      q.bidQty === s.seenBidQty && q.askQty === s.seenAskQty
    ) {
      return this.#reject("duplicate");
    }
    if (bid !== null && ask !== null && bid >= ask) return this.#reject("crossed");
    s.hasSeenQuote = true;
    s.seenTs = q.ts;
    s.seenBid = bid;
    s.seenAsk = ask;
    s.seenBidQty = q.bidQty;
    s.seenAskQty = q.askQty;
    // A one-sided quote has no mid: it is accepted but neither checked nor used as a reference.
    if (
      bid !== null && ask !== null &&
      !this.#passesSpike(s.quoteSpike, (bid + ask) / 2, s, "quote mid", alerts)
    ) {
      return this.#reject("spike");
    }
    s.quoteTs = q.ts;
    return this.#accept(s, q.ts, alerts);
  }

  /** Decides on a bar; a bar after a gap is accepted with a `gap` alert. */
  bar(b: BarInput, alerts: MdAlert[]): Verdict {
    const { open, high, low, close } = b;
    if (
      !validTs(b.ts) || !validSymbol(b.symbol) ||
      !(Number.isFinite(b.intervalMs) && b.intervalMs > 0) ||
      !validPrice(open) || !validPrice(high) || !validPrice(low) || !validPrice(close) ||
      !validSize(b.volume) || high < Math.max(open, close, low) || low > Math.min(open, close)
    ) {
      return this.#reject("invalid");
    }
    const s = this.#state(b.symbol);
    let stream = s.bars.get(b.intervalMs);
    if (stream === undefined) s.bars.set(b.intervalMs, stream = new BarStream());
    if (b.ts < stream.lastTs) return this.#reject("out_of_order");
    if (b.ts === stream.lastTs || b.ts === stream.seenTs) return this.#reject("duplicate");
    stream.seenTs = b.ts;
    const scale = Math.max(1, Math.sqrt(b.intervalMs / MINUTE_MS));
    if (
      !this.#passesSpike(stream.spike, close, s, `bar ${b.intervalMs} ms close`, alerts, scale)
    ) {
      return this.#reject("spike");
    }
    const prev = stream.lastTs;
    stream.lastTs = b.ts;
    const elapsed = prev === -Infinity ? 0 : tradingMs(prev, b.ts, this.options.calendar);
    if (elapsed > this.options.gapFactor * b.intervalMs) {
      const missing = Math.round(elapsed / b.intervalMs) - 1;
      alerts.push({
        code: "gap",
        symbol: s.symbol,
        severity: "warning",
        message: `${s.symbol} bars ${b.intervalMs} ms: ${missing} missing from ${
          iso(prev + b.intervalMs)
        } to ${iso(b.ts)} (${b.ts - prev} ms since the previous bar)`,
      });
    }
    return this.#accept(s, b.ts, alerts);
  }

  /** Decides on a trade; a trade id seen among the symbol's last 1,024 is a duplicate. */
  trade(t: TradeInput, alerts: MdAlert[]): Verdict {
    if (
      !validTs(t.ts) || !validSymbol(t.symbol) || typeof t.tradeId !== "string" ||
      t.tradeId.length === 0 || !validPrice(t.price) || !(Number.isFinite(t.qty) && t.qty > 0)
    ) {
      return this.#reject("invalid");
    }
    const s = this.#state(t.symbol);
    if (s.tradeIds.has(t.tradeId)) return this.#reject("duplicate");
    // Remembered even when rejected below, so a resent bad print cannot confirm its own spike.
    this.#rememberTradeId(s, t.tradeId);
    if (t.ts < s.tradeTs) return this.#reject("out_of_order");
    if (!this.#passesSpike(s.tradeSpike, t.price, s, "trade", alerts)) return this.#reject("spike");
    s.tradeTs = t.ts;
    return this.#accept(s, t.ts, alerts);
  }

  /**
   * Called on a timer with `now` on the data's clock: a `stale` warning, once per silence, for
   * each symbol with nothing accepted for `staleMs`. The next accepted record raises `resumed`.
   */
  checkStale(now: number, alerts: MdAlert[]): void {
    const staleMs = this.options.staleMs;
    for (const s of this._symbols.values()) {
      if (s.stale || s.lastAcceptedTs === -Infinity) continue;
      const silent = now - s.lastAcceptedTs;
      if (silent >= staleMs) {
        s.stale = true;
        alerts.push({
          code: "stale",
          symbol: s.symbol,
          severity: "warning",
          message: `${s.symbol}: nothing accepted for ${silent} ms (stale after ${staleMs} ms)`,
        });
      }
    }
  }

  #state(symbol: string): SymbolState {
    let s = this._symbols.get(symbol);
    if (s === undefined) this._symbols.set(symbol, s = new SymbolState(symbol));
    return s;
  }

  #reject(reason: RejectReason): Verdict {
    this._counts[reason]++;
    return REJECT[reason];
  }

  #accept(s: SymbolState, ts: number, alerts: MdAlert[]): Verdict {
    this._counts.accepted++;
    if (s.stale) {
      s.stale = false;
      alerts.push({
        code: "resumed",
        symbol: s.symbol,
        severity: "info",
        message: `${s.symbol}: data resumed after ${ts - s.lastAcceptedTs} ms`,
      });
    }
    if (ts > s.lastAcceptedTs) s.lastAcceptedTs = ts;
    return OK;
  }

  #rememberTradeId(s: SymbolState, id: string): void {
    const ring = s.tradeIdRing;
    if (ring.length < TRADE_ID_MEMORY) {
      ring.push(id);
    } else {
      s.tradeIds.delete(ring[s.tradeIdHead]);
      ring[s.tradeIdHead] = id;
      s.tradeIdHead = (s.tradeIdHead + 1) % TRADE_ID_MEMORY;
    }
    s.tradeIds.add(id);
  }

  /**
   * True if `price` may be accepted (and then it is the new reference); false if it is a spike,
   * after pushing a warning. Must be the last check, since passing commits the reference.
   */
  #passesSpike(
    f: SpikeFilter,
    price: number,
    s: SymbolState,
    what: string,
    alerts: MdAlert[],
    scale = 1,
  ): boolean {
    const { spikeConfirmations } = this.options;
    const spikePct = this.options.spikePct * scale;
    const ref = f.ref;
    if (ref === 0) {
      f.ref = price;
      return true;
    }
    const awayPct = Math.abs(price - ref) / ref * 100;
    if (awayPct <= spikePct) {
      f.ref = price;
      f.runLength = 0;
      return true;
    }
    const lo = Math.min(f.runMin, price);
    const hi = Math.max(f.runMax, price);
    if (f.runLength > 0 && (hi - lo) / lo * 100 <= spikePct) {
      f.runLength++;
      f.runMin = lo;
      f.runMax = hi;
    } else {
      f.runLength = 1;
      f.runMin = f.runMax = price;
    }
    if (f.runLength >= spikeConfirmations) {
      alerts.push({
        code: "spike",
        symbol: s.symbol,
        severity: "info",
        message: `${s.symbol} ${what}: new level ${price} (${
          awayPct.toFixed(2)
        }% from ${ref}) confirmed by ${f.runLength} consecutive prints`,
      });
      f.ref = price;
      f.runLength = 0;
      return true;
    }
    alerts.push({
      code: "spike",
      symbol: s.symbol,
      severity: "warning",
      message: `${s.symbol} ${what}: ${price} is ${awayPct.toFixed(2)}% from ${ref} > ${
        Number(spikePct.toFixed(2))
      }%, rejected (${f.runLength}/${spikeConfirmations} to confirm)`,
    });
    return false;
  }
}

function requireOption(name: string, value: number, ok: boolean, expected: string): void {
  if (!(ok && Number.isFinite(value))) {
    throw new CleanerOptionsError(`${name}: expected ${expected}, got ${value}`);
  }
}

function validTs(ts: number): boolean {
  return Number.isFinite(ts);
}

function validSymbol(symbol: string): boolean {
  return typeof symbol === "string" && symbol.length > 0;
}

function validPrice(p: number): boolean {
  return Number.isFinite(p) && p > 0;
}

function validSize(q: number): boolean {
  return Number.isFinite(q) && q >= 0;
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
