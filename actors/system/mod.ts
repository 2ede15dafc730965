/**
 * Running systems: the composition root that builds one from a bus, a clock, venue adapters and
 * agents, and the supervisor that keeps its actors going.
 * @module
 */
export * from "./supervisor.ts";
export * from "./trading_system.ts";
