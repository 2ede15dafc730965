/**
 * Scenarios: the file format, the runner behind `deno task sim`, its report and recordings.
 * @module
 */
export * from "./scenario.ts";
export * from "./run/mod.ts";
export * from "./report.ts";
export * from "./recording.ts";
export { parseSimArgs, runSimCommand, type SimArgs } from "./sim_command.ts";
