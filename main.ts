/**
 * Agora's command line. Today: `bench`. Later issues add `sim`, `live`, `train`, `serve`.
 *
 * Usage: `deno run main.ts <command> [args]`, or through the tasks in deno.json.
 * @module
 */
import { runBenchmarks } from "./bench/mod.ts";

const USAGE = `Agora — self-learning automated trading, as an actor-model simulation

Usage: deno task <command>   (or: deno run main.ts <command>)

Commands:
  bench [FILTER]   run the benchmarks (those whose key contains FILTER); the last line
                   printed is one JSON object of named figures
  help             show this text`;

/** Runs the CLI with `args`; returns the process exit code. */
export function main(args: readonly string[]): number {
  const [command, ...rest] = args;
  switch (command) {
    case "bench": {
      console.log(`agora bench — deno ${Deno.version.deno}, ${Deno.build.os}/${Deno.build.arch}`);
      const figures = runBenchmarks(rest[0] ?? "");
      console.log(JSON.stringify(figures));
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

if (import.meta.main) Deno.exit(main(Deno.args));
