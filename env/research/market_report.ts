/**
 * A report on how realistic the simulated market is: the stylized facts of its 1-minute mid
 * returns over a seeded run, the real series of ../shared/data/ measured the same way beside
 * them, and the metaorder impact curve with its fitted exponent, beside the same curve on a
 * market of latent liquidity alone. `deno task market` prints it.
 *
 * @example
 * ```ts
 * import { formatMarketReport, marketReport } from "./market_report.ts";
 * const report = marketReport({ days: 0.05, impactSeeds: 0 });
 * if (report.facts.n !== 71 || !formatMarketReport(report).includes("kurtosis")) {
 *   throw new Error("unreachable");
 * }
 * ```
 * @module
 */
import { type ImpactPoint, type ImpactResult, measureImpact } from "./impact.ts";
import { LATENT_BOOK_ONLY, type SimConfigInput, Simulation } from "../sim/mod.ts";
import { type RealFacts, realFacts, SHARED_DATA_DIR } from "./real_series.ts";
import { logReturns, type StylizedFacts, stylizedFacts } from "./stylized.ts";

/** Options of {@linkcode marketReport}. */
export interface MarketReportOptions {
  /** Market configuration. Default: the default market. */
  readonly config?: SimConfigInput;
  /** Seed of the stylized-facts run. Default 1. */
  readonly seed?: number;
  /** Simulated days. Default 2. */
  readonly days?: number;
  /** Seeds per metaorder size in the impact measurement; 0 skips it. Default 8. */
  readonly impactSeeds?: number;
  /** Folder of the real series measured beside the simulation. Default ../shared/data/. */
  readonly dataDir?: string;
}

/** What {@linkcode marketReport} measured. */
export interface MarketReport {
  readonly seed: number;
  readonly days: number;
  readonly facts: StylizedFacts;
  /** Kernel events of the stylized-facts run, and their rate on this machine. */
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly trades: number;
  readonly volume: number;
  readonly impact: ImpactResult | null;
  /** The same measurement on a market of latent liquidity alone (`LATENT_BOOK_ONLY`). */
  readonly impactLatent: ImpactResult | null;
  /** The real series' figures, computed from their files. */
  readonly real: RealFacts[];
  /** Why the real series could not be read, when they could not. */
  readonly realError?: string;
}

/** Runs the default (or given) market and measures it; see the module documentation. */
export function marketReport(options: MarketReportOptions = {}): MarketReport {
  const seed = options.seed ?? 1;
  const days = options.days ?? 2;
  if (!(days > 0) || !Number.isFinite(days)) {
    throw new RangeError(`days: expected a number of days > 0, got ${days}`);
  }
  const sim = new Simulation({ ...options.config, seed });
  const mids: number[] = [];
  sim.venue.addFeed((e) => {
    if (e.type === "bar") mids.push(e.mid > 0 ? e.mid : e.close);
  });
  const t0 = performance.now();
  const events = sim.runFor(days * 86_400_000);
  const seconds = (performance.now() - t0) / 1000;
  const impactSeeds = options.impactSeeds ?? 8;
  let real: RealFacts[] = [], realError: string | undefined;
  try {
    real = realFacts(options.dataDir ?? SHARED_DATA_DIR);
  } catch (e) {
    realError = e instanceof Error ? e.message : String(e);
  }
  return {
    seed,
    days,
    facts: stylizedFacts(logReturns(mids)),
    events,
    eventsPerSecond: events / seconds,
    trades: sim.venue.stats.trades,
    volume: sim.venue.stats.volume,
    impact: impactSeeds > 0 ? measureImpact({ config: options.config, seeds: impactSeeds }) : null,
    impactLatent: impactSeeds > 0
      ? measureImpact({ config: LATENT_BOOK_ONLY, seeds: impactSeeds })
      : null,
    real,
    ...(realError === undefined ? {} : { realError }),
  };
}

/** One row of the stylized-facts table. */
function factsRow(label: string, x: StylizedFacts): string {
  const f = (v: number) => (v >= 0 ? " " : "") + v.toFixed(3);
  return label.padEnd(26) + f(x.kurtosis).padStart(9).padEnd(14) +
    [x.acf[0], x.acf[4], x.acf[9]].map(f).join(" ").padEnd(24) +
    [x.acfAbs[0], x.acfAbs[4], x.acfAbs[9]].map(f).join(" ");
}

/** The report as a plain-text table. */
export function formatMarketReport(r: MarketReport): string {
  const lines = [
    `simulated market, seed ${r.seed}, ${r.days} days: ${
      r.events.toLocaleString("en-US")
    } events ` +
    `(${Math.round(r.eventsPerSecond).toLocaleString("en-US")}/s), ` +
    `${r.trades.toLocaleString("en-US")} trades, volume ${r.volume.toLocaleString("en-US")} lots`,
    "",
    "stylized facts            excess kurtosis   acf r lag 1/5/10        acf |r| lag 1/5/10",
    factsRow(`sim 1m mid (n=${r.facts.n})`, r.facts),
    ...r.real.map((x) => factsRow(`${x.name} (n=${x.facts.n})`, x.facts)),
    ...(r.realError === undefined ? [] : [`real series not read: ${r.realError}`]),
    `sim max |acf r| over lags 1-10: ${Math.max(...r.facts.acf.map(Math.abs)).toFixed(3)}; ` +
    `std of 1m returns ${r.facts.std.toExponential(2)}`,
  ];
  const a = r.impact, b = r.impactLatent;
  if (a && b) {
    const bp = (p: ImpactPoint) =>
      `${(p.impact * 1e4).toFixed(1)} ± ${(p.stderr * 1e4).toFixed(1)}`;
    lines.push(
      "",
      "metaorder (buy, 10 min)   this market: filled, impact bp   latent book alone: filled, impact bp",
    );
    a.points.forEach((p, i) => {
      const q = b.points[i];
      lines.push(
        `${p.qty.toString().padStart(8)} lots`.padEnd(26) +
          `${p.filled.toFixed(0).padStart(12)}  ${bp(p).padEnd(18)}` +
          `${q.filled.toFixed(0).padStart(12)}  ${bp(q)}`,
      );
    });
    const fit = (x: ImpactResult) => `size^${x.exponent.toFixed(3)} (r² ${x.r2.toFixed(3)})`;
    lines.push(`fitted impact ∝ ${fit(a)} here; ∝ ${fit(b)} on latent liquidity alone`);
  }
  return lines.join("\n");
}
