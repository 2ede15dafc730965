import { assertEquals, assertThrows } from "../../testing/mod.ts";
import { ParallelVecEnv } from "./parallel_vec_env.ts";
import { type EnvConfigInput, EnvError } from "./trading_env.ts";
import { VecTradingEnv } from "./vec_env.ts";

const CONFIG: EnvConfigInput = {
  market: { kind: "sim", decisionMs: 200 },
  episodeSteps: 6,
  window: 3,
};
const N = 7;

Deno.test({
  name: "the threaded vectorised env gives the same numbers as the one-thread form",
  fn: async () => {
    const par = await ParallelVecEnv.create(CONFIG, N, { workers: 2 });
    try {
      assertEquals(par.workers, 2);
      const one = new VecTradingEnv(CONFIG, N);
      assertEquals([...par.reset(3)], [...one.reset(3)]);
      const actions = new Int32Array(N);
      for (let t = 0; t < 15; t++) {
        for (let i = 0; i < N; i++) actions[i] = (t * 3 + i) % 3;
        const a = par.step(actions);
        const b = one.step(actions);
        assertEquals([...a.observations], [...b.observations], `step ${t}`);
        assertEquals([...a.rewards], [...b.rewards]);
        assertEquals([...a.terminated, ...a.truncated], [...b.terminated, ...b.truncated]);
        assertEquals([...par.finalObservations], [...one.finalObservations]);
      }
      assertEquals([...par.episodes], [...one.episodes]);
      assertThrows(() => par.step(new Int32Array(N).fill(5)), EnvError, "actions[0]: action");
      par.step(actions); // still usable after a refused step
    } finally {
      par.close();
    }
    assertThrows(() => par.step(new Int32Array(N)), EnvError, "closed");
  },
});
