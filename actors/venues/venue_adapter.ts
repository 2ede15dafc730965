/**
 * The venue interface: where an approved order leaves Agora, shaped like an exchange (and like
 * ccxt's model of one) so the simulator, a replay of recorded bars, the paper venue and a live
 * exchange all sit behind it.
 *
 * - **Asynchronous.** {@linkcode VenueAdapter.submit} hands an order over and returns nothing;
 *   what the venue makes of it arrives later, as {@linkcode AdapterUpdate}s through the listener
 *   the adapter was built with: `sent` (it left; the venue's id when already known), `ack`,
 *   `reject`, `fill` (each with its trade id and fee), `cancel`, `expire`, and `cancel-failed`
 *   (the venue refused a cancel: the order had already finished). Updates name the order by its
 *   client order id, the idempotency key the broker chose, and may arrive out of order (a fill
 *   before its ack).
 * - **Queries**: {@linkcode VenueAdapter.reconcile} returns what the venue holds for the account
 *   (open orders, balances) and the fills after a cursor, as ccxt's `fetchOpenOrders`,
 *   `fetchBalance` and `fetchMyTrades` do, so a restarted broker can find out where it stands.
 * - **Decimal edge.** Prices and quantities cross this interface in decimal units; each adapter
 *   converts to the venue's own representation (integer ticks and lots in the simulator) using
 *   its {@linkcode MarketInfo}: the tick, the lot and the minimum size, as ccxt's `precision` and
 *   `limits` give them.
 *
 * @module
 */
import type { Order, Side } from "../protocol/mod.ts";

/** One tradable symbol's precision and limits at a venue (ccxt's market `precision`/`limits`). */
export interface MarketInfo {
  /** Symbol, as in messages. */
  readonly symbol: string;
  /** The smallest price step. */
  readonly tickSize: number;
  /** The smallest quantity step. */
  readonly lotSize: number;
  /** The smallest order quantity (defaults to one lot). */
  readonly minQty?: number;
  /** The asset bought and sold (ccxt's `base`). */
  readonly base: string;
  /** The currency prices and fees are in (ccxt's `quote`). */
  readonly quote: string;
}

/**
 * Something a venue said about one of our orders, in decimal units — or, `margin-call`, about
 * the account: its equity fell below the maintenance margin of its positions.
 */
export type AdapterUpdate =
  | {
    readonly type: "margin-call";
    readonly ts: number;
    /** Equity and maintenance requirement, in the quote currency. */
    readonly equity: number;
    readonly requirement: number;
  }
  | {
    /** The order left for the venue; `venueOrderId` when the venue assigned it at once. */
    readonly type: "sent";
    readonly clientOrderId: string;
    readonly venueOrderId?: string;
    readonly ts: number;
  }
  | {
    readonly type: "ack";
    readonly clientOrderId: string;
    readonly venueOrderId: string;
    readonly ts: number;
  }
  | {
    /**
     * `reject`: the order was refused (by the venue, or by the adapter before it left — then
     * without a venue id); `cancel`/`expire`: it ended with quantity left; `cancel-failed`: a
     * cancel was refused because the order had already finished (a normal race).
     */
    readonly type: "reject" | "cancel" | "expire" | "cancel-failed";
    readonly clientOrderId: string;
    readonly venueOrderId?: string;
    readonly ts: number;
    readonly reason: string;
  }
  | {
    /** An order sized at its fill got its quantity, before the fill. */
    readonly type: "sized";
    readonly clientOrderId: string;
    readonly venueOrderId: string;
    readonly ts: number;
    readonly qty: number;
  }
  | {
    readonly type: "fill";
    readonly clientOrderId: string;
    readonly venueOrderId: string;
    /** The venue's id of this trade (unique per venue). */
    readonly tradeId: string;
    readonly ts: number;
    readonly price: number;
    readonly qty: number;
    readonly fee: number;
    readonly liquidity: "maker" | "taker";
  };

/** An order as the venue holds it (ccxt's order structure, trimmed to what we use). */
export interface VenueOrder {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: "market" | "limit";
  /** Limit price; undefined for a market order. */
  readonly price?: number;
  readonly amount: number;
  readonly filled: number;
  readonly remaining: number;
  readonly status: "open" | "closed" | "canceled" | "expired" | "rejected";
  readonly timestamp: number;
}

/** One fill of one of our orders (ccxt's trade structure). */
export interface VenueTrade {
  readonly tradeId: string;
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly price: number;
  readonly amount: number;
  readonly fee: { readonly cost: number; readonly currency: string };
  readonly takerOrMaker: "maker" | "taker";
  readonly timestamp: number;
}

/** One currency or asset of the account (ccxt's balance entry); `total` < 0 for a short. */
export interface Balance {
  readonly free: number;
  readonly used: number;
  readonly total: number;
}

/** What {@linkcode VenueAdapter.reconcile} found. */
export interface Reconciliation {
  readonly openOrders: readonly VenueOrder[];
  /** Per currency or asset (the quote currency, and each symbol's base asset). */
  readonly balances: Readonly<Record<string, Balance>>;
  /** Fills after the cursor asked for, oldest first. */
  readonly fills: readonly VenueTrade[];
  /** Pass back to get only the fills after these. */
  readonly cursor: string;
  /**
   * True when fills between the cursor asked for and the first returned are no longer held by
   * the adapter (its fill log is bounded): the caller must rebuild from balances.
   */
  readonly truncated: boolean;
}

/** The broker's view of one account at one venue; see the module documentation. */
export interface VenueAdapter {
  /** Venue name, as it appears in messages. */
  readonly venue: string;
  /** Currency fees are charged in. */
  readonly feeCurrency: string;
  /** The symbols tradable here, with their precision and limits. */
  readonly markets: readonly MarketInfo[];
  /** Hands an order over; what happens to it arrives later as updates. Never throws. */
  submit(order: Order): void;
  /** Asks the venue to cancel the order with this client order id; the outcome arrives later. */
  cancel(clientOrderId: string): void;
  /** Open orders, balances, and the fills after `cursor` (all fills held without one). */
  reconcile(cursor?: string): Promise<Reconciliation>;
}

/** Decimals needed to write `step` exactly (0.25 → 2, 0.01 → 2, 5 → 0; at most 12). */
export function decimalsOf(step: number): number {
  for (let d = 0; d <= 12; d++) {
    const s = step * 10 ** d;
    if (Math.abs(s - Math.round(s)) < 1e-9 * Math.max(1, s)) return d;
  }
  return 12;
}

/** Powers of ten by exponent, 0..12. */
const TENS = Array.from({ length: 13 }, (_, d) => 10 ** d);
let lastStep = NaN;
let lastDecimals = 0;

/**
 * `x` rounded to the decimals of `step` (so 0.1 + 0.2 prints as 0.3, and 100.25 stays), as
 * `Number(x.toFixed(decimals))` gives it. On the hot path (every price of every bar), so without
 * strings: an integer over a power of ten is the double nearest that decimal, as parsing gives;
 * only a value within a hair of a half step (where the product's rounding could differ from
 * toFixed's exact one) or too large for the arithmetic goes through toFixed.
 */
export function roundTo(x: number, step: number): number {
  if (step !== lastStep) {
    lastDecimals = decimalsOf(step);
    lastStep = step;
  }
  const d = lastDecimals;
  const p = TENS[d];
  const y = x * p;
  const frac = Math.abs(y - Math.trunc(y));
  if (!(Math.abs(y) < 2 ** 50) || Math.abs(frac - 0.5) < 1e-6) return Number(x.toFixed(d));
  return Math.round(y) / p;
}
