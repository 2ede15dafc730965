// A deliberately bad candidate — the same network trained on shuffled labels — is never promoted:
// on the simulated market's real features, its walk-forward gate refuses it, and shadowed anyway
// (gate off) beside a champion trained on the true labels it is discarded, over 4 shuffles.
import { assert, assertEquals } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { ALPHA_V1 } from "../../policies/features/mod.ts";
import { materialise } from "../../policies/feature_store/mod.ts";
import { Predictor } from "../../policies/models/mod.ts";
import { LearningLoop, type LoopEvent } from "../../policies/retrain/mod.ts";
import { runTrainJob, type TrainJob } from "../../policies/training/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { simulatedSeries } from "./mod.ts";

const HOUR = 3_600_000;

Deno.test({
  name:
    "a candidate trained on shuffled labels is never promoted: the gate refuses it, and shadowed anyway it is discarded",
  sanitizeResources: false,
  fn: async () => {
    const calm = await loadScenario("calm");
    const series = await simulatedSeries({ ...calm, durationMs: 30 * HOUR }, { seed: 11 });
    const frame = materialise(ALPHA_V1, { barMs: series.barMs, bars: series.bars }, {
      horizons: [1],
      source: "test",
    });
    const names = ALPHA_V1.names;
    const cols = names.map((n) => frame.table.array(n) as ArrayLike<number | null>);
    const close = frame.table.array("bar_close") as ArrayLike<number>;
    const up = frame.table.array("dir_1") as ArrayLike<number | null>;
    const ts = frame.table.array("ts") as ArrayLike<number>;
    const rows: { ts: number; values: Record<string, number>; close: number; up: number }[] = [];
    for (let i = 0; i < frame.table.numRows(); i++) {
      if (up[i] === null || cols.some((c) => c[i] === null || !Number.isFinite(c[i]!))) continue;
      rows.push({
        ts: ts[i],
        values: Object.fromEntries(names.map((n, k) => [n, cols[k][i] as number])),
        close: close[i],
        up: up[i]!,
      });
    }
    const cut = Math.floor(rows.length * 0.5);
    const jobOf = (labels: Float32Array): TrainJob => ({
      x: Float32Array.from(rows.slice(0, cut).flatMap((r) => names.map((n) => r.values[n]))),
      y: labels,
      ts: Float64Array.from(rows.slice(0, cut), (r) => r.ts),
      rows: cut,
      names,
      settings: { horizon: 1, folds: 3, embargo: 2, trials: 1, epochs: 8, patience: 3, seed: 5 },
    });
    const truth = Float32Array.from(rows.slice(0, cut), (r) => r.up);
    const champion = new Predictor((await runTrainJob(jobOf(truth))).spec);
    let refused = 0;
    for (let shuffle = 1; shuffle <= 4; shuffle++) {
      const rng = new Rng(shuffle).split("shuffle");
      const labels = Float32Array.from(truth);
      for (let i = labels.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [labels[i], labels[j]] = [labels[j], labels[i]];
      }
      const bad = await runTrainJob(jobOf(labels));
      if (!(bad.summary.logLoss < bad.summary.baseLogLoss)) refused++;
      // Shadowed anyway: offered at the first retraining, judged on the later half.
      const loop = new LearningLoop(
        {
          features: names,
          long: 0.51,
          short: 0.49,
          mode: "long_short",
          horizon: 1,
          window: 200,
          minRows: 100,
          trigger: { everyMs: 1, cooldownMs: 0 },
          drift: { recent: 100, every: 50 },
          shadow: { minDecisions: 200, maxDecisions: 600, block: 10 },
          rollback: { window: 50, margin: 0.01, watchDecisions: 100 },
          commission: 0.0002,
        },
        { version: 1, predictor: champion },
        rows[cut].ts,
      );
      const events: LoopEvent[] = [];
      for (const r of rows.slice(cut)) {
        for (const e of loop.observe(r.ts, r.values, r.close)) {
          events.push(e);
          if (e.type === "retrain" && !events.some((x) => x.type === "shadow")) {
            events.push(...loop.offer(r.ts, { version: 2, predictor: new Predictor(bad.spec) }));
          } else if (e.type === "retrain") loop.offer(r.ts, null);
        }
      }
      const kinds = events.map((e) => e.type);
      assert(kinds.includes("shadow"), kinds.join(" "));
      assertEquals(kinds.filter((k) => k === "promote"), [], `shuffle ${shuffle}: ${kinds}`);
      assert(kinds.includes("discard"), `shuffle ${shuffle}: judged within the run: ${kinds}`);
    }
    assert(refused >= 3, `the gate refused ${refused} of 4 shuffled-label candidates`);
    console.log(`shuffled labels: the gate refused ${refused} of 4; none promoted in the shadow`);
  },
});
