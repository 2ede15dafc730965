/**
 * The background population: plain objects the simulation wakes on their own schedules (not
 * bus actors; see DESIGN.md). Each owns a venue account and sends orders through the venue like
 * anyone else, with latency; each reads the book and its own position when it wakes.
 *
 * - {@linkcode NoiseTrader}: zero-intelligence flow — passive limit orders at a random distance
 *   behind the best, or market orders; busier when volatility is high.
 * - {@linkcode MarketMaker}: two-sided quotes around the mid, skewed against its inventory
 *   (an Avellaneda–Stoikov-style reservation price), wider when volatility is high.
 * - {@linkcode MomentumTrader}: buys when the mid is above its moving average by a threshold,
 *   sells when below.
 * - {@linkcode ValueTrader}: trades toward its noisy private view of the latent fundamental,
 *   taking liquidity up to its valuation.
 * - {@linkcode Metaorder}: the "large seller" shock — a fixed quantity in equal market orders
 *   over a window (also the probe of price impact).
 * @module
 */
import type { Fundamental } from "./fundamental.ts";
import { OrderKind, Side } from "../book/mod.ts";
import type { Rng } from "../kernel/mod.ts";
import type { SimConfig } from "./sim_config.ts";
import type { Venue } from "../venue/mod.ts";

/** A background agent: acts at wake-up and says how long to sleep (ms; Infinity = done). */
export interface SimAgent {
  readonly account: number;
  wake(now: number): number;
}

/** What agents of one symbol share: its fundamental and the current liquidity factor. */
export interface SymbolState {
  readonly symbol: number;
  readonly fundamental: Fundamental;
  /** 1 normally; below 1 during a liquidity drought. */
  liquidity: number;
  /** The share of their wakes value traders act on: 1, until a regime change lowers it. */
  valueShare: number;
}

type Pop = SimConfig["population"];

/** Reference price: mid, else last trade, else fundamental. */
function reference(venue: Venue, st: SymbolState): number {
  const m = venue.mid(st.symbol);
  return m > 0 ? m : Math.round(st.fundamental.value);
}

/** 1 + a geometric draw with the given mean (≥ 1). */
function size(rng: Rng, mean: number): number {
  if (mean <= 1) return 1;
  const p = 1 / mean;
  return 1 + Math.floor(Math.log(1 - rng.float()) / Math.log(1 - p));
}

/** Zero-intelligence noise trader. */
export class NoiseTrader implements SimAgent {
  readonly account: number;
  #venue: Venue;
  #st: SymbolState;
  #rng: Rng;
  #p: Pop["noise"];
  #open: Float64Array;
  #next = 0;

  constructor(venue: Venue, st: SymbolState, account: number, rng: Rng, p: Pop["noise"]) {
    this.account = account;
    this.#venue = venue;
    this.#st = st;
    this.#rng = rng;
    this.#p = p;
    this.#open = new Float64Array(p.maxOpenOrders);
  }

  wake(): number {
    const rng = this.#rng, p = this.#p, venue = this.#venue, s = this.#st.symbol;
    const side = rng.float() < 0.5 ? Side.Buy : Side.Sell;
    const qty = size(rng, p.meanSize);
    if (rng.float() < p.marketShare) {
      venue.submit(this.account, s, side, OrderKind.Market, 0, qty);
    } else if (rng.float() < this.#st.liquidity) {
      const old = this.#open[this.#next];
      if (old > 0 && venue.isLive(old)) venue.cancel(this.account, s, old);
      const bid = venue.bestBid(s), ask = venue.bestAsk(s);
      const ref = reference(venue, this.#st);
      const offset = Math.floor(rng.exponential(1 / p.offsetTicks));
      const price = side === Side.Buy
        ? (bid > 0 ? bid : Math.floor(ref) - 1) - offset
        : (ask > 0 ? ask : Math.ceil(ref) + 1) + offset;
      if (price >= 1) {
        this.#open[this.#next] = venue.submit(this.account, s, side, OrderKind.Limit, price, qty);
        this.#next = (this.#next + 1) % this.#open.length;
      }
    }
    const activity = Math.pow(this.#st.fundamental.volMultiplier, p.activityElasticity);
    return rng.exponential(activity / p.meanIntervalMs);
  }
}

/** Inventory-aware market maker. */
export class MarketMaker implements SimAgent {
  readonly account: number;
  #venue: Venue;
  #st: SymbolState;
  #p: Pop["makers"];
  #start: number;
  #bidId = 0;
  #askId = 0;
  #rng: Rng;

  constructor(venue: Venue, st: SymbolState, account: number, rng: Rng, p: Pop["makers"]) {
    this.account = account;
    this.#venue = venue;
    this.#st = st;
    this.#p = p;
    this.#rng = rng;
    this.#start = venue.accounts.positionOf(account, st.symbol);
  }

  wake(): number {
    const venue = this.#venue, st = this.#st, p = this.#p, s = st.symbol;
    const inventory = venue.accounts.positionOf(this.account, s) - this.#start;
    const vm = st.fundamental.volMultiplier;
    const half = (p.halfSpreadTicks * Math.max(1, vm)) / st.liquidity;
    const reservation = reference(venue, st) - inventory * p.skewTicksPerLot;
    const qty = Math.max(1, Math.round(p.size * st.liquidity));
    const bid = Math.max(1, Math.floor(reservation - half));
    const ask = Math.max(bid + 1, Math.ceil(reservation + half));
    this.#bidId = this.#quote(this.#bidId, Side.Buy, bid, qty, inventory < p.maxInventory);
    this.#askId = this.#quote(this.#askId, Side.Sell, ask, qty, inventory > -p.maxInventory);
    // A little jitter keeps makers from requoting in lockstep.
    return p.intervalMs * (0.5 + this.#rng.float());
  }

  #quote(id: number, side: Side, price: number, qty: number, wanted: boolean): number {
    const venue = this.#venue, s = this.#st.symbol;
    const live = id > 0 && venue.isLive(id);
    if (!wanted) {
      if (live) venue.cancel(this.account, s, id);
      return 0;
    }
    if (live) {
      venue.replace(this.account, s, id, price, qty);
      return id;
    }
    return venue.submit(this.account, s, side, OrderKind.Limit, price, qty);
  }
}

/** Trend follower on a moving average of the mid. */
export class MomentumTrader implements SimAgent {
  readonly account: number;
  #venue: Venue;
  #st: SymbolState;
  #rng: Rng;
  #p: Pop["momentum"];
  #avg = 0;
  #lastTime = -1;
  #start: number;

  constructor(venue: Venue, st: SymbolState, account: number, rng: Rng, p: Pop["momentum"]) {
    this.account = account;
    this.#venue = venue;
    this.#st = st;
    this.#rng = rng;
    this.#p = p;
    this.#start = venue.accounts.positionOf(account, st.symbol);
  }

  wake(now: number): number {
    const venue = this.#venue, p = this.#p, s = this.#st.symbol;
    const mid = reference(venue, this.#st);
    if (this.#lastTime < 0) {
      this.#avg = mid;
    } else {
      const w = 1 - Math.exp(-(now - this.#lastTime) / p.lookbackMs);
      const signal = Math.log(mid / this.#avg);
      const position = venue.accounts.positionOf(this.account, s) - this.#start;
      if (Math.abs(signal) > p.threshold) {
        let qty = Math.min(p.maxSize, Math.ceil((p.size * Math.abs(signal)) / p.threshold));
        const side = signal > 0 ? Side.Buy : Side.Sell;
        qty = Math.min(qty, p.maxPosition - (side === Side.Buy ? position : -position));
        if (qty > 0) venue.submit(this.account, s, side, OrderKind.Market, 0, qty);
      }
      this.#avg += w * (mid - this.#avg);
    }
    this.#lastTime = now;
    return this.#rng.exponential(1 / p.meanIntervalMs);
  }
}

/**
 * Value trader: holds a position proportional to how far the price is from its private
 * valuation of the fundamental, beyond its own threshold (thresholds differ from trader to
 * trader). The thresholds make the latent supply grow like the square of the mispricing, which
 * is what gives square-root price impact; the position bound keeps its risk finite.
 */
export class ValueTrader implements SimAgent {
  readonly account: number;
  #venue: Venue;
  #st: SymbolState;
  #rng: Rng;
  #p: Pop["value"];
  #threshold: number;
  #start: number;

  constructor(venue: Venue, st: SymbolState, account: number, rng: Rng, p: Pop["value"]) {
    this.account = account;
    this.#venue = venue;
    this.#st = st;
    this.#rng = rng;
    this.#p = p;
    this.#threshold = rng.float() * p.maxThreshold;
    this.#start = venue.accounts.positionOf(account, st.symbol);
  }

  wake(): number {
    const venue = this.#venue, p = this.#p, rng = this.#rng, s = this.#st.symbol;
    // After a regime change value traders may sit out some wakes (no draw while they all act).
    const share = this.#st.valueShare;
    if (share < 1 && rng.float() >= share) return rng.exponential(1 / p.meanIntervalMs);
    const valuation = this.#st.fundamental.value * Math.exp(rng.normal(0, p.valuationSd));
    const mid = venue.mid(s);
    if (mid > 0) {
      const gap = Math.log(valuation / mid);
      const excess = Math.max(0, Math.abs(gap) - this.#threshold);
      const target = Math.sign(gap) *
        Math.min(p.maxPosition, Math.round(p.lotsPerPct * 100 * excess));
      const position = venue.accounts.positionOf(this.account, s) - this.#start;
      const want = target - position;
      const qty = Math.min(p.maxOrder, Math.abs(want));
      if (qty > 0 && want > 0) {
        venue.submit(this.account, s, Side.Buy, OrderKind.Ioc, Math.floor(valuation), qty);
      } else if (qty > 0) {
        const price = Math.max(1, Math.ceil(valuation));
        venue.submit(this.account, s, Side.Sell, OrderKind.Ioc, price, qty);
      }
    }
    return rng.exponential(1 / p.meanIntervalMs);
  }
}

/**
 * A metaorder executed like a TWAP algorithm: `qty` lots over a window in market orders every
 * `childIntervalMs`, each child sized to bring the filled quantity back onto the schedule
 * (what the thin book left unfilled is carried to the next child, at most doubling it). Also
 * the probe of price impact. Whatever is unfilled when the window ends is dropped.
 */
export class Metaorder implements SimAgent {
  readonly account: number;
  /** Lots sent so far (filled or not). */
  sent = 0;
  #venue: Venue;
  #symbol: number;
  #side: Side;
  #qty: number;
  #children: number;
  /** The schedule's lots per child. */
  #slice: number;
  #interval: number;
  #done = 0;
  #start = NaN;

  constructor(
    venue: Venue,
    symbol: number,
    account: number,
    side: Side,
    qty: number,
    durationMs: number,
    childIntervalMs: number,
  ) {
    this.account = account;
    this.#venue = venue;
    this.#symbol = symbol;
    this.#side = side;
    this.#qty = qty;
    this.#children = Math.max(1, Math.floor(durationMs / childIntervalMs));
    this.#slice = Math.ceil(qty / this.#children);
    this.#interval = childIntervalMs;
  }

  /** Lots filled so far. */
  get filled(): number {
    if (Number.isNaN(this.#start)) return 0;
    return Math.abs(this.#venue.accounts.positionOf(this.account, this.#symbol) - this.#start);
  }

  wake(): number {
    if (Number.isNaN(this.#start)) {
      this.#start = this.#venue.accounts.positionOf(this.account, this.#symbol);
    }
    if (this.#done >= this.#children) return Infinity;
    this.#done++;
    const due = Math.min(this.#qty, Math.ceil((this.#qty * this.#done) / this.#children));
    const child = Math.min(due - this.filled, 2 * this.#slice);
    if (child > 0) {
      this.#venue.submit(this.account, this.#symbol, this.#side, OrderKind.Market, 0, child);
      this.sent += child;
    }
    return this.#done >= this.#children ? Infinity : this.#interval;
  }
}
