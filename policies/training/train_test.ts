import { assert, assertEquals, momentumWalk } from "../../testing/mod.ts";
import { ALPHA_V1 } from "../features/mod.ts";
import { materialise } from "../feature_store/mod.ts";
import { loadServedModel } from "../serving/mod.ts";
import { predictBatch } from "./models.ts";
import { saveModel } from "./model_io.ts";
import { ModelRegistry } from "../registry/mod.ts";
import { sampleHyperparameters, SEARCH_SPACE } from "./search_space.ts";
import {
  datasetFrom,
  foldMetrics,
  searchRounds,
  type TrainSettings,
  trainWithSearch,
} from "./train.ts";
import { selectBackend } from "./tf_backend.ts";

const SMALL: TrainSettings = {
  kind: "direction",
  horizon: 1,
  folds: 2,
  embargo: 2,
  trials: 2,
  epochs: 4,
  patience: 2,
  validFraction: 0.2,
  seed: 7,
};

Deno.test("hyperparameter draws are seeded, start with the defaults and stay in the documented space", () => {
  const a = sampleHyperparameters(6, 3, { epochs: 5, patience: 2 });
  assertEquals(a, sampleHyperparameters(6, 3, { epochs: 5, patience: 2 }));
  assert(
    JSON.stringify(a) !== JSON.stringify(sampleHyperparameters(6, 4, { epochs: 5, patience: 2 })),
  );
  for (const hp of a.slice(1)) {
    assert(SEARCH_SPACE.hidden.some((h) => h.join() === hp.hidden.join()), `${hp.hidden}`);
    assert(hp.learningRate >= 3e-4 && hp.learningRate <= 3e-3, `${hp.learningRate}`);
    assert(SEARCH_SPACE.l2.includes(hp.l2) && SEARCH_SPACE.dropout.includes(hp.dropout));
    assert(SEARCH_SPACE.batchSize.includes(hp.batchSize));
    assertEquals([hp.epochs, hp.patience], [5, 2]);
  }
});

Deno.test("a dataset keeps only rows whose features and label are all known", () => {
  const frame = materialise(ALPHA_V1, { bars: momentumWalk(200, 1), barMs: 60_000 }, {
    horizons: [1],
    source: "walk",
  });
  const ds = datasetFrom(frame, "direction", 1);
  // zscore_50 is the slowest to warm up (50 bars); the last bar has no forward return.
  assertEquals(ds.rows, 200 - 49 - 1);
  assertEquals(ds.cols, ALPHA_V1.names.length);
  assert(ds.x.every(Number.isFinite) && ds.y.every((y) => y === 0 || y === 1));
  assertEquals(datasetFrom(frame, "volatility", 1).label, "rv_1");
});

Deno.test("training with search is deterministic given the seed: same metrics, same final predictions", async () => {
  await selectBackend();
  const frame = materialise(ALPHA_V1, { bars: momentumWalk(700, 2), barMs: 60_000 }, {
    horizons: [1],
    source: "walk",
  });
  const ds = datasetFrom(frame, "direction", 1);
  const progress: number[] = [];
  const a = await trainWithSearch(ds, SMALL, (p) => progress.push(p.done));
  const b = await trainWithSearch(ds, SMALL);
  try {
    assertEquals(a.trials.length, 2);
    assertEquals(a.best.folds.length, 2);
    assertEquals(a.summary, b.summary);
    assertEquals(a.trials.map((t) => t.score), b.trials.map((t) => t.score));
    assertEquals(predictBatch(a.model, ds.x, ds.rows), predictBatch(b.model, ds.x, ds.rows));
    for (const f of a.best.folds) {
      for (const k of ["accuracy", "auc", "logLoss", "ic"]) assert(k in f.metrics, k);
      assert(f.metrics.accuracy >= 0 && f.metrics.accuracy <= 1);
    }
    assertEquals(progress.at(-1), 2 * 2 + 1);
  } finally {
    a.model.model.dispose();
    b.model.model.dispose();
  }
});

Deno.test("fold metrics stand beside the constant baseline's: majority-class accuracy, base-rate log loss, mean-volatility RMSE", () => {
  const y = Float32Array.of(1, 1, 0, 1);
  const d = foldMetrics("direction", y, Float32Array.of(0.9, 0.8, 0.2, 0.7), 0.75);
  assertEquals([d.accuracy, d.baseAccuracy], [1, 0.75]);
  const baseLogLoss = -(3 * Math.log(0.75) + Math.log(0.25)) / 4;
  assert(Math.abs(d.baseLogLoss - baseLogLoss) < 1e-6, `${d.baseLogLoss} vs ${baseLogLoss}`);
  assert(d.logLoss < d.baseLogLoss);
  const v = foldMetrics(
    "volatility",
    Float32Array.of(0.01, 0.03),
    Float32Array.of(0.01, 0.03),
    0.02,
  );
  assertEquals(v.rmse, 0);
  assert(Math.abs(v.baseRmse - 0.01) < 1e-9 && v.qlike === 0 && v.baseQlike > 0, JSON.stringify(v));
});

Deno.test("successive halving scores more folds as fewer draws survive, and the winner on all of them", () => {
  assertEquals(searchRounds("random", 8, 4), [{ folds: 4, keep: 1 }]);
  assertEquals(searchRounds("halving", 8, 4), [
    { folds: 1, keep: 4 },
    { folds: 2, keep: 2 },
    { folds: 4, keep: 1 },
  ]);
  assertEquals(searchRounds("halving", 1, 4), [{ folds: 4, keep: 1 }]);
  assertEquals(searchRounds("halving", 3, 8), [
    { folds: 1, keep: 2 },
    { folds: 2, keep: 1 },
    { folds: 8, keep: 1 },
  ]);
});

Deno.test("a halving search trains fewer models than random search and reports the winner on every fold", async () => {
  await selectBackend();
  const frame = materialise(ALPHA_V1, { bars: momentumWalk(700, 3), barMs: 60_000 }, {
    horizons: [1],
    source: "walk",
  });
  const ds = datasetFrom(frame, "direction", 1);
  const settings = { ...SMALL, trials: 4, folds: 4, epochs: 2, search: "halving" as const };
  let total = 0;
  const r = await trainWithSearch(ds, settings, (p) => (total = p.total));
  try {
    assertEquals(total, 4 * 1 + 2 * 1 + 1 * 2 + 1); // 4 draws on fold 4, 2 on fold 3, 1 on folds 1-2, final
    assertEquals(r.best.folds.map((f) => f.fold), [1, 2, 3, 4]);
    assertEquals(r.trials.map((t) => t.folds.length).sort(), [1, 1, 2, 4]);
  } finally {
    r.model.model.dispose();
  }
});

Deno.test("saving a trained model is what the registry stores: a loaded model predicts identically", async () => {
  await selectBackend();
  const frame = materialise(ALPHA_V1, { bars: momentumWalk(400, 4), barMs: 60_000 }, {
    horizons: [1],
    source: "walk",
  });
  const ds = datasetFrom(frame, "direction", 1);
  const r = await trainWithSearch(ds, { ...SMALL, trials: 1, folds: 1 });
  const registry = await Deno.makeTempDir({ dir: "./out" });
  try {
    const reg = new ModelRegistry(registry);
    await reg.register({
      name: "walk",
      kind: "direction",
      featureSet: { id: ALPHA_V1.id, hash: ALPHA_V1.hash, names: [...ALPHA_V1.names] },
      dataRange: { source: "walk", start: ds.ts[0], end: ds.ts[ds.rows - 1], rows: ds.rows },
      hyperparameters: { hidden: r.best.hyperparameters.hidden.join("-") },
      metrics: {},
      seed: 7,
      codeRevision: "test",
    }, await saveModel(r.model));
    const served = await loadServedModel({ registry, model: "walk", version: "latest" });
    const want = predictBatch(r.model, ds.x, ds.rows);
    for (let i = 0; i < ds.rows; i++) {
      const got = served.predictor.predict(ds.x.subarray(i * ds.cols, (i + 1) * ds.cols));
      assert(Math.abs(got - want[i]) <= 1e-5, `row ${i}: ${got} vs ${want[i]}`);
    }
  } finally {
    r.model.model.dispose();
    await Deno.remove(registry, { recursive: true });
  }
});

Deno.test("a run's first draw takes the model it fixes (a logistic model: no hidden layers)", () => {
  const [first, second] = sampleHyperparameters(2, 3, { epochs: 5, patience: 2 }, {
    hidden: [],
    learningRate: 0.01,
  });
  assertEquals([first.hidden, first.learningRate, first.epochs, first.patience], [[], 0.01, 5, 2]);
  assert(SEARCH_SPACE.hidden.some((h) => h.join() === second.hidden.join()));
});
