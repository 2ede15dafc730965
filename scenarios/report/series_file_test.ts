import { tableFromIPC } from "@uwdata/flechette";
import { assert, assertEquals } from "../../testing/mod.ts";
import { EquityCurve } from "../../actors/ledger/mod.ts";
import type { AgentSummary } from "../../actors/roles/mod.ts";
import { runSimCommand } from "../commands/mod.ts";
import { SERIES_FILE, seriesArrow } from "./series_file.ts";

const agent = (
  agentId: string,
  points: [number, number, boolean][],
  positions: { ts: number; qty: number }[],
) =>
  ({
    agentId,
    fullEquity: EquityCurve.of(points.map(([ts, equity, exposed]) => ({ ts, equity, exposed }))),
    positions,
  }) as unknown as AgentSummary;

Deno.test("series.arrow holds every step of every agent, its position held from each change", () => {
  const bytes = seriesArrow([
    agent("a", [[1_000, 100, false], [2_000, 101, true], [3_000, 99, true], [4_000, 98, false]], [
      { ts: 1_000, qty: 0 },
      { ts: 2_000, qty: 5 },
      { ts: 4_000, qty: 0 },
    ]),
    agent("b", [[1_000, 50, false], [2_000, 50, true]], [{ ts: 2_000, qty: -3 }]),
  ]);
  const table = tableFromIPC(bytes);
  assertEquals(table.schema.fields.map((f) => f.name), [
    "agent",
    "ts",
    "equity",
    "exposed",
    "position",
  ]);
  assertEquals(table.toArray().map((r) => ({ ...r })), [
    { agent: "a", ts: 1_000, equity: 100, exposed: false, position: 0 },
    { agent: "a", ts: 2_000, equity: 101, exposed: true, position: 5 },
    { agent: "a", ts: 3_000, equity: 99, exposed: true, position: 5 },
    { agent: "a", ts: 4_000, equity: 98, exposed: false, position: 0 },
    { agent: "b", ts: 1_000, equity: 50, exposed: false, position: 0 },
    { agent: "b", ts: 2_000, equity: 50, exposed: true, position: -3 },
  ]);
});

Deno.test("sim --series writes series.arrow beside the report, one row per agent per step", async () => {
  await Deno.mkdir("out", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out", prefix: "sim-series-" });
  const log = console.log;
  const printed: string[] = [];
  console.log = (...a: unknown[]) => printed.push(a.join(" "));
  try {
    const scenario = new URL("../recordings/kill_short.json", import.meta.url).pathname;
    assertEquals(await runSimCommand([scenario, "--out", dir, "--json", "--series"]), 0);
    const out = JSON.parse(printed[0]);
    assertEquals(out.files.series, `${dir}/${SERIES_FILE}`);
    const report = JSON.parse(await Deno.readTextFile(out.files.report));
    const table = tableFromIPC(await Deno.readFile(out.files.series));
    const agents = table.getChild("agent").toArray() as string[];
    // Every step of every agent: the report's series say how many points the run had.
    let rows = 0;
    for (const a of report.agents) {
      const steps = report.series.equity[a.agentId][0];
      assertEquals(agents.filter((x) => x === a.agentId).length, steps, a.agentId);
      rows += steps;
    }
    assertEquals(table.numRows, rows);
    const equity = table.getChild("equity").toArray() as Float64Array;
    const last = report.agents[0].stats.equity_final;
    assert(Math.abs(equity[agents.lastIndexOf(report.agents[0].agentId)] - last) < 1e-6);
  } finally {
    console.log = log;
    await Deno.remove(dir, { recursive: true });
  }
});
