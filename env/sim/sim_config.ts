/**
 * The market simulator's configuration: plain data, validated, every field with a documented
 * default. `parseSimConfig({})` is the default market: one symbol, "SIM", starting at 100.00
 * (10,000 ticks of 0.01), with a population of noise traders, two inventory-aware market
 * makers, momentum and value traders, a latent fundamental that mean-reverts slowly with
 * stochastic volatility and jumps, and no shocks.
 *
 * Rates and durations are in milliseconds of simulated time; volatilities are of the log
 * price, per square root of an hour.
 *
 * @example
 * ```ts
 * import { parseSimConfig, SimConfigError } from "./sim_config.ts";
 * const config = parseSimConfig({ seed: 7, population: { noise: { count: 10 } } });
 * if (config.population.noise.count !== 10 || config.population.makers.count !== 2) {
 *   throw new Error("unreachable");
 * }
 * try {
 *   parseSimConfig({ population: { noise: { count: -1 } } });
 * } catch (e) {
 *   if (!(e instanceof SimConfigError) || !e.message.includes("population.noise.count")) throw e;
 * }
 * ```
 * @module
 */
import { z } from "zod";

const ms = (d: number) => z.number().positive().finite().default(d);
const count = (d: number) => z.number().int().min(0).max(100_000).default(d);
const frac = (d: number) => z.number().min(0).max(1).default(d);
const nonneg = (d: number) => z.number().min(0).finite().default(d);

const Fundamental = z.object({
  /** Pull of the log fundamental back to its start, per hour. */
  meanReversionPerHour: nonneg(0.02),
  /** Base volatility of the log fundamental, per √hour. */
  volPerSqrtHour: nonneg(0.01),
  /** Stochastic volatility: the log of the volatility multiplier is an OU process. */
  volOfVol: nonneg(0.8),
  volMeanReversionPerHour: nonneg(1),
  /** Jumps of the fundamental: mean count per day and the sd of each (log). */
  jumpsPerDay: nonneg(4),
  jumpSd: nonneg(0.005),
  /** The fundamental moves in steps of this many ms. */
  stepMs: ms(1_000),
}).strict();

const SymbolSpec = z.object({
  name: z.string().min(1),
  /** Price of one tick and size of one lot, for display at the venue edge. */
  tickSize: z.number().positive().default(0.01),
  lotSize: z.number().positive().default(1),
  /** Start price, ticks. */
  startPrice: z.number().int().min(10).default(10_000),
  makerFeeMicros: z.number().int().min(0).max(1_000_000).default(0),
  takerFeeMicros: z.number().int().min(0).max(1_000_000).default(0),
  fundamental: Fundamental.prefault({}),
}).strict();

const Noise = z.object({
  count: count(40),
  /** Mean time between a trader's actions at volatility multiplier 1. */
  meanIntervalMs: ms(4_000),
  /** Activity grows like (volatility multiplier)^activityElasticity. */
  activityElasticity: nonneg(1),
  /** Share of actions that are market orders (the rest are passive limit orders). */
  marketShare: frac(0.2),
  /** Mean order size, lots (1 + geometric). */
  meanSize: z.number().min(1).default(3),
  /** Mean distance of a limit order behind the best, ticks (exponential). */
  offsetTicks: z.number().positive().default(6),
  /** Live orders a trader keeps; the oldest is cancelled to make room. */
  maxOpenOrders: z.number().int().min(1).default(4),
}).strict();

const Makers = z.object({
  count: count(2),
  /** Time between requotes. */
  intervalMs: ms(500),
  /** Half-spread at volatility multiplier 1, ticks. */
  halfSpreadTicks: z.number().positive().default(2),
  /** Quote size, lots. */
  size: z.number().int().min(1).default(10),
  /** Reservation price shift per lot of inventory, ticks (inventory-aware skew). */
  skewTicksPerLot: nonneg(0.05),
  /** No quote on the side that would take inventory beyond this, lots. */
  maxInventory: z.number().int().min(1).default(300),
}).strict();

const Momentum = z.object({
  count: count(10),
  meanIntervalMs: ms(10_000),
  /** Time constant of the moving average the price is compared with. */
  lookbackMs: ms(120_000),
  /** Acts when |log(mid / average)| exceeds this. */
  threshold: z.number().positive().default(0.002),
  size: z.number().int().min(1).default(3),
  maxSize: z.number().int().min(1).default(15),
  /** Position bound (long or short), lots. */
  maxPosition: z.number().int().min(1).default(1_000_000),
}).strict();

const Value = z.object({
  count: count(20),
  meanIntervalMs: ms(3_000),
  /** Private valuation error: sd of the log difference from the fundamental. */
  valuationSd: nonneg(0.0002),
  /** Each trader ignores mispricing below its own threshold, drawn uniformly in [0, this). */
  maxThreshold: z.number().min(0).default(0.002),
  /** Target position per 1% of mispricing beyond the threshold, lots. */
  lotsPerPct: z.number().min(0).default(2_500),
  /** Position bound, lots. */
  maxPosition: z.number().int().min(1).default(5_000),
  /** Largest order per action, lots. */
  maxOrder: z.number().int().min(1).default(50),
}).strict();

const Latent = z.object({
  /** Latent lots per tick on each side far from the price; 0 leaves latent liquidity out. */
  depth: nonneg(0),
  /** Width of the latent book's V near the price, ticks. */
  widthTicks: z.number().positive().max(10_000).default(30),
  /** Mean life of a latent intention before it is withdrawn, ms. */
  lifetimeMs: ms(7_200_000),
  /** Ticks on each side of the mid whose latent volume is shown as limit orders. */
  revealTicks: z.number().int().min(1).max(1_000).default(10),
  /** How often the latent book is updated and its visible orders amended, ms. */
  intervalMs: ms(1_000),
  /** A visible order is amended when its size is off by more than this fraction. */
  tolerance: frac(0.2),
}).strict();

const Population = z.object({
  noise: Noise.prefault({}),
  makers: Makers.prefault({}),
  momentum: Momentum.prefault({}),
  value: Value.prefault({}),
  latent: Latent.prefault({}),
  /** Each background account's cash (notional units), position (lots) and margin. */
  account: z.object({
    cash: z.number().int().default(1_000_000_000),
    position: z.number().int().default(10_000),
    creditLimit: z.number().int().min(0).default(1_000_000_000),
    shortLimit: z.number().int().min(0).default(100_000),
  }).strict().prefault({}),
}).strict();

const Shock = z.discriminatedUnion("kind", [
  z.object({
    /** A metaorder: `qty` lots sold (or bought) in equal market orders over `durationMs`. */
    kind: z.literal("largeSeller"),
    symbol: z.number().int().min(0).default(0),
    atMs: nonneg(0),
    durationMs: ms(600_000),
    qty: z.number().int().min(1),
    side: z.enum(["sell", "buy"]).default("sell"),
    childIntervalMs: ms(5_000),
  }).strict(),
  z.object({
    /** News: the fundamental jumps by `jump` (log) at `atMs`. */
    kind: z.literal("newsJump"),
    symbol: z.number().int().min(0).default(0),
    atMs: nonneg(0),
    jump: z.number().finite(),
  }).strict(),
  z.object({
    /**
     * A change of regime at `atMs`: value traders act on `valueShare` of their wakes (0: they
     * stop), `momentum.count` more momentum traders join (their settings over the population's),
     * the fundamental's volatility is scaled by `volScale`, and its `fundamental` settings (mean
     * reversion, jumps) replaced where given.
     */
    kind: z.literal("regime"),
    symbol: z.number().int().min(0).default(0),
    atMs: nonneg(0),
    valueShare: frac(1),
    momentum: z.object({
      count: count(0),
      meanIntervalMs: z.number().positive().finite().optional(),
      lookbackMs: z.number().positive().finite().optional(),
      threshold: z.number().positive().optional(),
      size: z.number().int().min(1).optional(),
      maxSize: z.number().int().min(1).optional(),
      maxPosition: z.number().int().min(1).optional(),
    }).strict().prefault({}),
    volScale: nonneg(1),
    fundamental: z.object({
      meanReversionPerHour: z.number().min(0).finite().optional(),
      volPerSqrtHour: z.number().min(0).finite().optional(),
      volOfVol: z.number().min(0).finite().optional(),
      volMeanReversionPerHour: z.number().min(0).finite().optional(),
      jumpsPerDay: z.number().min(0).finite().optional(),
      jumpSd: z.number().min(0).finite().optional(),
    }).strict().prefault({}),
  }).strict(),
  z.object({
    /** Liquidity drought: makers quote `factor`× the size at 1/`factor` the width; noise
     * traders post `factor`× as many limit orders, for `durationMs`. */
    kind: z.literal("liquidityDrought"),
    symbol: z.number().int().min(0).default(0),
    atMs: nonneg(0),
    durationMs: ms(600_000),
    factor: z.number().gt(0).max(1).default(0.2),
  }).strict(),
]);

/** The simulator's configuration schema. */
export const SimConfigSchema = z.object({
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /** Simulated start time, ms since the epoch. Default 2024-01-02T00:00:00Z. */
  startTime: z.number().int().default(Date.UTC(2024, 0, 2)),
  barMs: ms(60_000),
  protectionBand: z.number().gt(0).lt(1).default(0.05),
  latency: z.object({
    orderMs: nonneg(1),
    jitterMs: nonneg(0.5),
    marketDataMs: nonneg(1),
  }).strict().prefault({}),
  symbols: z.array(SymbolSpec).min(1).prefault([{ name: "SIM" }]),
  /** The background population, instantiated for every symbol. */
  population: Population.prefault({}),
  shocks: z.array(Shock).default([]),
}).strict();

/** A validated configuration, every default filled in. */
export type SimConfig = z.infer<typeof SimConfigSchema>;
/** What a caller may write: any field may be left out. */
export type SimConfigInput = z.input<typeof SimConfigSchema>;
/** One shock of {@linkcode SimConfig.shocks}. */
export type ShockConfig = SimConfig["shocks"][number];

/** Thrown for an invalid configuration; the message names every bad field by its path. */
export class SimConfigError extends Error {
  override name = "SimConfigError";
}

/** Validates `input` and fills in the defaults. */
export function parseSimConfig(input: unknown = {}): SimConfig {
  const r = SimConfigSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new SimConfigError(lines.join("; "));
  }
  for (const [i, s] of r.data.shocks.entries()) {
    if (s.symbol >= r.data.symbols.length) {
      throw new SimConfigError(
        `shocks.${i}.symbol: no symbol ${s.symbol} (there are ${r.data.symbols.length})`,
      );
    }
  }
  return r.data;
}
