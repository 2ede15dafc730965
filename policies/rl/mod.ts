/**
 * Reinforcement learning without tensors: networks for acting, normalisation, buffers, advantage
 * estimation, checkpoints, the RL policy and evaluation against baselines.
 * @module
 */
export * from "./acting.ts";
export * from "./checkpoint.ts";
export * from "./checkpoint_fields.ts";
export * from "./constant_model.ts";
export * from "./dqn_config.ts";
export * from "./evaluate.ts";
export * from "./gae.ts";
export * from "./mlp.ts";
export * from "./ppo_config.ts";
export * from "./replay_buffer.ts";
export * from "./rl_env.ts";
export * from "./rl_policy.ts";
export * from "./round_trips.ts";
export * from "./running_norm.ts";
export * from "./toy_env.ts";
export * from "./vec.ts";
