/**
 * Simulated runs: a scenario's venue, transport driver, feed and clock loop, composed with the
 * trading system by {@linkcode runScenario}.
 * @module
 */
export { type RunOptions, type RunResult, runScenario } from "./run_scenario.ts";
export type { Progress } from "./sim_clock.ts";
export { SIM_STREAM } from "./drivers.ts";
