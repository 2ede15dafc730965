/**
 * Tensor-free model pieces: the predictor used in serving, evaluation metrics and purged,
 * embargoed walk-forward splits.
 * @module
 */
export * from "./metrics.ts";
export * from "./predictor.ts";
export * from "./walk_forward.ts";
