/**
 * The actors' protocol: the message catalogue, subjects and their patterns, routes, schema
 * validation and the wire codec.
 * @module
 */
export * from "./codec.ts";
export * from "./messages.ts";
export * from "./routing.ts";
export * from "./schema_guard.ts";
export * from "./subject.ts";
