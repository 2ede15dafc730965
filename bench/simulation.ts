/**
 * Simulator throughput: kernel events per second (agent wake-ups, order arrivals, fundamental
 * steps, bar closes) with the default population, after ten simulated minutes of warm-up.
 * @module
 */
import { Simulation } from "../env/sim/mod.ts";
import { measureRate, type RateOptions } from "./harness.ts";

/** `sim_events_per_s`: runs the default market in 10-second slices of simulated time. */
export function benchSimulation(options?: RateOptions): number {
  const sim = new Simulation({ seed: 1 });
  sim.runFor(600_000);
  return measureRate(() => sim.runFor(10_000), options).median;
}
