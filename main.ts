/**
 * Agora's command line: `sim`, `live`, `train`, `models`, `bench`, `market`, `new-strategy`,
 * `optimize`, `venue` and `serve`.
 *
 * Usage: `deno run main.ts <command> [args]`, or through the tasks in deno.json.
 * @module
 */
import {
  runBenchCommand,
  runLiveCommand,
  runMarketCommand,
  runModelsCommand,
  runNewStrategyCommand,
  runOptimizeCommand,
  runSimCommand,
  runTrainCommand,
  runVenueCommand,
  SERVE_SPEC,
} from "./scenarios/commands/mod.ts";

const USAGE = `Agora — self-learning automated trading, as an actor-model simulation

Usage: deno task <command>   (or: deno run main.ts <command>)

Commands:
  sim [SCENARIO] [--seed N] [--out DIR] [--replay FILE] [--bus URL] [--no-recording]
      [--series] [--quiet | --json]
                   run a scenario (a shipped name: calm, trending, flash_crash, goog_daily;
                   or a JSON file; default calm) on the in-process bus; print a summary table;
                   write DIR/report.json, DIR/report.html (charts; opens from disk) and
                   DIR/recording.jsonl (default DIR: out/sim/NAME), whole or not at all.
                   --replay FILE feeds a recording's market data back through the actors;
                   --bus nats://HOST:PORT runs every message through NATS; --series also
                   writes DIR/series.arrow (every step's equity and position);
                   --quiet prints only errors; --json prints one JSON summary on stdout;
                   --control PORT serves the control endpoint while it runs (sim --help)
  serve [SCENARIO] [--control PORT] [--speed X] [sim's options]
                   sim with the control endpoint on 127.0.0.1:8080 (tokens from
                   AGORA_CONTROL_TOKENS), serving the run and, after it, its last state until
                   Ctrl-C; --speed X paces it at X simulated seconds per wall second
  live [CONFIG] [--exchange NAME --confirm-live] [--for S] [--cancel-on-exit] [--json]
                   trade the config's agents (default scenarios/live/paper.json) through ccxt
                   until Ctrl-C: the local paper venue unless a real exchange is named and
                   confirmed (keys from the environment); journaled (a restart carries on
                   where it stopped, after reconciling with the exchange); writes report.json,
                   report.html and recording.jsonl to the config's outDir (live --help)
  bench [FILTER]   run the benchmarks (those whose key contains FILTER); the last line
                   printed is one JSON object of named figures
  market [--seed N] [--days D] [--impact-seeds K]
                   run the default simulated market (seed 1, 2 days) and print its stylized
                   facts beside real series', and the metaorder impact curve beside the same
                   curve on latent liquidity alone (K seeds per size, default 8; 0 skips both)
  train model (--data FILE | --scenario NAME) [options]
                   build features and labels, run a hyperparameter search scored by purged,
                   embargoed walk-forward evaluation, print the walk-forward table and
                   register the model (train model --help: every option)
  train rl --algo ppo|dqn --scenario FILE [options]
                   train an RL agent on the scenario's simulated market (its rl block), evaluate
                   it on held-out seeds against buy-and-hold, flat, random and SMA crossover,
                   checkpoint it in the registry (train rl --help: every option)
  new-strategy NAME [--dir DIR]
                   write a commented example strategy (DIR/NAME.ts) and a scenario that runs
                   it on Google's daily bars (DIR/NAME.json); default DIR: strategies
  optimize SCENARIO --agent ID --param NAME=FROM..TO[:STEP] ... [--method grid|random|halving]
           [--metric sharpe|sortino|return|drawdown|...] [--constraint "fast<slow"] [--folds K]
                   search the agent's policy parameters: backtests in worker threads scored in
                   and out of sample on walk-forward folds; writes optimize.json and a heatmap
                   page (optimize --help: every option)
  venue [SCENARIO] [--port P] [--speed X] [--accounts FILE] [--log FILE]
                   serve the scenario's simulated market (default calm) as a Binance spot API v3
                   subset on 127.0.0.1:8765 (ccxt's binance trades it with its URLs pointed
                   there); --speed 0 is the virtual clock (POST /venue/advance?ms=N)
  models list|show|promote|rollback ...
                   the model registry (default directory: models)
  help             show this text`;

/** Runs the CLI with `args`; returns the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "bench":
      return await runBenchCommand(rest);
    case "sim":
      return await runSimCommand(rest);
    case "serve":
      return await runSimCommand(rest, SERVE_SPEC);
    case "live":
      return await runLiveCommand(rest);
    case "train":
    case "models":
      // tfjs and arquero load only once a training starts.
      try {
        return command === "train" ? await runTrainCommand(rest) : await runModelsCommand(rest);
      } catch (error) {
        console.error(`${command}: ${(error as Error).message}`);
        return 1;
      }
    case "market":
      return runMarketCommand(rest);
    case "new-strategy":
      return await runNewStrategyCommand(rest);
    case "optimize":
      return await runOptimizeCommand(rest);
    case "venue":
      return await runVenueCommand(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
