/**
 * Policies from configuration: model-backed policies served from the registry, and the
 * factory that builds any configured policy.
 * @module
 */
export * from "./model_policy.ts";
export * from "./policy_config.ts";
