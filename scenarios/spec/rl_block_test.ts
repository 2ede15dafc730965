import { assertEquals, assertThrows } from "../../testing/mod.ts";
import { parseScenario, ScenarioError } from "./scenario.ts";
import { observationKey, rlEnvConfig, RlEnvError } from "../../policies/rl/mod.ts";

const AGENTS = [{ id: "hold", policy: { kind: "buy_and_hold" } }];

Deno.test("a scenario's rl block becomes the env over its simulated market", () => {
  const s = parseScenario({
    name: "x",
    venue: { kind: "sim", market: { population: { noise: { count: 3 } } } },
    agents: AGENTS,
    rl: { decisionMs: 2_000, window: 3, trends: [10] },
  });
  const env = rlEnvConfig(s, "x");
  assertEquals(env.market.kind === "sim" && env.market.decisionMs, 2_000);
  assertEquals(observationKey(env).names.slice(-2), ["time_left", "trend_10"]);
  // Another decision interval means another observation.
  const other = rlEnvConfig({ ...s, rl: { ...s.rl!, decisionMs: 1_000 } }, "x");
  assertEquals(observationKey(other).hash === observationKey(env).hash, false);
});

Deno.test("a bad rl block or a replay venue is refused, naming the field", () => {
  assertThrows(
    () => parseScenario({ name: "x", agents: AGENTS, rl: { window: 0 } }),
    ScenarioError,
    "rl.window",
  );
  assertThrows(
    () => rlEnvConfig({ venue: { kind: "sim" }, rl: { extras: ["bogus"] } }, "x"),
    RlEnvError,
    "rl.extras",
  );
  assertThrows(
    () => rlEnvConfig({ venue: { kind: "replay" } }, "goog"),
    RlEnvError,
    'scenario goog: RL training needs a simulated venue (venue.kind "sim"), got "replay"',
  );
});
