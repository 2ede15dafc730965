/**
 * The training half of {@linkcode MlpWeights}: the same network as tfjs variables, so losses
 * can be differentiated, with the weights copied back to plain arrays after each update (the
 * rollout and serving paths never touch tensors).
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import type { MlpLayer, MlpSpec, MlpWeights } from "../mod.ts";

/** The tfjs namespace (imported by the caller, after `selectBackend`). */
export type Tf = typeof tfNs;

/** A network as tfjs variables; see the module documentation. */
export class TfMlp {
  readonly variables: tfNs.Variable[];
  #tf: Tf;
  #net: MlpWeights;

  constructor(tf: Tf, net: MlpWeights, name: string) {
    this.#tf = tf;
    this.#net = net;
    this.variables = [];
    net.layers.forEach((l, i) => {
      const k = tf.tensor2d(l.kernel, [l.fanIn, l.units]), b = tf.tensor1d(l.bias);
      this.variables.push(
        tf.variable(k, true, `${name}/k${i}`),
        tf.variable(b, true, `${name}/b${i}`),
      );
      k.dispose();
      b.dispose();
    });
  }

  /** The network's shape. */
  get spec(): MlpSpec {
    return this.#net.spec;
  }

  /** The network's output for a batch `[rows, inputs]` (inside a `tf.tidy`). */
  apply(x: tfNs.Tensor2D): tfNs.Tensor2D {
    const tf = this.#tf;
    const n = this.variables.length / 2;
    let a: tfNs.Tensor2D = x;
    for (let i = 0; i < n; i++) {
      const z = tf.add(
        tf.matMul(a, this.variables[2 * i] as tfNs.Tensor2D),
        this.variables[2 * i + 1],
      );
      a = (i + 1 < n
        ? this.#net.spec.activation === "tanh" ? tf.tanh(z) : tf.relu(z)
        : z) as tfNs.Tensor2D;
    }
    return a;
  }

  /** The current weights as plain arrays (a fresh copy). */
  read(): MlpWeights {
    const layers: MlpLayer[] = this.#net.layers.map((l, i) => ({
      fanIn: l.fanIn,
      units: l.units,
      kernel: this.variables[2 * i].dataSync() as Float32Array,
      bias: this.variables[2 * i + 1].dataSync() as Float32Array,
    }));
    return {
      spec: this.#net.spec,
      layers: layers.map((l) => ({ ...l, kernel: l.kernel.slice(), bias: l.bias.slice() })),
    };
  }

  /** Overwrites the variables with `net`'s weights (same shapes). */
  assign(net: MlpWeights): void {
    const tf = this.#tf;
    tf.tidy(() => {
      net.layers.forEach((l, i) => {
        this.variables[2 * i].assign(tf.tensor2d(l.kernel, [l.fanIn, l.units]));
        this.variables[2 * i + 1].assign(tf.tensor1d(l.bias));
      });
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/**
 * Clips gradients to a global L2 norm of at most `maxNorm` (as in PPO implementations);
 * returns the clipped gradients and the norm before clipping. Disposes nothing it was given.
 */
export function clipByGlobalNorm(
  tf: Tf,
  grads: Record<string, tfNs.Tensor>,
  maxNorm: number,
): { grads: Record<string, tfNs.Tensor>; norm: number } {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const sq = names.map((n) => tf.sum(tf.square(grads[n])));
    const norm = Math.sqrt((tf.addN(sq).dataSync() as Float32Array)[0]);
    const scale = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
    const out: Record<string, tfNs.Tensor> = {};
    for (const n of names) out[n] = scale === 1 ? grads[n].clone() : tf.mul(grads[n], scale);
    return { grads: out, norm };
  }) as { grads: Record<string, tfNs.Tensor>; norm: number };
}
