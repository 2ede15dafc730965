/**
 * A seeded synthetic price series for tests and benchmarks that train a model: a random walk with
 * a little momentum (each return 0.3 × the last plus noise), something a model can half-learn;
 * and a small model trained on it and registered (tfjs loaded only then).
 * @module
 */
import type { BarInput } from "../policies/features/mod.ts";
import type { ModelRegistry } from "../policies/registry/mod.ts";

/** `n` one-minute bars of a momentum walk from 100, seeded by `seed`. */
export function momentumWalk(n: number, seed: number): BarInput[] {
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

/** A model {@linkcode registerWalkModel} trained and registered. */
export interface WalkModel {
  /** Its inputs (feature set `alpha_v1`), one row per bar with known features. */
  readonly rows: number[][];
  /** What the trained model predicts for each row. */
  readonly predictions: Float32Array;
}

/**
 * Trains a small direction model (one trial, one fold, three epochs) on 300 bars of a momentum
 * walk over feature set `alpha_v1`, and registers it in `registry` as `name`, `versions` times
 * (the same model each time), version 1 promoted to production. Loads tfjs (on the first call).
 */
export async function registerWalkModel(
  registry: ModelRegistry,
  name: string,
  versions = 1,
): Promise<WalkModel> {
  const { ALPHA_V1 } = await import("../policies/features/mod.ts");
  const { materialise } = await import("../policies/feature_store/mod.ts");
  const training = await import("../policies/training/mod.ts");
  await training.selectBackend();
  const frame = materialise(ALPHA_V1, { bars: momentumWalk(300, 5), barMs: 60_000 }, {
    horizons: [1],
    source: "walk",
  });
  const ds = training.datasetFrom(frame, "direction", 1);
  const r = await training.trainWithSearch(ds, {
    kind: "direction",
    horizon: 1,
    folds: 1,
    embargo: 2,
    trials: 1,
    epochs: 3,
    patience: 2,
    validFraction: 0.2,
    seed: 3,
  });
  try {
    const files = await training.saveModel(r.model);
    for (let v = 0; v < versions; v++) {
      await registry.register({
        name,
        kind: "direction",
        featureSet: { id: ALPHA_V1.id, hash: ALPHA_V1.hash, names: [...ALPHA_V1.names] },
        dataRange: { source: "walk", start: ds.ts[0], end: ds.ts[ds.rows - 1], rows: ds.rows },
        hyperparameters: {},
        metrics: {},
        seed: 3,
        codeRevision: "test",
      }, files);
    }
    await registry.promote(name, 1);
    const rows = Array.from(
      { length: ds.rows },
      (_, i) => [...ds.x.subarray(i * ds.cols, (i + 1) * ds.cols)],
    );
    return { rows, predictions: training.predictBatch(r.model, ds.x, ds.rows) };
  } finally {
    r.model.model.dispose();
  }
}
