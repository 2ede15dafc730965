/**
 * The paper venue's order path over HTTP: one client on loopback sends signed `POST
 * /api/v3/order` requests one after another (limit IOC buys a tick under the best bid, which the
 * market accepts and expires: a full trip through the book) and waits for each answer.
 * `venue_api_orders_per_s` is the round trips per second, `venue_api_order_p99_ms` the 99th
 * percentile of one round trip.
 * @module
 */
import { loadScenario } from "../scenarios/spec/mod.ts";
import { createVenueApp, paperExchangeFor, signedQuery } from "../scenarios/venue/mod.ts";
import type { RateOptions } from "./harness.ts";

const KEY = "benchkey0001", SECRET = "bench-secret";

interface VenueRun {
  readonly perSecond: number;
  readonly p99Ms: number;
}

let last: { quick: boolean; run: VenueRun } | undefined;

async function run(quick: boolean): Promise<VenueRun> {
  if (last !== undefined && last.quick === quick) return last.run;
  const scenario = await loadScenario("calm");
  const exchange = paperExchangeFor(scenario, {
    accounts: [{ name: "bench", apiKey: KEY, secret: SECRET, cash: 10_000_000 }],
  });
  const app = createVenueApp({ exchange, weightPerMinute: 1_000_000_000 });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  try {
    const s = exchange.symbols[0];
    const url = `http://127.0.0.1:${server.addr.port}/api/v3/order`;
    const order = async () => {
      const bid = exchange.top(s).bid;
      const body = signedQuery(
        {
          symbol: s.symbol,
          side: "BUY",
          type: "LIMIT",
          timeInForce: "IOC",
          quantity: 1,
          price: (bid - s.tickSize).toFixed(2),
          newOrderRespType: "RESULT",
        },
        SECRET,
        exchange.now(),
      );
      const res = await fetch(url, {
        method: "POST",
        body,
        headers: { "X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded" },
      });
      const answer = await res.json();
      if (res.status !== 200) throw new Error(`venue bench: ${JSON.stringify(answer)}`);
    };
    for (let i = 0; i < (quick ? 20 : 300); i++) await order(); // warm-up
    const n = quick ? 100 : 3_000;
    const times: number[] = [];
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await order();
      times.push(performance.now() - t);
    }
    const elapsed = performance.now() - start;
    times.sort((a, b) => a - b);
    const result = {
      perSecond: (n * 1000) / elapsed,
      p99Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))],
    };
    last = { quick, run: result };
    return result;
  } finally {
    await server.shutdown();
  }
}

/** `venue_api_orders_per_s`: signed order round trips a second, one client on loopback. */
export async function benchVenueOrders(options: RateOptions = {}): Promise<number> {
  last = undefined;
  return (await run(options.quick === true)).perSecond;
}

/** `venue_api_order_p99_ms`: the 99th percentile of one such round trip, ms. */
export async function benchVenueOrderP99(options: RateOptions = {}): Promise<number> {
  return (await run(options.quick === true)).p99Ms;
}
