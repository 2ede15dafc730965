/**
 * Simulated runs: a scenario's venue, transport driver, feed and clock loop, composed with the
 * trading system by {@linkcode runScenario}.
 * @module
 */
export * from "./drivers.ts";
export * from "./feed.ts";
export * from "./learning.ts";
export * from "./market_series.ts";
export * from "./markets.ts";
export * from "./process_flags.ts";
export * from "./run_scenario.ts";
export * from "./sim_clock.ts";
export * from "./sim_journal.ts";
