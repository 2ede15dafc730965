/**
 * Policies: what trading agents observe and how they decide.
 * @module
 */
export * from "./features.ts";
export * from "./rules.ts";
