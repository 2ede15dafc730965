/**
 * The deterministic kernel's primitives — virtual clock, seeded splittable PRNG, event queue —
 * the order book, and the multi-agent market simulator built on them.
 * @module
 */
export { type Clock, ClockError, VirtualClock, WallClock } from "./clock.ts";
export { EventQueue, EventTimeError } from "./event_queue.ts";
export { hashLabel, Rng, RngArgumentError, type RngState } from "./rng.ts";
export {
  type BookConfig,
  BookConfigError,
  type BookEvent,
  BookEvents,
  type Depth,
  EventKind,
  feeOf,
  OrderBook,
  OrderKind,
  type OrderView,
  Reason,
  reasonText,
  Side,
  Stp,
} from "./order_book.ts";
export { Accounts, type AccountSpec, AccountSpecError, buyHold } from "./accounts.ts";
export { EventType, Kernel } from "./kernel.ts";
export {
  type AccountOptions,
  type BarEvent,
  type Latency,
  type LevelEvent,
  type MarketEvent,
  type OrderUpdate,
  type TopEvent,
  type TradeEvent,
  Venue,
  VenueError,
  type VenueOptions,
  type VenueStats,
  type VenueSymbol,
} from "./venue.ts";
export { Fundamental, type FundamentalParams } from "./fundamental.ts";
export { LatentLiquidity } from "./latent_liquidity.ts";
export {
  MarketMaker,
  Metaorder,
  MomentumTrader,
  NoiseTrader,
  type SimAgent,
  type SymbolState,
  ValueTrader,
} from "./population.ts";
export {
  parseSimConfig,
  type ShockConfig,
  type SimConfig,
  SimConfigError,
  type SimConfigInput,
  SimConfigSchema,
} from "./sim_config.ts";
export { Simulation } from "./simulation.ts";
export {
  type ImpactOptions,
  type ImpactPoint,
  type ImpactResult,
  measureImpact,
} from "./impact.ts";
export {
  acf,
  fitPowerLaw,
  logReturns,
  type StylizedFacts,
  stylizedFacts,
  summarize,
  type Summary,
} from "./stylized.ts";
export { StreamHash } from "./stream_hash.ts";
export {
  priceColumn,
  REAL_SERIES,
  type RealFacts,
  realFacts,
  type RealSeries,
  RealSeriesError,
  SHARED_DATA_DIR,
} from "./real_series.ts";
