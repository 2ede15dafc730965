import fc from "fast-check";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import type { ClosedTrade } from "./portfolio.ts";
import { computeStats, STAT_KEYS, StatsError, type StatsInput } from "./stats.ts";

const DAY = 86_400_000;

function curve(values: readonly number[], exposed: readonly boolean[] = []): StatsInput["equity"] {
  return values.map((equity, i) => ({ ts: i * DAY, equity, exposed: exposed[i] ?? false }));
}

function input(overrides: Partial<StatsInput> = {}): StatsInput {
  return {
    startCash: 100,
    equity: curve([100, 110, 99, 108.9, 119.79], [false, true, true, false, true]),
    trades: [],
    periodsPerYear: 252,
    turnover: 500,
    fees: 1.5,
    ...overrides,
  };
}

function trade(pnl: number, returnPct: number): ClosedTrade {
  return {
    symbol: "X",
    direction: "long",
    qty: 1,
    entryTs: 0,
    entryPrice: 100,
    exitTs: DAY,
    exitPrice: 100 + pnl,
    pnl,
    fees: 0,
    returnPct,
    closedAtEnd: false,
  };
}

Deno.test("return statistics of a hand-computed equity curve", () => {
  // equity 100, 110, 99, 108.9, 119.79 → returns r = 0.1, -0.1, 0.1, 0.1
  // mean = 0.2 / 4 = 0.05
  // deviations 0.05, -0.15, 0.05, 0.05 → squares 0.0025 + 0.0225 + 0.0025 + 0.0025 = 0.03
  // sample variance 0.03 / 3 = 0.01 → std = 0.1;  √252 = 15.874507866387544
  // volatility = 0.1 × √252 × 100 = 158.74507866387544 %
  // Sharpe = 0.05 / 0.1 × √252 = 7.937253933193772
  // downside deviation = √((0 + 0.01 + 0 + 0) / 4) = 0.05 → Sortino = 0.05 / 0.05 × √252 = √252
  const s = computeStats(input());
  assertEquals(s.periods, 4);
  assertAlmostEquals(s.volatility_ann_pct!, 158.74507866387544, 1e-9);
  assertAlmostEquals(s.sharpe!, 7.937253933193772, 1e-9);
  assertAlmostEquals(s.sortino!, 15.874507866387544, 1e-9);
  assertAlmostEquals(s.return_pct, 19.79, 1e-9); // (119.79 / 100 - 1) × 100
  assertAlmostEquals(s.pnl, 19.79, 1e-9);
  assertEquals(s.equity_start, 100);
  assertEquals(s.equity_final, 119.79);
  assertEquals(s.turnover, 500);
  assertEquals(s.fees, 1.5);
});

Deno.test("drawdown is measured from the running peak and lasts until equity regains it", () => {
  // peak 110 on day 1; 99 on day 2 is (110 - 99) / 110 = 10 % down; 108.9 on day 3 still below;
  // 119.79 on day 4 regains the peak → duration day 4 - day 1 = 3 days
  const s = computeStats(input());
  assertAlmostEquals(s.max_drawdown_pct, 10, 1e-9);
  assertEquals(s.max_drawdown_duration_ms, 3 * DAY);
});

Deno.test("an unrecovered drawdown lasts until the last point", () => {
  // peak 120 on day 1; 90 is 25 % down; 100 on day 3 is the last point and still below
  const s = computeStats(input({ equity: curve([100, 120, 90, 100]) }));
  assertAlmostEquals(s.max_drawdown_pct, 25, 1e-9);
  assertEquals(s.max_drawdown_duration_ms, 2 * DAY);
});

Deno.test("the longest drawdown is reported, not the deepest", () => {
  // 100 → 80 (20 %, regained after 2 days), then 130 → 125 → 126 → 127 (3.8 %, 3 days, unrecovered)
  const s = computeStats(input({ equity: curve([100, 80, 100, 130, 125, 126, 127]) }));
  assertAlmostEquals(s.max_drawdown_pct, 20, 1e-9);
  assertEquals(s.max_drawdown_duration_ms, 3 * DAY);
});

Deno.test("exposure counts the exposed points after the first", () => {
  // exposed flags after the start: true, true, false, true → 3 / 4
  assertEquals(computeStats(input()).exposure_pct, 75);
  const startOnly = curve([100, 101, 102], [true, false, false]);
  assertEquals(computeStats(input({ equity: startOnly })).exposure_pct, 0);
});

Deno.test("trade statistics from known trade results", () => {
  // pnl 30, -10, 20, -5, 0: 2 winners of 5 → 40 %; mean 35 / 5 = 7
  // gross profit 50, gross loss 15 → profit factor 3.333…; returnPct mean (3 - 1 + 2 - 0.5 + 0) / 5 = 0.7
  const trades = [trade(30, 3), trade(-10, -1), trade(20, 2), trade(-5, -0.5), trade(0, 0)];
  const s = computeStats(input({ trades }));
  assertEquals(s.trades, 5);
  assertEquals(s.win_rate_pct, 40);
  assertEquals(s.avg_trade, 7);
  assertAlmostEquals(s.avg_trade_pct!, 0.7, 1e-12);
  assertEquals(s.best_trade, 30);
  assertEquals(s.worst_trade, -10);
  assertAlmostEquals(s.profit_factor!, 50 / 15, 1e-12);
});

Deno.test("profit factor is null without losing trades and 0 without winning ones", () => {
  assertEquals(computeStats(input({ trades: [trade(5, 1), trade(0, 0)] })).profit_factor, null);
  assertEquals(computeStats(input({ trades: [trade(-5, -1)] })).profit_factor, 0);
});

Deno.test("with no trades the trade statistics are null", () => {
  const s = computeStats(input());
  assertEquals(s.trades, 0);
  assertEquals(
    [s.win_rate_pct, s.avg_trade, s.avg_trade_pct, s.best_trade, s.worst_trade, s.profit_factor],
    [null, null, null, null, null, null],
  );
});

Deno.test("a flat equity curve has zero volatility and no Sharpe, Sortino or drawdown", () => {
  const s = computeStats(input({ equity: curve([100, 100, 100, 100]) }));
  assertEquals(s.volatility_ann_pct, 0);
  assertEquals(s.sharpe, null);
  assertEquals(s.sortino, null);
  assertEquals(s.max_drawdown_pct, 0);
  assertEquals(s.max_drawdown_duration_ms, 0);
  assertEquals(s.return_pct, 0);
});

Deno.test("a curve that never falls has a Sharpe ratio but no Sortino ratio", () => {
  const s = computeStats(input({ equity: curve([100, 101, 103, 104]) }));
  assertEquals(typeof s.sharpe, "number");
  assertEquals(s.sortino, null);
  assertEquals(s.max_drawdown_pct, 0);
});

Deno.test("fewer than two returns give null volatility, Sharpe and Sortino", () => {
  for (const values of [[100], [100, 90]]) {
    const s = computeStats(input({ equity: curve(values) }));
    assertEquals([s.volatility_ann_pct, s.sharpe, s.sortino], [null, null, null]);
    assertEquals(s.periods, values.length - 1);
  }
});

Deno.test("stats carry every STAT_KEYS key, in order, and survive JSON unchanged", () => {
  for (const trades of [[], [trade(1, 1)]]) {
    for (const equity of [input().equity, curve([100]), curve([100, 100, 100])]) {
      const s = computeStats(input({ trades, equity }));
      assertEquals(Object.keys(s), [...STAT_KEYS]);
      assertEquals(JSON.parse(JSON.stringify(s)), s);
    }
  }
});

Deno.test("equity at or below zero is reported, not refused: returns end there, the drawdown passes 100 %", () => {
  const s = computeStats(input({ equity: curve([100, 50, -20, -30], [false, true, true, true]) }));
  assertEquals(s.ruin_ts, 2 * DAY);
  assertEquals(s.periods, 2); // 100 → 50 → -20; the return after -20 would divide by it
  assertAlmostEquals(s.max_drawdown_pct, 130);
  assertAlmostEquals(s.return_pct, -130);
  assertEquals(s.equity_final, -30);
  assertEquals(computeStats(input({ equity: curve([100, 101]) })).ruin_ts, null);
  assertEquals(computeStats(input({ equity: curve([100, 0]) })).ruin_ts, DAY);
});

Deno.test("invalid input throws StatsError naming the field and index", () => {
  const cases: [Partial<StatsInput>, string][] = [
    [{ startCash: 0 }, "startCash: expected a finite number > 0, got 0"],
    [{ periodsPerYear: 0 }, "periodsPerYear: expected a finite number > 0, got 0"],
    [{ periodsPerYear: NaN }, "periodsPerYear: expected a finite number > 0, got NaN"],
    [{ turnover: Infinity }, "turnover: expected a finite number, got Infinity"],
    [{ fees: NaN }, "fees: expected a finite number, got NaN"],
    [{ equity: [] }, "equity: expected at least one point, got 0"],
    [{ equity: curve([0, 100]) }, "equity[0].equity: expected a finite number > 0, got 0"],
    [{ equity: curve([100, 101, NaN]) }, "equity[2].equity: expected a finite number, got NaN"],
    [
      {
        equity: [{ ts: 0, equity: 100, exposed: false }, { ts: NaN, equity: 100, exposed: false }],
      },
      "equity[1].ts: expected a finite number, got NaN",
    ],
    [
      { equity: [{ ts: 5, equity: 100, exposed: false }, { ts: 3, equity: 100, exposed: false }] },
      "equity[1].ts: expected ≥ equity[0].ts (5), got 3",
    ],
    [{ trades: [trade(1, 1), trade(NaN, 1)] }, "trades[1].pnl: expected a finite number, got NaN"],
    [
      { trades: [trade(1, Infinity)] },
      "trades[0].returnPct: expected a finite number, got Infinity",
    ],
  ];
  for (const [overrides, message] of cases) {
    assertThrows(() => computeStats(input(overrides)), StatsError, message);
  }
});

Deno.test("EquityStats online equals a two-pass computation of the same curve", () => {
  // The definitions of the module documentation, computed the plain way.
  const twoPass = (e: number[], ppy: number) => {
    const r: number[] = [];
    for (let i = 1; i < e.length; i++) {
      r.push(e[i] / e[i - 1] - 1);
      if (e[i] <= 0) break;
    }
    const n = r.length;
    const mean = r.reduce((s, x) => s + x, 0) / n;
    const std = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    let peak = e[0], dd = 0;
    for (const x of e) {
      peak = Math.max(peak, x);
      dd = Math.max(dd, (peak - x) / peak * 100);
    }
    return { vol: std * Math.sqrt(ppy) * 100, sharpe: mean / std * Math.sqrt(ppy), dd };
  };
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 3, maxLength: 400 }),
      (steps) => {
        const e = [100];
        for (const x of steps) e.push(e[e.length - 1] * (1 + x) + 1e-9);
        const s = computeStats({
          startCash: 100,
          equity: e.map((equity, i) => ({ ts: i, equity, exposed: i % 2 === 0 })),
          trades: [],
          periodsPerYear: 252,
          turnover: 0,
          fees: 0,
        });
        const want = twoPass(e, 252);
        const close = (a: number | null, b: number) =>
          a !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
        assert(close(s.volatility_ann_pct, want.vol), `vol ${s.volatility_ann_pct} ${want.vol}`);
        if (s.sharpe !== null) assert(close(s.sharpe, want.sharpe), `${s.sharpe} ${want.sharpe}`);
        assert(close(s.max_drawdown_pct, want.dd), `dd ${s.max_drawdown_pct} ${want.dd}`);
      },
    ),
    { numRuns: 300 },
  );
});
