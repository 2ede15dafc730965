/**
 * RL training and acting.
 *
 * - `ppo_env_steps_per_s`: end-to-end PPO training throughput — env steps per second of
 *   `PpoTrainer.iterate()` (rollout, advantage estimation and the minibatch updates in tfjs)
 *   with 64 envs in a `ParallelVecEnv` (this thread + one worker per spare core) over the
 *   simulated market at the cadence of `vec_env_steps_per_s` (a decision every
 *   {@linkcode BENCH_DECISION_MS} ms, the default population trading between decisions), with
 *   the default PPO settings (128 steps per env per iteration, 4 epochs of 4 minibatches).
 * - `policy_act_p99_us`: the 99th percentile of one action at batch 1 (normalise the
 *   observation, run the default 64-64 actor, take the argmax) through `ActingPolicy`, timed
 *   call by call over 20,000 calls, on the meanrev scenario's observation (12 values).
 * @module
 */
import { ParallelVecEnv } from "../env/gym/mod.ts";
import { Rng } from "../env/kernel/mod.ts";
import { measureRate, quantile, type RateOptions } from "./harness.ts";
import { BENCH_DECISION_MS } from "./rl_env.ts";
import { ActingPolicy, initMlp, RunningNorm } from "../policies/rl/mod.ts";

/** `ppo_env_steps_per_s`; see the module documentation. */
export async function benchPpo(options?: RateOptions): Promise<number> {
  const { selectBackend } = await import("../policies/training/mod.ts");
  await selectBackend();
  const tf = await import("@tensorflow/tfjs");
  const { PpoTrainer } = await import("../policies/rl/learners/mod.ts");
  const quick = options?.roundMs !== undefined && options.roundMs < 50;
  const config = {
    market: { kind: "sim" as const, decisionMs: BENCH_DECISION_MS },
    episodeSteps: 3_600_000 / BENCH_DECISION_MS,
  };
  const vec = await ParallelVecEnv.create(config, 64);
  const trainer = new PpoTrainer(
    tf,
    vec,
    { kind: "discrete", n: 3 },
    quick ? { stepsPerEnv: 8 } : {},
    1,
  );
  try {
    return measureRate(() => {
      const before = trainer.iterate().envSteps;
      return before > 0 ? 64 * trainer.config.stepsPerEnv : 0;
    }, { rounds: quick ? 1 : 5, roundMs: quick ? 1 : 2_000, warmupMs: quick ? 0 : 1_000 })
      .median;
  } finally {
    trainer.dispose();
    vec.close();
  }
}

/** `policy_act_p99_us`; see the module documentation. */
export function benchPolicyAct(options?: RateOptions): number {
  const inputs = 12;
  const rng = new Rng(1);
  const net = initMlp({ inputs, hidden: [64, 64], outputs: 3, activation: "tanh" }, rng, 1);
  const norm = new RunningNorm(inputs);
  const rows = 512;
  const x = new Float32Array(rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal(0, 2);
  norm.update(x, rows);
  const policy = new ActingPolicy({
    algo: "ppo",
    action: { kind: "discrete", n: 3 },
    net,
    norm: norm.save(),
  });
  const calls = options?.roundMs !== undefined && options.roundMs < 50 ? 2_000 : 20_000;
  const obs = new Float32Array(inputs);
  let sink = 0;
  for (let k = 0; k < calls; k++) {
    sink += policy.actOne(x.subarray((k % rows) * inputs, (k % rows + 1) * inputs));
  }
  const us: number[] = new Array(calls);
  for (let k = 0; k < calls; k++) {
    obs.set(x.subarray((k % rows) * inputs, (k % rows + 1) * inputs));
    const t0 = performance.now();
    sink += policy.actOne(obs);
    us[k] = (performance.now() - t0) * 1000;
  }
  if (!Number.isFinite(sink)) throw new Error("policy_act_p99_us: an action was not finite");
  return quantile(us, 0.99);
}
