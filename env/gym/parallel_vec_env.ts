/**
 * The vectorised RL environment spread over threads: the envs are split into contiguous shards,
 * one stepped on the calling thread and the others each in a worker, all writing one set of
 * `SharedArrayBuffer`s. A step is one synchronous call, like {@linkcode VecTradingEnv.step}, and
 * gives the same numbers element for element (each env's trajectory depends only on its seeds);
 * only the wall time differs.
 *
 * Hand-off costs about a microsecond: the caller bumps a generation counter and wakes the
 * workers; a worker spins briefly on the counter before it sleeps in `Atomics.wait`, so
 * back-to-back steps never pay a futex wake-up. Workers need read permission on this folder
 * (their module) and inherit the caller's other permissions. Call {@linkcode close} when done.
 *
 * @example
 * ```ts ignore
 * import { ParallelVecEnv } from "./parallel_vec_env.ts";
 * const vec = await ParallelVecEnv.create({ market: { kind: "sim", decisionMs: 100 } }, 64);
 * vec.reset(1);
 * vec.step(new Int32Array(64).fill(1));
 * vec.close();
 * ```
 * @module
 */
import { type EnvConfigInput, EnvError, type EnvOptions, TradingEnv } from "./trading_env.ts";
import {
  checkActions,
  checkSeed,
  checkVecArgs,
  type VecBuffers,
  vecBuffers,
  VecEnvBase,
  VecShard,
  type VecStep,
} from "./vec_env.ts";

/** Slots of the control array shared with the workers. */
export const Control = {
  /** Bumped by the caller for every command. */
  Gen: 0,
  /** Workers that finished the current command. */
  Done: 1,
  /** The current command. */
  Cmd: 2,
  /** Workers whose command failed; the first failure's text is in the error buffer. */
  Err: 3,
  /** Length of that text, bytes. */
  ErrLen: 4,
} as const;

/** Commands. */
export const Command = { Step: 1, Reset: 2, Close: 3 } as const;

/** What a worker receives to build its shard. */
export interface WorkerInit {
  readonly config: EnvConfigInput;
  readonly options: EnvOptions;
  readonly num: number;
  readonly from: number;
  readonly to: number;
  readonly size: number;
  readonly buffers: VecBuffers;
  readonly control: Int32Array;
  readonly actions: Float64Array;
  readonly seed: Float64Array;
  readonly error: Uint8Array;
}

/** Options of {@linkcode ParallelVecEnv.create}. */
export interface ParallelOptions extends EnvOptions {
  /** Worker threads besides the caller's. Default: hardware threads − 1 (at least 0). */
  readonly workers?: number;
}

/** Iterations a waiting side spins before it sleeps. */
export const SPIN = 50_000;

/** How long the caller waits for the workers to finish one command before giving up. */
export const WORKER_TIMEOUT_MS = 60_000;

/** N environments stepped on several threads; see the module documentation. */
export class ParallelVecEnv extends VecEnvBase {
  readonly action: "discrete" | "continuous";
  #shard: VecShard;
  #workers: Worker[];
  #control: Int32Array;
  #actions: Float64Array;
  #seed: Float64Array;
  #error: Uint8Array;
  #ready = false;
  #closed = false;

  private constructor(
    shard: VecShard,
    workers: Worker[],
    init: Omit<WorkerInit, "from" | "to">,
    action: "discrete" | "continuous",
  ) {
    super(init.num, init.size, init.buffers);
    this.action = action;
    this.#shard = shard;
    this.#workers = workers;
    this.#control = init.control;
    this.#actions = init.actions;
    this.#seed = init.seed;
    this.#error = init.error;
  }

  /** Starts the workers and builds every env; resolves when all are ready. */
  static async create(
    config: EnvConfigInput,
    num: number,
    options: ParallelOptions = {},
  ): Promise<ParallelVecEnv> {
    const { workers: wanted, ...envOptions } = options;
    checkVecArgs(num, envOptions);
    const probe = new TradingEnv(config, envOptions); // validates the configuration here
    const workers = Math.min(
      num - 1,
      wanted ?? Math.max(0, (navigator.hardwareConcurrency ?? 1) - 1),
    );
    if (!Number.isInteger(workers) || workers < 0) {
      throw new EnvError(`workers: expected an integer >= 0, got ${wanted}`);
    }
    const size = probe.observationSize;
    const init = {
      config,
      options: envOptions,
      num,
      size,
      buffers: vecBuffers(num, size, true),
      control: new Int32Array(new SharedArrayBuffer(4 * 8)),
      actions: new Float64Array(new SharedArrayBuffer(8 * num)),
      seed: new Float64Array(new SharedArrayBuffer(8)),
      error: new Uint8Array(new SharedArrayBuffer(4096)),
    };
    const per = Math.ceil(num / (workers + 1));
    const shard = new VecShard(config, envOptions, 0, per, init.buffers);
    const started: Worker[] = [];
    try {
      const ready: Promise<void>[] = [];
      for (let from = per; from < num; from += per) {
        const w = new Worker(new URL("./vec_worker.ts", import.meta.url).href, { type: "module" });
        started.push(w);
        ready.push(
          new Promise((resolve, reject) => {
            w.onmessage = (e: MessageEvent) =>
              e.data?.ready ? resolve() : reject(new EnvError(`worker: ${e.data?.error}`));
            w.onerror = (e: ErrorEvent) => {
              e.preventDefault();
              reject(new EnvError(`worker: ${e.message}`));
            };
          }),
        );
        w.postMessage({ ...init, from, to: Math.min(num, from + per) } satisfies WorkerInit);
      }
      await Promise.all(ready);
    } catch (e) {
      for (const w of started) w.terminate();
      throw e;
    }
    return new ParallelVecEnv(shard, started, init, probe.config.action);
  }

  /** Worker threads in use. */
  get workers(): number {
    return this.#workers.length;
  }

  /** Resets every env (env i from `episodeSeed(seed, i, 0)`); returns the observations. */
  reset(seed: number): Float32Array {
    checkSeed(seed);
    this.#seed[0] = seed;
    this.#run(Command.Reset, () => this.#shard.reset(seed));
    this.#ready = true;
    return this.observations;
  }

  /** Steps env i with `actions[i]`, auto-resetting the ones whose episode ends. */
  step(actions: ArrayLike<number>): VecStep {
    if (!this.#ready) throw new EnvError("step: call reset(seed) first");
    checkActions(this.action, this.num, actions);
    this.#actions.set(actions);
    this.#run(Command.Step, () => this.#shard.step(this.#actions));
    return this;
  }

  /** Stops the workers. The env cannot be used afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#run(Command.Close, () => {});
    } finally {
      for (const w of this.#workers) w.terminate();
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #run(cmd: number, own: () => void): void {
    if (this.#closed && cmd !== Command.Close) throw new EnvError("closed: create a new env");
    const c = this.#control;
    const n = this.#workers.length;
    Atomics.store(c, Control.Done, 0);
    Atomics.store(c, Control.Err, 0);
    Atomics.store(c, Control.Cmd, cmd);
    Atomics.add(c, Control.Gen, 1);
    Atomics.notify(c, Control.Gen);
    let failure: unknown = null;
    try {
      own();
    } catch (e) {
      failure = e;
    }
    let spins = 0;
    let deadline = Infinity;
    for (let done = Atomics.load(c, Control.Done); done < n; done = Atomics.load(c, Control.Done)) {
      if (++spins < SPIN) continue;
      // A worker that died never answers: give up after WORKER_TIMEOUT_MS rather than hang.
      if (deadline === Infinity) deadline = performance.now() + WORKER_TIMEOUT_MS;
      else if (performance.now() > deadline) {
        this.#closed = true;
        for (const w of this.#workers) w.terminate();
        throw new EnvError(
          `workers: ${n - done} of ${n} did not answer in ${WORKER_TIMEOUT_MS} ms`,
        );
      }
      Atomics.wait(c, Control.Done, done, 1);
    }
    if (failure !== null) throw failure;
    if (Atomics.load(c, Control.Err) > 0) {
      const len = Atomics.load(c, Control.ErrLen);
      throw new EnvError(new TextDecoder().decode(this.#error.slice(0, len)));
    }
  }
}
