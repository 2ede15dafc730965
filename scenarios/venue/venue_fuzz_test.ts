/**
 * 10,000 malformed requests to the paper venue over a loopback socket — bad bodies, wrong types,
 * huge numbers, missing or wrong signatures, replayed and future timestamps, unknown symbols and
 * endpoints, parameters twice — each answered with the exchange's error: no server error, and
 * nothing changed (balances, orders, trades, the market's clock and book).
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { createVenueApp } from "./binance_app.ts";
import { signedQuery } from "./binance_sign.ts";
import { paperExchangeFor } from "./paper_venue.ts";

const SCENARIO = new URL("../calm.json", import.meta.url).pathname;
const KEY = "fuzzkey0001", SECRET = "fuzz-secret";
const REQUESTS = 10_000;

type Req = { method: string; path: string; query: string; body: string; key: string | null };

const junk = [
  "abc",
  "-1",
  "1e5",
  "NaN",
  "Infinity",
  "0x10",
  "1,5",
  " 1",
  "",
  "99999999999999999999.99999999999999999999",
  "0.000000000000000000001",
  "%00",
  "%E0%A4%A",
  "🙂",
  "1".repeat(400),
  "null",
  "[]",
  "{}",
];

/** One malformed request: a valid order with exactly one defect, or worse. */
function malformed(rng: Rng, now: number, symbol: string): Req {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)];
  const order: Record<string, string | number> = {
    symbol,
    side: "BUY",
    type: "LIMIT",
    timeInForce: "GTC",
    quantity: 1,
    price: "100.00",
  };
  const paths = ["order", "openOrders", "allOrders", "account", "myTrades"];
  const defect = rng.int(0, 11);
  let path = pick(paths);
  let method = path === "order" ? pick(["POST", "GET", "DELETE"]) : "GET";
  let params: Record<string, string | number> = path === "order" && method === "POST"
    ? { ...order }
    : path === "order"
    ? { symbol, orderId: rng.int(1, 1_000_000) }
    : { symbol };
  let ts = now, key: string | null = KEY, secret = SECRET, raw: string | undefined;
  // The account endpoint reads no symbol: its defect of shape is in the receive window.
  if (path === "account" && (defect === 0 || defect === 6)) {
    params = { recvWindow: pick(["abc", "-1", "1e5", "70000", "NaN", "5000.5"]) };
  }
  switch (defect) {
    case 0: // a field of the wrong shape
      if (path === "account") break;
      params[pick(Object.keys(params))] = pick(junk);
      if (Object.keys(params).length === 1) params.symbol = pick(junk) || "x";
      break;
    case 1: // no signature
      raw = new URLSearchParams({ ...stringify(params), timestamp: String(ts) }).toString();
      break;
    case 2: // a wrong signature
      secret = "wrong";
      break;
    case 3: // replayed: outside the receive window
      ts = now - rng.int(5_001, 10_000_000);
      break;
    case 4: // from the future
      ts = now + rng.int(1_000, 10_000_000);
      break;
    case 5: // no key, or an unknown one, or a malformed one
      key = pick([null, "nobody0000", "bad key!", ""]);
      break;
    case 6: // an unknown symbol
      if (path === "account") break;
      params.symbol = pick(["NOPEUSDT", "simusdt", "BTCUSDT", "SIM", "X".repeat(30)]);
      break;
    case 7: // JSON instead of a form, or garbage
      raw = pick([JSON.stringify(params), '{"symbol":', "\u0000\u0001", "&&&==&", "a=".repeat(50)]);
      break;
    case 8: // a parameter twice
      raw = signedQuery(params, SECRET, ts) + `&symbol=${symbol}`;
      break;
    case 9: // an order that breaks a rule: a huge, negative, off-lot or off-tick size
      path = "order";
      method = "POST";
      params = {
        ...order,
        ...pick<Record<string, string | number>>([
          { quantity: "1000000000000" },
          { quantity: "0.5" },
          { quantity: "0" },
          { price: "100.001" },
          { price: "0" },
          { price: "99999999999999999" },
          { type: "STOP_LOSS" },
          { side: "HOLD" },
          { timeInForce: "GTD" },
          { type: "MARKET" }, // with a price and a time in force: not allowed
          { recvWindow: 70_000 },
          { newClientOrderId: "has spaces in it" },
        ]),
      };
      break;
    case 10: // an endpoint or method that does not exist
      path = pick(["order/test", "orders", "../account", "ticker", "api/v3/order"]);
      method = pick(["PUT", "PATCH", "GET", "POST"]);
      break;
    default: // a huge body
      method = "POST";
      path = "order";
      raw = "symbol=" + "A".repeat(70_000);
      break;
  }
  const text = raw ?? signedQuery(params, secret, ts);
  const inBody = method === "POST" || method === "PUT" || method === "PATCH";
  return {
    method,
    path,
    query: inBody ? "" : text,
    body: inBody ? text : "",
    key,
  };
}

function stringify(p: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)]));
}

Deno.test({
  name:
    "10,000 malformed requests on loopback: the exchange's errors, no server error, nothing changed",
  sanitizeResources: false,
  fn: async () => {
    const scenario = await loadScenario(SCENARIO);
    const exchange = paperExchangeFor(scenario, {
      accounts: [{ name: "fuzz", apiKey: KEY, secret: SECRET, cash: 50_000 }],
    });
    const app = createVenueApp({ exchange, weightPerMinute: 1_000_000_000 });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    try {
      const symbol = exchange.symbols[0].symbol;
      const state = () =>
        JSON.stringify({
          now: exchange.now(),
          book: exchange.sim.venue.books[0].snapshot(50),
          balances: exchange.balances(KEY),
          orders: exchange.allOrders(KEY, symbol),
          trades: exchange.myTrades(KEY, symbol),
          commands: exchange.sim.venue.stats.commands,
        });
      const before = state();
      const rng = new Rng(33);
      const statuses = new Map<number, number>();
      const codes = new Map<number, number>();
      for (let i = 0; i < REQUESTS; i++) {
        const r = malformed(rng, exchange.now(), symbol);
        const url = `http://127.0.0.1:${server.addr.port}/api/v3/${r.path}` +
          (r.query === "" ? "" : `?${r.query}`);
        const headers: Record<string, string> = {};
        if (r.key !== null) headers["X-MBX-APIKEY"] = r.key;
        if (r.body !== "") headers["Content-Type"] = "application/x-www-form-urlencoded";
        const res = await fetch(url, {
          method: r.method,
          headers,
          ...(r.body === "" ? {} : { body: r.body }),
        });
        const body = await res.json().catch(() => null);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert(res.status >= 400 && res.status < 500, `${r.method} ${r.path}: ${res.status}`);
        const code = (body as { code?: number } | null)?.code;
        assert(typeof code === "number", `${r.method} ${r.path}: no error code`);
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      assertEquals(state(), before, "nothing changed");
      assert(codes.size >= 12, `error codes seen: ${[...codes.keys()].join(", ")}`);
      assertEquals([...statuses.keys()].filter((s) => s >= 500), []);
    } finally {
      await server.shutdown();
    }
  },
});
