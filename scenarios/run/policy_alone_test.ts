// Each policy kind alone in a scenario trades: the price it sizes and marks at is computed
// whatever it reads itself (a run of one SMA agent sized by equity made 0 trades before).
import { assert } from "../../testing/mod.ts";
import { ModelRegistry } from "../../policies/registry/mod.ts";
import {
  constantServingModel,
  observationKey,
  rlEnvConfig,
  saveCheckpoint,
} from "../../policies/rl/mod.ts";
import { SHARED_DATA_DIR } from "../../env/research/mod.ts";
import { parseScenario } from "../spec/mod.ts";
import { runScenario } from "./run_scenario.ts";

const EQUITY = { kind: "equity_fraction", fraction: 0.5 } as const;
const RULES = [
  { kind: "sma_crossover", fast: 3, slow: 8 },
  { kind: "mean_reversion", window: 10, entryZ: 1, exitZ: 0.2 },
  { kind: "market_maker" },
  { kind: "buy_and_hold" },
] as const;

Deno.test("every rule policy alone, sized by equity, trades on the simulator", async () => {
  for (const policy of RULES) {
    const run = await runScenario(parseScenario({
      name: `alone-${policy.kind}`,
      durationMs: 3_600_000,
      venue: { kind: "sim", market: { population: { noise: { count: 20 } } } },
      agents: [{ id: "a", policy, sizing: EQUITY }],
    }));
    const fills = run.agents[0].fills.length;
    assert(fills > 0, `${policy.kind} alone made no fill`);
  }
});

Deno.test("every bar policy alone, sized by equity, trades on GOOG's recorded daily bars", async () => {
  for (const policy of RULES.filter((p) => p.kind !== "market_maker")) {
    const run = await runScenario(parseScenario({
      name: `alone-${policy.kind}`,
      venue: {
        kind: "replay",
        file: `${SHARED_DATA_DIR}GOOG-1d-backtesting-py.csv`,
        symbol: "GOOG",
      },
      agents: [{ id: "a", policy, sizing: EQUITY }],
    }));
    const fills = run.agents[0].fills.length;
    assert(fills > 0, `${policy.kind} alone made no fill`);
  }
});

Deno.test("an rl agent alone, sized by equity, trades on the simulator", async () => {
  const dir = await Deno.makeTempDir({ dir: "./out" });
  try {
    const market = { population: { noise: { count: 20 } } };
    const rl = { decisionMs: 5_000, window: 3 };
    const env = rlEnvConfig({ venue: { kind: "sim", market }, rl }, "t");
    const model = constantServingModel(observationKey(env).names.length, 1);
    const meta = { name: "long", source: "t", envSteps: 0, seed: 1, hyperparameters: {} };
    await saveCheckpoint(new ModelRegistry(dir), { ...meta, metrics: {} }, env, model, {
      algo: "ppo",
      json: {},
      blobs: {},
    });
    const run = await runScenario(parseScenario({
      name: "alone-rl",
      durationMs: 600_000,
      venue: { kind: "sim", market },
      agents: [{
        id: "rl",
        policy: { kind: "rl", model: "long", version: "latest", registry: dir },
        sizing: EQUITY,
      }],
    }));
    assert(run.agents[0].fills.length > 0, "the rl agent alone made no fill");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
