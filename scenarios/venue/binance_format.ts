/**
 * The paper exchange's state in the shapes of Binance's spot API v3: decimals as strings with
 * eight places, orders, fills, balances, the symbol list with its filters, depth, trades, klines
 * and tickers — the fields clients read (ccxt's `binance` parsers among them).
 * @module
 */
import type { TapeBar, TapeTrade } from "./market_tape.ts";
import { MAX_STEPS, type PaperExchange } from "./paper_exchange.ts";
import type { AccountTrade, ExchangeSymbol, PaperOrder } from "./exchange_types.ts";

/** A decimal as the exchange writes it: eight places. */
export function dec(x: number): string {
  return (Math.abs(x) < 5e-9 ? 0 : x).toFixed(8);
}

/** An order, as `GET /api/v3/order` answers. */
export function orderJson(o: PaperOrder): Record<string, unknown> {
  return {
    symbol: o.symbol.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: dec(o.price),
    origQty: dec(o.origQty),
    executedQty: dec(o.executedQty),
    cummulativeQuoteQty: dec(o.cumQuote),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    stopPrice: dec(0),
    icebergQty: dec(0),
    time: o.time,
    updateTime: o.updateTime,
    isWorking: o.status === "NEW" || o.status === "PARTIALLY_FILLED" || o.executedQty > 0,
    workingTime: o.time,
    origQuoteOrderQty: dec(0),
    selfTradePreventionMode: "NONE",
  };
}

/** A new order's answer in the response type asked for (`ACK`, `RESULT` or `FULL`). */
export function newOrderJson(
  o: PaperOrder,
  respType: "ACK" | "RESULT" | "FULL",
  quote: string,
): Record<string, unknown> {
  const ack = {
    symbol: o.symbol.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    transactTime: o.time,
  };
  if (respType === "ACK") return ack;
  const full = orderJson(o);
  const result: Record<string, unknown> = {
    ...ack,
    price: full.price,
    origQty: full.origQty,
    executedQty: full.executedQty,
    origQuoteOrderQty: full.origQuoteOrderQty,
    cummulativeQuoteQty: full.cummulativeQuoteQty,
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    workingTime: o.time,
    selfTradePreventionMode: "NONE",
  };
  if (respType === "FULL") {
    result.fills = o.fills.map((f) => ({
      price: dec(f.price),
      qty: dec(f.qty),
      commission: dec(f.commission),
      commissionAsset: quote,
      tradeId: f.tradeId,
    }));
  }
  return result;
}

/** A cancelled order, as `DELETE /api/v3/order` answers. */
export function cancelJson(o: PaperOrder, cancelId: string, ts: number): Record<string, unknown> {
  const full = orderJson(o);
  return {
    symbol: o.symbol.symbol,
    origClientOrderId: o.clientOrderId,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: cancelId,
    transactTime: ts,
    price: full.price,
    origQty: full.origQty,
    executedQty: full.executedQty,
    cummulativeQuoteQty: full.cummulativeQuoteQty,
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    selfTradePreventionMode: "NONE",
  };
}

/** One of the account's trades, as `GET /api/v3/myTrades` lists it. */
export function myTradeJson(t: AccountTrade, quote: string): Record<string, unknown> {
  return {
    symbol: t.symbol.symbol,
    id: t.tradeId,
    orderId: t.orderId,
    orderListId: -1,
    price: dec(t.price),
    qty: dec(t.qty),
    quoteQty: dec(t.price * t.qty),
    commission: dec(t.commission),
    commissionAsset: quote,
    time: t.time,
    isBuyer: t.buyer,
    isMaker: t.maker,
    isBestMatch: true,
  };
}

/** `GET /api/v3/account`. */
export function accountJson(
  ex: PaperExchange,
  apiKey: string,
  ts: number,
): Record<string, unknown> {
  const fee = dec(ex.feeRate);
  const bps = Math.round(ex.feeRate * 10_000);
  return {
    makerCommission: bps,
    takerCommission: bps,
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: fee, taker: fee, buyer: dec(0), seller: dec(0) },
    canTrade: true,
    canWithdraw: false,
    canDeposit: false,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: ts,
    accountType: "SPOT",
    balances: Object.entries(ex.balances(apiKey)).map(([asset, b]) => ({
      asset,
      free: dec(b.free),
      locked: dec(b.used),
    })),
    permissions: ["SPOT"],
    uid: 0,
  };
}

/** One symbol of `GET /api/v3/exchangeInfo`, with its filters. */
export function symbolJson(s: ExchangeSymbol): Record<string, unknown> {
  return {
    symbol: s.symbol,
    status: "TRADING",
    baseAsset: s.base,
    baseAssetPrecision: 8,
    quoteAsset: s.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET"],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: false,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: "PRICE_FILTER",
        minPrice: dec(s.tickSize),
        maxPrice: dec(MAX_STEPS * s.tickSize),
        tickSize: dec(s.tickSize),
      },
      {
        filterType: "LOT_SIZE",
        minQty: dec(s.lotSize),
        maxQty: dec(MAX_STEPS * s.lotSize),
        stepSize: dec(s.lotSize),
      },
      {
        filterType: "NOTIONAL",
        minNotional: dec(s.minNotional),
        applyMinToMarket: true,
        maxNotional: dec(9_000_000_000),
        applyMaxToMarket: false,
        avgPriceMins: 0,
      },
    ],
    permissions: [],
    permissionSets: [["SPOT"]],
    defaultSelfTradePreventionMode: "NONE",
    allowedSelfTradePreventionModes: ["NONE"],
  };
}

/** A trade print, as `GET /api/v3/trades` lists it (decimal price and quantity). */
export function tradeJson(t: TapeTrade, s: ExchangeSymbol): Record<string, unknown> {
  const price = t.price * s.tickSize, qty = t.qty * s.lotSize;
  return {
    id: t.id,
    price: dec(price),
    qty: dec(qty),
    quoteQty: dec(price * qty),
    time: t.time,
    isBuyerMaker: t.buyerMaker,
    isBestMatch: true,
  };
}

/** A trade print as its own aggregate, as `GET /api/v3/aggTrades` lists it. */
export function aggTradeJson(t: TapeTrade, s: ExchangeSymbol): Record<string, unknown> {
  return {
    a: t.id,
    p: dec(t.price * s.tickSize),
    q: dec(t.qty * s.lotSize),
    f: t.id,
    l: t.id,
    T: t.time,
    m: t.buyerMaker,
    M: true,
  };
}

/** A kline, as `GET /api/v3/klines` lists it. */
export function klineJson(b: TapeBar, s: ExchangeSymbol): unknown[] {
  const p = (ticks: number) => dec(ticks * s.tickSize);
  const notional = s.tickSize * s.lotSize;
  return [
    b.start,
    p(b.open),
    p(b.high),
    p(b.low),
    p(b.close),
    dec(b.volume * s.lotSize),
    b.end - 1,
    dec(b.notional * notional),
    b.trades,
    dec(b.takerBuyVolume * s.lotSize),
    dec(b.takerBuyNotional * notional),
    "0",
  ];
}
