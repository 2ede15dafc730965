import { assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import { DifferentialSharpe, makeReward, RewardError, type StepOutcome } from "./rewards.ts";

function outcome(
  prevEquity: number,
  equity: number,
  peakEquity = Math.max(prevEquity, equity),
  cost = 0,
): StepOutcome {
  return { prevEquity, equity, initialEquity: 1_000, peakEquity, cost };
}

Deno.test("P&L reward is the equity change over the starting equity, scaled", () => {
  const r = makeReward({ kind: "pnl", scale: 100 });
  assertAlmostEquals(r.reward(outcome(1_000, 1_020)), 2, 1e-12);
  assertAlmostEquals(r.reward(outcome(1_020, 1_010)), -1, 1e-12);
});

Deno.test("differential Sharpe ratio matches a hand computation over three steps", () => {
  const r = new DifferentialSharpe(0.5);
  // Step 1: R = 0.01, A = B = 0 → variance 0 → D = 0; A = 0.005, B = 0.00005.
  assertEquals(r.reward(outcome(1_000, 1_010)), 0);
  // Step 2: R = -0.01 (1010 → 999.9). ΔA = -0.015, ΔB = 0.0001 - 0.00005 = 0.00005.
  // variance = 0.00005 - 0.000025 = 0.000025; D = (0.00005·-0.015 - 0.5·0.005·0.00005) / 0.000025^1.5
  const d2 = (0.00005 * -0.015 - 0.5 * 0.005 * 0.00005) / Math.pow(0.000025, 1.5);
  assertAlmostEquals(r.reward(outcome(1_010, 999.9)), d2, 1e-9);
  // A = 0.005 + 0.5·-0.015 = -0.0025; B = 0.00005 + 0.5·0.00005 = 0.000075.
  // Step 3: R = 0.02 (999.9 → 1019.898). ΔA = 0.0225, ΔB = 0.0004 - 0.000075 = 0.000325.
  const a = -0.0025, b = 0.000075;
  const d3 = (b * 0.0225 - 0.5 * a * 0.000325) / Math.pow(b - a * a, 1.5);
  assertAlmostEquals(r.reward(outcome(999.9, 1019.898)), d3, 1e-6);
  r.reset();
  assertEquals(r.reward(outcome(1_000, 1_010)), 0);
});

Deno.test("the drawdown penalty charges only increases of the drawdown", () => {
  const r = makeReward({ kind: "pnl", drawdownPenalty: 10 });
  r.reset();
  // Peak 1000 → 950: P&L -0.05, drawdown 0 → 0.05 costs 10 × 0.05.
  assertAlmostEquals(r.reward(outcome(1_000, 950, 1_000)), -0.05 - 0.5, 1e-12);
  // 950 → 980: drawdown shrinks to 0.02, no penalty.
  assertAlmostEquals(r.reward(outcome(950, 980, 1_000)), 0.03, 1e-12);
  // 980 → 960: drawdown 0.02 → 0.04 costs 10 × 0.02.
  assertAlmostEquals(r.reward(outcome(980, 960, 1_000)), -0.02 - 0.2, 1e-12);
});

Deno.test("the cost penalty charges the step's trading cost over the starting equity", () => {
  const r = makeReward({ kind: "pnl", costPenalty: 2 });
  assertAlmostEquals(r.reward(outcome(1_000, 1_000, 1_000, 5)), -0.01, 1e-12);
});

Deno.test("a bad reward spec names the field", () => {
  assertThrows(() => makeReward({ kind: "sharpe", eta: 2 }), RewardError, "reward.eta");
  assertThrows(
    () => makeReward({ kind: "pnl", costPenalty: -1 }),
    RewardError,
    "reward.costPenalty",
  );
  // deno-lint-ignore no-explicit-any
  assertThrows(() => makeReward({ kind: "alpha" as any }), RewardError, "reward.kind");
});
