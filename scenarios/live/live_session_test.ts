/**
 * A live session in process against the paper venue on its virtual clock: two agents trade, the
 * session's books agree with the venue's accounts and trade lists, and a second session on the
 * same journal replays it and carries on — no order sent twice, no fill lost or doubled.
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import type { Fill } from "../../actors/protocol/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { paperExchangeFor, serveVenue } from "../venue/mod.ts";
import { binanceAt } from "./ccxt_clients.ts";
import { parseLiveConfig } from "./live_config.ts";
import { LiveSession } from "./live_session.ts";
import type { LiveExchange } from "./live_exchange.ts";

const ACCOUNTS = [
  { name: "fast", apiKey: "fastkey0001", secret: "fast-secret-1", cash: 100_000 },
  { name: "hold", apiKey: "holdkey0001", secret: "hold-secret-1", cash: 50_000 },
];

async function setup() {
  const scenario = await loadScenario(new URL("../calm.json", import.meta.url).pathname);
  const exchange = paperExchangeFor(scenario, { accounts: ACCOUNTS, warmupMs: 1_800_000 });
  const venue = serveVenue(exchange, { port: 0, speed: 0 });
  const dir = await Deno.makeTempDir({ prefix: "agora-live-" });
  const config = parseLiveConfig({
    exchange: { name: "paper", url: venue.restUrl },
    symbols: { SIM: "SIM/USDT" },
    agents: [
      {
        id: "fast",
        policy: { kind: "sma_crossover", fast: 3, slow: 8 },
        sizing: { kind: "units", units: 5 },
      },
      { id: "hold", policy: { kind: "buy_and_hold" }, sizing: { kind: "units", units: 7 } },
    ],
    risk: { maxPosition: 1_000 },
    journalDir: dir,
  });
  const clients = async () =>
    new Map(
      await Promise.all(
        ACCOUNTS.map(async (a) =>
          [a.name, await binanceAt(venue, a.apiKey, a.secret) as unknown as LiveExchange] as const
        ),
      ),
    );
  const open = async (record?: (line: string) => void) =>
    LiveSession.open({
      config,
      exchanges: await clients(),
      barMs: 60_000,
      warmupBars: 20,
      lookups: 3,
      lookupDelayMs: 20,
      ...(record === undefined ? {} : { record }),
    });
  const advance = (ms: number) => venue.clock.advance(ms);
  const done = async () => {
    await venue.shutdown();
    await Deno.remove(dir, { recursive: true });
  };
  return { exchange, venue, open, advance, done };
}

/** The venue's view of an account: its trades and its base balance. */
function venueAccount(exchange: ReturnType<typeof paperExchangeFor>, key: string) {
  const trades = exchange.myTrades(key, "SIMUSDT");
  const base = exchange.balances(key)["SIM"];
  return { trades, base: base === undefined ? 0 : base.total };
}

Deno.test({
  name: "live session: two agents trade the paper venue; books agree; a restart replays",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { exchange, open, advance, done } = await setup();
    try {
      const fills: Fill[] = [];
      const record = (line: string) => {
        if (line.includes('"kind":"fill"')) fills.push(JSON.parse(line));
      };
      let session = await open(record);
      assertEquals(session.replayed, 0);
      assertEquals(session.refused, undefined);
      for (let i = 0; i < 30; i++) {
        advance(60_000);
        await session.round();
        await session.settled(); // the venue's clock jumps: nothing may be in flight across it
      }
      await session.stop();
      for (const a of ACCOUNTS) {
        const venue = venueAccount(exchange, a.apiKey);
        const mine = fills.filter((f) => f.agentId === a.name);
        assert(venue.trades.length > 0, `${a.name} traded`);
        const key = (price: number, qty: number) => `${price}x${qty}`;
        assertEquals(
          mine.map((f) => key(f.price, f.qty)).sort(),
          venue.trades.map((t) => key(t.price, t.qty)).sort(),
          `${a.name}: every venue trade is one fill`,
        );
        const net = mine.reduce((s, f) => s + (f.side === "buy" ? f.qty : -f.qty), 0);
        assertEquals(net, venue.base, `${a.name}: position = venue balance`);
      }
      const ordersBefore = ACCOUNTS.map((a) => exchange.allOrders(a.apiKey, "SIMUSDT").length);

      // A second process on the same journal: the replay rebuilds, nothing goes out again.
      const replayFills: Fill[] = [];
      session = await open((line) => {
        if (line.includes('"kind":"fill"')) replayFills.push(JSON.parse(line));
      });
      assert(session.replayed > 0);
      assertEquals(session.refused, undefined);
      assertEquals(replayFills.length, fills.length, "the replay gives the same fills");
      assertEquals(
        ACCOUNTS.map((a) => exchange.allOrders(a.apiKey, "SIMUSDT").length),
        ordersBefore,
        "no order sent again",
      );
      for (let i = 0; i < 10; i++) {
        advance(60_000);
        await session.round();
        await session.settled();
      }
      await session.stop();
      const ids = ACCOUNTS.flatMap((a) =>
        exchange.allOrders(a.apiKey, "SIMUSDT").map((o) => o.clientOrderId)
      );
      assertEquals(new Set(ids).size, ids.length, "no client order id twice at the venue");
    } finally {
      await done();
    }
  },
});
