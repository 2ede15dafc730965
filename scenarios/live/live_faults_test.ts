/**
 * A live session against a misbehaving paper venue: order requests handled but answered after the
 * client gave up (a timeout after accept), 5xx answers, 429 refusals with `Retry-After`. No order
 * is sent twice, every ambiguous order is resolved (adopted, or declared not placed), the books
 * agree with the venue at the end, and after each 429 the session waits before asking again.
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import type { BrokerContext } from "../../actors/roles/mod.ts";
import { RateGate } from "../../actors/venues/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { paperExchangeFor, serveVenue } from "../venue/mod.ts";
import { binanceAt } from "./ccxt_clients.ts";
import { parseLiveConfig } from "./live_config.ts";
import type { LiveExchange } from "./live_exchange.ts";
import { LiveSession } from "./live_session.ts";

const ACCOUNTS = [
  { name: "maker", apiKey: "makerkey0001", secret: "maker-secret-1", cash: 100_000 },
  { name: "trend", apiKey: "trendkey0001", secret: "trend-secret-1", cash: 100_000 },
];

Deno.test({
  name: "live session under faults: late answers, 5xx, 429 — no duplicate, all resolved, backoff",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const scenario = await loadScenario("calm");
    const exchange = paperExchangeFor(scenario, { accounts: ACCOUNTS, warmupMs: 1_800_000 });
    const requests: { wall: number; status: number; path: string }[] = [];
    const venue = serveVenue(exchange, {
      port: 0,
      speed: 0,
      faults: { errorShare: 0.08, rateLimitShare: 0.03, lateShare: 0.3, lateMs: 700, seed: 5 },
      // When each request arrived (a late answer is logged when it is finally sent).
      log: (e) => requests.push({ wall: performance.now() - e.ms, status: e.status, path: e.path }),
    });
    const dir = await Deno.makeTempDir({ prefix: "agora-live-faults-" });
    const fills: { agentId: string; price: number; qty: number; side: string }[] = [];
    const orders = new Set<string>();
    let ticker: ReturnType<typeof setInterval> | undefined;
    try {
      const config = parseLiveConfig({
        exchange: { name: "paper", url: venue.restUrl },
        symbols: { SIM: "SIM/USDT" },
        agents: [
          {
            id: "maker",
            policy: { kind: "market_maker", halfSpreadBps: 2, quoteQty: 2, maxInventory: 20 },
          },
          {
            id: "trend",
            policy: { kind: "sma_crossover", fast: 2, slow: 3 },
            sizing: { kind: "units", units: 3 },
          },
        ],
        journalDir: `${dir}/journal`,
        outDir: `${dir}/out`,
        barMs: 60_000,
        warmupBars: 10,
        reconcileEvery: 4,
      });
      const exchanges = new Map<string, LiveExchange>();
      for (const a of ACCOUNTS) {
        const client = await binanceAt(venue, a.apiKey, a.secret);
        client.timeout = 300; // the late answers come after the client gave up
        exchanges.set(a.name, client as unknown as LiveExchange);
      }
      // The virtual clock stands still while retries and pauses take wall time: the clients'
      // clocks follow the venue's, as they would at a venue whose time moves.
      const clients = [...exchanges.values()] as unknown as { options: Record<string, unknown> }[];
      ticker = setInterval(() => {
        for (const c of clients) c.options["timeDifference"] = Date.now() - exchange.now();
      }, 20);
      const gate = new RateGate({ maxMs: 2_000 });
      const session = await LiveSession.open({
        config,
        exchanges,
        gate,
        lookups: 6,
        lookupDelayMs: 100,
        record: (line) => {
          const m = JSON.parse(line);
          if (m.kind === "fill") fills.push(m);
          if (m.kind === "order") orders.add(m.clientOrderId);
        },
      });
      for (let i = 0; i < 30; i++) {
        venue.clock.advance(60_000);
        await session.round();
        await session.settled(); // the virtual clock jumps: nothing in flight across it
      }
      // The faults stop; what was ambiguous is resolved, and the books are checked.
      venue.faults.errorShare = 0;
      await session.settled();
      for (const a of session.adapters.values()) assertEquals(a.resolving, []);
      await session.finish();
      const broker = session.system.supervisor.snapshot("broker")!.context as BrokerContext;
      for (const [id, t] of broker.orders) {
        assert(t.finished || t.venueOrderId !== undefined, `${id} is neither live nor finished`);
      }
      assertEquals(session.refused, undefined);
      await session.stop();

      assert(venue.faults.late > 0 && venue.faults.errors > 0 && venue.faults.limited > 0);
      for (const a of ACCOUNTS) {
        const placed = exchange.allOrders(a.apiKey, "SIMUSDT").map((o) => o.clientOrderId);
        assertEquals(new Set(placed).size, placed.length, `${a.name}: an order sent twice`);
        for (const id of placed) assert(orders.has(id), `${a.name}: ${id} unknown to the session`);
        const trades = exchange.myTrades(a.apiKey, "SIMUSDT").map((t) => `${t.price}x${t.qty}`);
        const mine = fills.filter((f) => f.agentId === a.name);
        assertEquals(mine.map((f) => `${f.price}x${f.qty}`).sort(), trades.sort(), a.name);
        const net = mine.reduce((n, f) => n + (f.side === "buy" ? f.qty : -f.qty), 0);
        assertEquals(net, exchange.balances(a.apiKey)["SIM"]?.total ?? 0, a.name);
      }
      // No storm: after a 429, requests arriving later than those already in flight wait out
      // its Retry-After (1 s).
      const refusals = requests.filter((r) => r.status === 429);
      let during = 0;
      for (const r of refusals) {
        during += requests.filter((q) => q.wall > r.wall + 100 && q.wall < r.wall + 900).length;
      }
      console.log(
        `live faults: ${requests.length} requests, ${venue.faults.errors} answered 503, ` +
          `${venue.faults.late} order requests answered late, ${refusals.length} refused 429 ` +
          `(${gate.waits} waits), ${during} requests inside a pause; ${orders.size} orders, ` +
          `${fills.length} fills`,
      );
      assertEquals(during, 0, "requests sent while the gate was closed");
    } finally {
      clearInterval(ticker);
      await venue.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
