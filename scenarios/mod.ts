/**
 * Scenarios: the file format, the runner behind `deno task sim` (sim and replay venues, in-process
 * or NATS), its report and recordings, and the command line's commands.
 * @module
 */
export * from "./spec/mod.ts";
export * from "./run/mod.ts";
export * from "./report/mod.ts";
export { parseSimArgs, runSimCommand, type SimArgs } from "./commands/mod.ts";
