/**
 * `deno task sim [SCENARIO] [--seed N] [--out DIR] [--replay FILE] [--bus URL] [--no-recording]
 * [--quiet | --json]`: runs a scenario, shows progress on a terminal (simulated time, events/s,
 * ETA), prints the summary table, and writes `report.json`, `report.html` and `recording.jsonl`
 * (not with `--no-recording`) to DIR (default `out/sim/<scenario name>`).
 *
 * The outputs are one set, whole or absent (report/output_set.ts): they are written into a
 * staging folder as the run goes — the recording streamed, so it costs no memory — and take
 * DIR's place only once all are written, so a run that is killed or fails leaves the previous
 * set as it was.
 *
 * For scripts: `--quiet` prints nothing but errors; `--json` prints one JSON object on stdout
 * (the files written, and per agent its statistics) and nothing else. The exit code is 0 for a
 * run, 1 for a run that failed, 2 for bad arguments.
 *
 * With `--replay FILE` the market data of a recording (its raw quotes and bars) is fed back
 * through the actors instead of the scenario's venue; the scenario and seed come from the
 * recording's header, and the agents trade on a replay venue over the recorded bars.
 *
 * With `--bus nats://HOST:PORT` every message goes through that NATS server instead of the
 * in-process bus, in lockstep (scenarios/run/run_scenario.ts), and the run is identical, message for
 * message, to the in-process one. `--bus memory` is the default.
 * @module
 */
import type { Bar } from "../../actors/protocol/mod.ts";
import {
  buildReport,
  formatSummary,
  killPoint,
  loadPageAssets,
  OutputSet,
  readRecording,
  recordedMarketMessage,
  RecordingError,
  recordingHeader,
  RecordingWriter,
  renderReportHtml,
  type Report,
  riskCounts,
  SERIES_FILE,
  seriesArrow,
} from "../report/mod.ts";
import { type Progress, runScenario, SimJournal } from "../run/mod.ts";
import { parseSimArgs, SIM_SPEC } from "./sim_args.ts";
import { JournalError } from "../../actors/journal/mod.ts";
import { loadScenario, riskDefaultsNote, type Scenario, ScenarioError } from "../spec/mod.ts";
import { type CommandSpec, helpText } from "./args.ts";
import { type ServedSim, serveSim } from "./sim_serve.ts";

/** Runs the sim command; returns the exit code. */
export async function runSimCommand(
  args: readonly string[],
  spec: CommandSpec = SIM_SPEC,
): Promise<number> {
  const parsed = parseSimArgs(args, spec);
  if (parsed === "help") {
    console.log(helpText(spec));
    return 0;
  }
  if (typeof parsed === "string") {
    console.error(`sim: ${parsed}`);
    return 2;
  }
  let scenario: Scenario;
  let seed: number | undefined = parsed.seed;
  let marketData;
  let journal: SimJournal | undefined;
  try {
    if (parsed.resume !== undefined) {
      journal = await SimJournal.resume(parsed.resume);
      scenario = journal.scenario;
      seed = journal.seed;
      for (const issue of journal.issues) console.error(`sim: ${issue.message}`);
    } else if (parsed.replay !== undefined) {
      // Streamed, keeping only the raw bars (what the replay venue trades on), so a recording
      // of any length replays.
      const bars: Bar[] = [];
      const rec = await readRecording(parsed.replay, (line, n) => {
        if (!line.includes('"kind":"bar"')) return;
        const m = recordedMarketMessage(line, n, parsed.replay);
        if (m?.kind === "bar") bars.push(m);
      });
      scenario = rec.scenario;
      seed ??= rec.seed;
      marketData = bars;
    } else {
      scenario = await loadScenario(parsed.scenario);
    }
  } catch (error) {
    console.error(
      error instanceof ScenarioError
        ? `sim: bad scenario ${error.message}`
        : error instanceof Deno.errors.NotFound && parsed.replay !== undefined
        ? `sim: --replay ${parsed.replay}: no such file`
        : error instanceof RecordingError || error instanceof JournalError
        ? `sim: ${error.message}`
        : `sim: ${error}`,
    );
    return 1;
  }
  if (parsed.journal !== undefined) {
    try {
      journal = await SimJournal.create(parsed.journal, scenario, seed ?? scenario.seed);
    } catch (error) {
      console.error(`sim: --journal ${error instanceof Error ? error.message : error}`);
      return 1;
    }
  }
  const dir = parsed.out ?? `out/sim/${scenario.name}${parsed.replay ? "-replay" : ""}`;
  let out: OutputSet;
  let recording: RecordingWriter | undefined;
  try {
    out = await OutputSet.open(dir);
    recording = parsed.noRecording ? undefined : new RecordingWriter(
      out.path("recording.jsonl"),
      recordingHeader(scenario, seed ?? scenario.seed),
      () => killPoint("recording-flushed"),
    );
  } catch (error) {
    console.error(`sim: --out ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  let served: ServedSim | undefined;
  if (parsed.control !== undefined) {
    try {
      served = await serveSim(
        parsed,
        scenario,
        parsed.replay !== undefined || parsed.resume !== undefined,
        spec.name,
      );
    } catch (error) {
      console.error(`${spec.name}: ${(error as Error).message}`);
      recording?.close();
      journal?.close();
      await out.abort();
      return 2;
    }
  }
  const tty = !parsed.quiet && !parsed.json && Deno.stderr.isTerminal();
  // Said before the run: a loss limit the user never set halts an agent for the rest of it.
  const defaults = riskDefaultsNote(scenario);
  if (defaults !== null && !parsed.quiet && !parsed.json) console.error(`sim: ${defaults}`);
  let result;
  const rss = new PeakRss();
  try {
    const bar = new ProgressLine(performance.now());
    result = await runScenario(scenario, {
      seed,
      marketData,
      natsUrl: parsed.natsUrl,
      fullSeries: parsed.series,
      ...(recording === undefined && journal === undefined ? {} : {
        record: (line: string) => {
          recording?.line(line);
          journal?.record(line);
        },
      }),
      onProgress: (p) => {
        rss.sample();
        served?.progress(p.fraction);
        if (tty) bar.show(p);
      },
      ...served?.runOptions,
    });
  } catch (error) {
    // A data file that cannot be read or replayed, say: named, not a stack trace.
    console.error(`sim: ${scenario.name}: ${error instanceof Error ? error.message : error}`);
    recording?.close();
    journal?.close();
    await out.abort();
    await served?.shutdown();
    return 1;
  } finally {
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  }
  const report = buildReport(result);
  const files: Record<string, string> = {
    report: `${dir}/report.json`,
    html: `${dir}/report.html`,
    ...(recording === undefined ? {} : { recording: `${dir}/recording.jsonl` }),
    ...(parsed.series ? { series: `${dir}/${SERIES_FILE}` } : {}),
  };
  const messages = recording?.messages ?? result.counts.messages;
  try {
    recording?.finish();
    journal?.finish(result.counts.messages);
    killPoint("recording-finished");
    rss.sample();
    const html = renderReportHtml(report, await loadPageAssets());
    rss.sample();
    const json = JSON.stringify(report, null, 1);
    rss.sample();
    await out.write("report.json", json);
    await out.write("report.html", html);
    if (parsed.series) await out.write(SERIES_FILE, seriesArrow(result.agents));
    await out.commit();
  } catch (error) {
    console.error(`sim: writing ${dir}: ${error instanceof Error ? error.message : error}`);
    await out.abort();
    await served?.shutdown();
    return 1;
  }
  if (parsed.json) {
    console.log(JSON.stringify(jsonSummary(report, files, messages, rss.mb)));
  } else if (!parsed.quiet) {
    console.log(formatSummary(result));
    const via = parsed.natsUrl === undefined
      ? ""
      : ` through NATS at ${parsed.natsUrl}, ${result.counts.persisted} kept in JetStream`;
    const written = Object.values(files);
    const list = `${written.slice(0, -1).join(", ")} and ${written.at(-1)}`;
    const note = recording === undefined ? "; no recording" : "";
    console.log(`wrote ${list} (${messages} messages${via}${note})`);
    if (result.learningRegistry !== undefined) {
      console.log(
        `the learning agents' candidates: deno task models --registry ${result.learningRegistry}`,
      );
    }
  }
  await served?.linger();
  return 0;
}

/** What `--json` prints: the files, the run's size, per agent its statistics, the risk events. */
export function jsonSummary(
  report: Report,
  files: Readonly<Record<string, string>>,
  messages: number,
  peakRssMb?: number,
): Record<string, unknown> {
  const n = riskCounts(report.events);
  return {
    scenario: report.scenario.name,
    seed: report.seed,
    venue: report.venue,
    files,
    messages,
    wallMs: report.run.wallMs,
    risk: { rejects: n.reject, halts: n.halt, kills: n.kill, flattens: n.flatten },
    ...(peakRssMb === undefined ? {} : { peakRssMb }),
    ...(report.data === undefined ? {} : {
      data: {
        rows: report.data.rows,
        used: report.data.accepted,
        skipped: report.data.skipped,
        issues: report.data.issues.slice(0, 10),
      },
    }),
    agents: Object.fromEntries(report.agents.map((a) => [a.agentId, a.stats])),
  };
}

/**
 * The process's peak resident memory, MB: Linux's own peak (`VmHWM`) where it can be read (Deno
 * lets a process read it only with `--allow-all`, as the bench runs it), else the largest of the
 * samples taken — each progress step of the run (about a hundred) and the end of each output
 * phase — which can miss a short peak.
 */
export class PeakRss {
  #max = 0;
  /** Takes a sample now. */
  sample(): void {
    const rss = Deno.memoryUsage().rss;
    if (rss > this.#max) this.#max = rss;
  }
  /** The peak, MB. */
  get mb(): number {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
      if (m !== null) return Math.round(Number(m[1]) / 1024);
    } catch {
      // Not Linux, or not allowed: the samples.
    }
    return Math.round(this.#max / 1_048_576);
  }
}

/** The progress line on a terminal: bar, percent, simulated time, events/s and ETA. */
export class ProgressLine {
  readonly #start: number;
  readonly #width: number;
  constructor(startMs: number, width = 28) {
    this.#start = startMs;
    this.#width = width;
  }

  /** The line for `p` at wall time `nowMs`. */
  format(p: Progress, nowMs: number): string {
    const done = Math.round(p.fraction * this.#width);
    const elapsed = Math.max(nowMs - this.#start, 1) / 1000;
    const rate = p.events > 0 ? p.events / elapsed : p.messages / elapsed;
    const eta = p.fraction > 0 ? elapsed * (1 - p.fraction) / p.fraction : NaN;
    return `${"█".repeat(done)}${"░".repeat(this.#width - done)} ${
      (p.fraction * 100).toFixed(0).padStart(3)
    }%  ${clock(p.simMs)} simulated  ${si(rate)} ${p.events > 0 ? "events" : "msgs"}/s  ${
      si(p.messages)
    } msgs  ETA ${Number.isFinite(eta) ? `${eta.toFixed(1)} s` : "—"}`;
  }

  show(p: Progress): void {
    Deno.stderr.writeSync(
      new TextEncoder().encode(`\r${this.format(p, performance.now())}\x1b[K`),
    );
  }
}

/** Simulated time as `6h30m`, or `3d04h` past a day. */
function clock(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return h >= 24
    ? `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`
    : `${h}h${String(m).padStart(2, "0")}m`;
}

/** 1234567 → "1.23M". */
function si(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}
