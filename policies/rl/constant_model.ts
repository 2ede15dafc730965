/**
 * A serving model that always picks the same discrete action, whatever it observes: the
 * "always long" (or flat, or short) reference agent, and a smoke test of the RL serving path
 * that does not depend on what a training learnt.
 * @module
 */
import { widths } from "./mlp.ts";
import { RunningNorm } from "./running_norm.ts";
import type { ServingModel } from "./vec.ts";

/**
 * A PPO-shaped discrete model over `inputs` observations whose logits prefer `action` (0 hold,
 * 1 buy, 2 sell) by one, from a zero kernel and one bias.
 *
 * @example
 * ```ts
 * import { constantServingModel } from "./constant_model.ts";
 * const m = constantServingModel(5, 1);
 * if (m.net.layers[1].bias[1] !== 1) throw new Error("unreachable");
 * ```
 */
export function constantServingModel(inputs: number, action: 0 | 1 | 2): ServingModel {
  const spec = { inputs, hidden: [4], outputs: 3, activation: "tanh" as const };
  const w = widths(spec);
  const layers = [0, 1].map((l) => {
    const bias = new Float32Array(w[l + 1]);
    if (l === 1) bias[action] = 1;
    return { fanIn: w[l], units: w[l + 1], kernel: new Float32Array(w[l] * w[l + 1]), bias };
  });
  return {
    algo: "ppo",
    action: { kind: "discrete", n: 3 },
    net: { spec, layers },
    norm: new RunningNorm(inputs).save(),
  };
}
