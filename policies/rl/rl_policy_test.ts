import { assert, assertEquals } from "../../testing/mod.ts";
import type { PolicyContext } from "../rules/mod.ts";
import type { RlAgentModel } from "./checkpoint.ts";
import { constantServingModel } from "./constant_model.ts";
import { observationKey, rlEnvConfig } from "./rl_env.ts";
import { RlObserver, rlPolicy, RlPolicySchema } from "./rl_policy.ts";
import { TradingEnv } from "../../env/gym/mod.ts";

const MARKET = { population: { noise: { count: 20 } } };

function agentOf(action: 0 | 1 | 2, allowShort = true): RlAgentModel {
  const env = rlEnvConfig({
    venue: { kind: "sim", market: MARKET },
    rl: {
      decisionMs: 5_000,
      window: 3,
      extras: ["position", "spread_bps"],
      trends: [4],
      allowShort,
    },
  }, "test");
  const inputs = observationKey(env).names.length;
  const model = constantServingModel(inputs, action);
  const entry = {
    meta: { name: "const", version: 1 },
    stage: "production",
    dir: "",
  } as unknown as RlAgentModel["entry"];
  return { entry, env, model };
}

const CONFIG = RlPolicySchema.parse({ kind: "rl", model: "const" });

function ctx(ts: number, mid: number, position = 0): PolicyContext {
  return {
    ts,
    symbol: "SIM",
    features: { mid, spread_bps: 2 },
    position,
    size: 10,
    equity: 1_000,
  };
}

Deno.test("the rl policy samples every decisionMs, warms up `window` samples, then acts", () => {
  const policy = rlPolicy(CONFIG, agentOf(1));
  assertEquals(policy.features.map((f) => f.kind), ["mid", "spread_bps"]);
  const kinds: string[] = [];
  for (let t = 0; t <= 30_000; t += 1_000) kinds.push(policy.decide(ctx(t, 100 + t / 1e4)).kind);
  // Samples at 0, 5 s, 10 s, 15 s: the first starts the history, three more fill the window.
  assertEquals(kinds.slice(0, 15).every((k) => k === "hold"), true);
  assertEquals(kinds[15], "exposure");
  assertEquals(kinds.slice(16, 20), ["hold", "hold", "hold", "hold"]);
  assertEquals(kinds[20], "exposure");
});

Deno.test("discrete actions become exposures as in training; sell is flat without shorts", () => {
  const decideAt = (agent: RlAgentModel) => {
    const p = rlPolicy(CONFIG, agent);
    let d = p.decide(ctx(0, 100));
    for (let t = 5_000; t <= 15_000; t += 5_000) d = p.decide(ctx(t, 100));
    return d;
  };
  assertEquals(decideAt(agentOf(0)).kind, "hold");
  const buy = decideAt(agentOf(1));
  assert(buy.kind === "exposure" && buy.target === 1);
  const sell = decideAt(agentOf(2));
  assert(sell.kind === "exposure" && sell.target === -1);
  const flat = decideAt(agentOf(2, false));
  assert(flat.kind === "exposure" && flat.target === 0);
});

Deno.test("the observer rebuilds the environment's observations from the same mids", () => {
  const env = rlEnvConfig({
    venue: { kind: "sim", market: MARKET },
    rl: {
      decisionMs: 2_000,
      window: 5,
      extras: ["spread_bps", "position", "time_left", "episode_return_pct"],
      trends: [3, 20],
      episodeSteps: 60,
    },
  }, "test");
  const trading = new TradingEnv(env);
  const mids: number[] = [];
  const market = trading.market;
  const advance = market.advance.bind(market);
  market.advance = () => {
    advance();
    mids.push(market.mid());
  };
  let m0 = 0;
  const reset = market.reset.bind(market);
  market.reset = (seed: number, steps: number) => {
    reset(seed, steps);
    m0 = market.mid();
  };
  let obs = trading.reset(4);
  const observer = new RlObserver(env);
  const names = observationKey(env).names;
  const at = (name: string) => obs[names.indexOf(name)];
  const feed = (k: number, mid: number) =>
    observer.update(k * 2_000, mid, at("spread_bps"), at("position"), trading.equity);
  assertEquals(feed(0, m0), "warming up");
  for (let k = 1; k < 5; k++) assertEquals(feed(k, mids[k - 1]), "warming up");
  // The observer's first observation gets the equity it started with: no return yet.
  let got = feed(5, mids[4]);
  assert(typeof got !== "string");
  for (let t = 0; t < 40; t++) {
    assertEquals(Array.from(got), Array.from(obs), `decision ${t}`);
    obs = trading.step(t % 7 === 0 ? 1 : t % 5 === 0 ? 2 : 0).observation;
    assertEquals(observer.update(6_000 + t * 2_000 + 1_000, 1, 0, 0), "between");
    got = feed(6 + t, mids.at(-1)!);
    assert(typeof got !== "string");
  }
});
