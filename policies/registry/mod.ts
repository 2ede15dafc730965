/**
 * The model registry (versions, stages, metrics, feature-set hashes) and durable file
 * writes.
 * @module
 */
export * from "./durable_file.ts";
export * from "./registry.ts";
