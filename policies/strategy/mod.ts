/**
 * Strategies written in code, loaded by path (see strategy.ts).
 * @module
 */
export * from "./policy.ts";
export * from "./strategy.ts";
// What a strategy module needs besides zod, from one import (`agora/policies/strategy/mod.ts`,
// through deno.json's import map, from a module anywhere on disk).
export { feature, featureName, type FeatureSpec } from "../features/mod.ts";
