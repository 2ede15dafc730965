/**
 * Evaluates trading agents on the RL environment over held-out seeds, beside baseline agents
 * (buy and hold, flat, random, SMA crossover), with the monitor's statistics for every episode.
 *
 * Every agent runs every seed on its own {@linkcode TradingEnv}; the environment is seeded, so
 * all agents see the same market for a seed and comparisons between them are paired.
 *
 * Per episode, {@linkcode computeStats} gets: the equity curve (the equity after `reset`, then
 * after each step, at `step × decisionMs` from the episode's start); exposure (position ≠ 0 after
 * the step); `periodsPerYear = year / decisionMs`; turnover `Σ |Δposition| × mid` at the
 * decision-time mid (the env's notional is lots × ticks); fees `Σ max(cost, 0)` over steps — the
 * env's cost is fees *plus* execution cost versus the mid, and price improvement is not credited.
 * Closed trades come from position changes priced at the decision-time mid
 * ({@linkcode RoundTrips}): a trade closes when the position returns to 0 or flips sign, one
 * still open at the end closes at the last mid, and its `pnl` is net of the env's cost.
 *
 * @example
 * ```ts
 * import { baselineAgents, evaluateAgents, formatEvalTable, heldOutSeeds } from "./evaluate.ts";
 * import { type EnvConfigInput, parseEnvConfig } from "../../env/gym/mod.ts";
 * const config: EnvConfigInput = { market: { kind: "sim", decisionMs: 1_000 }, episodeSteps: 5 };
 * const report = evaluateAgents(config, baselineAgents(parseEnvConfig(config)), heldOutSeeds(2));
 * const flat = report.agents.find((a) => a.name === "flat")!;
 * if (flat.mean.return_pct !== 0 || flat.episodes.length !== 2) throw new Error("unreachable");
 * if (!formatEvalTable(report).includes("sma_crossover")) throw new Error("unreachable");
 * ```
 * @module
 */
import { computeStats, type EquityPoint, type Stats } from "../../actors/ledger/mod.ts";
import {
  type EnvConfig,
  type EnvConfigInput,
  EnvError,
  type EnvOptions,
  SimMarket,
  TradingEnv,
} from "../../env/gym/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { RoundTrips } from "./round_trips.ts";

/** Chooses an action from an observation; made fresh for every episode. */
export type ActFn = (observation: Float32Array, env: TradingEnv) => number;

/** An agent under evaluation. */
export interface EvalAgent {
  readonly name: string;
  /** A fresh acting function for one episode started from `seed`. */
  episode(seed: number): ActFn;
}

/** Settings of the baselines; windows count decisions. */
export interface BaselineOptions {
  /** Fast moving-average window of `sma_crossover`, an integer ≥ 1 below `smaSlow`. Default 10. */
  readonly smaFast?: number;
  /** Slow moving-average window of `sma_crossover`. Default 30. */
  readonly smaSlow?: number;
}

/** One agent's results over the seeds. */
export interface AgentSummary {
  readonly name: string;
  /** One per seed, in seed order. */
  readonly episodes: readonly Stats[];
  /** Mean over episodes of {@linkcode MEAN_KEYS} (see there for nulls). */
  readonly mean: Readonly<Record<string, number>>;
  /** Sample standard deviation over episodes of `return_pct` and `sharpe` (0 with one seed). */
  readonly std: Readonly<Record<string, number>>;
  /** mean(episode return_pct) / std(episode return_pct) across seeds (0 when std is 0). */
  readonly returnRatio: number;
}

/** An evaluation's results; plain data, safe for `JSON.stringify`. */
export interface EvalReport {
  readonly seeds: readonly number[];
  readonly env: EnvConfig;
  readonly agents: readonly AgentSummary[];
}

/** Thrown for an invalid argument or a failing agent; the message names the argument. */
export class EvalError extends Error {
  override name = "EvalError";
}

/**
 * Statistics averaged in {@linkcode AgentSummary.mean}. A null `sharpe` or `sortino` counts as
 * 0; `win_rate_pct` is averaged over the episodes with trades, and left out when none has any.
 */
export const MEAN_KEYS: readonly (keyof Stats)[] = Object.freeze(
  [
    "return_pct",
    "sharpe",
    "sortino",
    "max_drawdown_pct",
    "trades",
    "exposure_pct",
    "turnover",
    "fees",
    "win_rate_pct",
  ] as const,
);

const YEAR_MS = 365.25 * 24 * 3600 * 1000;
const NOISE = 1e-12;

/**
 * The baselines `buy_and_hold`, `flat`, `random` and `sma_crossover`, acting in `config`'s
 * action kind (discrete or continuous); see each in the module's test for its behaviour.
 */
export function baselineAgents(config: EnvConfig, options: BaselineOptions = {}): EvalAgent[] {
  const { smaFast = 10, smaSlow = 30 } = options;
  if (!Number.isSafeInteger(smaSlow) || smaSlow < 2) {
    throw new EvalError(`options.smaSlow: expected an integer ≥ 2, got ${smaSlow}`);
  }
  if (!Number.isSafeInteger(smaFast) || smaFast < 1 || smaFast >= smaSlow) {
    throw new EvalError(`options.smaFast: expected an integer in [1, ${smaSlow}), got ${smaFast}`);
  }
  const discrete = config.action === "discrete";
  // Long is 1 and flat-or-hold is 0 in both action kinds.
  const constant = (name: string, action: number): EvalAgent => ({
    name,
    episode: () => () => action,
  });
  return [
    constant("buy_and_hold", 1),
    constant("flat", 0),
    {
      name: "random",
      episode(seed) {
        const rng = new Rng(seed).split("random");
        return discrete ? () => rng.int(0, 2) : () => rng.float() * 2 - 1;
      },
    },
    smaCrossover(discrete, smaFast, smaSlow),
  ];
}

function smaCrossover(discrete: boolean, fast: number, slow: number): EvalAgent {
  return {
    name: "sma_crossover",
    episode() {
      const mids = new Float64Array(slow);
      let seen = 0;
      return (_observation, env) => {
        mids[seen % slow] = env.market.mid();
        seen++;
        const hold = discrete ? 0 : env.market.position() / env.config.maxPosition;
        if (seen < slow) return hold;
        let fastSum = 0, slowSum = 0;
        for (let i = 0; i < slow; i++) {
          const mid = mids[(seen - 1 - i) % slow];
          slowSum += mid;
          if (i < fast) fastSum += mid;
        }
        // Compares the means without dividing, so equal means compare equal exactly.
        const diff = fastSum * slow - slowSum * fast;
        return diff > 0 ? 1 : diff < 0 ? (discrete ? 2 : -1) : hold;
      };
    },
  };
}

/**
 * Runs every agent over every seed (see the module documentation). Throws {@linkcode EvalError}
 * for empty or invalid `seeds` or `agents`; an invalid action is the env's {@linkcode EnvError}
 * with the agent's name and the seed added to its message.
 */
export function evaluateAgents(
  config: EnvConfigInput,
  agents: readonly EvalAgent[],
  seeds: readonly number[],
  options: EnvOptions = {},
): EvalReport {
  if (!Array.isArray(seeds) || seeds.length === 0) {
    throw new EvalError("seeds: expected at least one seed");
  }
  seeds.forEach((seed, i) => {
    if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new EvalError(`seeds[${i}]: expected an integer in [0, 2^32), got ${seed}`);
    }
  });
  if (!Array.isArray(agents) || agents.length === 0) {
    throw new EvalError("agents: expected at least one agent");
  }
  const names = new Set<string>();
  agents.forEach((agent, i) => {
    if (typeof agent?.name !== "string" || typeof agent.episode !== "function") {
      throw new EvalError(`agents[${i}]: expected {name, episode(seed)}`);
    }
    if (names.has(agent.name)) throw new EvalError(`agents[${i}].name: duplicate "${agent.name}"`);
    names.add(agent.name);
  });
  let envConfig: EnvConfig | undefined;
  const summaries = agents.map((agent) => {
    const env = new TradingEnv(config, options);
    envConfig = env.config;
    const episodes = seeds.map((seed) => {
      try {
        return runEpisode(env, agent, seed, options);
      } catch (e) {
        const where = `agent "${agent.name}", seed ${seed}`;
        if (e instanceof EnvError) throw new EnvError(`${where}: ${e.message}`, { cause: e });
        throw new EvalError(`${where}: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
        });
      }
    });
    return summarize(agent.name, episodes);
  });
  return { seeds: [...seeds], env: envConfig!, agents: summaries };
}

function runEpisode(env: TradingEnv, agent: EvalAgent, seed: number, options: EnvOptions): Stats {
  const m = env.config.market;
  const decisionMs = m.kind === "sim" ? m.decisionMs : options.data?.barMs ?? 60_000;
  const symbol = env.market instanceof SimMarket
    ? env.market.config.symbols[0].name
    : options.data?.name ?? "";
  const act = agent.episode(seed);
  let observation = env.reset(seed);
  const startCash = env.equity;
  const equity: EquityPoint[] = [{ ts: 0, equity: startCash, exposed: false }];
  const trades = new RoundTrips(symbol);
  let mid = env.market.mid(), position = env.market.position(), ts = 0;
  let turnover = 0, fees = 0;
  for (let done = false; !done;) {
    const r = env.step(act(observation, env));
    const { info } = r;
    turnover += Math.abs(info.position - position) * mid;
    fees += Math.max(info.cost, 0);
    trades.step(position, info.position, mid, info.cost, ts);
    ts = info.step * decisionMs;
    equity.push({ ts, equity: info.equity, exposed: info.position !== 0 });
    ({ position, mid } = info);
    observation = r.observation;
    done = r.terminated || r.truncated;
  }
  trades.closeAtEnd(mid, ts);
  return computeStats({
    startCash,
    equity,
    trades: trades.closed,
    periodsPerYear: YEAR_MS / decisionMs,
    turnover,
    fees,
  });
}

function summarize(name: string, episodes: Stats[]): AgentSummary {
  const mean: Record<string, number> = {};
  for (const key of MEAN_KEYS) {
    const values = episodes.map((s) => s[key]);
    const present = key === "win_rate_pct" ? values.filter((v) => v !== null) : values;
    if (present.length > 0) mean[key] = average(present.map((v) => v ?? 0));
  }
  const returns = episodes.map((s) => s.return_pct);
  const std = {
    return_pct: sampleStd(returns),
    sharpe: sampleStd(episodes.map((s) => s.sharpe ?? 0)),
  };
  const returnRatio = std.return_pct > NOISE ? average(returns) / std.return_pct : 0;
  return { name, episodes, mean, std, returnRatio };
}

function average(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = average(values);
  let squares = 0;
  for (const v of values) squares += (v - m) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

/**
 * A fixed-width table, one row per agent: return% and sharpe as mean ± std, then mean maxDD%,
 * trades, exposure% and win% ("-" when no episode traded).
 */
export function formatEvalTable(report: EvalReport): string {
  const header = ["agent", "return%", "sharpe", "maxDD%", "trades", "exposure%", "win%"];
  const rows = report.agents.map((a) => {
    const win = a.mean.win_rate_pct;
    return [
      a.name,
      `${a.mean.return_pct.toFixed(3)} ± ${a.std.return_pct.toFixed(3)}`,
      `${a.mean.sharpe.toFixed(2)} ± ${a.std.sharpe.toFixed(2)}`,
      a.mean.max_drawdown_pct.toFixed(3),
      a.mean.trades.toFixed(1),
      a.mean.exposure_pct.toFixed(1),
      win === undefined ? "-" : win.toFixed(1),
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((s, c) => c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c])).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const title = `${report.agents.length} agents × ${report.seeds.length} seeds`;
  return [title, line(header), rule, ...rows.map(line)].join("\n");
}

/** `count` evaluation seeds `base + i` (i < count), disjoint from training seeds below `base`. */
export function heldOutSeeds(count: number, base = 1_000_000): number[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new EvalError(`count: expected an integer ≥ 0, got ${count}`);
  }
  if (!Number.isSafeInteger(base) || base < 0 || base + count > 2 ** 32) {
    throw new EvalError(`base: expected an integer ≥ 0 with base + count ≤ 2^32, got ${base}`);
  }
  return Array.from({ length: count }, (_, i) => base + i);
}
