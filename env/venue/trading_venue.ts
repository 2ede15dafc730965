/**
 * What every venue offers a trader — the simulated venue ({@linkcode Venue}) and the replay
 * venue over recorded bars alike — so the broker, the RL environment and tests drive either
 * without knowing which. Prices are integer ticks, quantities integer lots.
 * @module
 */
import type { Accounts, AccountSpec, AccountView } from "./accounts.ts";
import type { OrderKind, Side } from "../book/mod.ts";
import type { MarketEvent, OrderUpdate } from "./venue_events.ts";

/** An account's latency, ms. */
export interface Latency {
  /** Fixed delay of every order command. Default 1. */
  readonly orderMs?: number;
  /** Mean of the exponential jitter added to each command. Default 0.5. */
  readonly jitterMs?: number;
  /** Delay of order updates back to the account. Default 1. */
  readonly marketDataMs?: number;
}

/** An account to open: its money, margin, latency and listener. */
export interface AccountOptions extends AccountSpec {
  readonly latency?: Latency;
  /** Receives the account's order updates (after its market-data latency). */
  readonly listener?: (update: OrderUpdate) => void;
}

/** Counts of what the venue did. */
export interface VenueStats {
  /** Commands that reached the venue. */
  readonly commands: number;
  /** Commands rejected (by the rules, the account checks, or the book). */
  readonly rejects: number;
  readonly trades: number;
  /** Lots traded. */
  readonly volume: number;
}

/** The trading surface shared by the simulated and the replay venue. */
export interface TradingVenue {
  readonly symbols: readonly { readonly name: string }[];
  /** Cash and positions of every account (the venue's own bookkeeping, for env code). */
  readonly accounts: Accounts;
  /** A copy of one account's holdings: what an exchange's balance query returns. */
  account(account: number): AccountView;
  /** Counts of what the venue did so far. */
  readonly stats: VenueStats;
  /** Opens an account; returns its index. */
  openAccount(options?: AccountOptions): number;
  /** Sends a new order; returns its id. Limit and stop orders need `price` (ticks). */
  submit(
    account: number,
    symbol: number,
    side: Side,
    kind: OrderKind,
    price: number,
    qty: number,
  ): number;
  /**
   * Sends a market order sized at its fill: so that the position in `symbol` becomes `fraction`
   * of the account's equity (negative: short) in whole lots at the fill price, within the
   * account's margin or cash ({@linkcode Accounts.targetDelta}). `side` is the way it is
   * expected to go; when at the fill the position is already there or must go the other way, the
   * order is cancelled. A `sized` update gives its quantity before the fill. Returns its id.
   */
  submitTarget(account: number, symbol: number, side: Side, fraction: number): number;
  /** Sends a cancel of order `id`. */
  cancel(account: number, symbol: number, id: number): void;
  /** Sends a cancel/replace of order `id` to a new price and quantity. */
  replace(account: number, symbol: number, id: number, price: number, qty: number): void;
  /** True while order `id` is live at the venue. */
  isLive(id: number): boolean;
  /** Adds a market-data feed. */
  addFeed(fn: (e: MarketEvent) => void, delayMs?: number): void;
  /** Best bid, best ask and mid (ticks); 0 when unknown. */
  bestBid(symbol: number): number;
  bestAsk(symbol: number): number;
  mid(symbol: number): number;
}
