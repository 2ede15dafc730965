import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { type EnvConfigInput, EnvError, TradingEnv } from "./trading_env.ts";
import { episodeSeed, VecTradingEnv } from "./vec_env.ts";

// Short episodes of different lengths (a ruin level that some reach) so auto-resets happen.
const CONFIG: EnvConfigInput = {
  market: { kind: "sim", decisionMs: 200 },
  episodeSteps: 7,
  window: 3,
  action: "continuous",
};
const N = 5;
const action = (t: number, i: number) => Math.sin(t * 0.7 + i * 1.3);

Deno.test("the vectorised env equals N single envs stepped one by one, element for element", () => {
  const vec = new VecTradingEnv(CONFIG, N);
  const singles = Array.from({ length: N }, () => new TradingEnv(CONFIG));
  const size = vec.observationSize;
  const seed = 11;
  const obs0 = vec.reset(seed);
  const episodes = new Array(N).fill(0);
  singles.forEach((e, i) => {
    assertEquals([...obs0.subarray(i * size, (i + 1) * size)], [
      ...e.reset(episodeSeed(seed, i, 0)),
    ]);
  });
  const actions = new Float64Array(N);
  let resets = 0;
  for (let t = 0; t < 20; t++) {
    for (let i = 0; i < N; i++) actions[i] = action(t, i);
    const out = vec.step(actions);
    for (let i = 0; i < N; i++) {
      const r = singles[i].step(actions[i]);
      const at = i * size;
      assertEquals(out.rewards[i], Math.fround(r.reward), `reward env ${i} step ${t}`);
      assertEquals([out.terminated[i], out.truncated[i]], [+r.terminated, +r.truncated]);
      if (r.terminated || r.truncated) {
        resets++;
        assertEquals([...vec.finalObservations.subarray(at, at + size)], [...r.observation]);
        const next = singles[i].reset(episodeSeed(seed, i, ++episodes[i]));
        assertEquals([...out.observations.subarray(at, at + size)], [...next]);
      } else {
        assertEquals([...out.observations.subarray(at, at + size)], [...r.observation]);
      }
    }
  }
  assertEquals(resets, 2 * N); // 20 steps of 7-step episodes: two resets each
  assertEquals([...vec.episodes], new Array(N).fill(2));
});

Deno.test("episode seeds differ across envs and episodes", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 64; i++) for (let k = 0; k < 64; k++) seen.add(episodeSeed(1, i, k));
  assertEquals(seen.size, 64 * 64);
  assert(episodeSeed(1, 0, 0) !== episodeSeed(2, 0, 0));
});

Deno.test("the vectorised env checks its arguments", () => {
  assertThrows(() => new VecTradingEnv(CONFIG, 0), EnvError, "num");
  const vec = new VecTradingEnv(CONFIG, 2);
  assertThrows(() => vec.step([0, 0]), EnvError, "reset");
  vec.reset(1);
  assertThrows(() => vec.step([0]), EnvError, "actions: expected 2 actions, got 1");
});
