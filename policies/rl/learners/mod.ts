/**
 * The RL learners (PPO, DQN) and their TensorFlow.js pieces. Loads tfjs.
 * @module
 */
export * from "./adam_state.ts";
export * from "./dqn.ts";
export * from "./fast_dense.ts";
export * from "./ppo.ts";
export * from "./ppo_learner.ts";
export * from "./tf_mlp.ts";
