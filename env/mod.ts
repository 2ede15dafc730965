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
  REAL_SERIES,
  type RealFacts,
  realFacts,
  type RealSeries,
  SHARED_DATA_DIR,
} from "./real_series.ts";
export {
  type BadRowPolicy,
  BarParser,
  type BarRead,
  type BarSeries,
  barsFromTrades,
  DataFileError,
  parseBars,
  parseTime,
  parseTrades,
  readBars,
  type ReadOptions,
  type ReadReport,
  readTrades,
  type RowIssue,
  TradeParser,
  type TradeRead,
  type TradeSeries,
} from "./data_reader.ts";
export { type BarPrices, commissionOf, type FillCosts, fillPrice, NO_COSTS } from "./fill_rules.ts";
export type { TradingVenue } from "./trading_venue.ts";
export {
  inferTickSize,
  prepareReplay,
  type ReplayData,
  ReplayError,
  type ReplayOptions,
  type ReplaySymbolSpec,
  ReplayVenue,
} from "./replay_venue.ts";
export {
  DifferentialSharpe,
  makeReward,
  PenalisedReward,
  PnlReward,
  type Reward,
  RewardError,
  type RewardSpec,
  type StepOutcome,
} from "./rewards.ts";
export { type EnvMarket, ReplayMarket, SimMarket } from "./env_markets.ts";
export {
  type BoxSpace,
  type DiscreteSpace,
  type EnvConfig,
  type EnvConfigInput,
  EnvConfigSchema,
  EnvError,
  type EnvOptions,
  observationSizeOf,
  parseEnvConfig,
  type StepInfo,
  type StepResult,
  TradingEnv,
} from "./trading_env.ts";
export { episodeSeed, type VecStep, VecTradingEnv } from "./vec_env.ts";
