/**
 * The command line's commands and its one argument parser.
 * @module
 */
export * from "./args.ts";
export * from "./bench_command.ts";
export * from "./market_command.ts";
export * from "./models_command.ts";
export * from "./new_strategy_command.ts";
export * from "./optimize_command.ts";
export * from "./rl_command.ts";
export * from "./sim_args.ts";
export * from "./sim_command.ts";
export * from "./train_command.ts";
export * from "./venue_command.ts";
export * from "./live_command.ts";
