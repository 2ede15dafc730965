/**
 * `bus_memory_msgs_per_s`: in-process bus, publish → deliver, one subscriber, a small message
 * (a trade), batches of 1,024 publishes followed by delivery — the kernel's pattern.
 * @module
 */
import { MemoryBus } from "../actors/bus/mod.ts";
import { subjectFor, type Trade } from "../actors/protocol/mod.ts";
import { measureRate, type RateOptions } from "./harness.ts";

/** The small message the bus benchmarks send: a trade, 139 bytes as JSON. */
export const BENCH_TRADE: Trade = {
  kind: "trade",
  v: 1,
  ts: 1_700_000_000_000,
  stage: "raw",
  venue: "sim",
  symbol: "BTC-USD",
  tradeId: "1",
  price: 42_000,
  qty: 0.5,
  side: "buy",
};

/** Runs the benchmark; returns messages delivered per second (median of rounds). */
export function benchBusMemory(options?: RateOptions): number {
  return run(false, options);
}

/**
 * `bus_memory_validated_msgs_per_s`: the same with validation on, as at a process boundary
 * (every message checked against its zod schema once).
 */
export function benchBusMemoryValidated(options?: RateOptions): number {
  return run(true, options);
}

function run(validate: boolean, options?: RateOptions): number {
  const bus = new MemoryBus({ mode: "manual", validate });
  const trade = BENCH_TRADE;
  const subject = subjectFor(trade);
  let received = 0;
  bus.subscribe("md.raw.trade.*", () => {
    received++;
  });
  const batch = 1024;
  const rate = measureRate(() => {
    for (let i = 0; i < batch; i++) bus.publish(subject, trade);
    bus.deliverPending();
    return batch;
  }, options);
  if (received === 0 || bus.stats().delivered !== received || bus.stats().deadLettered > 0) {
    throw new Error(`bus bench: delivered ${bus.stats().delivered}, handler saw ${received}`);
  }
  void bus.close();
  return rate.median;
}
