/**
 * `deno task live` SIGKILLed at 20 seeded points — before journaling an input, with an order's
 * request in flight, and between the exchange's ack and its journal record — and restarted on
 * the same journal each time, against one paper venue that keeps trading: after every restart the
 * accounts reconcile (positions equal the venue's balances, or the session would refuse), and at
 * the end every venue trade is exactly one fill in the session's books, no client order id was
 * used twice at the venue, and every order the venue holds is one the session made.
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { ACCOUNTS, ENV, liveConfig, runLive, testVenue, venueView } from "./live_kit.ts";

Deno.test({
  name: "deno task live: 20 SIGKILLs at seeded points; 0 fills lost or doubled, 0 duplicate ids",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "agora-live-crash-" });
    // 21 process starts in half a minute ask more than Binance's 6,000 weight a minute (each
    // loads markets and reconciles two accounts); a user restarting once does not.
    const venue = await testVenue(120, 60_000);
    try {
      const file = `${dir}/live.json`;
      await Deno.writeTextFile(
        file,
        JSON.stringify(liveConfig(dir, venue.restUrl, {
          reconcileEvery: 3,
          // A quoting agent (limit orders resting, cancelled, filled by the market each bar) and
          // a fast crossover (market orders): orders in flight at most kill points.
          agents: [
            {
              id: "fast",
              policy: { kind: "market_maker", halfSpreadBps: 2, quoteQty: 2, maxInventory: 20 },
            },
            {
              id: "hold",
              policy: { kind: "sma_crossover", fast: 2, slow: 3 },
              sizing: { kind: "units", units: 3 },
            },
          ],
        })),
      );
      const rng = new Rng(34);
      const kinds = ["input", "submit", "ack"] as const;
      let killed = 0;
      const byKind: Record<string, number> = {};
      for (let i = 0; i < 20; i++) {
        const at = kinds[i % 3];
        const point = `${at}:${at === "input" ? rng.int(1, 40) : rng.int(1, 2)}`;
        const run = await runLive([file, "--for", "1.5", "--quiet"], {
          ...ENV,
          AGORA_LIVE_KILL: point,
        });
        assert(!run.stderr.includes("refused"), `restart ${i} (${point}): ${run.stderr}`);
        if (run.code === 137 || run.code === 128 + 9) {
          killed++;
          byKind[at] = (byKind[at] ?? 0) + 1;
        } else assertEquals(run.code, 0, `run ${i} (${point}): ${run.stderr}`);
        for (const a of ACCOUNTS) {
          const ids = venueView(venue.exchange, a.apiKey).orders;
          assertEquals(new Set(ids).size, ids.length, `${a.name}: a client order id twice`);
        }
      }
      // Cancelling on exit: a resting order that fills after the session ends is not its to know.
      const last = await runLive([file, "--for", "1", "--cancel-on-exit", "--json"], ENV);
      assert(killed >= 15, `only ${killed} of 20 runs reached their kill point`);
      assertEquals(last.code, 0, last.stderr);
      const summary = JSON.parse(last.stdout.trim().split("\n").at(-1)!);
      const lines = (await Deno.readTextFile(`${dir}/out/recording.jsonl`)).trim().split("\n")
        .slice(1).map((l) => JSON.parse(l));
      for (const a of ACCOUNTS) {
        const v = venueView(venue.exchange, a.apiKey);
        const fills = lines.filter((m) => m.kind === "fill" && m.agentId === a.name);
        const orders = lines.filter((m) => m.kind === "order" && m.agentId === a.name);
        assertEquals(fills.map((f) => `${f.price}x${f.qty}`).sort(), v.trades, `${a.name} fills`);
        const made = new Set(orders.map((o) => o.clientOrderId));
        for (const id of v.orders) assert(made.has(id), `${a.name}: ${id} unknown to the session`);
        assertEquals(summary.positions[a.name].SIM ?? 0, v.base, `${a.name}: position`);
      }
      const made = lines.filter((m) => m.kind === "order").length;
      const fills = lines.filter((m) => m.kind === "fill").length;
      console.log(
        `live crash test: ${killed} of 20 runs killed (${JSON.stringify(byKind)}); ` +
          `${summary.epoch} sessions, ${summary.replayed} inputs replayed at the end; ` +
          `${made} orders made, ${fills} fills`,
      );
    } finally {
      await venue.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
