/**
 * ccxt's WebSocket client (ccxt.pro's `binance`, its stream URL pointed at the venue) watches the
 * paper venue's market on the wall clock: trades, the order book (REST snapshot plus numbered
 * diffs, which ccxt checks for gaps) and klines.
 * @module
 */
import ccxt from "ccxt";
import { assert, assertEquals, assertRejects } from "../../testing/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { paperExchangeFor } from "./paper_venue.ts";
import { serveVenue } from "./venue_server.ts";
import { binanceProAt } from "../live/mod.ts";

Deno.test({
  name: "ccxt.pro binance watches the paper venue: trades, order book, klines, its own orders",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const scenario = await loadScenario(new URL("../calm.json", import.meta.url).pathname);
    const exchange = paperExchangeFor(scenario, {
      accounts: [{ name: "erin", apiKey: "erinkey0001", secret: "erin-secret", cash: 100_000 }],
      openAt: Date.now(),
    });
    const venue = serveVenue(exchange, { port: 0, speed: 5 });
    const client = await binanceProAt(venue, "erinkey0001", "erin-secret");
    try {
      const symbol = Object.keys(await client.loadMarkets())[0];

      const trades = await client.watchTrades(symbol);
      assert(trades.length > 0 && trades.every((t) => t.symbol === symbol && t.amount! > 0));

      // Several updates in a row: ccxt applies each diff to its copy and checks U…u for gaps.
      let book = await client.watchOrderBook(symbol);
      for (let i = 0; i < 5; i++) book = await client.watchOrderBook(symbol);
      assert(book.bids.length > 0 && book.asks.length > 0);
      assert(
        book.bids[0][0]! < book.asks[0][0]!,
        `crossed: ${book.bids[0][0]} / ${book.asks[0][0]}`,
      );
      const rest = exchange.top(exchange.symbols[0]);
      assert(
        Math.abs(book.bids[0][0]! - rest.bid) < 1,
        `stream bid ${book.bids[0][0]}, book ${rest.bid}`,
      );

      const candles = await client.watchOHLCV(symbol, "1m");
      assert(candles.length > 0);
      const [, open, high, low, close] = candles.at(-1)!;
      assert(low! <= open! && open! <= high! && low! <= close! && close! <= high!);
      assertEquals(venue.hub.connections >= 1, true);

      // The user data stream: an order placed over REST arrives through watchOrders.
      const watching = client.watchOrders(symbol);
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the subscription settle
      const placed = await client.createOrder(symbol, "market", "buy", 2);
      const orders = await watching;
      assert(orders.length > 0, "an order update arrives");
      assertEquals(orders.at(-1)!.id, placed.id);
      assert(["open", "closed"].includes(orders.at(-1)!.status!), orders.at(-1)!.status);
    } finally {
      await client.close();
      await venue.shutdown();
    }
  },
});

Deno.test({
  name: "ccxt.pro binance: past the request weight over the WebSocket API, RateLimitExceeded",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // The weight counts per minute of the clock: start clear of a minute's end.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
    const scenario = await loadScenario(new URL("../calm.json", import.meta.url).pathname);
    const exchange = paperExchangeFor(scenario, {
      accounts: [{ name: "hal", apiKey: "halkey0001", secret: "hal-secret", cash: 1_000 }],
      openAt: Date.now(),
    });
    // ccxt also rejects a future of its own that nobody awaits (the subscription's): expected.
    const internal = (e: PromiseRejectionEvent) => {
      if (e.reason instanceof ccxt.RateLimitExceeded) e.preventDefault();
    };
    globalThis.addEventListener("unhandledrejection", internal);
    // loadMarkets weighs 20; the subscription's 2 more are over 21, counted with REST's.
    const venue = serveVenue(exchange, { port: 0, speed: 1, weightPerMinute: 21 });
    const client = await binanceProAt(venue, "halkey0001", "hal-secret");
    try {
      const symbol = Object.keys(await client.loadMarkets())[0];
      await assertRejects(() => client.watchOrders(symbol), ccxt.RateLimitExceeded, "-1003");
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      globalThis.removeEventListener("unhandledrejection", internal);
      await client.close();
      await venue.shutdown();
    }
  },
});
