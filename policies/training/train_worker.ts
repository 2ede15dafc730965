/**
 * The training worker: receives one {@linkcode TrainJob}, trains it, posts back
 * `{ok: true, result}` (the files' buffers transferred) or `{ok: false, error}`. Started by
 * `trainInWorker` (train_job.ts).
 * @module
 */
/// <reference lib="deno.worker" />
import { runTrainJob, type TrainJob } from "./train_job.ts";

self.onmessage = async (e: MessageEvent<TrainJob>) => {
  try {
    const result = await runTrainJob(e.data);
    const buffers = [...new Set(Object.values(result.files).map((f) => f.buffer as ArrayBuffer))];
    self.postMessage({ ok: true, result }, buffers);
  } catch (error) {
    self.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
};
