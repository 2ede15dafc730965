/**
 * Worker threads that run backtests ({@linkcode Job}s) in parallel, one at a time each, in the
 * order they were asked for. A worker that dies (out of memory, a crash in a strategy's module
 * code outside any handler) fails only the job it was running and is replaced.
 * @module
 */
import type { Job, JobResult } from "./backtest_job.ts";

interface Slot {
  worker: Worker;
  busy: { job: Job; resolve: (r: JobResult) => void } | null;
}

/** See the module documentation. */
export class WorkerPool {
  readonly size: number;
  #slots: Slot[] = [];
  #queue: { job: Job; resolve: (r: JobResult) => void }[] = [];
  #closed = false;

  /** Starts `size` workers (an integer ≥ 1). */
  constructor(size: number) {
    if (!(Number.isInteger(size) && size >= 1)) {
      throw new RangeError(`workers: expected an integer ≥ 1, got ${size}`);
    }
    this.size = size;
    for (let i = 0; i < size; i++) this.#slots.push(this.#start());
  }

  /** Runs `job` on the next free worker. */
  run(job: Job): Promise<JobResult> {
    if (this.#closed) return Promise.reject(new Error("worker pool: closed"));
    return new Promise((resolve) => {
      this.#queue.push({ job, resolve });
      this.#dispatch();
    });
  }

  /** Stops every worker; jobs not yet finished fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#slots) {
      s.worker.terminate();
      s.busy?.resolve({ id: s.busy.job.id, ok: false, error: "worker pool: closed" });
    }
    for (const q of this.#queue.splice(0)) {
      q.resolve({ id: q.job.id, ok: false, error: "worker pool: closed" });
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #start(): Slot {
    const worker = new Worker(new URL("./optimize_worker.ts", import.meta.url).href, {
      type: "module",
    });
    const slot: Slot = { worker, busy: null };
    worker.onmessage = (e: MessageEvent<JobResult>) => {
      const done = slot.busy;
      slot.busy = null;
      done?.resolve(e.data);
      this.#dispatch();
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      const done = slot.busy;
      slot.busy = null;
      worker.terminate();
      done?.resolve({ id: done.job.id, ok: false, error: `worker died: ${e.message}` });
      if (this.#closed) return;
      this.#slots[this.#slots.indexOf(slot)] = this.#start();
      this.#dispatch();
    };
    return slot;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.busy !== null) continue;
      const next = this.#queue.shift()!;
      slot.busy = next;
      slot.worker.postMessage(next.job);
    }
  }
}
