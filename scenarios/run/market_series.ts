/**
 * The market data of a simulated run as plain series, for training and for checking features:
 * the clean bars and quotes the features actor saw, per symbol, in the order it saw them.
 *
 * @example
 * ```ts
 * import { loadScenario } from "../spec/mod.ts";
 * import { simulatedSeries } from "./market_series.ts";
 * const scenario = await loadScenario("calm");
 * const s = await simulatedSeries({ ...scenario, durationMs: 600_000 }, { seed: 3 });
 * if (s.bars.length < 9 || s.quotes.length === 0) throw new Error("unreachable");
 * ```
 * @module
 */
import type { Bar, Quote } from "../../actors/protocol/mod.ts";
import type { BarInput, QuoteInput } from "../../policies/features/mod.ts";
import { runScenario } from "./run_scenario.ts";
import type { Scenario } from "../spec/mod.ts";

/** One symbol's bars (ts is the bar's open) and quotes, in delivery order. */
export interface MarketSeries {
  readonly symbol: string;
  /** Bar length, ms. */
  readonly barMs: number;
  readonly bars: readonly BarInput[];
  readonly quotes: readonly QuoteInput[];
}

/** Options of {@linkcode simulatedSeries}. */
export interface SeriesOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Which symbol; default the first one that printed a bar. */
  readonly symbol?: string;
}

/**
 * Runs `scenario` on the in-process bus and collects the clean bars and quotes of one symbol.
 * Throws when the run printed no bar for it. Agents served by a registry model or RL agent are
 * left out (the series is what trains them: they may not exist yet); a scenario of none but those
 * is run with a one-lot buy-and-hold observer.
 */
export async function simulatedSeries(
  scenario: Scenario,
  options: SeriesOptions = {},
): Promise<MarketSeries> {
  const bars: BarInput[] = [];
  const quotes: { symbol: string; quote: QuoteInput }[] = [];
  let symbol = options.symbol;
  let barMs = 0;
  const others = scenario.agents.filter((a) => a.policy.kind !== "model" && a.policy.kind !== "rl");
  const agents: Scenario["agents"] = others.length > 0 ? others : [{
    id: "observer",
    policy: { kind: "buy_and_hold" },
    sizing: { kind: "units", units: 1 },
  }];
  await runScenario({ ...scenario, agents }, {
    seed: options.seed,
    record(line) {
      // Only the clean market data; the cheap test first, most lines are something else.
      if (!line.includes('"stage":"clean"')) return;
      const m = JSON.parse(line) as Bar | Quote;
      if (m.kind === "bar") {
        symbol ??= m.symbol;
        if (m.symbol !== symbol) return;
        barMs = m.intervalMs;
        bars.push({
          ts: m.ts,
          open: m.open,
          high: m.high,
          low: m.low,
          close: m.close,
          volume: m.volume,
        });
      } else if (m.kind === "quote") {
        const quote = { ts: m.ts, bid: m.bid, bidQty: m.bidQty, ask: m.ask, askQty: m.askQty };
        quotes.push({ symbol: m.symbol, quote });
      }
    },
  });
  if (symbol === undefined || bars.length === 0) {
    throw new RangeError(
      `scenario ${scenario.name}: no bars for ${symbol ?? "any symbol"} (run too short?)`,
    );
  }
  const own = quotes.filter((q) => q.symbol === symbol).map((q) => q.quote);
  return { symbol, barMs, bars, quotes: own };
}
