/**
 * What the RL trainers need from a vectorised environment (the trading envs of env/vec_env.ts
 * and env/parallel_vec_env.ts, and the toy envs of the tests, all fit) and the action kinds
 * they learn.
 * @module
 */

/** N environments stepped in one call, auto-resetting; see env/vec_env.ts. */
export interface RlVecEnv {
  readonly num: number;
  readonly observationSize: number;
  /** `num × observationSize`: each env's current observation (the next episode's first after an end). */
  readonly observations: Float32Array;
  /** The observation that ended an episode, for envs whose flag is set this step. */
  readonly finalObservations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  reset(seed: number): Float32Array;
  step(actions: ArrayLike<number>): unknown;
}

/** The action kind: `n` discrete actions, or one continuous value in [-1, 1]. */
export type ActionSpec =
  | { readonly kind: "discrete"; readonly n: number }
  | { readonly kind: "continuous" };

/** What a trained agent acts with: its network, observation statistics and action kind. */
export interface ServingModel {
  readonly algo: "ppo" | "dqn";
  readonly action: ActionSpec;
  /** PPO: the actor (logits, or the Gaussian mean); DQN: the Q-network. */
  readonly net: import("./mlp.ts").MlpWeights;
  readonly norm: import("./running_norm.ts").RunningNormState;
}

/**
 * A trainer's full state, for checkpoints and resume: JSON-able data (config, counters, PRNG
 * and normaliser state, network specs) plus binary blobs (weights, optimizer moments, replay).
 */
export interface TrainerCheckpoint {
  readonly algo: "ppo" | "dqn";
  readonly json: Readonly<Record<string, unknown>>;
  readonly blobs: Readonly<Record<string, Uint8Array>>;
}
