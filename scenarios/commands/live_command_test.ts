/**
 * `deno task live` as a user runs it, as a child process: against a paper venue the test serves
 * on loopback on a fast clock, two agents trade for a bounded time, and the session's report and
 * recording agree with the venue's accounts and trade lists; the secrets in its environment
 * appear in no file and no line it wrote. And the refusals: a real exchange without
 * `--confirm-live`, or without its keys.
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "../../testing/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { type PaperExchange, paperExchangeFor, serveVenue } from "../venue/mod.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

const ACCOUNTS = [
  { name: "fast", apiKey: "fastKEY0001xyz", secret: "fast-SECRET-9f8e7d", cash: 100_000 },
  { name: "hold", apiKey: "holdKEY0001xyz", secret: "hold-SECRET-1a2b3c", cash: 50_000 },
];
const ENV = {
  FAST_KEY: ACCOUNTS[0].apiKey,
  FAST_SECRET: ACCOUNTS[0].secret,
  HOLD_KEY: ACCOUNTS[1].apiKey,
  HOLD_SECRET: ACCOUNTS[1].secret,
};

/** A live config for the venue at `url`, its folders in `dir`. */
function liveConfig(dir: string, url: string, extra: Record<string, unknown> = {}) {
  return {
    name: "e2e",
    exchange: {
      name: "paper",
      url,
      accounts: {
        fast: { apiKeyEnv: "FAST_KEY", secretEnv: "FAST_SECRET" },
        hold: { apiKeyEnv: "HOLD_KEY", secretEnv: "HOLD_SECRET" },
      },
    },
    symbols: { SIM: "SIM/USDT" },
    agents: [
      {
        id: "fast",
        policy: { kind: "sma_crossover", fast: 2, slow: 5 },
        sizing: { kind: "units", units: 5 },
      },
      { id: "hold", policy: { kind: "buy_and_hold" }, sizing: { kind: "units", units: 7 } },
    ],
    risk: { maxPosition: 1_000 },
    journalDir: `${dir}/journal`,
    outDir: `${dir}/out`,
    pollMs: 150,
    warmupBars: 10,
    ...extra,
  };
}

/** Runs `deno run main.ts live ...args` with `env`; at most 90 s. */
export async function runLive(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      MAIN,
      "live",
      ...args,
    ],
    env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(90_000),
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** A paper venue for the test: calm's market, an hour of history, `speed` × the wall clock. */
export async function testVenue(speed: number) {
  const scenario = await loadScenario("calm");
  const exchange = paperExchangeFor(scenario, {
    accounts: ACCOUNTS,
    openAt: Date.now(),
    warmupMs: 3_600_000,
  });
  return serveVenue(exchange, { port: 0, speed });
}

/** Every file under `dir`, as text. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) { for (const [p, t] of await filesUnder(path)) out.set(p, t); }
    else out.set(path, await Deno.readTextFile(path));
  }
  return out;
}

function venueView(exchange: PaperExchange, key: string) {
  const trades = exchange.myTrades(key, "SIMUSDT");
  return {
    trades: trades.map((t) => `${t.price}x${t.qty}`).sort(),
    base: exchange.balances(key)["SIM"]?.total ?? 0,
    orders: exchange.allOrders(key, "SIMUSDT").map((o) => o.clientOrderId).sort(),
  };
}

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
      // The keys and secrets were in its environment: they are in no file and no line.
      const texts = [run.stdout, run.stderr, ...(await filesUnder(dir)).values()];
      for (const secret of Object.values(ENV)) {
        for (const t of texts) assert(!t.includes(secret), "a key or secret in the output");
      }
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
