/**
 * One retraining of a direction model on a learning loop's window, as plain data in and out, so
 * it runs the same in-process (a simulation, whose clock waits for it) or in a worker (a live
 * session, which keeps deciding meanwhile): {@linkcode runTrainJob} here, {@linkcode trainInWorker}
 * through `train_worker.ts`.
 * @module
 */
import type { PredictorSpec } from "../models/mod.ts";
import { predictorSpecFor, saveModel } from "./model_io.ts";
import { selectBackend } from "./tf_backend.ts";
import { labelFor, type TrainSettings, trainWithSearch } from "./train.ts";

/** What a retraining learns from and how. */
export interface TrainJob {
  /** Row-major features, `rows × names.length`. */
  readonly x: Float32Array;
  /** Labels: 1 up, 0 not. */
  readonly y: Float32Array;
  readonly ts: Float64Array;
  readonly rows: number;
  readonly names: readonly string[];
  readonly settings: Omit<TrainSettings, "kind" | "validFraction">;
}

/** What a retraining produced: the model's files, its predictor and its walk-forward. */
export interface TrainJobResult {
  readonly files: Record<string, Uint8Array>;
  readonly spec: PredictorSpec;
  readonly summary: Readonly<Record<string, number>>;
  readonly folds: unknown;
  readonly hyperparameters: Readonly<Record<string, number | string>>;
  readonly backend: string;
  readonly seconds: number;
}

/** Runs `job` here; see the module documentation. */
export async function runTrainJob(job: TrainJob): Promise<TrainJobResult> {
  const backend = await selectBackend();
  const start = performance.now();
  const outcome = await trainWithSearch({
    x: job.x,
    y: job.y,
    rows: job.rows,
    cols: job.names.length,
    ts: job.ts,
    names: job.names,
    label: labelFor("direction", job.settings.horizon),
  }, { ...job.settings, kind: "direction", validFraction: 0.2 });
  try {
    const hp = outcome.best.hyperparameters;
    return {
      files: await saveModel(outcome.model),
      spec: predictorSpecFor(outcome.model),
      // Through JSON: a metric undefined on a fold (NaN) is null.
      summary: outcome.summary,
      folds: JSON.parse(JSON.stringify(outcome.best.folds)),
      hyperparameters: { ...hp, hidden: hp.hidden.join("-"), horizon: job.settings.horizon },
      backend: backend.name,
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    outcome.model.model.dispose();
  }
}

/**
 * Runs `job` in a worker of its own (started for it, ended after), so training never blocks the
 * thread that decides. A worker that fails rejects with its error.
 */
export function trainInWorker(job: TrainJob): Promise<TrainJobResult> {
  const worker = new Worker(new URL("./train_worker.ts", import.meta.url).href, {
    type: "module",
  });
  return new Promise<TrainJobResult>((resolve, reject) => {
    worker.onmessage = (
      e: MessageEvent<
        { ok: true; result: TrainJobResult } | {
          ok: false;
          error: string;
        }
      >,
    ) => {
      if (e.data.ok) resolve(e.data.result);
      else reject(new Error(e.data.error));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`training worker: ${e.message}`));
    };
    worker.postMessage(job);
  }).finally(() => worker.terminate());
}
