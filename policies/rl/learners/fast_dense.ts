/**
 * {@linkcode TfMlp.apply}'s network with fused layers and hand-written gradients, a large
 * speedup on the wasm backend (about 3.5× for PPO's tanh networks):
 *
 * - each layer is one fused matMul with its bias and activation;
 * - tanh is computed as 2·sigmoid(2z) − 1 inside the fused matMul (wasm's tanh kernel is ~6×
 *   slower than its sigmoid);
 * - the gradients are written by hand: the weight gradient as transpose(x)·dz and the bias
 *   gradient as 1ᵀ·dz (wasm's transposed matMul and axis-0 sum are slow).
 *
 * The values equal {@linkcode TfMlp.apply}'s to float32 rounding, not bit for bit (the
 * tensor-free {@linkcode MlpForward} uses Math.tanh; the difference is ~1e-7), so switching a
 * trainer between the two changes its numbers. PPO trains with it; DQN still uses
 * {@linkcode TfMlp.apply}.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Rng } from "../../../env/kernel/mod.ts";
 * import { selectBackend } from "../../training/mod.ts";
 * import { FastDense } from "./fast_dense.ts";
 * import { initMlp } from "../mod.ts";
 * import { TfMlp } from "./tf_mlp.ts";
 * await selectBackend();
 * const spec = { inputs: 3, hidden: [8], outputs: 2, activation: "tanh" } as const;
 * const net = new TfMlp(tf, initMlp(spec, new Rng(1)), "fast-dense-doc");
 * const dense = new FastDense(tf);
 * const gap = tf.tidy(() => {
 *   const x = tf.tensor2d([[0.1, -0.2, 0.3], [1, 0, -1]]);
 *   return tf.max(tf.abs(tf.sub(dense.apply(net, x), net.apply(x)))).dataSync()[0];
 * });
 * if (!(gap < 1e-5)) throw new Error("unreachable");
 * net.dispose();
 * ```
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import type { HiddenActivation } from "../mod.ts";
import type { Tf, TfMlp } from "./tf_mlp.ts";

type Layer = (x: tfNs.Tensor, w: tfNs.Tensor, b: tfNs.Tensor) => tfNs.Tensor2D;

/** Applies {@linkcode TfMlp} networks with fused layers; see the module documentation. */
export class FastDense {
  #tf: Tf;
  #hidden: Record<HiddenActivation, Layer>;
  #output: Layer;

  /** `tf` is the tfjs namespace, after `selectBackend`. */
  constructor(tf: Tf) {
    this.#tf = tf;
    this.#hidden = { tanh: this.#layer("tanh"), relu: this.#layer("relu") };
    this.#output = this.#layer(null);
  }

  /** One dense layer `activation(x·w + b)` (linear for null) with its gradient. */
  #layer(activation: HiddenActivation | null): Layer {
    const tf = this.#tf;
    return tf.customGrad((...args: (tfNs.Tensor | ((save: tfNs.Tensor[]) => void))[]) => {
      const [x, w, b] = args as tfNs.Tensor2D[];
      const save = args[3] as (save: tfNs.Tensor[]) => void;
      const y = (activation === "tanh"
        ? tf.sub(
          tf.mul(
            tf.fused.matMul({ a: x, b: tf.mul(w, 2), bias: tf.mul(b, 2), activation: "sigmoid" }),
            2,
          ),
          1,
        )
        : activation === "relu"
        ? tf.fused.matMul({ a: x, b: w, bias: b, activation: "relu" })
        : tf.fused.matMul({ a: x, b: w, bias: b })) as tfNs.Tensor2D;
      save([x, w, y]);
      return {
        value: y,
        gradFunc: (dy: tfNs.Tensor2D, saved: tfNs.Tensor[]) => {
          const [x, w, y] = saved as tfNs.Tensor2D[];
          const dz = activation === "tanh"
            ? tf.mul(dy, tf.sub(1, tf.square(y)))
            : activation === "relu"
            ? tf.mul(dy, tf.step(y))
            : dy;
          const [rows, units] = dz.shape;
          return [
            tf.matMul(dz, tf.transpose(w)),
            tf.matMul(tf.transpose(x), dz),
            tf.reshape(tf.matMul(tf.ones([1, rows]), dz), [units]),
          ];
        },
      };
    });
  }

  /**
   * The network's output for a batch `[rows, inputs]` (inside a `tf.tidy` or a gradient
   * function), differentiable with respect to `net.variables`.
   */
  apply(net: TfMlp, x: tfNs.Tensor2D): tfNs.Tensor2D {
    const v = net.variables, n = v.length / 2;
    const hidden = this.#hidden[net.spec.activation];
    let a = x;
    for (let i = 0; i < n; i++) {
      a = (i + 1 < n ? hidden : this.#output)(a, v[2 * i], v[2 * i + 1]);
    }
    return a;
  }
}
