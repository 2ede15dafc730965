import { assertEquals, assertThrows } from "../../testing/mod.ts";
import { MAX_DURATION_MS, parseScenario, ScenarioError } from "./scenario.ts";

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

Deno.test("margin: replay venues only, maintenance within the initial margin, sizing within the leverage", () => {
  const replay = { kind: "replay", file: "x.csv", symbol: "X" };
  const issues = (input: Record<string, unknown>) => {
    try {
      parseScenario({ name: "t", agents: [agent({ kind: "buy_and_hold" })], ...input });
      return [];
    } catch (e) {
      return (e as ScenarioError).issues;
    }
  };
  assertEquals(issues({ venue: replay, margin: { leverage: 2 } }), []);
  assertEquals(issues({ margin: {} }), [
    "margin: margin accounts are available on the replay venue; the simulated venue's accounts are cash accounts (allowShort lets agents sell short there)",
  ]);
  assertEquals(issues({ venue: replay, margin: { leverage: 4, maintenance: 0.3 } }), [
    "margin.maintenance: 0.3 is above the initial margin 1 / leverage = 0.25",
  ]);
  const sized = (fraction: number) => ({
    agents: [{
      id: "a",
      policy: { kind: "buy_and_hold" },
      sizing: { kind: "equity_fraction", fraction },
    }],
  });
  assertEquals(issues({ venue: replay, ...sized(1.5) }), [
    "agents[0].sizing.fraction: 1.5 is more than 1 × equity, which a cash account allows",
  ]);
  assertEquals(issues({ venue: replay, margin: { leverage: 2 }, ...sized(1.5) }), []);
  assertEquals(issues({ venue: replay, margin: { leverage: 2 }, ...sized(3) }), [
    "agents[0].sizing.fraction: 3 is more than 2 × equity, which the margin leverage allows",
  ]);
});

Deno.test("durationMs is bounded at 100 years of simulated time, with a message naming it", () => {
  const at = (durationMs: number) =>
    parseScenario({ name: "t", durationMs, agents: [agent({ kind: "buy_and_hold" })] });
  assertEquals(at(MAX_DURATION_MS).durationMs, 3_153_600_000_000);
  const e = assertThrows(() => at(Number.MAX_SAFE_INTEGER), ScenarioError) as ScenarioError;
  assertEquals(e.issues, [
    "durationMs: expected at most 3153600000000 ms (100 years of simulated time)",
  ]);
});

Deno.test("an agent's learning block: a model policy only, its defaults filled in, bad fields named", () => {
  const model = { kind: "model", model: "m" };
  const parsed = parseScenario({ name: "t", agents: [{ ...agent(model), learning: {} }] });
  const l = parsed.agents[0].learning!;
  assertEquals([l.window, l.horizon, l.drift.recent, l.shadow.maxDecisions, l.gate], [
    2_000,
    1,
    300,
    1_200,
    "logLoss",
  ]);
  const issues = (learning: unknown, policy: Record<string, unknown> = model) =>
    (assertThrows(
      () => parseScenario({ name: "t", agents: [{ ...agent(policy), learning }] }),
      ScenarioError,
    ) as ScenarioError).issues;
  assertEquals(issues({}, { kind: "buy_and_hold" }), [
    "agents[0].learning: only a model policy learns",
  ]);
  assertEquals(issues({ window: 100, drift: { recent: 200 } }), [
    "agents[0].learning.drift.recent: expected ≤ window (100)",
  ]);
  assertEquals(issues({ shadow: { minDecisions: 100, maxDecisions: 50 } }), [
    "agents[0].learning.shadow.maxDecisions: expected ≥ minDecisions (100)",
  ]);
  assertEquals(issues({ everyMs: 0, nope: 1 }).length, 2);
  // Training needs 50 rows: fewer is refused before the run, not found out at each retraining.
  assertEquals(issues({ minRows: 40 }), [
    "agents[0].learning.minRows: Too small: expected number to be >=50",
  ]);
  assertEquals(issues({ window: 80, drift: { recent: 60 } }), [
    "agents[0].learning.window: half of it (minRows' default) is below 50 training rows",
  ]);
  // The gate: true and false still read as before; the model a retraining trains can be fixed.
  const gate = (g: unknown) =>
    parseScenario({ name: "t", agents: [{ ...agent(model), learning: { gate: g } }] }).agents[0]
      .learning!.gate;
  assertEquals([gate(true), gate(false), gate("auc"), gate("none")], [
    "logLoss",
    "none",
    "auc",
    "none",
  ]);
  assertEquals(issues({ gate: "sharpe" }).length, 1);
  assertEquals(issues({ gate: "sharpe" }), [
    `agents[0].learning.gate: expected "logLoss", "auc", "none", true (logLoss) or false (none)`,
  ]);
  assertEquals(
    issues({ training: { hidden: [0] } })[0].startsWith("agents[0].learning.training.hidden"),
    true,
  );
  assertEquals(issues({ drift: { margin: 0.5, persist: 0 } }).length, 2);
  const fixed = parseScenario({
    name: "t",
    agents: [{
      ...agent(model),
      learning: { training: { hidden: [], learningRate: 0.01 }, drift: { features: false } },
    }],
  }).agents[0].learning!;
  assertEquals([fixed.training.hidden, fixed.training.learningRate, fixed.drift.features], [
    [],
    0.01,
    false,
  ]);
});
