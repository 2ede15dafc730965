// The learning loop, pure, on a market whose returns switch from momentum to mean reversion (and
// twice the volatility) halfway: drift is found after the switch and not before, a retrained
// challenger is shadowed and promoted; a random challenger is never promoted; a promoted model that
// collapses is rolled back.
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import {
  LearningLoop,
  type LearningLoopOptions,
  LoopError,
  type LoopEvent,
  type LoopModel,
  type TrainingWindow,
} from "./mod.ts";

const MINUTE = 60_000;

/** Returns with an AR(1) coefficient `phi` before decision `switchAt`, `-phi` (and twice the sd) after. */
function market(seed: number, n: number, switchAt: number, phi = 0.35) {
  const rng = new Rng(seed);
  const rows: { ts: number; ret: number; price: number }[] = [];
  let r = 0;
  let logPrice = Math.log(100);
  for (let i = 0; i < n; i++) {
    const after = i >= switchAt;
    r = (after ? -phi : phi) * r + rng.normal(0, after ? 0.002 : 0.001);
    logPrice += r;
    rows.push({ ts: i * MINUTE, ret: r, price: Math.exp(logPrice) });
  }
  return rows;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** P(up) rising with the last return (momentum, sign 1) or falling with it (reversion, −1). */
function signModel(version: number, sign: number, scale = 0.001): LoopModel {
  return { version, predictor: { predict: (row) => sigmoid((sign * 2 * row[0]) / scale) } };
}

/** The simplest honest trainer: the sign and scale of the feature's relation to the label. */
function fit(version: number, data: TrainingWindow): LoopModel {
  let cov = 0;
  let ym = 0;
  let ss = 0;
  for (let i = 0; i < data.rows; i++) ym += data.y[i] / data.rows;
  for (let i = 0; i < data.rows; i++) {
    cov += data.x[i] * (data.y[i] - ym);
    ss += data.x[i] ** 2;
  }
  return signModel(version, Math.sign(cov), Math.sqrt(ss / data.rows));
}

const OPTIONS: LearningLoopOptions = {
  features: ["ret"],
  long: 0.55,
  short: 0.45,
  mode: "long_short",
  horizon: 1,
  window: 600,
  minRows: 300,
  trigger: { cooldownMs: 120 * MINUTE },
  drift: { recent: 200, every: 50, persist: 2 },
  shadow: { minDecisions: 200, maxDecisions: 800, block: 10 },
  rollback: { window: 100, margin: 0.005, watchDecisions: 400 },
  commission: 0.0001,
};

/** Runs the loop over `rows`, training with `train` when asked; every event with its decision. */
function runLoop(
  rows: ReturnType<typeof market>,
  champion: LoopModel,
  train: (version: number, data: TrainingWindow) => LoopModel | null,
  options: LearningLoopOptions = OPTIONS,
): { loop: LearningLoop; events: (LoopEvent & { i: number })[] } {
  const loop = new LearningLoop(options, champion, 0);
  const events: (LoopEvent & { i: number })[] = [];
  let version = champion.version;
  rows.forEach((row, i) => {
    for (const e of loop.observe(row.ts, { ret: row.ret }, row.price)) {
      events.push({ ...e, i });
      if (e.type === "retrain") {
        for (const o of loop.offer(row.ts, train(++version, e.data))) events.push({ ...o, i });
      }
    }
  });
  return { loop, events };
}

Deno.test("learning loop: after a switch to mean reversion, drift, a retrain, a shadowed challenger and a promotion, on 10 seeds; no drift before it", () => {
  const delays: number[] = [];
  for (let seed = 1; seed <= 10; seed++) {
    const rows = market(seed, 4_000, 2_000);
    const { loop, events } = runLoop(rows, signModel(1, 1), fit);
    const first = (type: string) => events.find((e) => e.type === type);
    const drift = first("drift");
    assert(drift !== undefined && drift.i >= 2_000, `seed ${seed}: ${JSON.stringify(drift)}`);
    delays.push(drift.i - 2_000);
    const retrain = events.find((e) => e.type === "retrain" && e.i >= drift.i);
    assert(retrain?.type === "retrain" && retrain.reason === "drift", `seed ${seed}`);
    const promote = events.find((e) => e.type === "promote");
    assert(promote?.type === "promote", `seed ${seed}: ${events.map((e) => e.type).join(" ")}`);
    assertEquals(promote.champion, 1);
    assert(promote.evidence.pBetter as number < 0.05 / 4, `seed ${seed}`);
    assert(events.every((e) => e.type !== "rollback"), `seed ${seed}: rolled back`);
    // The champion now follows the reversion.
    assert(loop.champion.predictor.predict([0.002]) < 0.5, `seed ${seed}`);
  }
  assert(Math.max(...delays) <= 400, `drift found ${delays.join(", ")} decisions after the switch`);
});

Deno.test("learning loop: without a switch, 10 seeds raise no drift and a scheduled retrain of the same model is not promoted", () => {
  let promotions = 0;
  for (let seed = 11; seed <= 20; seed++) {
    const rows = market(seed, 4_000, Infinity);
    const options = { ...OPTIONS, trigger: { everyMs: 1_000 * MINUTE, cooldownMs: 120 * MINUTE } };
    const { events } = runLoop(rows, signModel(1, 1), fit, options);
    assertEquals(events.filter((e) => e.type === "drift"), [], `seed ${seed}`);
    assert(events.some((e) => e.type === "retrain" && e.reason === "schedule"), `seed ${seed}`);
    promotions += events.filter((e) => e.type === "promote").length;
  }
  // The same rule retrained on the same market is at best as good: rarely, if ever, "better".
  assert(promotions <= 1, `${promotions} promotions of an equal model in 10 seeds`);
});

Deno.test("learning loop: a challenger that predicts noise is never promoted (20 seeds)", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rows = market(seed, 3_000, Infinity);
    const noise = new Rng(seed).split("noise");
    const options = { ...OPTIONS, trigger: { everyMs: 700 * MINUTE, cooldownMs: 120 * MINUTE } };
    const { events } = runLoop(rows, signModel(1, 1), (version) => ({
      version,
      predictor: { predict: () => noise.float() },
    }), options);
    assert(events.some((e) => e.type === "discard"), `seed ${seed}`);
    assertEquals(events.filter((e) => e.type === "promote"), [], `seed ${seed}`);
  }
});

Deno.test("learning loop: a promoted model that collapses is rolled back to the champion it replaced", () => {
  // A champion that stays flat (P(up) 0.5), a scheduled retrain that learns the momentum, and a
  // script that turns the promoted model wrong-way 50 decisions after its promotion.
  const rows = market(3, 4_000, Infinity);
  const options = { ...OPTIONS, trigger: { everyMs: 700 * MINUTE, cooldownMs: 120 * MINUTE } };
  const loop = new LearningLoop(options, { version: 1, predictor: { predict: () => 0.5 } }, 0);
  const seen: (LoopEvent & { i: number })[] = [];
  let promotedAt = -1;
  let collapsed = false;
  rows.forEach((row, i) => {
    if (promotedAt >= 0 && i === promotedAt + 50) collapsed = true;
    for (const e of loop.observe(row.ts, { ret: row.ret }, row.price)) {
      seen.push({ ...e, i });
      if (e.type === "promote") promotedAt = i;
      if (e.type !== "retrain") continue;
      if (promotedAt >= 0) {
        loop.offer(row.ts, null); // no second challenger in this script
        continue;
      }
      const good = fit(2, e.data);
      loop.offer(row.ts, {
        version: 2,
        predictor: {
          predict: (r) => collapsed ? 1 - good.predictor.predict(r) : good.predictor.predict(r),
        },
      });
    }
  });
  const trail = seen.map((e) => `${e.type}@${e.i}`).join(" ");
  const rollback = seen.find((e) => e.type === "rollback");
  assert(rollback?.type === "rollback", trail);
  assertEquals([rollback.version, rollback.from], [1, 2]);
  assert(rollback.i > promotedAt + 50 && rollback.i <= promotedAt + 150, trail);
  assertEquals(loop.champion.version, 1);
});

Deno.test("learning loop: bad settings and an offer nobody asked for are named", () => {
  const m = signModel(1, 1);
  assertThrows(() => new LearningLoop({ ...OPTIONS, features: [] }, m, 0), LoopError, "features");
  assertThrows(() => new LearningLoop({ ...OPTIONS, window: 0 }, m, 0), LoopError, "window");
  assertThrows(
    () => new LearningLoop({ ...OPTIONS, drift: { recent: 700, every: 1 } }, m, 0),
    LoopError,
    "drift.recent",
  );
  assertThrows(() => new LearningLoop({ ...OPTIONS, minRows: 600 }, m, 0), LoopError, "minRows");
  assertThrows(() => new LearningLoop({ ...OPTIONS, short: 0.6 }, m, 0), LoopError, "short");
  assertThrows(() => new LearningLoop(OPTIONS, m, 0).offer(0, m), LoopError, "not training");
  // Warming up (a missing feature) or a bad price is skipped, not an error.
  const loop = new LearningLoop(OPTIONS, m, 0);
  assertEquals(loop.observe(0, { ret: null }, 100), []);
  assertEquals(loop.observe(0, { ret: 0.001 }, NaN), []);
  assertEquals(loop.rows, 0);
});

Deno.test("learning loop: a challenger not shown better gives way to a retraining that falls due, after its first look", () => {
  const rows = market(5, 1_700, Infinity);
  const options = {
    ...OPTIONS,
    trigger: { everyMs: 400 * MINUTE, cooldownMs: 120 * MINUTE },
    shadow: { minDecisions: 200, maxDecisions: 800, block: 10 },
  };
  // Every retraining gives the champion's own rule: never better, never worse.
  const { events } = runLoop(rows, signModel(1, 1), (version) => signModel(version, 1), options);
  const steps = events.filter((e) => e.type !== "check").map((e) => `${e.type}@${e.i}`);
  assertEquals(steps.slice(0, 6), [
    "retrain@400",
    "shadow@400",
    "discard@800",
    "retrain@800",
    "shadow@800",
    "discard@1200",
  ]);
  const discard = events.find((e) => e.type === "discard");
  assert(discard?.type === "discard");
  assertEquals(
    discard.why,
    "superseded after 400 decisions, not shown better: retraining (schedule)",
  );
  assertEquals(discard.evidence.decisions, 400);
});

Deno.test("learning loop: checkpointed (through JSON) at any decision and restored, it goes on exactly as the uninterrupted loop", () => {
  const rows = market(3, 4_000, 2_000);
  const options = { ...OPTIONS, trigger: { everyMs: 500 * MINUTE, cooldownMs: 120 * MINUTE } };
  /** Runs rows [from, to) on `loop`, training as `runLoop` does; models kept by version. */
  const models = new Map<number, LoopModel>([[1, signModel(1, 1)]]);
  const drive = (loop: LearningLoop, from: number, to: number, events: string[]) => {
    for (let i = from; i < to; i++) {
      const row = rows[i];
      for (const e of loop.observe(row.ts, { ret: row.ret }, row.price, 0.0001)) {
        events.push(`${i} ${JSON.stringify(e)}`);
        if (e.type === "retrain") {
          const version = Math.max(...models.keys()) + 1;
          const m = fit(version, e.data);
          models.set(version, m);
          for (const o of loop.offer(row.ts, m)) events.push(`${i} ${JSON.stringify(o)}`);
        }
      }
    }
  };
  const whole: string[] = [];
  const uninterrupted = new LearningLoop(options, models.get(1)!, 0);
  drive(uninterrupted, 0, rows.length, whole);
  const kinds = whole.map((e) => JSON.parse(e.slice(e.indexOf(" ") + 1)).type);
  for (const k of ["retrain", "shadow", "drift", "promote"]) assert(kinds.includes(k), k);
  const phases = new Set<string>();
  for (const cut of [1, 599, 1_000, 1_777, 2_150, 2_500, 2_650, 2_901, 3_333]) {
    models.clear();
    models.set(1, signModel(1, 1));
    const events: string[] = [];
    const first = new LearningLoop(options, models.get(1)!, 0);
    drive(first, 0, cut, events);
    phases.add(first.phase);
    const state = JSON.parse(JSON.stringify(first.toState()));
    const restored = LearningLoop.fromState(options, state, (v) => models.get(v));
    drive(restored, cut, rows.length, events);
    assertEquals(events, whole, `checkpoint at ${cut} (${first.phase})`);
  }
  assert(phases.size >= 3, [...phases].join(", "));
  assertThrows(
    () => LearningLoop.fromState(options, uninterrupted.toState(), () => undefined),
    LoopError,
    "model version",
  );
});
