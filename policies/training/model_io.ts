/**
 * A trained model's files and its serving form: {@linkcode saveModel} writes the tfjs format
 * (`model.json` with the topology and weights manifest, `weights.bin`) plus `norm.json` (kind,
 * inputs, standardiser, training summary); {@linkcode loadModel} reads them back, predicting
 * exactly as before; {@linkcode predictorFor} copies the Dense layers out for the tensor-free
 * {@linkcode Predictor}.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelKind, TrainedModel } from "./models.ts";
import {
  type Activation,
  ACTIVATIONS,
  type DenseLayer,
  ModelError,
  Predictor,
  type PredictorSpec,
} from "../models/mod.ts";
import { selectBackend } from "./tf_backend.ts";

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
  return new Predictor(predictorSpecFor(m));
}

/** What {@linkcode predictorFor} builds on, as plain typed arrays (it crosses to a worker). */
export function predictorSpecFor(m: TrainedModel): PredictorSpec {
  return { inputs: m.inputs, norm: m.norm, layers: denseLayers(m) };
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
