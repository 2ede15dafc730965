// The first backtest a user writes: one SMA 10/30 agent on GOOG's daily bars, full equity, no
// commission, the open trade closed at the end. Its figures are checked against a small loop in
// this file that computes the same strategy from the CSV on its own (its own reader, its own moving
// averages, its own fills and bookkeeping): no code under test is used for the reference.
import { assert, assertEquals } from "../../testing/mod.ts";
import { dataPath, parseScenario } from "../spec/mod.ts";
import { runScenario } from "./run_scenario.ts";

const FILE = "../shared/data/GOOG-1d-backtesting-py.csv";
const CASH = 100_000;

function near(what: string, actual: number, expected: number, tolerance: number): void {
  assert(
    Math.abs(actual - expected) <= tolerance,
    `${what}: the run says ${actual}, the reference ${expected}`,
  );
}

interface Reference {
  trades: number;
  returnPct: number;
  finalEquity: number;
  maxDrawdownPct: number;
  winRatePct: number;
  exposurePct: number;
}

/**
 * SMA fast/slow crossover, stop and reverse (or flat when `longOnly`), all equity, whole shares,
 * decided at each close and filled at the next open; equity sampled at each close after the start.
 */
function reference(csv: string, fast: number, slow: number, longOnly: boolean): Reference {
  const rows = csv.trim().split("\n").slice(1).map((line) => line.split(",").map(Number));
  const open = rows.map((r) => r[1]);
  const close = rows.map((r) => r[4]);
  const mean = (end: number, n: number) => {
    let sum = 0;
    for (let k = end - n + 1; k <= end; k++) sum += close[k];
    return sum / n;
  };
  let cash = CASH, pos = 0, entry = 0;
  let pending: number | null = null; // the target decided at the last close
  let side = 0; // the target last acted on
  const pnls: number[] = [];
  const curve: { equity: number; exposed: boolean }[] = [];
  const closeTrade = (price: number) => {
    if (pos !== 0) pnls.push((price - entry) * pos);
  };
  for (let i = 0; i < rows.length; i++) {
    if (pending !== null && pending !== side) {
      const price = open[i];
      const equity = cash + pos * price;
      const target = pending === 0 ? 0 : pending * Math.floor(equity / price);
      closeTrade(price);
      cash -= (target - pos) * price;
      pos = target;
      entry = price;
      side = pending;
    }
    pending = null;
    curve.push({ equity: cash + pos * close[i], exposed: pos !== 0 });
    if (i >= slow - 1) {
      const f = mean(i, fast), s = mean(i, slow);
      if (f > s) pending = 1;
      else if (f < s) pending = longOnly ? 0 : -1;
    }
  }
  closeTrade(close[close.length - 1]);
  const finalEquity = curve[curve.length - 1].equity;
  let peak = CASH, maxDd = 0;
  for (const { equity } of curve) {
    peak = Math.max(peak, equity);
    maxDd = Math.max(maxDd, (peak - equity) / peak * 100);
  }
  return {
    trades: pnls.length,
    returnPct: (finalEquity / CASH - 1) * 100,
    finalEquity,
    maxDrawdownPct: maxDd,
    winRatePct: pnls.filter((p) => p > 0).length / pnls.length * 100,
    exposurePct: curve.filter((c) => c.exposed).length / curve.length * 100,
  };
}

for (const mode of ["long_only", "long_short"] as const) {
  Deno.test(`SMA 10/30 ${mode} on GOOG daily, full equity: the run's figures match a reference loop`, async () => {
    const run = await runScenario(parseScenario({
      name: `sma-${mode}`,
      venue: { kind: "replay", file: FILE, symbol: "GOOG" },
      cash: CASH,
      allowShort: mode === "long_short",
      ...(mode === "long_short" ? { margin: { leverage: 1, maintenance: 0.25 } } : {}),
      risk: {
        maxPosition: 1e9,
        maxOrderNotional: 1e12,
        maxDrawdownPct: 1e6,
        maxDailyLossPct: 1e6,
      },
      agents: [{
        id: "sma",
        policy: { kind: "sma_crossover", fast: 10, slow: 30, mode },
        sizing: { kind: "equity_fraction", fraction: 1 },
      }],
    }));
    const ref = reference(
      await Deno.readTextFile(dataPath(FILE)),
      10,
      30,
      mode === "long_only",
    );
    const { stats, trades } = run.agents[0];
    assert(ref.trades > 20, `the reference trades (${ref.trades})`);
    assertEquals(stats.trades, ref.trades, "trades");
    assertEquals(trades.length, ref.trades);
    near("final equity", stats.equity_final, ref.finalEquity, 1e-6);
    near("return %", stats.return_pct, ref.returnPct, 1e-9);
    near("max drawdown %", stats.max_drawdown_pct, ref.maxDrawdownPct, 1e-9);
    near("win rate %", stats.win_rate_pct!, ref.winRatePct, 1e-9);
    near("exposure %", stats.exposure_pct, ref.exposurePct, 1e-9);
    // Nothing refused on the way: every order filled at the next open, whatever the gap.
    assertEquals(run.events.filter((e) => e.type === "reject"), []);
  });
}
