import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertThrows,
} from "../../../testing/mod.ts";
import { selectBackend } from "../../training/mod.ts";
import {
  ActingPolicy,
  mlpToBytes,
  type RlVecEnv,
  type ServingModel,
  ToyVecEnv,
  type TrainerCheckpoint,
} from "../mod.ts";
import {
  DEFAULT_PPO,
  parsePpoConfig,
  type PpoConfig,
  PpoError,
  type PpoIterationStats,
  PpoTrainer,
} from "./ppo.ts";

await selectBackend();

/** Small, fast settings that learn the toy tasks in a few iterations. */
const FAST: Partial<PpoConfig> = { hidden: [32], learningRate: 3e-3, stepsPerEnv: 32 };

/** The stats without the wall times (which differ run to run). */
function comparable(s: PpoIterationStats): Omit<PpoIterationStats, "seconds"> {
  const { seconds: _, ...rest } = s;
  return rest;
}

/** The greedy return of one chain episode (length 5) on a fresh env. */
function greedyChainReturn(model: ServingModel): number {
  const env = new ToyVecEnv("chain", 1, 5);
  env.reset(12345);
  const policy = new ActingPolicy(model);
  const action = new Int32Array(1);
  let total = 0;
  for (let t = 0; t < 10; t++) {
    policy.act(env.observations, 1, action);
    env.step(action);
    total += env.rewards[0];
    if (env.terminated[0] || env.truncated[0]) break;
  }
  return total;
}

/** The greedy mean reward per step over one 10-step episode of 16 fresh target envs. */
function greedyTargetReward(model: ServingModel): number {
  const env = new ToyVecEnv("target", 16);
  env.reset(12345);
  const policy = new ActingPolicy(model);
  const actions = new Float32Array(16);
  let total = 0;
  for (let t = 0; t < 10; t++) {
    policy.act(env.observations, 16, actions);
    env.step(actions);
    for (let i = 0; i < 16; i++) total += env.rewards[i];
  }
  return total / 160;
}

function copyCheckpoint(c: TrainerCheckpoint): TrainerCheckpoint {
  // What a trip through files does: JSON text and byte copies.
  return {
    algo: c.algo,
    json: JSON.parse(JSON.stringify(c.json)),
    blobs: Object.fromEntries(Object.entries(c.blobs).map(([k, v]) => [k, v.slice()])),
  };
}

Deno.test("PpoTrainer solves the chain: the greedy policy walks to the end in 4 steps", () => {
  const env = new ToyVecEnv("chain", 16, 5);
  const trainer = new PpoTrainer(tf, env, env.action, FAST, 1);
  try {
    assert(greedyChainReturn(trainer.servingModel()) < 0);
    let stats: PpoIterationStats | undefined;
    for (let i = 0; i < 20; i++) stats = trainer.iterate();
    // The best return is 1 − 3 × 0.01 = 0.97 (three −0.01 steps, then +1).
    assert(greedyChainReturn(trainer.servingModel()) >= 0.96);
    assert(stats!.meanEpisodeReturn! > 0.5, `mean return ${stats!.meanEpisodeReturn}`);
    assertEquals(stats!.envSteps, 20 * 32 * 16);
  } finally {
    trainer.dispose();
  }
});

Deno.test("PpoTrainer solves the continuous target task", () => {
  const env = new ToyVecEnv("target", 16);
  const trainer = new PpoTrainer(tf, env, env.action, FAST, 1);
  try {
    // Untrained, the actor's mean is ~0: the reward is about −E[s²] = −0.32.
    assert(greedyTargetReward(trainer.servingModel()) < -0.2);
    for (let i = 0; i < 15; i++) trainer.iterate();
    const reward = greedyTargetReward(trainer.servingModel());
    assert(reward > -0.02, `greedy mean reward ${reward}`);
  } finally {
    trainer.dispose();
  }
});

Deno.test("PpoTrainer is deterministic given the seed", () => {
  for (const task of ["chain", "target"] as const) {
    const run = (seed: number) => {
      const env = new ToyVecEnv(task, 8);
      const trainer = new PpoTrainer(tf, env, env.action, FAST, seed);
      try {
        const stats = [trainer.iterate(), trainer.iterate()].map(comparable);
        return {
          stats,
          weights: mlpToBytes(trainer.servingModel().net),
          model: trainer.servingModel(),
        };
      } finally {
        trainer.dispose();
      }
    };
    const a = run(5), b = run(5), c = run(6);
    assertEquals(a.stats, b.stats);
    assertEquals(a.weights, b.weights);
    assertEquals(a.model.norm, b.model.norm);
    assertNotEquals(a.weights, c.weights);
  }
});

Deno.test("PpoTrainer checkpoints round-trip exactly", async () => {
  for (const task of ["chain", "target"] as const) {
    // Two identical runs: `original` goes on; `twin` only advances a second env identically, so
    // that a trainer restored onto that env (continueEpisodes) can be compared step for step.
    const envA = new ToyVecEnv(task, 8), envB = new ToyVecEnv(task, 8);
    const original = new PpoTrainer(tf, envA, envA.action, FAST, 3);
    const twin = new PpoTrainer(tf, envB, envB.action, FAST, 3);
    for (let i = 0; i < 2; i++) {
      original.iterate();
      twin.iterate();
    }
    twin.dispose();
    const checkpoint = copyCheckpoint(await original.save());
    assertEquals(checkpoint.algo, "ppo");
    assertEquals(Object.keys(checkpoint.blobs).sort(), [
      "actor.bin",
      "critic.bin",
      "optimizer.bin",
    ]);
    const restored = await PpoTrainer.restore(tf, envB, checkpoint, { continueEpisodes: true });
    try {
      assertEquals(restored.iteration, 2);
      assertEquals(restored.envSteps, original.envSteps);
      assertEquals(restored.config, original.config);
      // Bit-identical actions on a batch of observations.
      const rows = 64, size = envA.observationSize;
      const obs = new Float32Array(rows * size).map((_, i) => Math.sin(i * 12.9898) * 1.5);
      const actOf = (t: PpoTrainer) => {
        const out = new Float32Array(rows);
        new ActingPolicy(t.servingModel()).act(obs, rows, out);
        return out;
      };
      assertEquals(actOf(restored), actOf(original));
      // One more iteration from each: the same statistics and weights, bit for bit (weights,
      // Adam moments and step, PRNGs, normaliser and running episode returns all restored).
      assertEquals(comparable(restored.iterate()), comparable(original.iterate()));
      assertEquals(
        mlpToBytes(restored.servingModel().net),
        mlpToBytes(original.servingModel().net),
      );
      assertEquals((await restored.save()).blobs, (await original.save()).blobs);
    } finally {
      restored.dispose();
      original.dispose();
    }

    // The default resume resets the env (episodes in progress restart): deterministic, and the
    // counters continue.
    const resume = async () => {
      const env = new ToyVecEnv(task, 8);
      const t = await PpoTrainer.restore(tf, env, checkpoint);
      try {
        return comparable(t.iterate());
      } finally {
        t.dispose();
      }
    };
    const first = await resume();
    assertEquals(first.iteration, 3);
    assertEquals(first.envSteps, 3 * 8 * 32);
    assertEquals(await resume(), first);
  }
});

Deno.test("PpoTrainer does not leak tensors", async () => {
  const before = tf.memory().numTensors;
  const env = new ToyVecEnv("target", 4);
  const trainer = new PpoTrainer(tf, env, env.action, { ...FAST, stepsPerEnv: 8 }, 1);
  trainer.iterate(); // Adam creates its moments on the first step
  const after = tf.memory().numTensors;
  trainer.iterate();
  trainer.iterate();
  assertEquals(tf.memory().numTensors, after);
  const checkpoint = await trainer.save();
  assertEquals(tf.memory().numTensors, after);
  trainer.dispose();
  const restored = await PpoTrainer.restore(tf, new ToyVecEnv("target", 4), checkpoint);
  restored.iterate();
  restored.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("PpoTrainer without observation normalisation keeps the identity statistics", () => {
  const env = new ToyVecEnv("chain", 4);
  const trainer = new PpoTrainer(
    tf,
    env,
    env.action,
    { ...FAST, stepsPerEnv: 8, normaliseObservations: false },
    1,
  );
  try {
    trainer.iterate();
    const norm = trainer.servingModel().norm;
    assertEquals([...new Set(norm.mean)], [0]);
    assertEquals([...new Set(norm.var)], [1]);
    assertEquals(norm.count, 0);
  } finally {
    trainer.dispose();
  }
});

Deno.test("parsePpoConfig fills in the defaults and names a bad field", () => {
  assertEquals(parsePpoConfig({}), { ...DEFAULT_PPO, hidden: [64, 64] });
  assertEquals(parsePpoConfig({ clip: 0.1, hidden: [] }).clip, 0.1);
  const bad: [Partial<PpoConfig>, string][] = [
    [{ hidden: [0] }, "hidden[0]"],
    [{ hidden: 3 as unknown as number[] }, "hidden"],
    [{ stepsPerEnv: 0 }, "stepsPerEnv"],
    [{ epochs: 1.5 }, "epochs"],
    [{ minibatches: -1 }, "minibatches"],
    [{ learningRate: 0 }, "learningRate"],
    [{ gamma: 1.1 }, "gamma"],
    [{ lambda: NaN }, "lambda"],
    [{ clip: 0 }, "clip"],
    [{ entropyCoef: -0.1 }, "entropyCoef"],
    [{ valueCoef: Infinity }, "valueCoef"],
    [{ maxGradNorm: 0 }, "maxGradNorm"],
    [{ normaliseAdvantages: "yes" as unknown as boolean }, "normaliseAdvantages"],
    [{ normaliseObservations: 1 as unknown as boolean }, "normaliseObservations"],
    [{ initLogStd: "x" as unknown as number }, "initLogStd"],
    [{ learningrate: 0.1 } as Partial<PpoConfig>, "learningrate"],
  ];
  for (const [input, name] of bad) {
    const error = assertThrows(() => parsePpoConfig(input), PpoError);
    assert(error.message.startsWith(`${name}:`), error.message);
  }
});

Deno.test("PpoTrainer rejects a bad config, action spec or env, and a mismatched checkpoint", async () => {
  const before = tf.memory().numTensors;
  const env = new ToyVecEnv("chain", 4);
  assertThrows(() => new PpoTrainer(tf, env, env.action, { clip: -1 }, 1), PpoError, "clip");
  assertThrows(
    () => new PpoTrainer(tf, env, { kind: "discrete", n: 1 }, FAST, 1),
    PpoError,
    "action.n",
  );
  assertThrows(
    () => new PpoTrainer(tf, env, env.action, { stepsPerEnv: 2, minibatches: 9 }, 1),
    PpoError,
    "minibatches",
  );
  assertThrows(() => new PpoTrainer(tf, env, env.action, FAST, -1), PpoError, "seed");
  const empty: RlVecEnv = {
    num: 2,
    observationSize: 0,
    observations: new Float32Array(0),
    finalObservations: new Float32Array(0),
    rewards: new Float32Array(2),
    terminated: new Uint8Array(2),
    truncated: new Uint8Array(2),
    reset: () => new Float32Array(0),
    step: () => empty,
  };
  assertThrows(
    () => new PpoTrainer(tf, empty, { kind: "discrete", n: 2 }, FAST, 1),
    PpoError,
    "observationSize",
  );
  assertEquals(tf.memory().numTensors, before);

  const trainer = new PpoTrainer(tf, env, env.action, { ...FAST, stepsPerEnv: 4 }, 1);
  trainer.iterate();
  const checkpoint = await trainer.save();
  trainer.dispose();
  const edit = (json: Record<string, unknown>): TrainerCheckpoint => ({
    ...checkpoint,
    json: { ...checkpoint.json, ...json },
  });
  // The action spec no longer matches the saved actor's outputs.
  await assertRejects(
    () => PpoTrainer.restore(tf, env, edit({ action: { kind: "discrete", n: 4 } })),
    PpoError,
    "actorSpec.outputs",
  );
  await assertRejects(
    () => PpoTrainer.restore(tf, env, edit({ action: { kind: "continuous" } })),
    PpoError,
    "logStd",
  );
  // An env with another observation size.
  await assertRejects(
    () => PpoTrainer.restore(tf, new ToyVecEnv("chain", 4, 6), checkpoint),
    PpoError,
    "actorSpec.inputs",
  );
  await assertRejects(
    () => PpoTrainer.restore(tf, env, { ...checkpoint, algo: "dqn" }),
    PpoError,
    "algo",
  );
  await assertRejects(
    () => PpoTrainer.restore(tf, env, edit({ config: { ...checkpoint.json.config!, gamma: 2 } })),
    PpoError,
    "gamma",
  );
  await assertRejects(
    () =>
      PpoTrainer.restore(tf, env, {
        ...checkpoint,
        blobs: { ...checkpoint.blobs, "optimizer.bin": new Uint8Array(8) },
      }),
    PpoError,
    "optimizer.bin",
  );
  await assertRejects(
    () => PpoTrainer.restore(tf, new ToyVecEnv("chain", 3), checkpoint, { continueEpisodes: true }),
    PpoError,
    "episodeReturns",
  );
  assertEquals(tf.memory().numTensors, before);
});
