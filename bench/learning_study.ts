/**
 * The learning loop's study on the `regime` scenario (run it on its own; it takes minutes):
 *
 * ```sh
 * deno run --allow-read --allow-write=./out --allow-env bench/learning_study.ts [SEEDS]
 * ```
 *
 * A champion is trained on the first regime (20 simulated hours, seed 7) into a registry of its
 * own; then, on SEEDS held-out seeds (default 10: 101, 102, …):
 * - the scenario as shipped — `learner` (the loop on) and `fixed` (off) trade the same market —
 *   gives each agent's return and Sharpe after the change, paired by seed, and when the loop first
 *   saw drift, retrained, shadowed and promoted;
 * - the same market without its change gives the false alarms: drift steps per 24 h.
 * Prints one JSON object.
 * @module
 */
import type { Learning } from "../actors/protocol/mod.ts";
import { runTrainCommand } from "../scenarios/commands/mod.ts";
import { runScenario } from "../scenarios/run/mod.ts";
import { loadScenario, parseScenario } from "../scenarios/spec/mod.ts";

const HOUR = 3_600_000;
const seeds = Number(Deno.args[0] ?? 10);
await Deno.mkdir("out", { recursive: true });
const dir = await Deno.makeTempDir({ dir: "out", prefix: "learning_study_" });
const log = console.log;
console.log = () => {};
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
  `${dir}/models`,
  "--promote",
  "--quiet",
]).finally(() => console.log = log);

const base = await loadScenario("regime");
const withRegistry = (s: typeof base, shocks?: unknown[]) =>
  parseScenario({
    ...s,
    ...(shocks === undefined || s.venue.kind !== "sim"
      ? {}
      : { venue: { ...s.venue, market: { ...s.venue.market, shocks } } }),
    agents: s.agents.map((a) => ({ ...a, policy: { ...a.policy, registry: `${dir}/models` } })),
  });
const changing = withRegistry(base);
const steady = withRegistry(base, []);
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
  const seed = 101 + k;
  const steps: Learning[] = [];
  const t0 = performance.now();
  const r = await runScenario(changing, {
    seed,
    learningRegistry: `${dir}/run-${seed}`,
    record: (l) => l.includes('"kind":"learning"') && steps.push(JSON.parse(l)),
  });
  const start = r.startTs + changeAt;
  const by = (id: string) => r.agents.find((a) => a.agentId === id)!;
  const curve = (id: string) => {
    const e = by(id).equity;
    return Array.from({ length: e.length }, (_, i) => [e.ts(i), e.equity(i)] as const);
  };
  const first = (event: string, from = start) =>
    steps.find((s) => s.event === event && s.ts >= from)?.ts;
  const hoursAfter = (ts: number | undefined) =>
    ts === undefined ? null : Number(((ts - start) / HOUR).toFixed(2));
  const falseAlarms: Learning[] = [];
  await runScenario(steady, {
    seed,
    learningRegistry: `${dir}/steady-${seed}`,
    record: (l) => l.includes('"event":"drift"') && falseAlarms.push(JSON.parse(l)),
  });
  const row = {
    seed,
    learner: after(curve("learner"), start),
    fixed: after(curve("fixed"), start),
    driftsBefore: steps.filter((s) => s.event === "drift" && s.ts < start).length,
    driftsAfter: steps.filter((s) => s.event === "drift" && s.ts >= start).length,
    firstDriftH: hoursAfter(first("drift")),
    firstPromoteH: hoursAfter(first("promote")),
    promotions: steps.filter((s) => s.event === "promote").length,
    rollbacks: steps.filter((s) => s.event === "rollback").length,
    retrains: steps.filter((s) => s.event === "retrain").length,
    gated: steps.filter((s) => s.event === "failed").length,
    steadyDriftsPer24h: falseAlarms.length / (steady.durationMs / (24 * HOUR)),
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
  steadyDriftsPer24h: mean(rows.map((r) => r.steadyDriftsPer24h)),
  rows,
}));
await Deno.remove(dir, { recursive: true });
