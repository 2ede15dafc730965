/**
 * RL environment throughput: `env_steps_per_s` (one {@linkcode TradingEnv}) and
 * `vec_env_steps_per_s` (64 envs in a {@linkcode ParallelVecEnv}, one worker per spare core),
 * both over the simulated market with the default population trading between decisions, one
 * decision every {@linkcode BENCH_DECISION_MS} ms of simulated time; and `replay_bars_per_s`
 * (the replay venue over the BTC 1-minute file with an account trading every 10 bars).
 *
 * The agent acts like an exploring policy: it changes its target position on about one step
 * in eight, so market orders reach the book and fill. Episodes last one simulated hour, and
 * resets (a fresh market and its warm-up) are counted in the time.
 * @module
 */
import { measureRate, type RateOptions } from "./harness.ts";
import { ParallelVecEnv, TradingEnv } from "../env/gym/mod.ts";
import { parseBars, prepareReplay, ReplayVenue } from "../env/replay/mod.ts";
import { SHARED_DATA_DIR } from "../env/research/mod.ts";
import { OrderKind, Side } from "../env/book/mod.ts";

/** Simulated time between decisions in the env benchmarks, ms. */
export const BENCH_DECISION_MS = 50;

/** Episodes of one simulated hour; a reset (new market, 60 s warm-up) costs about 1 ms. */
const CONFIG = {
  market: { kind: "sim" as const, decisionMs: BENCH_DECISION_MS },
  episodeSteps: 3_600_000 / BENCH_DECISION_MS,
};

/** The exploring policy's action for env `i` at step `t`. */
function action(t: number, i: number): number {
  return ((t + i * 5) & 7) === 0 ? ((t >> 3) + i) % 3 : 0;
}

/** `env_steps_per_s`: one env, stepped and reset on episode end. */
export function benchEnv(options?: RateOptions): number {
  const env = new TradingEnv(CONFIG);
  const obs = new Float32Array(env.observationSize);
  let seed = 1, t = 0;
  env.resetInto(seed, obs, 0);
  return measureRate(() => {
    for (let k = 0; k < 256; k++) {
      env.stepInto(action(t++, 0), obs, 0);
      if (env.terminated || env.truncated) env.resetInto(++seed, obs, 0);
    }
    return 256;
  }, options).median;
}

/** `vec_env_steps_per_s`: 64 envs (env steps per second, all envs counted). */
export async function benchVecEnv(options?: RateOptions): Promise<number> {
  const n = 64;
  const vec = await ParallelVecEnv.create(CONFIG, n);
  try {
    vec.reset(1);
    const actions = new Int32Array(n);
    let t = 0;
    return measureRate(() => {
      for (let i = 0; i < n; i++) actions[i] = action(t, i);
      t++;
      vec.step(actions);
      return n;
    }, options).median;
  } finally {
    vec.close();
  }
}

/** `replay_bars_per_s`: bars replayed per second, an account trading every 10 bars. */
export function benchReplay(options?: RateOptions): number {
  const { bars } = parseBars(Deno.readTextFileSync(SHARED_DATA_DIR + "BTC-1m-freqtrade.csv"));
  const data = prepareReplay({ name: "BTC", bars });
  return measureRate(() => {
    const venue = new ReplayVenue({ symbols: [data], commission: 0.001, spread: 0.0005 });
    const me = venue.openAccount({ cash: 1e15 });
    let n = 0;
    let long = false;
    while (venue.step()) {
      if (++n % 10 === 0) {
        venue.submit(me, 0, long ? Side.Sell : Side.Buy, OrderKind.Market, 0, 1);
        long = !long;
      }
    }
    return n;
  }, options).median;
}
