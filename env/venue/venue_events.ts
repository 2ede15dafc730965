/**
 * What the simulated venue tells the outside: order updates to an account's listener, and the
 * market data every feed receives (trades, book tops, level-2 updates, bars). Prices are integer
 * ticks, quantities integer lots, times ms of simulated time.
 * @module
 */
import type { Side } from "../book/mod.ts";

/** What happened to one of an account's orders. */
export interface OrderUpdate {
  /**
   * `sized`: an order sized at its fill (a fraction of equity) got its quantity, `qty`, just
   * before its fill; `margin-call`: the account's equity fell below its maintenance margin
   * (`margin`), with no order (`id` 0).
   */
  readonly type:
    | "accepted"
    | "rejected"
    | "fill"
    | "rested"
    | "filled"
    | "cancelled"
    | "replaced"
    | "sized"
    | "margin-call";
  /** Venue time of the event (the listener runs later, by the market-data latency). */
  readonly time: number;
  readonly account: number;
  readonly symbol: number;
  readonly id: number;
  readonly side: Side;
  readonly price: number;
  readonly qty: number;
  /** Fee of a fill, notional units. */
  readonly fee: number;
  readonly liquidity: "maker" | "taker" | "";
  /** Why (rejected, cancelled, replaced); empty otherwise. */
  readonly reason: string;
  /** Of a `margin-call`: the equity and the maintenance requirement, notional units. */
  readonly margin?: { readonly equity: number; readonly requirement: number };
}

/** A trade print. */
export interface TradeEvent {
  readonly type: "trade";
  readonly symbol: number;
  readonly time: number;
  readonly price: number;
  readonly qty: number;
  readonly aggressor: Side;
  readonly seq: number;
}

/** The best bid and ask changed (0 prices when a side is empty). */
export interface TopEvent {
  readonly type: "top";
  readonly symbol: number;
  readonly time: number;
  readonly bid: number;
  readonly bidQty: number;
  readonly ask: number;
  readonly askQty: number;
}

/** A level-2 update: the level's total quantity (0 = gone) and order count. */
export interface LevelEvent {
  readonly type: "level";
  readonly symbol: number;
  readonly time: number;
  readonly side: Side;
  readonly price: number;
  readonly qty: number;
  readonly count: number;
}

/** A closed bar over [start, end): OHLCV of trades, plus the mid and top at the close. */
export interface BarEvent {
  readonly type: "bar";
  readonly symbol: number;
  readonly start: number;
  readonly end: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly trades: number;
  /** Mid at the close ((bid + ask) / 2), or 0 when a side is empty. */
  readonly mid: number;
  readonly bid: number;
  readonly ask: number;
}

/** Anything the venue publishes. */
export type MarketEvent = TradeEvent | TopEvent | LevelEvent | BarEvent;
