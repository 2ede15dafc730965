/**
 * The paper exchange over HTTP as a Binance spot API v3 subset (`createVenueApp`): a Hono app
 * built from its dependencies, so tests call `app.request()` with no socket and `deno task venue`
 * serves it with `Deno.serve`.
 *
 * - **Public**: `GET /api/v3/ping`, `/time`, `/exchangeInfo`, `/depth`, `/trades`, `/aggTrades`,
 *   `/klines`,
 *   `/ticker/24hr`, `/ticker/bookTicker`.
 * - **Signed** (API key header, `timestamp`, HMAC-SHA256 `signature`; binance_request.ts):
 *   `POST`/`GET`/`DELETE /api/v3/order`, `GET`/`DELETE /api/v3/openOrders`, `GET /allOrders`,
 *   `/account`, `/myTrades`.
 * - **Weights**: each endpoint costs the exchange's request weight, counted per client address
 *   and minute; past `weightPerMinute` a client gets 429 with `Retry-After`. Every answer says the weight used in
 *   `X-MBX-USED-WEIGHT-1M`.
 * - **Errors** are the exchange's (binance_errors.ts); a failure that is not one is -1000 with
 *   status 500, logged, and changes nothing. The server never crashes on input.
 * - **Log**: one structured entry per request (method, path, status, code, weight, ms) — never a
 *   key, a secret or a signature.
 * @module
 */
import { type Context, Hono } from "hono";
import {
  ApiError,
  eitherMandatory,
  notRequired,
  tooMuchWeight,
  unknownError,
} from "./binance_errors.ts";
import { checkSigned, Params } from "./binance_request.ts";
import {
  accountJson,
  aggTradeJson,
  cancelJson,
  klineJson,
  myTradeJson,
  newOrderJson,
  orderJson,
  symbolJson,
  tradeJson,
} from "./binance_format.ts";
import { aggregate, KLINE_INTERVALS } from "./market_tape.ts";
import type { PaperExchange } from "./paper_exchange.ts";
import type { OrderRef } from "./exchange_types.ts";
import { bookJson, ticker24hJson } from "./binance_market.ts";
import type { FaultPlan } from "./venue_faults.ts";
import { WeightMeter } from "./weight_meter.ts";

/** One request, as logged. */
export interface RequestLogEntry {
  readonly ts: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The exchange's error code, when it answered one. */
  readonly code?: number;
  readonly weight: number;
  readonly ms: number;
}

/** What the app is built from. */
export interface VenueAppDeps {
  readonly exchange: PaperExchange;
  /** The exchange's clock for signatures, `/time` and rate limits. Default: the market's. */
  readonly clock?: () => number;
  /** Request weight a client may use per minute. Default 6,000 (the exchange's). */
  readonly weightPerMinute?: number;
  /** The weight count, when shared with the WebSocket API. Default: the app's own. */
  readonly meter?: WeightMeter;
  /** Told about every request. Default: nothing. */
  readonly log?: (entry: RequestLogEntry) => void;
  /** Faults to inject (venue_faults.ts). Default: none. */
  readonly faults?: FaultPlan;
}

/** The largest form body read, characters. */
const MAX_BODY = 65_536;

type Handler = (p: Params, ctx: { apiKey: string; now: number }) => unknown;

/** Builds the app; see the module documentation. */
export function createVenueApp(deps: VenueAppDeps): Hono {
  const ex = deps.exchange;
  const faults = deps.faults;
  const clock = deps.clock ?? (() => ex.now());
  const meter = deps.meter ?? new WeightMeter(deps.weightPerMinute ?? 6_000);
  const limit = meter.limit;
  // Ids the venue gives when the client gives none: numbered, so a session is reproducible.
  let autoIds = 0;
  const app = new Hono();

  const route = (
    method: "GET" | "POST" | "DELETE",
    path: string,
    weight: (p: Params) => number,
    signed: boolean,
    handler: Handler,
  ) => {
    app.on(method, `/api/v3/${path}`, async (c) => {
      const started = performance.now();
      if (faults !== undefined && faults.latencyMs > 0) await sleep(faults.latencyMs);
      const now = clock();
      const url = new URL(c.req.url);
      let status = 200, code: number | undefined, w = 0;
      let response: Response;
      try {
        const body = method === "GET" ? "" : await c.req.text();
        if (body.length > MAX_BODY) throw new ApiError(413, -1000, "Request body too large.");
        if (faults?.fails()) throw unavailable();
        if (faults?.refuses()) throw tooMuchWeight(meter.limit, 1);
        const params = Params.parse(url.search.slice(1), body);
        w = weight(params);
        const client = clientOf(c);
        meter.charge(client, w, now);
        const apiKey = signed
          ? checkSigned(
            { query: url.search.slice(1), body, apiKey: c.req.header("X-MBX-APIKEY") ?? null },
            params,
            ex,
            now,
          )
          : "";
        response = c.json(handler(params, { apiKey, now }) as object);
        // Handled, then answered after the client has given up: an order live but unconfirmed.
        if (path === "order" && method !== "GET" && faults?.answersLate()) {
          await sleep(faults.lateMs);
        }
      } catch (error) {
        const e = error instanceof ApiError ? error : unknownError();
        if (!(error instanceof ApiError)) console.error("venue: unexpected failure:", error);
        status = e.status;
        code = e.code;
        response = c.json(e.body(), e.status as 400, e.headers);
      }
      response.headers.set("X-MBX-USED-WEIGHT-1M", String(meter.used(clientOf(c))));
      deps.log?.({
        ts: now,
        method,
        path: url.pathname,
        status,
        ...(code === undefined ? {} : { code }),
        weight: w,
        ms: Math.round((performance.now() - started) * 1000) / 1000,
      });
      return response;
    });
  };
  const one = () => 1;

  route("GET", "ping", one, false, () => ({}));
  route("GET", "time", one, false, (_, { now }) => ({ serverTime: now }));
  route("GET", "exchangeInfo", () => 20, false, (p, { now }) => {
    const asked = p.text("symbol");
    const symbols = asked === undefined ? ex.symbols : [ex.symbol(asked)];
    return {
      timezone: "UTC",
      serverTime: now,
      rateLimits: [
        { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit },
      ],
      exchangeFilters: [],
      symbols: symbols.map(symbolJson),
    };
  });
  route("GET", "depth", (p) => depthWeight(p.integer("limit") ?? 100), false, (p) => {
    const s = ex.symbol(p.symbol("symbol", true));
    const levels = Math.min(5_000, Math.max(1, p.integer("limit") ?? 100));
    return bookJson(ex, s, levels);
  });
  route("GET", "trades", () => 25, false, (p) => {
    const s = ex.symbol(p.symbol("symbol", true));
    const n = Math.min(1_000, Math.max(1, p.integer("limit") ?? 500));
    return ex.tape.trades(s.index, n).map((t) => tradeJson(t, s));
  });
  route("GET", "aggTrades", () => 4, false, (p) => {
    const s = ex.symbol(p.symbol("symbol", true));
    const n = Math.min(1_000, Math.max(1, p.integer("limit") ?? 500));
    const from = p.integer("fromId") ?? 0;
    const start = p.integer("startTime") ?? 0;
    const end = p.integer("endTime") ?? Number.MAX_SAFE_INTEGER;
    const trades = ex.tape.trades(s.index, Number.MAX_SAFE_INTEGER).filter((t) =>
      t.id >= from && t.time >= start && t.time <= end
    );
    const picked = p.has("fromId") || p.has("startTime")
      ? trades.slice(0, n)
      : trades.slice(Math.max(0, trades.length - n));
    return picked.map((t) => aggTradeJson(t, s));
  });
  route("GET", "klines", () => 2, false, (p, { now }) => {
    const s = ex.symbol(p.symbol("symbol", true));
    const interval = KLINE_INTERVALS[p.text("interval", true)];
    if (interval === undefined || interval % ex.tape.barMs !== 0) {
      throw new ApiError(400, -1120, "Invalid interval.");
    }
    const n = Math.min(1_000, Math.max(1, p.integer("limit") ?? 500));
    const from = p.integer("startTime") ?? 0;
    const to = (p.integer("endTime") ?? Math.max(now, ex.now())) + 1;
    const bars = aggregate(
      ex.tape.bars(s.index, from, to, true),
      interval,
      Number.MAX_SAFE_INTEGER,
    );
    const picked = p.has("startTime") ? bars.slice(0, n) : bars.slice(Math.max(0, bars.length - n));
    return picked.map((b) => klineJson(b, s));
  });
  route("GET", "ticker/24hr", (p) => (p.has("symbol") ? 2 : 80), false, (p) => {
    const asked = p.text("symbol");
    if (asked !== undefined) return ticker24hJson(ex, ex.symbol(asked));
    return ex.symbols.map((s) => ticker24hJson(ex, s));
  });
  route("GET", "ticker/bookTicker", (p) => (p.has("symbol") ? 2 : 4), false, (p) => {
    const book = (s: ReturnType<PaperExchange["symbol"]>) => {
      const t = ex.top(s);
      return {
        symbol: s.symbol,
        bidPrice: t.bid.toFixed(8),
        bidQty: t.bidQty.toFixed(8),
        askPrice: t.ask.toFixed(8),
        askQty: t.askQty.toFixed(8),
      };
    };
    const asked = p.text("symbol");
    return asked === undefined ? ex.symbols.map(book) : book(ex.symbol(asked));
  });

  route("POST", "order", one, true, (p, { apiKey }) => {
    const symbol = p.symbol("symbol", true);
    const side = p.oneOf("side", ["BUY", "SELL"] as const, true);
    const type = p.oneOf("type", ["LIMIT", "MARKET", "LIMIT_MAKER"] as const, true);
    const quantity = p.decimal("quantity", true);
    let price: number | undefined;
    let tif: "GTC" | "IOC" | "FOK" = "GTC";
    if (type === "LIMIT") {
      tif = p.oneOf("timeInForce", ["GTC", "IOC", "FOK"] as const, true);
      price = p.decimal("price", true);
    } else if (type === "LIMIT_MAKER") {
      if (p.has("timeInForce")) throw notRequired("timeInForce");
      price = p.decimal("price", true);
    } else {
      if (p.has("price")) throw notRequired("price");
      if (p.has("timeInForce")) throw notRequired("timeInForce");
    }
    const respType = p.oneOf("newOrderRespType", ["ACK", "RESULT", "FULL"] as const) ??
      (type === "LIMIT_MAKER" ? "ACK" : "FULL");
    const clientOrderId = p.clientId("newClientOrderId") ?? `paper-${++autoIds}`;
    const order = ex.newOrder(apiKey, {
      symbol,
      side,
      type,
      timeInForce: tif,
      quantity,
      price,
      clientOrderId,
    });
    return newOrderJson(order, respType, ex.quote);
  });
  route(
    "GET",
    "order",
    () => 4,
    true,
    (p, { apiKey }) => orderJson(ex.order(apiKey, p.symbol("symbol", true), orderRef(p))),
  );
  route("DELETE", "order", one, true, (p, { apiKey, now }) => {
    const symbol = p.symbol("symbol", true);
    const ref = orderRef(p);
    const cancelId = p.clientId("newClientOrderId") ?? `cancel-${++autoIds}`;
    return cancelJson(ex.cancel(apiKey, symbol, ref), cancelId, now);
  });
  route(
    "GET",
    "openOrders",
    (p) => (p.has("symbol") ? 6 : 80),
    true,
    (p, { apiKey }) => ex.openOrders(apiKey, p.symbol("symbol")).map(orderJson),
  );
  route("DELETE", "openOrders", one, true, (p, { apiKey, now }) => {
    const symbol = p.symbol("symbol", true);
    return ex.openOrders(apiKey, symbol).map((o) =>
      cancelJson(ex.cancel(apiKey, symbol, { orderId: o.orderId }), `cancel-${o.orderId}`, now)
    );
  });
  route("GET", "allOrders", () => 20, true, (p, { apiKey }) => {
    const n = Math.min(1_000, Math.max(1, p.integer("limit") ?? 500));
    const from = p.integer("orderId") ?? 0;
    const orders = ex.allOrders(apiKey, p.symbol("symbol", true)).filter((o) => o.orderId >= from);
    return orders.slice(0, n).map(orderJson);
  });
  route("GET", "account", () => 20, true, (_, { apiKey, now }) => accountJson(ex, apiKey, now));
  route("GET", "myTrades", () => 20, true, (p, { apiKey }) => {
    const n = Math.min(1_000, Math.max(1, p.integer("limit") ?? 500));
    const from = p.integer("fromId") ?? 0;
    const start = p.integer("startTime") ?? 0;
    const end = p.integer("endTime") ?? Number.MAX_SAFE_INTEGER;
    const trades = ex.myTrades(apiKey, p.symbol("symbol", true)).filter((t) =>
      t.tradeId >= from && t.time >= start && t.time <= end
    );
    return trades.slice(0, n).map((t) => myTradeJson(t, ex.quote));
  });

  app.notFound((c: Context) =>
    c.json(
      { code: -1000, msg: `No such endpoint: ${c.req.method} ${new URL(c.req.url).pathname}` },
      404,
    )
  );
  app.onError((error, c) => {
    console.error("venue: unexpected failure:", error);
    return c.json(unknownError().body(), 500);
  });
  return app;
}

/** Who a request's weight counts against: its address, as at the exchange (an IP's limit). */
export function clientOf(c: Context): string {
  const info = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return info?.remoteAddr?.hostname ?? "local";
}

function orderRef(p: Params): OrderRef {
  const orderId = p.integer("orderId");
  const clientOrderId = p.clientId("origClientOrderId");
  if (orderId === undefined && clientOrderId === undefined) {
    throw eitherMandatory("orderId", "origClientOrderId");
  }
  return {
    ...(orderId === undefined ? {} : { orderId }),
    ...(clientOrderId === undefined ? {} : { clientOrderId }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** -1001 with status 503: the exchange's answer when it cannot handle a request now. */
function unavailable(): ApiError {
  return new ApiError(
    503,
    -1001,
    "Internal error; unable to process your request. Please try again.",
  );
}

function depthWeight(limit: number): number {
  return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1_000 ? 50 : 250;
}
