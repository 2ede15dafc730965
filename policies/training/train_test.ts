// Over 400 lines: end-to-end training cases share their datasets and registry setup.
import { assert, assertEquals, assertRejects, assertThrows } from "../../testing/mod.ts";
import { loadScenario } from "../../scenarios/spec/mod.ts";
import { runScenario } from "../../scenarios/run/mod.ts";
import { ALPHA_V1, type BarInput, materialise } from "../features/mod.ts";
import {
  loadServedModel,
  modelPolicy,
  ModelPolicySchema,
  ModelServingError,
  type ServedModel,
} from "../serving/mod.ts";
import { predictBatch } from "./models.ts";
import { saveModel } from "./model_io.ts";
import { ModelRegistry } from "../registry/mod.ts";
import { createPolicy, PolicyConfigError } from "../serving/mod.ts";
import { parseTrainArgs, runModelsCommand, runTrainCommand } from "../../scenarios/commands/mod.ts";
import { SHARED_DATA_DIR } from "../../env/research/mod.ts";
import {
  datasetFrom,
  foldMetrics,
  sampleHyperparameters,
  SEARCH_SPACE,
  searchRounds,
  TrainError,
  type TrainSettings,
  trainWithSearch,
} from "./train.ts";
import { selectBackend } from "./tf_backend.ts";

/** A seeded random walk with a little momentum: something a model can half-learn. */
function walk(n: number, seed: number): BarInput[] {
  let s = seed >>> 0, price = 100, prev = 0;
  const out: BarInput[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = 0.3 * prev + ((s / 2 ** 32) - 0.5) * 0.01;
    prev = r;
    price *= Math.exp(r);
    out.push({ ts: i * 60_000, open: price, high: price, low: price, close: price, volume: 1 });
  }
  return out;
}

/** Runs `body` with a fresh registry directory and console.log captured into `lines`. */
async function withRegistry(
  body: (registry: string, lines: string[]) => Promise<void>,
): Promise<void> {
  const registry = await Deno.makeTempDir({ dir: "./out" });
  const log = console.log;
  const lines: string[] = [];
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await body(registry, lines);
  } finally {
    console.log = log;
    await Deno.remove(registry, { recursive: true });
  }
}

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
  const frame = materialise(ALPHA_V1, { bars: walk(200, 1), barMs: 60_000 }, {
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
  const frame = materialise(ALPHA_V1, { bars: walk(700, 2), barMs: 60_000 }, {
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
  const frame = materialise(ALPHA_V1, { bars: walk(700, 3), barMs: 60_000 }, {
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

Deno.test("bad training data is named: an unreadable --data file, skipped rows, too few rows; a missing serving model says how to train one", async () => {
  await withRegistry(async (registry, lines) => {
    await assertRejects(
      () => runTrainCommand(["model", "--data", `${registry}/none.csv`, "--registry", registry]),
      Error,
      `--data ${registry}/none.csv: cannot read it`,
    );
    const file = `${registry}/bad.csv`;
    await Deno.writeTextFile(
      file,
      "timestamp_ms,open,high,low,close,volume\n60000,1,1,1,1,1\n120000,1,1,1,x,1\n",
    );
    const error = console.error;
    const errors: string[] = [];
    console.error = (...a: unknown[]) => errors.push(a.join(" "));
    lines.length = 0;
    try {
      await assertRejects(
        () => runTrainCommand(["model", "--data", file, "--registry", registry, "--quiet"]),
        TrainError,
        "only 0 usable rows",
      );
    } finally {
      console.error = error;
    }
    assert(errors[0].includes("1 of 2 rows skipped (first: line 3, close"), errors.join("\n"));
    assertEquals(lines.length, 0); // --quiet
    await assertRejects(
      () => loadServedModel({ registry, model: "absent", version: "production" }),
      ModelServingError,
      "train one with: deno task train model",
    );
  });
});

Deno.test("train arguments are validated naming the option", () => {
  assert((parseTrainArgs([]) as string).includes("exactly one of --data"));
  assert((parseTrainArgs(["--data", "x.csv", "--folds", "0"]) as string).includes("--folds"));
  assert((parseTrainArgs(["--data", "x.csv", "--kind", "price"]) as string).includes("--kind"));
  assert((parseTrainArgs(["--nope"]) as string).includes("--nope"));
  const ok = parseTrainArgs(["--scenario", "calm", "--trials", "3", "--promote"]);
  assert(typeof ok !== "string" && ok.trials === 3 && ok.promote && ok.horizon === 1);
});

Deno.test("the model policy goes long above `long`, flat or short below `short`, keeps its side between", () => {
  const config = ModelPolicySchema.parse({ kind: "model", model: "m", mode: "long_short" });
  let p = 0.5;
  const served = {
    entry: { meta: { name: "m", version: 1 } },
    set: ALPHA_V1,
    predictor: { inputs: ALPHA_V1.names.length, predict: () => p },
  } as unknown as ServedModel;
  const policy = modelPolicy(config, served);
  const features = Object.fromEntries(ALPHA_V1.names.map((n) => [n, 0.1]));
  const decide = (position: number) =>
    policy.decide({ ts: 0, symbol: "X", features, position, size: 10 });
  p = 0.6;
  assertEquals(decide(0).kind === "exposure" && (decide(0) as { target: number }).target, 1);
  p = 0.4;
  assertEquals((decide(0) as { target: number }).target, -1);
  p = 0.5;
  assertEquals((decide(5) as { target: number }).target, 1);
  assertEquals(
    policy.decide({
      ts: 0,
      symbol: "X",
      features: { ...features, ret_1: null },
      position: 0,
      size: 1,
    })
      .kind,
    "hold",
  );
  assertThrows(
    () => ModelPolicySchema.parse({ kind: "model", model: "m", long: 0.4, short: 0.6 }),
    Error,
    "short < long",
  );
  assertThrows(() => createPolicy(config), PolicyConfigError, "not loaded");
});

Deno.test({
  name:
    "deno task train model trains on simulated data, registers the model, and a scenario's agent trades with it; a feature-set hash mismatch is refused",
  sanitizeResources: false, // tfjs's wasm backend keeps its module loaded
  fn: async () => {
    await withRegistry(async (registry, lines) => {
      const code = await runTrainCommand([
        "model",
        "--scenario",
        "calm",
        "--hours",
        "8",
        "--trials",
        "1",
        "--folds",
        "2",
        "--epochs",
        "3",
        "--name",
        "calm-test",
        "--registry",
        registry,
        "--promote",
        "--seed",
        "5",
      ]);
      assertEquals(code, 0, lines.join("\n"));
      const out = lines.join("\n");
      assert(out.includes("walk-forward"), out);
      assert(/registered calm-test v1 \(production\)/.test(out), out);
      const entry = await new ModelRegistry(registry).show("calm-test");
      assertEquals(entry.meta.featureSet.hash, ALPHA_V1.hash);
      assertEquals(entry.meta.seed, 5);

      const calm = await loadScenario("calm");
      const scenario = {
        ...calm,
        durationMs: 3 * 3_600_000,
        agents: [{
          ...calm.agents[0],
          id: "model",
          policy: ModelPolicySchema.parse({
            kind: "model",
            model: "calm-test",
            registry,
            // Thresholds any prediction clears: this checks the wiring, not the model's edge.
            long: 0.01,
            short: 0.005,
          }),
        }],
      };
      const run = await runScenario(scenario, { seed: 9 });
      assert((run.counts.byKind["intent"] ?? 0) > 0, JSON.stringify(run.counts.byKind));

      // The same artifact registered as trained on other definitions of alpha_v1.
      const reg = new ModelRegistry(registry);
      const files: Record<string, Uint8Array> = {};
      for (const f of Object.keys(entry.meta.files)) files[f] = await reg.read(entry, f);
      const { name: _n, version: _v, files: _f, createdAt: _c, ...meta } = entry.meta;
      await reg.register({
        ...meta,
        name: "calm-stale",
        featureSet: { ...meta.featureSet, hash: "0123456789abcdef" },
      }, files);
      await assertRejects(
        () => loadServedModel({ registry, model: "calm-stale", version: "latest" }),
        ModelServingError,
        "hash mismatch",
      );
    });
  },
});

Deno.test("saving a trained model is what the registry stores: a loaded model predicts identically", async () => {
  await selectBackend();
  const frame = materialise(ALPHA_V1, { bars: walk(400, 4), barMs: 60_000 }, {
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

Deno.test({
  name:
    "train model on a real bar file registers candidates; models list, promote and rollback manage them",
  sanitizeResources: false, // tfjs's wasm backend keeps its module loaded
  fn: async () => {
    await withRegistry(async (registry, lines) => {
      const args = [
        "model",
        "--data",
        `${SHARED_DATA_DIR}GOOG-1d-backtesting-py.csv`,
        "--kind",
        "volatility",
        "--horizon",
        "5",
        "--trials",
        "1",
        "--folds",
        "2",
        "--epochs",
        "2",
        "--registry",
        registry,
        "--quiet",
      ];
      assertEquals(await runTrainCommand(args), 0);
      assertEquals(await runTrainCommand(args), 0);
      const table = lines.join("\n");
      assert(/rmse\s+baseRmse\s+qlike\s+baseQlike\s+ic/.test(table), table);
      assert(table.includes("registered volatility-GOOG-1d-backtesting-py v2 (candidate)"), table);
      const name = "volatility-GOOG-1d-backtesting-py";
      const models = ["--registry", registry];
      assertEquals(await runModelsCommand(["promote", name, "1", ...models]), 0);
      assertEquals(await runModelsCommand(["promote", name, "2", ...models]), 0);
      assertEquals(await runModelsCommand(["rollback", name, ...models]), 0);
      lines.length = 0;
      assertEquals(await runModelsCommand(["list", name, ...models, "--json"]), 0);
      const listed = JSON.parse(lines[0]) as { version: number; stage: string }[];
      assertEquals(listed.map((m) => [m.version, m.stage]), [[1, "production"], [2, "archived"]]);
      assertEquals(await runModelsCommand(["promote", name, "x", ...models]), 2);
    });
  },
});
