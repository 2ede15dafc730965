/**
 * The simulated venue: one {@linkcode OrderBook} per symbol, {@linkcode Accounts} with cash and
 * positions, a seeded latency model, and the streams a real venue publishes.
 *
 * - **Orders** (`submit`, `cancel`, `replace`) leave the account at once and reach the venue
 *   after the account's order latency (a base plus seeded exponential jitter); commands of one
 *   account arrive in the order they were sent, like messages on one connection.
 * - On arrival an order is checked by the book's rules, then against the account (cash for
 *   buys, position for sells; see accounts.ts), then matched. Market orders are matched as
 *   immediate-or-cancel orders at a protection price (the opposite best ± the protection band),
 *   which also bounds the cash they hold.
 * - **Order updates** (accepted, rejected with a reason, fill, rested, filled, cancelled,
 *   replaced) go to the account's listener after its market-data latency.
 * - **Market data** (trades, book tops, level-2 updates, bars every `barMs`) goes to every feed
 *   added with {@linkcode Venue.addFeed}, each with its own delay.
 *
 * Prices are integer ticks and quantities integer lots; cash is in notional units (tick × lot).
 * Over 400 lines: the simulated venue implements the whole TradingVenue surface over the books, accounts and latency model; orders in flight and market data are in venue_orders.ts and market_data.ts.
 * @module
 */
import { Accounts, type AccountView } from "./accounts.ts";
import { EventKind, OrderBook, OrderKind, Reason, reasonText, Side } from "../book/mod.ts";
import { EventType, type Kernel, Rng } from "../kernel/mod.ts";
import { MarketData } from "./market_data.ts";
import { Commands, LiveOrders } from "./venue_orders.ts";
import type { MarketEvent, OrderUpdate } from "./venue_events.ts";
import type { AccountOptions, Latency, TradingVenue, VenueStats } from "./trading_venue.ts";

export type {
  BarEvent,
  LevelEvent,
  MarketEvent,
  OrderUpdate,
  TopEvent,
  TradeEvent,
} from "./venue_events.ts";

/** What the venue needs to know about a symbol. */
export interface VenueSymbol {
  readonly name: string;
  /** Maker and taker fees, millionths of notional. Default 0. */
  readonly makerFeeMicros?: number;
  readonly takerFeeMicros?: number;
}

/** Venue settings. */
export interface VenueOptions {
  readonly symbols: readonly VenueSymbol[];
  /** Bar interval, ms. Default 60,000. */
  readonly barMs?: number;
  /** Market-order protection band, a fraction of the opposite best. Default 0.05. */
  readonly protectionBand?: number;
  /** Default latency of accounts that do not set their own. */
  readonly latency?: Latency;
}

/** Thrown for venue settings or calls that are not usable; the message names the field. */
export class VenueError extends RangeError {
  override name = "VenueError";
}

const SUBMIT = 1, CANCEL = 2, REPLACE = 3, TARGET = 4;
const BUY = Side.Buy;

/** The simulated venue; see the module documentation. */
export class Venue implements TradingVenue {
  readonly kernel: Kernel;
  readonly symbols: readonly VenueSymbol[];
  readonly books: OrderBook[];
  readonly accounts: Accounts;
  readonly barMs: number;
  readonly protectionBand: number;
  /** Trades, tops, level-2 updates, bars, and the feeds they go to. */
  readonly marketData: MarketData;

  #rng: Rng;
  #defaultLatency: Required<Latency>;
  #nextId = 1;
  #commandCount = 0;
  #rejectCount = 0;
  // Per account: latency, its own jitter stream, the last arrival time, the listener.
  #latency: Required<Latency>[] = [];
  #latencyRng: Rng[] = [];
  #lastArrival: number[] = [];
  #listeners: (((u: OrderUpdate) => void) | undefined)[] = [];
  #feeCap: number[][] = []; // [account][symbol]
  #commands = new Commands();
  #orders: LiveOrders;

  constructor(kernel: Kernel, options: VenueOptions, rng: Rng) {
    if (options.symbols.length === 0) throw new VenueError("symbols: expected at least one");
    const barMs = options.barMs ?? 60_000;
    if (!(barMs > 0) || !Number.isFinite(barMs)) {
      throw new VenueError(`barMs: expected a duration > 0, got ${barMs}`);
    }
    const band = options.protectionBand ?? 0.05;
    if (!(band > 0 && band < 1)) {
      throw new VenueError(`protectionBand: expected a fraction in (0, 1), got ${band}`);
    }
    this.kernel = kernel;
    this.symbols = options.symbols;
    this.barMs = barMs;
    this.protectionBand = band;
    this.#rng = rng;
    this.#defaultLatency = latencyOf(options.latency ?? {}, "latency");
    this.books = options.symbols.map((s, i) =>
      new OrderBook({
        tickSize: 1,
        lotSize: 1,
        makerFeeMicros: feeField(s.makerFeeMicros, `symbols[${i}].makerFeeMicros`),
        takerFeeMicros: feeField(s.takerFeeMicros, `symbols[${i}].takerFeeMicros`),
      })
    );
    this.accounts = new Accounts(options.symbols.length);
    this.#orders = new LiveOrders(this.accounts);
    this.marketData = new MarketData(kernel, this.books, barMs);
  }

  /** Counts of what the venue did so far. */
  get stats(): VenueStats {
    const md = this.marketData;
    return {
      commands: this.#commandCount,
      rejects: this.#rejectCount,
      trades: md.trades,
      volume: md.volume,
    };
  }

  /** Opens an account; returns its index (also its owner id in the books). */
  openAccount(options: AccountOptions = {}): number {
    const latency = options.latency
      ? latencyOf({ ...this.#defaultLatency, ...options.latency }, "latency")
      : this.#defaultLatency;
    const a = this.accounts.open(options);
    this.#latency[a] = latency;
    this.#latencyRng[a] = this.#rng.split(`latency/${a}`);
    this.#lastArrival[a] = -Infinity;
    this.#listeners[a] = options.listener;
    this.#feeCap[a] = this.books.map((b) => Math.max(b.rules.makerFee(a), b.rules.takerFee(a)));
    return a;
  }

  /** Sets an account's fees on one symbol (millionths of notional). */
  setFees(account: number, symbol: number, makerMicros: number, takerMicros: number): void {
    this.books[symbol].setFees(account, makerMicros, takerMicros);
    this.#feeCap[account][symbol] = Math.max(makerMicros, takerMicros);
  }

  /** Adds a market-data feed, delivered `delayMs` after the venue event. */
  addFeed(fn: (e: MarketEvent) => void, delayMs = 0): void {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) {
      throw new VenueError(`delayMs: expected a duration >= 0, got ${delayMs}`);
    }
    this.marketData.addFeed(fn, delayMs);
  }

  /** Sends a new order; returns its id. Limit-type kinds need `price` (ticks). */
  submit(
    account: number,
    symbol: number,
    side: Side,
    kind: OrderKind,
    price: number,
    qty: number,
  ): number {
    const id = this.#nextId++;
    this.#send(SUBMIT, account, symbol, id, side, kind, price, qty);
    return id;
  }

  /**
   * Sends a market order sized on arrival (see {@linkcode TradingVenue.submitTarget}): at the
   * opposite best price, equity marked at the mids. Refused when there is nothing to trade that
   * way.
   */
  submitTarget(account: number, symbol: number, side: Side, fraction: number): number {
    const id = this.#nextId++;
    this.#send(TARGET, account, symbol, id, side, OrderKind.Market, fraction, 0);
    return id;
  }

  /** Sends a cancel of order `id`. */
  cancel(account: number, symbol: number, id: number): void {
    this.#send(CANCEL, account, symbol, id, 0, 0, 0, 0);
  }

  /** Sends a cancel/replace of order `id` to a new price and quantity. */
  replace(account: number, symbol: number, id: number, price: number, qty: number): void {
    this.#send(REPLACE, account, symbol, id, 0, 0, price, qty);
  }

  /** A copy of one account's holdings (venue units). */
  account(account: number): AccountView {
    return this.accounts.view(account);
  }

  /** True while order `id` is live at the venue (arrived, not yet done). */
  isLive(id: number): boolean {
    return this.#orders.find(id) >= 0;
  }

  /** Best bid (ticks), 0 when none. */
  bestBid(symbol: number): number {
    return this.books[symbol].bestBid();
  }

  /** Best ask (ticks), 0 when none. */
  bestAsk(symbol: number): number {
    return this.books[symbol].bestAsk();
  }

  /** Mid price, or the last trade price when a side is empty (0 before anything). */
  mid(symbol: number): number {
    const b = this.books[symbol].bestBid();
    const a = this.books[symbol].bestAsk();
    return b > 0 && a > 0 ? (a + b) / 2 : this.marketData.last[symbol];
  }

  /** Handles an `Arrive` event (called by the simulation's dispatch). */
  arrive(slot: number): void {
    const c = this.#commands;
    const op = c.op[slot];
    const a = c.account[slot];
    const s = c.symbol[slot];
    const id = c.id[slot];
    const side = c.side[slot] as Side;
    const kind = c.kind[slot] as OrderKind;
    const price = c.price[slot];
    const qty = c.qty[slot];
    c.free(slot);
    this.#commandCount++;
    if (op === SUBMIT) this.#onSubmit(a, s, id, side, kind, price, qty);
    else if (op === TARGET) this.#onTarget(a, s, id, side, price);
    else if (op === CANCEL) this.#onCancel(a, s, id);
    else this.#onReplace(a, s, id, price, qty);
  }

  /** Handles a `Bar` event: publishes the bar of `symbol` and starts the next one. */
  closeBar(symbol: number): void {
    this.marketData.closeBar(symbol);
  }

  #send(
    op: number,
    a: number,
    s: number,
    id: number,
    side: number,
    kind: number,
    price: number,
    qty: number,
  ): void {
    if (!(a >= 0 && a < this.accounts.count) || !Number.isInteger(a)) {
      throw new VenueError(`account: no account ${a}`);
    }
    if (!(s >= 0 && s < this.books.length) || !Number.isInteger(s)) {
      throw new VenueError(`symbol: no symbol ${s}`);
    }
    const c = this.#commands;
    const slot = c.alloc();
    c.op[slot] = op;
    c.account[slot] = a;
    c.symbol[slot] = s;
    c.id[slot] = id;
    c.side[slot] = side;
    c.kind[slot] = kind;
    c.price[slot] = price;
    c.qty[slot] = qty;
    const lat = this.#latency[a];
    let t = this.kernel.now() + lat.orderMs;
    if (lat.jitterMs > 0) t += this.#latencyRng[a].exponential(1 / lat.jitterMs);
    if (t < this.#lastArrival[a]) t = this.#lastArrival[a];
    this.#lastArrival[a] = t;
    this.kernel.push(t, EventType.Arrive, slot);
  }

  #onSubmit(
    a: number,
    s: number,
    id: number,
    side: Side,
    kind: OrderKind,
    price: number,
    qty: number,
  ): void {
    const book = this.books[s];
    const rules = book.rules;
    let reason = rules.checkOrder(id, a, side, kind, rules.defaultStp, qty);
    if (reason === Reason.None && kind !== OrderKind.Market) reason = rules.checkPrice(price);
    if (reason !== Reason.None) return this.#reject(a, s, id, side, price, qty, reasonText(reason));
    let limit = price;
    if (kind === OrderKind.Market) {
      const opp = side === BUY ? book.bestAsk() : book.bestBid();
      if (opp === 0) {
        return this.#reject(a, s, id, side, price, qty, reasonText(Reason.NoLiquidity));
      }
      limit = side === BUY
        ? Math.floor(opp * (1 + this.protectionBand))
        : Math.max(1, Math.ceil(opp * (1 - this.protectionBand)));
      kind = OrderKind.Ioc;
    }
    const fee = this.#feeCap[a][s];
    const why = side === BUY
      ? this.accounts.checkBuy(a, limit, qty, fee)
      : this.accounts.checkSell(a, s, qty);
    if (why !== null) return this.#reject(a, s, id, side, price, qty, why);
    this.#orders.open(id, a, s, side, limit, qty, fee);
    if (book.submit(id, a, side, kind, limit, qty) !== Reason.None) {
      this.#rejectCount++;
      this.#orders.close(id);
    }
    this.#apply(s);
  }

  #onTarget(a: number, s: number, id: number, side: Side, fraction: number): void {
    if (!(Number.isFinite(fraction) && Math.abs(fraction) <= 100)) {
      const why = `target fraction must be a number in [-100, 100], got ${fraction}`;
      return this.#reject(a, s, id, side, 0, 0, why);
    }
    const book = this.books[s];
    const opp = side === BUY ? book.bestAsk() : book.bestBid();
    if (opp === 0) return this.#reject(a, s, id, side, 0, 0, reasonText(Reason.NoLiquidity));
    const rate = book.rules.takerFee(a) / 1_000_000;
    const delta = this.accounts.targetDelta(a, s, fraction, opp, rate, (x) => this.mid(x));
    if (delta === 0 || (delta > 0) !== (side === BUY)) {
      const why = delta === 0
        ? "already at the target at the current price"
        : `the target is the other way at the current price (${delta > 0 ? "buy" : "sell"} ${
          Math.abs(delta)
        })`;
      return this.#reject(a, s, id, side, 0, 0, why);
    }
    const qty = Math.abs(delta);
    this.#notify("sized", a, s, id, side, opp, qty, 0, "", "");
    this.#onSubmit(a, s, id, side, OrderKind.Market, 0, qty);
  }

  #onCancel(a: number, s: number, id: number): void {
    const orders = this.#orders;
    const r = orders.find(id);
    if (r < 0 || orders.account[r] !== a || orders.symbol[r] !== s) {
      return this.#reject(a, s, id, BUY, 0, 0, `cancel: ${reasonText(Reason.UnknownOrder)}`);
    }
    this.books[s].cancel(id);
    this.#apply(s);
  }

  #onReplace(a: number, s: number, id: number, price: number, qty: number): void {
    const orders = this.#orders;
    const r = orders.find(id);
    if (r < 0 || orders.account[r] !== a || orders.symbol[r] !== s) {
      return this.#reject(a, s, id, BUY, price, qty, `replace: ${reasonText(Reason.UnknownOrder)}`);
    }
    const rules = this.books[s].rules;
    let reason = rules.checkQty(qty);
    if (reason === Reason.None) reason = rules.checkPrice(price);
    const side = orders.side[r] as Side;
    if (reason !== Reason.None) {
      return this.#reject(a, s, id, side, price, qty, `replace: ${reasonText(reason)}`);
    }
    // Check the amended order as if the old one were gone.
    const oldLimit = orders.limit[r], oldLeaves = orders.leaves[r];
    orders.set(r, oldLimit, 0);
    const why = side === BUY
      ? this.accounts.checkBuy(a, price, qty, orders.feeMicros[r])
      : this.accounts.checkSell(a, s, qty);
    if (why !== null) {
      orders.set(r, oldLimit, oldLeaves);
      return this.#reject(a, s, id, side, price, qty, `replace: ${why}`);
    }
    orders.set(r, price, qty);
    if (this.books[s].replace(id, price, qty) !== Reason.None) {
      this.#rejectCount++;
      orders.set(r, oldLimit, oldLeaves);
    }
    this.#apply(s);
  }

  /** Applies the book's events of the last command on symbol `s`. */
  #apply(s: number): void {
    const ev = this.books[s].events;
    const md = this.marketData;
    const accounts = this.accounts;
    for (let i = 0; i < ev.length; i++) {
      const k = ev.kind[i];
      const id = ev.id[i];
      const owner = ev.owner[i];
      if (k === EventKind.Trade) {
        const price = ev.price[i], qty = ev.qty[i], owner2 = ev.owner2[i];
        const takerBuys = ev.side[i] === BUY;
        accounts.settle(owner, s, takerBuys, price, qty, ev.fee[i]);
        accounts.settle(owner2, s, !takerBuys, price, qty, ev.fee2[i]);
        this.#orders.reduce(id, qty);
        this.#orders.reduce(ev.id2[i], qty);
        md.trade(s, price, qty, ev.side[i] as Side, ev.seq[i]);
        if (this.#listeners[owner]) {
          this.#notify("fill", owner, s, id, ev.side[i], price, qty, ev.fee[i], "taker", "");
        }
        if (this.#listeners[owner2]) {
          const side = 1 - ev.side[i];
          this.#notify("fill", owner2, s, ev.id2[i], side, price, qty, ev.fee2[i], "maker", "");
        }
      } else if (k === EventKind.Level) {
        md.level(s, ev.side[i] as Side, ev.price[i], ev.qty[i], ev.qty2[i]);
      } else {
        if (k === EventKind.Cancelled || k === EventKind.Filled) this.#orders.close(id);
        if (this.#listeners[owner]) this.#notifyOrder(k, i, s);
      }
    }
    md.top(s);
  }

  #notifyOrder(k: number, i: number, s: number): void {
    const ev = this.books[s].events;
    const type = k === EventKind.Accepted
      ? "accepted"
      : k === EventKind.Rested
      ? "rested"
      : k === EventKind.Filled
      ? "filled"
      : k === EventKind.Cancelled
      ? "cancelled"
      : k === EventKind.Replaced
      ? "replaced"
      : "rejected";
    const reason = k === EventKind.Cancelled || k === EventKind.Replaced ||
        k === EventKind.Rejected
      ? reasonText(ev.reason[i])
      : "";
    this.#notify(type, ev.owner[i], s, ev.id[i], ev.side[i], ev.price[i], ev.qty[i], 0, "", reason);
  }

  #notify(
    type: OrderUpdate["type"],
    account: number,
    symbol: number,
    id: number,
    side: number,
    price: number,
    qty: number,
    fee: number,
    liquidity: OrderUpdate["liquidity"],
    reason: string,
  ): void {
    const listener = this.#listeners[account];
    if (!listener) return;
    const now = this.kernel.now();
    const update: OrderUpdate = {
      type,
      time: now,
      account,
      symbol,
      id,
      side: side as Side,
      price,
      qty,
      fee,
      liquidity,
      reason,
    };
    this.kernel.at(now + this.#latency[account].marketDataMs, () => listener(update));
  }

  #reject(
    a: number,
    s: number,
    id: number,
    side: number,
    price: number,
    qty: number,
    reason: string,
  ): void {
    this.#rejectCount++;
    this.#notify("rejected", a, s, id, side, price, qty, 0, "", reason);
  }
}

function latencyOf(l: Latency, field: string): Required<Latency> {
  const out = {
    orderMs: l.orderMs ?? 1,
    jitterMs: l.jitterMs ?? 0.5,
    marketDataMs: l.marketDataMs ?? 1,
  };
  for (const [k, v] of Object.entries(out)) {
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new VenueError(`${field}.${k}: expected a duration >= 0 ms, got ${v}`);
    }
  }
  return out;
}

function feeField(v: number | undefined, field: string): number {
  const fee = v ?? 0;
  if (!Number.isInteger(fee) || fee < 0 || fee > 1_000_000) {
    throw new VenueError(`${field}: expected an integer in [0, 1000000], got ${v}`);
  }
  return fee;
}
