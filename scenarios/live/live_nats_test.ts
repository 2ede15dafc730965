/**
 * A live session over NATS (`bus: "nats://…"`): its actors' messages make their round trip
 * through a real nats-server, another process follows its fills and orders on
 * `agora.live.<name>.…`, its books agree with the paper venue, and a second session on the same
 * journal replays it over NATS and carries on — no order sent twice.
 * @module
 */
import { assert, assertEquals, natsTest } from "../../testing/mod.ts";
import { NatsBus } from "../../actors/bus/mod.ts";
import type { Fill, Order } from "../../actors/protocol/mod.ts";
import type { LiveSession } from "./live_session.ts";
import { ACCOUNTS, setup } from "./session_kit.ts";

natsTest(
  "live session over NATS: a follower sees its fills and orders; books agree; a restart replays",
  async (server) => {
    const { exchange, open, advance, done } = await setup({ bus: server.url, name: "natslive" });
    const follower = await NatsBus.connect({ servers: server.url, prefix: "agora.live.natslive" });
    try {
      const followed: { fills: Fill[]; orders: Order[] } = { fills: [], orders: [] };
      follower.subscribe("fill.>", (m) => followed.fills.push(m as Fill));
      follower.subscribe("order.>", (m) => followed.orders.push(m as Order));
      const rounds = async (session: LiveSession, n: number) => {
        for (let i = 0; i < n; i++) {
          advance(60_000);
          await session.round();
          await session.settled();
        }
      };

      const fills: Fill[] = [];
      let session = await open((line) => {
        if (line.includes('"kind":"fill"')) fills.push(JSON.parse(line));
      });
      assertEquals(session.refused, undefined);
      await rounds(session, 25);
      await session.stop();
      await follower.flush();
      for (const a of ACCOUNTS) {
        const trades = exchange.myTrades(a.apiKey, "SIMUSDT").map((t) => `${t.price}x${t.qty}`);
        const mine = fills.filter((f) => f.agentId === a.name);
        assert(trades.length > 0, `${a.name} traded`);
        assertEquals(mine.map((f) => `${f.price}x${f.qty}`).sort(), trades.sort(), a.name);
        const net = mine.reduce((n, f) => n + (f.side === "buy" ? f.qty : -f.qty), 0);
        assertEquals(net, exchange.balances(a.apiKey)["SIM"]?.total ?? 0, a.name);
      }
      // The follower, another connection: every fill and order, as the session had them.
      assertEquals(followed.fills.map((f) => f.fillId), fills.map((f) => f.fillId));
      const placed = ACCOUNTS.flatMap((a) =>
        exchange.allOrders(a.apiKey, "SIMUSDT").map((o) => o.clientOrderId)
      );
      assertEquals(new Set(followed.orders.map((o) => o.clientOrderId)), new Set(placed));

      // A second process on the same journal: replayed over NATS, nothing sent again.
      const before = placed.length;
      const replayed: Fill[] = [];
      session = await open((line) => {
        if (line.includes('"kind":"fill"')) replayed.push(JSON.parse(line));
      });
      assert(session.replayed > 0);
      assertEquals(session.refused, undefined);
      assertEquals(replayed.map((f) => f.fillId), fills.map((f) => f.fillId), "the same fills");
      const after = () =>
        ACCOUNTS.flatMap((a) =>
          exchange.allOrders(a.apiKey, "SIMUSDT").map((o) => o.clientOrderId)
        );
      assertEquals(after().length, before, "no order sent again");
      await rounds(session, 8);
      await session.stop();
      assertEquals(new Set(after()).size, after().length, "no client order id twice");
    } finally {
      await follower.close();
      await done();
    }
  },
  { timeoutMs: 90_000, sanitize: false },
);
