import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../testing/mod.ts";
import { ModelRegistry } from "../../policies/registry/mod.ts";
import { runModelsCommand } from "./models_command.ts";
import { parseRlArgs, runRlCommand } from "./rl_command.ts";

const SCENARIO = {
  name: "rl-tiny",
  venue: { kind: "sim", market: { population: { noise: { count: 10 }, value: { count: 5 } } } },
  agents: [{ id: "hold", policy: { kind: "buy_and_hold" } }],
  rl: {
    decisionMs: 1_000,
    warmupMs: 10_000,
    episodeSteps: 30,
    window: 4,
    extras: ["position"],
    trends: [8],
  },
};

async function withDir(body: (dir: string, lines: string[]) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "./out" });
  const log = console.log;
  const lines: string[] = [];
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await Deno.writeTextFile(`${dir}/scenario.json`, JSON.stringify(SCENARIO));
    await body(dir, lines);
  } finally {
    console.log = log;
    await Deno.remove(dir, { recursive: true });
  }
}

const common = (dir: string, algo: string, steps: number) => [
  "--scenario",
  `${dir}/scenario.json`,
  "--algo",
  algo,
  "--steps",
  String(steps),
  "--envs",
  "4",
  "--threads",
  "0",
  "--eval-seeds",
  "2",
  "--hidden",
  "16",
  "--registry",
  `${dir}/models`,
  "--report",
  `${dir}/eval.json`,
  "--quiet",
];

Deno.test("train rl options: defaults, and errors that name the option", () => {
  const o = parseRlArgs(["--scenario", "s.json"]);
  assert(typeof o !== "string");
  assertEquals([o.algo, o.envs, o.minutes, o["eval-seeds"], o.resume], [
    "ppo",
    64,
    5,
    10,
    undefined,
  ]);
  const r = parseRlArgs(["--scenario", "s.json", "--resume", "--promote"]);
  assert(typeof r !== "string" && r.resume === "latest" && r.promote);
  assertStringIncludes(parseRlArgs([]) as string, "--scenario");
  assertStringIncludes(parseRlArgs(["--scenario", "s", "--algo", "a2c"]) as string, "--algo");
  assertStringIncludes(parseRlArgs(["--scenario", "s", "--envs", "0"]) as string, "--envs");
  assertStringIncludes(parseRlArgs(["--scenario", "s", "--hidden", "6x"]) as string, "--hidden");
  assertStringIncludes(parseRlArgs(["--scenario", "s", "--bogus"]) as string, "bogus");
});

Deno.test({
  name: "train rl: PPO trains, evaluates against the baselines, checkpoints, and resumes",
  sanitizeResources: false, // tfjs's wasm module stays loaded
  fn: () =>
    withDir(async (dir, lines) => {
      assertEquals(await runRlCommand(common(dir, "ppo", 600)), 0);
      const registry = new ModelRegistry(`${dir}/models`);
      const first = await registry.show("ppo-rl-tiny", "latest");
      assertEquals(first.meta.kind, "rl-ppo");
      assert(first.meta.dataRange.rows >= 600, `${first.meta.dataRange.rows} steps`);
      const report = JSON.parse(await Deno.readTextFile(`${dir}/eval.json`));
      assertEquals(
        report.agents.map((a: { name: string }) => a.name),
        ["ppo", "buy_and_hold", "flat", "random", "sma_crossover"],
      );
      assertEquals(report.seeds, [1_000_000, 1_000_001]);
      const table = lines.join("\n");
      for (const name of ["ppo", "buy_and_hold", "flat", "random", "sma_crossover"]) {
        assertStringIncludes(table, name);
      }
      assertStringIncludes(table, "registered ppo-rl-tiny v1 (candidate)");
      lines.length = 0;
      assertEquals(await runModelsCommand(["list", "--registry", `${dir}/models`]), 0);
      assertStringIncludes(lines.join("\n"), "ppo-rl-tiny v1 candidate  rl-ppo");
      assertStringIncludes(lines.join("\n"), "env steps");
      assertStringIncludes(lines.join("\n"), "eval_return_pct");
      // Resume: training goes on from the checkpoint's step count, as a new version.
      assertEquals(await runRlCommand([...common(dir, "ppo", 1_200), "--resume", "--promote"]), 0);
      const second = await registry.show("ppo-rl-tiny");
      assertEquals([second.meta.version, second.stage], [2, "production"]);
      assert(second.meta.dataRange.rows > first.meta.dataRange.rows);
      assertEquals((second.meta.metrics as { resumedFrom: number }).resumedFrom, 1);
      await assertRejects(
        () => runRlCommand([...common(dir, "dqn", 100), "--name", "ppo-rl-tiny", "--resume"]),
        Error,
        "is a ppo agent",
      );
    }),
});

Deno.test({
  name: "train rl: DQN trains and resumes with its replay buffer",
  sanitizeResources: false,
  fn: () =>
    withDir(async (dir) => {
      assertEquals(await runRlCommand(common(dir, "dqn", 400)), 0);
      const registry = new ModelRegistry(`${dir}/models`);
      const first = await registry.show("dqn-rl-tiny", "latest");
      assertEquals(first.meta.kind, "rl-dqn");
      assert(Object.hasOwn(first.meta.files, "trainer-replay.bin"), "the replay buffer is saved");
      assertEquals(await runRlCommand([...common(dir, "dqn", 800), "--resume", "1"]), 0);
      const second = await registry.show("dqn-rl-tiny", "latest");
      assert(second.meta.dataRange.rows > first.meta.dataRange.rows);
      assert(
        second.meta.files["trainer-replay.bin"].bytes >
          first.meta.files["trainer-replay.bin"].bytes,
        "the resumed replay buffer holds the earlier transitions and the new ones",
      );
    }),
});
