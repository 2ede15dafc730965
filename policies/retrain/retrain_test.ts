// The learning loop's pure parts: the paired test against known t-table values and over many
// seeds (false promotions at most alpha, a real edge found), the shadow book's marks, the
// trigger's schedule and cool-down, the rollback watch.
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import {
  LearningSchema,
  loopOptions,
  pairedTest,
  PairedTestError,
  RetrainTrigger,
  RollbackError,
  RollbackWatch,
  ShadowBook,
  ShadowError,
  ShadowRule,
  studentTUpper,
  TriggerError,
} from "./mod.ts";

Deno.test("paired test: Student's t tail matches the t table", () => {
  // Critical values from the t table: P(T ≥ t) at df.
  for (
    const [t, df, p] of [
      [1.812, 10, 0.05],
      [2.228, 10, 0.025],
      [2.764, 10, 0.01],
      [
        1.645,
        1e6,
        0.05,
      ],
      [1.96, 1e6, 0.025],
      [6.314, 1, 0.05],
      [2.0, 30, 0.02730],
    ]
  ) {
    assert(Math.abs(studentTUpper(t, df) - p) < 2e-4, `t ${t}, df ${df}: ${studentTUpper(t, df)}`);
    assertAlmostEquals(studentTUpper(-t, df), 1 - studentTUpper(t, df), 1e-12);
  }
  assertEquals(studentTUpper(0, 5), 0.5);
  const r = pairedTest([1, 2, 3, 4, 5, 6], 2);
  // Block means 1.5, 3.5, 5.5: mean 3.5, sd 2, se 2/√3.
  assertEquals([r.blocks, r.mean], [3, 3.5]);
  assertAlmostEquals(r.t, 3.5 / (2 / Math.sqrt(3)), 1e-12);
  assertAlmostEquals(r.pBetter + r.pWorse, 1, 1e-12);
});

/** Advantages with an AR(1) correlation, as held positions give. */
function advantages(rng: Rng, n: number, edge: number, rho = 0.6): number[] {
  const out: number[] = [];
  let e = 0;
  for (let i = 0; i < n; i++) {
    e = rho * e + Math.sqrt(1 - rho * rho) * rng.normal(0, 1e-3);
    out.push(edge + e);
  }
  return out;
}

function run(rule: ShadowRule, rng: Rng, edge: number): "promote" | "discard" {
  const seen: number[] = [];
  for (const a of advantages(rng, rule.maxDecisions, edge)) {
    seen.push(a);
    const v = rule.verdict(seen);
    if (v.decision !== "continue") return v.decision;
  }
  throw new Error("no verdict by maxDecisions");
}

Deno.test("paired test: a challenger no better is promoted at most alpha of the time over 400 seeds; a real edge is found", () => {
  const rule = new ShadowRule({ minDecisions: 100, maxDecisions: 400, alpha: 0.05, block: 10 });
  let falsePromotions = 0;
  let found = 0;
  let wrongWay = 0;
  for (let seed = 1; seed <= 400; seed++) {
    if (run(rule, new Rng(seed), 0) === "promote") falsePromotions++;
    if (run(rule, new Rng(seed).split("edge"), 4e-4) === "promote") found++;
    if (run(rule, new Rng(seed).split("worse"), -4e-4) === "promote") wrongWay++;
  }
  // With blocks of 10 over an AR(1) ρ 0.6 the batch means are near independent.
  assert(falsePromotions <= 0.05 * 400, `${falsePromotions} false promotions in 400`);
  assert(found >= 0.8 * 400, `an edge of 0.4 sd found ${found} times in 400`);
  assertEquals(wrongWay, 0);
  // Without blocks, the same correlated noise is promoted far more often than alpha says.
  const naive = new ShadowRule({ minDecisions: 100, maxDecisions: 400, alpha: 0.05, block: 1 });
  let naivePromotions = 0;
  for (let seed = 1; seed <= 400; seed++) {
    if (run(naive, new Rng(seed), 0) === "promote") naivePromotions++;
  }
  assert(naivePromotions > falsePromotions, `${naivePromotions} vs ${falsePromotions}`);
});

Deno.test("paired test: looks only at checkpoints; bad settings and values are named", () => {
  const rule = new ShadowRule({ minDecisions: 20, maxDecisions: 50, block: 5 });
  assertEquals(rule.looks, 3);
  const up = Array.from({ length: 50 }, (_, i) => 1 + (i % 3));
  assertEquals(rule.verdict(up.slice(0, 19)).decision, "continue");
  assertEquals(rule.verdict(up.slice(0, 20)).decision, "promote");
  assertEquals(rule.verdict(up.slice(0, 21)).decision, "continue");
  const flat = Array.from({ length: 50 }, (_, i) => (i % 2 ? 1 : -1));
  assertEquals(rule.verdict(flat.slice(0, 40)).decision, "continue");
  assertEquals(rule.verdict(flat.slice(0, 49)).decision, "continue");
  const last = rule.verdict(flat.slice(0, 50));
  assertEquals(last.decision, "discard");
  assert(
    last.decision === "discard" && /not shown better in 50/.test(last.why),
    JSON.stringify(last),
  );
  assertThrows(() => pairedTest([1, 2, 3], 2), PairedTestError, "need at least 2 blocks of 2");
  assertThrows(() => pairedTest([1, NaN, 3, 4], 1), PairedTestError, "advantages[1]");
  assertThrows(
    () => new ShadowRule({ minDecisions: 10, maxDecisions: 5 }),
    PairedTestError,
    "minDecisions",
  );
  assertThrows(
    () => new ShadowRule({ minDecisions: 20, maxDecisions: 5 }),
    PairedTestError,
    "maxDecisions",
  );
  assertThrows(
    () => new ShadowRule({ minDecisions: 20, maxDecisions: 40, alpha: 0.7 }),
    PairedTestError,
    "alpha",
  );
});

Deno.test("shadow book: marks the held exposure and pays for each change", () => {
  const book = new ShadowBook(0.001);
  assertEquals(book.step(100, 1, 0.0005), -0.0015); // buy in: nothing held yet, pay 15 bp
  assertAlmostEquals(book.step(110, 1), 0.1, 1e-12); // +10% on a full exposure, no change
  assertAlmostEquals(book.step(99, -0.5), -0.1 - 1.5 * 0.001, 1e-12); // −10%, then turn 1.5
  assertAlmostEquals(book.step(88, -0.5), 0.5 * (1 - 88 / 99), 1e-12);
  assertEquals(book.decisions, 4);
  const copy = ShadowBook.fromState(structuredClone(book.toState()));
  assertEquals(copy.step(80, 0), book.step(80, 0));
  assertEquals(copy.toState(), book.toState());
  assertThrows(() => book.step(0, 1), ShadowError, "price");
  assertThrows(() => book.step(100, 2), ShadowError, "exposure");
  assertThrows(() => new ShadowBook(-1), ShadowError, "commission");
});

Deno.test("retrain trigger: the schedule, drift after its cool-down, and a clock going backwards", () => {
  const t = new RetrainTrigger({ everyMs: 1_000, cooldownMs: 300 }, 0);
  assertEquals(t.check(100, true), undefined); // in the cool-down from the start
  assertEquals(t.check(300, true), "drift");
  assertEquals(t.check(500, true), undefined);
  assertEquals(t.check(1_299, false), undefined);
  assertEquals(t.check(1_300, false), "schedule");
  const resumed = RetrainTrigger.fromState({ cooldownMs: 300 }, t.toState());
  assertEquals(resumed.check(100_000, false), undefined); // no schedule: drift only
  assertEquals(resumed.check(100_000, true), "drift");
  assertThrows(() => resumed.check(5, false), TriggerError, "now");
  assertThrows(() => new RetrainTrigger({ everyMs: 0, cooldownMs: 1 }, 0), TriggerError, "everyMs");
  assertThrows(() => new RetrainTrigger({ cooldownMs: -1 }, 0), TriggerError, "cooldownMs");
});

Deno.test("rollback watch: a collapse over a window rolls back; a steady champion is confirmed", () => {
  const steady = new RollbackWatch({ window: 10, margin: 0.01, watchDecisions: 30 });
  const verdicts = Array.from({ length: 30 }, (_, i) => steady.observe(i % 2 ? 0.001 : -0.001, 0));
  assertEquals(verdicts.at(-2)?.decision, "watch");
  assertEquals(verdicts.at(-1)?.decision, "confirm");
  const collapse = new RollbackWatch({ window: 10, margin: 0.01, watchDecisions: 100 });
  for (let i = 0; i < 20; i++) assertEquals(collapse.observe(0.001, 0).decision, "watch");
  const after: string[] = [];
  for (let i = 0; i < 10; i++) after.push(collapse.observe(-0.004, 0).decision);
  // The window turns from +0.01 by 0.005 a decision: below −0.01 at the 5th collapsed decision,
  // and the paired test on its two blocks of 5 agrees at the 9th.
  assertEquals(after.indexOf("rollback"), 8);
  const noisy = new RollbackWatch({ window: 10, margin: 0.001, watchDecisions: 100 });
  // Behind by more than the margin, but as noise: no rollback.
  const swings = [0.01, -0.012, 0.01, -0.012, 0.01, -0.012, 0.01, -0.012, 0.01, -0.012];
  assertEquals(swings.map((d) => noisy.observe(d, 0).decision).at(-1), "watch");
  assertThrows(
    () => new RollbackWatch({ window: 0, margin: 1, watchDecisions: 1 }),
    RollbackError,
    "window",
  );
  assertThrows(
    () => new RollbackWatch({ window: 5, margin: 0, watchDecisions: 5 }),
    RollbackError,
    "margin",
  );
  assertThrows(() => collapse.observe(NaN, 0), RollbackError, "pnl");
});

Deno.test("learning block: the shadow books' commission is the block's when given, else the run's", () => {
  const band = { long: 0.55, short: 0.45, mode: "long_short" as const };
  const plain = LearningSchema.parse({});
  assertEquals(loopOptions(plain, ["x"], band, 0.0002).commission, 0.0002);
  const own = LearningSchema.parse({ shadow: { commission: 0.001 } });
  assertEquals(loopOptions(own, ["x"], band, 0.0002).commission, 0.001);
  assertEquals(LearningSchema.safeParse({ shadow: { commission: -1 } }).success, false);
});
