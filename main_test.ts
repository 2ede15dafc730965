import { assertEquals } from "./testing/mod.ts";
import { main } from "./main.ts";
import { SIM_V8_FLAGS } from "./scenarios/run/mod.ts";
import config from "./deno.json" with { type: "json" };

Deno.test("the CLI answers help with exit 0 and an unknown command with exit 2", async () => {
  const log = console.log, error = console.error;
  const out: string[] = [];
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void out.push(a.join(" "));
  try {
    assertEquals(await main(["help"]), 0);
    assertEquals(await main(["frobnicate"]), 2);
  } finally {
    console.log = log;
    console.error = error;
  }
  assertEquals(out[0].startsWith("Agora"), true);
  assertEquals(out[1].startsWith('unknown command "frobnicate"'), true);
});

Deno.test("market prints the stylized facts, and names a bad option", async () => {
  const log = console.log, error = console.error;
  const out: string[] = [];
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void out.push(a.join(" "));
  try {
    assertEquals(await main(["market", "--days", "0.02", "--impact-seeds", "0"]), 0);
    assertEquals(await main(["market", "--days", "two"]), 2);
    assertEquals(await main(["market", "--speed", "1"]), 2);
    assertEquals(await main(["market", "--days", "-1"]), 2);
    assertEquals(await main(["market", "--seed", "0x10"]), 2);
    assertEquals(await main(["market", "--help"]), 0);
  } finally {
    console.log = log;
    console.error = error;
  }
  assertEquals(out[0].includes("sim 1m mid (n=27)"), true);
  assertEquals(
    out[1],
    'market: --days: expected a number in [0.01, 60], got "two" (market --help lists the options)',
  );
  assertEquals(out[2].startsWith('market: unknown option "--speed"'), true);
  assertEquals(out[3].startsWith("market: --days: expected a number in [0.01, 60], got -1"), true);
  assertEquals(
    out[4].startsWith('market: --seed: expected an integer in [0, 4294967295], got "0x10"'),
    true,
  );
  assertEquals(out[5].includes("--impact-seeds N"), true);
});

Deno.test("every command answers --help with its options, and a bad argument with exit 2", async () => {
  const log = console.log, error = console.error;
  const out: string[] = [];
  const err: string[] = [];
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  const help = async (...args: string[]) => {
    out.length = 0;
    assertEquals(await main(args), 0, args.join(" "));
    return out.join("\n");
  };
  try {
    assertEquals((await help("sim", "--help")).includes("--seed N"), true);
    assertEquals((await help("train", "--help")).includes("deno task train rl"), true);
    assertEquals((await help("train", "model", "--help")).includes("--folds N"), true);
    assertEquals((await help("train", "rl", "-h")).includes("--algo VALUE"), true);
    assertEquals((await help("models", "--help")).includes("--registry DIR"), true);
    assertEquals((await help("market", "--help")).includes("--days X"), true);
    assertEquals((await help("bench", "--help")).includes("sim_run_s"), true);
    assertEquals(await main(["bench", "no_such_figure"]), 2);
    assertEquals(await main(["train", "model", "--folds", "0x2", "--data", "x.csv"]), 2);
    assertEquals(await main(["train", "rl", "--scenario", "s.json", "--envs", ""]), 2);
    assertEquals(await main(["train", "forest"]), 2);
    assertEquals(await main(["models", "frob"]), 2);
    assertEquals(await main(["models", "promote", "m", "one"]), 2);
  } finally {
    console.log = log;
    console.error = error;
  }
  assertEquals(err, [
    'bench: no benchmark key contains "no_such_figure" (bench --help lists the benchmarks)',
    'train model: --folds: expected an integer in [1, 50], got "0x2" (train model --help lists the options)',
    'train rl: --envs: expected an integer in [1, 4096], got "" (train rl --help lists the options)',
    'train: expected "model" or "rl", got "forest" (train --help)',
    'models frob: expected list, show, promote, challenge or rollback, got "frob" (models --help lists the arguments)',
    'models promote: VERSION: expected a version number, got "one" (models --help lists the arguments)',
  ]);
});

Deno.test("deno task sim starts V8 with the flags the benchmarks use", () => {
  const task = config.tasks.sim.split(/\s+/);
  for (const flag of SIM_V8_FLAGS) assertEquals(task.includes(flag), true, `${flag} in ${task}`);
});
