/**
 * Policies: what trading agents observe, how they decide, and how they learn.
 *
 * This module re-exports what loads without TensorFlow.js: features (online and offline, named
 * sets, the store), the model registry, tensor-free model pieces (predictor, metrics,
 * walk-forward), the rule policies, served model and RL policies, and RL without tensors.
 * Training (`training/mod.ts`) and the RL learners (`rl/learners/mod.ts`) load tfjs and are
 * imported on their own, so a process that only serves never loads it.
 * @module
 */
export * from "./features/mod.ts";
export * from "./feature_store/mod.ts";
export * from "./registry/mod.ts";
export * from "./models/mod.ts";
export * from "./rules/mod.ts";
export * from "./serving/mod.ts";
export * from "./rl/mod.ts";
export * from "./drift/mod.ts";
export * from "./retrain/mod.ts";
