/**
 * The paper exchange: the simulator's market (its books, background population and shocks) with
 * exchange accounts on it, trading as a spot exchange does — orders by client id, their status
 * and fills, balances with free and locked, the trade tape and bars — in decimal units. The HTTP
 * layer (binance_app.ts) speaks Binance's API over it.
 *
 * - **One market.** Accounts trade in the same books as the population (through
 *   {@linkcode TickVenueAdapter}, the venue interface the trading system uses): a market buy moves
 *   the price, a resting order is filled by the population.
 * - **Answers as an exchange does.** A new order is handed to the market, which runs until the
 *   order is accepted or refused — and, for a market, IOC or FOK order, until it is done — so the
 *   answer carries its status and fills; a refusal is the exchange's error and leaves no order. A
 *   cancel runs the market until the order is cancelled (or found filled: then it is an unknown
 *   order, -2011).
 * - **Time** is the market's: it moves when {@linkcode PaperExchange.advanceTo} is called (by the
 *   wall-clock driver, or by a test, so a session is reproducible) and by the latency of each
 *   order it handles.
 * - Filters as the exchange has them: PRICE_FILTER (the tick), LOT_SIZE (the lot), NOTIONAL.
 * @module
 */
import type { Simulation } from "../../env/sim/mod.ts";
import type { Order } from "../../actors/protocol/mod.ts";
import {
  type AdapterUpdate,
  type Balance,
  type SymbolInfo,
  TickVenueAdapter,
} from "../../actors/venues/mod.ts";
import {
  ApiError,
  filterFailure,
  invalidKey,
  invalidSymbol,
  noSuchOrder,
  orderRejected,
  REJECT,
  unknownOrderCancel,
} from "./binance_errors.ts";
import { MarketTape } from "./market_tape.ts";
import type {
  AccountTrade,
  ExchangeSymbol,
  NewOrder,
  OrderFill,
  OrderRef,
  OrderReport,
  PaperAccountSpec,
  PaperOrder,
} from "./exchange_types.ts";

/** Options of {@linkcode PaperExchange}. */
export interface PaperExchangeOptions {
  readonly sim: Simulation;
  /** Each simulator symbol's name, tick and lot (decimal). */
  readonly symbols: readonly SymbolInfo[];
  /** The quote currency. Default "USDT". */
  readonly quote?: string;
  readonly accounts: readonly PaperAccountSpec[];
  /** Commission, a fraction of notional (maker and taker). */
  readonly feeRate: number;
  /** The smallest order notional, quote currency. Default 1. */
  readonly minNotional?: number;
}

interface Account {
  readonly spec: PaperAccountSpec;
  readonly adapter: TickVenueAdapter;
  readonly orders: Map<number, PaperOrder>;
  readonly byClient: Map<string, PaperOrder>;
  readonly trades: AccountTrade[];
}

const OPEN: ReadonlySet<string> = new Set(["NEW", "PARTIALLY_FILLED"]);
/** The most ticks a price and lots an order may have (the filters' maxPrice and maxQty). */
export const MAX_STEPS = 1_000_000_000;
/** How far the market may run for one order's answer, ms of market time. */
const ANSWER_WITHIN_MS = 10_000;

/** See the module documentation. */
export class PaperExchange {
  readonly symbols: readonly ExchangeSymbol[];
  readonly quote: string;
  readonly feeRate: number;
  readonly tape: MarketTape;
  readonly sim: Simulation;
  readonly #accounts = new Map<string, Account>();
  readonly #bySymbol: ReadonlyMap<string, ExchangeSymbol>;
  #tradeIds = 0;
  readonly #listeners = new Set<(apiKey: string, report: OrderReport) => void>();
  /** Orders ever accepted, for the `lastUpdateId`-like counters. */
  #orders = 0;

  constructor(options: PaperExchangeOptions) {
    this.sim = options.sim;
    this.quote = options.quote ?? "USDT";
    this.feeRate = options.feeRate;
    this.symbols = options.symbols.map((s, index) => ({
      symbol: `${s.name}${this.quote}`.toUpperCase(),
      index,
      base: s.name,
      quote: this.quote,
      tickSize: s.tickSize,
      lotSize: s.lotSize,
      minNotional: options.minNotional ?? 1,
    }));
    this.#bySymbol = new Map(this.symbols.map((s) => [s.symbol, s]));
    this.tape = new MarketTape(options.symbols.length, this.sim.config.barMs, this.sim.now);
    this.sim.venue.addFeed(this.tape.feed, 0);
    for (const spec of options.accounts) {
      if (this.#accounts.has(spec.apiKey)) {
        throw new RangeError(`accounts: API key of ${spec.name} is used twice`);
      }
      let account: Account | undefined = undefined;
      const adapter = new TickVenueAdapter(this.sim.venue, {
        venue: "paper",
        symbols: options.symbols,
        account: { cash: spec.cash, shortLimitLots: 0 },
        currency: this.quote,
        onUpdate: (u) => this.#update(account!, u),
      });
      account = { spec, adapter, orders: new Map(), byClient: new Map(), trades: [] };
      this.#accounts.set(spec.apiKey, account);
    }
  }

  /** The market's time, whole ms since the epoch (the simulator's runs in fractions). */
  now(): number {
    return Math.floor(this.sim.now);
  }

  /** Runs the market up to `ts` (no-op when already there). */
  advanceTo(ts: number): void {
    if (ts > this.sim.now) this.sim.runUntil(ts);
  }

  /** Hears every change of every account's orders; returns the way to stop. */
  onOrder(listener: (apiKey: string, report: OrderReport) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The secret of the account with `apiKey`. */
  secretOf(apiKey: string): string | undefined {
    return this.#accounts.get(apiKey)?.spec.secret;
  }

  /** The symbol listed as `symbol`; -1121 otherwise. */
  symbol(symbol: string): ExchangeSymbol {
    const s = this.#bySymbol.get(symbol);
    if (s === undefined) throw invalidSymbol();
    return s;
  }

  /** Places an order for the account with `apiKey`; see the module documentation. */
  newOrder(apiKey: string, req: NewOrder): PaperOrder {
    const account = this.#account(apiKey);
    const s = this.symbol(req.symbol);
    checkFilters(s, req, this.tape.lastPrice(s.index) * s.tickSize);
    if (account.byClient.has(req.clientOrderId)) throw orderRejected(REJECT.duplicate);
    const now = this.now();
    const order: PaperOrder = {
      symbol: s,
      orderId: 0,
      clientOrderId: req.clientOrderId,
      side: req.side,
      type: req.type,
      timeInForce: req.timeInForce,
      price: req.price ?? 0,
      origQty: req.quantity,
      executedQty: 0,
      cumQuote: 0,
      status: "PENDING",
      time: now,
      updateTime: now,
      fills: [],
      rejectReason: undefined,
    };
    account.byClient.set(order.clientOrderId, order);
    const message: Order = {
      kind: "order",
      v: 1,
      ts: now,
      agentId: account.spec.name,
      intentId: req.clientOrderId,
      clientOrderId: req.clientOrderId,
      symbol: s.base,
      side: req.side === "BUY" ? "buy" : "sell",
      type: req.type === "MARKET" ? "market" : "limit",
      qty: req.quantity,
      ...(req.price === undefined ? {} : { limitPrice: req.price }),
      tif: req.timeInForce === "IOC" ? "ioc" : req.timeInForce === "FOK" ? "fok" : "gtc",
      postOnly: req.type === "LIMIT_MAKER",
    };
    account.adapter.submit(message);
    const immediate = req.type === "MARKET" || req.timeInForce !== "GTC";
    this.#runUntil(() => order.status !== "PENDING" && !(immediate && OPEN.has(order.status)));
    if (order.status === "REJECTED" || order.status === "PENDING") {
      account.byClient.delete(order.clientOrderId);
      if (order.orderId !== 0) account.orders.delete(order.orderId);
      throw rejection(order.rejectReason ?? "the market did not answer in time");
    }
    this.#orders++;
    return order;
  }

  /** The order named by `orderId` or `clientOrderId` of `symbol`; -2013 when there is none. */
  order(apiKey: string, symbol: string, ref: OrderRef): PaperOrder {
    const found = this.#find(this.#account(apiKey), this.symbol(symbol), ref);
    if (found === undefined) throw noSuchOrder();
    return found;
  }

  /** Cancels an open order; -2011 when it is unknown or no longer open. */
  cancel(apiKey: string, symbol: string, ref: OrderRef): PaperOrder {
    const account = this.#account(apiKey);
    const order = this.#find(account, this.symbol(symbol), ref);
    if (order === undefined || !OPEN.has(order.status)) throw unknownOrderCancel();
    account.adapter.cancel(order.clientOrderId);
    this.#runUntil(() => !OPEN.has(order.status));
    if (order.status !== "CANCELED") throw unknownOrderCancel();
    return order;
  }

  /** The account's open orders (of `symbol`, or all), oldest first. */
  openOrders(apiKey: string, symbol?: string): PaperOrder[] {
    const s = symbol === undefined ? undefined : this.symbol(symbol);
    return [...this.#account(apiKey).orders.values()].filter((o) =>
      OPEN.has(o.status) && (s === undefined || o.symbol === s)
    );
  }

  /** Every order of the account in `symbol`, oldest first. */
  allOrders(apiKey: string, symbol: string): PaperOrder[] {
    const s = this.symbol(symbol);
    return [...this.#account(apiKey).orders.values()].filter((o) => o.symbol === s);
  }

  /** The account's trades in `symbol`, oldest first. */
  myTrades(apiKey: string, symbol: string): AccountTrade[] {
    const s = this.symbol(symbol);
    return this.#account(apiKey).trades.filter((t) => t.symbol === s);
  }

  /** The account's balances by asset: the quote currency and each base asset. */
  balances(apiKey: string): Record<string, Balance> {
    return this.#account(apiKey).adapter.balances();
  }

  /** Best bid and ask with their quantities, decimal; 0 when a side is empty. */
  top(s: ExchangeSymbol): { bid: number; bidQty: number; ask: number; askQty: number } {
    const book = this.sim.venue.books[s.index];
    const { bids, asks } = book.snapshot(1);
    return {
      bid: (bids.price[0] ?? 0) * s.tickSize,
      bidQty: (bids.qty[0] ?? 0) * s.lotSize,
      ask: (asks.price[0] ?? 0) * s.tickSize,
      askQty: (asks.qty[0] ?? 0) * s.lotSize,
    };
  }

  #account(apiKey: string): Account {
    const a = this.#accounts.get(apiKey);
    if (a === undefined) {
      throw invalidKey();
    }
    return a;
  }

  #find(account: Account, s: ExchangeSymbol, ref: OrderRef): PaperOrder | undefined {
    const o = ref.orderId !== undefined
      ? account.orders.get(ref.orderId)
      : account.byClient.get(ref.clientOrderId!);
    if (o === undefined || o.symbol !== s || o.status === "PENDING") return undefined;
    if (ref.orderId !== undefined && ref.clientOrderId !== undefined) {
      if (o.clientOrderId !== ref.clientOrderId) return undefined;
    }
    return o;
  }

  #report(account: Account, report: OrderReport): void {
    for (const listener of this.#listeners) listener(account.spec.apiKey, report);
  }

  #runUntil(done: () => boolean): void {
    if (done()) return;
    this.sim.runUntil(this.sim.now + ANSWER_WITHIN_MS, done);
  }

  #update(account: Account, u: AdapterUpdate): void {
    if (u.type === "margin-call") return;
    const order = account.byClient.get(u.clientOrderId);
    if (order === undefined) return;
    order.updateTime = this.now();
    switch (u.type) {
      case "sent":
        if (u.venueOrderId !== undefined) {
          order.orderId = Number(u.venueOrderId);
          account.orders.set(order.orderId, order);
        }
        return;
      case "ack":
        if (order.status === "PENDING") {
          order.status = "NEW";
          this.#report(account, { order, exec: "NEW" });
        }
        return;
      case "reject":
        order.status = "REJECTED";
        order.rejectReason = u.reason;
        return;
      case "fill": {
        const fill: OrderFill = {
          tradeId: ++this.#tradeIds,
          price: u.price,
          qty: u.qty,
          commission: u.fee,
          maker: u.liquidity === "maker",
          time: Math.floor(u.ts),
        };
        order.fills.push(fill);
        order.executedQty = roundLots(order.executedQty + u.qty, order.symbol.lotSize);
        order.cumQuote += u.price * u.qty;
        order.status = order.executedQty >= order.origQty - order.symbol.lotSize / 2
          ? "FILLED"
          : "PARTIALLY_FILLED";
        account.trades.push({
          ...fill,
          symbol: order.symbol,
          orderId: order.orderId,
          buyer: order.side === "BUY",
        });
        this.#report(account, { order, exec: "TRADE", fill });
        return;
      }
      case "cancel":
        order.status = /on request/.test(u.reason) ? "CANCELED" : "EXPIRED";
        this.#report(account, { order, exec: order.status });
        return;
      case "expire":
        order.status = "EXPIRED";
        this.#report(account, { order, exec: "EXPIRED" });
        return;
      default:
        return;
    }
  }
}

/** PRICE_FILTER, LOT_SIZE and NOTIONAL, as the exchange checks them before the book does. */
function checkFilters(s: ExchangeSymbol, req: NewOrder, lastPrice: number): void {
  if (req.price !== undefined) {
    const ticks = req.price / s.tickSize;
    if (
      req.price <= 0 || ticks > MAX_STEPS ||
      Math.abs(ticks - Math.round(ticks)) > 1e-9 * Math.max(1, ticks)
    ) {
      throw filterFailure("PRICE_FILTER");
    }
  }
  const lots = req.quantity / s.lotSize;
  if (
    req.quantity <= 0 || lots > MAX_STEPS ||
    Math.abs(lots - Math.round(lots)) > 1e-9 * Math.max(1, lots)
  ) {
    throw filterFailure("LOT_SIZE");
  }
  const price = req.price ?? lastPrice;
  if (price > 0 && price * req.quantity < s.minNotional - 1e-12) throw filterFailure("NOTIONAL");
}

/** The exchange's error for a refusal by the market. */
function rejection(reason: string): ApiError {
  if (reason.startsWith("insufficient")) return orderRejected(REJECT.insufficientBalance);
  if (reason.includes("post-only")) return orderRejected(REJECT.wouldMatch);
  return orderRejected(reason);
}

function roundLots(qty: number, lot: number): number {
  return Math.round(qty / lot) * lot;
}
