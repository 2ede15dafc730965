/**
 * PPO's update, the tfjs half of a `PpoTrainer` (ppo.ts, whose module documentation gives the
 * objective, step 4): the actor, the critic and the continuous head's log std as tfjs
 * variables, Adam, and {@linkcode PpoLearner.update}, the clipped-objective Adam steps over a
 * rollout. The networks are applied with {@linkcode FastDense} (fused layers, hand-written
 * gradients); the trainer copies the trained weights back to its tensor-free forward passes.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import type { Rng } from "../../../env/kernel/mod.ts";
import { FastDense } from "./fast_dense.ts";
import type { ActionSpec, MlpWeights, PpoConfig } from "../mod.ts";
import { clipByGlobalNorm, type Tf, TfMlp } from "./tf_mlp.ts";

/** log √(2π), the constant of a Gaussian's log density. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** The rollout an update trains on: one row per env step, step-major. */
export interface PpoRollout {
  /** The observations as normalised at collection time, `observationSize` values a row. */
  readonly obs: Float32Array;
  /** The actions: discrete indices, or the continuous head's samples u (before tanh). */
  readonly actions: Float32Array;
  /** The actions' log-probabilities when they were taken. */
  readonly logp: Float32Array;
  readonly advantages: Float32Array;
  /** The critic's targets (advantages + values). */
  readonly returns: Float32Array;
}

/** Means over all of an update's minibatches. */
export interface PpoUpdateStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFraction: number;
  /** Mean global gradient norm before clipping. */
  gradNorm: number;
}

type GradientMap = Parameters<tfNs.AdamOptimizer["applyGradients"]>[0];

/** PPO's trainable networks and their optimizer; see the module documentation. */
export class PpoLearner {
  /** The actor (logits, or the Gaussian mean) as tfjs variables. */
  readonly actor: TfMlp;
  /** The critic (the state value) as tfjs variables. */
  readonly critic: TfMlp;
  /** The continuous head's state-independent log std (one value); null for discrete actions. */
  readonly logStd: tfNs.Variable | null;
  /** Every trained variable, in Adam's order: the actor's, the critic's, then the log std. */
  readonly variables: tfNs.Variable[];
  readonly optimizer: tfNs.AdamOptimizer;
  /** The variables' name prefix (tfjs variable names are global). */
  readonly prefix: string;
  #tf: Tf;
  #config: PpoConfig;
  #action: ActionSpec;
  #inputs: number;
  #dense: FastDense;
  // Update scratch.
  #order: Int32Array;
  #mbObs: Float32Array;
  #mbAct: Float32Array;
  #mbLogp: Float32Array;
  #mbAdv: Float32Array;
  #mbRet: Float32Array;

  /**
   * Variables named `<prefix>/actor/...`, `<prefix>/critic/...` and `<prefix>/logStd` from the
   * given weights (the log std only for continuous actions), a fresh Adam, and scratch for
   * updates over `rows` rows. `config` and `action` are validated by the caller.
   */
  constructor(
    tf: Tf,
    config: PpoConfig,
    action: ActionSpec,
    actor: MlpWeights,
    critic: MlpWeights,
    logStd: number,
    rows: number,
    prefix: string,
  ) {
    this.#tf = tf;
    this.#config = config;
    this.#action = action;
    this.#dense = new FastDense(tf);
    const S = this.#inputs = actor.spec.inputs;
    this.#order = Int32Array.from({ length: rows }, (_, i) => i);
    const mb = Math.ceil(rows / config.minibatches);
    this.#mbObs = new Float32Array(mb * S);
    this.#mbAct = new Float32Array(mb * (action.kind === "discrete" ? action.n : 1));
    this.#mbLogp = new Float32Array(mb);
    this.#mbAdv = new Float32Array(mb);
    this.#mbRet = new Float32Array(mb);

    this.prefix = prefix;
    // Inside tidy, so the tensors the variables were initialised from are released.
    let actorTf!: TfMlp, criticTf!: TfMlp, logStdVar: tfNs.Variable | null = null;
    tf.tidy(() => {
      actorTf = new TfMlp(tf, actor, `${prefix}/actor`);
      criticTf = new TfMlp(tf, critic, `${prefix}/critic`);
      if (action.kind === "continuous") {
        logStdVar = tf.variable(tf.tensor1d([logStd]), true, `${prefix}/logStd`);
      }
    });
    this.actor = actorTf;
    this.critic = criticTf;
    this.logStd = logStdVar;
    this.variables = [...this.actor.variables, ...this.critic.variables];
    if (this.logStd !== null) this.variables.push(this.logStd);
    this.optimizer = tf.train.adam(config.learningRate);
  }

  /**
   * `epochs` passes over the `rows` rows of `rollout`, each in `minibatches` minibatches
   * shuffled with `shuffle`, one Adam step per minibatch; returns the statistics' means.
   */
  update(rollout: PpoRollout, shuffle: Rng): PpoUpdateStats {
    const S = this.#inputs, total = this.#order.length, M = this.#config.minibatches;
    const discrete = this.#action.kind === "discrete";
    const n = discrete ? (this.#action as { n: number }).n : 1;
    const order = this.#order, rng = shuffle;
    const sums = new Float64Array(6);
    let count = 0;
    for (let epoch = 0; epoch < this.#config.epochs; epoch++) {
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
            this.#mbObs[dst + c] = rollout.obs[src + c];
          }
          if (discrete) this.#mbAct[j * n + rollout.actions[r]] = 1;
          else this.#mbAct[j] = rollout.actions[r];
          this.#mbLogp[j] = rollout.logp[r];
          this.#mbAdv[j] = rollout.advantages[r];
          this.#mbRet[j] = rollout.returns[r];
          sum += rollout.advantages[r];
        }
        if (this.#config.normaliseAdvantages) {
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
    const S = this.#inputs;
    const c = this.#config;
    const discrete = this.#action.kind === "discrete";
    const n = discrete ? (this.#action as { n: number }).n : 1;
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
        const out = this.#dense.apply(this.actor, x);
        let logp: tfNs.Tensor, entropy: tfNs.Tensor;
        if (discrete) {
          const lsm = tf.logSoftmax(out);
          logp = tf.sum(tf.mul(lsm, act), 1);
          entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(lsm), lsm), 1)));
        } else {
          const ls = this.logStd!;
          const z = tf.mul(tf.sub(act, tf.reshape(out, [b])), tf.exp(tf.neg(ls)));
          logp = tf.sub(tf.sub(tf.mul(tf.square(z), -0.5), ls), HALF_LOG_2PI);
          entropy = tf.sum(tf.add(ls, 0.5 + HALF_LOG_2PI));
        }
        const logRatio = tf.sub(logp, oldLogp);
        const ratio = tf.exp(logRatio);
        const clipped = tf.clipByValue(ratio, 1 - c.clip, 1 + c.clip);
        const policyLoss = tf.neg(tf.mean(tf.minimum(tf.mul(ratio, adv), tf.mul(clipped, adv))));
        const v = tf.reshape(this.#dense.apply(this.critic, x), [b]);
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
      }, this.variables);
      const clipped = clipByGlobalNorm(tf, grads, c.maxGradNorm);
      this.optimizer.applyGradients(clipped.grads as GradientMap);
      const stats = Array.from(kept.stats!.dataSync());
      kept.stats!.dispose();
      stats.push(clipped.norm);
      return stats;
    });
  }

  /** Releases the variables and the optimizer. */
  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.logStd?.dispose();
    this.optimizer.dispose();
  }
}
