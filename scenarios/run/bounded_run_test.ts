import { assert, assertEquals } from "../../testing/mod.ts";
import { computeStats, EQUITY_BUCKETS } from "../../actors/mod.ts";
import { parseScenario } from "../spec/mod.ts";
import { runScenario } from "./mod.ts";

/** `n` one-minute bars of a seeded random walk, as CSV. */
function walk(n: number): string {
  let state = 7, price = 100;
  const rows = ["time,open,high,low,close,volume"];
  for (let i = 0; i < n; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const open = Math.round(price * 100) / 100;
    price *= 1 + (state / 2_147_483_648 - 0.5) * 0.004;
    const close = Math.round(price * 100) / 100;
    const hi = (Math.max(open, close) + 0.01).toFixed(2);
    const lo = (Math.min(open, close) - 0.01).toFixed(2);
    rows.push(`${Date.UTC(2024, 0, 1) + i * 60_000},${open},${hi},${lo},${close},100`);
  }
  return rows.join("\n") + "\n";
}

Deno.test("a long run keeps a bounded equity curve and the statistics of the whole one", async () => {
  await Deno.mkdir("out/test", { recursive: true });
  const file = await Deno.makeTempFile({ dir: "out/test", suffix: ".csv" });
  try {
    const bars = 3 * EQUITY_BUCKETS;
    await Deno.writeTextFile(file, walk(bars));
    const scenario = parseScenario({
      name: "long",
      venue: { kind: "replay", file: await Deno.realPath(file), symbol: "X" },
      agents: [{
        id: "sma",
        policy: { kind: "sma_crossover", fast: 5, slow: 20 },
        sizing: { kind: "equity_fraction", fraction: 1 },
      }],
    });
    const run = await runScenario(scenario, { fullSeries: true });
    const a = run.agents[0];
    const full = a.fullEquity!;
    assertEquals(a.equityPoints, full.length);
    assert(full.length > bars - 10, `${full.length} steps for ${bars} bars`);
    // The chart's curve: bounded, and the extremes, the first and the last point of the full one.
    assert(a.equity.length <= 2 * EQUITY_BUCKETS + 2, `${a.equity.length} points kept`);
    const values = (c: typeof full) => Array.from({ length: c.length }, (_, i) => c.equity(i));
    assertEquals(Math.min(...values(a.equity)), Math.min(...values(full)));
    assertEquals(Math.max(...values(a.equity)), Math.max(...values(full)));
    assertEquals([a.equity.at(0), a.equity.at(-1)], [full.at(0), full.at(-1)]);
    // The statistics, computed online, are those of the whole curve.
    assertEquals(
      a.stats,
      computeStats({
        startCash: scenario.cash,
        equity: full,
        trades: a.trades,
        periodsPerYear: run.periodsPerYear,
        turnover: a.stats.turnover,
        fees: a.stats.fees,
      }),
    );
    assert(a.stats.trades > 10, `${a.stats.trades} trades`);
    // Without fullSeries, nothing but the bounded curve is kept.
    const lean = await runScenario(scenario);
    assertEquals(lean.agents[0].fullEquity, undefined);
    assertEquals(lean.agents[0].stats, a.stats);
  } finally {
    await Deno.remove(file);
  }
});
