/**
 * The vectorised RL environment: N {@linkcode TradingEnv}s stepped in one call, their
 * observations in one Float32Array (env i at `i × observationSize`), rewards and end flags in
 * typed arrays that are reused from call to call.
 *
 * **Auto-reset.** When an env's episode ends in a step, its `terminated` or `truncated` flag is
 * set, the observation that ended the episode is copied to `finalObservations`, and the env is
 * reset at once: the observation returned for it is the first of its next episode. Env i's
 * k-th episode (k = 0 at `reset(seed)`) starts from {@linkcode episodeSeed}(seed, i, k), so a
 * vectorised run equals N single environments stepped one by one and reset with those seeds.
 *
 * @example
 * ```ts
 * import { VecTradingEnv } from "./vec_env.ts";
 * const vec = new VecTradingEnv({ market: { kind: "sim", decisionMs: 100 }, episodeSteps: 3 }, 4);
 * vec.reset(1);
 * const actions = new Int32Array(4).fill(1);
 * for (let t = 0; t < 3; t++) vec.step(actions);
 * // Every env ended its 3-step episode and was reset.
 * if (vec.truncated.join() !== "1,1,1,1") throw new Error("unreachable");
 * ```
 * @module
 */
import { type EnvConfigInput, EnvError, type EnvOptions, TradingEnv } from "./trading_env.ts";

/** The seed of env `env`'s episode number `episode` in a run started with `seed`. */
export function episodeSeed(seed: number, env: number, episode: number): number {
  // splitmix32-style mixing of the three numbers: distinct, well spread seeds.
  let h = (seed ^ Math.imul(env + 1, 0x9e3779b9) ^ Math.imul(episode + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  return (h ^ (h >>> 15)) >>> 0;
}

/** The arrays one vectorised step fills (the same objects every call). */
export interface VecStep {
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  /** 1 where the env's episode ended this step (it has been reset since). */
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
}

/** N environments stepped together; see the module documentation. */
export class VecTradingEnv implements VecStep {
  readonly envs: readonly TradingEnv[];
  readonly num: number;
  readonly observationSize: number;
  readonly observations: Float32Array;
  readonly finalObservations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Episodes started per env since `reset` (the first counts as 0). */
  readonly episodes: Uint32Array;
  #seed = 0;
  #ready = false;

  constructor(config: EnvConfigInput, num: number, options: EnvOptions = {}) {
    if (!Number.isInteger(num) || num < 1) {
      throw new EnvError(`num: expected an integer >= 1, got ${num}`);
    }
    if (options.reward) {
      throw new EnvError(
        "reward: each env needs its own reward state; give a reward spec in config",
      );
    }
    this.num = num;
    this.envs = Array.from({ length: num }, () => new TradingEnv(config, options));
    const size = this.envs[0].observationSize;
    this.observationSize = size;
    this.observations = new Float32Array(num * size);
    this.finalObservations = new Float32Array(num * size);
    this.rewards = new Float32Array(num);
    this.terminated = new Uint8Array(num);
    this.truncated = new Uint8Array(num);
    this.episodes = new Uint32Array(num);
  }

  /** Resets every env (env i from `episodeSeed(seed, i, 0)`); returns the observations. */
  reset(seed: number): Float32Array {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new EnvError(`seed: expected an integer >= 0, got ${seed}`);
    }
    this.#seed = seed;
    const size = this.observationSize;
    for (let i = 0; i < this.num; i++) {
      this.episodes[i] = 0;
      this.envs[i].resetInto(episodeSeed(seed, i, 0), this.observations, i * size);
    }
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.#ready = true;
    return this.observations;
  }

  /** Steps env i with `actions[i]`, auto-resetting the ones whose episode ends. */
  step(actions: ArrayLike<number>): VecStep {
    if (!this.#ready) throw new EnvError("step: call reset(seed) first");
    if (actions.length !== this.num) {
      throw new EnvError(`actions: expected ${this.num} actions, got ${actions.length}`);
    }
    const size = this.observationSize;
    const obs = this.observations;
    for (let i = 0; i < this.num; i++) {
      const env = this.envs[i];
      const at = i * size;
      this.rewards[i] = env.stepInto(actions[i], obs, at);
      const term = env.terminated, trunc = env.truncated;
      this.terminated[i] = term ? 1 : 0;
      this.truncated[i] = trunc ? 1 : 0;
      if (term || trunc) {
        this.finalObservations.set(obs.subarray(at, at + size), at);
        const k = ++this.episodes[i];
        env.resetInto(episodeSeed(this.#seed, i, k), obs, at);
      }
    }
    return this;
  }
}
