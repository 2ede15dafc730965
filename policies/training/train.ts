/**
 * Supervised training with honest evaluation: a feature frame becomes a dataset, a seeded search
 * draws hyperparameters from {@linkcode SEARCH_SPACE}, and each draw is scored by purged,
 * embargoed walk-forward evaluation — on every fold (random search), or on more folds as fewer
 * draws survive (successive halving, {@linkcode searchRounds}). The draw with the best mean *validation* loss (the inner
 * hold-out that early stopping watches, never the test folds) wins; its per-fold test metrics are
 * the walk-forward table. The final model is trained on every row with the same hyperparameters.
 *
 * Everything is deterministic given the seed: the draws, each training's initial weights and
 * shuffles, and therefore the metrics and the final weights.
 *
 * @module
 */
import { Rng } from "../../env/kernel/mod.ts";
import type { FeatureFrame } from "../feature_store/mod.ts";
import {
  classificationMetrics,
  MIN_TRAINING_ROWS,
  purgedHoldout,
  qlike,
  regressionMetrics,
  trainIndices,
  walkForward,
} from "../models/mod.ts";
import { type ModelChoice, sampleHyperparameters } from "./search_space.ts";
import {
  type ModelHyperparameters,
  type ModelKind,
  predictBatch,
  type TrainedModel,
  trainModel,
} from "./models.ts";

/** Rows of features and one label, rows with any null left out. */
export interface Dataset {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** Decision time of each row. */
  readonly ts: Float64Array;
  readonly names: readonly string[];
  /** The label column used. */
  readonly label: string;
}

/** The label a model kind learns at `horizon`. */
export function labelFor(kind: ModelKind, horizon: number): string {
  return kind === "direction" ? `dir_${horizon}` : `rv_${horizon}`;
}

/** A training error: bad settings or too little data, named. */
export class TrainError extends Error {
  override name = "TrainError";
}

/** The dataset of `frame` for `kind` at `horizon`: rows whose features and label are all known. */
export function datasetFrom(frame: FeatureFrame, kind: ModelKind, horizon: number): Dataset {
  const label = labelFor(kind, horizon);
  const names = frame.meta.featureSet.names;
  if (!frame.meta.labels.includes(label)) {
    throw new TrainError(`label ${label} not in the frame (has ${frame.meta.labels.join(", ")})`);
  }
  const cols = names.map((n) => frame.table.array(n) as ArrayLike<number | null>);
  const yCol = frame.table.array(label) as ArrayLike<number | null>;
  const tsCol = frame.table.array("ts") as ArrayLike<number>;
  const keep: number[] = [];
  for (let i = 0; i < frame.table.numRows(); i++) {
    if (yCol[i] === null || !Number.isFinite(yCol[i] as number)) continue;
    if (cols.every((c) => c[i] !== null && Number.isFinite(c[i] as number))) keep.push(i);
  }
  const x = new Float32Array(keep.length * names.length);
  const y = new Float32Array(keep.length);
  const ts = new Float64Array(keep.length);
  keep.forEach((row, r) => {
    for (let c = 0; c < cols.length; c++) x[r * cols.length + c] = cols[c][row] as number;
    y[r] = yCol[row] as number;
    ts[r] = tsCol[row];
  });
  return { x, y, rows: keep.length, cols: names.length, ts, names, label };
}

/** Settings of a training run. */
export interface TrainSettings {
  readonly kind: ModelKind;
  readonly horizon: number;
  readonly folds: number;
  /** Rows left out between training and test, beyond the label horizon. */
  readonly embargo: number;
  /** Hyperparameter draws (1: the defaults only). */
  readonly trials: number;
  /** The first draw's model over the defaults (e.g. `{hidden: []}`: a logistic model). */
  readonly model?: ModelChoice;
  readonly epochs: number;
  readonly patience: number;
  /** Share of each training set held out (purged) for early stopping. */
  readonly validFraction: number;
  /** `random` (default): every draw on every fold; `halving`: successive halving over folds. */
  readonly search?: "random" | "halving";
  readonly seed: number;
}

/** Test metrics of one fold. */
export interface FoldResult {
  readonly fold: number;
  readonly trainRows: number;
  readonly testRows: number;
  readonly testStart: number;
  readonly testEnd: number;
  readonly epochs: number;
  readonly validLoss: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** One hyperparameter draw and how it did. */
export interface TrialResult {
  readonly trial: number;
  readonly hyperparameters: ModelHyperparameters;
  /** Mean validation loss over the folds it was scored on: what selects the winner. */
  readonly score: number;
  /** The folds it was scored on (all of them for the winner; fewer for a draw halving dropped). */
  readonly folds: readonly FoldResult[];
}

/** Where a run is; for a progress bar. */
export interface TrainProgress {
  readonly done: number;
  readonly total: number;
  readonly trial: number;
  readonly fold: number | "final";
  readonly epoch: number;
  readonly validLoss: number;
}

/** What a run produced. */
export interface TrainOutcome {
  readonly trials: readonly TrialResult[];
  readonly best: TrialResult;
  readonly model: TrainedModel;
  /** Mean of each test metric over the best trial's folds. */
  readonly summary: Readonly<Record<string, number>>;
}

function take(ds: Dataset, rows: Int32Array): { x: Float32Array; y: Float32Array; rows: number } {
  const x = new Float32Array(rows.length * ds.cols);
  const y = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    x.set(ds.x.subarray(r * ds.cols, (r + 1) * ds.cols), i * ds.cols);
    y[i] = ds.y[r];
  });
  return { x, y, rows: rows.length };
}

function range(start: number, end: number): Int32Array {
  return Int32Array.from({ length: end - start }, (_, i) => start + i);
}

/** A seed for one training, from the run's seed and where it sits in the search. */
function derivedSeed(seed: number, trial: number, fold: number): number {
  return new Rng(seed).split(`train/${trial}/${fold}`).nextU32();
}

/**
 * The test metrics of predictions `p` against labels `y`, beside those of the constant baseline
 * `base` (the training labels' mean: the base rate of ups, or the mean volatility), which is what
 * a model has to beat: `accuracy` against `baseAccuracy` (always the majority class), `logLoss`
 * against `baseLogLoss`; `rmse` and `qlike` against `baseRmse` and `baseQlike`.
 */
export function foldMetrics(
  kind: ModelKind,
  y: Float32Array,
  p: Float32Array,
  base: number,
): Record<string, number> {
  const constant = new Float32Array(y.length).fill(base);
  if (kind === "direction") {
    const m = classificationMetrics(y, p);
    const b = classificationMetrics(y, constant);
    return {
      accuracy: m.accuracy,
      baseAccuracy: b.accuracy,
      auc: m.auc,
      logLoss: m.logLoss,
      baseLogLoss: b.logLoss,
      ic: m.ic,
    };
  }
  const m = regressionMetrics(y, p);
  const b = regressionMetrics(y, constant);
  return {
    rmse: m.rmse,
    baseRmse: b.rmse,
    qlike: volatilityQlike(y, p),
    baseQlike: volatilityQlike(y, constant),
    ic: m.ic,
  };
}

/**
 * QLIKE of volatility forecasts, on variances. It needs both > 0: a horizon without a price change
 * (common in thin markets) has a realised volatility of 0 and is left out of it.
 */
function volatilityQlike(y: Float32Array, p: Float32Array): number {
  const r: number[] = [], f: number[] = [];
  for (let i = 0; i < y.length; i++) {
    if (y[i] > 0 && p[i] > 0) {
      r.push(y[i] * y[i]);
      f.push(p[i] * p[i]);
    }
  }
  return r.length > 0 ? qlike(r, f) : NaN;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Which folds each round of the search scores its surviving draws on, and how many survive. With
 * `random`, one round: every draw on every fold. With `halving` (successive halving), round r
 * scores the survivors on the last min(2^r, folds) folds and keeps the better half (at least one),
 * until one draw has been scored on every fold; results carry over between rounds, so a draw that
 * survives is never retrained on a fold it has seen.
 */
export function searchRounds(
  search: "random" | "halving",
  draws: number,
  folds: number,
): { folds: number; keep: number }[] {
  if (search === "random") return [{ folds, keep: 1 }];
  const rounds: { folds: number; keep: number }[] = [];
  let alive = draws;
  for (let r = 0;; r++) {
    const k = Math.min(2 ** r, folds);
    if (k === folds || alive === 1) {
      rounds.push({ folds, keep: 1 });
      return rounds;
    }
    alive = Math.max(1, Math.ceil(alive / 2));
    rounds.push({ folds: k, keep: alive });
  }
}

/** Runs the search and the final training; see the module documentation. */
export async function trainWithSearch(
  ds: Dataset,
  s: TrainSettings,
  onProgress?: (p: TrainProgress) => void,
): Promise<TrainOutcome> {
  if (ds.rows < MIN_TRAINING_ROWS) {
    throw new TrainError(`only ${ds.rows} usable rows; need at least ${MIN_TRAINING_ROWS}`);
  }
  const folds = walkForward(ds.rows, { folds: s.folds, horizon: s.horizon, embargo: s.embargo });
  const draws = sampleHyperparameters(
    s.trials,
    s.seed,
    { epochs: s.epochs, patience: s.patience },
    s.model,
  );
  const rounds = searchRounds(s.search ?? "random", draws.length, folds.length);
  // Trainings the plan needs: each round trains its draws on the folds they have not seen yet.
  let total = 1, alive = draws.length, seen = 0;
  for (const r of rounds) {
    total += alive * (r.folds - seen);
    seen = r.folds;
    alive = r.keep;
  }
  let done = 0;
  const results = draws.map(() => new Map<number, FoldResult>());
  const evaluate = async (t: number, fold: (typeof folds)[number]): Promise<void> => {
    if (results[t].has(fold.index)) return;
    const hp = draws[t];
    const split = purgedHoldout(trainIndices(fold), s.validFraction, s.horizon, s.embargo);
    const report = (epoch: number, _train: number, validLoss: number) =>
      onProgress?.({ done, total, trial: t + 1, fold: fold.index + 1, epoch, validLoss });
    const fit = take(ds, split.fit);
    const model = await trainModel(
      s.kind,
      fit,
      take(ds, split.valid),
      hp,
      derivedSeed(s.seed, t, fold.index),
      report,
    );
    const [a, b] = fold.test;
    const test = take(ds, range(a, b));
    const p = predictBatch(model, test.x, test.rows);
    results[t].set(fold.index, {
      fold: fold.index + 1,
      trainRows: split.fit.length + split.valid.length,
      testRows: test.rows,
      testStart: ds.ts[a],
      testEnd: ds.ts[b - 1],
      epochs: model.epochsRun,
      validLoss: model.bestValidLoss,
      metrics: foldMetrics(s.kind, test.y, p, mean(Array.from(fit.y))),
    });
    model.model.dispose();
    done++;
  };
  const trialOf = (t: number): TrialResult => {
    const fs = [...results[t].values()].sort((a, b) => a.fold - b.fold);
    return {
      trial: t + 1,
      hyperparameters: draws[t],
      score: mean(fs.map((r) => r.validLoss)),
      folds: fs,
    };
  };
  let survivors = draws.map((_, t) => t);
  for (const round of rounds) {
    for (const t of survivors) {
      for (const fold of folds.slice(folds.length - round.folds)) await evaluate(t, fold);
    }
    // Ties go to the earlier draw, so the defaults win a tie.
    survivors = [...survivors]
      .sort((a, b) => trialOf(a).score - trialOf(b).score || a - b)
      .slice(0, round.keep);
  }
  const trials = draws.map((_, t) => trialOf(t));
  const best = trials[survivors[0]];
  const all = purgedHoldout(range(0, ds.rows), s.validFraction, s.horizon, s.embargo);
  const model = await trainModel(
    s.kind,
    take(ds, all.fit),
    take(ds, all.valid),
    best.hyperparameters,
    derivedSeed(s.seed, best.trial - 1, -1),
    (epoch, _t, validLoss) =>
      onProgress?.({ done, total, trial: best.trial, fold: "final", epoch, validLoss }),
  );
  onProgress?.({
    done: total,
    total,
    trial: best.trial,
    fold: "final",
    epoch: model.epochsRun,
    validLoss: model.bestValidLoss,
  });
  const keys = Object.keys(best.folds[0].metrics);
  const summary = Object.fromEntries(
    keys.map((k) => [k, mean(best.folds.map((f) => f.metrics[k]))]),
  );
  return { trials, best, model, summary };
}

/** The walk-forward table of a trial, as aligned text. */
export function formatWalkForward(trial: TrialResult, summary: Record<string, number>): string {
  const keys = Object.keys(trial.folds[0].metrics);
  // Small figures (an RMSE of returns) keep three significant digits instead of vanishing.
  const num = (v: number) =>
    !Number.isFinite(v) ? "—" : v === 0 || Math.abs(v) >= 0.01 ? v.toFixed(4) : v.toPrecision(3);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
  const head = ["fold", "train", "test", "test from", "test to", "epochs", ...keys];
  const rows = trial.folds.map((f) => [
    String(f.fold),
    String(f.trainRows),
    String(f.testRows),
    day(f.testStart),
    day(f.testEnd),
    String(f.epochs),
    ...keys.map((k) => num(f.metrics[k])),
  ]);
  rows.push(["mean", "", "", "", "", "", ...keys.map((k) => num(summary[k]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}
