/**
 * The real ccxt client (npm `ccxt`, class `binance`, its URLs pointed at the paper venue on
 * 127.0.0.1) trades the paper venue: markets, time, book, candles, trades, balance, orders of every
 * type, their queries and cancels, the account's trades — and the exchange's errors arrive as
 * ccxt's error classes.
 * @module
 */
import ccxt from "ccxt";
import { assert, assertEquals, assertRejects } from "../../testing/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { createVenueApp } from "./binance_app.ts";
import { paperExchangeFor } from "./paper_venue.ts";

const SCENARIO = new URL("../calm.json", import.meta.url).pathname;
const KEY = "alicekey0001", SECRET = "alice-secret";

async function venue() {
  const scenario = await loadScenario(SCENARIO);
  const exchange = paperExchangeFor(scenario, {
    accounts: [{ name: "alice", apiKey: KEY, secret: SECRET, cash: 100_000 }],
  });
  const app = createVenueApp({ exchange, clock: () => Date.now() });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}/api/v3`;
  const client = new ccxt.binance({
    apiKey: KEY,
    secret: SECRET,
    enableRateLimit: false,
    options: { fetchMarkets: { types: ["spot"] }, fetchCurrencies: false, fetchMargins: false },
  });
  // Spot's public and private APIs at the venue; every other API of the exchange's at a path the
  // venue answers 404, so nothing can leave the machine.
  const api: Record<string, string> = {};
  for (const name of Object.keys(client.urls.api as Record<string, string>)) {
    api[name] = `http://127.0.0.1:${server.addr.port}/unsupported/${name}`;
  }
  client.urls.api = { ...api, public: base, private: base };
  return { exchange, server, client, [Symbol.asyncDispose]: () => server.shutdown() };
}

Deno.test({
  name: "ccxt binance trades the paper venue: markets, data, orders, cancels, trades",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using v = await venue();
    const { client, exchange } = v;
    const markets = await client.loadMarkets();
    const symbol = Object.keys(markets)[0];
    const market = markets[symbol]!;
    const tick = market.precision!.price!;
    assertEquals(market.spot, true);
    const time = await client.fetchTime();
    assert(Math.abs(time! - Date.now()) < 5_000, `server time ${time}`);
    const book = await client.fetchOrderBook(symbol, 10);
    assert(book.bids.length > 0 && book.asks.length > 0, "a two-sided book");
    assert(book.bids[0][0]! < book.asks[0][0]!);
    const candles = await client.fetchOHLCV(symbol, "1m", undefined, 5);
    assert(candles.length >= 1, `${candles.length} candles`);
    const trades = await client.fetchTrades(symbol, undefined, 20);
    assert(trades.length > 0, "the population trades");
    const balance = await client.fetchBalance();
    assertEquals(balance["USDT"].free, 100_000);

    const ask = book.asks[0][0]!;
    const buy = await client.createOrder(symbol, "market", "buy", 5);
    assertEquals([buy.status, buy.filled], ["closed", 5]);
    const after = await client.fetchBalance();
    assertEquals(after[market.base].total, 5);
    const cash = after["USDT"].free!;
    assert(cash < 100_000 - 5 * ask * 0.99, `cash ${cash}`);

    const low = book.bids[0][0]! - 20 * tick;
    const resting = await client.createOrder(symbol, "limit", "buy", 2, low);
    assertEquals(resting.status, "open");
    const fetched = await client.fetchOrder(resting.id!, symbol);
    assertEquals([fetched.id, fetched.status, fetched.amount], [resting.id, "open", 2]);
    const open = await client.fetchOpenOrders(symbol);
    assertEquals(open.map((o) => o.id), [resting.id]);
    const cancelled = await client.cancelOrder(resting.id!, symbol);
    assertEquals(cancelled.status, "canceled");
    assertEquals((await client.fetchOpenOrders(symbol)).length, 0);

    const post = await client.createOrder(
      symbol,
      "limit",
      "sell",
      1,
      ask + 50 * tick,
      { postOnly: true },
    );
    assertEquals(post.status, "open");
    await assertRejects(
      () => client.createOrder(symbol, "limit", "buy", 1, ask + 10, { postOnly: true }),
      ccxt.OrderImmediatelyFillable,
    );

    const mine = await client.fetchMyTrades(symbol);
    assertEquals(mine.reduce((a, t) => a + t.amount!, 0), 5);
    assert(mine.every((t) => t.side === "buy" && t.fee?.currency === "USDT"));
    assert(exchange.now() > 0);
  },
});
