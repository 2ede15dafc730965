/**
 * Deterministic acting with a trained RL agent, tensor-free: normalise the observation with
 * the saved statistics, run the network ({@linkcode MlpForward}), then take the argmax (a
 * discrete policy's logits or a DQN's Q-values) or tanh of the mean (a continuous policy).
 * This is what evaluation and the agent actor use; the trainers sample stochastically instead.
 *
 * @example
 * ```ts
 * import { ActingPolicy } from "./acting.ts";
 * import { initMlp } from "./mlp.ts";
 * import { RunningNorm } from "./running_norm.ts";
 * import { Rng } from "../../env/kernel/mod.ts";
 * const net = initMlp({ inputs: 2, hidden: [4], outputs: 3, activation: "tanh" }, new Rng(1));
 * const policy = new ActingPolicy({
 *   algo: "ppo", action: { kind: "discrete", n: 3 }, net, norm: new RunningNorm(2).save(),
 * });
 * const a = policy.actOne(new Float32Array([0.5, -1]));
 * if (![0, 1, 2].includes(a)) throw new Error("unreachable");
 * ```
 * @module
 */
import { MlpError, MlpForward } from "./mlp.ts";
import { RunningNorm } from "./running_norm.ts";
import type { ActionSpec, ServingModel } from "./vec.ts";

/** Acts deterministically; see the module documentation. */
export class ActingPolicy {
  readonly action: ActionSpec;
  readonly observationSize: number;
  readonly norm: RunningNorm;
  #forward: MlpForward;
  #scratch: Float32Array;

  constructor(model: ServingModel) {
    this.action = model.action;
    this.observationSize = model.net.spec.inputs;
    this.norm = RunningNorm.restore(model.norm);
    if (this.norm.size !== this.observationSize) {
      throw new MlpError(
        `norm: ${this.norm.size} statistics for a network of ${this.observationSize} inputs`,
      );
    }
    const outputs = model.net.spec.outputs;
    const want = model.action.kind === "discrete" ? model.action.n : 1;
    if (model.action.kind === "discrete" ? outputs !== want : outputs < 1) {
      throw new MlpError(`net: ${outputs} outputs for ${want} actions`);
    }
    this.#forward = new MlpForward(model.net);
    this.#scratch = new Float32Array(this.observationSize);
  }

  /** Actions for `rows` raw observations (row-major) into `out`. */
  act(observations: Float32Array, rows: number, out: Int32Array | Float32Array): void {
    const n = this.observationSize;
    if (this.#scratch.length < rows * n) this.#scratch = new Float32Array(rows * n);
    this.norm.normalise(observations, this.#scratch, rows);
    const y = this.#forward.forward(this.#scratch, rows);
    const k = this.#forward.spec.outputs;
    for (let r = 0; r < rows; r++) {
      if (this.action.kind === "continuous") {
        out[r] = Math.tanh(y[r * k]);
      } else {
        let best = 0;
        for (let j = 1; j < k; j++) if (y[r * k + j] > y[r * k + best]) best = j;
        out[r] = best;
      }
    }
  }

  #one = new Float32Array(1);
  /** The action for one observation; a wrong length or a non-finite value is an MlpError. */
  actOne(observation: Float32Array): number {
    if (observation.length !== this.observationSize) {
      throw new MlpError(
        `observation: expected ${this.observationSize} values, got ${observation.length}`,
      );
    }
    for (let i = 0; i < observation.length; i++) {
      if (!Number.isFinite(observation[i])) {
        throw new MlpError(`observation[${i}]: expected a finite number, got ${observation[i]}`);
      }
    }
    this.act(observation, 1, this.#one);
    return this.#one[0];
  }
}
