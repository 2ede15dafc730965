/**
 * The real ccxt client (npm `ccxt`, class `binance`, its URLs pointed at the paper venue on
 * 127.0.0.1) trades the paper venue: markets, time, book, candles, trades, balance, orders of every
 * type, their queries and cancels, the account's trades — and the exchange's errors arrive as
 * ccxt's error classes.
 * @module
 */
import ccxt from "ccxt";
import { assert, assertEquals, assertRejects, delay } from "../../testing/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { createVenueApp } from "./binance_app.ts";
import { paperExchangeFor } from "./paper_venue.ts";
import { binanceAt } from "../live/mod.ts";

const SCENARIO = new URL("../calm.json", import.meta.url).pathname;
const KEY = "alicekey0001", SECRET = "alice-secret";

async function venue(weightPerMinute?: number) {
  const scenario = await loadScenario(SCENARIO);
  const exchange = paperExchangeFor(scenario, {
    accounts: [{ name: "alice", apiKey: KEY, secret: SECRET, cash: 100_000 }],
  });
  const app = createVenueApp({
    exchange,
    clock: () => Date.now(),
    ...(weightPerMinute === undefined ? {} : { weightPerMinute }),
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const client = await clientOf(server.addr.port, KEY, SECRET);
  return { exchange, server, client, [Symbol.asyncDispose]: () => server.shutdown() };
}

/** ccxt's binance with the venue's URLs. */
function clientOf(port: number, apiKey: string, secret: string) {
  return binanceAt({ port, restUrl: `http://127.0.0.1:${port}/api/v3` }, apiKey, secret);
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

Deno.test({
  name: "ccxt binance: the venue's errors arrive as ccxt's error classes",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using v = await venue();
    const { client, server } = v;
    const markets = await client.loadMarkets();
    const symbol = Object.keys(markets)[0];
    const id = markets[symbol]!.id;
    const port = server.addr.port;
    // -2015 unknown key, -1022 bad signature.
    const stranger = await clientOf(port, "nobody0000", SECRET);
    await stranger.loadMarkets();
    await assertRejects(() => stranger.fetchBalance(), ccxt.AuthenticationError, "-2015");
    const forger = await clientOf(port, KEY, "not-the-secret");
    await forger.loadMarkets();
    await assertRejects(() => forger.fetchBalance(), ccxt.AuthenticationError, "-1022");
    // -1021: a clock 10 s behind is outside the 5 s receive window.
    const late = await clientOf(port, KEY, SECRET);
    await late.loadMarkets();
    late.options["timeDifference"] = 10_000;
    late.options["recvWindow"] = 5_000;
    await assertRejects(() => late.fetchBalance(), ccxt.InvalidNonce, "-1021");
    // -1013 LOT_SIZE (sent raw: ccxt would round the amount to the lot first).
    await assertRejects(
      () =>
        client.privatePostOrder({
          symbol: id,
          side: "BUY",
          type: "LIMIT",
          timeInForce: "GTC",
          quantity: "1.5",
          price: "100",
        }),
      ccxt.InvalidOrder,
      "LOT_SIZE",
    );
    // -2010 insufficient balance: 100,000 USDT does not buy 5,000 at ~100.
    const ask = (await client.fetchOrderBook(symbol, 5)).asks[0][0]!;
    await assertRejects(
      () => client.createOrder(symbol, "limit", "buy", 5_000, ask),
      ccxt.InsufficientFunds,
    );
    // -2013 and -2011: no such order.
    await assertRejects(() => client.fetchOrder("987654321", symbol), ccxt.OrderNotFound, "-2013");
    await assertRejects(() => client.cancelOrder("987654321", symbol), ccxt.OrderNotFound, "-2011");
    // Nothing of that changed the account.
    const balance = await client.fetchBalance();
    assertEquals([balance["USDT"].free, balance["USDT"].used], [100_000, 0]);
    assertEquals((await client.fetchMyTrades(symbol)).length, 0);
  },
});

Deno.test({
  name: "ccxt binance: past the request weight per minute, 429 with Retry-After",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // The weight counts per minute of the clock: start clear of a minute's end.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 5_000) await delay(left + 100);
    await using v = await venue(60);
    const { client, server } = v;
    const symbol = Object.keys(await client.loadMarkets())[0]; // weight 20
    await client.fetchOrderBook(symbol, 10); // 5
    await client.fetchOrderBook(symbol, 10); // 5
    await client.fetchBalance(); // 20: 50 used by this address
    // ccxt's binance maps HTTP 429 to DDoSProtection before it reads the body's -1003.
    await assertRejects(() => client.fetchBalance(), ccxt.DDoSProtection, "-1003");
    const raw = await fetch(`http://127.0.0.1:${server.addr.port}/api/v3/ping`);
    assertEquals(raw.status, 429);
    assert(Number(raw.headers.get("Retry-After")) >= 1);
    assert(Number(raw.headers.get("X-MBX-USED-WEIGHT-1M")) > 60);
    await raw.body?.cancel();
  },
});
