/**
 * The learning loop's study on the `regime` scenario (run it on its own; it takes minutes):
 *
 * ```sh
 * deno run --allow-read --allow-write=./out --allow-env bench/learning_study.ts [SEEDS] \
 *   [--scenario FILE] [--models DIR] [--from SEED] [--no-steady]
 * ```
 *
 * `--scenario` studies a variant of the scenario (default the shipped `regime`); `--models` uses
 * a registry that already holds the champion instead of training it; `--no-steady` skips the runs
 * without the change (no false-alarm figure); `--from` is the first seed (default 101: tune on others,
 * so that 101… stay held out).
 *
 * A champion is trained on the first regime (20 simulated hours, seed 7) into a registry of its
 * own; then, on SEEDS held-out seeds (default 10: 101, 102, …):
 * - the scenario run twice, once with `learner` alone trading (the loop on) and once with `fixed`
 *   alone (the same model, the loop off), gives each one's return and Sharpe after the change,
 *   paired by seed, and when the loop first saw drift, retrained, shadowed and promoted (two
 *   agents in one market would not be a fair pair: the first to act takes the better fills);
 * - `learner` alone on the same market without its change gives the false alarms: drift steps per
 *   24 h.
 * Prints one JSON object.
 * @module
 */
import type { Learning } from "../actors/protocol/mod.ts";
import { runTrainCommand } from "../scenarios/commands/mod.ts";
import { runScenario } from "../scenarios/run/mod.ts";
import { loadScenario, parseScenario } from "../scenarios/spec/mod.ts";

const HOUR = 3_600_000;
const args = [...Deno.args];
const flag = (name: string) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  if (value === undefined) throw new Error(`${name}: expected a value`);
  return value;
};
const scenarioFile = flag("--scenario") ?? "regime";
const given = flag("--models");
const firstSeed = Number(flag("--from") ?? 101);
const noSteady = args.includes("--no-steady");
const seeds = Number(args.find((a) => !a.startsWith("--")) ?? 10);
await Deno.mkdir("out", { recursive: true });
const dir = await Deno.makeTempDir({ dir: "out", prefix: "learning_study_" });
const models = given ?? `${dir}/models`;
const log = console.log;
console.log = () => {};
if (given === undefined) {
  await runTrainCommand([
    "model",
    "--scenario",
    "regime",
    "--hours",
    "20",
    "--seed",
    "7",
    "--name",
    "direction-regime",
    "--registry",
    models,
    "--promote",
    "--quiet",
  ]).finally(() => console.log = log);
} else console.log = log;

const base = await loadScenario(scenarioFile);
/** The scenario with `agent` alone trading (and, given, other shocks). */
const alone = (agent: string, shocks?: unknown[]) =>
  parseScenario({
    ...base,
    ...(shocks === undefined || base.venue.kind !== "sim"
      ? {}
      : { venue: { ...base.venue, market: { ...base.venue.market, shocks } } }),
    agents: base.agents.filter((a) => a.id === agent).map((a) => ({
      ...a,
      policy: { ...a.policy, registry: models },
    })),
  });
const learnerRun = alone("learner");
const fixedRun = alone("fixed");
const steady = alone("learner", []);
const shock = (base.venue.kind === "sim" ? base.venue.market.shocks[0] : undefined) as
  | { atMs: number }
  | undefined;
const changeAt = shock?.atMs ?? 0;

/** Return (%) and per-step Sharpe (annualised, 525,600 one-minute bars) after `from`. */
function after(points: Iterable<readonly [number, number]>, from: number) {
  const xs = [...points].filter(([ts]) => ts >= from).map(([, e]) => e);
  const r = xs.slice(1).map((e, i) => e / xs[i] - 1);
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
  return {
    returnPct: (xs.at(-1)! / xs[0] - 1) * 100,
    sharpe: sd > 0 ? (mean / sd) * Math.sqrt(525_600) : 0,
  };
}

const rows = [];
for (let k = 0; k < seeds; k++) {
  const seed = firstSeed + k;
  const steps: Learning[] = [];
  const t0 = performance.now();
  const r = await runScenario(learnerRun, {
    seed,
    learningRegistry: `${dir}/run-${seed}`,
    record: (l) => l.includes('"kind":"learning"') && steps.push(JSON.parse(l)),
  });
  const off = await runScenario(fixedRun, { seed });
  const start = r.startTs + changeAt;
  const curve = (run: typeof r, id: string) => {
    const e = run.agents.find((a) => a.agentId === id)!.equity;
    return Array.from({ length: e.length }, (_, i) => [e.ts(i), e.equity(i)] as const);
  };
  const first = (event: string, from = start) =>
    steps.find((s) => s.event === event && s.ts >= from)?.ts;
  const hoursAfter = (ts: number | undefined) =>
    ts === undefined ? null : Number(((ts - start) / HOUR).toFixed(2));
  const falseAlarms: Learning[] = [];
  if (!noSteady) {
    await runScenario(steady, {
      seed,
      learningRegistry: `${dir}/steady-${seed}`,
      record: (l) => l.includes('"event":"drift"') && falseAlarms.push(JSON.parse(l)),
    });
  }
  const row = {
    seed,
    learner: after(curve(r, "learner"), start),
    fixed: after(curve(off, "fixed"), start),
    driftsBefore: steps.filter((s) => s.event === "drift" && s.ts < start).length,
    driftsAfter: steps.filter((s) => s.event === "drift" && s.ts >= start).length,
    firstDriftH: hoursAfter(first("drift")),
    firstPromoteH: hoursAfter(first("promote")),
    promotions: steps.filter((s) => s.event === "promote").length,
    rollbacks: steps.filter((s) => s.event === "rollback").length,
    retrains: steps.filter((s) => s.event === "retrain").length,
    gated: steps.filter((s) => s.event === "failed").length,
    steadyDriftsPer24h: noSteady ? null : falseAlarms.length / (steady.durationMs / (24 * HOUR)),
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
  rows.push(row);
  console.error(JSON.stringify(row));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const diff = rows.map((r) => r.learner.returnPct - r.fixed.returnPct);
const sdiff = rows.map((r) => r.learner.sharpe - r.fixed.sharpe);
const sd = (xs: number[]) =>
  Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));
console.log(JSON.stringify({
  seeds: rows.length,
  learnerReturnPct: mean(rows.map((r) => r.learner.returnPct)),
  fixedReturnPct: mean(rows.map((r) => r.fixed.returnPct)),
  pairedReturnDiffPct: mean(diff),
  pairedReturnDiffT: mean(diff) / (sd(diff) / Math.sqrt(diff.length)),
  learnerSharpe: mean(rows.map((r) => r.learner.sharpe)),
  fixedSharpe: mean(rows.map((r) => r.fixed.sharpe)),
  pairedSharpeDiff: mean(sdiff),
  learnerBetterSeeds: diff.filter((d) => d > 0).length,
  promotions: rows.reduce((a, r) => a + r.promotions, 0),
  rollbacks: rows.reduce((a, r) => a + r.rollbacks, 0),
  driftBeforeChangeRuns: rows.filter((r) => r.driftsBefore > 0).length,
  steadyDriftsPer24h: noSteady ? null : mean(rows.map((r) => r.steadyDriftsPer24h ?? 0)),
  rows,
}));
await Deno.remove(dir, { recursive: true });
