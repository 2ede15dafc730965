/**
 * The replay venue: recorded OHLCV bars played back as a venue with the same trading surface
 * as the simulated one ({@linkcode TradingVenue}): accounts with cash and positions, market,
 * limit and stop orders, cancels and replaces, order updates to the account's listener and
 * bars to every feed. How orders fill is in fill_rules.ts, in one table.
 *
 * Time moves a bar at a time ({@linkcode ReplayVenue.step}): the venue first tells listeners
 * what happened to the commands sent since the last bar (accepted, rejected, cancelled,
 * replaced), then fills the pending orders against the new bar, in the order they were sent,
 * then publishes the bar to the feeds. An order sent while bar *t* is published (or between
 * steps) takes part from bar *t + 1*, so a market order fills at the next bar's open.
 *
 * Prices are integer ticks of the symbol's tick size (inferred from the data's decimals when
 * not given); cash is in notional units (tick × lot), as in the simulated venue.
 *
 * @example
 * ```ts
 * import { parseBars } from "./data_reader.ts";
 * import { prepareReplay, ReplayVenue } from "./replay_venue.ts";
 * import { OrderKind, Side } from "../book/mod.ts";
 * const { bars } = parseBars("date,open,high,low,close,volume\n" +
 *   "2024-01-01,10.00,10.50,9.90,10.20,100\n2024-01-02,10.30,10.40,10.10,10.35,80\n");
 * const venue = new ReplayVenue({ symbols: [prepareReplay({ name: "X", bars })] });
 * const me = venue.openAccount({ cash: 100_000 });
 * venue.step(); // bar 1 closes at 10.20
 * venue.submit(me, 0, Side.Buy, OrderKind.Market, 0, 10);
 * venue.step(); // bar 2 opens at 10.30: the market order fills there
 * if (venue.accounts.positionOf(me, 0) !== 10) throw new Error("unreachable");
 * if (venue.accounts.cash[me] !== 100_000 - 1030 * 10) throw new Error("unreachable");
 * ```
 * Over 400 lines: the replay venue implements the whole TradingVenue surface (accounts, market, limit and stop orders, cancels, replaces, fills against bars, market data); the fill prices themselves are in fill_rules.ts.
 * @module
 */
import {
  type AccountOptions,
  Accounts,
  type AccountView,
  type BarEvent,
  buyHold,
  type MarketEvent,
  type OrderUpdate,
  type TradingVenue,
  type VenueStats,
} from "../venue/mod.ts";
import { OrderKind, Side } from "../book/mod.ts";
import type { BarSeries } from "./data_reader.ts";
import { commissionOf, type FillCosts, fillPrice } from "./fill_rules.ts";

/**
 * A recorded symbol: its bars with prices in ticks (volume as recorded), ready to replay. Build
 * with {@linkcode prepareReplay}.
 */
export interface ReplayData extends BarSeries {
  readonly name: string;
  readonly tickSize: number;
  /** Typical bar length (median spacing of the bar times), ms. */
  readonly barMs: number;
}

/** A symbol to prepare: its bars in decimal prices, and optionally its tick size. */
export interface ReplaySymbolSpec {
  readonly name: string;
  readonly bars: BarSeries;
  /** Default: the finest decimal step found in the prices (at most 10 decimals). */
  readonly tickSize?: number;
  /**
   * The caller hands `bars` over: their prices are turned into ticks in place rather than
   * copied (a series of a million bars is 32 MB of prices). Default false.
   */
  readonly inPlace?: boolean;
}

/** Replay venue settings. */
export interface ReplayOptions {
  readonly symbols: readonly ReplayData[];
  /** Commission, a fraction of each fill's notional. Default 0. */
  readonly commission?: number;
  /** Full bid-ask spread, a fraction of the price. Default 0. */
  readonly spread?: number;
  /** Adverse move on market and stop fills, a fraction of the price. Default 0. */
  readonly slippage?: number;
  /** Replay bars starting at or after this time (ms). Default: the first bar. */
  readonly start?: number;
  /** Replay bars starting before this time (ms). Default: through the last bar. */
  readonly end?: number;
  /**
   * Cash (or margin) held for a market order sized in lots: the last close times (1 + this).
   * Default 0.25. Orders sized at their fill ({@linkcode ReplayVenue.submitTarget}) hold nothing.
   */
  readonly marketHoldBand?: number;
}

/** Thrown for replay settings or data that are not usable; the message names the field. */
export class ReplayError extends RangeError {
  override name = "ReplayError";
}

/** The finest decimal step of the prices in `bars` (10^-d for the most decimals d seen, d ≤ 10). */
export function inferTickSize(bars: BarSeries): number {
  let d = 0;
  const cols = [bars.open, bars.high, bars.low, bars.close];
  for (const col of cols) {
    for (let i = 0; i < bars.length; i++) {
      const x = col[i];
      while (
        d < 10 && Math.abs(x * 10 ** d - Math.round(x * 10 ** d)) > 1e-7 * Math.max(1, x * 10 ** d)
      ) {
        d++;
      }
    }
  }
  return Number((10 ** -d).toFixed(d));
}

/** Converts bars to ticks; prices that are not whole ticks of `tickSize` are an error. */
export function prepareReplay(spec: ReplaySymbolSpec): ReplayData {
  const { bars, name } = spec;
  if (bars.length === 0) throw new ReplayError(`symbols.${name}.bars: expected at least one bar`);
  const tick = spec.tickSize ?? inferTickSize(bars);
  if (!(tick > 0) || !Number.isFinite(tick)) {
    throw new ReplayError(`symbols.${name}.tickSize: expected a size > 0, got ${tick}`);
  }
  const toTicks = (col: Float64Array, field: string): Float64Array => {
    const out = spec.inPlace === true ? col : new Float64Array(bars.length);
    for (let i = 0; i < bars.length; i++) {
      const t = col[i] / tick;
      const r = Math.round(t);
      if (Math.abs(t - r) > 1e-6 * Math.max(1, t)) {
        throw new ReplayError(
          `symbols.${name}: ${field} ${col[i]} of bar ${i} is not a whole tick of ${tick}`,
        );
      }
      out[i] = r;
    }
    return out;
  };
  const gaps = new Float64Array(Math.max(0, bars.length - 1));
  for (let i = 1; i < bars.length; i++) gaps[i - 1] = bars.time[i] - bars.time[i - 1];
  gaps.sort();
  return {
    name,
    tickSize: tick,
    barMs: gaps.length > 0 ? gaps[gaps.length >> 1] : 60_000,
    length: bars.length,
    time: bars.time,
    open: toTicks(bars.open, "open"),
    high: toTicks(bars.high, "high"),
    low: toTicks(bars.low, "low"),
    close: toTicks(bars.close, "close"),
    volume: bars.volume,
  };
}

interface Pending {
  id: number;
  account: number;
  symbol: number;
  side: Side;
  kind: OrderKind;
  price: number;
  qty: number;
  /** Cash (buys) or lots (sells) held back for it. */
  held: number;
  /** The step count when it was sent; it takes part from the next step. */
  sentStep: number;
  /** Sized at the fill: the fraction of equity the position becomes (NaN: sized in lots). */
  target: number;
}

const SUPPORTED: readonly number[] = [OrderKind.Market, OrderKind.Limit, OrderKind.Stop];

/** The replay venue; see the module documentation. */
export class ReplayVenue implements TradingVenue {
  readonly symbols: readonly ReplayData[];
  readonly accounts: Accounts;
  readonly costs: FillCosts;
  readonly commission: number;
  #band: number;
  #cursor: number[];
  #end: number[];
  #last: Float64Array;
  #now: number;
  #step = 0;
  #nextId = 1;
  #pending: Pending[] = [];
  #outbox: OrderUpdate[] = [];
  #listeners: (((u: OrderUpdate) => void) | undefined)[] = [];
  #feeds: ((e: MarketEvent) => void)[] = [];
  #stats = { commands: 0, rejects: 0, trades: 0, volume: 0 };
  #bar = { open: 0, high: 0, low: 0, close: 0 }; // the bar being filled, reused

  constructor(options: ReplayOptions) {
    if (options.symbols.length === 0) throw new ReplayError("symbols: expected at least one");
    const frac = (v: number | undefined, field: string, max: number): number => {
      const x = v ?? 0;
      if (!(x >= 0 && x < max)) {
        throw new ReplayError(`${field}: expected a fraction in [0, ${max}), got ${v}`);
      }
      return x;
    };
    this.commission = frac(options.commission, "commission", 1);
    this.costs = {
      spread: frac(options.spread, "spread", 1),
      slippage: frac(options.slippage, "slippage", 1),
    };
    this.#band = frac(options.marketHoldBand ?? 0.25, "marketHoldBand", 10);
    this.symbols = options.symbols;
    this.accounts = new Accounts(options.symbols.length);
    const start = options.start ?? -Infinity;
    const end = options.end ?? Infinity;
    this.#cursor = this.symbols.map((d) => lowerBound(d.time, start));
    this.#end = this.symbols.map((d) => lowerBound(d.time, end));
    if (this.symbols.every((_, s) => this.#cursor[s] >= this.#end[s])) {
      throw new ReplayError(`start/end: no bar in [${start}, ${end})`);
    }
    this.#last = new Float64Array(this.symbols.length);
    this.#now = Math.min(
      ...this.symbols.map((
        d,
        s,
      ) => (this.#cursor[s] < d.length ? d.time[this.#cursor[s]] : Infinity)),
    );
  }

  /** Current replay time, ms: the close of the last bar replayed (the first bar's start before). */
  get now(): number {
    return this.#now;
  }

  /** True when every bar of the window has been replayed. */
  get done(): boolean {
    return this.#cursor.every((c, s) => c >= this.#end[s]);
  }

  /** Bars left in the window, summed over symbols. */
  get barsLeft(): number {
    let n = 0;
    for (let s = 0; s < this.symbols.length; s++) n += this.#end[s] - this.#cursor[s];
    return n;
  }

  get stats(): VenueStats {
    return { ...this.#stats };
  }

  openAccount(options: AccountOptions = {}): number {
    const a = this.accounts.open(options);
    this.#listeners[a] = options.listener;
    return a;
  }

  addFeed(fn: (e: MarketEvent) => void, delayMs = 0): void {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) {
      throw new ReplayError(`delayMs: expected a duration >= 0, got ${delayMs}`);
    }
    this.#feeds.push(fn);
  }

  submit(
    account: number,
    symbol: number,
    side: Side,
    kind: OrderKind,
    price: number,
    qty: number,
  ): number {
    return this.#enter({ account, symbol, side, kind, price, qty, target: NaN });
  }

  submitTarget(account: number, symbol: number, side: Side, fraction: number): number {
    const kind = OrderKind.Market;
    return this.#enter({ account, symbol, side, kind, price: 0, qty: 0, target: fraction });
  }

  /** A new order (sized at its fill when `target` is a number): checked, held for, accepted. */
  #enter(order: Omit<Pending, "id" | "held" | "sentStep">): number {
    const { account, symbol, side, kind, price, qty, target } = order;
    this.#checkRefs(account, symbol);
    const id = this.#nextId++;
    this.#stats.commands++;
    const atFill = !Number.isNaN(target);
    const why = atFill
      ? this.#checkTarget(side, symbol, target)
      : this.#checkOrder(side, kind, price, qty);
    if (why !== null) {
      this.#reject(account, symbol, id, side, price, qty, why);
      return id;
    }
    const o: Pending = { ...order, id, held: 0, sentStep: this.#step };
    // An order sized at its fill holds nothing: its size is only known there.
    const hold = atFill ? null : this.#hold(o);
    if (hold !== null) {
      this.#reject(account, symbol, id, side, price, qty, hold);
      return id;
    }
    this.#pending.push(o);
    this.#post(o, "accepted", price, qty, 0, "", "");
    return id;
  }

  cancel(account: number, symbol: number, id: number): void {
    this.#checkRefs(account, symbol);
    this.#stats.commands++;
    const i = this.#find(account, symbol, id);
    if (i < 0) return this.#reject(account, symbol, id, Side.Buy, 0, 0, "cancel: unknown order");
    const o = this.#pending[i];
    this.#release(o);
    this.#pending.splice(i, 1);
    this.#post(o, "cancelled", o.price, o.qty, 0, "", "user cancel");
  }

  replace(account: number, symbol: number, id: number, price: number, qty: number): void {
    this.#checkRefs(account, symbol);
    this.#stats.commands++;
    const i = this.#find(account, symbol, id);
    if (i < 0) {
      return this.#reject(account, symbol, id, Side.Buy, price, qty, "replace: unknown order");
    }
    const o = this.#pending[i];
    if (!Number.isNaN(o.target)) {
      return this.#reject(
        account,
        symbol,
        id,
        o.side,
        price,
        qty,
        "replace: an order sized at its fill cannot be replaced",
      );
    }
    const why = this.#checkOrder(o.side, o.kind, price, qty);
    if (why !== null) {
      return this.#reject(account, symbol, id, o.side, price, qty, `replace: ${why}`);
    }
    const old = { price: o.price, qty: o.qty };
    this.#release(o);
    o.price = price;
    o.qty = qty;
    const hold = this.#hold(o);
    if (hold !== null) {
      o.price = old.price;
      o.qty = old.qty;
      this.#hold(o);
      return this.#reject(account, symbol, id, o.side, price, qty, `replace: ${hold}`);
    }
    this.#post(o, "replaced", price, qty, 0, "", "");
  }

  /** A copy of one account's holdings (venue units). */
  account(account: number): AccountView {
    return this.accounts.view(account);
  }

  isLive(id: number): boolean {
    return this.#pending.some((o) => o.id === id);
  }

  bestBid(symbol: number): number {
    const m = this.#last[symbol];
    return m === 0 ? 0 : Math.max(1, Math.floor(m * (1 - this.costs.spread / 2) + 1e-9));
  }

  bestAsk(symbol: number): number {
    const m = this.#last[symbol];
    return m === 0 ? 0 : Math.ceil(m * (1 + this.costs.spread / 2) - 1e-9);
  }

  /** The last close (ticks), 0 before the first bar. */
  mid(symbol: number): number {
    return this.#last[symbol];
  }

  /**
   * Replays the next bar time (every symbol with a bar starting then): updates, fills, bar
   * events. Returns false, doing nothing, when the window is done.
   */
  step(): boolean {
    let t = Infinity;
    for (let s = 0; s < this.symbols.length; s++) {
      const c = this.#cursor[s];
      if (c < this.#end[s] && this.symbols[s].time[c] < t) t = this.symbols[s].time[c];
    }
    if (t === Infinity) return false;
    // Orders sent from here on (by listeners of this step) take part from the next step.
    const step = ++this.#step;
    this.#flush();
    let close = t;
    for (let s = 0; s < this.symbols.length; s++) {
      const d = this.symbols[s];
      const c = this.#cursor[s];
      if (c >= this.#end[s] || d.time[c] !== t) continue;
      this.#fillAll(s, c, step);
      this.#last[s] = d.close[c];
      this.#cursor[s] = c + 1;
      if (t + d.barMs > close) close = t + d.barMs;
    }
    this.#now = close;
    this.#checkMargin();
    this.#flush();
    for (let s = 0; s < this.symbols.length; s++) {
      const c = this.#cursor[s] - 1;
      const d = this.symbols[s];
      if (c >= 0 && d.time[c] === t && this.#feeds.length > 0) this.#publish(s, c);
    }
    return true;
  }

  /** Replays every bar that closes by `time`; returns the number of steps. */
  runUntil(time: number): number {
    let n = 0;
    while (!this.done && this.#nextClose() <= time && this.step()) n++;
    if (this.#now < time && !this.done) this.#now = time;
    return n;
  }

  /** Replays every bar that closes by `now + ms`; returns the number of steps. */
  runFor(ms: number): number {
    return this.runUntil(this.#now + ms);
  }

  #nextClose(): number {
    let t = Infinity;
    for (let s = 0; s < this.symbols.length; s++) {
      const c = this.#cursor[s];
      const d = this.symbols[s];
      if (c < this.#end[s]) t = Math.min(t, d.time[c] + d.barMs);
    }
    return t;
  }

  #fillAll(s: number, c: number, step: number): void {
    const d = this.symbols[s];
    const bar = this.#bar;
    bar.open = d.open[c];
    bar.high = d.high[c];
    bar.low = d.low[c];
    bar.close = d.close[c];
    const pending = this.#pending;
    let w = 0;
    for (let r = 0; r < pending.length; r++) {
      const o = pending[r];
      if (o.symbol !== s || o.sentStep >= step || !this.#fill(o, bar)) pending[w++] = o;
    }
    pending.length = w;
  }

  /** Fills `o` in `bar` when its rule says so; returns true when it is done (filled or cancelled). */
  #fill(o: Pending, bar: { open: number; high: number; low: number; close: number }): boolean {
    const price = fillPrice(o.side, o.kind, o.price, bar, this.costs);
    if (Number.isNaN(price)) return false;
    const acc = this.accounts;
    const buy = o.side === Side.Buy;
    this.#release(o);
    if (!Number.isNaN(o.target)) {
      const delta = acc.targetDelta(
        o.account,
        o.symbol,
        o.target,
        price,
        this.commission,
        this.#mark,
      );
      if (delta === 0 || (delta > 0) !== buy) {
        const why = delta === 0
          ? "already at the target at the fill price"
          : `the target is the other way at the fill price (${delta > 0 ? "buy" : "sell"} ${
            Math.abs(delta)
          })`;
        this.#post(o, "cancelled", price, 0, 0, "", why);
        return true;
      }
      o.qty = Math.abs(delta);
      this.#post(o, "sized", price, o.qty, 0, "", "");
    }
    const notional = price * o.qty;
    const fee = commissionOf(notional, this.commission);
    if (acc.isMargin(o.account)) {
      if (!acc.fitsAfter(o.account, o.symbol, buy, price, o.qty, fee, this.#mark)) {
        this.#post(o, "cancelled", price, o.qty, 0, "", "insufficient margin at the fill price");
        return true;
      }
    } else if (buy && notional + fee > acc.freeCash(o.account)) {
      this.#post(o, "cancelled", price, o.qty, 0, "", "insufficient cash at the fill price");
      return true;
    }
    acc.settle(o.account, o.symbol, buy, price, o.qty, fee);
    this.#stats.trades++;
    this.#stats.volume += o.qty;
    const liquidity = o.kind === OrderKind.Limit && price === o.price ? "maker" : "taker";
    this.#post(o, "fill", price, o.qty, fee, liquidity, "");
    this.#post(o, "filled", price, o.qty, 0, "", "");
    return true;
  }

  #checkTarget(side: Side, symbol: number, fraction: number): string | null {
    const why = this.#checkOrder(side, OrderKind.Market, 0, 1);
    if (why !== null) return why;
    if (!(Number.isFinite(fraction) && Math.abs(fraction) <= 100)) {
      return `target fraction must be a number in [-100, 100], got ${fraction}`;
    }
    if (this.#last[symbol] === 0) return "no price yet: a market order needs a bar replayed first";
    return null;
  }

  #checkOrder(side: Side, kind: OrderKind, price: number, qty: number): string | null {
    if (side !== Side.Buy && side !== Side.Sell) return `side: expected 0 (buy) or 1 (sell)`;
    if (!SUPPORTED.includes(kind)) {
      return `order kind ${kind} is not supported by the replay venue (market, limit, stop)`;
    }
    if (!Number.isSafeInteger(qty) || qty < 1) return `quantity must be a whole number of lots ≥ 1`;
    if (kind !== OrderKind.Market && (!Number.isSafeInteger(price) || price < 1)) {
      return `price must be a whole number of ticks ≥ 1`;
    }
    return null;
  }

  /** Holds cash, margin or lots for `o`; returns why it cannot, or null. */
  #hold(o: Pending): string | null {
    const acc = this.accounts;
    const micros = Math.round(this.commission * 1_000_000);
    if (acc.isMargin(o.account)) {
      const ref = o.kind === OrderKind.Limit ? o.price : Math.ceil(
        (o.kind === OrderKind.Stop ? o.price : this.#last[o.symbol]) * (1 + this.#band),
      );
      if (ref === 0) return "no price yet: a market order needs a bar replayed first";
      const r = acc.checkMargin(
        o.account,
        o.symbol,
        o.side === Side.Buy,
        o.qty,
        ref,
        micros,
        this.#mark,
      );
      if ("why" in r) return r.why;
      o.held = r.hold;
      acc.holdCash(o.account, o.held);
      return null;
    }
    if (o.side === Side.Sell) {
      const why = acc.checkSell(o.account, o.symbol, o.qty);
      if (why !== null) return why;
      acc.holdQty(o.account, o.symbol, o.qty);
      o.held = o.qty;
      return null;
    }
    const ref = o.kind === OrderKind.Limit
      ? o.price
      : o.kind === OrderKind.Stop
      ? Math.ceil(o.price * (1 + this.#band))
      : Math.ceil(this.bestAsk(o.symbol) * (1 + this.#band));
    if (ref === 0) return "no price yet: a market order needs a bar replayed first";
    const why = acc.checkBuy(o.account, ref, o.qty, micros);
    if (why !== null) return why;
    o.held = buyHold(ref, o.qty, micros);
    acc.holdCash(o.account, o.held);
    return null;
  }

  #release(o: Pending): void {
    if (o.side === Side.Sell && !this.accounts.isMargin(o.account)) {
      this.accounts.holdQty(o.account, o.symbol, -o.held);
    } else this.accounts.holdCash(o.account, -o.held);
    o.held = 0;
  }

  /** Positions are marked at the last close. */
  readonly #mark = (s: number): number => this.#last[s];
  /** Margin accounts in margin call, told once until they are out of it. */
  readonly #called = new Set<number>();

  /** Tells each margin account that has fallen below its maintenance margin, once per call. */
  #checkMargin(): void {
    const acc = this.accounts;
    for (let a = 0; a < acc.count; a++) {
      if (!acc.isMargin(a)) continue;
      const call = acc.marginCall(a, this.#mark);
      if (call === null) {
        this.#called.delete(a);
        continue;
      }
      if (this.#called.has(a)) continue;
      this.#called.add(a);
      const reason = `margin call: equity ${Math.round(call.equity)} below the maintenance margin ${
        Math.round(call.requirement)
      }`;
      this.#post(
        { id: 0, account: a, symbol: 0, side: Side.Sell },
        "margin-call",
        0,
        0,
        0,
        "",
        reason,
        call,
      );
    }
  }

  #find(account: number, symbol: number, id: number): number {
    return this.#pending.findIndex((o) =>
      o.id === id && o.account === account && o.symbol === symbol
    );
  }

  #checkRefs(account: number, symbol: number): void {
    if (!Number.isInteger(account) || account < 0 || account >= this.accounts.count) {
      throw new ReplayError(`account: no account ${account}`);
    }
    if (!Number.isInteger(symbol) || symbol < 0 || symbol >= this.symbols.length) {
      throw new ReplayError(`symbol: no symbol ${symbol}`);
    }
  }

  #reject(
    account: number,
    symbol: number,
    id: number,
    side: Side,
    price: number,
    qty: number,
    reason: string,
  ): void {
    this.#stats.rejects++;
    this.#post({ id, account, symbol, side }, "rejected", price, qty, 0, "", reason);
  }

  #post(
    o: Pick<Pending, "id" | "account" | "symbol" | "side">,
    type: OrderUpdate["type"],
    price: number,
    qty: number,
    fee: number,
    liquidity: OrderUpdate["liquidity"],
    reason: string,
    margin?: OrderUpdate["margin"],
  ): void {
    if (!this.#listeners[o.account]) return;
    this.#outbox.push({
      type,
      time: this.#now,
      account: o.account,
      symbol: o.symbol,
      id: o.id,
      side: o.side,
      price,
      qty,
      fee,
      liquidity,
      reason,
      ...(margin === undefined ? {} : { margin }),
    });
  }

  #flush(): void {
    const box = this.#outbox;
    if (box.length === 0) return;
    this.#outbox = [];
    for (const u of box) this.#listeners[u.account]!(u);
  }

  #publish(s: number, c: number): void {
    const d = this.symbols[s];
    const bar: BarEvent = {
      type: "bar",
      symbol: s,
      start: d.time[c],
      end: d.time[c] + d.barMs,
      open: d.open[c],
      high: d.high[c],
      low: d.low[c],
      close: d.close[c],
      volume: d.volume[c],
      trades: 0,
      mid: d.close[c],
      bid: this.bestBid(s),
      ask: this.bestAsk(s),
    };
    for (const f of this.#feeds) f(bar);
  }
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}
