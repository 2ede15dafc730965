/**
 * The paper exchange's vocabulary: its symbols, accounts, orders, fills and trades, in decimal
 * units and the exchange's own names (`BUY`, `LIMIT_MAKER`, `PARTIALLY_FILLED`, …).
 * @module
 */

/** An API account: its name, credentials and starting cash (quote currency). */
export interface PaperAccountSpec {
  readonly name: string;
  readonly apiKey: string;
  readonly secret: string;
  readonly cash: number;
}

/** A symbol as the exchange lists it. */
export interface ExchangeSymbol {
  /** Exchange symbol: base and quote run together (`SIMUSDT`). */
  readonly symbol: string;
  readonly index: number;
  /** The simulator's name of it: also the base asset. */
  readonly base: string;
  readonly quote: string;
  readonly tickSize: number;
  readonly lotSize: number;
  readonly minNotional: number;
}

export type OrderSide = "BUY" | "SELL";
export type OrderType = "LIMIT" | "MARKET" | "LIMIT_MAKER";
export type TimeInForce = "GTC" | "IOC" | "FOK";
export type OrderStatus =
  | "NEW"
  | "PARTIALLY_FILLED"
  | "FILLED"
  | "CANCELED"
  | "REJECTED"
  | "EXPIRED";

/** One fill of an order. */
export interface OrderFill {
  readonly tradeId: number;
  readonly price: number;
  readonly qty: number;
  readonly commission: number;
  readonly maker: boolean;
  readonly time: number;
}

/** An order at the exchange. */
export interface PaperOrder {
  readonly symbol: ExchangeSymbol;
  orderId: number;
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  /** Limit price; 0 for a market order. */
  readonly price: number;
  readonly origQty: number;
  executedQty: number;
  cumQuote: number;
  status: OrderStatus | "PENDING";
  readonly time: number;
  updateTime: number;
  readonly fills: OrderFill[];
  /** Why the market refused it. */
  rejectReason: string | undefined;
}

/** What a new order asks for (already checked for form). */
export interface NewOrder {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly quantity: number;
  /** Limit price; undefined for a market order. */
  readonly price: number | undefined;
  readonly clientOrderId: string;
}

/** One of an account's trades. */
export interface AccountTrade extends OrderFill {
  readonly symbol: ExchangeSymbol;
  readonly orderId: number;
  readonly buyer: boolean;
}

/** An order named by the exchange's id or by the client's. */
export interface OrderRef {
  readonly orderId?: number;
  readonly clientOrderId?: string;
}

/** A change of one of an account's orders, as the user data stream reports it. */
export interface OrderReport {
  readonly order: PaperOrder;
  /** What happened: accepted, a fill, cancelled, expired. */
  readonly exec: "NEW" | "TRADE" | "CANCELED" | "EXPIRED";
  /** The fill, for `TRADE`. */
  readonly fill?: OrderFill;
}
