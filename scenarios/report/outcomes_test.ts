import { assertEquals } from "../../testing/mod.ts";
import type { RiskEventRecord } from "../../actors/roles/mod.ts";
import { parseScenario } from "../spec/mod.ts";
import { defaultedRiskLimits, riskDefaultsNote } from "../spec/mod.ts";
import { agentOutcomeLines, alertBreakdown } from "./report.ts";

const T = Date.UTC(2024, 0, 2, 3, 1, 0);
const ev = (e: Partial<RiskEventRecord> & Pick<RiskEventRecord, "type">): RiskEventRecord => ({
  ts: T,
  agentId: "a",
  code: "venue",
  message: "",
  ...e,
});

Deno.test("per-agent outcomes: venue and risk rejects counted by kind with a first example, halts named with time and why", () => {
  const events = [
    ev({
      type: "reject",
      message: "a:1: insufficient cash: needs 1,249.67 USD, 1,000.00 USD free",
    }),
    ev({
      type: "reject",
      message: "a:2: insufficient cash: needs 1,250.01 USD, 1,000.00 USD free",
    }),
    ev({ type: "reject", code: "max_position", message: "position 11 > 10" }),
    ev({ type: "halt", code: "risk", message: "a: drawdown 21% > max 20%" }),
    ev({ type: "resume", code: "operator", message: "resume" }),
    ev({ type: "alert", agentId: null, code: "market-data/gap", message: "gap" }),
    ev({ type: "kill", agentId: null, code: "operator", message: "kill switch" }),
    ev({ type: "reject", agentId: "b", code: "halted", message: "agent halted" }),
  ];
  assertEquals(agentOutcomeLines(events), [
    "a: 2 venue rejects (2× insufficient cash (first: needs 1,249.67 USD, 1,000.00 USD free)); " +
    "1 risk reject (1× max_position); halted 2024-01-02 03:01:00 by risk: a: drawdown 21% > max 20%",
    "all: killed 2024-01-02 03:01:00 by operator: kill switch",
    "b: 1 risk reject (1× halted)",
  ]);
  assertEquals(agentOutcomeLines([]), []);
  assertEquals(alertBreakdown(events), "1 market-data/gap");
});

Deno.test("the risk limits a scenario leaves at their defaults are listed with their values", () => {
  const none = parseScenario({
    name: "t",
    agents: [{ id: "a", policy: { kind: "buy_and_hold" } }],
  });
  assertEquals(defaultedRiskLimits(none).maxDrawdownPct, 20);
  const some = parseScenario({
    name: "t",
    risk: { maxDrawdownPct: 50, maxDailyLossPct: 50, maxPosition: 5 },
    agents: [{ id: "a", policy: { kind: "buy_and_hold" } }],
  });
  assertEquals(Object.keys(defaultedRiskLimits(some)), [
    "maxOrderNotional",
    "priceCollarPct",
    "maxOrdersPerMinute",
    "maxOpenOrders",
  ]);
  const all = parseScenario({
    name: "t",
    risk: {
      maxPosition: 1,
      maxOrderNotional: 1,
      priceCollarPct: 1,
      maxOrdersPerMinute: 1,
      maxOpenOrders: 1,
      maxDrawdownPct: 1,
      maxDailyLossPct: 1,
    },
    agents: [{ id: "a", policy: { kind: "buy_and_hold" } }],
  });
  assertEquals(riskDefaultsNote(all), null);
});
