/**
 * A live session in process against the paper venue on its virtual clock: two agents trade, the
 * session's books agree with the venue's accounts and trade lists, and a second session on the
 * same journal replays it and carries on — no order sent twice, no fill lost or doubled.
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import type { Fill } from "../../actors/protocol/mod.ts";
import { ACCOUNTS, setup, venueAccount } from "./session_kit.ts";

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
