/**
 * The WebSocket API's answers to bad requests: each an error with the exchange's code, the
 * connection kept open; a good subscription gets its id.
 * @module
 */
import { assertEquals } from "../../testing/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { signature } from "./binance_request.ts";
import { paperExchangeFor } from "./paper_venue.ts";
import { serveVenue } from "./venue_server.ts";

Deno.test({
  name:
    "ws-api: bad requests get the exchange's errors and the connection stays; a signed subscribe gets an id",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const scenario = await loadScenario(new URL("../calm.json", import.meta.url).pathname);
    const exchange = paperExchangeFor(scenario, {
      accounts: [{ name: "gil", apiKey: "gilkey0001", secret: "gil-secret", cash: 1_000 }],
    });
    const venue = serveVenue(exchange, { port: 0, speed: 0 });
    const ws = new WebSocket(venue.wsApiUrl);
    try {
      await new Promise((resolve) => ws.onopen = resolve);
      const answers: Record<string, unknown>[] = [];
      ws.onmessage = (e) => answers.push(JSON.parse(e.data));
      const ask = async (text: string) => {
        const n = answers.length;
        ws.send(text);
        while (answers.length === n) await new Promise((resolve) => setTimeout(resolve, 5));
        return answers[n] as {
          id: unknown;
          status: number;
          error?: { code: number };
          result?: unknown;
        };
      };
      assertEquals((await ask("not json")).error?.code, -1100);
      assertEquals(
        (await ask(JSON.stringify({ id: 1, method: "order.place" }))).error?.code,
        -1100,
      );
      const now = exchange.now();
      const bad = { apiKey: "gilkey0001", timestamp: now, signature: "00" };
      const wrong = await ask(
        JSON.stringify({ id: 2, method: "userDataStream.subscribe.signature", params: bad }),
      );
      assertEquals([wrong.id, wrong.status, wrong.error?.code], [2, 400, -1022]);
      const late = { apiKey: "gilkey0001", timestamp: now - 60_000 };
      const old = await ask(JSON.stringify({
        id: 3,
        method: "userDataStream.subscribe.signature",
        params: {
          ...late,
          signature: signature(`apiKey=gilkey0001&timestamp=${now - 60_000}`, "gil-secret"),
        },
      }));
      assertEquals(old.error?.code, -1021);
      const stranger = await ask(JSON.stringify({
        id: 4,
        method: "userDataStream.subscribe.signature",
        params: { apiKey: "nobody0000", timestamp: now, signature: "00" },
      }));
      assertEquals(stranger.error?.code, -2015);
      const good = await ask(JSON.stringify({
        id: 5,
        method: "userDataStream.subscribe.signature",
        params: {
          apiKey: "gilkey0001",
          timestamp: now,
          signature: signature(`apiKey=gilkey0001&timestamp=${now}`, "gil-secret"),
        },
      }));
      assertEquals([good.status, good.result], [200, { subscriptionId: 0 }]);
      assertEquals((await ask(JSON.stringify({ id: 6, method: "ping" }))).status, 200);
    } finally {
      ws.close();
      await venue.shutdown();
    }
  },
});
