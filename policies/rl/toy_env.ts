/**
 * Tiny deterministic environments for testing the RL trainers, in the vectorised form of
 * {@linkcode RlVecEnv}:
 *
 * - **chain** (discrete, 3 actions): a walk on positions 0 … `length − 1` starting at 0,
 *   observed one-hot. Action 1 moves right, 2 moves left, 0 stays. Reaching the right end pays
 *   +1 and terminates; every other step costs 0.01; episodes are truncated after
 *   `2 × length` steps. The best return is 1 − 0.01 × (length − 2).
 * - **target** (continuous): the observation is one number s_t = 0.8 sin(phase + t), the
 *   phase drawn from the episode's seed; the reward of action a is −(a − s_t)²; episodes last
 *   10 steps (truncated). The best return is 0 (a = s_t).
 *
 * @example
 * ```ts
 * import { ToyVecEnv } from "./toy_env.ts";
 * const env = new ToyVecEnv("chain", 2, 3);
 * env.reset(1);
 * env.step([1, 1]);
 * env.step([1, 1]); // both reach the end
 * if (env.rewards[0] !== 1 || env.terminated[1] !== 1) throw new Error("unreachable");
 * ```
 * @module
 */
import { episodeSeed, vecBuffers, VecEnvBase, type VecStep } from "../../env/gym/mod.ts";
import type { ActionSpec, RlVecEnv } from "./vec.ts";

/** The toy tasks; see the module documentation. */
export type ToyTask = "chain" | "target";

/** A vectorised toy environment; see the module documentation. */
export class ToyVecEnv extends VecEnvBase implements RlVecEnv {
  readonly action: ActionSpec;
  #state: Float64Array;
  #t: Uint32Array;
  #seed = 0;
  #limit: number;

  constructor(readonly task: ToyTask, num: number, readonly length = 5) {
    const size = task === "chain" ? length : 1;
    super(num, size, vecBuffers(num, size));
    this.action = task === "chain" ? { kind: "discrete", n: 3 } : { kind: "continuous" };
    this.#state = new Float64Array(num);
    this.#t = new Uint32Array(num);
    this.#limit = task === "chain" ? 2 * length : 10;
  }

  reset(seed: number): Float32Array {
    this.#seed = seed;
    for (let i = 0; i < this.num; i++) {
      this.episodes[i] = 0;
      this.#start(i);
    }
    return this.observations;
  }

  step(actions: ArrayLike<number>): VecStep {
    for (let i = 0; i < this.num; i++) {
      const a = actions[i];
      let reward: number, term = false;
      if (this.task === "chain") {
        const pos = this.#state[i] + (a === 1 ? 1 : a === 2 ? -1 : 0);
        this.#state[i] = Math.max(0, pos);
        term = this.#state[i] >= this.length - 1;
        reward = term ? 1 : -0.01;
      } else {
        const s = this.#target(i);
        const x = Math.max(-1, Math.min(1, a));
        reward = -((x - s) ** 2);
      }
      this.#t[i]++;
      const trunc = !term && this.#t[i] >= this.#limit;
      this.rewards[i] = reward;
      this.terminated[i] = term ? 1 : 0;
      this.truncated[i] = trunc ? 1 : 0;
      this.#observe(i, this.observations);
      if (term || trunc) {
        const n = this.observationSize;
        this.finalObservations.set(this.observations.subarray(i * n, (i + 1) * n), i * n);
        this.episodes[i]++;
        this.#start(i);
      }
    }
    return this;
  }

  #start(i: number): void {
    this.#t[i] = 0;
    this.#state[i] = this.task === "chain"
      ? 0
      : (episodeSeed(this.#seed, i, this.episodes[i]) % 6283) / 1000;
    this.#observe(i, this.observations);
  }

  #target(i: number): number {
    return 0.8 * Math.sin(this.#state[i] + this.#t[i]);
  }

  #observe(i: number, out: Float32Array): void {
    const n = this.observationSize;
    if (this.task === "chain") {
      out.fill(0, i * n, (i + 1) * n);
      out[i * n + Math.min(this.#state[i], n - 1)] = 1;
    } else {
      out[i] = this.#target(i);
    }
  }
}
