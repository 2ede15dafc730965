/**
 * The serving half of a model: a tensor-free forward pass over Dense layers, one row at a time,
 * with no allocation per call and no tfjs in the import graph (a process that only serves never
 * loads TensorFlow.js). `predictorFor` in models.ts builds one from a trained model; it agrees
 * with tfjs-cpu exactly and with the wasm backend to ~1e-7.
 *
 * @module
 */

/** A model, a dataset, a saved file or an input that cannot be used; the message says why. */
export class ModelError extends Error {
  /** Creates the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "ModelError";
  }
}

/** tfjs-cpu's matmul block size: partial sums over this many inputs are float64. */
const BLOCK = 48;
/** The activations a Dense layer may use here. */
export const ACTIVATIONS = ["linear", "relu", "sigmoid", "softplus"] as const;
/** One of {@linkcode ACTIVATIONS}. */
export type Activation = typeof ACTIVATIONS[number];
const SOFTPLUS_THRESHOLD = Math.log(1.1920928955078125e-7) + 2;

/** One Dense layer, ready to run. */
export interface DenseLayer {
  /** Kernel transposed to [units][fanIn], so each unit reads a contiguous row. */
  readonly w: Float32Array;
  readonly b: Float32Array;
  readonly out: Float32Array;
  readonly units: number;
  readonly activation: Activation;
}

/** What a {@linkcode Predictor} runs: the standardiser and the layers, input to output. */
export interface PredictorSpec {
  readonly inputs: number;
  readonly norm: { readonly mean: Float64Array; readonly std: Float64Array };
  readonly layers: readonly DenseLayer[];
}

/** The activations as tfjs-cpu computes them (in float64, then stored as float32). */
function activate(activation: Activation, z: number): number {
  switch (activation) {
    case "relu":
      return Math.max(0, z);
    case "sigmoid":
      return 1 / (1 + Math.exp(-z));
    case "softplus":
      return z < SOFTPLUS_THRESHOLD
        ? Math.exp(z)
        : z > -SOFTPLUS_THRESHOLD
        ? z
        : Math.log(1 + Math.exp(z));
    default:
      return z;
  }
}

/**
 * Serves one row at a time without tfjs: given the Dense layers' kernels and biases, {@linkcode Predictor.predict} standardises the row and runs the layers in
 * float32 with tfjs-cpu's summation order (float64 partial sums over blocks of 48 inputs, added
 * into a float32 accumulator), allocating nothing. Dropout is the identity at inference.
 */
export class Predictor {
  /** Features per row. */
  readonly inputs: number;
  readonly #mean: Float64Array;
  readonly #std: Float64Array;
  readonly #input: Float32Array;
  readonly #layers: readonly DenseLayer[];

  /** A predictor over these weights (models.ts's `predictorFor` builds them from a model). */
  constructor(spec: PredictorSpec) {
    this.inputs = spec.inputs;
    this.#mean = spec.norm.mean;
    this.#std = spec.norm.std;
    this.#input = new Float32Array(spec.inputs);
    this.#layers = spec.layers;
  }

  /** The model's output for one row of raw features; a ModelError for a wrong or non-finite row. */
  predict(features: ArrayLike<number>): number {
    const n = this.inputs;
    if (features.length !== n) {
      throw new ModelError(`features: expected ${n} values, got ${features.length}`);
    }
    const input = this.#input;
    for (let i = 0; i < n; i++) {
      const v = features[i];
      if (!Number.isFinite(v)) {
        throw new ModelError(`features[${i}]: expected a finite number, got ${v}`);
      }
      input[i] = (v - this.#mean[i]) / this.#std[i];
    }
    let a = input;
    for (const layer of this.#layers) {
      const { w, b, out, units, activation } = layer;
      const fanIn = a.length;
      for (let o = 0; o < units; o++) {
        const row = o * fanIn;
        let acc = 0;
        for (let k0 = 0; k0 < fanIn; k0 += BLOCK) {
          const k1 = Math.min(k0 + BLOCK, fanIn);
          let sum = 0;
          for (let k = k0; k < k1; k++) sum += a[k] * w[row + k];
          acc = Math.fround(acc + sum);
        }
        out[o] = activate(activation, Math.fround(acc + b[o]));
      }
      a = out;
    }
    return a[0];
  }
}
