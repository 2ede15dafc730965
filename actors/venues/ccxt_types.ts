/**
 * The parts of a ccxt exchange, its orders and its trades that the ccxt venue adapter reads —
 * structural, so the actors never load ccxt itself (the live command hands them the object).
 * @module
 */

/** A ccxt order, as far as the adapter reads it. */
export interface CcxtOrder {
  readonly id: string;
  readonly clientOrderId?: string;
  readonly timestamp?: number;
  readonly symbol: string;
  readonly type?: string;
  readonly side: "buy" | "sell";
  readonly price?: number;
  readonly amount?: number;
  readonly filled?: number;
  readonly remaining?: number;
  readonly status?: string;
  readonly trades?: readonly CcxtTrade[];
}

/** A ccxt trade, as far as the adapter reads it. */
export interface CcxtTrade {
  readonly id?: string;
  readonly order?: string;
  readonly timestamp?: number;
  readonly symbol?: string;
  readonly side?: "buy" | "sell";
  readonly price?: number;
  readonly amount?: number;
  readonly fee?: { readonly cost?: number; readonly currency?: string };
  readonly takerOrMaker?: string;
}

/** The parts of a ccxt `Exchange` the adapter uses. */
export interface CcxtExchange {
  readonly markets: Record<string, unknown> | undefined;
  loadMarkets(reload?: boolean): Promise<Record<string, unknown>>;
  createOrder(
    symbol: string,
    type: string,
    side: string,
    amount: number,
    price?: number,
    params?: Record<string, unknown>,
  ): Promise<CcxtOrder>;
  cancelOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<CcxtOrder>;
  fetchOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<CcxtOrder>;
  fetchOpenOrders(symbol?: string): Promise<CcxtOrder[]>;
  fetchMyTrades(symbol?: string, since?: number, limit?: number): Promise<CcxtTrade[]>;
  fetchBalance(): Promise<Record<string, unknown>>;
  amountToPrecision(symbol: string, amount: number): string;
  priceToPrecision(symbol: string, price: number): string;
}
