import { assert, assertEquals, assertRejects } from "../../testing/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { runScenario } from "../run/mod.ts";
import { ALPHA_V1 } from "../../policies/features/mod.ts";
import {
  loadServedModel,
  ModelPolicySchema,
  ModelServingError,
} from "../../policies/serving/mod.ts";
import { ModelRegistry } from "../../policies/registry/mod.ts";
import { TrainError } from "../../policies/training/mod.ts";
import { SHARED_DATA_DIR } from "../../env/research/mod.ts";
import { parseTrainArgs, runTrainCommand } from "./train_command.ts";
import { runModelsCommand } from "./models_command.ts";

/** Runs `body` with a fresh registry directory and console.log captured into `lines`. */
async function withRegistry(
  body: (registry: string, lines: string[]) => Promise<void>,
): Promise<void> {
  const registry = await Deno.makeTempDir({ dir: "./out" });
  const log = console.log;
  const lines: string[] = [];
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await body(registry, lines);
  } finally {
    console.log = log;
    await Deno.remove(registry, { recursive: true });
  }
}

Deno.test("bad training data is named: an unreadable --data file, skipped rows, too few rows; a missing serving model says how to train one", async () => {
  await withRegistry(async (registry, lines) => {
    await assertRejects(
      () => runTrainCommand(["model", "--data", `${registry}/none.csv`, "--registry", registry]),
      Error,
      `--data ${registry}/none.csv: cannot read it`,
    );
    const file = `${registry}/bad.csv`;
    await Deno.writeTextFile(
      file,
      "timestamp_ms,open,high,low,close,volume\n60000,1,1,1,1,1\n120000,1,1,1,x,1\n",
    );
    const error = console.error;
    const errors: string[] = [];
    console.error = (...a: unknown[]) => errors.push(a.join(" "));
    lines.length = 0;
    try {
      await assertRejects(
        () => runTrainCommand(["model", "--data", file, "--registry", registry, "--quiet"]),
        TrainError,
        "only 0 usable rows",
      );
    } finally {
      console.error = error;
    }
    assert(errors[0].includes("1 of 2 rows skipped (first: line 3, close"), errors.join("\n"));
    const headerOnly = `${registry}/header.csv`;
    await Deno.writeTextFile(headerOnly, "timestamp_ms,open,high,low,close,volume\n");
    await assertRejects(
      () => runTrainCommand(["model", "--data", headerOnly, "--registry", registry]),
      Error,
      `--data ${headerOnly}: no usable bars (0 data rows, 0 skipped)`,
    );
    assertEquals(lines.length, 0); // --quiet
    await assertRejects(
      () => loadServedModel({ registry, model: "absent", version: "production" }),
      ModelServingError,
      "train one with: deno task train model",
    );
  });
});

Deno.test("train arguments are validated naming the option", () => {
  assert((parseTrainArgs([]) as string).includes("exactly one of --data"));
  assert((parseTrainArgs(["--data", "x.csv", "--folds", "0"]) as string).includes("--folds"));
  assert((parseTrainArgs(["--data", "x.csv", "--kind", "price"]) as string).includes("--kind"));
  assert((parseTrainArgs(["--nope"]) as string).includes("--nope"));
  const ok = parseTrainArgs(["--scenario", "calm", "--trials", "3", "--promote"]);
  assert(typeof ok !== "string" && ok.trials === 3 && ok.promote && ok.horizon === 1);
});

Deno.test({
  name:
    "deno task train model trains on simulated data, registers the model, and a scenario's agent trades with it; a feature-set hash mismatch is refused",
  sanitizeResources: false, // tfjs's wasm backend keeps its module loaded
  fn: async () => {
    await withRegistry(async (registry, lines) => {
      const code = await runTrainCommand([
        "model",
        "--scenario",
        "calm",
        "--hours",
        "8",
        "--trials",
        "1",
        "--folds",
        "2",
        "--epochs",
        "3",
        "--name",
        "calm-test",
        "--registry",
        registry,
        "--promote",
        "--seed",
        "5",
      ]);
      assertEquals(code, 0, lines.join("\n"));
      const out = lines.join("\n");
      assert(out.includes("walk-forward"), out);
      assert(/registered calm-test v1 \(production\)/.test(out), out);
      const entry = await new ModelRegistry(registry).show("calm-test");
      assertEquals(entry.meta.featureSet.hash, ALPHA_V1.hash);
      assertEquals(entry.meta.seed, 5);

      const calm = await loadScenario("calm");
      const scenario = {
        ...calm,
        durationMs: 3 * 3_600_000,
        agents: [{
          ...calm.agents[0],
          id: "model",
          policy: ModelPolicySchema.parse({
            kind: "model",
            model: "calm-test",
            registry,
            // Thresholds any prediction clears: this checks the wiring, not the model's edge.
            long: 0.01,
            short: 0.005,
          }),
        }],
      };
      const run = await runScenario(scenario, { seed: 9 });
      assert((run.counts.byKind["intent"] ?? 0) > 0, JSON.stringify(run.counts.byKind));

      // The same artifact registered as trained on other definitions of alpha_v1.
      const reg = new ModelRegistry(registry);
      const files: Record<string, Uint8Array> = {};
      for (const f of Object.keys(entry.meta.files)) files[f] = await reg.read(entry, f);
      const { name: _n, version: _v, files: _f, createdAt: _c, ...meta } = entry.meta;
      await reg.register({
        ...meta,
        name: "calm-stale",
        featureSet: { ...meta.featureSet, hash: "0123456789abcdef" },
      }, files);
      await assertRejects(
        () => loadServedModel({ registry, model: "calm-stale", version: "latest" }),
        ModelServingError,
        "hash mismatch",
      );
    });
  },
});

Deno.test({
  name:
    "train model on a real bar file registers candidates; models list, promote and rollback manage them",
  sanitizeResources: false, // tfjs's wasm backend keeps its module loaded
  fn: async () => {
    await withRegistry(async (registry, lines) => {
      const args = [
        "model",
        "--data",
        `${SHARED_DATA_DIR}GOOG-1d-backtesting-py.csv`,
        "--kind",
        "volatility",
        "--horizon",
        "5",
        "--trials",
        "1",
        "--folds",
        "2",
        "--epochs",
        "2",
        "--registry",
        registry,
        "--quiet",
      ];
      assertEquals(await runTrainCommand(args), 0);
      assertEquals(await runTrainCommand(args), 0);
      const table = lines.join("\n");
      assert(/rmse\s+baseRmse\s+qlike\s+baseQlike\s+ic/.test(table), table);
      assert(table.includes("registered volatility-GOOG-1d-backtesting-py v2 (candidate)"), table);
      const name = "volatility-GOOG-1d-backtesting-py";
      const models = ["--registry", registry];
      assertEquals(await runModelsCommand(["promote", name, "1", ...models]), 0);
      assertEquals(await runModelsCommand(["promote", name, "2", ...models]), 0);
      assertEquals(await runModelsCommand(["rollback", name, ...models]), 0);
      lines.length = 0;
      assertEquals(await runModelsCommand(["list", name, ...models, "--json"]), 0);
      const listed = JSON.parse(lines[0]) as { version: number; stage: string }[];
      assertEquals(listed.map((m) => [m.version, m.stage]), [[1, "production"], [2, "archived"]]);
      assertEquals(await runModelsCommand(["promote", name, "x", ...models]), 2);
    });
  },
});
