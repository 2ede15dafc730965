/**
 * A user's long backtest, end to end: `backtest_bars_per_s` is the bars per second of wall time
 * of a whole `deno task sim` process (start, reading the CSV, every bar through the actors, the
 * report written) over one million synthetic one-minute bars with one SMA 10/30 agent trading all
 * its equity, without a recording; `backtest_peak_rss_mb` is that process's peak resident memory
 * (its `VmHWM`, which it reports in its `--json` summary).
 * The bars are a seeded random walk written once to `out/bench/` and reused.
 * @module
 */
import type { RateOptions } from "./harness.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
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
  const start = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    // All permissions so that the process can read its own peak memory (/proc/self/status).
    args: [
      "run",
      "--allow-all",
      MAIN,
      "sim",
      scenario,
      "--json",
      "--no-recording",
      "--out",
      `${dir}/backtest-${bars}`,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(600_000),
  }).output();
  const wallS = (performance.now() - start) / 1000;
  const text = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) {
    throw new Error(`backtest run failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`);
  }
  const summary = JSON.parse(text) as {
    peakRssMb: number | null;
    agents: Record<string, { trades: number }>;
  };
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
