/**
 * Drift detection, pure: feature drift by the Population Stability Index against a model's
 * training window (psi.ts), and outcome drift — prediction error, P&L per decision — by the
 * Page-Hinkley test (page_hinkley.ts). The retraining loop reads both.
 * @module
 */
export * from "./psi.ts";
export * from "./page_hinkley.ts";
