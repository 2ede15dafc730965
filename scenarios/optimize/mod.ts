/**
 * Parameter search over backtests (`deno task optimize`): the parameter space, the walk-forward
 * windows and their scores, the choice per fold, the worker threads, and the search itself.
 * @module
 */
export * from "./backtest_job.ts";
export * from "./optimize.ts";
export * from "./param_space.ts";
export * from "./select.ts";
export * from "./windows.ts";
export * from "./worker_pool.ts";
export * from "./heatmap_html.ts";
