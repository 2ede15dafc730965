/**
 * Proximal policy optimisation (Schulman et al., 2017, the clipped objective) over a vectorised
 * environment ({@linkcode RlVecEnv}), with tfjs for the update and no tensors in the rollout.
 *
 * One {@linkcode PpoTrainer.iterate} is:
 *
 * 1. **Rollout** (`stepsPerEnv` vectorised steps, tensor-free, no allocation per step): each
 *    step normalises the N current observations with the observation statistics *as they were
 *    at the start of the rollout* (frozen for the whole rollout), runs the actor and the critic
 *    once each over the batch ({@linkcode MlpForward}), samples the actions with the trainer's
 *    PRNG and steps the env. A discrete head samples from softmax(logits); the continuous head
 *    samples u = mean + std·ε, passes tanh(u) to the env and stores u and log N(u; mean, std):
 *    tanh is a fixed bijection, so the ratio of the squashed policies' densities equals the
 *    ratio of u's Gaussian densities (the Jacobians cancel) and the clipped objective is exact.
 *    A truncated (not terminated) step's reward gets `gamma · V(final observation)` added, so
 *    the time limit is bootstrapped rather than treated as a real end.
 * 2. **Statistics**: the observation normaliser is updated with the rollout's raw observations
 *    *after* the rollout and *before* the update. The update trains on the observations
 *    normalised at collection time (those the stored log-probabilities belong to); the new
 *    statistics apply from the next rollout.
 * 3. **Advantages**: GAE(gamma, lambda) ({@linkcode computeGae}); value targets = advantages +
 *    values.
 * 4. **Update** ({@linkcode PpoLearner}, in ppo_learner.ts, with the networks as tfjs variables
 *    and Adam): `epochs` passes over the rollout in `minibatches` shuffled minibatches; each
 *    minibatch minimises `−mean(min(ρA, clip(ρ, 1 ± clip)A)) + valueCoef·mean((V − R)²) −
 *    entropyCoef·entropy` (advantages normalised per minibatch when `normaliseAdvantages`),
 *    with the gradient clipped to a global norm of `maxGradNorm` and one Adam step. Actor and
 *    critic are separate MLPs (tanh hidden layers); the continuous head's log std is a
 *    trainable state-independent vector. The new weights are copied back to the rollout's
 *    forward passes.
 *
 * All randomness (initial weights, action sampling, minibatch shuffles) comes from
 * `new Rng(seed).split(...)`, and the tfjs backends used here (wasm, cpu) are deterministic, so
 * a seed reproduces a run bit for bit. The reported losses, entropy, KL (`mean((ρ − 1) −
 * log ρ)`), clip fraction and gradient norm (before clipping) are means over all the update's
 * minibatches; the explained variance is `1 − Var(R − V)/Var(R)` over the rollout, with the
 * values predicted during the rollout (NaN when the returns are constant).
 *
 * Checkpoints ({@linkcode PpoTrainer.save} / {@linkcode PpoTrainer.restore}) hold everything
 * but the environment's own state: resuming resets the env with a seed derived from the run's
 * seed and iteration, so episodes that were in progress at the save restart (see `restore`).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { selectBackend } from "../../training/mod.ts";
 * import { PpoTrainer } from "./ppo.ts";
 * import { ToyVecEnv } from "../mod.ts";
 * await selectBackend();
 * const env = new ToyVecEnv("chain", 4);
 * const trainer = new PpoTrainer(tf, env, env.action, { stepsPerEnv: 8, hidden: [16] }, 1);
 * trainer.iterate();
 * const stats = trainer.iterate();
 * if (stats.iteration !== 2 || stats.envSteps !== 64) throw new Error("unreachable");
 * const model = trainer.servingModel(); // for ActingPolicy, evaluation, checkpoints
 * if (model.net.spec.outputs !== 3) throw new Error("unreachable");
 * trainer.dispose();
 * ```
 * Over 400 lines: the trainer's rollout, update and checkpoint (weights, Adam moments, normaliser, PRNG state) must agree field by field; the update's maths is in ppo_learner.ts and gae.ts.
 * @module
 */
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
  cloneMlp,
  computeGae,
  count,
  field,
  initMlp,
  MlpForward,
  type MlpSpec,
  mlpToBytes,
  type MlpWeights,
  numbers,
  parsePpoConfig,
  type PpoConfig,
  PpoError,
  readNet,
  restoreState,
  resumeSeed,
  type RlVecEnv,
  RunningNorm,
  type ServingModel,
  type TrainerCheckpoint,
} from "../mod.ts";
import { HALF_LOG_2PI, PpoLearner, type PpoUpdateStats } from "./ppo_learner.ts";
import type { Tf } from "./tf_mlp.ts";

export type { Tf } from "./tf_mlp.ts";
export { DEFAULT_PPO, parsePpoConfig, type PpoConfig, PpoError } from "../mod.ts";

/**
 * What one {@linkcode PpoTrainer.iterate} did: the update's statistics (policy and value loss,
 * entropy, approximate KL, clip fraction, gradient norm; means over its minibatches) and these.
 */
export interface PpoIterationStats extends PpoUpdateStats {
  /** Iterations done so far (1 after the first). */
  iteration: number;
  /** Env steps so far (all envs). */
  envSteps: number;
  /** Episodes finished in this rollout. */
  episodes: number;
  /** Mean return (sum of raw env rewards) of the episodes finished in this rollout. */
  meanEpisodeReturn: number | null;
  explainedVariance: number;
  /** Wall time of the rollout and of the update (GAE, statistics and the Adam steps). */
  seconds: { rollout: number; update: number };
}

/** Options of {@linkcode PpoTrainer.restore}. */
export interface PpoRestoreOptions {
  /**
   * Do not reset the env: it is already in the state it was in when the checkpoint was saved
   * (e.g. a hand-off between two trainers in one process), so episodes in progress continue and
   * the run continues exactly as the saved trainer's would. Needs the same number of envs.
   * Default false.
   */
  readonly continueEpisodes?: boolean;
}

const FORMAT = "ppo/1";

/** Internal: what {@linkcode PpoTrainer.restore} hands the constructor. */
interface Restored {
  actor: MlpWeights;
  critic: MlpWeights;
  logStd: number;
  norm: RunningNorm;
  sample: Rng;
  shuffle: Rng;
  iteration: number;
  envSteps: number;
  episodeReturns: readonly number[] | null;
}

let pendingRestore: Restored | null = null;
let trainerCount = 0;

/** A PPO learner on one vectorised environment; see the module documentation. */
export class PpoTrainer {
  readonly config: PpoConfig;
  readonly action: ActionSpec;
  readonly seed: number;
  #env: RlVecEnv;
  #iteration = 0;
  #envSteps = 0;
  #sample: Rng;
  #shuffle: Rng;
  #norm: RunningNorm;
  #actorWeights: MlpWeights;
  #actor: MlpForward;
  #critic: MlpForward;
  #logStd: number;
  #learner: PpoLearner;
  #disposed = false;

  // Rollout buffers, [T][N] step-major.
  #obsNorm: Float32Array;
  #obsRaw: Float32Array;
  #actions: Float32Array;
  #logp: Float32Array;
  #values: Float32Array;
  #rewards: Float32Array;
  #ends: Uint8Array;
  #advantages: Float32Array;
  #returns: Float32Array;
  #lastValues: Float32Array;
  #episodeReturns: Float64Array;
  // Per-step scratch.
  #cur: Float32Array;
  #fin: Float32Array;
  #finNorm: Float32Array;
  #truncIdx: Int32Array;
  #envActions: Int32Array | Float32Array;
  #probs: Float64Array;

  /**
   * Builds the networks (seeded from `seed`) and resets `env` with `seed`. `tf` is the tfjs
   * namespace after `selectBackend`. A bad config, action spec or environment is a PpoError.
   */
  constructor(
    tf: Tf,
    env: RlVecEnv,
    action: ActionSpec,
    config: Partial<PpoConfig>,
    seed: number,
  ) {
    const restored = pendingRestore;
    pendingRestore = null;
    this.config = parsePpoConfig(config);
    this.action = checkAction(PpoError, action);
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new PpoError(`seed: expected an integer >= 0, got ${seed}`);
    }
    this.seed = seed;
    if (!Number.isInteger(env.num) || env.num < 1) {
      throw new PpoError(`env.num: expected an integer >= 1, got ${env.num}`);
    }
    const S = env.observationSize;
    if (!Number.isInteger(S) || S < 1) {
      throw new PpoError(`env.observationSize: expected an integer >= 1, got ${S}`);
    }
    const N = env.num, T = this.config.stepsPerEnv, total = T * N;
    if (this.config.minibatches > total) {
      throw new PpoError(
        `minibatches: ${this.config.minibatches} minibatches of a ${total}-step rollout`,
      );
    }
    const outputs = action.kind === "discrete" ? action.n : 1;
    const actorSpec: MlpSpec = {
      inputs: S,
      hidden: this.config.hidden,
      outputs,
      activation: "tanh",
    };
    const criticSpec: MlpSpec = { ...actorSpec, outputs: 1 };
    this.#env = env;
    const root = new Rng(seed);
    let actor: MlpWeights, critic: MlpWeights;
    if (restored !== null) {
      actor = restored.actor;
      critic = restored.critic;
      checkNet("actor", actor.spec, actorSpec);
      checkNet("critic", critic.spec, criticSpec);
      if (restored.norm.size !== S) {
        throw new PpoError(`norm.size: ${restored.norm.size} statistics for ${S} observations`);
      }
      if (restored.episodeReturns !== null && restored.episodeReturns.length !== N) {
        throw new PpoError(
          `episodeReturns: ${restored.episodeReturns.length} envs saved, the env has ${N}`,
        );
      }
      this.#norm = restored.norm;
      this.#sample = restored.sample;
      this.#shuffle = restored.shuffle;
      this.#iteration = restored.iteration;
      this.#envSteps = restored.envSteps;
      this.#logStd = restored.logStd;
    } else {
      actor = initMlp(actorSpec, root.split("ppo/init/actor"), 0.01);
      critic = initMlp(criticSpec, root.split("ppo/init/critic"), 1);
      this.#norm = this.config.normaliseObservations
        ? new RunningNorm(S)
        : new RunningNorm(S, Number.MAX_VALUE);
      this.#sample = root.split("ppo/sample");
      this.#shuffle = root.split("ppo/shuffle");
      this.#logStd = Math.fround(this.config.initLogStd);
    }
    this.#actorWeights = actor;
    this.#actor = new MlpForward(actor);
    this.#critic = new MlpForward(critic);

    this.#obsNorm = new Float32Array(total * S);
    this.#obsRaw = new Float32Array(this.config.normaliseObservations ? total * S : 0);
    this.#actions = new Float32Array(total);
    this.#logp = new Float32Array(total);
    this.#values = new Float32Array(total);
    this.#rewards = new Float32Array(total);
    this.#ends = new Uint8Array(total);
    this.#advantages = new Float32Array(total);
    this.#returns = new Float32Array(total);
    this.#lastValues = new Float32Array(N);
    this.#episodeReturns = new Float64Array(N);
    this.#cur = new Float32Array(N * S);
    this.#fin = new Float32Array(N * S);
    this.#finNorm = new Float32Array(N * S);
    this.#truncIdx = new Int32Array(N);
    this.#envActions = action.kind === "discrete" ? new Int32Array(N) : new Float32Array(N);
    this.#probs = new Float64Array(outputs);
    // Variable names are global in tfjs: a per-trainer prefix lets trainers coexist.
    const prefix = `ppo${++trainerCount}`;
    this.#learner = new PpoLearner(
      tf,
      this.config,
      this.action,
      actor,
      critic,
      this.#logStd,
      total,
      prefix,
    );

    if (restored === null) {
      env.reset(seed);
    } else if (restored.episodeReturns !== null) {
      this.#episodeReturns.set(restored.episodeReturns);
    } else {
      env.reset(resumeSeed(seed, "ppo/resume", restored.iteration));
    }
  }

  /** Iterations done. */
  get iteration(): number {
    return this.#iteration;
  }

  /** Env steps taken (all envs). */
  get envSteps(): number {
    return this.#envSteps;
  }

  /** One rollout of `stepsPerEnv` vectorised steps, then one update. */
  iterate(): PpoIterationStats {
    if (this.#disposed) throw new PpoError("trainer: disposed");
    const N = this.#env.num, T = this.config.stepsPerEnv, total = N * T;
    const t0 = performance.now();
    const { episodes, returnSum } = this.#rollout();
    const t1 = performance.now();
    if (this.config.normaliseObservations) this.#norm.update(this.#obsRaw, total);
    computeGae(
      this.#rewards,
      this.#values,
      this.#ends,
      this.#lastValues,
      T,
      N,
      this.config.gamma,
      this.config.lambda,
      this.#advantages,
      this.#returns,
    );
    const explainedVariance = explained(this.#returns, this.#values, total);
    const rollout = {
      obs: this.#obsNorm,
      actions: this.#actions,
      logp: this.#logp,
      advantages: this.#advantages,
      returns: this.#returns,
    };
    const u = this.#learner.update(rollout, this.#shuffle);
    this.#sync();
    const t2 = performance.now();
    this.#iteration++;
    this.#envSteps += total;
    return {
      iteration: this.#iteration,
      envSteps: this.#envSteps,
      episodes,
      meanEpisodeReturn: episodes > 0 ? returnSum / episodes : null,
      ...u,
      explainedVariance,
      seconds: { rollout: (t1 - t0) / 1000, update: (t2 - t1) / 1000 },
    };
  }

  #rollout(): { episodes: number; returnSum: number } {
    const env = this.#env;
    const N = env.num, S = env.observationSize, T = this.config.stepsPerEnv;
    const gamma = this.config.gamma;
    const discrete = this.action.kind === "discrete";
    const k = this.#actor.spec.outputs;
    const rng = this.#sample, probs = this.#probs;
    const logStd = this.#logStd, std = Math.exp(logStd);
    const cur = this.#cur, acts = this.#envActions, epRet = this.#episodeReturns;
    const normalise = this.config.normaliseObservations;
    let episodes = 0, returnSum = 0;
    for (let t = 0; t < T; t++) {
      const base = t * N;
      const obs = env.observations;
      if (normalise) this.#obsRaw.set(obs, base * S);
      this.#norm.normalise(obs, cur, N);
      this.#obsNorm.set(cur, base * S);
      const out = this.#actor.forward(cur, N);
      for (let i = 0; i < N; i++) {
        const row = base + i;
        if (discrete) {
          const o = i * k;
          let max = -Infinity;
          for (let j = 0; j < k; j++) if (out[o + j] > max) max = out[o + j];
          let z = 0;
          for (let j = 0; j < k; j++) z += probs[j] = Math.exp(out[o + j] - max);
          const x = rng.float() * z;
          let a = k - 1, c = 0;
          for (let j = 0; j < k; j++) {
            c += probs[j];
            if (x < c) {
              a = j;
              break;
            }
          }
          acts[i] = a;
          this.#actions[row] = a;
          this.#logp[row] = out[o + a] - max - Math.log(z);
        } else {
          const mean = out[i];
          const u = Math.fround(mean + std * rng.normal());
          const e = (u - mean) / std;
          acts[i] = Math.tanh(u);
          this.#actions[row] = u;
          this.#logp[row] = -0.5 * e * e - logStd - HALF_LOG_2PI;
        }
      }
      const v = this.#critic.forward(cur, N);
      for (let i = 0; i < N; i++) this.#values[base + i] = v[i];
      env.step(acts);
      const rewards = env.rewards, term = env.terminated, trunc = env.truncated;
      const finals = env.finalObservations;
      let m = 0;
      for (let i = 0; i < N; i++) {
        const r = rewards[i];
        const row = base + i;
        this.#rewards[row] = r;
        epRet[i] += r;
        if (term[i] !== 0 || trunc[i] !== 0) {
          this.#ends[row] = 1;
          episodes++;
          returnSum += epRet[i];
          epRet[i] = 0;
          if (term[i] === 0) {
            for (let j = 0, src = i * S, dst = m * S; j < S; j++) {
              this.#fin[dst + j] = finals[src + j];
            }
            this.#truncIdx[m++] = i;
          }
        } else {
          this.#ends[row] = 0;
        }
      }
      if (m > 0) {
        this.#norm.normalise(this.#fin, this.#finNorm, m);
        const fv = this.#critic.forward(this.#finNorm, m);
        for (let j = 0; j < m; j++) this.#rewards[base + this.#truncIdx[j]] += gamma * fv[j];
      }
    }
    this.#norm.normalise(env.observations, cur, N);
    const last = this.#critic.forward(cur, N);
    for (let i = 0; i < N; i++) this.#lastValues[i] = last[i];
    return { episodes, returnSum };
  }

  /** Copies the trained variables back to the rollout's forward passes. */
  #sync(): void {
    const learner = this.#learner;
    this.#actorWeights = learner.actor.read();
    this.#actor.setWeights(this.#actorWeights);
    this.#critic.setWeights(learner.critic.read());
    if (learner.logStd !== null) this.#logStd = learner.logStd.dataSync()[0];
  }

  /** What a deterministic agent acts with: a copy of the actor and the normaliser's state. */
  servingModel(): ServingModel {
    return {
      algo: "ppo",
      action: this.action,
      net: cloneMlp(this.#actorWeights),
      norm: this.#norm.save(),
    };
  }

  /**
   * The trainer's full state: JSON (config, action, seed, counters, PRNG states, normaliser,
   * log std, per-env running episode returns, network specs, the Adam state's names and
   * shapes) and blobs `actor.bin`, `critic.bin` ({@linkcode mlpToBytes}) and `optimizer.bin`
   * (Adam's moments, float32, in the order of the JSON's `optimizer.weights`).
   */
  async save(): Promise<TrainerCheckpoint> {
    if (this.#disposed) throw new PpoError("trainer: disposed");
    const learner = this.#learner;
    const adam = await readAdam(learner.optimizer, learner.prefix);
    const { entries: weights, bytes } = packFloat32(adam.moments);
    const json = {
      format: FORMAT,
      config: this.config,
      action: this.action,
      seed: this.seed,
      iteration: this.#iteration,
      envSteps: this.#envSteps,
      rng: { sample: this.#sample.save(), shuffle: this.#shuffle.save() },
      norm: this.#norm.save(),
      logStd: learner.logStd === null ? [] : [this.#logStd],
      episodeReturns: Array.from(this.#episodeReturns),
      actorSpec: this.#actorWeights.spec,
      criticSpec: this.#critic.spec,
      optimizer: {
        iterations: adam.iterations,
        accBeta1: adam.powers?.[0] ?? null,
        accBeta2: adam.powers?.[1] ?? null,
        weights,
      },
    };
    return {
      algo: "ppo",
      json: JSON.parse(JSON.stringify(json)),
      blobs: {
        "actor.bin": mlpToBytes(this.#actorWeights),
        "critic.bin": mlpToBytes(learner.critic.read()),
        "optimizer.bin": bytes,
      },
    };
  }

  /**
   * A trainer from {@linkcode PpoTrainer.save}'s checkpoint, on `env` (same observation size;
   * the number of envs may differ unless `continueEpisodes`). Everything the trainer owns is
   * restored exactly (weights, Adam moments and step, PRNGs, normaliser, counters). The env's
   * own state is not in the checkpoint: by default the env is reset with a seed derived from
   * the run's seed and the saved iteration (`new Rng(seed).split("ppo/resume/<iteration>")`),
   * so episodes in progress at the save restart and the resumed run is deterministic but not
   * identical to an uninterrupted one. With `continueEpisodes` the env is taken as it is (it
   * must be in the saved trainer's env state) and the run continues exactly. A malformed or
   * mismatched checkpoint is a PpoError naming the field.
   */
  static async restore(
    tf: Tf,
    env: RlVecEnv,
    checkpoint: TrainerCheckpoint,
    options: PpoRestoreOptions = {},
  ): Promise<PpoTrainer> {
    if (checkpoint.algo !== "ppo") {
      throw new PpoError(`algo: expected a "ppo" checkpoint, got ${checkpoint.algo}`);
    }
    const j = checkpoint.json as Record<string, unknown>;
    if (j.format !== FORMAT) throw new PpoError(`format: expected ${FORMAT}, got ${j.format}`);
    const E = PpoError; // what the checkpoint helpers throw
    const config = parsePpoConfig(field(E, j, "config", "object") as Partial<PpoConfig>);
    const action = checkAction(E, field(E, j, "action", "object") as ActionSpec);
    const seed = field(E, j, "seed", "number") as number;
    const iteration = count(E, j, "iteration");
    const envSteps = count(E, j, "envSteps");
    const rng = field(E, j, "rng", "object") as Record<string, unknown>;
    const sample = restoreState(E, rng, "sample", Rng.restore, "rng.sample");
    const shuffle = restoreState(E, rng, "shuffle", Rng.restore, "rng.shuffle");
    const norm = restoreState(E, j, "norm", RunningNorm.restore);
    const logStd = numbers(E, j, "logStd");
    if (logStd.length !== (action.kind === "continuous" ? 1 : 0)) {
      throw new PpoError(`logStd: expected ${action.kind === "continuous" ? 1 : 0} values`);
    }
    const episodeReturns = numbers(E, j, "episodeReturns");
    const actor = readNet(E, checkpoint, "actor", field(E, j, "actorSpec", "object") as MlpSpec);
    const critic = readNet(E, checkpoint, "critic", field(E, j, "criticSpec", "object") as MlpSpec);
    const opt = field(E, j, "optimizer", "object") as Record<string, unknown>;
    const iterations = count(E, opt, "optimizer.iterations", "iterations");
    const powers = [field(E, opt, "accBeta1", "number"), field(E, opt, "accBeta2", "number")];
    const weights = field(E, opt, "weights", "object") as NamedShape[];
    if (!Array.isArray(weights)) throw new PpoError("optimizer.weights: expected an array");

    pendingRestore = {
      actor,
      critic,
      logStd: logStd.length > 0 ? Math.fround(logStd[0]) : Math.fround(config.initLogStd),
      norm,
      sample,
      shuffle,
      iteration,
      envSteps,
      episodeReturns: options.continueEpisodes ? episodeReturns : null,
    };
    let trainer: PpoTrainer;
    try {
      trainer = new PpoTrainer(tf, env, action, config, seed);
    } finally {
      pendingRestore = null;
    }
    try {
      const { optimizer, prefix, variables } = trainer.#learner;
      const bytes = blob(E, checkpoint, "optimizer.bin");
      checkAdamMoments(E, weights, variables, prefix);
      const moments = unpackFloat32(E, weights, bytes, "optimizer.bin");
      await writeAdam(tf, optimizer, prefix, iterations, moments, powers as number[]);
    } catch (error) {
      trainer.dispose();
      throw error;
    }
    return trainer;
  }

  /** Releases the tfjs variables and the optimizer. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#learner.dispose();
  }
}

function checkNet(name: string, got: MlpSpec, want: MlpSpec): void {
  if (got.inputs !== want.inputs) {
    throw new PpoError(
      `${name}Spec.inputs: a network of ${got.inputs} inputs for ${want.inputs} observations`,
    );
  }
  if (got.outputs !== want.outputs) {
    throw new PpoError(
      `${name}Spec.outputs: a network of ${got.outputs} outputs, the action spec needs ${want.outputs}`,
    );
  }
  if (got.hidden.join() !== want.hidden.join() || got.activation !== want.activation) {
    throw new PpoError(`${name}Spec.hidden: the network's layers differ from the config's`);
  }
}

/** 1 − Var(y − pred)/Var(y) over the first `n` values; NaN when Var(y) is 0. */
function explained(y: Float32Array, pred: Float32Array, n: number): number {
  let my = 0, md = 0;
  for (let i = 0; i < n; i++) {
    my += y[i];
    md += y[i] - pred[i];
  }
  my /= n;
  md /= n;
  let vy = 0, vd = 0;
  for (let i = 0; i < n; i++) {
    vy += (y[i] - my) ** 2;
    vd += (y[i] - pred[i] - md) ** 2;
  }
  return vy > 0 ? 1 - vd / vy : NaN;
}
