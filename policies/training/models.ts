/**
 * Learned policies' models: small MLPs over a feature matrix (rows = samples, cols = features,
 * row-major Float32), trained with TensorFlow.js and served either through tfjs in batches
 * ({@linkcode predictBatch}) or, one row at a time, by a tensor-free forward pass
 * ({@linkcode predictorFor}, predictor.ts) that agrees with tfjs to ~1e-7.
 *
 * | kind | target | output | loss |
 * |---|---|---|---|
 * | `direction` | 1 when the forward return is > 0, else 0 | sigmoid: P(return > 0) | binary cross-entropy |
 * | `volatility` | forward realised volatility (≥ 0) | softplus: the volatility itself | MSE / Var(y) |
 *
 * The volatility model is fitted by MSE on the volatility itself (not on its log), so it estimates
 * the conditional mean of volatility — what an RMSE judges and what position sizing uses — and
 * softplus keeps it positive. The MSE is divided by the variance of the training targets (a
 * fraction of variance unexplained: 1 is the predict-the-mean baseline): raw volatilities are
 * ~0.01, so an undivided MSE (~1e-4) would be swamped by any L2 penalty and the same
 * hyperparameters would mean different things for different units. Both kinds start their output
 * bias at the training targets' mean (its logit, or its softplus inverse), so training starts from
 * the constant baseline instead of spending epochs walking the bias there.
 *
 * Features are standardised with a {@linkcode Standardiser} fitted on the training rows only and
 * saved with the model. Training is deterministic given the seed and the data: initialisers and
 * dropout masks are seeded from `seed`, and the per-epoch shuffle uses its own PRNG.
 *
 * @example
 * ```ts
 * import { predictBatch, predictorFor, trainModel } from "./mod.ts";
 * const rows = 64;
 * const x = new Float32Array(rows * 2).map((_, i) => ((i * 7919) % 17) / 17 - 0.5);
 * const y = new Float32Array(rows).map((_, r) => (x[2 * r] > 0 ? 1 : 0));
 * const hp = { hidden: [8], learningRate: 0.01, l2: 0, dropout: 0, epochs: 3, batchSize: 16, patience: 3 };
 * const m = await trainModel("direction", { x, y, rows }, { x, y, rows }, hp, 42);
 * const p = predictorFor(m).predict([0.3, -0.1]);
 * if (Math.abs(p - predictBatch(m, Float32Array.of(0.3, -0.1), 1)[0]) > 1e-5) throw new Error();
 * m.model.dispose();
 * ```
 * Over 400 lines: the model builder, its training loop with early stopping and the standardiser it saves share the hyperparameter checks.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../env/kernel/mod.ts";
import { selectBackend } from "./tf_backend.ts";
import { ModelError } from "../models/mod.ts";

export { ModelError, Predictor } from "../models/mod.ts";

/** What a model predicts: the sign of the forward return, or the forward realised volatility. */
export type ModelKind = "direction" | "volatility";

/** Shape and training settings of an MLP. */
export interface ModelHyperparameters {
  /** Units of each hidden (relu) layer, input side first; empty for a linear model. */
  readonly hidden: readonly number[];
  /** Adam's step size. */
  readonly learningRate: number;
  /** L2 penalty on every kernel (not the biases); 0 for none. */
  readonly l2: number;
  /** Dropout rate after each hidden layer, in [0, 1); 0 for none. Identity at inference. */
  readonly dropout: number;
  /** Most passes over the training rows. */
  readonly epochs: number;
  /** Rows per Adam step. */
  readonly batchSize: number;
  /** Epochs without a new best validation loss before training stops. */
  readonly patience: number;
}

/** A 64-32 MLP with light L2 and dropout; Adam at 1e-3 for up to 100 epochs, patience 10. */
export const DEFAULT_HYPERPARAMETERS: ModelHyperparameters = Object.freeze({
  hidden: Object.freeze([64, 32]),
  learningRate: 0.001,
  l2: 1e-4,
  dropout: 0.1,
  epochs: 100,
  batchSize: 64,
  patience: 10,
});

/** Per-feature mean and standard deviation, fitted on training rows only. */
export interface Standardiser {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** A model with everything needed to serve it. */
export interface TrainedModel {
  readonly kind: ModelKind;
  readonly model: tf.LayersModel;
  readonly norm: Standardiser;
  /** Features per row. */
  readonly inputs: number;
  /** Epochs actually run (fewer than `epochs` when early stopping fired). */
  readonly epochsRun: number;
  /**
   * Validation loss of the weights kept, without the L2 penalty: binary cross-entropy, or MSE
   * divided by the training targets' variance.
   */
  readonly bestValidLoss: number;
}

/** Rows of a feature matrix (row-major, `rows × cols`) and their targets. */
export interface Samples {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly rows: number;
}

/**
 * Fits per-column mean and (population) standard deviation; a constant column gets std 1 so that
 * it standardises to 0 instead of dividing by zero.
 *
 * @example
 * ```ts
 * import { fitStandardiser } from "./models.ts";
 * const { mean, std } = fitStandardiser(Float32Array.of(1, 5, 3, 5), 2, 2);
 * if (mean[0] !== 2 || std[0] !== 1 || std[1] !== 1) throw new Error("unreachable");
 * ```
 */
export function fitStandardiser(x: Float32Array, rows: number, cols: number): Standardiser {
  checkMatrix("x", x, rows, cols);
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) mean[c] += x[r * cols + c];
  }
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) std[c] += (x[r * cols + c] - mean[c]) ** 2;
  }
  for (let c = 0; c < cols; c++) {
    const s = Math.sqrt(std[c] / rows);
    std[c] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

/**
 * Builds an MLP (relu hidden layers, optional dropout, L2 on kernels, seeded glorot-uniform
 * initialisers) and trains it with Adam on `train`, scoring `valid` after each epoch. Stops after
 * `patience` epochs without a new best validation loss and keeps the best epoch's weights. Rows are
 * reshuffled each epoch by a PRNG seeded from `seed`, so two runs with the same seed and data give
 * bit-identical models. `onEpoch` receives the mean training loss (with the L2 penalty) and the
 * validation loss (without it).
 */
export async function trainModel(
  kind: ModelKind,
  train: Samples,
  valid: Samples,
  hp: ModelHyperparameters,
  seed: number,
  onEpoch?: (epoch: number, trainLoss: number, validLoss: number) => void,
): Promise<TrainedModel> {
  checkKind(kind);
  checkHyperparameters(hp);
  const cols = columns("train", train);
  if (columns("valid", valid) !== cols) {
    throw new ModelError(`valid: expected ${cols} features per row like train`);
  }
  checkTargets(kind, "train", train);
  checkTargets(kind, "valid", valid);
  await selectBackend();

  // The project's seeded generator (env/kernel/rng.ts), so one algorithm serves every seeded path.
  const gen = new Rng(seed).split("model");
  const rng = () => gen.float();
  const norm = fitStandardiser(train.x, train.rows, cols);
  const trainZ = standardise(norm, train.x, train.rows);
  const validZ = standardise(norm, valid.x, valid.rows);
  const { mean, variance } = moments(train.y);
  const scale = kind === "volatility" && variance > 0 ? 1 / variance : 1;
  const model = buildModel(kind, cols, hp, rng, mean);
  const dropouts = model.layers.filter((l) => l.getClassName() === "Dropout") as unknown as {
    seed: number;
  }[];
  const dropoutSeeds = dropouts.map((d) => d.seed);
  const optimizer = tf.train.adam(hp.learningRate);
  model.compile({
    optimizer,
    loss: kind === "direction"
      ? "binaryCrossentropy"
      : (yTrue: tf.Tensor, yPred: tf.Tensor) =>
        tf.mul(tf.losses.meanSquaredError(yTrue, yPred), scale),
  });

  const order = Int32Array.from({ length: train.rows }, (_, i) => i);
  const bx = new Float32Array(hp.batchSize * cols);
  const by = new Float32Array(hp.batchSize);
  let best: tf.Tensor[] = [];
  let bestValidLoss = Infinity;
  let bestEpoch = -1;
  let epochsRun = 0;
  try {
    for (let epoch = 0; epoch < hp.epochs && epoch - bestEpoch <= hp.patience; epoch++) {
      shuffle(order, rng);
      let lossSum = 0;
      for (let start = 0; start < train.rows; start += hp.batchSize) {
        const n = Math.min(hp.batchSize, train.rows - start);
        for (let i = 0; i < n; i++) {
          const r = order[start + i];
          bx.set(trainZ.subarray(r * cols, (r + 1) * cols), i * cols);
          by[i] = train.y[r];
        }
        // tfjs's dropout reuses a seeded layer's seed on every call (the same mask every batch).
        for (const d of dropouts) d.seed = nextSeed(rng);
        const xs = tf.tensor2d(bx.subarray(0, n * cols), [n, cols]);
        const ys = tf.tensor2d(by.subarray(0, n), [n, 1]);
        try {
          lossSum += (await model.trainOnBatch(xs, ys) as number) * n;
        } finally {
          tf.dispose([xs, ys]);
        }
      }
      epochsRun = epoch + 1;
      const validLoss = dataLoss(kind, forward(model, validZ, valid.rows, cols), valid.y) * scale;
      onEpoch?.(epoch, lossSum / train.rows, validLoss);
      if (validLoss < bestValidLoss) {
        tf.dispose(best);
        best = model.getWeights().map((w) => w.clone());
        bestValidLoss = validLoss;
        bestEpoch = epoch;
      }
    }
    if (best.length === 0) {
      throw new ModelError("training diverged: no epoch had a finite validation loss");
    }
    model.setWeights(best);
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    dropouts.forEach((d, i) => d.seed = dropoutSeeds[i]);
    tf.dispose(best);
    optimizer.dispose();
  }
  return { kind, model, norm, inputs: cols, epochsRun, bestValidLoss };
}

/**
 * Predicts `rows` rows of raw (unstandardised) features through tfjs: P(return > 0) for a
 * direction model, volatility for a volatility model. A row's prediction does not depend on the
 * other rows in the batch.
 */
export function predictBatch(m: TrainedModel, x: Float32Array, rows: number): Float32Array {
  if (rows === 0 && x.length === 0) return new Float32Array(0);
  checkMatrix("x", x, rows, m.inputs);
  return forward(m.model, standardise(m.norm, x, rows), rows, m.inputs);
}

// ---------------------------------------------------------------------------------------------

/** Rows per tfjs call in predictBatch, bounding the activations' memory. */
const PREDICT_BATCH = 4096;

function buildModel(
  kind: ModelKind,
  inputs: number,
  hp: ModelHyperparameters,
  rng: () => number,
  targetMean: number,
): tf.Sequential {
  const regulariser = hp.l2 > 0 ? () => tf.regularizers.l2({ l2: hp.l2 }) : () => undefined;
  const model = tf.sequential({ name: kind });
  hp.hidden.forEach((units, i) => {
    // Fixed names (not tfjs's global counters) keep model.json the same for the same seed.
    model.add(tf.layers.dense({
      name: `hidden_${i + 1}`,
      units,
      activation: "relu",
      inputShape: i === 0 ? [inputs] : undefined,
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed(rng) }),
      biasInitializer: "zeros",
      kernelRegularizer: regulariser(),
    }));
    if (hp.dropout > 0) {
      model.add(
        tf.layers.dropout({ name: `dropout_${i + 1}`, rate: hp.dropout, seed: nextSeed(rng) }),
      );
    }
  });
  const m = Math.min(Math.max(targetMean, 1e-6), kind === "direction" ? 1 - 1e-6 : Infinity);
  const bias = kind === "direction" ? Math.log(m / (1 - m)) : m + Math.log(-Math.expm1(-m));
  model.add(tf.layers.dense({
    name: "output",
    units: 1,
    activation: kind === "direction" ? "sigmoid" : "softplus",
    inputShape: hp.hidden.length === 0 ? [inputs] : undefined,
    kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed(rng) }),
    biasInitializer: tf.initializers.constant({ value: bias }),
    kernelRegularizer: regulariser(),
  }));
  return model;
}

/** Runs standardised rows through the model in one call. */
function forward(model: tf.LayersModel, z: Float32Array, rows: number, cols: number): Float32Array {
  return tf.tidy(() => {
    const batchSize = Math.min(rows, PREDICT_BATCH);
    const out = model.predict(tf.tensor2d(z, [rows, cols]), { batchSize });
    return (out as tf.Tensor).dataSync().slice() as Float32Array;
  });
}

function standardise(norm: Standardiser, x: Float32Array, rows: number): Float32Array {
  const cols = norm.mean.length;
  const z = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = x[r * cols + c];
      if (!Number.isFinite(v)) {
        throw new ModelError(`x[${r}][${c}]: expected a finite number, got ${v}`);
      }
      z[r * cols + c] = (v - norm.mean[c]) / norm.std[c];
    }
  }
  return z;
}

/** Binary cross-entropy (clipped at 1e-7 as tfjs does) or MSE, in float64. */
function dataLoss(kind: ModelKind, p: Float32Array, y: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    if (kind === "direction") {
      const q = Math.min(Math.max(p[i], 1e-7), 1 - 1e-7);
      sum -= y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q);
    } else {
      sum += (p[i] - y[i]) ** 2;
    }
  }
  return sum / p.length;
}

function moments(y: Float32Array): { mean: number; variance: number } {
  let mean = 0;
  for (const v of y) mean += v;
  mean /= y.length;
  let variance = 0;
  for (const v of y) variance += (v - mean) ** 2;
  return { mean, variance: variance / y.length };
}

/** Fisher–Yates with the caller's PRNG. */
function shuffle(order: Int32Array, rng: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

function nextSeed(rng: () => number): number {
  return Math.floor(rng() * 2 ** 31);
}

function checkKind(kind: string): asserts kind is ModelKind {
  if (kind !== "direction" && kind !== "volatility") {
    throw new ModelError(`kind: expected "direction" or "volatility", got ${JSON.stringify(kind)}`);
  }
}

function checkHyperparameters(hp: ModelHyperparameters): void {
  const int = (v: number, min: number) => Number.isInteger(v) && v >= min;
  const bad = (field: string, want: string, got: unknown) =>
    new ModelError(`hp.${field}: expected ${want}, got ${JSON.stringify(got)}`);
  if (!Array.isArray(hp.hidden) || !hp.hidden.every((u) => int(u, 1))) {
    throw bad("hidden", "integers ≥ 1", hp.hidden);
  }
  if (!(hp.learningRate > 0 && Number.isFinite(hp.learningRate))) {
    throw bad("learningRate", "a finite number > 0", hp.learningRate);
  }
  if (!(hp.l2 >= 0 && Number.isFinite(hp.l2))) throw bad("l2", "a finite number ≥ 0", hp.l2);
  if (!(hp.dropout >= 0 && hp.dropout < 1)) throw bad("dropout", "a number in [0, 1)", hp.dropout);
  if (!int(hp.epochs, 1)) throw bad("epochs", "an integer ≥ 1", hp.epochs);
  if (!int(hp.batchSize, 1)) throw bad("batchSize", "an integer ≥ 1", hp.batchSize);
  if (!int(hp.patience, 1)) throw bad("patience", "an integer ≥ 1", hp.patience);
}

function checkMatrix(name: string, x: Float32Array, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows < 1 || x.length !== rows * cols) {
    throw new ModelError(
      `${name}: expected ${rows} rows × ${cols} features, got ${x.length} values`,
    );
  }
}

/** Features per row of a dataset, checked against its targets. */
function columns(name: string, d: Samples): number {
  const cols = d.x.length / d.rows;
  if (!Number.isInteger(d.rows) || d.rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new ModelError(
      `${name}: expected rows ≥ 1 and x.length a multiple of rows, got ${d.x.length} values for ${d.rows} rows`,
    );
  }
  if (d.y.length !== d.rows) {
    throw new ModelError(`${name}.y: expected ${d.rows} targets, got ${d.y.length}`);
  }
  return cols;
}

function checkTargets(kind: ModelKind, name: string, d: Samples): void {
  const ok = kind === "direction"
    ? (v: number) => v >= 0 && v <= 1
    : (v: number) => v >= 0 && v < Infinity;
  const i = d.y.findIndex((v) => !ok(v));
  if (i >= 0) {
    const want = kind === "direction" ? "a label in [0, 1]" : "a finite volatility ≥ 0";
    throw new ModelError(`${name}.y[${i}]: expected ${want}, got ${d.y[i]}`);
  }
}
