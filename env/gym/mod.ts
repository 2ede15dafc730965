/**
 * The RL environment: a Gymnasium-style trading env over the simulated or replayed market, its
 * observations and rewards, and vectorised (and worker-parallel) batches of it.
 * @module
 */
export * from "./env_markets.ts";
export * from "./observation.ts";
export * from "./parallel_vec_env.ts";
export * from "./rewards.ts";
export * from "./trading_env.ts";
export * from "./vec_env.ts";
