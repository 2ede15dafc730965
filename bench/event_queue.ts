/**
 * `event_queue_ops_per_s`: the kernel's event queue at a steady depth of 1,000 events (a
 * simulation with ~1,000 scheduled wake-ups), each step popping the earliest event and pushing
 * a new one at a random later time. Each push and each pop counts as one operation.
 * @module
 */
import { EventQueue, Rng } from "../env/kernel/mod.ts";
import { measureRate, type RateOptions } from "./harness.ts";

/** Runs the benchmark; returns queue operations per second (median of rounds). */
export function benchEventQueue(options?: RateOptions, depth = 1_000): number {
  const rng = new Rng(1);
  const q = new EventQueue<number>(depth * 2);
  // Pre-drawn exponential inter-event delays, so the figure measures the queue, not the PRNG.
  const delays = new Float64Array(1 << 16);
  for (let i = 0; i < delays.length; i++) delays[i] = rng.exponential(1 / 50);
  let k = 0;
  for (let i = 0; i < depth; i++) q.push(delays[k++], i);
  let checksum = 0;
  const steps = 4096;
  const rate = measureRate(() => {
    for (let i = 0; i < steps; i++) {
      const t = q.peekTime();
      checksum += q.pop()!;
      q.push(t + delays[k++ & 0xffff], i);
    }
    return steps * 2;
  }, options);
  if (q.size !== depth || !Number.isFinite(checksum)) {
    throw new Error(`event queue bench: depth ${q.size}, expected ${depth}`);
  }
  return rate.median;
}
