/**
 * The broker's venue adapters: where an approved order leaves Agora. One interface,
 * {@linkcode VenueAdapter}; {@linkcode TickVenueAdapter} serves both the simulated venue and the
 * replay venue (anything implementing {@linkcode TradingVenue}), converting decimal prices and
 * quantities to the venue's integer ticks and lots and back. A ccxt adapter comes later.
 *
 * Each adapter trades one account: one per trading agent.
 * @module
 */
import { OrderKind, Side as VenueSide } from "../env/book_events.ts";
import type { TradingVenue } from "../env/trading_venue.ts";
import type { OrderUpdate } from "../env/venue_events.ts";
import type { Order } from "./messages.ts";

/** A venue symbol's name and the sizes of its tick and lot. */
export interface SymbolInfo {
  readonly name: string;
  readonly tickSize: number;
  readonly lotSize: number;
}

/** What a venue said about one of our orders, in decimal units. */
export type AdapterUpdate =
  | { readonly type: "ack"; readonly venueOrderId: string; readonly ts: number }
  | {
    readonly type: "reject" | "cancel" | "expire";
    readonly venueOrderId: string;
    readonly ts: number;
    readonly reason: string;
  }
  | {
    readonly type: "fill";
    readonly venueOrderId: string;
    readonly ts: number;
    readonly price: number;
    readonly qty: number;
    readonly fee: number;
    readonly liquidity: "maker" | "taker";
  };

/** The broker's view of a venue. */
export interface VenueAdapter {
  /** Venue name, as it appears in messages. */
  readonly venue: string;
  /** Currency fees are charged in. */
  readonly feeCurrency: string;
  /**
   * Sends an order. Returns the venue's order id, or an error string when the order cannot be
   * expressed at this venue (it is never sent then). Updates arrive later through the callback.
   */
  submit(order: Order): { readonly venueOrderId: string } | { readonly error: string };
  /** Asks the venue to cancel an order. */
  cancel(venueOrderId: string): void;
}

/** Adapter over a {@linkcode TradingVenue} (simulated or replay); see the module docs. */
export class TickVenueAdapter implements VenueAdapter {
  readonly feeCurrency = "USD";
  readonly #venue: TradingVenue;
  readonly #symbols: readonly SymbolInfo[];
  readonly #index: ReadonlyMap<string, number>;
  readonly #account: number;

  /**
   * Opens an account at `venue` with `cash` (decimal currency) and the short-selling allowance.
   * `onUpdate` hears every order update of the account.
   */
  constructor(
    market: TradingVenue,
    readonly venue: string,
    symbols: readonly SymbolInfo[],
    account: { readonly cash: number; readonly shortLimitLots: number },
    onUpdate: (u: AdapterUpdate) => void,
  ) {
    this.#venue = market;
    this.#symbols = symbols;
    this.#index = new Map(symbols.map((s, i) => [s.name, i]));
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
      listener: (u) => {
        const update = this.#convert(u);
        if (update !== undefined) onUpdate(update);
      },
    });
  }

  /** The account's index at the venue. */
  get account(): number {
    return this.#account;
  }

  submit(order: Order): { venueOrderId: string } | { error: string } {
    const s = this.#index.get(order.symbol);
    if (s === undefined) return { error: `symbol ${order.symbol} is not traded at ${this.venue}` };
    const info = this.#symbols[s];
    const lots = order.qty / info.lotSize;
    if (Math.abs(lots - Math.round(lots)) > 1e-9) {
      return { error: `qty ${order.qty} is not a whole number of lots of ${info.lotSize}` };
    }
    let kind: OrderKind = OrderKind.Market;
    let ticks = 0;
    if (order.type === "limit") {
      ticks = Math.round(order.limitPrice! / info.tickSize);
      if (ticks <= 0) return { error: `limit price ${order.limitPrice} rounds to 0 ticks` };
      kind = order.postOnly
        ? OrderKind.PostOnly
        : order.tif === "ioc"
        ? OrderKind.Ioc
        : order.tif === "fok"
        ? OrderKind.Fok
        : OrderKind.Limit;
    }
    const side = order.side === "buy" ? VenueSide.Buy : VenueSide.Sell;
    const id = this.#venue.submit(this.#account, s, side, kind, ticks, Math.round(lots));
    return { venueOrderId: String(id) };
  }

  cancel(venueOrderId: string): void {
    const id = Number(venueOrderId);
    // The venue answers a cancel of a dead order with a reject; only ask for live ones.
    const s = this.#symbolOfOrder.get(id);
    if (s !== undefined && this.#venue.isLive(id)) this.#venue.cancel(this.#account, s, id);
  }

  readonly #symbolOfOrder = new Map<number, number>();

  #convert(u: OrderUpdate): AdapterUpdate | undefined {
    const venueOrderId = String(u.id);
    const info = this.#symbols[u.symbol];
    switch (u.type) {
      case "accepted":
        this.#symbolOfOrder.set(u.id, u.symbol);
        return { type: "ack", venueOrderId, ts: u.time };
      case "rejected":
        this.#symbolOfOrder.delete(u.id);
        return { type: "reject", venueOrderId, ts: u.time, reason: u.reason || "rejected" };
      case "cancelled":
        this.#symbolOfOrder.delete(u.id);
        return {
          type: u.reason === "expired" ? "expire" : "cancel",
          venueOrderId,
          ts: u.time,
          reason: u.reason || "cancelled",
        };
      case "fill":
        return {
          type: "fill",
          venueOrderId,
          ts: u.time,
          price: roundTo(u.price * info.tickSize, info.tickSize),
          qty: u.qty * info.lotSize,
          fee: u.fee * info.tickSize * info.lotSize,
          liquidity: u.liquidity === "maker" ? "maker" : "taker",
        };
      case "filled":
        this.#symbolOfOrder.delete(u.id);
        return undefined; // the last fill already completed the order
      default:
        return undefined; // rested, replaced: no change of lifecycle state
    }
  }
}

/** Decimals needed to write `step` exactly (0.25 → 2, 0.01 → 2, 5 → 0; at most 12). */
export function decimalsOf(step: number): number {
  for (let d = 0; d <= 12; d++) {
    const s = step * 10 ** d;
    if (Math.abs(s - Math.round(s)) < 1e-9 * Math.max(1, s)) return d;
  }
  return 12;
}

/** `x` rounded to the decimals of `step` (so 0.1 + 0.2 prints as 0.3, and 100.25 stays). */
export function roundTo(x: number, step: number): number {
  return Number(x.toFixed(decimalsOf(step)));
}
