/**
 * The paper venue's injected faults, as a client meets them: latency, 503s (nothing handled), an
 * order handled but answered after the client gave up (live, found by its client id), and dropped
 * WebSocket connections.
 * @module
 */
import ccxt from "ccxt";
import { assert, assertEquals, assertRejects } from "../../testing/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { paperExchangeFor } from "./paper_venue.ts";
import { serveVenue, type VenueServeOptions } from "./venue_server.ts";
import { binanceAt } from "../live/mod.ts";

const KEY = "frankkey0001", SECRET = "frank-secret";

async function venueWith(options: VenueServeOptions) {
  const scenario = await loadScenario(new URL("../calm.json", import.meta.url).pathname);
  const exchange = paperExchangeFor(scenario, {
    accounts: [{ name: "frank", apiKey: KEY, secret: SECRET, cash: 100_000 }],
    openAt: Date.now(),
  });
  const venue = serveVenue(exchange, { port: 0, ...options });
  const client = await binanceAt(venue, KEY, SECRET);
  return { venue, client, exchange };
}

Deno.test({
  name: "faults: latency, and 503s that handle nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { venue, client } = await venueWith({
      speed: 0,
      faults: { latencyMs: 60, errorShare: 0.5, seed: 4 },
    });
    try {
      let failed = 0, answered = 0;
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        try {
          await client.publicGetPing();
          answered++;
        } catch (error) {
          assert(error instanceof ccxt.OperationFailed, String(error));
          assert(String(error).includes("-1001"));
          failed++;
        }
        assert(performance.now() - t >= 55, "the latency is added");
      }
      assert(failed >= 4 && answered >= 4, `${failed} failed, ${answered} answered`);
      assertEquals(venue.faults.errors, failed);
    } finally {
      await venue.shutdown();
    }
  },
});

Deno.test({
  name: "faults: an order answered after the client gave up is live, and found by its client id",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { venue, client, exchange } = await venueWith({
      speed: 0,
      faults: { lateShare: 1, lateMs: 1_500 },
    });
    try {
      client.timeout = 300;
      const symbol = Object.keys(await client.loadMarkets())[0];
      const bid = exchange.top(exchange.symbols[0]).bid;
      await assertRejects(
        () =>
          client.createOrder(symbol, "limit", "buy", 2, bid - 0.5, {
            clientOrderId: "ambiguous-1",
          }),
        ccxt.RequestTimeout,
      );
      // The client cannot know; the venue placed it. Asking by client id resolves it.
      const found = await client.fetchOrder(undefined as unknown as string, symbol, {
        origClientOrderId: "ambiguous-1",
      });
      assertEquals([found.clientOrderId, found.status, found.amount], ["ambiguous-1", "open", 2]);
      assertEquals(venue.faults.late, 1);
    } finally {
      await venue.shutdown();
    }
  },
});

Deno.test({
  name: "faults: WebSocket connections dropped now and then",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { venue } = await venueWith({ speed: 1, faults: { dropStreamsEveryMs: 200 } });
    try {
      const ws = new WebSocket(`${venue.wsUrl}/simusdt@trade`);
      const closed = new Promise<number>((resolve) => ws.onclose = (e) => resolve(e.code));
      await new Promise((resolve) => ws.onopen = resolve);
      assertEquals(await closed, 1011);
    } finally {
      await venue.shutdown();
    }
  },
});
