/**
 * Policies: what trading agents observe, how they decide, and how they learn.
 *
 * This module re-exports what loads without TensorFlow.js: feature definitions (online and
 * offline), named feature sets, the feature store, walk-forward splits, metrics, the model
 * registry, the tensor-free predictor and the rule and model policies. Training and the tfjs
 * models are imported from `models.ts`, `tf_backend.ts` and `train.ts` directly, so a process
 * that only serves never loads tfjs.
 * @module
 */
export * from "./features.ts";
export * from "./features_offline.ts";
export * from "./feature_sets.ts";
export * from "./feature_store.ts";
export * from "./metrics.ts";
export * from "./model_policy.ts";
export * from "./predictor.ts";
export * from "./registry.ts";
export * from "./rules.ts";
export * from "./walk_forward.ts";
