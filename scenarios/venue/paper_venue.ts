/**
 * A paper exchange for a scenario: its simulated market (population, shocks, fees from its
 * commission) with the given API accounts, run to `warmupMs` of market time so there is a book,
 * a tape and bars before the first request.
 * @module
 */
import type { Scenario } from "../spec/mod.ts";
import { simulationOf } from "../run/mod.ts";
import { PaperExchange } from "./paper_exchange.ts";
import type { PaperAccountSpec } from "./exchange_types.ts";

/** Options of {@linkcode paperExchangeFor}. */
export interface PaperVenueOptions {
  readonly seed?: number;
  readonly accounts: readonly PaperAccountSpec[];
  /** Market time run before the venue opens, ms. Default 120,000. */
  readonly warmupMs?: number;
  /** Quote currency. Default "USDT". */
  readonly quote?: string;
  /**
   * Market time when the venue opens (after the warm-up), ms since the epoch. Default: the
   * scenario's start plus the warm-up. The wall-clock venue opens at the wall clock's now. The
   * market starts on a multiple of its bar (so its bars are the klines of that interval, each
   * starting on a whole minute for 1-minute bars): the warm-up is longer by up to a bar.
   */
  readonly openAt?: number;
}

/** See the module documentation. */
export function paperExchangeFor(scenario: Scenario, options: PaperVenueOptions): PaperExchange {
  const warmup = options.warmupMs ?? 120_000;
  const bar = scenario.venue.kind === "sim" ? scenario.venue.market.barMs : 60_000;
  const start = options.openAt === undefined
    ? undefined
    : Math.floor((options.openAt - warmup) / bar) * bar;
  const sim = simulationOf(scenario, options.seed ?? scenario.seed, start);
  const exchange = new PaperExchange({
    sim,
    symbols: sim.config.symbols.map((s) => ({
      name: s.name,
      tickSize: s.tickSize,
      lotSize: s.lotSize,
    })),
    accounts: options.accounts,
    feeRate: scenario.commission,
    ...(options.quote === undefined ? {} : { quote: options.quote }),
  });
  exchange.advanceTo(options.openAt ?? sim.now + warmup);
  return exchange;
}
