/**
 * What the RL trainers need from a vectorised environment (the trading envs of env/gym/vec_env.ts
 * and env/gym/parallel_vec_env.ts, and the toy envs of the tests, all fit) and the action kinds
 * they learn.
 * @module
 */
import type { VecEnvBase } from "../../env/gym/mod.ts";

/** N environments stepped in one call, auto-resetting: what the trainers use of env/gym/vec_env.ts. */
export type RlVecEnv = Pick<
  VecEnvBase,
  | "num"
  | "observationSize"
  | "observations"
  | "finalObservations"
  | "rewards"
  | "terminated"
  | "truncated"
  | "reset"
  | "step"
>;

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
