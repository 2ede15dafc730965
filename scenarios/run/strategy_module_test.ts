import { assert, assertEquals, assertRejects } from "../../testing/mod.ts";
import { readBars } from "../../env/replay/mod.ts";
import { formatSummary } from "../report/mod.ts";
import { parseScenario } from "../spec/mod.ts";
import { runScenario } from "./mod.ts";

const GOOG = "../shared/data/GOOG-1d-backtesting-py.csv";

/** The SMA crossover, written as a user would, outside the project. */
const MY_SMA = `
import { z } from "zod";
import { defineStrategy, feature, featureName } from "agora/policies/strategy/mod.ts";

export const strategy = defineStrategy({
  name: "my_sma",
  params: z.strictObject({
    fast: z.number().int().min(1).default(10),
    slow: z.number().int().min(2).default(30),
    throwAt: z.number().int().default(0),
  }),
  create: ({ fast, slow, throwAt }) => {
    const f = feature("sma", fast), s = feature("sma", slow);
    let n = 0;
    return {
      features: [f, s],
      decide: (ctx) => {
        if (++n === throwAt) throw new Error("boom at decision " + n);
        const a = ctx.features[featureName(f)], b = ctx.features[featureName(s)];
        if (a == null || b == null) return { kind: "hold", reason: "warming up" };
        return { kind: "exposure", target: a > b ? 1 : 0, reason: a > b ? "up" : "down" };
      },
    };
  },
});
`;

/** Goes long at its 50th decision and records what it saw then, and its fill. */
const PEEK = `
import { z } from "zod";
import { defineStrategy, feature } from "agora/policies/strategy/mod.ts";
export const seen = { decision: null, fills: [] };
export default defineStrategy({
  name: "peek",
  params: z.strictObject({}),
  create: () => {
    let n = 0;
    return {
      features: [feature("close")],
      decide: (ctx) => {
        if (++n === 50) seen.decision = { ts: ctx.ts, close: ctx.features.close };
        return n >= 50 ? { kind: "exposure", target: 1, reason: "in" } : { kind: "hold", reason: "wait" };
      },
      onFill: (f) => void seen.fills.push(f),
    };
  },
});
`;

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "agora-strategy-" });
  try {
    await Deno.writeTextFile(`${dir}/my_sma.ts`, MY_SMA);
    await Deno.writeTextFile(`${dir}/peek.ts`, PEEK);
    await Deno.writeTextFile(`${dir}/none.ts`, "export const helper = 1;\n");
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const replay = (agents: unknown[]) =>
  parseScenario({
    name: "strategy",
    venue: { kind: "replay", file: GOOG, symbol: "GOOG" },
    commission: 0,
    risk: { maxPosition: 1e9, maxOrderNotional: 1e12, maxDrawdownPct: 100, maxDailyLossPct: 100 },
    agents,
  });

const allIn = { kind: "equity_fraction", fraction: 1 } as const;

Deno.test("a strategy module outside the project trades as the same logic built in, on a replay and on the simulator", async () => {
  await inTempDir(async (dir) => {
    const module = { module: `${dir}/my_sma.ts`, params: { fast: 10, slow: 30 } };
    const run = await runScenario(replay([
      { id: "mine", policy: module, sizing: allIn },
      { id: "builtin", policy: { kind: "sma_crossover", fast: 10, slow: 30 }, sizing: allIn },
    ]));
    const [mine, builtin] = run.agents;
    assertEquals(mine.stats, builtin.stats);
    assertEquals(mine.stats.trades, 34); // the GOOG reference (sma_reference_test.ts)
    // On the simulator, each alone on the same seed: the same market, the same decisions.
    const sim = (policy: unknown) =>
      runScenario(parseScenario({
        name: "strategy_sim",
        durationMs: 3_600_000,
        agents: [{ id: "a", policy, sizing: { kind: "units", units: 20 } }],
      }));
    const [a, b] = await Promise.all([
      sim({ module: `${dir}/my_sma.ts`, params: { fast: 5, slow: 20 } }),
      sim({ kind: "sma_crossover", fast: 5, slow: 20 }),
    ]);
    assert(a.agents[0].stats.trades > 0, "the module traded on the simulator");
    assertEquals(a.agents[0].stats, b.agents[0].stats);
  });
});

Deno.test("a strategy module: bad path, no strategy export and bad params are errors naming them", async () => {
  await inTempDir(async (dir) => {
    const one = (policy: unknown) => runScenario(replay([{ id: "a", policy }]));
    await assertRejects(
      () => one({ module: `${dir}/nope.ts` }),
      Error,
      `${dir}/nope.ts: no such file`,
    );
    await assertRejects(
      () => one({ module: `${dir}/none.ts` }),
      Error,
      `${dir}/none.ts: exports no strategy`,
    );
    await assertRejects(
      () => one({ module: `${dir}/my_sma.ts`, params: { fast: 0 } }),
      Error,
      "agents[0].policy: strategy my_sma: params.fast: Too small: expected number to be >=1",
    );
  });
});

Deno.test("a strategy that throws is restarted by the supervisor and the run completes", async () => {
  await inTempDir(async (dir) => {
    const run = await runScenario(replay([
      { id: "a", policy: { module: `${dir}/my_sma.ts`, params: { throwAt: 100 } }, sizing: allIn },
    ]));
    assertEquals(run.counts.restarts["agent:a"] ?? run.counts.restarts["a"], 1);
    const alerts = run.events.filter((e) => e.code === "supervisor/actor_restarted");
    assertEquals(alerts.length, 1);
    assert(alerts[0].message.includes("boom at decision 100"), alerts[0].message);
    assert(run.agents[0].stats.trades > 0, "it trades on after the restart");
  });
});

Deno.test("a strategy sees the closed bar and is filled at the next bar's open: no look-ahead", async () => {
  await inTempDir(async (dir) => {
    const module = await import(`${dir}/peek.ts`);
    await runScenario(replay([{ id: "a", policy: { module: `${dir}/peek.ts` }, sizing: allIn }]));
    const seen = module.seen as {
      decision: { ts: number; close: number };
      fills: { ts: number; price: number }[];
    };
    const { bars } = await readBars(GOOG);
    // The bar the decision was made on: the one whose close it saw, ending at the decision.
    const k = Array.from({ length: bars.length }, (_, i) => i).find((i) =>
      bars.close[i] === seen.decision.close && bars.time[i] <= seen.decision.ts &&
      (i + 1 === bars.length || bars.time[i + 1] >= seen.decision.ts)
    )!;
    assert(k !== undefined, "the decision's bar");
    assertEquals(seen.fills.length, 1);
    assertEquals(seen.fills[0].price, bars.open[k + 1]);
    assert(seen.fills[0].ts >= bars.time[k + 1], "filled in the next bar");
  });
});

Deno.test("a strategy that never decides to trade gets a warning in the summary", async () => {
  await inTempDir(async (dir) => {
    // Windows longer than the data: the averages never warm up.
    const run = await runScenario(replay([
      { id: "slow", policy: { module: `${dir}/my_sma.ts`, params: { fast: 3000, slow: 4000 } } },
      { id: "busy", policy: { kind: "buy_and_hold" } },
    ]));
    assertEquals(run.decisions.slow.acted, 0);
    assert(run.decisions.busy.acted > 0);
    const summary = formatSummary(run);
    assert(
      summary.includes(
        `warning: slow never decided to trade: all ${run.decisions.slow.made} decisions held ` +
          "(last: warming up)",
      ),
      summary,
    );
    assert(!summary.includes("warning: busy"), summary);
  });
});
