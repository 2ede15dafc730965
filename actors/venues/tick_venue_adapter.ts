/**
 * {@linkcode TickVenueAdapter}: the venue interface over a {@linkcode TradingVenue} — the
 * simulator's venue or the replay venue — for one account. It converts decimal prices and
 * quantities to the venue's integer ticks and lots and back, names every update by the client
 * order id it was sent with, keeps the account's open orders as the venue reported them, and a
 * bounded log of its fills for {@linkcode TickVenueAdapter.reconcile}.
 *
 * Deterministic: it adds no clock and no randomness, so a run through it gives the same
 * recording every time.
 * @module
 */
import { OrderKind, Side as VenueSide } from "../../env/book/mod.ts";
import {
  cashShortfallOf,
  type MarginSpec,
  type OrderUpdate,
  type TradingVenue,
} from "../../env/venue/mod.ts";
import type { Order } from "../protocol/mod.ts";
import {
  type AdapterUpdate,
  type Balance,
  type MarketInfo,
  type Reconciliation,
  roundTo,
  type VenueAdapter,
  type VenueOrder,
  type VenueTrade,
} from "./venue_adapter.ts";

/** A venue symbol's name and the sizes of its tick and lot. */
export interface SymbolInfo {
  readonly name: string;
  readonly tickSize: number;
  readonly lotSize: number;
}

/** Options of {@linkcode TickVenueAdapter}. */
export interface TickAdapterOptions {
  /** Venue name, as it appears in messages. */
  readonly venue: string;
  readonly symbols: readonly SymbolInfo[];
  /**
   * Starting cash (decimal currency) and how many lots each symbol may go short — or, with
   * `margin`, a margin account (shorts then need margin like longs; `shortLimitLots` is unused).
   */
  readonly account: {
    readonly cash: number;
    readonly shortLimitLots: number;
    readonly margin?: MarginSpec;
  };
  /** Hears every update of the account's orders. */
  readonly onUpdate: (u: AdapterUpdate) => void;
  /** Fills kept for `reconcile` (oldest dropped first). Default 1,000. */
  readonly fillLog?: number;
  /** The currency cash and fees are in. Default "USD". */
  readonly currency?: string;
}

interface Tracked {
  readonly order: Order;
  readonly symbol: number;
  readonly venueOrderId: string;
  accepted: boolean;
  filled: number;
  fills: number;
}

/** See the module documentation. */
export class TickVenueAdapter implements VenueAdapter {
  readonly venue: string;
  readonly feeCurrency: string;
  readonly markets: readonly MarketInfo[];
  readonly #market: TradingVenue;
  readonly #symbols: readonly SymbolInfo[];
  readonly #index: ReadonlyMap<string, number>;
  readonly #account: number;
  readonly #onUpdate: (u: AdapterUpdate) => void;
  /** Orders the venue has not finished, by venue id. */
  readonly #live = new Map<number, Tracked>();
  readonly #byClient = new Map<string, number>();
  /** The last `#fillLog` fills, a ring: fill number `n` (from 0) is at `n % #fillLog`. */
  readonly #fills: VenueTrade[] = [];
  readonly #fillLog: number;
  #fillSeq = 0;
  /** Updates the venue gave while `submit` waited for its order id; emitted after `sent`. */
  #held: OrderUpdate[] | undefined;

  /** Opens an account at `market`; see {@linkcode TickAdapterOptions}. */
  constructor(market: TradingVenue, options: TickAdapterOptions) {
    const { symbols, account } = options;
    this.venue = options.venue;
    this.feeCurrency = options.currency ?? "USD";
    this.#market = market;
    this.#symbols = symbols;
    this.#onUpdate = options.onUpdate;
    this.#fillLog = options.fillLog ?? 1_000;
    if (!Number.isInteger(this.#fillLog) || this.#fillLog < 1) {
      throw new RangeError(`fillLog: expected an integer ≥ 1, got ${options.fillLog}`);
    }
    this.#index = new Map(symbols.map((s, i) => [s.name, i]));
    this.markets = symbols.map((s) => ({
      symbol: s.name,
      tickSize: s.tickSize,
      lotSize: s.lotSize,
      minQty: s.lotSize,
      base: s.name,
      quote: this.feeCurrency,
    }));
    const unit = symbols[0].tickSize * symbols[0].lotSize;
    for (const s of symbols) {
      if (Math.abs(s.tickSize * s.lotSize - unit) > 1e-12 * unit) {
        throw new RangeError(
          `symbols: tick × lot must be equal for every symbol of one venue account (${s.name})`,
        );
      }
    }
    this.#account = market.openAccount({
      cash: Math.round(account.cash / unit),
      shortLimit: account.shortLimitLots,
      ...(account.margin === undefined ? {} : { margin: account.margin }),
      listener: (u) => {
        if (this.#held !== undefined) this.#held.push(u);
        else this.#convert(u);
      },
    });
  }

  /** The account's index at the venue. */
  get account(): number {
    return this.#account;
  }

  submit(order: Order): void {
    const refuse = (reason: string) =>
      this.#onUpdate({ type: "reject", clientOrderId: order.clientOrderId, ts: order.ts, reason });
    const s = this.#index.get(order.symbol);
    if (s === undefined) return refuse(`symbol ${order.symbol} is not traded at ${this.venue}`);
    const info = this.#symbols[s];
    const lots = order.qty / info.lotSize;
    const target = order.targetFraction;
    if (target === undefined && Math.abs(lots - Math.round(lots)) > 1e-9) {
      return refuse(`qty ${order.qty} is not a whole number of lots of ${info.lotSize}`);
    }
    let kind: OrderKind = OrderKind.Market;
    let ticks = 0;
    if (order.type === "limit") {
      ticks = Math.round(order.limitPrice! / info.tickSize);
      if (ticks <= 0) return refuse(`limit price ${order.limitPrice} rounds to 0 ticks`);
      kind = order.postOnly
        ? OrderKind.PostOnly
        : order.tif === "ioc"
        ? OrderKind.Ioc
        : order.tif === "fok"
        ? OrderKind.Fok
        : OrderKind.Limit;
    }
    const side = order.side === "buy" ? VenueSide.Buy : VenueSide.Sell;
    const held: OrderUpdate[] = [];
    this.#held = held;
    let id: number;
    try {
      id = target === undefined
        ? this.#market.submit(this.#account, s, side, kind, ticks, Math.round(lots))
        : this.#market.submitTarget(this.#account, s, side, target);
    } catch (error) {
      this.#held = undefined;
      return refuse((error as Error).message);
    }
    this.#held = undefined;
    const venueOrderId = String(id);
    const t: Tracked = { order, symbol: s, venueOrderId, accepted: false, filled: 0, fills: 0 };
    this.#live.set(id, t);
    this.#byClient.set(order.clientOrderId, id);
    this.#onUpdate({
      type: "sent",
      clientOrderId: order.clientOrderId,
      venueOrderId,
      ts: order.ts,
    });
    for (const u of held) this.#convert(u);
  }

  cancel(clientOrderId: string): void {
    const id = this.#byClient.get(clientOrderId);
    const t = id === undefined ? undefined : this.#live.get(id);
    // Only an order the venue has acknowledged and still holds can be cancelled; a cancel of a
    // dead one would only come back refused.
    if (t !== undefined && t.accepted && this.#market.isLive(id!)) {
      this.#market.cancel(this.#account, t.symbol, id!);
    }
  }

  reconcile(cursor?: string): Promise<Reconciliation> {
    const after = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(after) || after < 0) {
      return Promise.reject(
        new RangeError(`cursor: expected a cursor from reconcile, got ${cursor}`),
      );
    }
    const openOrders: VenueOrder[] = [];
    for (const [id, t] of this.#live) {
      if (!t.accepted || !this.#market.isLive(id)) continue;
      const o = t.order;
      openOrders.push({
        clientOrderId: o.clientOrderId,
        venueOrderId: t.venueOrderId,
        symbol: o.symbol,
        side: o.side,
        type: o.type,
        ...(o.type === "limit" ? { price: o.limitPrice } : {}),
        amount: o.qty,
        filled: t.filled,
        remaining: roundTo(o.qty - t.filled, this.#symbols[t.symbol].lotSize),
        status: "open",
        timestamp: o.ts,
      });
    }
    const first = this.#fillSeq - this.#fills.length; // number of the oldest fill held
    const fills: VenueTrade[] = [];
    for (let n = Math.max(after, first); n < this.#fillSeq; n++) {
      fills.push(this.#fills[n % this.#fillLog]);
    }
    return Promise.resolve({
      openOrders,
      balances: this.balances(),
      fills,
      cursor: String(this.#fillSeq),
      truncated: after < first,
    });
  }

  /** The account's balances now: the quote currency and each symbol's base asset. */
  balances(): Record<string, Balance> {
    const v = this.#market.account(this.#account);
    const s0 = this.#symbols[0];
    const unit = s0.tickSize * s0.lotSize;
    const cash = roundTo(v.cash * unit, unit);
    const held = roundTo(v.cashHeld * unit, unit);
    const out: Record<string, Balance> = {
      [this.feeCurrency]: { free: roundTo(cash - held, unit), used: held, total: cash },
    };
    this.#symbols.forEach((s, i) => {
      const total = roundTo(v.positions[i] * s.lotSize, s.lotSize);
      const used = roundTo(v.qtyHeld[i] * s.lotSize, s.lotSize);
      out[s.name] = { free: roundTo(total - used, s.lotSize), used, total };
    });
    return out;
  }

  /** A venue's reason with its notional-unit amounts said in currency. */
  #inCurrency(reason: string): string {
    const shortfall = cashShortfallOf(reason);
    if (shortfall === null) return reason;
    const unit = this.#symbols[0].tickSize * this.#symbols[0].lotSize;
    const money = (units: number) =>
      `${
        (units * unit).toLocaleString("en-US", {
          minimumFractionDigits: 2,
          maximumFractionDigits: 2,
        })
      } ${this.feeCurrency}`;
    return `insufficient ${shortfall.what}: needs ${money(shortfall.needs)}, ${
      money(shortfall.free)
    } free`;
  }

  #convert(u: OrderUpdate): void {
    if (u.type === "margin-call") {
      const unit = this.#symbols[0].tickSize * this.#symbols[0].lotSize;
      return this.#onUpdate({
        type: "margin-call",
        ts: u.time,
        equity: roundTo(u.margin!.equity * unit, unit),
        requirement: roundTo(u.margin!.requirement * unit, unit),
      });
    }
    const t = this.#live.get(u.id);
    if (t === undefined) return; // not one of ours, or already finished
    const clientOrderId = t.order.clientOrderId;
    const venueOrderId = t.venueOrderId;
    const info = this.#symbols[u.symbol];
    switch (u.type) {
      case "accepted":
        t.accepted = true;
        return this.#onUpdate({ type: "ack", clientOrderId, venueOrderId, ts: u.time });
      case "rejected":
        // After its acknowledgement an order can only be refused a cancel (it had finished).
        if (!t.accepted) this.#forget(u.id);
        return this.#onUpdate({
          type: t.accepted ? "cancel-failed" : "reject",
          clientOrderId,
          venueOrderId,
          ts: u.time,
          reason: this.#inCurrency(u.reason) || "rejected",
        });
      case "cancelled":
        this.#forget(u.id);
        return this.#onUpdate({
          type: u.reason === "expired" ? "expire" : "cancel",
          clientOrderId,
          venueOrderId,
          ts: u.time,
          reason: this.#inCurrency(u.reason) || "cancelled",
        });
      case "fill": {
        const price = roundTo(u.price * info.tickSize, info.tickSize);
        const qty = u.qty * info.lotSize;
        const fee = u.fee * info.tickSize * info.lotSize;
        const liquidity = u.liquidity === "maker" ? "maker" : "taker";
        t.filled = roundTo(t.filled + qty, info.lotSize);
        const tradeId = `${venueOrderId}-${++t.fills}`;
        this.#logFill({
          tradeId,
          clientOrderId,
          venueOrderId,
          symbol: info.name,
          side: t.order.side,
          price,
          amount: qty,
          fee: { cost: fee, currency: this.feeCurrency },
          takerOrMaker: liquidity,
          timestamp: u.time,
        });
        return this.#onUpdate({
          type: "fill",
          clientOrderId,
          venueOrderId,
          tradeId,
          ts: u.time,
          price,
          qty,
          fee,
          liquidity,
        });
      }
      case "sized":
        return this.#onUpdate({
          type: "sized",
          clientOrderId,
          venueOrderId,
          ts: u.time,
          qty: roundTo(u.qty * info.lotSize, info.lotSize),
        });
      case "filled":
        this.#forget(u.id); // the last fill already completed the order
        return;
      default:
        return; // rested, replaced: no change of lifecycle state
    }
  }

  #forget(id: number): void {
    const t = this.#live.get(id);
    if (t === undefined) return;
    this.#live.delete(id);
    this.#byClient.delete(t.order.clientOrderId);
  }

  #logFill(trade: VenueTrade): void {
    this.#fills[this.#fillSeq++ % this.#fillLog] = trade;
  }
}
