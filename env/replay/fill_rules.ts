/**
 * How the replay venue fills orders against recorded bars — every rule in one place.
 *
 * A bar is open, high, low and close, in integer ticks. An order takes part from the first bar
 * that *opens after* it was sent, so nothing trades on a price it could not have seen.
 *
 * | order | fills when | at |
 * |---|---|---|
 * | market buy / sell | the next bar opens | open, plus (buy) or minus (sell) half the spread and the slippage |
 * | limit buy at L | the ask touches L: low × (1 + spread/2) ≤ L | L; or the open's ask when the bar opens at or below L (gap-through: the better price) |
 * | limit sell at L | the bid touches L: high × (1 − spread/2) ≥ L | L; or the open's bid when the bar opens at or above L |
 * | stop buy at S | the ask reaches S: high × (1 + spread/2) ≥ S | S plus the slippage; or the open's ask plus slippage when the bar opens at or above S (gap-through: the worse price) |
 * | stop sell at S | the bid reaches S: low × (1 − spread/2) ≤ S | S minus the slippage; or the open's bid minus slippage when the bar opens at or below S |
 *
 * - `spread` is the full bid-ask spread and `slippage` an extra adverse move, both fractions of
 *   the price; bars are taken as mid (or trade) prices. Limit orders pay no slippage (they wait
 *   for the price); market and stop orders do.
 * - A fill price that is not a whole tick is rounded against the trader (buys up, sells down).
 * - Commission is a fraction of the fill's notional, rounded up to a whole notional unit.
 * - An order fills completely or not at all: bars carry no depth, so there are no partial fills.
 *
 * @example
 * ```ts
 * import { fillPrice, NO_COSTS } from "./fill_rules.ts";
 * import { OrderKind, Side } from "../book/mod.ts";
 * const bar = { open: 100, high: 110, low: 95, close: 105 };
 * // A buy limit at 97 is touched by the low of 95 and fills at its price.
 * if (fillPrice(Side.Buy, OrderKind.Limit, 97, bar, NO_COSTS) !== 97) throw new Error("unreachable");
 * // A buy limit at 101 is already through at the open of 100 (gap-through): it fills at 100.
 * if (fillPrice(Side.Buy, OrderKind.Limit, 101, bar, NO_COSTS) !== 100) throw new Error("unreachable");
 * ```
 * @module
 */
import { OrderKind, Side } from "../book/mod.ts";

/** One bar's prices, ticks. */
export interface BarPrices {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

/** Trading costs of the replay venue, fractions of price or notional. */
export interface FillCosts {
  /** Full bid-ask spread, fraction of price. */
  readonly spread: number;
  /** Adverse move on market and stop fills, fraction of price. */
  readonly slippage: number;
}

/** No spread, no slippage. */
export const NO_COSTS: FillCosts = { spread: 0, slippage: 0 };

/**
 * The price (ticks) at which an order of `kind` (Market, Limit or Stop) and `side` fills in
 * `bar`, or NaN when it does not fill there. `price` is the limit or stop price (ignored for
 * market orders).
 */
export function fillPrice(
  side: Side,
  kind: OrderKind,
  price: number,
  bar: BarPrices,
  costs: FillCosts,
): number {
  const half = costs.spread / 2;
  const buy = side === Side.Buy;
  const sign = buy ? 1 : -1;
  const openQuote = bar.open * (1 + sign * half); // the ask (buy) or bid (sell) at the open
  let p: number;
  if (kind === OrderKind.Market) {
    p = openQuote * (1 + sign * costs.slippage);
  } else if (kind === OrderKind.Limit) {
    if (buy ? openQuote <= price : openQuote >= price) p = openQuote;
    else {
      const touch = buy ? bar.low * (1 + half) <= price : bar.high * (1 - half) >= price;
      if (!touch) return NaN;
      p = price;
    }
  } else if (kind === OrderKind.Stop) {
    if (buy ? openQuote >= price : openQuote <= price) {
      p = openQuote * (1 + sign * costs.slippage);
    } else {
      const reach = buy ? bar.high * (1 + half) >= price : bar.low * (1 - half) <= price;
      if (!reach) return NaN;
      p = price * (1 + sign * costs.slippage);
    }
  } else {
    return NaN;
  }
  // Round against the trader; the epsilon keeps exact ticks from moving on float noise.
  return buy ? Math.ceil(p - 1e-9) : Math.max(1, Math.floor(p + 1e-9));
}

/** Commission of a fill: `notional × rate`, rounded up to a whole unit. */
export function commissionOf(notional: number, rate: number): number {
  return rate === 0 ? 0 : Math.ceil(notional * rate - 1e-9);
}
