/**
 * Deep Q-learning (DQN; Mnih et al. 2015, with the double-DQN target of van Hasselt et al.
 * 2016) over a vectorised environment ({@linkcode RlVecEnv}), for discrete actions.
 *
 * One {@linkcode DqnTrainer.iterate} call:
 * 1. **Collects** `stepsPerIteration` vec steps. Each step runs one tensor-free batched
 *    forward pass ({@linkcode MlpForward}) of the Q-network over every env's normalised
 *    observation and acts ε-greedily with the trainer's seeded {@linkcode Rng}; every
 *    transition goes to the {@linkcode ReplayBuffer} with its **raw** observations. `done` is
 *    set only on termination: a truncated episode's next observation is the env's
 *    `finalObservations` row and its target still bootstraps.
 * 2. **Learns** after each vec step once `learningStarts` transitions were collected:
 *    `gradientStepsPerVecStep` gradient steps per vec step (a fraction such as 0.5 means one
 *    step every other vec step; steps taken = ⌊learning vec steps × rate⌋). A gradient step
 *    samples `batchSize` transitions uniformly, normalises both observations with the *current*
 *    statistics, and minimises the Huber (δ = 1) or squared error between Q(s, a) and
 *    `r + γ (1 − done) Q_target(s', a*)`, with `a* = argmax_a Q_online(s', a)` (double DQN) or
 *    `argmax_a Q_target(s', a)`; the gradient is clipped to a global norm of `maxGradNorm` and
 *    applied by Adam. The target network is a hard copy of the online one, refreshed every
 *    `targetUpdateInterval` gradient steps.
 * 3. **Syncs** the online weights into the acting network once, at the end of the iteration
 *    (not after every gradient step: that would cost a GPU/WASM read-back per step). Within one
 *    iteration the collection therefore acts with the weights the iteration started with.
 *
 * ε decays linearly from `epsilonStart` to `epsilonEnd` over the first `epsilonDecaySteps`
 * transitions (all envs counted) and then stays at `epsilonEnd` ({@linkcode epsilonAt}).
 * With `normaliseObservations` the {@linkcode RunningNorm} statistics are updated from every
 * collected observation; without it they stay at mean 0, variance 1, but the normaliser's clip
 * (±10) still applies, in training and at serving time alike.
 *
 * Checkpoints ({@linkcode DqnTrainer.save} / {@linkcode DqnTrainer.restore}) hold the
 * networks, Adam's moments, the replay buffer, the normaliser, the PRNG and every counter.
 * Episodes in progress are not saved: a restored trainer restarts every env's episode (see
 * {@linkcode DqnTrainer.restartEpisodes}).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { selectBackend } from "../../training/mod.ts";
 * import { DqnTrainer } from "./dqn.ts";
 * import { ToyVecEnv } from "../mod.ts";
 * await selectBackend();
 * const env = new ToyVecEnv("chain", 4, 5);
 * const trainer = new DqnTrainer(tf, env, env.action, {
 *   hidden: [16], batchSize: 16, learningStarts: 16, stepsPerIteration: 8, bufferSize: 1000,
 * }, 1);
 * try {
 *   trainer.iterate();
 *   const stats = trainer.iterate();
 *   if (stats.envSteps !== 64 || stats.gradientSteps === 0 || stats.loss === null) {
 *     throw new Error("unreachable");
 *   }
 *   const model = trainer.servingModel(); // for ActingPolicy, evaluation, serving
 *   if (model.algo !== "dqn" || model.net.spec.outputs !== 3) throw new Error("unreachable");
 * } finally {
 *   trainer.dispose();
 * }
 * ```
 * Over 400 lines: the learner, its configuration checks and its checkpoint (weights, target network, Adam moments, replay buffer) must agree field by field.
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { Rng } from "../../../env/kernel/mod.ts";
import {
  checkAdamMoments,
  type NamedShape,
  packFloat32,
  readAdam,
  unpackFloat32,
  writeAdam,
} from "./adam_state.ts";
import {
  type ActionSpec,
  blob,
  checkAction,
  checkMlpSpec,
  count,
  type DqnConfig,
  DqnError,
  epsilonAt,
  field,
  initMlp,
  MlpForward,
  type MlpSpec,
  mlpToBytes,
  type MlpWeights,
  parseDqnConfig,
  readNet,
  ReplayBuffer,
  type ReplaySample,
  restoreState,
  resumeSeed,
  type RlVecEnv,
  RunningNorm,
  type ServingModel,
  type TrainerCheckpoint,
} from "../mod.ts";
import { clipByGlobalNorm, type Tf, TfMlp } from "./tf_mlp.ts";

export type { Tf } from "./tf_mlp.ts";
export { DEFAULT_DQN, type DqnConfig, DqnError, epsilonAt, parseDqnConfig } from "../mod.ts";

/** One {@linkcode DqnTrainer.iterate}'s report. */
export interface DqnIterationStats {
  /** Iterations completed, this one included (1 for the first). */
  iteration: number;
  /** Transitions collected so far, all envs and iterations. */
  envSteps: number;
  /** Episodes that ended (terminated or truncated) during this iteration. */
  episodes: number;
  /** Their mean undiscounted return; null if none ended. */
  meanEpisodeReturn: number | null;
  /** Mean loss over this iteration's gradient steps; null if none. */
  loss: number | null;
  /** Mean Q(s, a) of the sampled transitions over this iteration's gradient steps; null if none. */
  meanQ: number | null;
  /** ε for the next transition (after this iteration's). */
  epsilon: number;
  /** Gradient steps so far, all iterations. */
  gradientSteps: number;
  /** Wall-clock seconds of this iteration: collection, and learning (with the weight sync). */
  seconds: { rollout: number; update: number };
}

const CHECKPOINT_VERSION = 1;
const COUNTERS = ["iteration", "envSteps", "learnVecSteps", "gradientSteps"] as const;
let trainerIds = 0;

type AdamGradients = Parameters<tfNs.AdamOptimizer["applyGradients"]>[0];

/** A DQN learner over a vectorised env; see the module documentation. */
export class DqnTrainer {
  readonly config: DqnConfig;
  readonly action: ActionSpec;
  readonly seed: number;
  readonly spec: MlpSpec;
  #tf: Tf;
  #env: RlVecEnv;
  #n: number; // actions
  #rng: Rng;
  #norm: RunningNorm;
  #q: TfMlp;
  #target: TfMlp;
  #acting: MlpForward;
  #opt: tfNs.AdamOptimizer;
  /** The tfjs variables' name prefix, unique per trainer (tfjs variable names are global). */
  #prefix: string;
  #replay: ReplayBuffer;
  // Preallocated buffers.
  #sample: ReplaySample;
  #obsN: Float32Array;
  #nextN: Float32Array;
  #prevObs: Float32Array;
  #actIn: Float32Array;
  #actions: Int32Array;
  #epReturn: Float64Array;
  // Counters.
  #iteration = 0;
  #envSteps = 0;
  #learnVecSteps = 0;
  #gradientSteps = 0;
  #disposed = false;

  /**
   * A fresh trainer: networks initialised from `seed`, the env reset with `seed`. Only discrete
   * actions (n ≥ 2) are supported; anything else, or a bad config, is a {@linkcode DqnError}.
   * `tf` is the tfjs namespace, after `selectBackend()`.
   */
  constructor(
    tf: Tf,
    env: RlVecEnv,
    action: ActionSpec,
    config: Partial<DqnConfig>,
    seed: number,
  ) {
    const checked = checkAction(DqnError, action);
    if (checked.kind !== "discrete") {
      throw new DqnError(`action: DQN needs discrete actions, got "${checked.kind}"`);
    }
    if (!Number.isInteger(seed)) throw new DqnError(`seed: expected an integer, got ${seed}`);
    if (!Number.isInteger(env.num) || env.num < 1) {
      throw new DqnError(`env.num: expected an integer >= 1, got ${env.num}`);
    }
    this.config = parseDqnConfig(config);
    this.action = checked;
    this.seed = seed;
    this.#tf = tf;
    this.#env = env;
    this.#n = checked.n;
    const c = this.config, obsSize = env.observationSize;
    this.spec = { inputs: obsSize, hidden: [...c.hidden], outputs: checked.n, activation: "relu" };
    try {
      checkMlpSpec(this.spec);
    } catch (e) {
      throw new DqnError(`network: ${(e as Error).message}`);
    }
    const root = new Rng(seed);
    this.#rng = root.split("dqn/train");
    const init = initMlp(this.spec, root.split("dqn/q-init"));
    const prefix = this.#prefix = `dqn${++trainerIds}`;
    // TfMlp's constructor leaves its upload tensors undisposed: the tidy collects them.
    let q: TfMlp | undefined, target: TfMlp | undefined;
    tf.tidy(() => {
      q = new TfMlp(tf, init, `${prefix}/q`);
      target = new TfMlp(tf, init, `${prefix}/target`);
    });
    this.#q = q!;
    this.#target = target!;
    this.#acting = new MlpForward(init);
    this.#opt = tf.train.adam(c.learningRate);
    this.#norm = new RunningNorm(obsSize);
    this.#replay = new ReplayBuffer(c.bufferSize, obsSize);
    this.#sample = ReplayBuffer.allocSample(c.batchSize, obsSize);
    this.#obsN = new Float32Array(c.batchSize * obsSize);
    this.#nextN = new Float32Array(c.batchSize * obsSize);
    this.#prevObs = new Float32Array(env.num * obsSize);
    this.#actIn = new Float32Array(env.num * obsSize);
    this.#actions = new Int32Array(env.num);
    this.#epReturn = new Float64Array(env.num);
    env.reset(seed);
  }

  /** Transitions collected so far. */
  get envSteps(): number {
    return this.#envSteps;
  }

  /** Iterations completed. */
  get iteration(): number {
    return this.#iteration;
  }

  /** Collects `stepsPerIteration` vec steps, learning as it goes; see the module documentation. */
  iterate(): DqnIterationStats {
    this.#alive();
    const c = this.config;
    let rollout = 0, update = 0;
    let lossSum = 0, qSum = 0, steps = 0, episodes = 0, returnSum = 0;
    for (let s = 0; s < c.stepsPerIteration; s++) {
      const t0 = performance.now();
      const ended = this.#collectStep();
      episodes += ended.count;
      returnSum += ended.sum;
      const t1 = performance.now();
      rollout += t1 - t0;
      if (this.#envSteps >= c.learningStarts) {
        this.#learnVecSteps++;
        // Integer bookkeeping (not a float accumulator): exact for rates such as 1/3.
        const due = Math.floor(this.#learnVecSteps * c.gradientStepsPerVecStep + 1e-9);
        while (this.#gradientSteps < due) {
          const r = this.#gradientStep();
          lossSum += r.loss;
          qSum += r.meanQ;
          steps++;
          this.#gradientSteps++;
          if (this.#gradientSteps % c.targetUpdateInterval === 0) this.#syncTarget();
        }
        update += performance.now() - t1;
      }
    }
    if (steps > 0) {
      const t = performance.now();
      this.#acting.setWeights(this.#q.read());
      update += performance.now() - t;
    }
    this.#iteration++;
    return {
      iteration: this.#iteration,
      envSteps: this.#envSteps,
      episodes,
      meanEpisodeReturn: episodes > 0 ? returnSum / episodes : null,
      loss: steps > 0 ? lossSum / steps : null,
      meanQ: steps > 0 ? qSum / steps : null,
      epsilon: epsilonAt(c, this.#envSteps),
      gradientSteps: this.#gradientSteps,
      seconds: { rollout: rollout / 1000, update: update / 1000 },
    };
  }

  /** One vec step: act ε-greedily, step, store the transitions; returns the episodes ended. */
  #collectStep(): { count: number; sum: number } {
    const env = this.#env, num = env.num, size = env.observationSize, nA = this.#n;
    const obs = env.observations;
    if (this.config.normaliseObservations) this.#norm.update(obs, num);
    this.#prevObs.set(obs.subarray(0, num * size));
    this.#norm.normalise(this.#prevObs, this.#actIn, num);
    const q = this.#acting.forward(this.#actIn, num);
    const eps = epsilonAt(this.config, this.#envSteps);
    const rng = this.#rng, actions = this.#actions;
    for (let i = 0; i < num; i++) {
      if (rng.float() < eps) {
        actions[i] = rng.int(0, nA - 1);
      } else {
        let best = 0;
        for (let j = 1; j < nA; j++) if (q[i * nA + j] > q[i * nA + best]) best = j;
        actions[i] = best;
      }
    }
    env.step(actions);
    let count = 0, sum = 0;
    const epReturn = this.#epReturn;
    for (let i = 0; i < num; i++) {
      const term = env.terminated[i] === 1, ended = term || env.truncated[i] === 1;
      const r = env.rewards[i];
      this.#replay.add(
        this.#prevObs,
        i * size,
        actions[i],
        r,
        ended ? env.finalObservations : env.observations,
        i * size,
        term,
      );
      epReturn[i] += r;
      if (ended) {
        count++;
        sum += epReturn[i];
        epReturn[i] = 0;
      }
    }
    this.#envSteps += num;
    return { count, sum };
  }

  /** One gradient step on a sampled batch; returns its loss and mean Q(s, a). */
  #gradientStep(): { loss: number; meanQ: number } {
    const tf = this.#tf, c = this.config, b = c.batchSize, size = this.spec.inputs;
    const nA = this.#n, sample = this.#sample;
    this.#replay.sample(b, this.#rng, sample);
    this.#norm.normalise(sample.obs, this.#obsN, b);
    this.#norm.normalise(sample.nextObs, this.#nextN, b);
    let meanQ: tfNs.Scalar | undefined;
    // oneHot then cast: tfjs-backend-wasm 4.22's OneHot ignores a float32 dtype and writes
    // int32 bits into a float32 tensor (1 reads as 1.4e-45).
    const oneHot = (idx: tfNs.Tensor) => tf.cast(tf.oneHot(idx, nA), "float32");
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor2d(this.#obsN, [b, size]);
      const next = tf.tensor2d(this.#nextN, [b, size]);
      const mask = oneHot(tf.tensor1d(sample.actions, "int32"));
      // The target is computed outside variableGrads, so no gradient flows through it.
      const qNextTarget = this.#target.apply(next);
      const nextAction = c.double ? tf.argMax(this.#q.apply(next), 1) : tf.argMax(qNextTarget, 1);
      const qNext = tf.sum(tf.mul(qNextTarget, oneHot(nextAction)), 1);
      const notDone = tf.sub(1, tf.tensor1d(sample.dones));
      const y = tf.add(tf.tensor1d(sample.rewards), tf.mul(c.gamma, tf.mul(notDone, qNext)));
      return tf.variableGrads(() => {
        const qsa = tf.sum(tf.mul(this.#q.apply(x), mask), 1);
        meanQ = tf.keep(tf.mean(qsa));
        const d = tf.sub(qsa, y);
        if (!c.huber) return tf.mean(tf.square(d));
        const abs = tf.abs(d);
        const quad = tf.minimum(abs, 1);
        return tf.mean(tf.add(tf.mul(0.5, tf.square(quad)), tf.sub(abs, quad)));
      }, this.#q.variables);
    });
    const clipped = clipByGlobalNorm(tf, grads, c.maxGradNorm);
    tf.dispose(grads);
    this.#opt.applyGradients(clipped.grads as AdamGradients);
    tf.dispose(clipped.grads);
    const loss = (value.dataSync() as Float32Array)[0];
    const q = (meanQ!.dataSync() as Float32Array)[0];
    tf.dispose([value, meanQ!]);
    return { loss, meanQ: q };
  }

  /** Target ← online (the variables share the online values' immutable buffers). */
  #syncTarget(): void {
    const qv = this.#q.variables;
    this.#target.variables.forEach((v, i) => v.assign(qv[i]));
  }

  /** The greedy agent: the online Q-network (a copy), the observation statistics, the action. */
  servingModel(): ServingModel {
    this.#alive();
    return { algo: "dqn", action: this.action, net: this.#q.read(), norm: this.#norm.save() };
  }

  /** A copy of the target network's weights (for inspection and tests). */
  targetWeights(): MlpWeights {
    this.#alive();
    return this.#target.read();
  }

  /**
   * Resets every env from a seed derived from (seed, iterations completed) and zeroes the
   * episode-return accumulators. {@linkcode restore} calls it: episodes that were in progress
   * when the checkpoint was saved restart from scratch. Learning state is untouched.
   */
  restartEpisodes(): void {
    this.#alive();
    this.#env.reset(resumeSeed(this.seed, "dqn/restart", this.#iteration));
    this.#epReturn.fill(0);
  }

  /**
   * The full training state: JSON (config, action, seed, counters, PRNG, normaliser, ε
   * progress, network spec, Adam's weight names and shapes) and blobs `q.bin`, `target.bin`
   * ({@linkcode mlpToBytes}), `optimizer.bin` (Adam's `getWeights()` values — the iteration
   * count, then first and second moments — as concatenated float32) and `replay.bin`
   * ({@linkcode ReplayBuffer.toBytes}).
   */
  async save(): Promise<TrainerCheckpoint> {
    this.#alive();
    const adam = await readAdam(this.#opt, this.#prefix);
    // The iteration count first (float32, in the blob), then the moments.
    const iter = { name: "iter", shape: [], values: [adam.iterations] };
    const { entries, bytes } = packFloat32([iter, ...adam.moments]);
    const json = {
      version: CHECKPOINT_VERSION,
      config: { ...this.config, hidden: [...this.config.hidden] },
      action: this.action,
      seed: this.seed,
      observationSize: this.spec.inputs,
      spec: { ...this.spec, hidden: [...this.spec.hidden] },
      counters: {
        iteration: this.#iteration,
        envSteps: this.#envSteps,
        learnVecSteps: this.#learnVecSteps,
        gradientSteps: this.#gradientSteps,
      },
      epsilon: { transitions: this.#envSteps, value: epsilonAt(this.config, this.#envSteps) },
      rng: this.#rng.save(),
      norm: this.#norm.save(),
      optimizer: {
        kind: "adam",
        learningRate: this.config.learningRate,
        weights: entries,
        powers: adam.powers,
      },
    };
    return {
      algo: "dqn",
      json,
      blobs: {
        "q.bin": mlpToBytes(this.#q.read()),
        "target.bin": mlpToBytes(this.#target.read()),
        "optimizer.bin": bytes,
        "replay.bin": this.#replay.toBytes(),
      },
    };
  }

  /**
   * A trainer continuing from `checkpoint` on `env` (same observation size): networks, Adam
   * state, replay buffer, normaliser, PRNG and counters restored, then
   * {@linkcode restartEpisodes} (episodes in progress at save time restart). A malformed or
   * mismatched checkpoint is a {@linkcode DqnError}.
   */
  static async restore(tf: Tf, env: RlVecEnv, checkpoint: TrainerCheckpoint): Promise<DqnTrainer> {
    if (checkpoint.algo !== "dqn") {
      throw new DqnError(`algo: expected a "dqn" checkpoint, got "${checkpoint.algo}"`);
    }
    const j = checkpoint.json as Record<string, unknown>;
    if (j.version !== CHECKPOINT_VERSION) {
      throw new DqnError(`version: expected ${CHECKPOINT_VERSION}, got ${j.version}`);
    }
    const action = field(DqnError, j, "action", "object") as ActionSpec;
    if (j.observationSize !== env.observationSize) {
      throw new DqnError(
        `observationSize: the checkpoint has ${j.observationSize}, the env ${env.observationSize}`,
      );
    }
    const trainer = new DqnTrainer(
      tf,
      env,
      action,
      j.config as Partial<DqnConfig>,
      j.seed as number,
    );
    try {
      await trainer.#load(checkpoint);
    } catch (e) {
      trainer.dispose();
      if (e instanceof DqnError) throw e;
      throw new DqnError(`checkpoint: ${(e as Error).message}`);
    }
    trainer.restartEpisodes();
    return trainer;
  }

  async #load(checkpoint: TrainerCheckpoint): Promise<void> {
    const tf = this.#tf, j = checkpoint.json as Record<string, unknown>, c = this.config;
    const E = DqnError; // what the checkpoint helpers throw
    const spec = j.spec as MlpSpec;
    if (JSON.stringify(spec) !== JSON.stringify(this.spec)) {
      throw new DqnError(`spec: ${JSON.stringify(spec)} does not match the config and env`);
    }
    const q = readNet(E, checkpoint, "q", this.spec);
    const target = readNet(E, checkpoint, "target", this.spec);
    const saved = (j.counters ?? {}) as Record<string, unknown>;
    const counters = COUNTERS.map((k) => count(E, saved, `counters.${k}`, k));
    const replay = ReplayBuffer.fromBytes(blob(E, checkpoint, "replay.bin"));
    if (replay.capacity !== c.bufferSize || replay.obsSize !== this.spec.inputs) {
      throw new DqnError(
        `replay.bin: capacity ${replay.capacity} × ${replay.obsSize} does not match the config`,
      );
    }
    const norm = restoreState(E, j, "norm", RunningNorm.restore);
    if (norm.size !== this.spec.inputs) throw new DqnError(`norm: size ${norm.size}`);
    const rng = restoreState(E, j, "rng", Rng.restore);
    // Adam: the weights list the iteration count, then the moments (as the blob holds them).
    const bytes = blob(E, checkpoint, "optimizer.bin");
    const opt = j.optimizer as { weights?: unknown; powers?: unknown } | undefined;
    const entries = opt?.weights as NamedShape[] | undefined;
    if (!Array.isArray(entries) || entries.length === 0 || entries[0].name !== "iter") {
      throw new DqnError("optimizer.weights: expected the iteration count then the moments");
    }
    checkAdamMoments(E, entries.slice(1), this.#q.variables, this.#prefix, 1);
    const [iter, ...moments] = unpackFloat32(E, entries, bytes, "optimizer.bin");
    const powers = Array.isArray(opt!.powers) ? opt!.powers : null; // null: tfjs recomputes them
    const power = (p: unknown) => typeof p === "number" && p > 0 && p <= 1;
    if (powers !== null && (powers.length !== 2 || !powers.every(power))) {
      throw new DqnError(`optimizer.powers: expected two numbers in (0, 1], got ${powers}`);
    }
    await writeAdam(tf, this.#opt, this.#prefix, iter.values[0], moments, powers);
    tf.tidy(() => {
      this.#q.assign(q);
      this.#target.assign(target);
    });
    this.#acting.setWeights(q);
    this.#replay = replay;
    this.#norm = norm;
    this.#rng = rng;
    [this.#iteration, this.#envSteps, this.#learnVecSteps, this.#gradientSteps] = counters;
  }

  /** Frees the tfjs variables and the optimizer's state; the trainer is unusable afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#q.dispose();
    this.#target.dispose();
    this.#opt.dispose();
  }

  #alive(): void {
    if (this.#disposed) throw new DqnError("the trainer was disposed");
  }
}
