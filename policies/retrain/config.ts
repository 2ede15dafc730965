/**
 * An agent's `learning` block (in a scenario or a live config): how its learning loop watches,
 * retrains, shadows and rolls back, validated with every default filled in, and the loop options
 * it gives for a served model's features and band.
 *
 * | field | meaning | default |
 * |---|---|---|
 * | `horizon` | decisions ahead the label looks | 1 |
 * | `window` | decisions kept: the training rows and the drift reference | 2,000 |
 * | `minRows` | labelled rows before a retraining, at least 50 (what training needs) | half the window |
 * | `everyMs` | retrain on a schedule, this long after the last | none: drift only |
 * | `cooldownMs` | after a retraining, drift is ignored this long | 3,600,000 (1 h) |
 * | `drift` | `recent` rows measured (300), checked `every` decisions (50); `features`: feature drift makes drift (true; false: PSI measured and published only); `majorFeatures` beyond their limit make drift (1); a feature's limit is PSI 0.25 and `margin` (1) × the reference's own windows' largest, held `persist` checks in a row (1); `loss`: Page-Hinkley on the champion's log loss `{delta, lambda, minSamples?}` | loss: off |
 * | `shadow` | `minDecisions` between looks (300), `maxDecisions` (1,200), `alpha` (0.05), `block` (10); `commission`: the fee per unit of notional the shadow books charge (with half the quoted spread) | commission: the scenario's; 0 in a live session |
 * | `rollback` | `window` (200), `margin` (0.01 of equity over the window), `watchDecisions` (600), `alpha` (0.05) | |
 * | `training` | `epochs` (30), `patience` (5), `folds` (3), `trials` (1), `embargo` (5); the model: `hidden` (units per layer, `[]` a logistic model), `learningRate`, `l2`, `dropout`, `batchSize` | the model: training's defaults |
 * | `gate` | what a candidate's walk-forward must show to be shadowed: `logLoss` below the base rate's, `auc` above 0.5, or `none` (`true` is `logLoss`, `false` `none`) | `logLoss` |
 * @module
 */
import { z } from "zod";
import type { LearningLoopOptions } from "./loop.ts";
import { MIN_TRAINING_ROWS } from "../models/mod.ts";

const Int = (min: number) => z.number().int().min(min);
const Ms = z.number().int().positive();

/** The `learning` block; see the module documentation. */
export const LearningSchema = z.strictObject({
  horizon: Int(1).default(1),
  window: Int(50).default(2_000),
  minRows: Int(MIN_TRAINING_ROWS).optional(),
  everyMs: Ms.optional(),
  cooldownMs: z.number().int().min(0).default(3_600_000),
  drift: z.strictObject({
    recent: Int(10).default(300),
    every: Int(1).default(50),
    majorFeatures: Int(1).default(1),
    features: z.boolean().default(true),
    margin: z.number().min(1).finite().default(1),
    persist: Int(1).default(1),
    loss: z.strictObject({
      delta: z.number().min(0),
      lambda: z.number().positive(),
      minSamples: Int(1).optional(),
    }).optional(),
  }).default({ recent: 300, every: 50, majorFeatures: 1, features: true, margin: 1, persist: 1 }),
  shadow: z.strictObject({
    minDecisions: Int(20).default(300),
    maxDecisions: Int(20).default(1_200),
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    block: Int(1).default(10),
    commission: z.number().min(0).lt(1).optional(),
  }).default({ minDecisions: 300, maxDecisions: 1_200, alpha: 0.05, block: 10 }),
  rollback: z.strictObject({
    window: Int(2).default(200),
    margin: z.number().positive().default(0.01),
    watchDecisions: Int(2).default(600),
    alpha: z.number().gt(0).lt(0.5).default(0.05),
  }).default({ window: 200, margin: 0.01, watchDecisions: 600, alpha: 0.05 }),
  training: z.strictObject({
    epochs: Int(1).default(30),
    patience: Int(1).default(5),
    folds: Int(2).default(3),
    trials: Int(1).default(1),
    embargo: Int(0).default(5),
    hidden: z.array(Int(1)).max(4).optional(),
    learningRate: z.number().positive().max(1).optional(),
    l2: z.number().min(0).optional(),
    dropout: z.number().min(0).lt(1).optional(),
    batchSize: Int(1).optional(),
  }).default({ epochs: 30, patience: 5, folds: 3, trials: 1, embargo: 5 }),
  gate: z.union([z.boolean(), z.enum(["logLoss", "auc", "none"])], {
    error: 'expected "logLoss", "auc", "none", true (logLoss) or false (none)',
  }).default("logLoss")
    .transform((g): Gate => g === true ? "logLoss" : g === false ? "none" : g),
}).superRefine((l, ctx) => {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  if (l.drift.recent > l.window) issue(["drift", "recent"], `expected ≤ window (${l.window})`);
  if (l.minRows !== undefined && l.minRows > l.window - l.horizon) {
    issue(["minRows"], `expected ≤ window − horizon (${l.window - l.horizon})`);
  }
  if (l.minRows === undefined && Math.floor(l.window / 2) < MIN_TRAINING_ROWS) {
    issue(["window"], `half of it (minRows' default) is below ${MIN_TRAINING_ROWS} training rows`);
  }
  if (l.shadow.maxDecisions < l.shadow.minDecisions) {
    issue(["shadow", "maxDecisions"], `expected ≥ minDecisions (${l.shadow.minDecisions})`);
  }
  if (l.shadow.minDecisions < 2 * l.shadow.block) {
    issue(["shadow", "minDecisions"], `expected ≥ 2 blocks (${2 * l.shadow.block})`);
  }
  if (l.rollback.watchDecisions < l.rollback.window) {
    issue(["rollback", "watchDecisions"], `expected ≥ window (${l.rollback.window})`);
  }
});

/** What a candidate's walk-forward must show to be shadowed; see the module documentation. */
export type Gate = "logLoss" | "auc" | "none";

/**
 * Why a candidate with walk-forward `summary` fails `gate`, or undefined when it passes. A figure
 * the walk-forward could not compute (NaN: a class absent from every test fold) fails.
 */
export function gateRefusal(
  gate: Gate,
  summary: Readonly<Record<string, number>>,
): string | undefined {
  const { logLoss, baseLogLoss, auc } = summary;
  if (gate === "logLoss" && !(logLoss < baseLogLoss)) {
    return `walk-forward log loss ${logLoss.toFixed(5)} is not below the base rate's ` +
      `${baseLogLoss.toFixed(5)}`;
  }
  if (gate === "auc" && !(auc > 0.5)) {
    return `walk-forward AUC ${auc?.toFixed(4)} is not above 0.5`;
  }
  return undefined;
}

/** A validated `learning` block. */
export type LearningConfig = z.output<typeof LearningSchema>;

/** The loop options of `learning` for a model reading `features`, traded with `band`. */
export function loopOptions(
  learning: LearningConfig,
  features: readonly string[],
  band: {
    readonly long: number;
    readonly short: number;
    readonly mode: LearningLoopOptions["mode"];
  },
  commission: number,
): LearningLoopOptions {
  return {
    features,
    ...band,
    horizon: learning.horizon,
    window: learning.window,
    ...(learning.minRows === undefined ? {} : { minRows: learning.minRows }),
    trigger: {
      cooldownMs: learning.cooldownMs,
      ...(learning.everyMs === undefined ? {} : { everyMs: learning.everyMs }),
    },
    drift: learning.drift,
    shadow: learning.shadow,
    rollback: learning.rollback,
    commission: learning.shadow.commission ?? commission,
  };
}
