/**
 * The hyperparameter search space of a training run, its seeded draws, and the model a run can
 * fix for its first draw.
 * @module
 */
import { Rng } from "../../env/kernel/mod.ts";
import { DEFAULT_HYPERPARAMETERS, type ModelHyperparameters } from "./models.ts";

/**
 * The hyperparameter search space, sampled uniformly per entry (learning rate log-uniformly):
 * hidden layers, learning rate, L2 penalty, dropout and batch size. Epochs and patience are the
 * run's budget, not searched.
 */
export const SEARCH_SPACE = Object.freeze({
  hidden: [[16], [32], [32, 16], [64, 32]] as readonly (readonly number[])[],
  learningRate: [3e-4, 3e-3] as const,
  l2: [0, 1e-5, 1e-4, 1e-3] as readonly number[],
  dropout: [0, 0.1, 0.2] as readonly number[],
  batchSize: [64, 128, 256] as readonly number[],
});

/**
 * `n` seeded draws from {@linkcode SEARCH_SPACE}; the first is always the defaults, with `first`
 * over them.
 */
export function sampleHyperparameters(
  n: number,
  seed: number,
  budget: Pick<ModelHyperparameters, "epochs" | "patience">,
  first: ModelChoice = {},
): ModelHyperparameters[] {
  const rng = new Rng(seed).split("hyperparameters");
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)];
  const out: ModelHyperparameters[] = [{ ...DEFAULT_HYPERPARAMETERS, ...first, ...budget }];
  const [lo, hi] = SEARCH_SPACE.learningRate;
  while (out.length < n) {
    out.push({
      hidden: pick(SEARCH_SPACE.hidden),
      learningRate: Number((lo * Math.exp(rng.float() * Math.log(hi / lo))).toPrecision(3)),
      l2: pick(SEARCH_SPACE.l2),
      dropout: pick(SEARCH_SPACE.dropout),
      batchSize: pick(SEARCH_SPACE.batchSize),
      ...budget,
    });
  }
  return out.slice(0, n);
}

/** Hyperparameters a run fixes for its first draw (the rest are the defaults). */
export type ModelChoice = Partial<Omit<ModelHyperparameters, "epochs" | "patience">>;
