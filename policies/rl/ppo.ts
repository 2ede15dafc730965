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
 * 4. **Update**: `epochs` passes over the rollout in `minibatches` shuffled minibatches; each
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
 * import { selectBackend } from "../tf_backend.ts";
 * import { PpoTrainer } from "./ppo.ts";
 * import { ToyVecEnv } from "./toy_env.ts";
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
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import { Rng, type RngState } from "../../env/rng.ts";
import { computeGae } from "./gae.ts";
import {
  checkMlpSpec,
  cloneMlp,
  initMlp,
  MlpForward,
  mlpFromBytes,
  type MlpSpec,
  mlpToBytes,
  type MlpWeights,
} from "./mlp.ts";
import { RunningNorm, type RunningNormState } from "./running_norm.ts";
import { clipByGlobalNorm, type Tf, TfMlp } from "./tf_mlp.ts";
import type { ActionSpec, RlVecEnv, ServingModel, TrainerCheckpoint } from "./vec.ts";

export type { Tf } from "./tf_mlp.ts";

/** PPO's settings; see the module documentation. */
export interface PpoConfig {
  /** Hidden layer widths of the actor and of the critic (tanh); default [64, 64]. */
  hidden: number[];
  /** Rollout length per env per iteration; default 128. */
  stepsPerEnv: number;
  /** Passes over each rollout; default 4. */
  epochs: number;
  /** Minibatches per epoch; default 4. */
  minibatches: number;
  /** Adam's step size; default 3e-4. */
  learningRate: number;
  /** Discount; default 0.99. */
  gamma: number;
  /** GAE's lambda; default 0.95. */
  lambda: number;
  /** The ratio's clip range ε (ρ is clipped to [1 − ε, 1 + ε]); default 0.2. */
  clip: number;
  /** Weight of the entropy bonus; default 0.01. */
  entropyCoef: number;
  /** Weight of the value loss; default 0.5. */
  valueCoef: number;
  /** Global gradient norm clip; default 0.5. */
  maxGradNorm: number;
  /** Standardise advantages per minibatch; default true. */
  normaliseAdvantages: boolean;
  /**
   * Normalise observations with running statistics, updated from each rollout's observations
   * before the update; default true. When false the normaliser stays the identity (mean 0,
   * variance 1, and no clipping).
   */
  normaliseObservations: boolean;
  /** Continuous head only: the initial (trainable, state-independent) log std; default −0.5. */
  initLogStd: number;
}

/** The defaults (those of common PPO implementations for small control tasks). */
export const DEFAULT_PPO: PpoConfig = Object.freeze({
  hidden: Object.freeze([64, 64]) as number[],
  stepsPerEnv: 128,
  epochs: 4,
  minibatches: 4,
  learningRate: 3e-4,
  gamma: 0.99,
  lambda: 0.95,
  clip: 0.2,
  entropyCoef: 0.01,
  valueCoef: 0.5,
  maxGradNorm: 0.5,
  normaliseAdvantages: true,
  normaliseObservations: true,
  initLogStd: -0.5,
});

/** A bad configuration, checkpoint, action spec or environment; the message names the field. */
export class PpoError extends Error {
  override name = "PpoError";
}

/**
 * Fills in {@linkcode DEFAULT_PPO} for missing fields and validates every field; a bad or
 * unknown field is a PpoError naming it.
 */
export function parsePpoConfig(input: Partial<PpoConfig>): PpoConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new PpoError("config: expected an object");
  }
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULT_PPO)) throw new PpoError(`${key}: not a PPO setting`);
  }
  const c = { ...DEFAULT_PPO, ...stripUndefined(input) };
  if (!Array.isArray(c.hidden) || c.hidden.length > 8) {
    throw new PpoError(`hidden: expected an array of at most 8 layer widths`);
  }
  c.hidden.forEach((h, i) => {
    if (!Number.isInteger(h) || h < 1 || h > 4096) {
      throw new PpoError(`hidden[${i}]: expected an integer in [1, 4096], got ${h}`);
    }
  });
  const int = (name: keyof PpoConfig, max: number) => {
    const v = c[name] as number;
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw new PpoError(`${name}: expected an integer in [1, ${max}], got ${v}`);
    }
  };
  int("stepsPerEnv", 1_000_000);
  int("epochs", 1000);
  int("minibatches", 1_000_000);
  const num = (name: keyof PpoConfig, lo: number, hi: number, loOpen: boolean) => {
    const v = c[name] as number;
    if (typeof v !== "number" || !(loOpen ? v > lo : v >= lo) || !(v <= hi)) {
      throw new PpoError(
        `${name}: expected a number in ${loOpen ? "(" : "["}${lo}, ${hi}], got ${v}`,
      );
    }
  };
  num("learningRate", 0, 1, true);
  num("gamma", 0, 1, false);
  num("lambda", 0, 1, false);
  num("clip", 0, 1, true);
  num("entropyCoef", 0, 1e6, false);
  num("valueCoef", 0, 1e6, false);
  num("maxGradNorm", 0, 1e12, true);
  num("initLogStd", -20, 2, false);
  for (const name of ["normaliseAdvantages", "normaliseObservations"] as const) {
    if (typeof c[name] !== "boolean") {
      throw new PpoError(`${name}: expected true or false, got ${c[name]}`);
    }
  }
  return { ...c, hidden: [...c.hidden] };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** What one {@linkcode PpoTrainer.iterate} did. */
export interface PpoIterationStats {
  /** Iterations done so far (1 after the first). */
  iteration: number;
  /** Env steps so far (all envs). */
  envSteps: number;
  /** Episodes finished in this rollout. */
  episodes: number;
  /** Mean return (sum of raw env rewards) of the episodes finished in this rollout. */
  meanEpisodeReturn: number | null;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFraction: number;
  /** Mean global gradient norm before clipping. */
  gradNorm: number;
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

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
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

type GradientMap = Parameters<tfNs.AdamOptimizer["applyGradients"]>[0];
type NamedTensors = Parameters<tfNs.AdamOptimizer["setWeights"]>[0];

/** Adam's running products beta^(step+1) (private in tfjs's typings). */
interface AdamInternals {
  accBeta1: tfNs.Variable;
  accBeta2: tfNs.Variable;
}

/** A PPO learner on one vectorised environment; see the module documentation. */
export class PpoTrainer {
  readonly config: PpoConfig;
  readonly action: ActionSpec;
  readonly seed: number;
  #tf: Tf;
  #env: RlVecEnv;
  #prefix: string;
  #iteration = 0;
  #envSteps = 0;
  #sample: Rng;
  #shuffle: Rng;
  #norm: RunningNorm;
  #actorWeights: MlpWeights;
  #actor: MlpForward;
  #critic: MlpForward;
  #actorTf: TfMlp;
  #criticTf: TfMlp;
  #logStdVar: tfNs.Variable | null;
  #logStd: number;
  #vars: tfNs.Variable[];
  #optimizer: tfNs.AdamOptimizer;
  #dense: FastDense;
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
  // Update scratch.
  #order: Int32Array;
  #mbObs: Float32Array;
  #mbAct: Float32Array;
  #mbLogp: Float32Array;
  #mbAdv: Float32Array;
  #mbRet: Float32Array;

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
    this.action = checkAction(action);
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
    this.#tf = tf;
    this.#dense = new FastDense(tf);
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
    this.#order = Int32Array.from({ length: total }, (_, i) => i);
    const mb = Math.ceil(total / this.config.minibatches);
    this.#mbObs = new Float32Array(mb * S);
    this.#mbAct = new Float32Array(mb * (action.kind === "discrete" ? action.n : 1));
    this.#mbLogp = new Float32Array(mb);
    this.#mbAdv = new Float32Array(mb);
    this.#mbRet = new Float32Array(mb);

    // Variable names are global in tfjs: a per-trainer prefix lets trainers coexist.
    this.#prefix = `ppo${++trainerCount}`;
    const prefix = this.#prefix;
    // Inside tidy, so the tensors the variables were initialised from are released.
    let actorTf!: TfMlp, criticTf!: TfMlp, logStdVar: tfNs.Variable | null = null;
    tf.tidy(() => {
      actorTf = new TfMlp(tf, actor, `${prefix}/actor`);
      criticTf = new TfMlp(tf, critic, `${prefix}/critic`);
      if (action.kind === "continuous") {
        logStdVar = tf.variable(tf.tensor1d([this.#logStd]), true, `${prefix}/logStd`);
      }
    });
    this.#actorTf = actorTf;
    this.#criticTf = criticTf;
    this.#logStdVar = logStdVar;
    this.#vars = [...this.#actorTf.variables, ...this.#criticTf.variables];
    if (this.#logStdVar !== null) this.#vars.push(this.#logStdVar);
    this.#optimizer = tf.train.adam(this.config.learningRate);

    if (restored === null) {
      env.reset(seed);
    } else if (restored.episodeReturns !== null) {
      this.#episodeReturns.set(restored.episodeReturns);
    } else {
      env.reset(resumeSeed(seed, restored.iteration));
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
    const u = this.#update();
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

  #update(): Omit<
    PpoIterationStats,
    "iteration" | "envSteps" | "episodes" | "meanEpisodeReturn" | "explainedVariance" | "seconds"
  > {
    const N = this.#env.num, S = this.#env.observationSize, T = this.config.stepsPerEnv;
    const total = N * T, M = this.config.minibatches;
    const discrete = this.action.kind === "discrete";
    const n = discrete ? (this.action as { n: number }).n : 1;
    const order = this.#order, rng = this.#shuffle;
    const sums = new Float64Array(6);
    let count = 0;
    for (let epoch = 0; epoch < this.config.epochs; epoch++) {
      // A fresh permutation of the identity each epoch (Fisher–Yates), so the order depends
      // only on the shuffle PRNG's state, which checkpoints save.
      for (let i = 0; i < total; i++) order[i] = i;
      for (let i = total - 1; i > 0; i--) {
        const j = rng.int(0, i);
        const tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
      }
      for (let mb = 0; mb < M; mb++) {
        const start = Math.floor(mb * total / M), end = Math.floor((mb + 1) * total / M);
        const b = end - start;
        if (discrete) this.#mbAct.fill(0, 0, b * n);
        let sum = 0;
        for (let j = 0; j < b; j++) {
          const r = order[start + j];
          for (let c = 0, src = r * S, dst = j * S; c < S; c++) {
            this.#mbObs[dst + c] = this.#obsNorm[src + c];
          }
          if (discrete) this.#mbAct[j * n + this.#actions[r]] = 1;
          else this.#mbAct[j] = this.#actions[r];
          this.#mbLogp[j] = this.#logp[r];
          this.#mbAdv[j] = this.#advantages[r];
          this.#mbRet[j] = this.#returns[r];
          sum += this.#advantages[r];
        }
        if (this.config.normaliseAdvantages) {
          const mean = sum / b;
          let sq = 0;
          for (let j = 0; j < b; j++) sq += (this.#mbAdv[j] - mean) ** 2;
          const scale = 1 / (Math.sqrt(sq / b) + 1e-8);
          for (let j = 0; j < b; j++) this.#mbAdv[j] = (this.#mbAdv[j] - mean) * scale;
        }
        const s = this.#step(b);
        for (let q = 0; q < 6; q++) sums[q] += s[q];
        count++;
      }
    }
    return {
      policyLoss: sums[0] / count,
      valueLoss: sums[1] / count,
      entropy: sums[2] / count,
      approxKl: sums[3] / count,
      clipFraction: sums[4] / count,
      gradNorm: sums[5] / count,
    };
  }

  /** One Adam step on the first `b` rows of the minibatch buffers; returns the statistics. */
  #step(b: number): number[] {
    const tf = this.#tf;
    const S = this.#env.observationSize;
    const c = this.config;
    const discrete = this.action.kind === "discrete";
    const n = discrete ? (this.action as { n: number }).n : 1;
    return tf.tidy(() => {
      const x = tf.tensor2d(this.#mbObs.subarray(0, b * S), [b, S]);
      const act = discrete
        ? tf.tensor2d(this.#mbAct.subarray(0, b * n), [b, n])
        : tf.tensor1d(this.#mbAct.subarray(0, b));
      const oldLogp = tf.tensor1d(this.#mbLogp.subarray(0, b));
      const adv = tf.tensor1d(this.#mbAdv.subarray(0, b));
      const ret = tf.tensor1d(this.#mbRet.subarray(0, b));
      const kept: { stats?: tfNs.Tensor } = {};
      const { grads } = tf.variableGrads(() => {
        const out = this.#dense.apply(this.#actorTf, x);
        let logp: tfNs.Tensor, entropy: tfNs.Tensor;
        if (discrete) {
          const lsm = tf.logSoftmax(out);
          logp = tf.sum(tf.mul(lsm, act), 1);
          entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(lsm), lsm), 1)));
        } else {
          const ls = this.#logStdVar!;
          const z = tf.mul(tf.sub(act, tf.reshape(out, [b])), tf.exp(tf.neg(ls)));
          logp = tf.sub(tf.sub(tf.mul(tf.square(z), -0.5), ls), HALF_LOG_2PI);
          entropy = tf.sum(tf.add(ls, 0.5 + HALF_LOG_2PI));
        }
        const logRatio = tf.sub(logp, oldLogp);
        const ratio = tf.exp(logRatio);
        const clipped = tf.clipByValue(ratio, 1 - c.clip, 1 + c.clip);
        const policyLoss = tf.neg(tf.mean(tf.minimum(tf.mul(ratio, adv), tf.mul(clipped, adv))));
        const v = tf.reshape(this.#dense.apply(this.#criticTf, x), [b]);
        const valueLoss = tf.mean(tf.square(tf.sub(v, ret)));
        const loss = tf.sub(
          tf.add(policyLoss, tf.mul(valueLoss, c.valueCoef)),
          tf.mul(entropy, c.entropyCoef),
        );
        const kl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
        const clipFraction = tf.mean(
          tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.clip), "float32"),
        );
        kept.stats = tf.keep(tf.stack([policyLoss, valueLoss, entropy, kl, clipFraction]));
        return loss as tfNs.Scalar;
      }, this.#vars);
      const clipped = clipByGlobalNorm(tf, grads, c.maxGradNorm);
      this.#optimizer.applyGradients(clipped.grads as GradientMap);
      const stats = Array.from(kept.stats!.dataSync());
      kept.stats!.dispose();
      stats.push(clipped.norm);
      return stats;
    });
  }

  /** Copies the trained variables back to the rollout's forward passes. */
  #sync(): void {
    this.#actorWeights = this.#actorTf.read();
    this.#actor.setWeights(this.#actorWeights);
    this.#critic.setWeights(this.#criticTf.read());
    if (this.#logStdVar !== null) this.#logStd = this.#logStdVar.dataSync()[0];
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
    const named = await this.#optimizer.getWeights();
    const [iter, ...moments] = named;
    const iterations = (await iter.tensor.data())[0];
    iter.tensor.dispose();
    const weights: { name: string; shape: number[] }[] = [];
    let size = 0;
    for (const m of moments) {
      weights.push({ name: this.#relativeName(m.name), shape: m.tensor.shape });
      size += m.tensor.size;
    }
    const values = new Float32Array(size);
    let at = 0;
    for (const m of moments) {
      values.set(await m.tensor.data() as Float32Array, at);
      at += m.tensor.size;
    }
    const adam = this.#optimizer as unknown as AdamInternals;
    const json = {
      format: FORMAT,
      config: this.config,
      action: this.action,
      seed: this.seed,
      iteration: this.#iteration,
      envSteps: this.#envSteps,
      rng: { sample: this.#sample.save(), shuffle: this.#shuffle.save() },
      norm: this.#norm.save(),
      logStd: this.#logStdVar === null ? [] : [this.#logStd],
      episodeReturns: Array.from(this.#episodeReturns),
      actorSpec: this.#actorWeights.spec,
      criticSpec: this.#critic.spec,
      optimizer: {
        iterations,
        accBeta1: adam.accBeta1.dataSync()[0],
        accBeta2: adam.accBeta2.dataSync()[0],
        weights,
      },
    };
    return {
      algo: "ppo",
      json: JSON.parse(JSON.stringify(json)),
      blobs: {
        "actor.bin": mlpToBytes(this.#actorWeights),
        "critic.bin": mlpToBytes(this.#criticTf.read()),
        "optimizer.bin": new Uint8Array(values.buffer),
      },
    };
  }

  #relativeName(name: string): string {
    return name.startsWith(this.#prefix + "/") ? name.slice(this.#prefix.length + 1) : name;
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
    const config = parsePpoConfig(field(j, "config", "object") as Partial<PpoConfig>);
    const action = checkAction(field(j, "action", "object") as ActionSpec);
    const seed = field(j, "seed", "number") as number;
    const iteration = count(j, "iteration");
    const envSteps = count(j, "envSteps");
    const rng = field(j, "rng", "object") as Record<string, unknown>;
    const sample = restoreRng(rng, "sample"), shuffle = restoreRng(rng, "shuffle");
    let norm: RunningNorm;
    try {
      norm = RunningNorm.restore(field(j, "norm", "object") as RunningNormState);
    } catch (error) {
      throw new PpoError(`norm: ${(error as Error).message}`);
    }
    const logStd = numbers(j, "logStd");
    if (logStd.length !== (action.kind === "continuous" ? 1 : 0)) {
      throw new PpoError(`logStd: expected ${action.kind === "continuous" ? 1 : 0} values`);
    }
    const episodeReturns = numbers(j, "episodeReturns");
    const actor = readNet(checkpoint, "actor", field(j, "actorSpec", "object") as MlpSpec);
    const critic = readNet(checkpoint, "critic", field(j, "criticSpec", "object") as MlpSpec);
    const opt = field(j, "optimizer", "object") as Record<string, unknown>;
    const iterations = count(opt, "optimizer.iterations", "iterations");
    const accBeta1 = field(opt, "accBeta1", "number") as number;
    const accBeta2 = field(opt, "accBeta2", "number") as number;
    const weights = field(opt, "weights", "object") as { name: string; shape: number[] }[];
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
      await trainer.#restoreOptimizer(
        checkpoint.blobs["optimizer.bin"],
        weights,
        iterations,
        accBeta1,
        accBeta2,
      );
    } catch (error) {
      trainer.dispose();
      throw error;
    }
    return trainer;
  }

  async #restoreOptimizer(
    blob: Uint8Array | undefined,
    weights: readonly { name: string; shape: number[] }[],
    iterations: number,
    accBeta1: number,
    accBeta2: number,
  ): Promise<void> {
    const tf = this.#tf;
    if (!(blob instanceof Uint8Array)) throw new PpoError("optimizer.bin: missing");
    if (weights.length !== 0 && weights.length !== 2 * this.#vars.length) {
      throw new PpoError(
        `optimizer.weights: ${weights.length} moments for ${this.#vars.length} variables`,
      );
    }
    let size = 0;
    weights.forEach((w, i) => {
      const v = this.#vars[i % this.#vars.length];
      const want = `${this.#relativeName(v.name)}/${i < this.#vars.length ? "m" : "v"}`;
      if (w.name !== want || w.shape.join() !== v.shape.join()) {
        throw new PpoError(`optimizer.weights[${i}]: expected ${want} [${v.shape}]`);
      }
      size += v.size;
    });
    if (blob.byteLength !== 4 * size) {
      throw new PpoError(`optimizer.bin: expected ${4 * size} bytes, got ${blob.byteLength}`);
    }
    const values = new Float32Array(size);
    new Uint8Array(values.buffer).set(blob);
    if (weights.length === 0) return; // saved before the first update: a fresh optimizer.
    const named: NamedTensors = [{ name: "iter", tensor: tf.scalar(iterations, "int32") }];
    let at = 0;
    for (const w of weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      named.push({
        name: `${this.#prefix}/${w.name}`,
        tensor: tf.tensor(values.subarray(at, at + n), w.shape),
      });
      at += n;
    }
    try {
      await this.#optimizer.setWeights(named);
    } finally {
      tf.dispose(named.map((w) => w.tensor));
    }
    // setWeights recomputes beta^(step+1) with pow, which can differ in the last bit from the
    // running product the optimizer keeps; restore the saved products for an exact resume.
    const adam = this.#optimizer as unknown as AdamInternals;
    tf.tidy(() => {
      adam.accBeta1.assign(tf.scalar(accBeta1));
      adam.accBeta2.assign(tf.scalar(accBeta2));
    });
  }

  /** Releases the tfjs variables and the optimizer. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#actorTf.dispose();
    this.#criticTf.dispose();
    this.#logStdVar?.dispose();
    this.#optimizer.dispose();
  }
}

/**
 * {@linkcode TfMlp.apply}'s network with hand-written gradients, about 3.5× faster on the wasm
 * backend: tanh is computed as 2·sigmoid(2z) − 1 inside a fused matMul (wasm's tanh kernel is
 * ~6× slower than its sigmoid), the weight gradient as transpose(x)·dz and the bias gradient as
 * 1ᵀ·dz (wasm's transposed matMul and axis-0 sum are slow). Same values to float32 rounding
 * (the rollout's {@linkcode MlpForward} uses Math.tanh; the difference is ~1e-7).
 */
class FastDense {
  #tf: Tf;
  #hidden: (x: tfNs.Tensor, w: tfNs.Tensor, b: tfNs.Tensor) => tfNs.Tensor2D;
  #output: (x: tfNs.Tensor, w: tfNs.Tensor, b: tfNs.Tensor) => tfNs.Tensor2D;

  constructor(tf: Tf) {
    this.#tf = tf;
    this.#hidden = this.#layer(true);
    this.#output = this.#layer(false);
  }

  #layer(tanh: boolean): (x: tfNs.Tensor, w: tfNs.Tensor, b: tfNs.Tensor) => tfNs.Tensor2D {
    const tf = this.#tf;
    return tf.customGrad((...args: (tfNs.Tensor | ((save: tfNs.Tensor[]) => void))[]) => {
      const [x, w, b] = args as tfNs.Tensor2D[];
      const save = args[3] as (save: tfNs.Tensor[]) => void;
      const y = (tanh
        ? tf.sub(
          tf.mul(
            tf.fused.matMul({ a: x, b: tf.mul(w, 2), bias: tf.mul(b, 2), activation: "sigmoid" }),
            2,
          ),
          1,
        )
        : tf.fused.matMul({ a: x, b: w, bias: b })) as tfNs.Tensor2D;
      save([x, w, y]);
      return {
        value: y,
        gradFunc: (dy: tfNs.Tensor2D, saved: tfNs.Tensor[]) => {
          const [x, w, y] = saved as tfNs.Tensor2D[];
          const dz = tanh ? tf.mul(dy, tf.sub(1, tf.square(y))) : dy;
          const [rows, units] = dz.shape;
          return [
            tf.matMul(dz, tf.transpose(w)),
            tf.matMul(tf.transpose(x), dz),
            tf.reshape(tf.matMul(tf.ones([1, rows]), dz), [units]),
          ];
        },
      };
    });
  }

  /** The network's output for a batch `[rows, inputs]` (inside a `tf.tidy`). */
  apply(net: TfMlp, x: tfNs.Tensor2D): tfNs.Tensor2D {
    const v = net.variables, n = v.length / 2;
    let a = x;
    for (let i = 0; i < n; i++) {
      a = (i + 1 < n ? this.#hidden : this.#output)(a, v[2 * i], v[2 * i + 1]);
    }
    return a;
  }
}

function checkAction(action: ActionSpec): ActionSpec {
  if (typeof action !== "object" || action === null) {
    throw new PpoError("action: expected an action spec");
  }
  if (action.kind === "discrete") {
    if (!Number.isInteger(action.n) || action.n < 2 || action.n > 4096) {
      throw new PpoError(`action.n: expected an integer in [2, 4096], got ${action.n}`);
    }
    return { kind: "discrete", n: action.n };
  }
  if (action.kind === "continuous") return { kind: "continuous" };
  throw new PpoError(
    `action.kind: expected "discrete" or "continuous", got ${(action as { kind: unknown }).kind}`,
  );
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

/** The env seed a resumed run resets with: a function of the run's seed and the iteration. */
function resumeSeed(seed: number, iteration: number): number {
  return new Rng(seed).split(`ppo/resume/${iteration}`).nextU32();
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

function field(o: Record<string, unknown>, name: string, type: "object" | "number"): unknown {
  const v = o[name];
  if (
    type === "number"
      ? typeof v !== "number" || !Number.isFinite(v)
      : typeof v !== "object" || v === null
  ) {
    throw new PpoError(`${name}: expected ${type === "number" ? "a finite number" : "an object"}`);
  }
  return v;
}

function count(o: Record<string, unknown>, label: string, name = label): number {
  const v = o[name];
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new PpoError(`${label}: expected an integer >= 0, got ${v}`);
  }
  return v as number;
}

function numbers(o: Record<string, unknown>, name: string): number[] {
  const v = o[name];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new PpoError(`${name}: expected an array of finite numbers`);
  }
  return v;
}

function restoreRng(o: Record<string, unknown>, name: string): Rng {
  try {
    return Rng.restore(field(o, name, "object") as RngState);
  } catch (error) {
    throw new PpoError(`rng.${name}: ${(error as Error).message}`);
  }
}

function readNet(checkpoint: TrainerCheckpoint, name: string, spec: MlpSpec): MlpWeights {
  const blob = checkpoint.blobs[`${name}.bin`];
  if (!(blob instanceof Uint8Array)) throw new PpoError(`${name}.bin: missing`);
  try {
    checkMlpSpec(spec);
    return mlpFromBytes(blob, spec);
  } catch (error) {
    throw new PpoError(`${name}: ${(error as Error).message}`);
  }
}
