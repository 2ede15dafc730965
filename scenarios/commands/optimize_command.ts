/**
 * `deno task optimize SCENARIO --agent ID --param NAME=FROM..TO[:STEP] ... [--method
 * grid|random|halving] [--metric M] [--constraint "A<B"] [--folds K] [--embargo N] [--workers W]
 * [--samples N] [--seed N] [--heatmap X,Y] [--out DIR] [--json]`: searches one agent's policy
 * parameters over backtests in worker threads, scores every combination in and out of sample
 * on walk-forward folds (scenarios/optimize), prints the folds' choices and the best
 * combinations, warns when the choice looks overfitted, and writes `optimize.json` (every
 * combination's statistics per fold) and `optimize.html` (heatmaps of two parameters) to DIR
 * (default `out/optimize/<scenario>-<agent>`). Exit 0 after a search, 1 when it could not run,
 * 2 for bad arguments.
 * @module
 */
import {
  meanScore,
  type Metric,
  METRICS,
  metricScore,
  optimize,
  OptimizeError,
  type OptimizeResult,
  ParamSpaceError,
  parseConstraint,
  parseParam,
  renderHeatmapHtml,
  showCombo,
} from "../optimize/mod.ts";
import { loadScenario, ScenarioError } from "../spec/mod.ts";
import { answerParse, type CommandSpec, parseCommandArgs } from "./args.ts";

/** The optimize command's arguments, as data (its `--help` is made from them). */
export const OPTIMIZE_SPEC: CommandSpec = {
  name: "optimize",
  summary: "Search an agent's policy parameters: backtests in worker threads, each scored in\n" +
    "sample and out of sample on walk-forward folds; the folds' choices, an overfitting\n" +
    "check, optimize.json and a heatmap page (optimize.html).",
  positionals: [{ name: "SCENARIO", help: "a shipped scenario or a JSON file" }],
  options: [
    { name: "agent", kind: "string", value: "ID", help: "the agent whose policy is searched" },
    {
      name: "param",
      kind: "string",
      value: "SPEC",
      repeatable: true,
      help: "NAME=FROM..TO[:STEP] or NAME=A,B,C; once per parameter",
    },
    {
      name: "constraint",
      kind: "string",
      value: "A<B",
      repeatable: true,
      help: "a comparison every combination must meet (< <= > >= == !=)",
    },
    {
      name: "method",
      kind: "string",
      choices: ["grid", "random", "halving"],
      help: "grid (every combination, default), random (--samples of them) or halving",
    },
    {
      name: "metric",
      kind: "string",
      choices: METRICS,
      help: `what to maximise (default sharpe; drawdown: the smallest)`,
    },
    { name: "folds", kind: "int", min: 1, max: 50, help: "walk-forward test blocks (default 4)" },
    {
      name: "embargo",
      kind: "int",
      min: 0,
      help: "bars left out before each test block (default 5)",
    },
    { name: "workers", kind: "int", min: 1, max: 64, help: "worker threads (default: cores)" },
    { name: "samples", kind: "int", min: 1, help: "combinations drawn by random (default 50)" },
    { name: "seed", kind: "int", help: "seed of random (default the scenario's)" },
    { name: "heatmap", kind: "string", value: "X,Y", help: "the heatmap's two parameters" },
    { name: "out", kind: "string", value: "DIR", help: "default out/optimize/<scenario>-<agent>" },
    { name: "top", kind: "int", min: 1, help: "combinations listed (default 10)" },
    { name: "json", kind: "flag", help: "print one JSON object (the files and the choice) only" },
  ],
  notes: "Example: optimize goog_daily --agent sma --param fast=5..50:5 --param slow=20..200:15 " +
    '--constraint "fast<slow"',
};

function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined) return "—";
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
}

const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);

/** The folds table, the best combinations and the verdict, as printed. */
export function formatOptimize(r: OptimizeResult, top = 10): string {
  const m = r.metric;
  const lines: string[] = [];
  lines.push(
    `${r.method} search of ${r.agentId}: ${r.ranked.length} combinations scored` +
      (r.pruned.length > 0 ? `, ${r.pruned.length} pruned by halving` : "") +
      (r.refused.count > 0 ? `, ${r.refused.count} refused by the policy` : "") +
      `; ${r.backtests} backtests on ${r.workers} worker(s) in ${(r.wallMs / 1000).toFixed(1)} s ` +
      `(${(r.backtests / (r.wallMs / 1000)).toFixed(1)} backtests/s); ${r.rows} bars`,
  );
  if (r.refused.count > 0) lines.push(`  refused, e.g. ${r.refused.first[0]}`);
  const isW = `IS ${m}`.length + 2, oosW = `OOS ${m}`.length + 2;
  lines.push(
    "",
    `fold  ${"train".padEnd(23)}  ${"test".padEnd(23)}  ${"chosen".padEnd(24)}` +
      `${`IS ${m}`.padStart(isW)}${`OOS ${m}`.padStart(oosW)}  OOS rank`,
  );
  for (const f of r.selection.folds) {
    const d = r.folds[f.index];
    lines.push(
      `${String(f.index + 1).padStart(4)}  ${day(d.trainTs[0])} – ${day(d.trainTs[1])}  ` +
        `${day(d.testTs[0])} – ${day(d.testTs[1])}  ` +
        `${showCombo(r.ranked[f.chosen].params).padEnd(24)}` +
        `${fmt(f.is).padStart(isW)}${fmt(f.oos).padStart(oosW)}  ${f.oosRank}/${r.ranked.length}`,
    );
  }
  const rows = r.ranked.map((c) => ({
    c,
    is: meanScore(c.folds!.map((f) => metricScore(f.is, m))),
    oos: meanScore(c.folds!.map((f) => metricScore(f.oos, m))),
    full: metricScore(c.full!, m),
  })).sort((a, b) => (b.is ?? -Infinity) - (a.is ?? -Infinity));
  lines.push("", `best ${Math.min(top, rows.length)} by mean in-sample ${m}:`);
  lines.push(`  ${"params".padEnd(28)}  IS mean  OOS mean  whole run  return %  trades`);
  for (const x of rows.slice(0, top)) {
    lines.push(
      `  ${showCombo(x.c.params).padEnd(28)}${fmt(x.is).padStart(9)}${fmt(x.oos).padStart(10)}` +
        `${fmt(x.full).padStart(11)}${fmt(x.c.full!.return_pct).padStart(10)}` +
        `${String(x.c.full!.trades).padStart(8)}`,
    );
  }
  const s = r.selection;
  lines.push(
    "",
    `recommended: ${showCombo(r.ranked[s.recommended].params)} (the last fold's choice); ` +
      `mean ${m} of the folds' choices: in sample ${fmt(s.isMean)}, out of sample ${
        fmt(s.oosMean)
      }`,
  );
  if (s.warning !== null) lines.push(`warning: ${s.warning}`);
  return lines.join("\n");
}

/** Runs `optimize ...`; returns the exit code. */
export async function runOptimizeCommand(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(OPTIMIZE_SPEC, args);
  if (parsed.kind !== "ok") return answerParse(OPTIMIZE_SPEC, parsed);
  const v = parsed.values;
  const scenarioArg = parsed.positionals[0];
  const bad = (message: string) => {
    console.error(`optimize: ${message}`);
    return 2;
  };
  if (scenarioArg === undefined) return bad("SCENARIO: expected a scenario (optimize --help)");
  if (v.agent === undefined) return bad("--agent: expected the id of the agent to search");
  const params = (v.param as string[] | undefined) ?? [];
  if (params.length === 0) return bad("--param: expected at least one, e.g. --param fast=5..30");
  let ranges, constraints, axes: [string, string] | undefined;
  try {
    ranges = params.map(parseParam);
    const names = ranges.map((r) => r.name);
    constraints = ((v.constraint as string[] | undefined) ?? []).map((c) =>
      parseConstraint(c, names)
    );
    if (v.heatmap !== undefined) {
      const xy = String(v.heatmap).split(",").map((s) => s.trim());
      if (xy.length !== 2 || xy.some((n) => !names.includes(n)) || xy[0] === xy[1]) {
        return bad(`--heatmap ${v.heatmap}: expected two searched parameters X,Y (${names})`);
      }
      axes = [xy[0], xy[1]];
    }
  } catch (error) {
    if (error instanceof ParamSpaceError) return bad(error.message);
    throw error;
  }
  let scenario;
  try {
    scenario = await loadScenario(scenarioArg);
  } catch (error) {
    if (error instanceof ScenarioError) return bad(error.message);
    console.error(`optimize: ${(error as Error).message}`);
    return 1;
  }
  const json = v.json === true;
  const terminal = !json && Deno.stderr.isTerminal();
  let result: OptimizeResult;
  try {
    result = await optimize({
      scenario,
      agentId: String(v.agent),
      ranges,
      constraints,
      method: v.method as "grid" | "random" | "halving" | undefined,
      metric: v.metric as Metric | undefined,
      folds: v.folds as number | undefined,
      embargo: v.embargo as number | undefined,
      workers: v.workers as number | undefined,
      samples: v.samples as number | undefined,
      seed: v.seed as number | undefined,
      onProgress: terminal
        ? (done, planned) =>
          Deno.stderr.writeSync(new TextEncoder().encode(`\r${done}/${planned} backtests`))
        : undefined,
    });
  } catch (error) {
    if (terminal) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
    if (error instanceof OptimizeError || error instanceof ParamSpaceError) {
      return bad(error.message);
    }
    console.error(`optimize: ${(error as Error).message}`);
    return 1;
  }
  if (terminal) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  const out = (v.out as string | undefined) ?? `out/optimize/${scenario.name}-${result.agentId}`;
  await Deno.mkdir(out, { recursive: true });
  const files = { json: `${out}/optimize.json`, html: `${out}/optimize.html` };
  await Deno.writeTextFile(
    files.json,
    JSON.stringify({ scenario: scenario.name, ...result, results: undefined }),
  );
  await Deno.writeTextFile(files.html, renderHeatmapHtml(result, scenario.name, axes));
  const recommended = result.ranked[result.selection.recommended].params;
  if (json) {
    console.log(JSON.stringify({
      files,
      recommended,
      selection: result.selection,
      backtests: result.backtests,
      wallMs: result.wallMs,
    }));
  } else {
    console.log(formatOptimize(result, (v.top as number | undefined) ?? 10));
    console.log(`\nwrote ${files.json} and ${files.html}`);
  }
  return 0;
}
