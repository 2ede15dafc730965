// A short caught by a jump takes the account below zero before any margin call can act: the run
// finishes and reports it (summary, report.json, report.html) instead of aborting on the equity
// curve.
import { assert, assertEquals, assertStringIncludes } from "../../testing/mod.ts";
import { buildReport, formatSummary, loadPageAssets, renderReportHtml } from "../report/mod.ts";
import { parseScenario } from "../spec/mod.ts";
import { runScenario } from "./run_scenario.ts";

Deno.test("negative equity is a state the report shows, not an exception", async () => {
  const dir = await Deno.makeTempDir({ dir: "./out" });
  try {
    const day = 86_400_000;
    const rows = ["time,open,high,low,close,volume"];
    // 30 quiet days around 100 (the fade goes short at the last 101), then a day that opens at
    // 99 and closes at 250, and 10 days at 250.
    for (let i = 0; i < 41; i++) {
      const p = i < 30 ? 100 + (i % 3) - 1 : 250;
      const o = i === 30 ? 99 : p;
      rows.push(`${Date.UTC(2024, 0, 1) + i * day},${o},${p + 1},${Math.min(o, p) - 1},${p},1000`);
    }
    await Deno.writeTextFile(`${dir}/ramp.csv`, rows.join("\n"));
    const run = await runScenario(parseScenario({
      name: "runaway-short",
      venue: { kind: "replay", file: `${dir}/ramp.csv`, symbol: "X" },
      allowShort: true,
      cash: 100_000,
      risk: {
        maxPosition: 1_000_000,
        maxOrderNotional: 1e12,
        maxDrawdownPct: 1e6,
        maxDailyLossPct: 1e6,
        priceCollarPct: 1e6,
      },
      agents: [{
        id: "fade",
        policy: { kind: "mean_reversion", window: 10, entryZ: 1, exitZ: 0.01, mode: "long_short" },
        sizing: { kind: "equity_fraction", fraction: 1 },
      }],
    }));
    const stats = run.agents[0].stats;
    assert(stats.equity_final < 0, `final equity ${stats.equity_final}`);
    assert(stats.ruin_ts !== null);
    assert(stats.max_drawdown_pct > 100, `max drawdown ${stats.max_drawdown_pct}`);
    const summary = formatSummary(run);
    assertStringIncludes(summary, "fade: wiped out: equity at or below zero from 2024-");
    // The default margin account (allowShort on recorded bars) margin-called and flattened it.
    assertEquals(run.scenario.margin, { leverage: 1, maintenance: 0.25 });
    assertEquals(run.events.filter((e) => e.code === "broker/margin_call").length, 1);
    assertStringIncludes(summary, "fade: flattened ");
    const report = buildReport(run);
    assertEquals(report.agents[0].stats.ruin_ts, stats.ruin_ts);
    const html = renderReportHtml(report, await loadPageAssets());
    assert(html.includes('data-stat="ruin_ts"'));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
