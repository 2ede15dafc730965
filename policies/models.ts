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
 * import { predictBatch, predictorFor, trainModel } from "./models.ts";
 * const rows = 64;
 * const x = new Float32Array(rows * 2).map((_, i) => ((i * 7919) % 17) / 17 - 0.5);
 * const y = new Float32Array(rows).map((_, r) => (x[2 * r] > 0 ? 1 : 0));
 * const hp = { hidden: [8], learningRate: 0.01, l2: 0, dropout: 0, epochs: 3, batchSize: 16, patience: 3 };
 * const m = await trainModel("direction", { x, y, rows }, { x, y, rows }, hp, 42);
 * const p = predictorFor(m).predict([0.3, -0.1]);
 * if (Math.abs(p - predictBatch(m, Float32Array.of(0.3, -0.1), 1)[0]) > 1e-5) throw new Error();
 * m.model.dispose();
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../env/rng.ts";
import { selectBackend } from "./tf_backend.ts";
import {
  type Activation,
  ACTIVATIONS,
  type DenseLayer,
  ModelError,
  Predictor,
} from "./predictor.ts";

export { ModelError, Predictor };

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
export interface Dataset {
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
  train: Dataset,
  valid: Dataset,
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

  // The project's seeded generator (env/rng.ts), so one algorithm serves every seeded path.
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

/**
 * Serialises a model as tfjs writes it to disk — `model.json` (topology and weights manifest) and
 * `weights.bin` — plus `norm.json` (kind, inputs, standardiser and training summary).
 */
export async function saveModel(m: TrainedModel): Promise<Record<string, Uint8Array>> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.model.save(tf.io.withSaveHandler((artifacts) => {
    saved = artifacts;
    return Promise.resolve({
      modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
    });
  }));
  if (saved?.weightData === undefined || saved.weightSpecs === undefined) {
    throw new ModelError("tfjs saved no weights");
  }
  const modelJson: tf.io.ModelJSON = {
    modelTopology: saved.modelTopology as tf.io.ModelJSON["modelTopology"],
    format: saved.format,
    generatedBy: saved.generatedBy,
    convertedBy: saved.convertedBy,
    weightsManifest: [{ paths: ["./weights.bin"], weights: saved.weightSpecs }],
  };
  const meta: NormJson = {
    kind: m.kind,
    inputs: m.inputs,
    mean: Array.from(m.norm.mean),
    std: Array.from(m.norm.std),
    epochsRun: m.epochsRun,
    bestValidLoss: m.bestValidLoss,
  };
  const text = new TextEncoder();
  return {
    "model.json": text.encode(JSON.stringify(modelJson)),
    "weights.bin": new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData)),
    "norm.json": text.encode(JSON.stringify(meta)),
  };
}

/** Restores a model written by {@linkcode saveModel}; a missing or malformed file is a ModelError. */
export async function loadModel(
  files: Readonly<Record<string, Uint8Array>>,
): Promise<TrainedModel> {
  const meta = parseNorm(readJson(files, "norm.json"));
  const modelJson = readJson(files, "model.json") as Partial<tf.io.ModelJSON>;
  const weights = files["weights.bin"];
  if (!(weights instanceof Uint8Array)) throw new ModelError("weights.bin: missing");
  if (typeof modelJson.modelTopology !== "object" || !Array.isArray(modelJson.weightsManifest)) {
    throw new ModelError("model.json: expected modelTopology and weightsManifest");
  }
  const specs = modelJson.weightsManifest.flatMap((g) => g?.weights ?? []);
  const plain = (s: tf.io.WeightsManifestEntry) =>
    typeof s?.name === "string" && Array.isArray(s.shape) && s.shape.every(Number.isInteger) &&
    s.dtype === "float32" && s.quantization === undefined;
  if (!specs.every(plain)) {
    throw new ModelError("model.json: weightsManifest: expected unquantised float32 weights");
  }
  const expected = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (expected !== weights.length) {
    throw new ModelError(`weights.bin: expected ${expected} bytes, got ${weights.length}`);
  }
  await selectBackend();
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      format: modelJson.format,
      generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy,
      weightSpecs: specs,
      weightData: weights.slice().buffer,
    }));
  } catch (error) {
    throw new ModelError(`model.json: ${error instanceof Error ? error.message : String(error)}`);
  }
  const shape = model.inputs[0]?.shape;
  const output = model.layers.at(-1)?.getConfig().activation;
  const want = meta.kind === "direction" ? "sigmoid" : "softplus";
  if (model.inputs.length !== 1 || shape?.length !== 2 || shape[1] !== meta.inputs) {
    model.dispose();
    throw new ModelError(
      `model.json: input shape ${JSON.stringify(shape)}, norm.json inputs ${meta.inputs}`,
    );
  }
  if (output !== want) {
    model.dispose();
    throw new ModelError(`model.json: a ${meta.kind} model ends in ${want}, got ${output}`);
  }
  const norm = { mean: Float64Array.from(meta.mean), std: Float64Array.from(meta.std) };
  return { ...meta, model, norm };
}

// ---------------------------------------------------------------------------------------------

/** Rows per tfjs call in predictBatch, bounding the activations' memory. */
const PREDICT_BATCH = 4096;

interface NormJson {
  readonly kind: ModelKind;
  readonly inputs: number;
  readonly mean: number[];
  readonly std: number[];
  readonly epochsRun: number;
  readonly bestValidLoss: number;
}

/**
 * The tensor-free {@linkcode Predictor} of `m`: its Dense layers' kernels and biases copied out
 * once (so `m` may be disposed afterwards). A ModelError if it has a layer other than Dense or
 * Dropout.
 */
export function predictorFor(m: TrainedModel): Predictor {
  return new Predictor({ inputs: m.inputs, norm: m.norm, layers: denseLayers(m) });
}

function denseLayers(m: TrainedModel): DenseLayer[] {
  const layers: DenseLayer[] = [];
  let fanIn = m.inputs;
  for (const layer of m.model.layers) {
    const cls = layer.getClassName();
    if (cls === "Dropout" || cls === "InputLayer") continue;
    const config = layer.getConfig();
    const activation = config.activation as Activation;
    if (cls !== "Dense" || !ACTIVATIONS.includes(activation)) {
      throw new ModelError(
        `layer ${layer.name}: Predictor supports Dense (${ACTIVATIONS}) and Dropout, got ${cls} ${
          activation ?? ""
        }`,
      );
    }
    const [kernel, bias] = layer.getWeights();
    const units = kernel.shape[1]!;
    const k = kernel.dataSync();
    const w = new Float32Array(units * fanIn);
    for (let i = 0; i < fanIn; i++) {
      for (let o = 0; o < units; o++) w[o * fanIn + i] = k[i * units + o];
    }
    const b = bias === undefined ? new Float32Array(units) : Float32Array.from(bias.dataSync());
    layers.push({ w, b, out: new Float32Array(units), units, activation });
    fanIn = units;
  }
  if (layers.length === 0 || fanIn !== 1) {
    throw new ModelError(`model: expected Dense layers ending in 1 unit, got ${fanIn} outputs`);
  }
  return layers;
}

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
function columns(name: string, d: Dataset): number {
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

function checkTargets(kind: ModelKind, name: string, d: Dataset): void {
  const ok = kind === "direction"
    ? (v: number) => v >= 0 && v <= 1
    : (v: number) => v >= 0 && v < Infinity;
  const i = d.y.findIndex((v) => !ok(v));
  if (i >= 0) {
    const want = kind === "direction" ? "a label in [0, 1]" : "a finite volatility ≥ 0";
    throw new ModelError(`${name}.y[${i}]: expected ${want}, got ${d.y[i]}`);
  }
}

function readJson(
  files: Readonly<Record<string, Uint8Array>>,
  name: string,
): Record<string, unknown> {
  const bytes = files[name];
  if (!(bytes instanceof Uint8Array)) throw new ModelError(`${name}: missing`);
  try {
    const value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch (error) {
    throw new ModelError(`${name}: not JSON (${error instanceof Error ? error.message : error})`);
  }
  throw new ModelError(`${name}: expected a JSON object`);
}

function parseNorm(v: Record<string, unknown>): NormJson {
  const { kind, inputs, mean, std, epochsRun, bestValidLoss } = v;
  const finite = (a: unknown): a is number[] =>
    Array.isArray(a) && a.length === inputs &&
    a.every((n) => typeof n === "number" && Number.isFinite(n));
  if (kind !== "direction" && kind !== "volatility") {
    throw new ModelError(`norm.json: kind: got ${JSON.stringify(kind)}`);
  }
  if (!Number.isInteger(inputs) || (inputs as number) < 1) {
    throw new ModelError(`norm.json: inputs: got ${JSON.stringify(inputs)}`);
  }
  if (!finite(mean)) throw new ModelError(`norm.json: mean: expected ${inputs} finite numbers`);
  if (!finite(std) || std.some((s) => s <= 0)) {
    throw new ModelError(`norm.json: std: expected ${inputs} numbers > 0`);
  }
  if (!Number.isInteger(epochsRun) || typeof bestValidLoss !== "number") {
    throw new ModelError("norm.json: expected epochsRun and bestValidLoss");
  }
  return {
    kind,
    inputs: inputs as number,
    mean,
    std,
    epochsRun: epochsRun as number,
    bestValidLoss,
  };
}
