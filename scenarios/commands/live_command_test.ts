/**
 * `deno task live` as a user runs it, as a child process: against a paper venue the test serves
 * on loopback on a fast clock, two agents trade for a bounded time on market data it streams, and
 * the session's report and recording agree with the venue's accounts and trade lists; the secrets in its environment
 * appear in no file and no line it wrote. And the refusals: a real exchange without
 * `--confirm-live`, or without its keys.
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "../../testing/mod.ts";
import {
  ACCOUNTS,
  assertNoSecrets,
  ENV,
  filesUnder,
  liveConfig,
  runLive,
  testVenue,
  venueView,
} from "./live_kit.ts";

Deno.test({
  name: "deno task live: two agents on the paper venue; report and recording agree with it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "agora-live-e2e-" });
    const venue = await testVenue(60);
    try {
      const file = `${dir}/live.json`;
      await Deno.writeTextFile(file, JSON.stringify(liveConfig(dir, venue.restUrl)));
      const run = await runLive([file, "--for", "8", "--json"], ENV);
      assertEquals(run.code, 0, run.stderr);
      const summary = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
      const report = JSON.parse(await Deno.readTextFile(`${dir}/out/report.json`));
      const lines = (await Deno.readTextFile(`${dir}/out/recording.jsonl`)).trim().split("\n")
        .slice(1).map((l) => JSON.parse(l));
      for (const a of ACCOUNTS) {
        const v = venueView(venue.exchange, a.apiKey);
        const fills = lines.filter((m) => m.kind === "fill" && m.agentId === a.name);
        const orders = lines.filter((m) => m.kind === "order" && m.agentId === a.name);
        assert(v.trades.length > 0, `${a.name} traded at the venue`);
        assertEquals(fills.map((f) => `${f.price}x${f.qty}`).sort(), v.trades, a.name);
        assertEquals(orders.map((o) => o.clientOrderId).sort(), v.orders, a.name);
        const agent = report.agents.find((r: { agentId: string }) => r.agentId === a.name);
        assertEquals(agent.fills, v.trades.length, `${a.name}: the report's fills`);
        const net = fills.reduce((n, f) => n + (f.side === "buy" ? f.qty : -f.qty), 0);
        assertEquals(net, v.base, `${a.name}: its fills make the venue's balance`);
        assertEquals(summary.positions[a.name].SIM ?? 0, v.base, `${a.name}: its position`);
        assertEquals(summary.agents[a.name].trades, agent.stats.trades);
      }
      // Market data came over the venue's WebSocket streams, the bars each once, in order.
      assert(
        summary.streams.quotes > 0 && summary.streams.bars > 0,
        JSON.stringify(summary.streams),
      );
      const bars = lines.filter((m) => m.kind === "bar" && m.stage === "raw").map((m) => m.ts);
      for (let i = 1; i < bars.length; i++) assertEquals(bars[i] - bars[i - 1], 60_000);
      // The keys and secrets were in its environment: they are in no file and no line.
      await assertNoSecrets(run, dir, Object.values(ENV));
    } finally {
      await venue.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "deno task live: a real exchange is refused without --confirm-live, or without keys",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "agora-live-refuse-" });
    try {
      const file = `${dir}/live.json`;
      const config = liveConfig(dir, "http://127.0.0.1:1/api/v3");
      await Deno.writeTextFile(file, JSON.stringify(config));
      const unconfirmed = await runLive([file, "--exchange", "binance"], ENV);
      assertEquals(unconfirmed.code, 1);
      assertStringIncludes(unconfirmed.stderr, "live: refused: trading binance moves real money");
      const noKeys = await runLive([file, "--exchange", "binance", "--confirm-live"], {
        FAST_KEY: ENV.FAST_KEY,
      });
      assertEquals(noKeys.code, 1);
      assertStringIncludes(
        noKeys.stderr,
        "binance needs its API key and secret in the environment: FAST_SECRET, HOLD_KEY and " +
          "HOLD_SECRET are not set",
      );
      assert(!noKeys.stderr.includes(ENV.FAST_KEY), "the key set is named, never shown");
      const bad = await runLive([`${dir}/missing.json`], {});
      assertEquals(bad.code, 2);
      assertStringIncludes(bad.stderr, "missing.json: no such file");
      await Deno.writeTextFile(file, JSON.stringify({ ...config, pollMs: 5 }));
      const badField = await runLive([file], ENV);
      assertEquals(badField.code, 2);
      assertStringIncludes(badField.stderr, "pollMs");
      // Nothing was written: no journal, no report.
      assertEquals([...(await filesUnder(dir)).keys()], [file]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
