import { assert, assertEquals, assertRejects, assertThrows } from "../../testing/mod.ts";
import { ModelRegistry } from "../../policies/registry/mod.ts";
import {
  constantServingModel,
  observationKey,
  rlEnvConfig,
  saveCheckpoint,
} from "../../policies/rl/mod.ts";
import { createPolicy } from "../../policies/serving/mod.ts";
import { parseScenario } from "../spec/mod.ts";
import { runScenario } from "./run_scenario.ts";

const MARKET = { population: { noise: { count: 20 } } };

Deno.test("an rl agent from the registry trades in a simulated scenario", async () => {
  const dir = await Deno.makeTempDir({ dir: "./out" });
  try {
    const env = rlEnvConfig({
      venue: { kind: "sim", market: MARKET },
      rl: { decisionMs: 5_000, window: 3, extras: ["position", "spread_bps"], trends: [4] },
    }, "test");
    const agent = { env, model: constantServingModel(observationKey(env).names.length, 1) };
    const registry = new ModelRegistry(dir);
    await saveCheckpoint(
      registry,
      {
        name: "always-long",
        source: "test",
        envSteps: 0,
        seed: 1,
        hyperparameters: {},
        metrics: {},
      },
      agent.env,
      agent.model,
      { algo: "ppo", json: {}, blobs: {} },
    );
    const scenario = parseScenario({
      name: "rl-smoke",
      durationMs: 600_000,
      venue: { kind: "sim", market: MARKET },
      agents: [{
        id: "rl",
        policy: { kind: "rl", model: "always-long", version: "latest", registry: dir },
        sizing: { kind: "units", units: 10 },
      }],
    });
    const run = await runScenario(scenario, { seed: 3 });
    const me = run.agents[0];
    assert(me.fills.length > 0, "the agent should have bought");
    assertEquals(me.positions.at(-1)?.qty ?? me.fills.reduce((s, f) => s + f.qty, 0), 10);
    await assertRejects(
      () =>
        runScenario(parseScenario({
          ...scenario,
          agents: [{
            ...scenario.agents[0],
            policy: { kind: "rl", model: "missing", registry: dir },
          }],
        })),
      Error,
      "train one with: deno task train rl",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assertThrows(
    () => createPolicy({ kind: "rl", model: "x", version: "production", registry: "m" }),
    Error,
    "not loaded",
  );
});
