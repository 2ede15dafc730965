import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../testing/mod.ts";
import { DataFileError } from "../../env/replay/mod.ts";
import { buildReport, formatSummary, loadPageAssets, renderReportHtml } from "../report/mod.ts";
import { jsonSummary } from "../commands/mod.ts";
import { parseScenario } from "../spec/mod.ts";
import { runScenario } from "./run_scenario.ts";

const CSV = [
  "time,open,high,low,close,volume",
  "2024-01-01,10,11,9,10,100",
  "2024-01-02,10,11,9,x,100", // line 3: not a number
  "2024-01-03,10,11,9,10.5,100",
  "2024-01-03,10,11,9,10.5,100", // line 5: not after the previous row
  "2024-01-04,10,9,11,10.5,100", // line 6: high < low
  "2024-01-05,10,11,9,11,100",
  "2024-01-08,11,12,10,11.5,100",
].join("\n");

async function withFile(body: (file: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "./out" });
  try {
    await Deno.writeTextFile(`${dir}/bars.csv`, CSV);
    await body(`${dir}/bars.csv`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const scenario = (file: string, badRows?: "skip" | "reject") =>
  parseScenario({
    name: "bad-rows",
    venue: { kind: "replay", file, symbol: "X", ...(badRows ? { badRows } : {}) },
    agents: [{ id: "hold", policy: { kind: "buy_and_hold" }, sizing: { kind: "units", units: 1 } }],
  });

Deno.test("bad rows of a replayed file are counted and named by line in the summary, report.json, report.html and --json; annualised ratios are labelled", async () => {
  await withFile(async (file) => {
    const run = await runScenario(scenario(file));
    assertEquals([run.data?.rows, run.data?.accepted, run.data?.skipped], [7, 4, 3]);
    assertEquals(run.data?.issues.map((i) => [i.line, i.column]), [
      [3, "close"],
      [5, "time"],
      [6, "high"],
    ]);
    const summary = formatSummary(run);
    assertStringIncludes(summary, "data: bars.csv, 4 of 7 rows used; 3 skipped (line 3, close:");
    assertStringIncludes(summary, "line 6, high: high 9 < low 11");
    // The ratios are labelled as annualised (here over 126 bars a year: the rows left are two
    // days apart).
    assertStringIncludes(summary, "sharpe*");
    assertStringIncludes(summary, "* annualised: per-bar figures × √126 (bars a year)");
    const report = buildReport(run);
    assertEquals(report.data?.skipped, 3);
    const html = renderReportHtml(report, await loadPageAssets());
    assert(html.includes('id="data-rows">data: bars.csv, 4 of 7 rows used; 3 skipped'));
    assert(html.includes('id="annualisation">* annualised: per-bar figures × √126'));
    const json = jsonSummary(report, {}, 0) as { data: { skipped: number } };
    assertEquals(json.data.skipped, 3);
  });
});

Deno.test("with badRows: reject, a bad row refuses the run, naming its line and column", async () => {
  await withFile(async (file) => {
    await assertRejects(
      () => runScenario(scenario(file, "reject")),
      DataFileError,
      "line 3, column close",
    );
  });
});

Deno.test("a clean file says all its rows were used", async () => {
  const dir = await Deno.makeTempDir({ dir: "./out" });
  try {
    await Deno.writeTextFile(
      `${dir}/ok.csv`,
      "time,open,high,low,close,volume\n2024-01-01,10,11,9,10,1\n2024-01-02,10,11,9,10,1\n",
    );
    const run = await runScenario(scenario(`${dir}/ok.csv`));
    const summary = formatSummary(run);
    assertStringIncludes(summary, "data: ok.csv, 2 of 2 rows used\n");
    assertStringIncludes(summary, "* annualised: per-bar figures × √252 (bars a year)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
