/**
 * The whole system at work: `sim_run_s` is the wall time of one run of the default scenario
 * (`deno task sim`: a 6.5-hour simulated session with 103 background traders and four trading
 * agents, every bus message recorded as a JSON line), the median over the measured runs; and
 * `tick_to_intent_p99_us` is the 99th percentile, over every measured run, of the wall time from
 * a raw market-data message's publication to the first order intent it leads to, in-process
 * (market data → features → agent, with risk and the monitor seeing the same bar first). One
 * unmeasured run warms the JIT first.
 * @module
 */
import { quantile, type RateOptions } from "./harness.ts";
import { runScenario } from "../scenarios/run/mod.ts";
import { JournalWriter } from "../actors/journal/mod.ts";
import { DEFAULT_SCENARIO, loadScenario } from "../scenarios/spec/mod.ts";

/** Measured runs by default (the bench test asks for fewer through `rounds`). */
const RUNS = 4;

interface SimFigures {
  readonly wallS: number;
  readonly p99Us: number;
}

const cached = new Map<boolean, { runs: number; figures: Promise<SimFigures> }>();

/**
 * The default scenario's wall time and tick-to-intent latency, its messages kept in memory, or
 * (`journal`) each written to a journal file as `sim --journal` does (out/bench, removed after).
 */
async function measure(runs: number, journal: boolean): Promise<SimFigures> {
  const scenario = await loadScenario(DEFAULT_SCENARIO);
  const lines: string[] = [];
  const dir = "out/bench/journal";
  let writer: JournalWriter | undefined;
  const record = journal ? (l: string) => writer!.appendJson(l) : (l: string) => {
    lines.push(l);
  };
  const open = async () => {
    if (!journal) return;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(dir, { recursive: true });
    writer = await JournalWriter.create(`${dir}/journal.log`, { epoch: 1, createdTs: 0 });
  };
  await open();
  await runScenario(scenario, { record });
  writer?.close();
  const walls: number[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < runs; i++) {
    lines.length = 0;
    await open();
    const r = await runScenario(scenario, { record, measureLatency: true });
    writer?.close();
    walls.push(r.wallMs / 1000);
    latencies.push(...r.tickToIntentUs);
  }
  if (journal) await Deno.remove(dir, { recursive: true });
  return { wallS: quantile(walls, 0.5), p99Us: quantile(latencies, 0.99) };
}

function figures(options?: RateOptions, journal = false): Promise<SimFigures> {
  const runs = Math.max(1, Math.min(RUNS, options?.rounds ?? RUNS));
  let c = cached.get(journal);
  if (c === undefined || c.runs !== runs) {
    cached.set(journal, c = { runs, figures: measure(runs, journal) });
  }
  return c.figures;
}

/** `sim_run_s`: wall seconds of one default-scenario run (median). */
export async function benchSimRun(options?: RateOptions): Promise<number> {
  return (await figures(options)).wallS;
}

/** `tick_to_intent_p99_us`: market data → order intent, in-process, p99 in µs. */
export async function benchTickToIntent(options?: RateOptions): Promise<number> {
  const f = await figures(options);
  cached.delete(false); // the next runBenchmarks measures afresh
  return f.p99Us;
}

/** `sim_run_journal_s`: as `sim_run_s`, every message journaled (`sim --journal`). */
export async function benchSimRunJournal(options?: RateOptions): Promise<number> {
  return (await figures(options, true)).wallS;
}

/** `tick_to_intent_journal_p99_us`: as `tick_to_intent_p99_us`, every message journaled. */
export async function benchTickToIntentJournal(options?: RateOptions): Promise<number> {
  const f = await figures(options, true);
  cached.delete(true);
  return f.p99Us;
}
