/**
 * Parameter search over backtests (`deno task optimize`): the parameter space.
 * @module
 */
export * from "./param_space.ts";
