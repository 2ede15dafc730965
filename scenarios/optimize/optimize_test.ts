// deno task optimize's engine end to end on Google's daily bars: a grid of more than 100 SMA
// combinations run in two worker threads, scored per fold; the scores are those of a direct run
// of the same scenario, one worker gives the same answer as two, a strategy module is searched
// the same way, and bad searches are refused with the reason.
import { assert, assertEquals, assertRejects } from "../../testing/mod.ts";
import { runScenario } from "../run/mod.ts";
import { loadScenario, parseScenario, PROJECT_ROOT } from "../spec/mod.ts";
import {
  gridOf,
  optimize,
  OptimizeError,
  parseConstraint,
  parseParam,
  windowStats,
  withParams,
} from "./mod.ts";
import { metricScore } from "./windows.ts";

const GRID = {
  ranges: [parseParam("fast=5..50:5"), parseParam("slow=20..200:15")],
  constraints: [parseConstraint("fast<slow")],
};

Deno.test({
  name: "optimize: 118 SMA combinations on GOOG daily, scored in and out of sample per fold",
  fn: async () => {
    const scenario = await loadScenario("goog_daily");
    const r = await optimize({ scenario, agentId: "sma", ...GRID, workers: 2 });
    assertEquals(r.ranked.length, 118);
    assertEquals(r.backtests, 119); // the first run fixes the folds' dates
    assertEquals(r.workers, 2);
    assertEquals(r.folds.length, 4);
    assertEquals(r.rows, 2149);
    for (const c of r.ranked) assertEquals(c.folds!.length, 4);
    // Each fold chose its in-sample best.
    for (const f of r.selection.folds) {
      const best = Math.max(
        ...r.ranked.map((c) => metricScore(c.folds![f.index].is, "sharpe") ?? -Infinity),
      );
      assertEquals(f.is, best);
    }
    // One combination's scores are those of a direct run of the same scenario.
    const k = r.ranked.findIndex((c) => c.params.fast === 10 && c.params.slow === 20);
    const direct = await runScenario(
      parseScenario({
        ...withParams(scenario, "sma", { fast: 10, slow: 20 }) as object,
        agents: [
          (withParams(scenario, "sma", { fast: 10, slow: 20 }) as typeof scenario).agents[0],
        ],
      }),
      { fullSeries: true },
    );
    const agent = direct.agents[0];
    assertEquals(r.ranked[k].full, agent.stats);
    const fold = r.folds[2];
    assertEquals(
      r.ranked[k].folds![2].oos,
      windowStats(agent.fullEquity!, agent.trades, fold.test, direct.periodsPerYear),
    );
    // One worker: the same answer.
    const one = await optimize({
      scenario,
      agentId: "sma",
      ranges: [parseParam("fast=5..15:5"), parseParam("slow=20..50:15")],
      workers: 1,
    });
    const two = await optimize({
      scenario,
      agentId: "sma",
      ranges: [parseParam("fast=5..15:5"), parseParam("slow=20..50:15")],
      workers: 2,
    });
    assertEquals(one.ranked, two.ranked);
    assertEquals(one.selection, two.selection);
  },
});

Deno.test({
  name: "optimize: halving prunes on the first training window, survivors scored in full",
  fn: async () => {
    const scenario = await loadScenario("goog_daily");
    const r = await optimize({ scenario, agentId: "sma", ...GRID, method: "halving" });
    assertEquals(r.ranked.length + r.pruned.length, gridOf(GRID.ranges, GRID.constraints).length);
    assertEquals(r.pruned.length, 104); // 118 -> 40 -> 14
    assertEquals(r.ranked.length, 14);
    assert(r.ranked.every((c) => c.round === 2 && c.folds !== null));
    assert(r.pruned.every((c) => c.round < 2 && c.full === null));
  },
});

Deno.test({
  name: "optimize: a strategy module is searched by its own parameters; bad searches refused",
  fn: async () => {
    const base = await loadScenario("goog_daily");
    const scenario = parseScenario({
      ...base,
      agents: [{
        id: "mine",
        policy: {
          module: `${PROJECT_ROOT}scenarios/commands/strategy_template.ts`,
          params: { fast: 10, slow: 30, trend: 100 },
        },
        sizing: { kind: "equity_fraction", fraction: 1 },
      }],
    });
    const r = await optimize({
      scenario,
      agentId: "mine",
      ranges: [parseParam("fast=5..10:5"), parseParam("slow=20,40")],
      folds: 3,
      workers: 2,
    });
    assertEquals(r.ranked.length, 4);
    assert(r.ranked.some((c) => c.full!.trades > 0));
    await assertRejects(
      () => optimize({ scenario, agentId: "nobody", ranges: [parseParam("fast=5..10")] }),
      OptimizeError,
      "--agent nobody: scenario goog_daily has no such agent; its agents: mine",
    );
    await assertRejects(
      () => optimize({ scenario, agentId: "mine", ranges: [parseParam("fats=5..10")] }),
      OptimizeError,
      "--param fats: agent mine's policy (module",
    );
    await assertRejects(
      () => optimize({ scenario: base, agentId: "sma", ranges: [parseParam("fast=0..0")] }),
      OptimizeError,
      "every combination was refused by the policy; the first: fast=0:",
    );
  },
});
