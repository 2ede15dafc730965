/**
 * Transport drivers of a simulated run: how its messages are handed over. In-process, each step's
 * messages are delivered at once; over NATS, in lockstep — the venue's clock waits until every
 * message of the current step has come back from the server and been handled, so the run is
 * identical, message for message, to the in-process one.
 * @module
 */
import { MemoryBus, NatsBus } from "../../actors/bus/mod.ts";

const DAY_MS = 86_400_000;

/**
 * The JetStream stream a simulation run over NATS keeps its orders, fills and decisions in, on
 * `agora.sim.<scenario>.<run>.…`.
 */
export const SIM_STREAM = "AGORA_SIM";

/**
 * How a run hands its messages over. `step(fn)` runs `fn` — which publishes — and sees its
 * messages and everything they cause handled before the next step: at once on the in-process
 * bus; over NATS after the current venue event, when `catchUp` runs the queued steps one at a
 * time, each followed by a round trip of all its messages through the server (lockstep).
 */
export interface Driver {
  readonly bus: MemoryBus | NatsBus;
  step(fn: () => void): void;
  /** Whether steps or held work are waiting for `catchUp`. */
  readonly waiting: () => boolean;
  /** Runs the queued steps and waits for the held work (and the steps it takes). */
  catchUp(): Promise<void>;
  /**
   * Holds the clock until `work` is done: work off the decision path (a retraining) whose result
   * enters the run as a step at the time it was started, so the run stays deterministic. A failed
   * work's error is thrown by the next `catchUp`.
   */
  hold(work: Promise<void>): void;
  /**
   * The venue time a queued step was taken at, while it and its messages are handled (the
   * venue may have moved on within the event, as a replay bar does): the run's clock then.
   */
  readonly pinned: () => number | undefined;
  /** Waits until what the run published is stored; returns how many were (NATS), or undefined. */
  finish(): Promise<number | undefined>;
}

/** Work a driver holds its clock for; see {@linkcode Driver.hold}. */
function heldWork() {
  const held = new Set<Promise<void>>();
  let failed: unknown;
  return {
    hold(work: Promise<void>): void {
      const p: Promise<void> = work.then(
        () => void held.delete(p),
        (error) => {
          held.delete(p);
          failed ??= error;
        },
      );
      held.add(p);
    },
    get size() {
      return held.size;
    },
    /** Waits for what is held now; then throws the first failure, if any. */
    async settle(): Promise<void> {
      await Promise.all([...held]);
      if (failed !== undefined) {
        const error = failed;
        failed = undefined;
        throw error;
      }
    },
  };
}

/** The in-process driver: a manual-mode {@linkcode MemoryBus}, drained after every step. */
export function memoryDriver(): Driver {
  const bus = new MemoryBus({ mode: "manual" });
  const work = heldWork();
  return {
    bus,
    step(fn) {
      fn();
      bus.deliverPending();
    },
    waiting: () => work.size > 0,
    async catchUp() {
      bus.deliverPending();
      while (work.size > 0) {
        await work.settle();
        bus.deliverPending();
      }
    },
    hold: (w) => work.hold(w),
    pinned: () => undefined,
    finish: () => Promise.resolve(undefined),
  };
}

/**
 * The NATS lockstep driver: connects to `url`, keeps the run's orders, fills and decisions in
 * {@linkcode SIM_STREAM}, and runs queued steps one at a time, each followed by a round trip.
 */
export async function natsDriver(url: string, name: string, now: () => number): Promise<Driver> {
  const token = name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 32) || "run";
  const bus = await NatsBus.connect({
    servers: url,
    name: `agora-sim-${token}`,
    prefix: `agora.sim.${token}.${crypto.randomUUID().slice(0, 8)}`,
    ordered: true,
    // Orders, order states, fills, intents, risk decisions and controls of every run, kept a
    // week in one stream.
    durable: { stream: SIM_STREAM, namespace: "agora.sim.*.*", maxAgeMs: 7 * DAY_MS },
  });
  const queue: { fn: () => void; at: number }[] = [];
  const work = heldWork();
  let running = false;
  let pinned: number | undefined;
  return {
    bus,
    step(fn) {
      // Inside a handler or a step, publishes already follow the message being handled.
      if (running || bus.dispatching) fn();
      else queue.push({ fn, at: pinned ?? now() });
    },
    waiting: () => queue.length > 0 || work.size > 0,
    async catchUp() {
      do {
        try {
          for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
            pinned = s.at;
            running = true;
            try {
              s.fn();
            } finally {
              running = false;
            }
            await bus.settle();
          }
          await bus.settle();
        } finally {
          pinned = undefined;
        }
        // Held work's results come back as queued steps: run them too.
        if (work.size > 0) await work.settle();
      } while (queue.length > 0 || work.size > 0);
    },
    hold: (w) => work.hold(w),
    pinned: () => pinned,
    async finish() {
      await bus.flush();
      return bus.stats().persisted;
    },
  };
}
