// Margin calls and flattening, end to end through the actors: a leveraged short that runs against
// a margin account is flattened by its broker's margin call, and with `flattenOnHalt` a loss halt
// closes the position instead of leaving it open.
import { assert, assertEquals, assertStringIncludes } from "../../testing/mod.ts";
import { formatSummary } from "../report/mod.ts";
import { parseScenario, type ScenarioInput } from "../spec/mod.ts";
import { runScenario } from "./run_scenario.ts";

const DAY = 86_400_000;
const LOOSE = {
  maxPosition: 1e9,
  maxOrderNotional: 1e12,
  maxDrawdownPct: 1e6,
  maxDailyLossPct: 1e6,
  priceCollarPct: 1e6,
};

/** Daily bars: 30 quiet days around 100, then `days` more moving by `step` a day. */
async function series(dir: string, step: number, days: number): Promise<string> {
  const rows = ["time,open,high,low,close,volume"];
  for (let i = 0; i < 30 + days; i++) {
    const p = i < 30 ? 100 + (i % 3) - 1 : 100 + (i - 29) * step;
    rows.push(`${Date.UTC(2024, 0, 1) + i * DAY},${p},${p + 1},${p - 1},${p},1000`);
  }
  const file = `${dir}/series-${step}.csv`;
  await Deno.writeTextFile(file, rows.join("\n"));
  return file;
}

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "./out" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a leveraged short running against a margin account is flattened by a margin call", async () => {
  await inTemp(async (dir) => {
    const run = await runScenario(parseScenario({
      name: "margin-call",
      venue: { kind: "replay", file: await series(dir, 4, 40), symbol: "X" },
      cash: 100_000,
      allowShort: true,
      margin: { leverage: 2, maintenance: 0.3 },
      risk: LOOSE,
      agents: [{
        id: "fade",
        policy: { kind: "mean_reversion", window: 10, entryZ: 1, exitZ: 0.01, mode: "long_short" },
        sizing: { kind: "equity_fraction", fraction: 2 },
      }],
    }));
    const calls = run.events.filter((e) => e.code === "broker/margin_call");
    assertEquals(calls.length, 1);
    assertStringIncludes(calls[0].message, "fade: margin call: equity ");
    assertStringIncludes(calls[0].message, "USD below the maintenance margin ");
    const flattens = run.events.filter((e) => e.type === "flatten");
    assertEquals(flattens.map((e) => [e.agentId, e.code]), [["fade", "broker"]]);
    const { fills, positions, stats } = run.agents[0];
    // The short (twice the equity when it went on) was bought back whole at the next open, and
    // the halted agent traded no more.
    const last = fills.at(-1)!;
    assertEquals(last.side, "buy");
    const before = fills.slice(0, -1).reduce((p, f) => p + (f.side === "buy" ? f.qty : -f.qty), 0);
    assertEquals(before, -last.qty);
    assert(last.qty * 100 > 1.5 * 100_000, `a leveraged short: ${last.qty} units`);
    assert(last.ts >= calls[0].ts);
    assertEquals(positions.at(-1)!.qty, 0);
    assert(stats.equity_final > 0, `liquidated in time: equity ${stats.equity_final}`);
    assertStringIncludes(formatSummary(run), "fade: flattened ");
  });
});

async function haltRun(dir: string, flattenOnHalt: boolean) {
  const scenario: ScenarioInput = {
    name: "halt",
    venue: { kind: "replay", file: await series(dir, -2, 30), symbol: "X" },
    cash: 100_000,
    risk: { ...LOOSE, maxDrawdownPct: 10, flattenOnHalt },
    agents: [{
      id: "hold",
      policy: { kind: "buy_and_hold" },
      sizing: { kind: "equity_fraction", fraction: 1 },
    }],
  };
  return await runScenario(parseScenario(scenario));
}

Deno.test("with flattenOnHalt a loss halt closes the position; without it the position stays", async () => {
  await inTemp(async (dir) => {
    const kept = await haltRun(dir, false);
    const flat = await haltRun(dir, true);
    for (const run of [kept, flat]) {
      assertEquals(run.events.filter((e) => e.type === "halt").map((e) => e.agentId), ["hold"]);
    }
    assertEquals(kept.agents[0].fills.length, 1);
    assert(kept.agents[0].positions.at(-1)!.qty > 0);
    const fills = flat.agents[0].fills;
    assertEquals(fills.map((f) => f.side), ["buy", "sell"]);
    assertEquals(fills[1].qty, fills[0].qty);
    assertEquals(flat.agents[0].positions.at(-1)!.qty, 0);
    const flatten = flat.events.find((e) => e.type === "flatten")!;
    assertEquals([flatten.agentId, flatten.code], ["hold", "risk"]);
    assertStringIncludes(flatten.message, "flatten on halt: hold: ");
    // Flat from the halt on, it lost less than the one that held on.
    assert(flat.agents[0].stats.equity_final > kept.agents[0].stats.equity_final);
  });
});
