/**
 * The Gym-style RL environment: one agent trades one symbol, over the simulator (the background
 * population trading between decisions) or over recorded bars (episodes in seeded random
 * windows). `reset(seed)` gives the first observation; `step(action)` gives
 * `{observation, reward, terminated, truncated, info}`.
 *
 * - **Actions.** `"discrete"`: 0 hold (keep the position), 1 buy (go long `maxPosition` lots),
 *   2 sell (go short `maxPosition` lots, or flat when shorts are not allowed). `"continuous"`:
 *   the target position as a fraction of `maxPosition` in [-1, 1] (clipped; rounded to whole
 *   lots). The difference from the current position is sent as one market order.
 * - **Observation** ({@linkcode TradingEnv.observationSpace}), float32: the last `window` log
 *   returns of the mid between decisions (percent, oldest first), then the `extras` in order
 *   (default all four: the position as a fraction of `maxPosition`, the episode's return so far
 *   (percent), the spread (basis points of the mid) and the share of the episode left), then
 *   one value per span in `trends`: the mid's log distance from its exponential moving average
 *   over that many decisions (percent; the average starts at the mid when the episode starts
 *   and moves at every decision, the history window's included).
 * - **Reward**: pluggable ({@linkcode Reward}); the default is the P&L in percent of the
 *   starting equity.
 * - **Episode end**: `terminated` when equity falls below `ruin` × the starting equity;
 *   `truncated` after `episodeSteps` decisions or when recorded data runs out.
 *
 * Before the first decision the market runs `window` decision intervals (after the simulator's
 * warm-up) so the first observation has a full history. Everything is seeded: the same
 * configuration and seed give the same trajectory.
 *
 * @example
 * ```ts
 * import { TradingEnv } from "./trading_env.ts";
 * const env = new TradingEnv({ market: { kind: "sim", decisionMs: 1_000 }, episodeSteps: 5 });
 * let obs = env.reset(7);
 * let done = false;
 * while (!done) {
 *   const r = env.step(1); // stay long
 *   obs = r.observation;
 *   done = r.terminated || r.truncated;
 * }
 * if (obs.length !== env.observationSpace.shape[0]) throw new Error("unreachable");
 * ```
 * @module
 */
import { z } from "zod";
import { type EnvMarket, ReplayMarket, SimMarket } from "./env_markets.ts";
import type { ReplayData } from "../replay/mod.ts";
import { makeReward, type Reward } from "./rewards.ts";
import type { SimConfigInput } from "../sim/mod.ts";
import { type AccountState, EXTRAS, MarketObservation, observationNames } from "./observation.ts";

export { observationNames };

const RewardSpecSchema = z.object({
  kind: z.enum(["pnl", "sharpe"]).default("pnl"),
  scale: z.number().positive().default(100),
  eta: z.number().gt(0).lt(1).default(0.01),
  drawdownPenalty: z.number().min(0).default(0),
  costPenalty: z.number().min(0).default(0),
}).strict();

const MarketSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("sim"),
    /** The simulator's configuration (sim_config.ts); its seed is the episode's. */
    sim: z.record(z.string(), z.unknown()).default({}),
    /** Simulated time between decisions, ms. */
    decisionMs: z.number().positive().finite().default(1_000),
    /** Simulated time before the history window, ms. */
    warmupMs: z.number().min(0).finite().default(60_000),
  }).strict(),
  z.object({
    kind: z.literal("replay"),
    commission: z.number().min(0).lt(1).default(0),
    spread: z.number().min(0).lt(1).default(0),
    slippage: z.number().min(0).lt(1).default(0),
  }).strict(),
]);

/** The environment's configuration schema (plain data; replay data is passed beside it). */
export const EnvConfigSchema = z.object({
  market: MarketSchema.prefault({ kind: "sim" }),
  action: z.enum(["discrete", "continuous"]).default("discrete"),
  /** Largest position, lots. */
  maxPosition: z.number().int().min(1).default(10),
  allowShort: z.boolean().default(true),
  /** Past returns in the observation. */
  window: z.number().int().min(1).max(1_024).default(16),
  /** The account and episode values in the observation, in this order. */
  extras: z.array(z.enum(EXTRAS))
    .refine((a) => new Set(a).size === a.length, "expected no repeated extra")
    .default(["position", "episode_return_pct", "spread_bps", "time_left"]),
  /** Spans (decisions) of the moving averages whose distance from the mid is observed. */
  trends: z.array(z.number().int().min(2).max(100_000)).max(16).default([]),
  episodeSteps: z.number().int().min(1).default(1_000),
  /** Starting cash, notional units. Default: 2 × maxPosition × the reference price. */
  cash: z.number().int().positive().optional(),
  /** Terminated when equity < ruin × starting equity. */
  ruin: z.number().min(0).max(1).default(0.5),
  reward: RewardSpecSchema.prefault({}),
}).strict();

/** A validated environment configuration. */
export type EnvConfig = z.infer<typeof EnvConfigSchema>;
/** What a caller may write. */
export type EnvConfigInput = z.input<typeof EnvConfigSchema>;

/** Thrown for a bad configuration or call; the message names the field or value. */
export class EnvError extends Error {
  override name = "EnvError";
}

/** Validates an environment configuration; every bad field is named by its path. */
export function parseEnvConfig(input: unknown = {}): EnvConfig {
  const r = EnvConfigSchema.safeParse(input);
  if (!r.success) {
    throw new EnvError(
      r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
    );
  }
  return r.data;
}

/** A box of float32 values. */
export interface BoxSpace {
  readonly type: "box";
  readonly shape: readonly number[];
  readonly low: number;
  readonly high: number;
  /** One name per element (observations only). */
  readonly names?: readonly string[];
}

/** `n` actions 0 … n − 1. */
export interface DiscreteSpace {
  readonly type: "discrete";
  readonly n: number;
  readonly names: readonly string[];
}

/** What a step reports beside the reward. */
export interface StepInfo {
  readonly step: number;
  /** Cash + position at the mid, notional units. */
  readonly equity: number;
  /** Lots. */
  readonly position: number;
  /** Ticks. */
  readonly mid: number;
  /** Fees plus execution cost versus the decision-time mid, notional units. */
  readonly cost: number;
}

/** The result of {@linkcode TradingEnv.step}. */
export interface StepResult {
  readonly observation: Float32Array;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly info: StepInfo;
}

/** Options beside the data configuration. */
export interface EnvOptions {
  /** Bars to replay (needed when `market.kind` is "replay"). */
  readonly data?: ReplayData;
  /** A custom reward; overrides `reward`. */
  readonly reward?: Reward;
}

/** Why `action` is not an action of kind `kind`, or null when it is. */
export function actionError(kind: EnvConfig["action"], action: number): string | null {
  if (kind === "discrete") {
    return action === 0 || action === 1 || action === 2
      ? null
      : `action: expected 0 (hold), 1 (buy) or 2 (sell), got ${action}`;
  }
  return Number.isFinite(action)
    ? null
    : `action: expected a target position in [-1, 1], got ${action}`;
}

/** Length of one observation under `config`. */
export function observationSizeOf(config: EnvConfig): number {
  return config.window + config.extras.length + config.trends.length;
}

/** The RL environment; see the module documentation. */
export class TradingEnv {
  readonly config: EnvConfig;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace | DiscreteSpace;
  readonly market: EnvMarket;
  readonly reward: Reward;
  /** Set by the last step. */
  terminated = false;
  truncated = false;
  /** Last step's figures (valid after a step). */
  equity = 0;
  cost = 0;
  #obs: MarketObservation;
  #account: AccountState = { position: 0, episodeReturnPct: 0, spreadBps: 0, timeLeft: 1 };
  #t = 0;
  #mid = 0;
  #initial = 0;
  #peak = 0;
  #started = false;
  #discrete: boolean;
  #outcome = { equity: 0, prevEquity: 0, initialEquity: 0, peakEquity: 0, cost: 0 };

  constructor(input: EnvConfigInput = {}, options: EnvOptions = {}) {
    const config = parseEnvConfig(input);
    this.config = config;
    const m = config.market;
    if (m.kind === "sim") {
      this.market = new SimMarket({
        sim: m.sim as SimConfigInput,
        decisionMs: m.decisionMs,
        warmupMs: m.warmupMs,
      });
    } else {
      if (!options.data) throw new EnvError("data: a replay market needs bars (options.data)");
      this.market = new ReplayMarket({ data: options.data, ...m });
    }
    this.reward = options.reward ?? makeReward(config.reward);
    this.#discrete = config.action === "discrete";
    this.#obs = new MarketObservation(config);
    const names = observationNames(config);
    this.observationSpace = {
      type: "box",
      shape: [names.length],
      low: -Infinity,
      high: Infinity,
      names,
    };
    this.actionSpace = this.#discrete
      ? { type: "discrete", n: 3, names: ["hold", "buy", "sell"] }
      : { type: "box", shape: [1], low: -1, high: 1 };
  }

  /** Length of one observation. */
  get observationSize(): number {
    return observationSizeOf(this.config);
  }

  /** Starts an episode from `seed`; returns its first observation. */
  reset(seed: number): Float32Array {
    const obs = new Float32Array(this.observationSize);
    this.resetInto(seed, obs, 0);
    return obs;
  }

  /** Takes one action; see the module documentation. */
  step(action: number): StepResult {
    const observation = new Float32Array(this.observationSize);
    const reward = this.stepInto(action, observation, 0);
    return {
      observation,
      reward,
      terminated: this.terminated,
      truncated: this.truncated,
      info: {
        step: this.#t,
        equity: this.equity,
        position: this.market.position(),
        mid: this.#mid,
        cost: this.cost,
      },
    };
  }

  /** {@linkcode reset}, writing the observation into `out` at `offset` (no allocation). */
  resetInto(seed: number, out: Float32Array, offset: number): void {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new EnvError(`seed: expected an integer >= 0, got ${seed}`);
    }
    const c = this.config;
    const m = this.market;
    m.reset(seed >>> 0, c.episodeSteps + c.window);
    const cash = c.cash ?? 2 * c.maxPosition * m.referencePrice();
    m.openAccount(cash, c.allowShort ? c.maxPosition : 0);
    this.#mid = m.mid();
    this.#obs.reset(this.#mid);
    for (let i = 0; i < c.window; i++) {
      if (m.exhausted()) break;
      m.advance();
      this.#pushReturn(m.mid());
    }
    this.#t = 0;
    this.#initial = this.equity = this.#peak = m.cash() + m.position() * this.#mid;
    this.cost = 0;
    this.terminated = this.truncated = false;
    this.reward.reset();
    this.#started = true;
    this.#observe(out, offset);
  }

  /**
   * {@linkcode step}, writing the observation into `out` at `offset`; returns the reward and
   * sets {@linkcode terminated} and {@linkcode truncated}. Allocation-free.
   */
  stepInto(action: number, out: Float32Array, offset: number): number {
    if (!this.#started) throw new EnvError("step: call reset(seed) first");
    if (this.terminated || this.truncated) {
      throw new EnvError("step: the episode is over; call reset(seed)");
    }
    const c = this.config;
    const m = this.market;
    const position = m.position();
    const target = this.#target(action, position);
    const cashBefore = m.cash();
    const midBefore = this.#mid;
    m.trade(target - position);
    m.advance();
    this.#pushReturn(m.mid());
    const cash = m.cash(), pos = m.position();
    const prev = this.equity;
    const equity = cash + pos * this.#mid;
    this.cost = (cashBefore - cash) - (pos - position) * midBefore;
    this.equity = equity;
    if (equity > this.#peak) this.#peak = equity;
    this.#t++;
    const o = this.#outcome;
    o.equity = equity;
    o.prevEquity = prev;
    o.initialEquity = this.#initial;
    o.peakEquity = this.#peak;
    o.cost = this.cost;
    const reward = this.reward.reward(o);
    this.terminated = equity < c.ruin * this.#initial;
    this.truncated = !this.terminated && (this.#t >= c.episodeSteps || m.exhausted());
    this.#observe(out, offset);
    return reward;
  }

  #target(action: number, position: number): number {
    const why = actionError(this.config.action, action);
    if (why !== null) throw new EnvError(why);
    const max = this.config.maxPosition;
    const floor = this.config.allowShort ? -max : 0;
    if (this.#discrete) return action === 0 ? position : action === 1 ? max : floor;
    const t = Math.round((action > 1 ? 1 : action < -1 ? -1 : action) * max);
    return t < floor ? floor : t;
  }

  #pushReturn(mid: number): void {
    this.#obs.push(mid);
    this.#mid = this.#obs.mid;
  }

  #observe(out: Float32Array, offset: number): void {
    const c = this.config;
    const m = this.market;
    const v = this.#account;
    v.position = m.position() / c.maxPosition;
    v.episodeReturnPct = 100 * (this.equity / this.#initial - 1);
    v.spreadBps = this.#mid > 0 ? 10_000 * m.spread() / this.#mid : 0;
    v.timeLeft = 1 - this.#t / c.episodeSteps;
    this.#obs.write(out, offset, v);
  }
}
