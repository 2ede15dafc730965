/**
 * The two markets an RL episode can run on, behind one small interface the environment drives:
 * the simulator (a fresh {@linkcode Simulation} per episode, its background population trading
 * between decisions) and recorded bars (a {@linkcode ReplayVenue} over a window starting at a
 * seeded random bar). Both trade one symbol through one account with market orders.
 * @module
 */
import { OrderKind, Side } from "../book/mod.ts";
import { type ReplayData, ReplayVenue } from "../replay/mod.ts";
import { Rng } from "../kernel/mod.ts";
import { parseSimConfig, type SimConfig, type SimConfigInput, Simulation } from "../sim/mod.ts";
import type { TradingVenue } from "../venue/mod.ts";

/** A market the environment trades in; prices are ticks, cash notional units. */
export interface EnvMarket {
  /** Starts a new episode from `seed`, with `steps` moves to come (replay windows need it). */
  reset(seed: number, steps: number): void;
  /** Moves to the next decision time. */
  advance(): void;
  /** True when no further move is possible (recorded data has run out). */
  exhausted(): boolean;
  /** Sends a market order for `delta` lots (buy when positive). */
  trade(delta: number): void;
  mid(): number;
  /** Ask minus bid, ticks (0 when a side is empty). */
  spread(): number;
  cash(): number;
  position(): number;
  /** The price the account's cash is sized from (ticks): the start price or the first bar's. */
  referencePrice(): number;
  /** Opens the trading account with `cash` and a short limit of `shortLimit` lots. */
  openAccount(cash: number, shortLimit: number): void;
}

/** Base of both markets: the account and order flow through a {@linkcode TradingVenue}. */
abstract class VenueMarket implements EnvMarket {
  protected venue!: TradingVenue;
  protected account = 0;
  abstract reset(seed: number, steps: number): void;
  abstract advance(): void;
  abstract exhausted(): boolean;
  abstract referencePrice(): number;

  openAccount(cash: number, shortLimit: number): void {
    this.account = this.venue.openAccount({ cash, shortLimit });
  }

  trade(delta: number): void {
    if (delta === 0) return;
    const side = delta > 0 ? Side.Buy : Side.Sell;
    this.venue.submit(this.account, 0, side, OrderKind.Market, 0, Math.abs(delta));
  }

  mid(): number {
    return this.venue.mid(0);
  }

  spread(): number {
    const b = this.venue.bestBid(0), a = this.venue.bestAsk(0);
    return b > 0 && a > 0 ? a - b : 0;
  }

  cash(): number {
    return this.venue.accounts.cash[this.account];
  }

  position(): number {
    return this.venue.accounts.positionOf(this.account, 0);
  }
}

/** Simulated-market settings of an episode. */
export interface SimMarketOptions {
  /** The market; its seed is replaced by the episode's. */
  readonly sim?: SimConfigInput;
  /** Simulated time between decisions, ms. */
  readonly decisionMs: number;
  /** Simulated time the market runs before the episode's first decision, ms. */
  readonly warmupMs: number;
}

/** Episodes on the simulator; see the module documentation. */
export class SimMarket extends VenueMarket {
  readonly config: SimConfig;
  readonly decisionMs: number;
  readonly warmupMs: number;
  sim!: Simulation;

  constructor(options: SimMarketOptions) {
    super();
    this.config = parseSimConfig(options.sim ?? {});
    this.decisionMs = options.decisionMs;
    this.warmupMs = options.warmupMs;
  }

  reset(seed: number): void {
    this.sim = new Simulation({ ...this.config, seed });
    this.venue = this.sim.venue;
    this.sim.runFor(this.warmupMs);
  }

  advance(): void {
    this.sim.runFor(this.decisionMs);
  }

  exhausted(): boolean {
    return false;
  }

  referencePrice(): number {
    return this.config.symbols[0].startPrice;
  }
}

/** Replay settings of an episode. */
export interface ReplayMarketOptions {
  readonly data: ReplayData;
  readonly commission?: number;
  readonly spread?: number;
  readonly slippage?: number;
}

/** Episodes on recorded bars, each in a window starting at a random bar; see the module documentation. */
export class ReplayMarket extends VenueMarket {
  readonly options: ReplayMarketOptions;
  #replay!: ReplayVenue;
  #first = 0;

  constructor(options: ReplayMarketOptions) {
    super();
    this.options = options;
  }

  reset(seed: number, steps: number): void {
    const { data } = this.options;
    const need = steps + 1;
    const last = Math.max(0, data.length - need);
    this.#first = last === 0 ? 0 : new Rng(seed).int(0, last);
    this.#replay = new ReplayVenue({
      symbols: [data],
      start: data.time[this.#first],
      commission: this.options.commission,
      spread: this.options.spread,
      slippage: this.options.slippage,
    });
    this.venue = this.#replay;
    this.#replay.step(); // the first bar gives the first price
  }

  advance(): void {
    this.#replay.step();
  }

  exhausted(): boolean {
    return this.#replay.done;
  }

  /** The index of the episode's first bar in the data. */
  get firstBar(): number {
    return this.#first;
  }

  referencePrice(): number {
    return this.options.data.open[this.#first];
  }
}
