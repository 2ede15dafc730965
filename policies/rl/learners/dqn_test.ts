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
  ReplayBuffer,
  ToyVecEnv,
  type TrainerCheckpoint,
} from "../mod.ts";
import {
  DEFAULT_DQN,
  type DqnConfig,
  DqnError,
  type DqnIterationStats,
  DqnTrainer,
  epsilonAt,
  parseDqnConfig,
} from "./dqn.ts";

await selectBackend();

/** Small, fast settings that learn within a few iterations. */
const QUICK: Partial<DqnConfig> = {
  hidden: [16],
  bufferSize: 2_000,
  batchSize: 32,
  learningStarts: 32,
  stepsPerIteration: 8,
  targetUpdateInterval: 20,
  epsilonDecaySteps: 500,
};

function chainTrainer(config: Partial<DqnConfig>, seed: number, envs = 4): DqnTrainer {
  const env = new ToyVecEnv("chain", envs, 5);
  return new DqnTrainer(tf, env, env.action, config, seed);
}

/** Runs `body` with trainers that are disposed afterwards, whatever happens. */
async function using<T>(
  trainers: DqnTrainer[],
  body: (...t: DqnTrainer[]) => T | Promise<T>,
): Promise<T> {
  try {
    return await body(...trainers);
  } finally {
    for (const t of trainers) t.dispose();
  }
}

/** Stats without the wall-clock timings. */
function timeless(s: DqnIterationStats): Omit<DqnIterationStats, "seconds"> {
  const { seconds: _, ...rest } = s;
  return rest;
}

/** The greedy return of one episode on a fresh chain of length 5 (the best is 0.97). */
function greedyReturn(t: DqnTrainer): number {
  const policy = new ActingPolicy(t.servingModel());
  const env = new ToyVecEnv("chain", 1, 5);
  env.reset(12345);
  let ret = 0;
  for (let k = 0; k < 10; k++) {
    env.step([policy.actOne(env.observations.slice())]);
    ret += env.rewards[0];
    if (env.terminated[0] || env.truncated[0]) break;
  }
  return ret;
}

Deno.test("DQN solves the chain: the greedy policy walks right to the end in 4 steps", async () => {
  // Tuned for reliability: γ = 0.9 widens the action gaps (with γ = 0.99 they are ~0.01 and
  // greedy ties flip), and 2 gradient steps per vec step. Over seeds 1–16 every run solves the
  // chain by ~3,300 transitions and stays solved; the test gives it 4,096.
  const t = chainTrainer(
    {
      hidden: [32],
      learningRate: 1e-3,
      gamma: 0.9,
      learningStarts: 200,
      epsilonDecaySteps: 2_000,
      targetUpdateInterval: 50,
      gradientStepsPerVecStep: 2,
      stepsPerIteration: 32,
    },
    7,
    8,
  );
  await using([t], () => {
    let stats: DqnIterationStats | undefined;
    for (let i = 0; i < 16; i++) stats = t.iterate();
    assertEquals([stats!.envSteps, stats!.gradientSteps], [4096, 16 * 64 - 25 * 2 + 2]);
    const ret = greedyReturn(t);
    assert(ret >= 0.96, `greedy return ${ret}`);
    // The learnt values are close to the true ones: Q*(start, right) = Σ γ^k (−0.01) + γ³ ≈ 0.70.
    assert(stats!.meanQ !== null && stats!.meanQ > 0.4 && stats!.meanQ < 1.1, `${stats!.meanQ}`);
  });
});

Deno.test("the replay holds raw transitions: done only on termination, final observations on episode ends", async () => {
  const t = chainTrainer({ ...QUICK, learningStarts: 1e9, bufferSize: 10_000 }, 3);
  await using([t], async () => {
    for (let i = 0; i < 10; i++) t.iterate(); // 320 random transitions, ~30 episodes
    const replay = ReplayBuffer.fromBytes((await t.save()).blobs["replay.bin"]);
    assertEquals(replay.size, 320);
    const pos = (a: Float32Array, row: number) => a.subarray(row * 5, row * 5 + 5).indexOf(1);
    let terminal = 0;
    for (let r = 0; r < replay.size; r++) {
      const [p, q] = [pos(replay.obs, r), pos(replay.nextObs, r)];
      // Raw one-hot observations (not normalised), and every next observation one move away:
      // an episode's end stores its final observation, never the next episode's first.
      assert(p >= 0 && q >= 0 && Math.abs(q - p) <= 1, `row ${r}: ${p} → ${q}`);
      assertEquals(replay.dones[r], q === 4 ? 1 : 0);
      assertEquals(replay.rewards[r], q === 4 ? 1 : Math.fround(-0.01));
      terminal += replay.dones[r];
    }
    // Truncated episodes (10 steps without reaching the end) are not done.
    assert(terminal > 0 && terminal < 30, `${terminal} terminations`);
  });
});

Deno.test("double and plain DQN both learn; the target network lags and is a copy right after a sync", async () => {
  const config = {
    ...QUICK,
    learningStarts: 0,
    stepsPerIteration: 4,
    targetUpdateInterval: 8,
  };
  const losses: number[][] = [];
  for (const double of [true, false]) {
    const t = chainTrainer({ ...config, double }, 5);
    await using([t], () => {
      const initial = t.servingModel().net;
      assertEquals(t.targetWeights(), initial);
      const lossOf: number[] = [];
      let s = t.iterate(); // 4 gradient steps, no sync yet
      assertEquals(s.gradientSteps, 4);
      lossOf.push(s.loss!);
      assertEquals(t.targetWeights(), initial);
      assertNotEquals(t.servingModel().net, initial);
      s = t.iterate(); // gradient step 8 syncs, and is the iteration's last
      lossOf.push(s.loss!);
      const synced = t.servingModel().net;
      assertEquals(t.targetWeights(), synced);
      s = t.iterate(); // steps 9–12: the online net moves on, the target stays
      lossOf.push(s.loss!);
      assertNotEquals(t.servingModel().net, synced);
      assertEquals(t.targetWeights(), synced);
      assert(lossOf.every((l) => Number.isFinite(l) && l >= 0), `${lossOf}`);
      losses.push(lossOf);
    });
  }
  // The same data and initial weights; the targets differ once online and target differ.
  assertNotEquals(losses[0], losses[1]);
});

Deno.test("ε decays linearly over epsilonDecaySteps transitions, then stays at epsilonEnd", async () => {
  const config = parseDqnConfig({ epsilonStart: 1, epsilonEnd: 0.1, epsilonDecaySteps: 100 });
  for (const [n, want] of [[0, 1], [25, 0.775], [50, 0.55], [99, 0.109], [100, 0.1], [1e6, 0.1]]) {
    assert(Math.abs(epsilonAt(config, n) - want) < 1e-12, `ε(${n}) = ${epsilonAt(config, n)}`);
  }
  assertEquals(epsilonAt(parseDqnConfig({ epsilonDecaySteps: 0, epsilonEnd: 0.2 }), 0), 0.2);
  // In the trainer: 4 envs × 5 steps = 20 transitions per iteration.
  const t = chainTrainer({
    ...QUICK,
    epsilonStart: 1,
    epsilonEnd: 0.1,
    epsilonDecaySteps: 100,
    stepsPerIteration: 5,
    learningStarts: 1e9,
  }, 1);
  await using([t], () => {
    const seen = Array.from({ length: 7 }, () => t.iterate().epsilon);
    const want = [0.82, 0.64, 0.46, 0.28, 0.1, 0.1, 0.1];
    seen.forEach((e, i) => assert(Math.abs(e - want[i]) < 1e-12, `iteration ${i + 1}: ε ${e}`));
  });
});

Deno.test("fractional gradientStepsPerVecStep takes ⌊learning vec steps × rate⌋ steps", async () => {
  for (const [rate, want] of [[0.5, [2, 5, 7]], [1 / 3, [1, 3, 5]], [3, [15, 30, 45]]] as const) {
    const t = chainTrainer({
      ...QUICK,
      learningStarts: 0,
      stepsPerIteration: 5,
      gradientStepsPerVecStep: rate,
    }, 2);
    await using([t], () => {
      assertEquals([1, 2, 3].map(() => t.iterate().gradientSteps), [...want], `rate ${rate}`);
    });
  }
});

Deno.test("the same seed gives identical statistics, weights and checkpoints", async () => {
  const [a, b] = [chainTrainer(QUICK, 11), chainTrainer(QUICK, 11)];
  await using([a, b], async () => {
    for (let i = 0; i < 4; i++) assertEquals(timeless(a.iterate()), timeless(b.iterate()));
    assertEquals(a.servingModel(), b.servingModel());
    assertEquals(a.targetWeights(), b.targetWeights());
    const [ca, cb] = [await a.save(), await b.save()];
    assertEquals(ca, cb);
    // A different seed is a different run.
    const c = chainTrainer(QUICK, 12);
    await using([c], () => {
      for (let i = 0; i < 4; i++) c.iterate();
      assertNotEquals(c.servingModel().net, a.servingModel().net);
    });
  });
});

/** A checkpoint through JSON (as it is stored), to catch anything not JSON-able. */
function viaJson(c: TrainerCheckpoint): TrainerCheckpoint {
  return { algo: c.algo, json: JSON.parse(JSON.stringify(c.json)), blobs: c.blobs };
}

Deno.test("save → restore: identical greedy actions and replay; continuing gives identical stats", async () => {
  const a = chainTrainer(QUICK, 21);
  for (let i = 0; i < 5; i++) a.iterate();
  const checkpoint = await a.save();
  assertEquals(checkpoint.algo, "dqn");
  assertEquals(Object.keys(checkpoint.blobs).sort(), [
    "optimizer.bin",
    "q.bin",
    "replay.bin",
    "target.bin",
  ]);
  const b = await DqnTrainer.restore(tf, new ToyVecEnv("chain", 4, 5), viaJson(checkpoint));
  await using([a, b], async () => {
    assertEquals(b.config, a.config);
    assertEquals([b.iteration, b.envSteps], [a.iteration, a.envSteps]);
    // Bit-identical networks and statistics, hence greedy actions.
    assertEquals(mlpToBytes(b.servingModel().net), mlpToBytes(a.servingModel().net));
    assertEquals(b.servingModel().norm, a.servingModel().norm);
    assertEquals(b.targetWeights(), a.targetWeights());
    const obs = new Float32Array(5 * 7).map((_, i) => Math.sin(i * 1.7));
    const [pa, pb] = [new Int32Array(7), new Int32Array(7)];
    new ActingPolicy(a.servingModel()).act(obs, 7, pa);
    new ActingPolicy(b.servingModel()).act(obs, 7, pb);
    assertEquals(pb, pa);
    // The same replay contents.
    const saved = checkpoint.blobs["replay.bin"];
    assertEquals(ReplayBuffer.fromBytes(saved).size, a.envSteps);
    const again = await b.save();
    assertEquals(again.blobs["replay.bin"], saved);
    assertEquals(again.blobs["optimizer.bin"], checkpoint.blobs["optimizer.bin"]);
    // The restored trainer restarted its episodes; restart the original's the same way, and
    // both continue identically — Adam's moments, iteration count and bias-correction powers
    // included (the stats and weights are compared bit for bit).
    a.restartEpisodes();
    for (let i = 0; i < 2; i++) assertEquals(timeless(b.iterate()), timeless(a.iterate()));
    assertEquals(b.servingModel(), a.servingModel());
    assertEquals(b.targetWeights(), a.targetWeights());
  });
});

Deno.test("restore rejects another algorithm, a mismatched env and missing or corrupt blobs", async () => {
  const a = chainTrainer(QUICK, 4);
  await using([a], async () => {
    a.iterate();
    const good = await a.save();
    const env = new ToyVecEnv("chain", 4, 5);
    await assertRejects(DqnTrainer.restore(tf, env, { ...good, algo: "ppo" }), DqnError, "algo");
    await assertRejects(
      DqnTrainer.restore(tf, new ToyVecEnv("chain", 4, 6), good),
      DqnError,
      "observationSize",
    );
    const without = (name: string) => {
      const blobs = { ...good.blobs };
      delete blobs[name];
      return { ...good, blobs };
    };
    for (const name of ["q.bin", "target.bin", "optimizer.bin", "replay.bin"]) {
      await assertRejects(DqnTrainer.restore(tf, env, without(name)), DqnError, name);
    }
    const short = { ...good, blobs: { ...good.blobs, "optimizer.bin": new Uint8Array(8) } };
    await assertRejects(DqnTrainer.restore(tf, env, short), DqnError, "optimizer.bin");
    const junk = { ...good, blobs: { ...good.blobs, "replay.bin": new Uint8Array(40) } };
    await assertRejects(DqnTrainer.restore(tf, env, junk), DqnError, "replay");
    const badConfig = { ...good, json: { ...good.json, config: { gamma: 2 } } };
    await assertRejects(DqnTrainer.restore(tf, env, badConfig), DqnError, "gamma");
  });
});

Deno.test("training, saving, restoring and disposing leave no tensors behind", async () => {
  const before = tf.memory().numTensors;
  const a = chainTrainer({ ...QUICK, learningStarts: 0, targetUpdateInterval: 3 }, 8);
  const b = await using([a], async () => {
    a.iterate(); // creates Adam's moments
    const warm = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) a.iterate();
    assertEquals(tf.memory().numTensors, warm);
    await a.save();
    a.servingModel();
    a.targetWeights();
    assertEquals(tf.memory().numTensors, warm);
    const good = await a.save();
    // A restore that fails after building its trainer frees it.
    const { "replay.bin": _, ...blobs } = good.blobs;
    await assertRejects(
      DqnTrainer.restore(tf, new ToyVecEnv("chain", 4, 5), { ...good, blobs }),
      DqnError,
    );
    assertEquals(tf.memory().numTensors, warm);
    return DqnTrainer.restore(tf, new ToyVecEnv("chain", 4, 5), good);
  });
  await using([b], () => {
    b.iterate();
  });
  assertEquals(tf.memory().numTensors, before);
  assertThrows(() => b.iterate(), DqnError, "disposed");
});

Deno.test("continuous actions and bad configs are rejected, naming the field", () => {
  const target = new ToyVecEnv("target", 2);
  assertThrows(() => new DqnTrainer(tf, target, target.action, {}, 1), DqnError, "action");
  const chain = new ToyVecEnv("chain", 2, 5);
  assertThrows(
    () => new DqnTrainer(tf, chain, { kind: "discrete", n: 1 }, {}, 1),
    DqnError,
    "action.n",
  );
  assertThrows(() => new DqnTrainer(tf, chain, chain.action, {}, 1.5), DqnError, "seed");
  const bad: [Record<string, unknown>, string][] = [
    [{ gamma: 1.5 }, "gamma"],
    [{ hidden: [0] }, "hidden"],
    [{ hidden: "64" }, "hidden"],
    [{ batchSize: 1.5 }, "batchSize"],
    [{ bufferSize: 0 }, "bufferSize"],
    [{ learningRate: 0 }, "learningRate"],
    [{ learningStarts: -1 }, "learningStarts"],
    [{ gradientStepsPerVecStep: 0 }, "gradientStepsPerVecStep"],
    [{ targetUpdateInterval: 0 }, "targetUpdateInterval"],
    [{ epsilonEnd: -0.1 }, "epsilonEnd"],
    [{ epsilonDecaySteps: NaN }, "epsilonDecaySteps"],
    [{ double: "yes" }, "double"],
    [{ maxGradNorm: Infinity }, "maxGradNorm"],
    [{ epsilonDecay: 5 }, "epsilonDecay"],
  ];
  for (const [input, field] of bad) {
    const e = assertThrows(() => parseDqnConfig(input as Partial<DqnConfig>), DqnError);
    assert(e.message.startsWith(`${field}: `), e.message);
    assertThrows(() => new DqnTrainer(tf, chain, chain.action, input, 1), DqnError, field);
  }
  assertEquals(parseDqnConfig({}), DEFAULT_DQN);
  assertEquals(parseDqnConfig({ hidden: [8], double: false }), {
    ...DEFAULT_DQN,
    hidden: [8],
    double: false,
  });
});
