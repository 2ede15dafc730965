/**
 * A user's long backtest, end to end: `backtest_bars_per_s` is the bars per second of wall time
 * of a whole `deno task sim` process (start, reading the CSV, every bar through the actors, the
 * report written) over one million synthetic one-minute bars with one SMA 10/30 agent trading all
 * its equity, without a recording; `backtest_peak_rss_mb` is that process's peak resident memory
 * (its `VmHWM`, which it reports in its `--json` summary).
 * The bars are a seeded random walk written once to `out/bench/` and reused.
 *
 * `long_sim_peak_rss_mb` is the peak resident memory of a `deno task sim` process running the
 * default scenario for 100 times its session (650 simulated hours, about 5 million messages)
 * with its recording; the recording is then read back whole ({@linkcode readRecording}), and
 * the figure is refused unless it holds every message the run reported.
 *
 * Each process is started as `deno task sim` starts it: with the V8 flags of the `sim` task in
 * deno.json ({@linkcode SIM_V8_FLAGS}).
 * @module
 */
import type { RateOptions } from "./harness.ts";
import { readRecording } from "../scenarios/report/mod.ts";
import { SIM_V8_FLAGS } from "../scenarios/run/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CALM = new URL("../scenarios/calm.json", import.meta.url).pathname;

/** Summary of a `sim --json` run, as far as the benchmarks read it. */
interface SimSummary {
  readonly peakRssMb: number | null;
  readonly messages: number;
  readonly agents: Record<string, { trades: number }>;
}

/** Runs `main.ts sim ARGS --json` as `deno task sim` would; returns its summary and wall time. */
async function simProcess(
  args: readonly string[],
): Promise<{ summary: SimSummary; wallS: number }> {
  const start = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    // All permissions so that the process can read its own peak memory (/proc/self/status).
    args: ["run", "--allow-all", ...SIM_V8_FLAGS, MAIN, "sim", ...args, "--json"],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(600_000),
  }).output();
  const wallS = (performance.now() - start) / 1000;
  if (out.code !== 0) {
    throw new Error(
      `sim ${args.join(" ")} failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return { summary: JSON.parse(new TextDecoder().decode(out.stdout)), wallS };
}
const FULL_BARS = 1_000_000;
/** Bars of a quick run (the bench test): enough to cross every path. */
const QUICK_BARS = 5_000;

/** `n` one-minute bars of a seeded random walk around 100, as CSV. */
export function syntheticBars(n: number, seed = 1): string {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const t0 = Date.UTC(2022, 0, 3);
  const rows = ["time,open,high,low,close,volume"];
  let price = 100;
  for (let i = 0; i < n; i++) {
    const open = Math.round(price * 100) / 100;
    price = Math.max(1, price * (1 + (next() - 0.5) * 0.002));
    const close = Math.round(price * 100) / 100;
    const high = (Math.max(open, close) + 0.01).toFixed(2);
    const low = (Math.min(open, close) - 0.01).toFixed(2);
    rows.push(
      `${t0 + i * 60_000},${open},${high},${low},${close},${100 + Math.floor(next() * 100)}`,
    );
  }
  return rows.join("\n") + "\n";
}

interface Figures {
  readonly barsPerS: number;
  readonly peakRssMb: number;
}

let cached: { bars: number; figures: Promise<Figures> } | undefined;

async function measure(bars: number): Promise<Figures> {
  const dir = "out/bench";
  await Deno.mkdir(dir, { recursive: true });
  const csv = `${dir}/backtest-${bars}.csv`;
  try {
    await Deno.stat(csv);
  } catch {
    await Deno.writeTextFile(csv, syntheticBars(bars));
  }
  const scenario = `${dir}/backtest-${bars}.json`;
  await Deno.writeTextFile(
    scenario,
    JSON.stringify({
      name: `backtest-${bars}`,
      venue: { kind: "replay", file: `${Deno.cwd()}/${csv}`, symbol: "X" },
      risk: {
        maxPosition: 1e12,
        maxOrderNotional: 1e15,
        maxDrawdownPct: 1e6,
        maxDailyLossPct: 1e6,
      },
      agents: [{
        id: "sma",
        policy: { kind: "sma_crossover", fast: 10, slow: 30 },
        sizing: { kind: "equity_fraction", fraction: 1 },
      }],
    }),
  );
  const { summary, wallS } = await simProcess([
    scenario,
    "--no-recording",
    "--out",
    `${dir}/backtest-${bars}`,
  ]);
  if (!(summary.agents.sma.trades > 0)) throw new Error("backtest run: the agent made no trade");
  return { barsPerS: bars / wallS, peakRssMb: summary.peakRssMb ?? NaN };
}

function figures(options?: RateOptions): Promise<Figures> {
  const bars = options?.quick ? QUICK_BARS : FULL_BARS;
  if (cached === undefined || cached.bars !== bars) cached = { bars, figures: measure(bars) };
  return cached.figures;
}

/** `backtest_bars_per_s`: bars per wall second of the whole process. */
export async function benchBacktest(options?: RateOptions): Promise<number> {
  return Math.round((await figures(options)).barsPerS);
}

/** `backtest_peak_rss_mb`: the backtest process's peak resident memory, MB. */
export async function benchBacktestRss(options?: RateOptions): Promise<number | undefined> {
  const mb = (await figures(options)).peakRssMb;
  return Number.isFinite(mb) ? mb : undefined;
}

/** `long_sim_peak_rss_mb`: see the module documentation (quick: a tenth of one session). */
export async function benchLongSimRss(options?: RateOptions): Promise<number | undefined> {
  const sessions = options?.quick ? 0.1 : 100;
  const dir = "out/bench";
  await Deno.mkdir(dir, { recursive: true });
  const calm = JSON.parse(await Deno.readTextFile(CALM));
  const name = `calm_x${sessions}`.replace(".", "_");
  const scenario = `${dir}/${name}.json`;
  await Deno.writeTextFile(
    scenario,
    JSON.stringify({ ...calm, name, durationMs: Math.round(calm.durationMs * sessions) }),
  );
  const out = `${dir}/${name}`;
  const { summary } = await simProcess([scenario, "--out", out]);
  const read = await readRecording(`${out}/recording.jsonl`, () => {});
  if (read.messages !== summary.messages) {
    throw new Error(
      `long sim: the recording holds ${read.messages} messages, the run ${summary.messages}`,
    );
  }
  await Deno.remove(out, { recursive: true }); // the recording is most of a gigabyte
  return summary.peakRssMb ?? undefined;
}
