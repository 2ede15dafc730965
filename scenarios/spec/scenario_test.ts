import { assertEquals, assertThrows } from "../../testing/mod.ts";
import { parseScenario, ScenarioError } from "./scenario.ts";

const agent = (policy: Record<string, unknown>) => ({ id: "a", policy });

Deno.test("long_short without allowShort is an error naming the field and both ways out", () => {
  const e = assertThrows(
    () =>
      parseScenario({ name: "t", agents: [agent({ kind: "sma_crossover", mode: "long_short" })] }),
    ScenarioError,
  ) as ScenarioError;
  assertEquals(e.issues.length, 1);
  assertEquals(
    e.issues[0],
    'agents[0].policy.mode: long_short sells short, which this scenario does not allow: set "allowShort": true, or mode "long_only"',
  );
});

Deno.test("a rule policy's mode defaults to long_only without allowShort, and keeps its own with it", () => {
  const mode = (allowShort: boolean | undefined, kind: string) => {
    const s = parseScenario({
      name: "t",
      ...(allowShort === undefined ? {} : { allowShort }),
      agents: [agent({ kind })],
    });
    const p = s.agents[0].policy;
    return "mode" in p ? p.mode : undefined;
  };
  assertEquals(mode(undefined, "mean_reversion"), "long_only");
  assertEquals(mode(false, "mean_reversion"), "long_only");
  assertEquals(mode(true, "mean_reversion"), "long_short");
  assertEquals(mode(undefined, "sma_crossover"), "long_only");
  assertEquals(mode(true, "sma_crossover"), "long_only");
  assertEquals(mode(undefined, "buy_and_hold"), undefined);
});
