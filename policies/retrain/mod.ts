/**
 * The learning loop's pure parts: when to retrain (trigger.ts), marking a model's decisions
 * without trading them (shadow.ts), the paired test that promotes or discards a challenger
 * (paired.ts), the watch that rolls a failing promotion back (rollback.ts), and the loop that
 * runs them over one served model (loop.ts). Drift detection is in policies/drift.
 * @module
 */
export * from "./paired.ts";
export * from "./rollback.ts";
export * from "./shadow.ts";
export * from "./trigger.ts";
export * from "./config.ts";
export * from "./drift_watch.ts";
export * from "./events.ts";
export * from "./loop.ts";
export * from "./window.ts";
