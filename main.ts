/**
 * Agora's command line: `sim`, `train`, `models`, `bench` and `market`. Later issues add `live`
 * and `serve`.
 *
 * Usage: `deno run main.ts <command> [args]`, or through the tasks in deno.json.
 * @module
 */
import { runBenchmarks } from "./bench/mod.ts";
import { formatMarketReport, marketReport } from "./env/market_report.ts";
import { runSimCommand } from "./scenarios/sim_command.ts";

const USAGE = `Agora — self-learning automated trading, as an actor-model simulation

Usage: deno task <command>   (or: deno run main.ts <command>)

Commands:
  sim [SCENARIO] [--seed N] [--out DIR] [--replay FILE] [--quiet | --json]
                   run a scenario (a shipped name: calm, trending, flash_crash, goog_daily;
                   or a JSON file; default calm) on the in-process bus; print a summary table;
                   write DIR/report.json, DIR/report.html (charts; opens from disk) and
                   DIR/recording.jsonl (default DIR: out/sim/NAME).
                   --replay FILE feeds a recording's market data back through the actors;
                   --quiet prints only errors; --json prints one JSON summary on stdout
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
  models list|show|promote|rollback ...
                   the model registry (default directory: models)
  help             show this text`;

/** Runs the CLI with `args`; returns the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "bench": {
      console.log(`agora bench — deno ${Deno.version.deno}, ${Deno.build.os}/${Deno.build.arch}`);
      const figures = await runBenchmarks(rest[0] ?? "");
      console.log(JSON.stringify(figures));
      return 0;
    }
    case "sim":
      return await runSimCommand(rest);
    case "train":
    case "models": {
      // tfjs and arquero load only for these commands.
      const { runModelsCommand, runTrainCommand, TRAIN_USAGE } = await import(
        "./policies/train_command.ts"
      );
      if (rest.includes("--help") || rest.includes("-h")) {
        console.log(TRAIN_USAGE);
        return 0;
      }
      try {
        return command === "train" ? await runTrainCommand(rest) : await runModelsCommand(rest);
      } catch (error) {
        console.error(`${command}: ${(error as Error).message}`);
        return 1;
      }
    }
    case "market": {
      const opts = parseFlags(rest, ["seed", "days", "impact-seeds"]);
      if (typeof opts === "string") {
        console.error(`market: ${opts}\n\n${USAGE}`);
        return 2;
      }
      const report = marketReport({
        seed: opts["seed"],
        days: opts["days"],
        impactSeeds: opts["impact-seeds"],
      });
      console.log(formatMarketReport(report));
      return 0;
    }
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

/** Parses `--name value` pairs of numbers; returns an error message on bad input. */
function parseFlags(
  args: readonly string[],
  names: readonly string[],
): Record<string, number | undefined> | string {
  const out: Record<string, number | undefined> = {};
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, "");
    if (!args[i].startsWith("--") || !names.includes(name)) return `unknown option "${args[i]}"`;
    const value = Number(args[i + 1]);
    if (args[i + 1] === undefined || !Number.isFinite(value)) {
      return `--${name}: expected a number, got ${JSON.stringify(args[i + 1] ?? "")}`;
    }
    out[name] = value;
  }
  return out;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
