/**
 * Versioned features, one definition for training and serving: online features,
 * their offline twins, named feature sets and the feature store.
 * @module
 */
export * from "./feature_sets.ts";
export * from "./features.ts";
