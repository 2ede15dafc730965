// Market-data cleaning on recorded daily bars: weekends and one-day holidays are not gaps (the
// calendar is inferred from the file: no bar on a weekend), a +15 % day is not a spike, and the
// alerts that remain are counted by code in the summary.
import { assertEquals, assertStringIncludes } from "../../testing/mod.ts";
import { SHARED_DATA_DIR } from "../../env/research/mod.ts";
import { alertBreakdown, formatSummary } from "../report/mod.ts";
import { parseScenario } from "../spec/mod.ts";
import { calendarOf } from "./markets.ts";
import { runScenario } from "./run_scenario.ts";

Deno.test("GOOG's daily bars: only the two real multi-day closures are gap alerts, no weekend", async () => {
  const run = await runScenario(parseScenario({
    name: "goog-calendar",
    venue: { kind: "replay", file: `${SHARED_DATA_DIR}GOOG-1d-backtesting-py.csv`, symbol: "GOOG" },
    agents: [{ id: "hold", policy: { kind: "buy_and_hold" } }],
  }));
  const alerts = run.events.filter((e) => e.type === "alert");
  // New Year 2007 with the national day of mourning for President Ford (2 January), and
  // Hurricane Sandy (29-30 October 2012): two weekdays each. 458 alerts before the calendar.
  assertEquals(alerts.map((a) => a.message.match(/missing from (\S+) to (\S+)/)?.slice(1)), [
    ["2006-12-30T00:00:00.000Z", "2007-01-03T00:00:00.000Z"],
    ["2012-10-27T00:00:00.000Z", "2012-10-31T00:00:00.000Z"],
  ]);
  assertEquals(alertBreakdown(run.events), "2 market-data/gap");
  assertStringIncludes(formatSummary(run), "2 alerts (2 market-data/gap)");
});

Deno.test("the calendar of recorded bars: weekdays when none falls on a weekend", () => {
  const day = 86_400_000;
  const friday = Date.UTC(2024, 0, 5);
  assertEquals(calendarOf([friday, friday + 3 * day]), "weekdays");
  assertEquals(calendarOf([friday, friday + day]), "continuous"); // a Saturday bar
  assertEquals(calendarOf([]), "continuous");
});
