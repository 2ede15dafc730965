/**
 * The ccxt venue adapter (actors/venues/ccxt_venue_adapter.ts) with the real ccxt client against
 * the paper venue: orders and their updates, cancels, fills found by polling, rejects before and
 * at the exchange, and ambiguous creates — answered too late, or not at all — resolved by client id
 * without ever sending the order twice.
 * @module
 */
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { type AdapterUpdate, CcxtMarketData, CcxtVenueAdapter } from "../../actors/venues/mod.ts";
import {
  type Bar,
  type Order,
  type Quote,
  subjectFor,
  validateMessage,
} from "../../actors/protocol/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { paperExchangeFor } from "./paper_venue.ts";
import { serveVenue, type VenueServeOptions } from "./venue_server.ts";
import { binanceAt } from "../live/mod.ts";

const KEY = "ivykey0001", SECRET = "ivy-secret";

async function setup(options: VenueServeOptions = {}) {
  const scenario = await loadScenario(new URL("../calm.json", import.meta.url).pathname);
  const exchange = paperExchangeFor(scenario, {
    accounts: [{ name: "ivy", apiKey: KEY, secret: SECRET, cash: 100_000 }],
  });
  const venue = serveVenue(exchange, { port: 0, speed: 0, ...options });
  const client = await binanceAt(venue, KEY, SECRET);
  // The virtual clock: the client's nonce follows the venue's time.
  const sync = () => client.options["timeDifference"] = Date.now() - exchange.now();
  sync();
  const updates: AdapterUpdate[] = [];
  const adapter = await CcxtVenueAdapter.open({
    venue: "paper",
    exchange: client as never,
    symbols: new Map([["SIM", "SIM/USDT"]]),
    onUpdate: (u) => updates.push(u),
    lookups: 3,
    lookupDelayMs: 50,
  });
  let n = 0;
  const order = (fields: Partial<Order>): Order => ({
    kind: "order",
    v: 1,
    ts: exchange.now(),
    agentId: "ivy",
    intentId: `i${++n}`,
    clientOrderId: `ivy:${n}`,
    symbol: "SIM",
    side: "buy",
    type: "market",
    qty: 1,
    tif: "gtc",
    postOnly: false,
    ...fields,
  });
  const of = (id: string) =>
    updates.filter((u) => u.type !== "margin-call" && u.clientOrderId === id);
  return { exchange, venue, client, adapter, updates, order, of, sync };
}

Deno.test({
  name: "ccxt adapter on the paper venue: orders, fills, cancels, polls, rejects",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { exchange, venue, adapter, order, of, sync } = await setup();
    try {
      assertEquals(adapter.markets.map((m) => [m.symbol, m.tickSize, m.lotSize, m.quote]), [[
        "SIM",
        0.01,
        1,
        "USDT",
      ]]);
      const buy = order({ qty: 3 });
      adapter.submit(buy);
      await adapter.idle();
      const u = of(buy.clientOrderId);
      assertEquals(u.slice(0, 2).map((x) => x.type), ["sent", "ack"]);
      const filled = u.filter((x) => x.type === "fill").reduce(
        (a, x) => a + (x.type === "fill" ? x.qty : 0),
        0,
      );
      assertEquals(filled, 3);

      const bid = exchange.top(exchange.symbols[0]).bid;
      const rest = order({ type: "limit", limitPrice: bid, qty: 2 });
      adapter.submit(rest);
      await adapter.idle();
      assertEquals(of(rest.clientOrderId).map((x) => x.type), ["sent", "ack"]);
      // The population fills it while the adapter is not looking; a poll finds the fills.
      for (let minute = 0; minute < 30 && exchange.openOrders(KEY).length > 0; minute++) {
        exchange.advanceTo(exchange.now() + 60_000);
      }
      sync();
      await adapter.poll();
      await adapter.poll(); // twice: nothing said twice
      const fills = of(rest.clientOrderId).filter((x) => x.type === "fill");
      assertEquals(fills.reduce((a, x) => a + (x.type === "fill" ? x.qty : 0), 0), 2);
      assertEquals(new Set(fills.map((x) => x.type === "fill" && x.tradeId)).size, fills.length);

      const far = order({ type: "limit", limitPrice: bid - 5, qty: 1 });
      adapter.submit(far);
      await adapter.idle();
      adapter.cancel(far.clientOrderId);
      await adapter.idle();
      assertEquals(of(far.clientOrderId).map((x) => x.type), ["sent", "ack", "cancel"]);

      // Below the lot: refused before it leaves. Too big for the cash: refused by the exchange.
      const tiny = order({ qty: 0.4 });
      adapter.submit(tiny);
      const huge = order({ type: "limit", limitPrice: bid, qty: 5_000 });
      adapter.submit(huge);
      await adapter.idle();
      assertEquals(of(tiny.clientOrderId).map((x) => x.type), ["reject"]);
      const refused = of(huge.clientOrderId);
      assertEquals(refused.map((x) => x.type), ["reject"]);
      assert(refused[0].type === "reject" && refused[0].reason.includes("insufficient balance"));
      const placed = exchange.allOrders(KEY, "SIMUSDT").map((o) => o.clientOrderId);
      assertEquals(placed, [buy.clientOrderId, rest.clientOrderId, far.clientOrderId]);

      const found = await adapter.reconcile();
      assertEquals(found.balances.SIM.total, 5);
      assertEquals(found.fills.length, fills.length + u.filter((x) => x.type === "fill").length);
    } finally {
      await adapter.idle();
      await venue.shutdown();
    }
  },
});

Deno.test({
  name:
    "ccxt adapter: a create answered too late is found by client id and adopted, never sent twice",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { exchange, venue, client, adapter, order, of } = await setup({
      faults: { lateShare: 1, lateMs: 1_000 },
    });
    try {
      client.timeout = 250;
      const bid = exchange.top(exchange.symbols[0]).bid;
      const o = order({ type: "limit", limitPrice: bid - 1, qty: 2 });
      adapter.submit(o);
      await adapter.idle();
      assertEquals(of(o.clientOrderId).map((x) => x.type), ["sent", "ack"]);
      assertEquals(adapter.resolving, []);
      assertEquals(exchange.allOrders(KEY, "SIMUSDT").map((x) => x.clientOrderId), [
        o.clientOrderId,
      ]);
    } finally {
      await adapter.idle();
      await venue.shutdown();
    }
  },
});

Deno.test({
  name:
    "ccxt adapter: a create the exchange never handled: not placed after 3 answers saying so; " +
    "unanswered lookups prove nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { exchange, venue, adapter, order, of, sync } = await setup();
    try {
      venue.faults.errorShare = 1; // an outage: every request answered 503, nothing handled
      const lost = order({ qty: 1 });
      adapter.submit(lost);
      await adapter.idle();
      assertEquals(of(lost.clientOrderId), [], "no answer, no verdict: left to reconciliation");
      assertEquals(venue.faults.errors, 13, "the create and 12 lookups, none sent again");
      assertEquals(adapter.resolving, []);

      sync(); // the virtual clock stood still while the wall clock ran
      const o = order({ qty: 1 });
      adapter.submit(o);
      await new Promise((resolve) => setTimeout(resolve, 120)); // two lookups unanswered
      venue.faults.errorShare = 0; // the outage ends: the exchange says it has no such order
      await adapter.idle();
      const u = of(o.clientOrderId);
      assertEquals(u.map((x) => x.type), ["reject"]);
      assert(
        u[0].type === "reject" &&
          u[0].reason.startsWith("not placed: paper has no order ivy:2 after 3 lookups"),
      );
      assertEquals(exchange.allOrders(KEY, "SIMUSDT").length, 0);
    } finally {
      await adapter.idle();
      await venue.shutdown();
    }
  },
});

Deno.test({
  name: "ccxt market data: the venue's top and closed candles as raw messages, each once, in order",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { exchange, venue, client } = await setup();
    try {
      const published: (Quote | Bar)[] = [];
      const md = new CcxtMarketData({
        venue: "paper",
        exchange: client as never,
        symbols: new Map([["SIM", "SIM/USDT"]]),
        publish: (m) => published.push(m),
        warmupBars: 2,
        now: () => exchange.now(),
      });
      assertEquals(await md.poll(), { quotes: 1, bars: 2, failures: 0 });
      exchange.advanceTo(exchange.now() + 3 * 60_000);
      const second = await md.poll();
      assertEquals(second.bars, 3);
      assertEquals((await md.poll()).bars, 0, "nothing twice");
      for (const m of published) {
        const r = validateMessage(subjectFor(m), m);
        assert(r.ok, `${m.kind}: ${!r.ok && r.error}`);
      }
      const bars = published.filter((m): m is Bar => m.kind === "bar");
      assertEquals(bars.length, 5);
      for (let i = 1; i < bars.length; i++) assertEquals(bars[i].ts - bars[i - 1].ts, 60_000);
      assert(
        bars.every((b) =>
          b.ts + 60_000 <= exchange.now() && b.symbol === "SIM" && b.stage === "raw"
        ),
      );
      const quote = published.find((m): m is Quote => m.kind === "quote")!;
      assert(quote.bid! < quote.ask!);
      assertThrows(
        () =>
          new CcxtMarketData({
            venue: "x",
            exchange: client as never,
            symbols: new Map(),
            barMs: 7_000,
            publish: () => {},
          }),
        RangeError,
        "barMs: 7000",
      );
    } finally {
      await venue.shutdown();
    }
  },
});
