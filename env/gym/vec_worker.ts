/**
 * The worker side of {@linkcode ParallelVecEnv}: builds its shard of envs from the init message,
 * says it is ready, then serves commands from the shared control array until told to close.
 * @module
 */
/// <reference lib="deno.worker" />
import { Command, Control, SPIN, type WorkerInit } from "./parallel_vec_env.ts";
import { VecShard } from "./vec_env.ts";

self.onmessage = (e: MessageEvent<WorkerInit>) => {
  const init = e.data;
  let shard: VecShard;
  try {
    shard = new VecShard(init.config, init.options, init.from, init.to, init.buffers);
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? err.message : String(err) });
    return;
  }
  // Read the generation before saying ready: the first command may follow at once.
  const gen = Atomics.load(init.control, Control.Gen);
  self.postMessage({ ready: true });
  serve(shard, init, gen);
};

function serve(shard: VecShard, init: WorkerInit, gen: number): void {
  const c = init.control;
  for (;;) {
    let spins = 0;
    while (Atomics.load(c, Control.Gen) === gen && spins < SPIN) spins++;
    if (Atomics.load(c, Control.Gen) === gen) Atomics.wait(c, Control.Gen, gen);
    gen = Atomics.load(c, Control.Gen);
    const cmd = Atomics.load(c, Control.Cmd);
    if (cmd === Command.Close) {
      finish(c);
      self.close();
      return;
    }
    try {
      if (cmd === Command.Step) shard.step(init.actions);
      else if (cmd === Command.Reset) shard.reset(init.seed[0]);
    } catch (err) {
      if (Atomics.add(c, Control.Err, 1) === 0) {
        const text = new TextEncoder().encode(
          `envs ${init.from}..${init.to - 1}: ${err instanceof Error ? err.message : String(err)}`,
        ).subarray(0, init.error.length);
        init.error.set(text);
        Atomics.store(c, Control.ErrLen, text.length);
      }
    }
    finish(c);
  }
}

function finish(c: Int32Array): void {
  Atomics.add(c, Control.Done, 1);
  Atomics.notify(c, Control.Done);
}
