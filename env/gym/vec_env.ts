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
import {
  actionError,
  type EnvConfigInput,
  EnvError,
  type EnvOptions,
  observationSizeOf,
  parseEnvConfig,
  TradingEnv,
} from "./trading_env.ts";

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

/** Every array of a vectorised env's state, indexed by env (observations by env × size). */
export interface VecBuffers extends VecStep {
  readonly finalObservations: Float32Array;
  /** Episodes started per env since `reset` (the first counts as 0). */
  readonly episodes: Uint32Array;
}

/** Allocates the buffers of `num` envs, on `SharedArrayBuffer`s when `shared`. */
export function vecBuffers(num: number, size: number, shared = false): VecBuffers {
  const mem = (bytes: number) => shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return {
    observations: new Float32Array(mem(4 * num * size)),
    finalObservations: new Float32Array(mem(4 * num * size)),
    rewards: new Float32Array(mem(4 * num)),
    terminated: new Uint8Array(mem(num)),
    truncated: new Uint8Array(mem(num)),
    episodes: new Uint32Array(mem(4 * num)),
  };
}

/**
 * The envs `from` … `to − 1` of a vectorised env, writing their part of shared buffers: the
 * unit a worker thread steps (see parallel_vec_env.ts).
 */
export class VecShard {
  readonly envs: readonly TradingEnv[];
  readonly size: number;
  #seed = 0;

  constructor(
    config: EnvConfigInput,
    options: EnvOptions,
    readonly from: number,
    readonly to: number,
    readonly buffers: VecBuffers,
  ) {
    this.envs = Array.from({ length: to - from }, () => new TradingEnv(config, options));
    this.size = this.envs.length > 0 ? this.envs[0].observationSize : 0;
  }

  /** Resets env i from `episodeSeed(seed, i, 0)`. */
  reset(seed: number): void {
    this.#seed = seed;
    const b = this.buffers;
    for (let i = this.from; i < this.to; i++) {
      b.episodes[i] = 0;
      b.terminated[i] = 0;
      b.truncated[i] = 0;
      this.envs[i - this.from].resetInto(episodeSeed(seed, i, 0), b.observations, i * this.size);
    }
  }

  /** Steps env i with `actions[i]`, auto-resetting the ones whose episode ends. */
  step(actions: ArrayLike<number>): void {
    const size = this.size;
    const b = this.buffers;
    const obs = b.observations;
    for (let i = this.from; i < this.to; i++) {
      const env = this.envs[i - this.from];
      const at = i * size;
      b.rewards[i] = env.stepInto(actions[i], obs, at);
      const term = env.terminated, trunc = env.truncated;
      b.terminated[i] = term ? 1 : 0;
      b.truncated[i] = trunc ? 1 : 0;
      if (term || trunc) {
        b.finalObservations.set(obs.subarray(at, at + size), at);
        const k = ++b.episodes[i];
        env.resetInto(episodeSeed(this.#seed, i, k), obs, at);
      }
    }
  }
}

/** Checks the arguments of a vectorised env's construction. */
export function checkVecArgs(num: number, options: EnvOptions): void {
  if (!Number.isInteger(num) || num < 1) {
    throw new EnvError(`num: expected an integer >= 1, got ${num}`);
  }
  if (options.reward) {
    throw new EnvError("reward: each env needs its own reward state; give a reward spec in config");
  }
}

/** Checks a seed. */
export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new EnvError(`seed: expected an integer >= 0, got ${seed}`);
  }
}

/** Checks a step's actions: one per env, each valid for the action kind. */
export function checkActions(
  kind: "discrete" | "continuous",
  num: number,
  actions: ArrayLike<number>,
): void {
  if (actions.length !== num) {
    throw new EnvError(`actions: expected ${num} actions, got ${actions.length}`);
  }
  for (let i = 0; i < num; i++) {
    const why = actionError(kind, actions[i]);
    if (why !== null) throw new EnvError(`actions[${i}]: ${why}`);
  }
}

/** The buffers and sizes every vectorised env exposes. */
export abstract class VecEnvBase implements VecBuffers {
  readonly num: number;
  readonly observationSize: number;
  readonly observations: Float32Array;
  readonly finalObservations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly episodes: Uint32Array;

  constructor(num: number, observationSize: number, b: VecBuffers) {
    this.num = num;
    this.observationSize = observationSize;
    this.observations = b.observations;
    this.finalObservations = b.finalObservations;
    this.rewards = b.rewards;
    this.terminated = b.terminated;
    this.truncated = b.truncated;
    this.episodes = b.episodes;
  }

  /** Resets every env (env i from `episodeSeed(seed, i, 0)`); returns the observations. */
  abstract reset(seed: number): Float32Array;
  /** Steps env i with `actions[i]`, auto-resetting the ones whose episode ends. */
  abstract step(actions: ArrayLike<number>): VecStep;
}

/** N environments stepped together on this thread; see the module documentation. */
export class VecTradingEnv extends VecEnvBase {
  #shard: VecShard;
  #ready = false;

  constructor(config: EnvConfigInput, num: number, options: EnvOptions = {}) {
    checkVecArgs(num, options);
    const size = observationSizeOf(parseEnvConfig(config));
    const b = vecBuffers(num, size);
    super(num, size, b);
    this.#shard = new VecShard(config, options, 0, num, b);
  }

  /** The environments, env i at index i. */
  get envs(): readonly TradingEnv[] {
    return this.#shard.envs;
  }

  /** Resets every env (env i from `episodeSeed(seed, i, 0)`); returns the observations. */
  reset(seed: number): Float32Array {
    checkSeed(seed);
    this.#shard.reset(seed);
    this.#ready = true;
    return this.observations;
  }

  /** Steps env i with `actions[i]`, auto-resetting the ones whose episode ends. */
  step(actions: ArrayLike<number>): VecStep {
    if (!this.#ready) throw new EnvError("step: call reset(seed) first");
    checkActions(this.envs[0].config.action, this.num, actions);
    this.#shard.step(actions);
    return this;
  }
}
