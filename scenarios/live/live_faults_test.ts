/**
 * A live session against a misbehaving paper venue: order requests handled but answered after the
 * client gave up (a timeout after accept), 5xx answers, 429 refusals with `Retry-After`, and its
 * WebSockets dropped now and then. No order is sent twice, every ambiguous order is resolved
 * (adopted, or declared not placed), the books agree with the venue at the end, after each 429
 * the session waits before asking again, and the market data goes on through the drops: every
 * bar once, in order, as the venue made it.
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import type { BrokerContext } from "../../actors/roles/mod.ts";
import { RateGate } from "../../actors/venues/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import {
  type PaperExchange,
  paperExchangeFor,
  serveVenue,
  type VenueServer,
} from "../venue/mod.ts";
import { binanceProAt } from "./ccxt_clients.ts";
import { parseLiveConfig } from "./live_config.ts";
import type { LiveExchange } from "./live_exchange.ts";
import type { LiveSessionOptions } from "./live_options.ts";
import { LiveSession } from "./live_session.ts";

const ACCOUNTS = [
  { name: "maker", apiKey: "makerkey0001", secret: "maker-secret-1", cash: 100_000 },
  { name: "trend", apiKey: "trendkey0001", secret: "trend-secret-1", cash: 100_000 },
];

interface Seen {
  readonly fills: { agentId: string; price: number; qty: number; side: string }[];
  readonly orders: Set<string>;
  readonly bars: { ts: number; open: number; high: number; low: number; close: number }[];
}

/** A session of both accounts at `venue`, its clients timing out at `timeoutMs`; what it saw. */
async function openSession(
  venue: VenueServer,
  dir: string,
  timeoutMs: number,
  options: Partial<LiveSessionOptions> = {},
  made: (clients: { options: Record<string, unknown> }[]) => void = () => {},
): Promise<{ session: LiveSession; seen: Seen }> {
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
    const client = await binanceProAt(venue, a.apiKey, a.secret);
    client.timeout = timeoutMs;
    exchanges.set(a.name, client as unknown as LiveExchange);
  }
  made([...exchanges.values()] as unknown as { options: Record<string, unknown> }[]);
  const seen: Seen = { fills: [], orders: new Set(), bars: [] };
  const session = await LiveSession.open({
    config,
    exchanges,
    lookups: 6,
    lookupDelayMs: 100,
    record: (line) => {
      const m = JSON.parse(line);
      if (m.kind === "fill") seen.fills.push(m);
      if (m.kind === "order") seen.orders.add(m.clientOrderId);
      if (m.kind === "bar" && m.stage === "raw") seen.bars.push(m);
    },
    ...options,
  });
  return { session, seen };
}

/** Winds `session` down and checks it against the venue: orders, fills, positions, bars. */
async function checkAgainstVenue(
  session: LiveSession,
  exchange: PaperExchange,
  seen: Seen,
): Promise<void> {
  await session.settled();
  for (const a of session.adapters.values()) assertEquals(a.resolving, []);
  await session.finish();
  const broker = session.system.supervisor.snapshot("broker")!.context as BrokerContext;
  for (const [id, t] of broker.orders) {
    assert(t.finished || t.venueOrderId !== undefined, `${id} is neither live nor finished`);
  }
  assertEquals(session.refused, undefined);
  await session.stop();
  for (const a of ACCOUNTS) {
    const placed = exchange.allOrders(a.apiKey, "SIMUSDT").map((o) => o.clientOrderId);
    assertEquals(new Set(placed).size, placed.length, `${a.name}: an order sent twice`);
    for (const id of placed) assert(seen.orders.has(id), `${a.name}: ${id} unknown to the session`);
    const trades = exchange.myTrades(a.apiKey, "SIMUSDT").map((t) => `${t.price}x${t.qty}`);
    const mine = seen.fills.filter((f) => f.agentId === a.name);
    assertEquals(mine.map((f) => `${f.price}x${f.qty}`).sort(), trades.sort(), a.name);
    const net = mine.reduce((n, f) => n + (f.side === "buy" ? f.qty : -f.qty), 0);
    assertEquals(net, exchange.balances(a.apiKey)["SIM"]?.total ?? 0, a.name);
  }
  // Every bar of the venue's from the first seen to the last: once, in order, with its values.
  const s = exchange.symbols[0];
  const { bars } = seen;
  const made = exchange.tape.bars(s.index, bars[0].ts, bars.at(-1)!.ts + 1, false);
  assertEquals(bars.map((b) => b.ts), made.map((b) => b.start), "bars missed or doubled");
  for (const [i, b] of bars.entries()) {
    const want = [made[i].open, made[i].high, made[i].low, made[i].close];
    const got = [b.open, b.high, b.low, b.close];
    assert(want.every((x, k) => Math.abs(x * s.tickSize - got[k]) < s.tickSize / 2), `${b.ts}`);
  }
}

Deno.test({
  name:
    "live session under faults: late answers, 5xx, 429, dropped WebSockets — no duplicate, all resolved, backoff, bars whole",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const scenario = await loadScenario("calm");
    const exchange = paperExchangeFor(scenario, { accounts: ACCOUNTS, warmupMs: 1_800_000 });
    const requests: { wall: number; status: number; path: string }[] = [];
    const venue = serveVenue(exchange, {
      port: 0,
      speed: 0,
      faults: {
        errorShare: 0.08,
        rateLimitShare: 0.03,
        lateShare: 0.3,
        lateMs: 700,
        dropStreamsEveryMs: 1_500,
        seed: 5,
      },
      // When each request arrived (a late answer is logged when it is finally sent).
      log: (e) => requests.push({ wall: performance.now() - e.ms, status: e.status, path: e.path }),
    });
    const dir = await Deno.makeTempDir({ prefix: "agora-live-faults-" });
    let ticker: ReturnType<typeof setInterval> | undefined;
    try {
      const gate = new RateGate({ maxMs: 2_000 });
      // The late answers come after the client gave up (300 ms). The virtual clock stands still
      // while retries and pauses take wall time: the clients' clocks follow the venue's, as they
      // would at a venue whose time moves.
      const { session, seen } = await openSession(venue, dir, 300, { gate }, (clients) => {
        ticker = setInterval(() => {
          for (const c of clients) c.options["timeDifference"] = Date.now() - exchange.now();
        }, 20);
      });
      for (let i = 0; i < 30; i++) {
        venue.clock.advance(60_000);
        await session.round();
        await session.settled(); // the virtual clock jumps: nothing in flight across it
      }
      // The faults stop; what was ambiguous is resolved, and the books are checked.
      venue.faults.errorShare = 0;
      const streams = session.marketData.streamStats;
      await checkAgainstVenue(session, exchange, seen);
      assert(venue.faults.late > 0 && venue.faults.errors > 0 && venue.faults.limited > 0);
      assert(venue.faults.dropped > 0 && streams.failures > 0, "no stream was dropped");
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
          `(${gate.waits} waits), ${during} requests inside a pause; ${seen.orders.size} orders, ` +
          `${seen.fills.length} fills; ${venue.faults.dropped} WebSockets dropped, streams ` +
          `${JSON.stringify(streams)}, ${seen.bars.length} bars`,
      );
      assertEquals(during, 0, "requests sent while the gate was closed");
    } finally {
      clearInterval(ticker);
      await venue.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "live session on a fast wall clock, its WebSockets dropped every 700 ms: bars whole, books equal",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const scenario = await loadScenario("calm");
    const exchange = paperExchangeFor(scenario, {
      accounts: ACCOUNTS,
      openAt: Date.now(),
      warmupMs: 1_800_000,
    });
    // 300 market seconds a wall second: a 1-minute bar every 200 ms.
    const venue = serveVenue(exchange, {
      port: 0,
      speed: 300,
      faults: { dropStreamsEveryMs: 700, seed: 7 },
    });
    const dir = await Deno.makeTempDir({ prefix: "agora-live-drops-" });
    try {
      const { session, seen } = await openSession(venue, dir, 5_000);
      const end = Date.now() + 6_000;
      while (Date.now() < end) {
        await session.round();
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const streams = session.marketData.streamStats;
      await checkAgainstVenue(session, exchange, seen);
      console.log(
        `live drops: ${venue.faults.dropped} WebSockets dropped, streams ${
          JSON.stringify(streams)
        }, ` +
          `${seen.bars.length} bars, ${seen.orders.size} orders, ${seen.fills.length} fills`,
      );
      assert(venue.faults.dropped >= 5, `${venue.faults.dropped} drops`);
      assert(streams.failures >= 5, `${streams.failures} stream failures`);
      // Streams carried market data between the drops; REST covered the rest.
      assert(streams.quotes > 0 && streams.bars > 0, JSON.stringify(streams));
      assert(seen.bars.length >= 10 + 15, `${seen.bars.length} bars`);
    } finally {
      await venue.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
