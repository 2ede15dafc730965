// A retraining job gives the same model in a worker as in this thread, and training in a worker
// leaves this thread free (it keeps running timers meanwhile).
import { assert, assertEquals, assertRejects } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { Predictor } from "../models/mod.ts";
import { runTrainJob, trainInWorker, type TrainJob } from "./mod.ts";

function job(rows = 600): TrainJob {
  const rng = new Rng(5);
  const x = new Float32Array(rows * 3);
  const y = new Float32Array(rows);
  const ts = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < 3; c++) x[r * 3 + c] = rng.normal(0, 1);
    // The first feature carries the label, the others are noise.
    y[r] = x[r * 3] + rng.normal(0, 1) > 0 ? 1 : 0;
    ts[r] = r * 60_000;
  }
  return {
    x,
    y,
    ts,
    rows,
    names: ["a", "b", "c"],
    settings: { horizon: 1, folds: 2, embargo: 2, trials: 1, epochs: 4, patience: 2, seed: 3 },
  };
}

Deno.test({
  name: "train job: the same model in a worker as here; this thread keeps running while it trains",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const here = await runTrainJob(job());
    let ticks = 0;
    let last = performance.now();
    let worst = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
      ticks++;
    }, 5);
    const there = await trainInWorker(job()).finally(() => clearInterval(timer));
    assertEquals(there.summary, here.summary);
    assertEquals(there.files, here.files);
    assert(there.summary.logLoss < there.summary.baseLogLoss, JSON.stringify(there.summary));
    const p = new Predictor(there.spec);
    assert(p.predict([2, 0, 0]) > 0.5 && p.predict([-2, 0, 0]) < 0.5);
    assert(ticks >= 5, `${ticks} timer ticks while the worker trained (longest gap ${worst} ms)`);
    console.log(
      `worker: ${there.seconds.toFixed(2)} s of training, ${ticks} ticks, longest gap ${
        worst.toFixed(1)
      } ms`,
    );
  },
});

Deno.test({
  name: "train job: a job that cannot train is an error from the worker, named",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await assertRejects(() => trainInWorker(job(10)), Error, "need at least 50");
  },
});
