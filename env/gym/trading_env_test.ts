import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { barsFromTrades, parseBars, prepareReplay, readBars, readTrades } from "../replay/mod.ts";
import { SHARED_DATA_DIR } from "../research/mod.ts";
import { PnlReward } from "./rewards.ts";
import { type EnvConfigInput, EnvError, TradingEnv } from "./trading_env.ts";

const SIM: EnvConfigInput = {
  market: { kind: "sim", decisionMs: 500 },
  episodeSteps: 40,
  window: 4,
};

function trajectory(env: TradingEnv, seed: number, actions: (t: number) => number) {
  const out: number[][] = [[...env.reset(seed)]];
  for (let t = 0;; t++) {
    const r = env.step(actions(t));
    out.push([...r.observation, r.reward, r.info.equity, r.info.position, r.info.cost]);
    if (r.terminated || r.truncated) return out;
  }
}

const policy = (t: number) => [1, 0, 0, 2, 0, 1, 2, 0][t % 8];

Deno.test("same seed, same trajectory on the simulator; another seed, another trajectory", () => {
  const a = trajectory(new TradingEnv(SIM), 5, policy);
  const b = trajectory(new TradingEnv(SIM), 5, policy);
  assertEquals(a, b);
  assertEquals(a.length, 41);
  const c = trajectory(new TradingEnv(SIM), 6, policy);
  assert(JSON.stringify(a) !== JSON.stringify(c));
  // A reset reuses nothing of the last episode.
  const env = new TradingEnv(SIM);
  trajectory(env, 9, policy);
  assertEquals(trajectory(env, 5, policy), a);
});

Deno.test("spaces describe the observation (names) and both action kinds", () => {
  const env = new TradingEnv(SIM);
  assertEquals(env.observationSpace.shape, [8]);
  assertEquals(env.observationSpace.names, [
    "ret_0",
    "ret_1",
    "ret_2",
    "ret_3",
    "position",
    "episode_return_pct",
    "spread_bps",
    "time_left",
  ]);
  assertEquals(env.actionSpace, { type: "discrete", n: 3, names: ["hold", "buy", "sell"] });
  const cont = new TradingEnv({ ...SIM, action: "continuous" });
  assertEquals(cont.actionSpace, { type: "box", shape: [1], low: -1, high: 1 });
});

Deno.test("discrete actions move the position to +max, -max (or flat without shorts), or hold", () => {
  const env = new TradingEnv({ ...SIM, maxPosition: 7 });
  env.reset(3);
  assertEquals(env.step(1).info.position, 7);
  assertEquals(env.step(0).info.position, 7);
  assertEquals(env.step(2).info.position, -7);
  const longOnly = new TradingEnv({ ...SIM, maxPosition: 7, allowShort: false });
  longOnly.reset(3);
  longOnly.step(1);
  const r = longOnly.step(2);
  assertEquals(r.info.position, 0);
  assertEquals(r.observation[4], 0); // the position feature
});

Deno.test("continuous actions are target fractions, clipped to [-1, 1] and rounded to lots", () => {
  const env = new TradingEnv({ ...SIM, action: "continuous", maxPosition: 10 });
  env.reset(3);
  assertEquals(env.step(0.26).info.position, 3);
  assertEquals(env.step(-5).info.position, -10);
  assertThrows(
    () => env.step(NaN),
    EnvError,
    "action: expected a target position in [-1, 1], got NaN",
  );
});

Deno.test("bad actions, calls and configuration are errors that name them", () => {
  const env = new TradingEnv(SIM);
  assertThrows(() => env.step(1), EnvError, "call reset(seed) first");
  env.reset(1);
  assertThrows(
    () => env.step(3),
    EnvError,
    "action: expected 0 (hold), 1 (buy) or 2 (sell), got 3",
  );
  assertThrows(() => new TradingEnv({ maxPosition: 0 }), EnvError, "maxPosition");
  assertThrows(() => new TradingEnv({ market: { kind: "replay" } }), EnvError, "data:");
  assertThrows(() => env.reset(-1), EnvError, "seed");
});

Deno.test("the reward is the P&L in percent by default; equity and cost add up", () => {
  const env = new TradingEnv(SIM);
  env.reset(2);
  let equity = env.equity;
  const start = equity;
  for (let t = 0; t < 10; t++) {
    const r = env.step(policy(t));
    assert(Math.abs(r.reward - 100 * (r.info.equity - equity) / start) < 1e-9);
    equity = r.info.equity;
  }
  assertEquals(new PnlReward().name, "pnl");
});

// A market that rises 1% a bar: holding long earns each bar's move; the episode ends with the data.
const RISING = "date,open,high,low,close,volume\n" +
  Array.from({ length: 30 }, (_, i) => {
    const p = (100 * 1.01 ** i).toFixed(2);
    return `2024-01-${String(i + 1).padStart(2, "0")},${p},${p},${p},${p},1`;
  }).join("\n");

Deno.test("over replayed bars, episodes start at a seeded random window and truncate at the data's end", () => {
  const data = prepareReplay({ name: "UP", bars: parseBars(RISING).bars });
  const env = new TradingEnv({ market: { kind: "replay" }, episodeSteps: 1000, window: 2 }, {
    data,
  });
  env.reset(4);
  let last;
  let steps = 0;
  do {
    last = env.step(1);
    steps++;
  } while (!last.truncated && !last.terminated);
  assertEquals(steps, 27); // 30 bars: one for the first price, two of history, 27 decisions
  assert(last.truncated);
  assert(last.info.equity > env.config.maxPosition * 100 * 2);
  // Short windows start anywhere in the data, chosen by the seed.
  const short = new TradingEnv({ market: { kind: "replay" }, episodeSteps: 5, window: 2 }, {
    data,
  });
  const starts = new Set<number>();
  for (let s = 0; s < 20; s++) {
    short.reset(s);
    starts.add(short.step(0).info.mid);
  }
  assert(starts.size > 5, `${starts.size} distinct windows`);
});

Deno.test("episodes over the real GOOG daily bars are seeded windows, reproducible", async () => {
  const { bars } = await readBars(SHARED_DATA_DIR + "GOOG-1d-backtesting-py.csv");
  const data = prepareReplay({ name: "GOOG", bars });
  const config: EnvConfigInput = {
    market: { kind: "replay", commission: 0.001, spread: 0.0005 },
    episodeSteps: 250,
    window: 10,
  };
  const a = trajectory(new TradingEnv(config, { data }), 3, policy);
  const b = trajectory(new TradingEnv(config, { data }), 3, policy);
  assertEquals(a, b);
  assertEquals(a.length, 251);
  assert(a.some((row) => row.at(-1)! > 0), "trading costs something");
  const c = trajectory(new TradingEnv(config, { data }), 4, policy);
  assert(JSON.stringify(a[0]) !== JSON.stringify(c[0]), "another seed, another window");
});

Deno.test("recorded trades replay as 1-minute bars under the env", async () => {
  const { trades } = await readTrades(SHARED_DATA_DIR + "XRP_ETH-trades-freqtrade.csv");
  const data = prepareReplay({ name: "XRP/ETH", bars: barsFromTrades(trades, 60_000) });
  const env = new TradingEnv({ market: { kind: "replay" }, episodeSteps: 100, window: 5 }, {
    data,
  });
  env.reset(1);
  let r;
  do r = env.step(1); while (!r.truncated && !r.terminated);
  assertEquals(r.info.step, 100);
  assertEquals(r.info.position, env.config.maxPosition);
});

Deno.test("extras are chosen and ordered; trends are the mid's distance from its moving averages", () => {
  const env = new TradingEnv({ ...SIM, extras: ["spread_bps", "position"], trends: [3, 10] });
  assertEquals(env.observationSpace.names, [
    "ret_0",
    "ret_1",
    "ret_2",
    "ret_3",
    "spread_bps",
    "position",
    "trend_3",
    "trend_10",
  ]);
  // Recompute the averages from the mids the env moved through (reset, history window, steps).
  const mids: number[] = [];
  const market = env.market;
  const advance = market.advance.bind(market);
  market.advance = () => {
    advance();
    mids.push(market.mid());
  };
  let obs = env.reset(3);
  const emas = [0, 0];
  let first = true;
  const check = () => {
    for (const [k, span] of [3, 10].entries()) {
      const want = 100 * Math.log(mids.at(-1)! / emas[k]);
      assert(Math.abs(obs[6 + k] - want) < 1e-4, `trend_${span}: ${obs[6 + k]} vs ${want}`);
    }
    assertEquals(obs[5], env.market.position() / env.config.maxPosition);
  };
  const fold = (start: number) => {
    for (const [k, span] of [3, 10].entries()) {
      if (first) emas[k] = start;
      for (const m of mids.slice(first ? 0 : -1)) emas[k] += (2 / (span + 1)) * (m - emas[k]);
    }
    first = false;
  };
  // The env seeds the averages at the mid before the history window.
  const startMid = Math.exp(Math.log(mids[0]) - obs[0] / 100);
  fold(startMid);
  check();
  for (let t = 0; t < 10; t++) {
    obs = env.step(t % 3).observation;
    fold(0);
    check();
  }
  assertThrows(
    () => new TradingEnv({ ...SIM, extras: ["position", "position"] }),
    EnvError,
    "extras",
  );
  assertThrows(() => new TradingEnv({ ...SIM, trends: [1] }), EnvError, "trends.0");
});
