/**
 * `deno task sim [SCENARIO] [--seed N] [--out DIR] [--replay FILE] [--quiet]`: runs a scenario,
 * shows progress on a terminal, prints the summary table, and writes `report.json` and
 * `recording.jsonl` to DIR (default `out/sim/<scenario name>`).
 *
 * With `--replay FILE` the market data of a recording (its raw quotes and bars) is fed back
 * through the actors instead of the scenario's venue; the scenario and seed come from the
 * recording's header, and the agents trade on a replay venue over the recorded bars.
 * @module
 */
import { buildReport, formatSummary } from "./report.ts";
import { parseRecording, recordedMarketData, recordingHeader } from "./recording.ts";
import { type Progress, runScenario } from "./run.ts";
import { DEFAULT_SCENARIO, loadScenario, type Scenario, ScenarioError } from "./scenario.ts";

/** Parsed arguments of the sim command. */
export interface SimArgs {
  readonly scenario: string;
  readonly seed: number | undefined;
  readonly out: string | undefined;
  readonly replay: string | undefined;
  readonly quiet: boolean;
}

/** Parses the sim command's arguments; returns an error message on bad input. */
export function parseSimArgs(args: readonly string[]): SimArgs | string {
  let scenario: string | undefined;
  let seed: number | undefined;
  let out: string | undefined;
  let replay: string | undefined;
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new SyntaxError(`${a}: expected a value`);
      return v;
    };
    try {
      if (a === "--seed") {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
          return `--seed: expected an integer in [0, 4294967295], got ${JSON.stringify(v)}`;
        }
        seed = n;
      } else if (a === "--out") out = value();
      else if (a === "--replay") replay = value();
      else if (a === "--quiet") quiet = true;
      else if (a.startsWith("--")) return `unknown option "${a}"`;
      else if (scenario === undefined) scenario = a;
      else return `unexpected argument "${a}" (one scenario at a time)`;
    } catch (error) {
      return (error as Error).message;
    }
  }
  return { scenario: scenario ?? DEFAULT_SCENARIO, seed, out, replay, quiet };
}

/** Runs the sim command; returns the exit code. */
export async function runSimCommand(args: readonly string[]): Promise<number> {
  const parsed = parseSimArgs(args);
  if (typeof parsed === "string") {
    console.error(`sim: ${parsed}`);
    return 2;
  }
  let scenario: Scenario;
  let seed: number | undefined = parsed.seed;
  let marketData;
  try {
    if (parsed.replay !== undefined) {
      const rec = parseRecording(await Deno.readTextFile(parsed.replay), parsed.replay);
      scenario = rec.scenario;
      seed ??= rec.seed;
      marketData = recordedMarketData(rec, parsed.replay);
    } else {
      scenario = await loadScenario(parsed.scenario);
    }
  } catch (error) {
    console.error(
      error instanceof ScenarioError ? `sim: bad scenario ${error.message}` : `sim: ${error}`,
    );
    return 1;
  }
  const dir = parsed.out ?? `out/sim/${scenario.name}${parsed.replay ? "-replay" : ""}`;
  const lines: string[] = [recordingHeader(scenario, seed ?? scenario.seed)];
  const tty = !parsed.quiet && Deno.stderr.isTerminal();
  let result;
  try {
    result = await runScenario(scenario, {
      seed,
      marketData,
      record: (line) => lines.push(line),
      onProgress: tty ? showProgress : undefined,
    });
  } catch (error) {
    // A data file that cannot be read or replayed, say: named, not a stack trace.
    console.error(`sim: ${scenario.name}: ${error instanceof Error ? error.message : error}`);
    return 1;
  } finally {
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  }
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/recording.jsonl`, lines.join("\n") + "\n");
  await Deno.writeTextFile(`${dir}/report.json`, JSON.stringify(buildReport(result), null, 1));
  if (!parsed.quiet) console.log(formatSummary(result));
  console.log(`wrote ${dir}/report.json and ${dir}/recording.jsonl (${lines.length - 1} messages)`);
  return 0;
}

function showProgress(p: Progress): void {
  const width = 30;
  const done = Math.round(p.fraction * width);
  const h = Math.floor(p.simMs / 3_600_000);
  const m = Math.floor((p.simMs % 3_600_000) / 60_000);
  const text = `[${"#".repeat(done)}${".".repeat(width - done)}] ${
    (p.fraction * 100).toFixed(0).padStart(3)
  }%  ${h}h${String(m).padStart(2, "0")}m simulated  ${p.events} events  ${p.messages} messages`;
  Deno.stderr.writeSync(new TextEncoder().encode(`\r${text}`));
}
