/**
 * The paper venue as a market: orders sent through the API trade in the population's book (a
 * market buy moves the price, a resting order is filled by the population), and in virtual-clock
 * mode a scripted session gives the same answers byte for byte.
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { createVenueApp } from "./binance_app.ts";
import { signedQuery } from "./binance_sign.ts";
import { paperExchangeFor } from "./paper_venue.ts";

const SCENARIO = new URL("../calm.json", import.meta.url).pathname;
const KEY = "bobkey0001", SECRET = "bob-secret";

async function session(seed = 7) {
  const scenario = await loadScenario(SCENARIO);
  const exchange = paperExchangeFor(scenario, {
    seed,
    accounts: [{ name: "bob", apiKey: KEY, secret: SECRET, cash: 1_000_000 }],
  });
  const app = createVenueApp({ exchange }); // the market's clock: virtual
  const symbol = exchange.symbols[0].symbol;
  const call = async (
    method: "GET" | "POST" | "DELETE",
    path: string,
    params: Record<string, string | number> = {},
    signed = false,
  ) => {
    const text = signed
      ? signedQuery(params, SECRET, exchange.now())
      : new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
    const url = `http://venue/api/v3/${path}`;
    const res = method === "POST"
      ? await app.request(url, {
        method,
        body: text,
        headers: { "X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded" },
      })
      : await app.request(text === "" ? url : `${url}?${text}`, {
        method,
        headers: signed ? { "X-MBX-APIKEY": KEY } : {},
      });
    return { status: res.status, body: await res.json() };
  };
  return { exchange, symbol, call };
}

const bestAsk = (book: { asks: string[][] }) => Number(book.asks[0][0]);

Deno.test("the API trades in the population's book: a market buy moves the price", async () => {
  const { symbol, call } = await session();
  const before = (await call("GET", "depth", { symbol, limit: 50 })).body;
  const askDepth = before.asks.slice(0, 3).reduce((a: number, l: string[]) => a + Number(l[1]), 0);
  const order = await call(
    "POST",
    "order",
    { symbol, side: "BUY", type: "MARKET", quantity: Math.ceil(askDepth) + 1 },
    true,
  );
  assertEquals([order.status, order.body.status], [200, "FILLED"]);
  const prices = new Set(order.body.fills.map((f: { price: string }) => f.price));
  assert(prices.size >= 3, `swept ${prices.size} levels`);
  const after = (await call("GET", "depth", { symbol, limit: 50 })).body;
  assert(bestAsk(after) > bestAsk(before), `ask ${bestAsk(before)} -> ${bestAsk(after)}`);
  const last = (await call("GET", "trades", { symbol, limit: 1 })).body[0];
  assertEquals(last.price, order.body.fills.at(-1).price, "the tape shows our trade");
});

Deno.test("the API trades in the population's book: a resting order is filled by the population", async () => {
  const { exchange, symbol, call } = await session();
  const book = (await call("GET", "depth", { symbol, limit: 5 })).body;
  const bid = book.bids[0][0];
  const order = await call(
    "POST",
    "order",
    { symbol, side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 3, price: bid },
    true,
  );
  assertEquals(order.body.status, "NEW");
  let status = "NEW";
  for (let minute = 0; minute < 30 && status !== "FILLED"; minute++) {
    exchange.advanceTo(exchange.now() + 60_000);
    status =
      (await call("GET", "order", { symbol, orderId: order.body.orderId }, true)).body.status;
  }
  assertEquals(status, "FILLED");
  const trades = (await call("GET", "myTrades", { symbol }, true)).body;
  assertEquals(trades.reduce((a: number, t: { qty: string }) => a + Number(t.qty), 0), 3);
  assert(trades.every((t: { isMaker: boolean; isBuyer: boolean }) => t.isMaker && t.isBuyer));
});

Deno.test("virtual clock: a scripted session with the same seed gives the same answers", async () => {
  const run = async () => {
    const { exchange, symbol, call } = await session(11);
    const answers: unknown[] = [];
    const step = async (...args: Parameters<typeof call>) => answers.push(await call(...args));
    await step("GET", "time");
    await step("GET", "exchangeInfo");
    await step("GET", "depth", { symbol, limit: 20 });
    await step("GET", "klines", { symbol, interval: "1m", limit: 3 });
    await step("POST", "order", { symbol, side: "BUY", type: "MARKET", quantity: 7 }, true);
    exchange.advanceTo(exchange.now() + 5_000);
    const bid = (await call("GET", "depth", { symbol, limit: 1 })).body.bids[0][0];
    await step("POST", "order", {
      symbol,
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      quantity: 4,
      price: bid,
    }, true);
    exchange.advanceTo(exchange.now() + 30_000);
    await step("GET", "openOrders", { symbol }, true);
    await step("DELETE", "openOrders", { symbol }, true);
    await step("GET", "allOrders", { symbol }, true);
    await step("GET", "myTrades", { symbol }, true);
    await step("GET", "account", {}, true);
    await step("GET", "ticker/24hr", { symbol });
    await step("GET", "trades", { symbol, limit: 10 });
    return answers;
  };
  const first = await run();
  assertEquals(await run(), first);
  assertEquals(first.length, 13);
  assert(first.every((a) => (a as { status: number }).status === 200), JSON.stringify(first));
});
