import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertThrows,
} from "../../testing/mod.ts";
import {
  DEFAULT_HYPERPARAMETERS,
  fitStandardiser,
  ModelError,
  type ModelHyperparameters,
  type ModelKind,
  predictBatch,
  type Samples,
  type TrainedModel,
  trainModel,
} from "./models.ts";
import { loadModel, predictorFor, saveModel } from "./model_io.ts";
import { selectBackend } from "./tf_backend.ts";

const COLS = 16;

/** A seeded uniform PRNG on [0, 1) (mulberry32), so every dataset is the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Features ~ N(3, 2²) (deliberately not standardised), targets from `target(row)`. */
function dataset(
  rows: number,
  seed: number,
  target: (f: Float32Array, rng: () => number) => number,
) {
  const rng = prng(seed);
  const x = new Float32Array(rows * COLS).map(() => 3 + 2 * normal(rng));
  const y = new Float32Array(rows).map((_, r) => target(x.subarray(r * COLS, (r + 1) * COLS), rng));
  return { x, y, rows };
}

/** Up when a fixed linear combination of three features is above its mean. */
const separable = (
  f: Float32Array,
) => (f[0] - 3 + 0.5 * (f[1] - 3) - 0.25 * (f[2] - 3) > 0 ? 1 : 0);
/** A log-linear volatility with 10% multiplicative noise. */
const volatility = (f: Float32Array, rng: () => number) =>
  0.02 * Math.exp(0.25 * (f[0] - 3) - 0.15 * (f[3] - 3) + 0.1 * normal(rng));

const HP: ModelHyperparameters = {
  ...DEFAULT_HYPERPARAMETERS,
  hidden: [32, 16],
  learningRate: 0.01,
  epochs: 15,
  patience: 5,
};

function trainDirection(seed = 1, hp = HP): Promise<TrainedModel> {
  return trainModel(
    "direction",
    dataset(1200, 10, separable),
    dataset(300, 11, separable),
    hp,
    seed,
  );
}

function trainVolatility(seed = 1): Promise<TrainedModel> {
  return trainModel(
    "volatility",
    dataset(1200, 20, volatility),
    dataset(300, 21, volatility),
    HP,
    seed,
  );
}

/** Runs `body` on a freshly trained model and disposes it afterwards. */
async function withModel(train: Promise<TrainedModel>, body: (m: TrainedModel) => unknown) {
  const m = await train;
  try {
    await body(m);
  } finally {
    m.model.dispose();
  }
}

function rowOf(d: Samples, r: number): Float32Array {
  return d.x.subarray(r * COLS, (r + 1) * COLS);
}

Deno.test("selectBackend picks one backend per process and explains each one skipped", async () => {
  const first = await selectBackend();
  assertEquals(tf.getBackend(), first.name);
  assert(first.name === "tensorflow" || first.name === "wasm", `got ${first.name}`);
  if (first.name === "wasm") assert(first.skipped.some((s) => s.startsWith("tensorflow: ")));
  assert(await selectBackend(first.name === "wasm" ? "cpu" : "wasm") === first);
});

Deno.test("a direction model classifies held-out rows of a separable problem with accuracy > 0.9", async () => {
  const test = dataset(500, 12, separable);
  await withModel(trainDirection(), (m) => {
    const p = predictBatch(m, test.x, test.rows);
    const hits = p.filter((q, r) => (q > 0.5 ? 1 : 0) === test.y[r]).length;
    assert(hits / test.rows > 0.9, `accuracy ${hits / test.rows}`);
    assert(p.every((q) => q >= 0 && q <= 1));
  });
});

Deno.test("a volatility model's held-out RMSE is well below that of predicting the training mean", async () => {
  const train = dataset(1200, 20, volatility);
  const test = dataset(500, 22, volatility);
  const mean = train.y.reduce((a, b) => a + b, 0) / train.rows;
  const rmse = (f: (r: number) => number) =>
    Math.sqrt(test.y.reduce((a, y, r) => a + (f(r) - y) ** 2, 0) / test.rows);
  await withModel(trainVolatility(), (m) => {
    const p = predictBatch(m, test.x, test.rows);
    const model = rmse((r) => p[r]);
    const baseline = rmse(() => mean);
    assert(model < 0.6 * baseline, `RMSE ${model} vs baseline ${baseline}`);
    assert(p.every((v) => v > 0));
  });
});

Deno.test("two trainings with the same seed give bit-identical predictions; another seed differs", async () => {
  const test = dataset(200, 12, separable);
  const [a, b, c] = [await trainDirection(7), await trainDirection(7), await trainDirection(8)];
  try {
    const pa = predictBatch(a, test.x, test.rows);
    assertEquals(predictBatch(b, test.x, test.rows), pa);
    assertEquals([a.epochsRun, a.bestValidLoss], [b.epochsRun, b.bestValidLoss]);
    assertNotEquals(predictBatch(c, test.x, test.rows), pa);
  } finally {
    [a, b, c].forEach((m) => m.model.dispose());
  }
});

Deno.test("save then load reproduces predictBatch and Predictor outputs exactly", async () => {
  const test = dataset(200, 12, separable);
  await withModel(trainDirection(), async (m) => {
    const files = await saveModel(m);
    assertEquals(Object.keys(files).sort(), ["model.json", "norm.json", "weights.bin"]);
    const manifest = JSON.parse(new TextDecoder().decode(files["model.json"])).weightsManifest;
    assertEquals(manifest[0].paths, ["./weights.bin"]);
    await withModel(loadModel(files), (loaded) => {
      assertEquals(predictBatch(loaded, test.x, test.rows), predictBatch(m, test.x, test.rows));
      const [before, after] = [predictorFor(m), predictorFor(loaded)];
      for (let r = 0; r < test.rows; r++) {
        assertEquals(after.predict(rowOf(test, r)), before.predict(rowOf(test, r)));
      }
      assertEquals(
        [loaded.kind, loaded.inputs, loaded.norm, loaded.epochsRun, loaded.bestValidLoss],
        [m.kind, m.inputs, m.norm, m.epochsRun, m.bestValidLoss],
      );
    });
  });
});

for (const kind of ["direction", "volatility"] as const satisfies readonly ModelKind[]) {
  Deno.test(`Predictor agrees with predictBatch within 1e-5 on a ${kind} model`, async () => {
    const test = dataset(300, 13, kind === "direction" ? separable : volatility);
    await withModel(kind === "direction" ? trainDirection() : trainVolatility(), (m) => {
      const batch = predictBatch(m, test.x, test.rows);
      const predictor = predictorFor(m);
      assertEquals(predictor.inputs, COLS);
      for (let r = 0; r < test.rows; r++) {
        assertAlmostEquals(predictor.predict(rowOf(test, r)), batch[r], 1e-5);
        assertAlmostEquals(predictor.predict(Array.from(rowOf(test, r))), batch[r], 1e-5);
      }
    });
  });
}

Deno.test("training stops before `epochs` once the validation loss stops improving, keeping the best weights", async () => {
  const coin = (_: Float32Array, rng: () => number) => (rng() < 0.5 ? 1 : 0);
  const valid = dataset(200, 31, coin);
  const hp = { ...HP, hidden: [64], dropout: 0, epochs: 200, patience: 3 };
  const seen: number[] = [];
  const fit = trainModel("direction", dataset(300, 30, coin), valid, hp, 1, (epoch, _t, v) => {
    assertEquals(epoch, seen.length);
    seen.push(v);
  });
  await withModel(fit, (m) => {
    assert(m.epochsRun < hp.epochs, `ran ${m.epochsRun} epochs`);
    assertEquals(seen.length, m.epochsRun);
    const best = seen.indexOf(Math.min(...seen));
    assertEquals(m.epochsRun, best + 1 + hp.patience);
    assertEquals(m.bestValidLoss, seen[best]);
    const p = predictBatch(m, valid.x, valid.rows);
    const bce = p.reduce((a, q, r) => {
      const c = Math.min(Math.max(q, 1e-7), 1 - 1e-7);
      return a - (valid.y[r] * Math.log(c) + (1 - valid.y[r]) * Math.log(1 - c));
    }, 0) / valid.rows;
    assertAlmostEquals(bce, m.bestValidLoss, 1e-12);
  });
});

Deno.test("Predictor and predictBatch reject a wrong-length or non-finite row with ModelError; no rows is no predictions", async () => {
  await withModel(trainDirection(1, { ...HP, epochs: 1 }), (m) => {
    const predictor = predictorFor(m);
    assertThrows(
      () => predictor.predict(new Float32Array(COLS - 1)),
      ModelError,
      "expected 16 values, got 15",
    );
    const row = new Float32Array(COLS).fill(1);
    row[4] = NaN;
    assertThrows(() => predictor.predict(row), ModelError, "features[4]");
    assertThrows(
      () => predictBatch(m, new Float32Array(COLS + 1), 1),
      ModelError,
      "1 rows × 16 features",
    );
    assertThrows(() => predictBatch(m, row, 1), ModelError, "x[0][4]");
    assertEquals(predictBatch(m, new Float32Array(0), 0), new Float32Array(0));
  });
});

Deno.test("loadModel reports a missing, truncated or malformed file as ModelError", async () => {
  await withModel(trainDirection(1, { ...HP, epochs: 1 }), async (m) => {
    const files = await saveModel(m);
    const without = (name: string) =>
      Object.fromEntries(Object.entries(files).filter(([k]) => k !== name));
    await assertRejects(loadModel(without("weights.bin")), ModelError, "weights.bin: missing");
    await assertRejects(loadModel(without("model.json")), ModelError, "model.json: missing");
    await assertRejects(loadModel(without("norm.json")), ModelError, "norm.json: missing");
    const truncated = { ...files, "weights.bin": files["weights.bin"].subarray(8) };
    await assertRejects(loadModel(truncated), ModelError, "weights.bin: expected");
    const garbled = { ...files, "model.json": new TextEncoder().encode("{ nope") };
    await assertRejects(loadModel(garbled), ModelError, "model.json: not JSON");
    const norm = JSON.parse(new TextDecoder().decode(files["norm.json"]));
    const withNorm = (patch: object) => ({
      ...files,
      "norm.json": new TextEncoder().encode(JSON.stringify({ ...norm, ...patch })),
    });
    await assertRejects(loadModel(withNorm({ std: [1] })), ModelError, "norm.json: std");
    await assertRejects(
      loadModel(withNorm({ kind: "volatility" })),
      ModelError,
      "a volatility model ends in softplus, got sigmoid",
    );
  });
});

Deno.test("trainModel rejects hyperparameters and targets out of range, naming the field", async () => {
  const d = dataset(10, 1, separable);
  await assertRejects(
    trainModel("direction", d, d, { ...HP, dropout: 1 }, 1),
    ModelError,
    "hp.dropout",
  );
  await assertRejects(
    trainModel("direction", d, d, { ...HP, hidden: [0] }, 1),
    ModelError,
    "hp.hidden",
  );
  const neg = { ...d, y: d.y.map(() => -1) };
  await assertRejects(trainModel("volatility", neg, d, HP, 1), ModelError, "train.y[0]");
  const short = { ...d, rows: 9 };
  await assertRejects(trainModel("direction", short, d, HP, 1), ModelError, "train");
});

Deno.test("fitStandardiser gives per-column mean and population std, and std 1 for a constant column", () => {
  const { mean, std } = fitStandardiser(Float32Array.of(1, 7, 2, 7, 3, 7), 3, 2);
  assertEquals(Array.from(mean), [2, 7]);
  assertAlmostEquals(std[0], Math.sqrt(2 / 3), 1e-15);
  assertEquals(std[1], 1);
});

Deno.test("training, predicting, saving and loading leave no tensors behind once models are disposed", async () => {
  await selectBackend();
  const before = tf.memory().numTensors;
  const test = dataset(50, 12, separable);
  await withModel(trainDirection(1, { ...HP, epochs: 2 }), async (m) => {
    predictBatch(m, test.x, test.rows);
    predictorFor(m).predict(rowOf(test, 0));
    await withModel(loadModel(await saveModel(m)), (l) => predictBatch(l, test.x, test.rows));
  });
  assertEquals(tf.memory().numTensors, before);
});
