/**
 * Multilayer perceptrons for the RL agents, in two halves that share one weight layout:
 *
 * - {@linkcode MlpWeights}: plain float32 kernels and biases (kernel row-major
 *   `[fanIn][units]`, as tfjs stores it), seeded initialisation ({@linkcode initMlp}) and a
 *   byte format ({@linkcode mlpToBytes} / {@linkcode mlpFromBytes}) for checkpoints.
 * - {@linkcode MlpForward}: a tensor-free batched forward pass, used to act in the rollout loop
 *   and when serving (no tfjs per step, no allocation per call).
 *
 * The trainers keep tfjs variables of the same shapes (tf_mlp.ts) and copy them back here
 * after every update.
 *
 * @example
 * ```ts
 * import { initMlp, MlpForward, mlpFromBytes, mlpToBytes } from "./mlp.ts";
 * import { Rng } from "../../env/kernel/mod.ts";
 * const net = initMlp({ inputs: 3, hidden: [8], outputs: 2, activation: "tanh" }, new Rng(1));
 * const copy = mlpFromBytes(mlpToBytes(net), net.spec);
 * const a = new MlpForward(net).forward(new Float32Array([1, 2, 3]), 1);
 * const b = new MlpForward(copy).forward(new Float32Array([1, 2, 3]), 1);
 * if (a[0] !== b[0] || a[1] !== b[1]) throw new Error("unreachable");
 * ```
 * @module
 */
import type { Rng } from "../../env/kernel/mod.ts";

/** Hidden-layer activations. */
export type HiddenActivation = "tanh" | "relu";

/** The shape of a network: inputs, hidden widths, outputs (the output layer is linear). */
export interface MlpSpec {
  readonly inputs: number;
  readonly hidden: readonly number[];
  readonly outputs: number;
  readonly activation: HiddenActivation;
}

/** One layer's parameters. */
export interface MlpLayer {
  /** Kernel, row-major `[fanIn][units]`. */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  readonly fanIn: number;
  readonly units: number;
}

/** A network's parameters. */
export interface MlpWeights {
  readonly spec: MlpSpec;
  readonly layers: readonly MlpLayer[];
}

/** Thrown for a bad network spec, weight file or input. */
export class MlpError extends Error {
  override name = "MlpError";
}

/** Validates a spec; the message names the bad field. */
export function checkMlpSpec(spec: MlpSpec): void {
  const pos = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 1 || v > 4096) {
      throw new MlpError(`${name}: expected an integer in [1, 4096], got ${v}`);
    }
  };
  pos(spec.inputs, "inputs");
  pos(spec.outputs, "outputs");
  spec.hidden.forEach((h, i) => pos(h, `hidden[${i}]`));
  if (spec.activation !== "tanh" && spec.activation !== "relu") {
    throw new MlpError(`activation: expected "tanh" or "relu", got ${spec.activation}`);
  }
}

/** Layer widths, input first. */
export function widths(spec: MlpSpec): number[] {
  return [spec.inputs, ...spec.hidden, spec.outputs];
}

/**
 * Seeded initialisation: Glorot-uniform kernels scaled by `gain` (√2 for relu, 5/3 for tanh
 * on hidden layers; `outputGain` on the last layer, small for a policy head) and zero biases.
 */
export function initMlp(spec: MlpSpec, rng: Rng, outputGain = 1): MlpWeights {
  checkMlpSpec(spec);
  const w = widths(spec);
  const hiddenGain = spec.activation === "relu" ? Math.SQRT2 : 5 / 3;
  const layers: MlpLayer[] = [];
  for (let l = 0; l + 1 < w.length; l++) {
    const fanIn = w[l], units = w[l + 1];
    const gain = l + 2 === w.length ? outputGain : hiddenGain;
    const limit = gain * Math.sqrt(6 / (fanIn + units));
    const kernel = new Float32Array(fanIn * units);
    for (let i = 0; i < kernel.length; i++) kernel[i] = (2 * rng.float() - 1) * limit;
    layers.push({ kernel, bias: new Float32Array(units), fanIn, units });
  }
  return { spec, layers };
}

/** A deep copy. */
export function cloneMlp(net: MlpWeights): MlpWeights {
  return {
    spec: net.spec,
    layers: net.layers.map((l) => ({ ...l, kernel: l.kernel.slice(), bias: l.bias.slice() })),
  };
}

/** Parameters per network. */
export function parameterCount(spec: MlpSpec): number {
  const w = widths(spec);
  let n = 0;
  for (let l = 0; l + 1 < w.length; l++) n += w[l] * w[l + 1] + w[l + 1];
  return n;
}

/** Every kernel then bias, layer by layer, as little-endian float32 bytes. */
export function mlpToBytes(net: MlpWeights): Uint8Array {
  const out = new Float32Array(parameterCount(net.spec));
  let at = 0;
  for (const l of net.layers) {
    out.set(l.kernel, at);
    at += l.kernel.length;
    out.set(l.bias, at);
    at += l.bias.length;
  }
  return new Uint8Array(out.buffer);
}

/** Reads {@linkcode mlpToBytes}'s format for `spec`; a wrong length is an MlpError. */
export function mlpFromBytes(bytes: Uint8Array, spec: MlpSpec): MlpWeights {
  checkMlpSpec(spec);
  const n = parameterCount(spec);
  if (bytes.byteLength !== 4 * n) {
    throw new MlpError(
      `weights: expected ${4 * n} bytes for this network, got ${bytes.byteLength}`,
    );
  }
  const all = new Float32Array(n);
  new Uint8Array(all.buffer).set(bytes);
  const w = widths(spec);
  const layers: MlpLayer[] = [];
  let at = 0;
  for (let l = 0; l + 1 < w.length; l++) {
    const fanIn = w[l], units = w[l + 1];
    const kernel = all.slice(at, at + fanIn * units);
    at += fanIn * units;
    const bias = all.slice(at, at + units);
    at += units;
    layers.push({ kernel, bias, fanIn, units });
  }
  return { spec, layers };
}

/**
 * The batched forward pass: rows of `inputs` values in, rows of `outputs` values out, in
 * float32 storage with float64 accumulation. The returned array is reused by the next call.
 */
export class MlpForward {
  readonly spec: MlpSpec;
  #layers: readonly MlpLayer[];
  #buffers: Float32Array[] = [];
  #rows = 0;
  #tanh: boolean;

  constructor(net: MlpWeights) {
    this.spec = net.spec;
    this.#layers = net.layers;
    this.#tanh = net.spec.activation === "tanh";
  }

  /** Replaces the weights (same spec), e.g. after a training update. */
  setWeights(net: MlpWeights): void {
    if (widths(net.spec).join() !== widths(this.spec).join()) {
      throw new MlpError("setWeights: the network's shape differs");
    }
    this.#layers = net.layers;
  }

  /** Runs `rows` rows of `x` (row-major); returns `rows × outputs` values (reused buffer). */
  forward(x: Float32Array, rows: number): Float32Array {
    const spec = this.spec;
    if (x.length < rows * spec.inputs) {
      throw new MlpError(`input: expected ${rows * spec.inputs} values, got ${x.length}`);
    }
    if (rows > this.#rows) {
      this.#buffers = this.#layers.map((l) => new Float32Array(rows * l.units));
      this.#rows = rows;
    }
    let a = x;
    const last = this.#layers.length - 1;
    for (let li = 0; li <= last; li++) {
      const { kernel, bias, fanIn, units } = this.#layers[li];
      const out = this.#buffers[li];
      const act = li < last;
      for (let r = 0; r < rows; r++) {
        const ai = r * fanIn, oi = r * units;
        for (let o = 0; o < units; o++) {
          let s = bias[o];
          for (let k = 0, kw = o; k < fanIn; k++, kw += units) s += a[ai + k] * kernel[kw];
          out[oi + o] = !act ? s : this.#tanh ? Math.tanh(s) : s > 0 ? s : 0;
        }
      }
      a = out;
    }
    return a;
  }
}
