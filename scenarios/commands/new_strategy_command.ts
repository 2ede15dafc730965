/**
 * `deno task new-strategy NAME [--dir DIR]`: writes a commented example strategy
 * (`DIR/NAME.ts`, an SMA crossover with a trend filter to edit) and a scenario that runs it on
 * Google's daily bars (`DIR/NAME.json`), then says how to run it. DIR defaults to `strategies`
 * in the project folder; files already there are never overwritten.
 * @module
 */
import { dataPath, PROJECT_ROOT } from "../spec/mod.ts";
import { answerParse, type CommandSpec, parseCommandArgs } from "./args.ts";

/** The new-strategy command's arguments. */
export const NEW_STRATEGY_SPEC: CommandSpec = {
  name: "new-strategy",
  summary: "Write a commented example strategy (DIR/NAME.ts) and a scenario that runs it on\n" +
    "Google's daily bars (DIR/NAME.json).",
  positionals: [{ name: "NAME", help: "the strategy's name: lower case, digits and _" }],
  options: [
    {
      name: "dir",
      kind: "string",
      value: "DIR",
      help: "where to write (default: strategies, in the project folder)",
    },
  ],
};

/** The example strategy's source (strategy_template.ts), for a strategy called `name`. */
export async function strategyTemplate(name: string): Promise<string> {
  const template = await Deno.readTextFile(new URL("./strategy_template.ts", import.meta.url));
  return template.replaceAll(TEMPLATE_NAME, name);
}

/** The name the template (a real module, type-checked and tested) gives its strategy. */
const TEMPLATE_NAME = "example_strategy";

/** The scenario that runs strategy `name` from `modulePath` on Google's daily bars. */
export function strategyScenario(name: string, modulePath: string): string {
  return JSON.stringify(
    {
      name,
      description: `${name} on Google's daily bars 2004-2013, all its equity, 0.1 % commission`,
      venue: { kind: "replay", file: "../shared/data/GOOG-1d-backtesting-py.csv", symbol: "GOOG" },
      cash: 100000,
      commission: 0.001,
      risk: {
        maxPosition: 100000,
        maxOrderNotional: 10000000,
        maxDrawdownPct: 60,
        maxDailyLossPct: 20,
      },
      agents: [{
        id: name,
        policy: { module: modulePath, params: { fast: 10, slow: 30, trend: 100 } },
        sizing: { kind: "equity_fraction", fraction: 1 },
      }],
    },
    null,
    2,
  ) + "\n";
}

/** Runs `new-strategy ...`; returns the exit code. */
export async function runNewStrategyCommand(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(NEW_STRATEGY_SPEC, args);
  if (parsed.kind !== "ok") return answerParse(NEW_STRATEGY_SPEC, parsed);
  const name = parsed.positionals[0];
  if (name === undefined || !/^[a-z][a-z0-9_]{0,63}$/.test(name)) {
    console.error(
      `new-strategy: NAME: expected lower case letters, digits and _ (starting with a letter), got ${
        JSON.stringify(name ?? "")
      }`,
    );
    return 2;
  }
  const dirArg = (parsed.values.dir as string | undefined) ?? "strategies";
  const dir = dataPath(dirArg).replace(/\/+$/, "");
  const ts = `${dir}/${name}.ts`;
  const json = `${dir}/${name}.json`;
  // The scenario names the module from the project folder when it is inside it.
  const modulePath = ts.startsWith(PROJECT_ROOT) ? `./${ts.slice(PROJECT_ROOT.length)}` : ts;
  for (const path of [ts, json]) {
    try {
      await Deno.lstat(path);
      console.error(
        `new-strategy: ${path} already exists; choose another NAME or --dir (nothing is overwritten)`,
      );
      return 1;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        console.error(`new-strategy: ${path}: ${(error as Error).message}`);
        return 1;
      }
    }
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(ts, await strategyTemplate(name), { createNew: true });
    await Deno.writeTextFile(json, strategyScenario(name, modulePath), { createNew: true });
  } catch (error) {
    console.error(`new-strategy: ${dir}: ${(error as Error).message}`);
    return 1;
  }
  console.log(`wrote ${ts} and ${json}\nrun it: deno task sim ${json}`);
  return 0;
}
