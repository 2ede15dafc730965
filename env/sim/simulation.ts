/**
 * The multi-agent market simulator: the discrete-event {@linkcode Kernel} driving the
 * {@linkcode Venue}, the latent fundamentals, the background population and the scenario's
 * shocks. The same object is the RL environment's market and the paper-trading venue.
 *
 * A configuration plus its seed determines the whole run: time comes from the kernel's virtual
 * clock and every random draw from a stream split off the seed by a label (per agent, per
 * fundamental, per account latency), so adding a trading agent does not change what the
 * background population draws.
 *
 * @example
 * ```ts
 * import { Simulation } from "./simulation.ts";
 * import { Side, OrderKind } from "../book/mod.ts";
 * const sim = new Simulation({ seed: 42 });
 * const me = sim.venue.openAccount({ cash: 10_000_000 });
 * sim.runFor(60_000); // one simulated minute
 * sim.venue.submit(me, 0, Side.Buy, OrderKind.Market, 0, 5);
 * sim.runFor(1_000);
 * if (sim.venue.accounts.positionOf(me, 0) !== 5) throw new Error("unreachable");
 * ```
 * @module
 */
import { Fundamental } from "./fundamental.ts";
import { LatentLiquidity } from "./latent_liquidity.ts";
import { EventType, Kernel, Rng } from "../kernel/mod.ts";
import { Side } from "../book/mod.ts";
import {
  MarketMaker,
  Metaorder,
  MomentumTrader,
  NoiseTrader,
  type SimAgent,
  type SymbolState,
  ValueTrader,
} from "./population.ts";
import { parseSimConfig, type SimConfig, type SimConfigInput } from "./sim_config.ts";
import { type OrderUpdate, Venue } from "../venue/mod.ts";

/** The simulator; see the module documentation. */
export class Simulation {
  readonly config: SimConfig;
  readonly kernel: Kernel;
  readonly venue: Venue;
  /** Per symbol: fundamental and liquidity factor. */
  readonly states: SymbolState[];
  /** Background agents (population and metaorder shocks), by wake index. */
  readonly agents: SimAgent[] = [];
  /** Metaorders of the scenario's large-seller shocks, in shock order. */
  readonly metaorders: Metaorder[] = [];
  #rng: Rng;
  #dispatch = (type: number, index: number): void => this.#handle(type, index);

  constructor(input: SimConfigInput = {}) {
    const config = parseSimConfig(input);
    this.config = config;
    this.#rng = new Rng(config.seed);
    this.kernel = new Kernel(config.startTime);
    this.venue = new Venue(this.kernel, {
      symbols: config.symbols,
      barMs: config.barMs,
      protectionBand: config.protectionBand,
      latency: config.latency,
    }, this.#rng.split("venue"));
    const start = config.startTime;
    this.states = config.symbols.map((s, i) => {
      const f = new Fundamental(s.startPrice, s.fundamental, this.#rng.split(`fundamental/${i}`));
      this.kernel.push(start + s.fundamental.stepMs, EventType.Fundamental, i);
      return { symbol: i, fundamental: f, liquidity: 1, valueShare: 1 };
    });
    this.#populate();
    this.#scheduleShocks();
  }

  /** Current simulated time, ms since the epoch. */
  get now(): number {
    return this.kernel.now();
  }

  /** Runs every event up to `now + ms`; returns the number of events processed. */
  runFor(ms: number): number {
    return this.kernel.run(this.kernel.now() + ms, this.#dispatch);
  }

  /**
   * Runs every event up to `time`; returns the number of events processed. With `pause`, stops
   * early after an event for which it answers true (see `Kernel.run`).
   */
  runUntil(time: number, pause?: () => boolean): number {
    return this.kernel.run(time, this.#dispatch, pause);
  }

  /** Adds a background agent that first wakes at `firstWake` (ms since the epoch). */
  addAgent(agent: SimAgent, firstWake: number): void {
    this.agents.push(agent);
    this.kernel.push(firstWake, EventType.Wake, this.agents.length - 1);
  }

  #handle(type: number, index: number): void {
    const now = this.kernel.now();
    switch (type) {
      case EventType.Arrive:
        this.venue.arrive(index);
        break;
      case EventType.Wake: {
        const delay = this.agents[index].wake(now);
        if (delay < Infinity) this.kernel.push(now + delay, EventType.Wake, index);
        break;
      }
      case EventType.Fundamental: {
        const f = this.states[index].fundamental;
        f.step();
        this.kernel.push(now + f.params.stepMs, EventType.Fundamental, index);
        break;
      }
      case EventType.Bar:
        this.venue.closeBar(index);
        break;
      case EventType.Shock:
        this.#shock(index);
        break;
    }
  }

  #populate(): void {
    const pop = this.config.population;
    const start = this.config.startTime;
    const a = pop.account;
    this.config.symbols.forEach((_, s) => {
      const st = this.states[s];
      const open = (listener?: (u: OrderUpdate) => void, shortLimit = a.shortLimit) => {
        const positions = new Array(this.config.symbols.length).fill(0);
        positions[s] = a.position;
        return this.venue.openAccount({
          cash: a.cash,
          positions,
          creditLimit: a.creditLimit,
          shortLimit,
          listener,
        });
      };
      const add = (agent: SimAgent, rng: Rng, interval: number) =>
        this.addAgent(agent, start + rng.float() * interval);
      for (let i = 0; i < pop.makers.count; i++) {
        const rng = this.#rng.split(`maker/${s}/${i}`);
        add(new MarketMaker(this.venue, st, open(), rng, pop.makers), rng, pop.makers.intervalMs);
      }
      for (let i = 0; i < pop.noise.count; i++) {
        const rng = this.#rng.split(`noise/${s}/${i}`);
        add(new NoiseTrader(this.venue, st, open(), rng, pop.noise), rng, pop.noise.meanIntervalMs);
      }
      for (let i = 0; i < pop.value.count; i++) {
        const rng = this.#rng.split(`value/${s}/${i}`);
        add(new ValueTrader(this.venue, st, open(), rng, pop.value), rng, pop.value.meanIntervalMs);
      }
      if (pop.latent.depth > 0) {
        const rng = this.#rng.split(`latent/${s}`);
        // It speaks for many traders: it may sell all its latent sellers' lots short.
        const ref: { agent?: LatentLiquidity } = {};
        const limit = Math.max(a.shortLimit, LatentLiquidity.maxLots(pop.latent));
        const account = open((u) => ref.agent?.onUpdate(u), limit);
        ref.agent = new LatentLiquidity(this.venue, st, account, pop.latent);
        add(ref.agent, rng, pop.latent.intervalMs);
      }
      for (let i = 0; i < pop.momentum.count; i++) {
        const rng = this.#rng.split(`momentum/${s}/${i}`);
        const agent = new MomentumTrader(this.venue, st, open(), rng, pop.momentum);
        add(agent, rng, pop.momentum.meanIntervalMs);
      }
    });
  }

  #scheduleShocks(): void {
    const start = this.config.startTime;
    const a = this.config.population.account;
    this.config.shocks.forEach((shock, i) => {
      if (shock.kind === "largeSeller") {
        const account = this.venue.openAccount({
          cash: a.cash,
          creditLimit: a.creditLimit,
          shortLimit: Math.max(a.shortLimit, shock.qty),
        });
        const side = shock.side === "sell" ? Side.Sell : Side.Buy;
        const m = new Metaorder(
          this.venue,
          shock.symbol,
          account,
          side,
          shock.qty,
          shock.durationMs,
          shock.childIntervalMs,
        );
        this.metaorders.push(m);
        this.addAgent(m, start + shock.atMs);
      } else if (shock.kind === "regime") {
        // Its momentum traders get their accounts now and first wake after the change.
        const p = { ...this.config.population.momentum, ...shock.momentum };
        const positions = new Array(this.config.symbols.length).fill(0);
        positions[shock.symbol] = a.position;
        for (let k = 0; k < shock.momentum.count; k++) {
          const rng = this.#rng.split(`regime/${i}/momentum/${k}`);
          const account = this.venue.openAccount({
            cash: a.cash,
            positions,
            creditLimit: a.creditLimit,
            shortLimit: a.shortLimit,
          });
          const agent = new MomentumTrader(this.venue, this.states[shock.symbol], account, rng, p);
          this.addAgent(agent, start + shock.atMs + rng.float() * p.meanIntervalMs);
        }
        this.kernel.push(start + shock.atMs, EventType.Shock, 2 * i);
      } else {
        // Index 2i starts the shock, 2i + 1 ends it (droughts only).
        this.kernel.push(start + shock.atMs, EventType.Shock, 2 * i);
        if (shock.kind === "liquidityDrought") {
          this.kernel.push(start + shock.atMs + shock.durationMs, EventType.Shock, 2 * i + 1);
        }
      }
    });
  }

  #shock(index: number): void {
    const shock = this.config.shocks[index >> 1];
    const st = this.states[shock.symbol];
    if (shock.kind === "newsJump") st.fundamental.jump(shock.jump);
    else if (shock.kind === "liquidityDrought") st.liquidity = index & 1 ? 1 : shock.factor;
    else if (shock.kind === "regime") {
      st.valueShare = shock.valueShare;
      st.fundamental.volScale = shock.volScale;
      st.fundamental.retune(shock.fundamental);
    }
  }
}
