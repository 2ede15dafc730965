import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import { computeStats, EquityCurve } from "../../actors/ledger/mod.ts";
import { foldWindows, metricScore, windowStats } from "./windows.ts";
import { summarize } from "./select.ts";
import { ETA, halvingBudgets, MIN_ROUND_ROWS } from "./optimize.ts";

const DAY = 86_400_000;

function curveOf(equity: number[]): EquityCurve {
  return EquityCurve.of(equity.map((e, i) => ({ ts: i * DAY, equity: e, exposed: i % 2 === 0 })));
}

Deno.test("windowStats: a stretch scored as an account started the point before it", () => {
  const equity = [100, 102, 99, 105, 104, 110, 108, 115, 113, 120];
  const curve = curveOf(equity);
  const trades = [
    { exitTs: 2 * DAY, pnl: 5, fees: 1 },
    { exitTs: 6 * DAY, pnl: -2, fees: 1 },
    { exitTs: 9 * DAY, pnl: 7, fees: 1 },
  ].map((t) => ({
    symbol: "X",
    direction: "long" as const,
    qty: 1,
    entryTs: 0,
    entryPrice: 100,
    exitPrice: 101,
    returnPct: t.pnl,
    closedAtEnd: false,
    ...t,
  }));
  const s = windowStats(curve, trades, [4, 8], 252);
  // The same as the statistics of points 3..7 on their own.
  const direct = computeStats({
    startCash: 105,
    equity: equity.slice(3, 8).map((e, k) => ({
      ts: (k + 3) * DAY,
      equity: e,
      exposed: (k + 3) % 2 === 0,
    })),
    trades: [trades[1]],
    periodsPerYear: 252,
    turnover: 0,
    fees: 1,
  });
  assertEquals(s, direct);
  assertAlmostEquals(s.return_pct, (115 / 105 - 1) * 100, 1e-9);
  assertEquals(s.trades, 1); // only the trade closed inside the stretch
  // From the start: the first point is the start itself.
  assertEquals(windowStats(curve, trades, [0, 3], 252).trades, 1);
  assertThrows(() => windowStats(curve, [], [5, 5], 252), RangeError, "0 ≤ from < to");
  assertThrows(() => windowStats(curve, [], [5, 11], 252), RangeError, "past the curve's 10");
  assertEquals(metricScore(s, "drawdown"), -s.max_drawdown_pct);
});

Deno.test("foldWindows: expanding training rows end an embargo before each test block", () => {
  const folds = foldWindows(2149, { folds: 4, embargo: 5 });
  assertEquals(folds.length, 4);
  let end = 429;
  for (const f of folds) {
    assertEquals(f.train[0], 0);
    assertEquals(f.train[1], f.test[0] - 5); // the embargo
    assertEquals(f.test[0], end);
    end = f.test[1];
  }
  assertEquals(end, 2149);
  assertThrows(() => foldWindows(10, { folds: 4, embargo: 5 }), RangeError, "minTrain");
});

Deno.test("summarize: the in-sample best per fold, its out-of-sample rank, and the verdict", () => {
  // Combination 0 is best in sample and best out of sample: no warning.
  const honest = summarize([
    { full: 2, folds: [{ is: 2, oos: 1.8 }, { is: 2.1, oos: 1.9 }] },
    { full: 1, folds: [{ is: 1, oos: 0.9 }, { is: 1, oos: 1 }] },
    { full: 0, folds: [{ is: 0.5, oos: 0.2 }, { is: 0.4, oos: 0.1 }] },
  ]);
  assertEquals(honest.folds.map((f) => [f.chosen, f.oosRank]), [[0, 1], [0, 1]]);
  assertEquals(honest.warning, null);
  assertAlmostEquals(honest.isMean!, 2.05, 1e-12);
  assertAlmostEquals(honest.oosMean!, 1.85, 1e-12);
  // The in-sample best collapses out of sample: both signs of overfitting named.
  const fitted = summarize([
    { full: 3, folds: [{ is: 3, oos: -0.5 }, { is: 3, oos: -0.2 }, { is: 2, oos: 1 }] },
    { full: 1, folds: [{ is: 1, oos: 1 }, { is: 1, oos: 1 }, { is: 3, oos: 0.5 }] },
    { full: 1, folds: [{ is: 0, oos: 0.8 }, { is: 0, oos: 0.9 }, { is: 0, oos: 0.1 }] },
  ], "sharpe");
  assertEquals(fitted.folds.map((f) => f.chosen), [0, 0, 1]);
  assertEquals(fitted.recommended, 1);
  assertEquals(fitted.belowMedian, 2);
  assert(fitted.warning!.includes("out-of-sample sharpe"), fitted.warning!);
  assert(fitted.warning!.includes("in 2 of 3 folds"), fitted.warning!);
  // Null (undefined) scores rank last.
  const nulls = summarize([
    { full: null, folds: [{ is: null, oos: null }] },
    { full: 1, folds: [{ is: -1, oos: 0.5 }] },
  ]);
  assertEquals(nulls.folds[0].chosen, 1);
  assertThrows(() => summarize([]), RangeError, "no combination");
});

Deno.test("halvingBudgets: rounds ETA times longer each, the last the first training window", () => {
  assertEquals(halvingBudgets(118, 424), [141, 424]);
  assertEquals(halvingBudgets(1000, 5000), [185, 555, 1666, 5000]);
  // Few combinations, or too short a window: no pruning round.
  assertEquals(halvingBudgets(4, 5000), []);
  assertEquals(halvingBudgets(100, MIN_ROUND_ROWS - 1), []);
  for (const [n, rows] of [[50, 400], [500, 3000], [10, 2000]]) {
    const b = halvingBudgets(n, rows);
    let survivors = n;
    for (let i = 0; i < b.length; i++) {
      assert(b[i] >= MIN_ROUND_ROWS);
      if (i > 0) assertEquals(b[i], Math.floor(rows / ETA ** (b.length - 1 - i)));
      survivors = Math.ceil(survivors / ETA);
    }
    assert(survivors >= 2, `${n} combos over ${rows} rows leave ${survivors}`);
  }
});
