import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../../testing/mod.ts";
import { Rng } from "../../../env/kernel/mod.ts";
import { selectBackend } from "../../training/mod.ts";
import { FastDense } from "./fast_dense.ts";
import { type HiddenActivation, initMlp } from "../mod.ts";
import { TfMlp } from "./tf_mlp.ts";

await selectBackend();

/** The largest absolute difference between two tensors of one shape. */
function gap(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

for (const activation of ["tanh", "relu"] as HiddenActivation[]) {
  Deno.test(`FastDense matches TfMlp.apply's values and gradients (${activation})`, () => {
    const before = tf.memory().numTensors;
    const spec = { inputs: 5, hidden: [16, 8], outputs: 3, activation };
    const net = new TfMlp(tf, initMlp(spec, new Rng(7)), `fast-${activation}`);
    const dense = new FastDense(tf);
    const rng = new Rng(8);
    const x = tf.tensor2d(Array.from({ length: 6 * 5 }, () => rng.normal()), [6, 5]);
    // A loss that weighs each output differently, so every gradient entry matters.
    const weights = tf.tensor2d([[1], [-2], [0.5]]);
    const loss = (f: (x: tf.Tensor2D) => tf.Tensor2D) => () =>
      tf.sum(tf.matMul(tf.tanh(f(x)), weights)) as tf.Scalar;
    const fast = tf.variableGrads(loss((x) => dense.apply(net, x)), net.variables);
    const plain = tf.variableGrads(loss((x) => net.apply(x)), net.variables);
    assert(gap(fast.value, plain.value) < 1e-5, `loss: ${gap(fast.value, plain.value)}`);
    assertEquals(Object.keys(fast.grads), Object.keys(plain.grads));
    for (const name of Object.keys(plain.grads)) {
      const d = gap(fast.grads[name], plain.grads[name]);
      assert(d < 1e-5, `${name}: ${d}`);
    }
    tf.dispose([x, weights, fast.value, plain.value, fast.grads, plain.grads]);
    net.dispose();
    assertEquals(tf.memory().numTensors, before);
  });
}
