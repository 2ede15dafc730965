/**
 * A worker thread of `deno task optimize`: runs each {@linkcode Job} it is sent and posts its
 * {@linkcode JobResult} back. Started by {@linkcode WorkerPool}.
 * @module
 */
import { type Job, runJob } from "./backtest_job.ts";

interface WorkerScope {
  onmessage: ((e: MessageEvent<Job>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as WorkerScope;
scope.onmessage = async (e) => scope.postMessage(await runJob(e.data));
